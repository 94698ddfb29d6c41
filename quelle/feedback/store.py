"""Feedback on answers, kept durably in the data dir (`DATA_DIR/feedback.sqlite3`, SQLite in WAL mode).

One record per rated answer (its message id): rating again — or adding a correction after the thumb — replaces
it. A record holds what is needed to judge the answer later: the question, the chat before it, the settings that
mattered (backend, model, retrieval mode, k, filters), the answer (the `ask --json` object, with its citations:
article ids and passage offsets), the rating, an optional reason and correction, and the time.

Text is stored verbatim (a correction with HTML or markdown stays as typed); every face shows it as text.
Nothing leaves the data dir; `clear()` deletes feedback and stored chats.
"""

from __future__ import annotations

import datetime as dt
import json
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from quelle import sqlite_store
from quelle.answering import registry

DB_NAME = "feedback.sqlite3"
UP, DOWN = 1, 0  # st.feedback("thumbs") values
# why an answer was rated down (UI: „falsche Quelle / falsche Stelle / hätte nicht antworten sollen / sollte antworten“)
REASONS = ("wrong_source", "wrong_passage", "should_abstain", "should_answer")
MAX_CORRECTION_CHARS = 2000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id TEXT PRIMARY KEY,
    session_id TEXT NOT NULL DEFAULT '',
    rating INTEGER NOT NULL,
    reason TEXT,
    correction TEXT NOT NULL DEFAULT '',
    question TEXT NOT NULL,
    history TEXT NOT NULL,
    settings TEXT NOT NULL,
    answer TEXT NOT NULL,
    created TEXT NOT NULL,
    updated TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS chats (
    session_id TEXT PRIMARY KEY,
    messages TEXT NOT NULL,
    created TEXT NOT NULL,
    updated TEXT NOT NULL
);
"""


class FeedbackError(ValueError):
    """A rating that cannot be stored (unknown rating or reason); the message says which."""


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")


def request_settings(settings, filters=None) -> dict:
    """The settings that shaped an answer, as stored with its feedback."""
    backend = settings.llm or registry.FALLBACK
    f = filters
    return {
        "backend": backend,
        "model": settings.llm_model if registry.capabilities(backend).has_model else "",
        "mode": settings.retrieval_mode,
        "k": settings.top_k,
        "filters": {
            "article_ids": list(getattr(f, "article_ids", ()) or ()),
            "sources": list(getattr(f, "sources", ()) or ()),
            "since": getattr(f, "since", None),
            "until": getattr(f, "until", None),
        },
    }


@dataclass
class Feedback:
    id: str  # the rated answer's message id
    rating: int  # UP (1) or DOWN (0)
    question: str
    answer: dict  # the ask --json object (Answer.to_dict())
    history: list[dict] = field(default_factory=list)  # [{"role", "content"}] before the question
    settings: dict = field(default_factory=dict)  # request_settings()
    reason: str | None = None  # one of REASONS (rated down only)
    correction: str = ""  # „Richtige Antwort“, verbatim
    session_id: str = ""
    created: str = ""
    updated: str = ""

    def citations(self) -> list[dict]:
        """The answer's citations as stored: number, article id, title, date, url and passage offsets."""
        keys = ("n", "article_id", "title", "date", "url", "start", "end", "chunk_id", "highlights")
        return [{k: c.get(k) for k in keys if k in c} for c in self.answer.get("citations", [])]

    def to_dict(self) -> dict:
        d = asdict(self)
        d["citations"] = self.citations()
        return d


def validate(rating: int, reason: str | None) -> None:
    if rating not in (UP, DOWN):
        raise FeedbackError(f"rating must be {UP} (up) or {DOWN} (down), not {rating!r}")
    if reason is not None and reason not in REASONS:
        raise FeedbackError(f"reason must be one of {', '.join(REASONS)}, not {reason!r}")


class FeedbackStore:
    """Feedback and chats of one data dir. Every call opens its own short connection (safe from any thread or
    process); writes are transactions, synchronous=FULL, so a stored rating survives a crash."""

    def __init__(self, data_dir: Path):
        self.data_dir = Path(data_dir)
        self.path = self.data_dir / DB_NAME

    @classmethod
    def of(cls, settings) -> "FeedbackStore":
        return cls(settings.data_dir)

    def exists(self) -> bool:
        return self.path.is_file()

    @contextmanager
    def connect(self, write: bool = False):
        with sqlite_store.connect(self.path, _SCHEMA, write, foreign_keys=False) as db:
            yield db

    # --- feedback -------------------------------------------------------------------------------------------
    def rate(self, fb: Feedback) -> Feedback:
        """Store (or replace) the rating of one answer; returns it with its times set."""
        validate(fb.rating, fb.reason)
        if fb.rating == UP:  # a reason or correction belongs to a thumb down
            fb.reason, fb.correction = None, ""
        fb.correction = (fb.correction or "").strip()[:MAX_CORRECTION_CHARS]
        stamp = now()
        with self.connect(write=True) as db:
            row = db.execute("SELECT created FROM feedback WHERE id = ?", (fb.id,)).fetchone()
            fb.created = row[0] if row else (fb.created or stamp)
            fb.updated = stamp
            db.execute(
                "INSERT OR REPLACE INTO feedback (id, session_id, rating, reason, correction, question, "
                "history, settings, answer, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    fb.id,
                    fb.session_id,
                    fb.rating,
                    fb.reason,
                    fb.correction,
                    fb.question,
                    json.dumps(fb.history, ensure_ascii=False),
                    json.dumps(fb.settings, ensure_ascii=False),
                    json.dumps(fb.answer, ensure_ascii=False),
                    fb.created,
                    fb.updated,
                ),
            )
        return fb

    def unrate(self, feedback_id: str) -> bool:
        """Take a rating back (the thumb clicked off)."""
        with self.connect(write=True) as db:
            return db.execute("DELETE FROM feedback WHERE id = ?", (feedback_id,)).rowcount > 0

    def get(self, feedback_id: str) -> Feedback | None:
        found = self._select("WHERE id = ?", (feedback_id,))
        return found[0] if found else None

    def records(self) -> list[Feedback]:
        """Every rating, oldest first."""
        return self._select("ORDER BY created, id", ())

    def _select(self, where: str, args: tuple) -> list[Feedback]:
        if not self.exists():
            return []
        with self.connect() as db:
            rows = db.execute(
                "SELECT id, session_id, rating, reason, correction, question, history, settings, "
                f"answer, created, updated FROM feedback {where}",
                args,
            ).fetchall()
        return [
            Feedback(
                id=r[0],
                session_id=r[1],
                rating=r[2],
                reason=r[3],
                correction=r[4],
                question=r[5],
                history=json.loads(r[6]),
                settings=json.loads(r[7]),
                answer=json.loads(r[8]),
                created=r[9],
                updated=r[10],
            )
            for r in rows
        ]

    # --- chats ----------------------------------------------------------------------------------------------
    def save_chat(self, session_id: str, messages: list[dict]) -> None:
        stamp = now()
        with self.connect(write=True) as db:
            db.execute(
                "INSERT INTO chats (session_id, messages, created, updated) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(session_id) DO UPDATE SET messages = excluded.messages, updated = excluded.updated",
                (session_id, json.dumps(messages, ensure_ascii=False), stamp, stamp),
            )

    def load_chat(self, session_id: str) -> list[dict] | None:
        if not self.exists():
            return None
        with self.connect() as db:
            row = db.execute("SELECT messages FROM chats WHERE session_id = ?", (session_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def chat_count(self) -> int:
        if not self.exists():
            return 0
        with self.connect() as db:
            return db.execute("SELECT COUNT(*) FROM chats").fetchone()[0]

    # --- privacy --------------------------------------------------------------------------------------------
    def clear(self) -> tuple[int, int]:
        """Delete every rating and every stored chat; returns (ratings, chats) deleted. The file is vacuumed so
        the deleted text does not linger in free pages."""
        if not self.exists():
            return 0, 0
        with self.connect(write=True) as db:
            n_feedback = db.execute("DELETE FROM feedback").rowcount
            n_chats = db.execute("DELETE FROM chats").rowcount
        with self.connect() as db:
            db.execute("VACUUM")
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return n_feedback, n_chats
