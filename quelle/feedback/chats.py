"""Chats worth keeping: the chat of one browser session stored under its session id in the data dir (so it
survives a page reload), and the conversation as Markdown or JSON for „Exportieren“.

A chat is bound to its owner by a key: HMAC-SHA256 of the session id under a server-side secret
(`DATA_DIR/chat-secret`, made on first use, readable by the owner of the data dir only). The owner's URL carries
`?chat=<id>&key=<key>`; an id alone — from a rating record, a log, a guess — does not open a chat when the app has
passwords (`ChatStore.load_owned`), and nobody can make a key without the secret.

A chat is the list of messages the chat page keeps: `{"role": "user", "content"}` and
`{"role": "assistant", "content", "id", "answer": Answer.to_dict(), ...}` (or `"error"`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import uuid
from pathlib import Path
from urllib.parse import quote, urlsplit

from quelle.feedback.store import FeedbackStore

_SESSION_ID = re.compile(r"^[0-9a-f]{32}$")
SECRET_FILE = "chat-secret"  # in the data dir: the key of every chat's key


def new_session_id() -> str:
    return uuid.uuid4().hex


def valid_session_id(value) -> str | None:
    """The value if it is a session id this module made (32 hex digits); anything else from a URL is refused."""
    value = value[0] if isinstance(value, list) and value else value
    return value if isinstance(value, str) and _SESSION_ID.match(value) else None


class ChatStore:
    """The chats of one data dir, one per session id (kept in the feedback database)."""

    def __init__(self, store: FeedbackStore):
        self.store = store

    @classmethod
    def of(cls, settings) -> "ChatStore":
        return cls(FeedbackStore.of(settings))

    def load(self, session_id: str) -> list[dict]:
        if not valid_session_id(session_id):
            return []
        return self.store.load_chat(session_id) or []

    def exists(self, session_id: str) -> bool:
        return bool(valid_session_id(session_id)) and self.store.load_chat(session_id) is not None

    # --- the owner's key ------------------------------------------------------------------------------------
    def _secret(self) -> bytes:
        """The data dir's chat secret: read, or made once (written aside, then linked into place, so two processes
        starting at once agree on one secret and nobody reads a half-written file)."""
        path = Path(self.store.data_dir) / SECRET_FILE
        try:
            return bytes.fromhex(path.read_text(encoding="ascii").strip())
        except (FileNotFoundError, ValueError):
            pass
        path.parent.mkdir(parents=True, exist_ok=True)
        aside = path.with_name(f".{SECRET_FILE}.{secrets.token_hex(8)}")
        fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(secrets.token_hex(32) + "\n")
        try:
            os.link(aside, path)
        except FileExistsError:
            pass  # another process was first: use its secret
        finally:
            aside.unlink()
        return bytes.fromhex(path.read_text(encoding="ascii").strip())

    def key(self, session_id: str) -> str:
        """The key that opens the chat `session_id` (32 hex digits)."""
        if not valid_session_id(session_id):
            raise ValueError(f"not a session id: {session_id!r}")
        return hmac.new(self._secret(), session_id.encode("ascii"), hashlib.sha256).hexdigest()[:32]

    def owns(self, session_id: str, key) -> bool:
        """True when `key` (e.g. from the URL) is the key of `session_id`; compared in constant time."""
        key = key[0] if isinstance(key, list) and key else key
        if not valid_session_id(session_id) or not isinstance(key, str) or not key:
            return False
        return hmac.compare_digest(self.key(session_id).encode("ascii"), key.encode("utf-8", "replace"))

    def load_owned(self, session_id: str, key) -> list[dict] | None:
        """The chat if `key` is its key; None (not [], so a caller can tell a refusal) otherwise."""
        return self.load(session_id) if self.owns(session_id, key) else None

    def save(self, session_id: str, messages: list[dict]) -> None:
        if not valid_session_id(session_id):
            raise ValueError(f"not a session id: {session_id!r}")
        self.store.save_chat(session_id, messages)


# --- export -----------------------------------------------------------------------------------------------------
LABELS = {
    "de": {
        "title": "Quelle – Chat",
        "question": "Frage",
        "answer": "Antwort",
        "sources": "Quellen",
        "abstained": "keine Angabe",
        "error": "Fehler",
        "page": "S.",
        "exported": "Exportiert",
    },
    "en": {
        "title": "Quelle – chat",
        "question": "Question",
        "answer": "Answer",
        "sources": "Sources",
        "abstained": "no answer",
        "error": "Error",
        "page": "p.",
        "exported": "Exported",
    },
}


# Markdown from untrusted text (titles, passages, questions, answers, sources, dates all come from articles or
# users): every character that is markup somewhere is escaped, so a renderer shows the text as it was written.
# Inline syntax anywhere (emphasis, code, links, images, HTML, entities, tables, strikethrough, math, emoji and
# autolinks — `:` and `@` — and `#`/`=`) is backslash-escaped; `& < >` become entities (no raw HTML); a `.` inside a
# word (`evil.example`: what a GFM/linkify autolinker takes for a host) is escaped, a sentence's end is not; at the
# start of a line the block markers (`-`, `+`, `1.`) are escaped too and indentation is dropped (no list, heading,
# quote, code block or setext underline). Hyphens, commas and sentence ends inside a line stay readable.
_INLINE = re.compile(r"([\\`*_~{}\[\]()!|:@$=#^])")
_IN_WORD_DOT = re.compile(r"\.(?=\S)")
_BLOCK_START = re.compile(r"^(?:([-+])|(\d+)([.)]))")  # a list item: `- `, `+ `, `1. `
_URL_SAFE = ":/?#[]@!$&'*+,;=%-._~"  # kept in a link target; everything else (spaces, parentheses, <>…) encoded


def _md_line(value) -> str:
    """One line of Markdown text showing `value` as it is (see above)."""
    text = _INLINE.sub(r"\\\1", str(value).strip())
    text = _IN_WORD_DOT.sub(r"\\.", text)
    text = _BLOCK_START.sub(lambda m: "\\" + m[1] if m[1] else m[2] + "\\" + m[3], text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def md_text(value) -> str:
    """A one-line field (title, question, date, source, error): line breaks become spaces, so nothing it holds
    can start a block (a heading, a list) of its own; markup escaped (_md_line). Public: every Markdown file Quelle
    writes from untrusted text uses it (the chat export here, the evaluation's report.md)."""
    return _md_line(" ".join(str(value or "").split()))


def _md_lines(value) -> list[str]:
    """A text with lines (answer, passage): each line escaped on its own (_md_line), blank lines kept."""
    return [_md_line(" ".join(line.split())) if line.strip() else "" for line in str(value or "").strip().splitlines()]


def _answer(value) -> str:
    """The answer: its lines kept (a hard break at each line end, e.g. „Mögliche Antworten:“ and its candidates),
    blank lines as paragraph breaks."""
    lines = _md_lines(value)
    return "\n".join(line + "\\" if line and nxt else line for line, nxt in zip(lines, lines[1:] + [""]))


def _quoted(value: str) -> str:
    """A passage as a block quote, line by line."""
    return "\n".join("> " + line if line else ">" for line in _md_lines(value))


def article_link(url) -> str | None:
    """An article's URL as a Markdown link target: only http(s) with a host; spaces, parentheses, `<>`, quotes,
    backslashes and non-ASCII percent-encoded (so the URL can neither end the link early nor become another);
    None for anything else (a `javascript:` URL is shown as text, not linked)."""
    url = str(url or "").strip()
    if not url or any(ord(ch) < 32 or ord(ch) == 127 for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return quote(url, safe=_URL_SAFE)


def _turns(messages: list[dict]):
    """(question, assistant message) pairs in order; a question without answer yet gets None."""
    question = None
    for m in messages:
        if m.get("role") == "user":
            if question is not None:
                yield question, None
            question = m.get("content", "")
        elif m.get("role") == "assistant":
            yield question or "", m
            question = None
    if question is not None:
        yield question, None


def chat_markdown(messages: list[dict], language: str = "de", stamp: str = "") -> str:
    """The conversation as Markdown: each question, the answer, and its numbered sources (title, date, source,
    page, URL, the cited passage)."""
    lab = LABELS.get(language, LABELS["de"])
    out = [f"# {lab['title']}", ""]
    if stamp:
        out += [f"{lab['exported']}: {md_text(stamp)}", ""]
    for i, (question, m) in enumerate(_turns(messages), 1):
        out += [f"## {i}. {lab['question']}: {md_text(question)}", ""]
        if m is None:
            continue
        if m.get("error"):
            out += [f"**{lab['error']}:** {md_text(m['error'])}", ""]
            continue
        answer = m.get("answer") or {}
        text = answer.get("answer", m.get("content", ""))
        out += [f"**{lab['answer']}**" + (f" ({lab['abstained']})" if answer.get("abstained") else "") + ":", ""]
        out += [_answer(text), ""]
        cites = sorted(answer.get("citations") or [], key=lambda c: _number(c.get("n")))
        if cites:
            out += [f"**{lab['sources']}:**", ""]
        for c in cites:
            page = f"{lab['page']} {md_text(c['page'])}" if c.get("page") not in (None, "") else ""
            where = ", ".join(x for x in (md_text(c.get("date")), md_text(c.get("source")), page) if x)
            # `[n]` is Quelle's own (no link: user text cannot define a link label, its brackets are escaped)
            line = f"[{_number(c.get('n'))}] {md_text(c.get('title') or c.get('article_id') or '?')}"
            line += f" ({where})" if where else ""
            url = str(c.get("url") or "").strip()
            if url:
                link = article_link(url)
                line += f" – <{link}>" if link else f" – {md_text(url)}"
            out += [line, ""]
            passage = c.get("text") or ""
            spans = c.get("highlights") or []
            cited = " … ".join(passage[s:e] for s, e in spans) if spans else passage
            if cited.strip():
                out += [_quoted(cited), ""]
    return "\n".join(out).rstrip() + "\n"


def _number(n) -> int:
    """A citation's number as an int (0 when it is none)."""
    try:
        return int(n)
    except (TypeError, ValueError):
        return 0


def chat_json(messages: list[dict]) -> str:
    """The conversation's answers as a JSON list of `quelle ask --json` objects (Answer.to_dict()), in order."""
    return (
        json.dumps(
            [m["answer"] for m in messages if m.get("role") == "assistant" and m.get("answer")],
            ensure_ascii=False,
            indent=2,
        )
        + "\n"
    )
