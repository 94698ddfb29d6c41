"""Feedback that becomes evaluation data, and chats worth keeping (issue 21).

- `store`: ratings (and chats) in `DATA_DIR/feedback.sqlite3`;
- `export`: ratings → gold rows for `quelle eval`;
- `chats`: the chat per browser session id, and its Markdown / JSON export.
"""

from quelle.feedback.store import DOWN, REASONS, UP, Feedback, FeedbackError, FeedbackStore, request_settings

__all__ = ["DOWN", "REASONS", "UP", "Feedback", "FeedbackError", "FeedbackStore", "request_settings"]
