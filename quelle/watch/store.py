"""Watched questions, kept durably in the data dir (`DATA_DIR/watches.sqlite3`, SQLite in WAL mode, as feedback is).

A watch is a question with the settings it was first asked with (backend, model, retrieval mode, k, filters, the
time-aware switch), its cadence (quelle/watch/cadence.py) and an optional webhook URL. Its versions are the answers
whose fact changed (quelle/watch/fact.py), numbered 1, 2, …: each keeps its answer and the one before it (text, span,
band, citations with article ids, titles and dates), the fact key, why it is new, the citation that caused it, when it
was found and the store revision it was found at, and the state of its webhook delivery. „Seen“ is kept per viewer
(the UI's role), so „Neu“ means: found after that viewer last opened the page.

Every call opens its own short connection (safe from any thread or process); writes are transactions with
synchronous=FULL, so a version survives a crash; a new version is decided inside the write transaction, so two
processes checking at once cannot both add the same change."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from quelle import sqlite_store
from quelle.watch import cadence
from quelle.watch.fact import Fact

DB_NAME = "watches.sqlite3"
# webhook delivery of a version ("" without a webhook); "sending": claimed by one process (claimed: when)
PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"
STALE_CLAIM_S = 600  # a claim older than this (its process died while sending) may be taken over
MAX_URL_CHARS = 2000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS watches (
    id TEXT PRIMARY KEY,
    question TEXT NOT NULL,
    settings TEXT NOT NULL,
    every TEXT NOT NULL,
    webhook TEXT NOT NULL DEFAULT '',
    created TEXT NOT NULL,
    last_checked TEXT,
    last_revision TEXT NOT NULL DEFAULT '',
    last_error TEXT NOT NULL DEFAULT '',
    checks INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS versions (
    watch_id TEXT NOT NULL REFERENCES watches(id) ON DELETE CASCADE,
    n INTEGER NOT NULL,
    found TEXT NOT NULL,
    revision TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL,
    fact TEXT NOT NULL,
    answer TEXT NOT NULL,
    previous TEXT,
    cause TEXT,
    delivery TEXT NOT NULL DEFAULT '',
    attempts INTEGER NOT NULL DEFAULT 0,
    delivery_error TEXT NOT NULL DEFAULT '',
    claimed TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (watch_id, n)
);
CREATE TABLE IF NOT EXISTS seen (
    watch_id TEXT NOT NULL REFERENCES watches(id) ON DELETE CASCADE,
    viewer TEXT NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (watch_id, viewer)
);
"""


class WatchError(ValueError):
    """A watch that cannot be stored or found (bad cadence, bad webhook URL, unknown id); the message says which."""


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")


def check_webhook(url: str | None) -> str:
    url = (url or "").strip()
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > MAX_URL_CHARS:
        raise WatchError(f"webhook: '{url[:80]}' is not an http(s) URL")
    return url


@dataclass
class Version:
    watch_id: str
    n: int
    found: str  # when the check found it (UTC)
    reason: str  # first | answered | lost | value | date (quelle/watch/fact.py)
    fact: dict
    answer: dict  # compact answer (quelle/watch/check.py: compact())
    previous: dict | None = None  # the answer of version n-1 (None for the first)
    cause: dict | None = None  # the citation that caused the change
    revision: str = ""
    delivery: str = ""  # "", pending, sent, failed
    attempts: int = 0
    delivery_error: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Watch:
    id: str
    question: str
    settings: dict  # what it is asked with (quelle/watch/check.py: watch_settings())
    every: str = cadence.SYNC
    webhook: str = ""
    created: str = ""
    last_checked: str | None = None
    last_revision: str = ""
    last_error: str = ""
    checks: int = 0
    versions: list[Version] = field(default_factory=list)

    @property
    def latest(self) -> Version | None:
        return self.versions[-1] if self.versions else None

    def new_for(self, seen: int) -> list[Version]:
        """The versions found after version `seen`, the first one (the answer it was added with) left out."""
        return [v for v in self.versions if v.n > max(seen, 1)]

    def to_dict(self) -> dict:
        d = asdict(self)
        d["versions"] = [v.to_dict() for v in self.versions]
        return d


class WatchStore:
    """The watches of one data dir."""

    def __init__(self, data_dir: Path):
        self.data_dir = Path(data_dir)
        self.path = self.data_dir / DB_NAME

    @classmethod
    def of(cls, settings) -> "WatchStore":
        return cls(settings.data_dir)

    def exists(self) -> bool:
        return self.path.is_file()

    @contextmanager
    def connect(self, write: bool = False):
        with sqlite_store.connect(self.path, _SCHEMA, write, foreign_keys=True) as db:
            yield db

    # --- watches --------------------------------------------------------------------------------------------
    def add(self, question: str, settings: dict, every: str | None = None, webhook: str | None = None) -> Watch:
        question = " ".join((question or "").split())
        if not question:
            raise WatchError("question: the question is empty")
        try:
            every = cadence.parse(every)
        except cadence.CadenceError as e:
            raise WatchError(str(e)) from None
        w = Watch(uuid.uuid4().hex[:12], question, settings, every, check_webhook(webhook), now())
        with self.connect(write=True) as db:
            db.execute(
                "INSERT INTO watches (id, question, settings, every, webhook, created) VALUES (?, ?, ?, ?, ?, ?)",
                (w.id, w.question, json.dumps(settings, ensure_ascii=False), w.every, w.webhook, w.created),
            )
        return w

    def remove(self, watch_id: str) -> bool:
        with self.connect(write=True) as db:
            return db.execute("DELETE FROM watches WHERE id = ?", (watch_id,)).rowcount > 0

    def get(self, watch_id: str) -> Watch | None:
        found = self._select("WHERE id = ?", (watch_id,))
        return found[0] if found else None

    def require(self, watch_id: str) -> Watch:
        w = self.get(watch_id)
        if w is None:
            raise WatchError(f"watch: no watched question with id '{watch_id}' (see 'quelle watch list')")
        return w

    def watches(self) -> list[Watch]:
        """Every watch with its versions, oldest first."""
        return self._select("ORDER BY created, id", ())

    def _select(self, where: str, args: tuple) -> list[Watch]:
        if not self.exists():
            return []
        with self.connect() as db:
            rows = db.execute(
                "SELECT id, question, settings, every, webhook, created, last_checked, last_revision, last_error, "
                f"checks FROM watches {where}",
                args,
            ).fetchall()
            out = []
            for r in rows:
                w = Watch(r[0], r[1], json.loads(r[2]), r[3], r[4], r[5], r[6], r[7], r[8], r[9])
                w.versions = self._versions(db, w.id)
                out.append(w)
        return out

    @staticmethod
    def _versions(db, watch_id: str) -> list[Version]:
        rows = db.execute(
            "SELECT watch_id, n, found, reason, fact, answer, previous, cause, revision, delivery, attempts, "
            "delivery_error FROM versions WHERE watch_id = ? ORDER BY n",
            (watch_id,),
        ).fetchall()
        return [
            Version(
                r[0],
                r[1],
                r[2],
                r[3],
                json.loads(r[4]),
                json.loads(r[5]),
                json.loads(r[6]) if r[6] else None,
                json.loads(r[7]) if r[7] else None,
                r[8],
                r[9],
                r[10],
                r[11],
            )
            for r in rows
        ]

    # --- checks ---------------------------------------------------------------------------------------------
    def record(
        self, watch_id: str, fact: Fact, reason_of, answer: dict, cause_of, revision: str, error: str = ""
    ) -> Version | None:
        """Record one check: the watch's last check moves; when `reason_of(previous fact or None, fact)` names a
        reason, a new version is kept (decided in the transaction, against the latest stored version)."""
        stamp = now()
        with self.connect(write=True) as db:
            row = db.execute("SELECT webhook FROM watches WHERE id = ?", (watch_id,)).fetchone()
            if row is None:
                return None  # removed meanwhile
            db.execute(
                "UPDATE watches SET last_checked = ?, last_revision = ?, last_error = ?, checks = checks + 1 "
                "WHERE id = ?",
                (stamp, revision, error, watch_id),
            )
            if error:
                return None
            last = db.execute(
                "SELECT n, fact, answer FROM versions WHERE watch_id = ? ORDER BY n DESC LIMIT 1", (watch_id,)
            ).fetchone()
            why = reason_of(Fact.from_dict(json.loads(last[1])) if last else None, fact)
            if why is None:
                return None
            v = Version(
                watch_id,
                (last[0] + 1) if last else 1,
                stamp,
                why,
                fact.to_dict(),
                answer,
                json.loads(last[2]) if last else None,
                cause_of(why),
                revision,
                PENDING if row[0] and last else "",  # the first version is the question's start, not a change
            )
            db.execute(
                "INSERT INTO versions (watch_id, n, found, revision, reason, fact, answer, previous, cause, "
                "delivery) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    v.watch_id,
                    v.n,
                    v.found,
                    v.revision,
                    v.reason,
                    json.dumps(v.fact, ensure_ascii=False),
                    json.dumps(v.answer, ensure_ascii=False),
                    json.dumps(v.previous, ensure_ascii=False) if v.previous else None,
                    json.dumps(v.cause, ensure_ascii=False) if v.cause else None,
                    v.delivery,
                ),
            )
        return v

    # --- webhook deliveries ---------------------------------------------------------------------------------
    def pending(self) -> list[tuple[Watch, Version]]:
        """Versions whose webhook has not been delivered yet (or whose sender died), oldest first."""
        return [(w, v) for w in self.watches() if w.webhook for v in w.versions if v.delivery in (PENDING, SENDING)]

    def claim(self, watch_id: str, n: int) -> bool:
        """Take one delivery for this process: True for exactly one of several processes delivering at once (so a
        receiver gets each change once); a claim older than STALE_CLAIM_S is taken over."""
        stamp = dt.datetime.now(dt.timezone.utc)
        stale = (stamp - dt.timedelta(seconds=STALE_CLAIM_S)).isoformat(timespec="microseconds")
        with self.connect(write=True) as db:
            return (
                db.execute(
                    "UPDATE versions SET delivery = ?, claimed = ? WHERE watch_id = ? AND n = ? AND "
                    "(delivery = ? OR (delivery = ? AND claimed < ?))",
                    (SENDING, stamp.isoformat(timespec="microseconds"), watch_id, n, PENDING, SENDING, stale),
                ).rowcount
                == 1
            )

    def delivered(self, watch_id: str, n: int, status: str, attempts: int, error: str = "") -> None:
        """The outcome of a claimed delivery: SENT, FAILED (final) or PENDING (tried again after the next check)."""
        with self.connect(write=True) as db:
            db.execute(
                "UPDATE versions SET delivery = ?, attempts = attempts + ?, delivery_error = ?, claimed = '' "
                "WHERE watch_id = ? AND n = ?",
                (status, attempts, error, watch_id, n),
            )

    # --- seen -----------------------------------------------------------------------------------------------
    def seen(self, viewer: str) -> dict[str, int]:
        """watch id -> the last version `viewer` has seen."""
        if not self.exists():
            return {}
        with self.connect() as db:
            return dict(db.execute("SELECT watch_id, version FROM seen WHERE viewer = ?", (viewer,)).fetchall())

    def mark_seen(self, viewer: str, versions: dict[str, int]) -> None:
        with self.connect(write=True) as db:
            for watch_id, n in versions.items():
                db.execute(
                    "INSERT INTO seen (watch_id, viewer, version) SELECT ?, ?, ? WHERE EXISTS "
                    "(SELECT 1 FROM watches WHERE id = ?) ON CONFLICT(watch_id, viewer) DO UPDATE SET "
                    "version = max(version, excluded.version)",
                    (watch_id, viewer, n, watch_id),
                )
