"""The feed registry and per-URL fetch state, in SQLite next to the store (DATA_DIR/feeds.sqlite3).

Tables: feeds (what `quelle feeds add` stored), robots (each host's robots.txt, reused for up to a day), documents (validators of feeds and sitemaps for conditional GET,
and a sitemap index's children), entries (every entry seen per feed: what the feed said, its fingerprint, and the
fingerprint that was last handled — `done`), pages (validators and the article each page URL became).

Durability: an entry is marked done, and its page's validators saved, only after its article is in the store;
a pass killed half-way repeats the unfinished entries and the Library's content hash finds the rest unchanged."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from quelle.feeds.parse import Entry

FILE_NAME = "feeds.sqlite3"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS feeds (
    url TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, added TEXT NOT NULL,
    last_sync TEXT, status TEXT, message TEXT, summary TEXT);
CREATE TABLE IF NOT EXISTS documents (
    url TEXT PRIMARY KEY, etag TEXT, last_modified TEXT, fetched TEXT, children TEXT);
CREATE TABLE IF NOT EXISTS entries (
    feed TEXT NOT NULL, key TEXT NOT NULL, doc TEXT NOT NULL, position INTEGER NOT NULL DEFAULT 0,
    fingerprint TEXT NOT NULL, data TEXT, in_feed INTEGER NOT NULL DEFAULT 1, done TEXT, status TEXT,
    retry INTEGER NOT NULL DEFAULT 0, message TEXT, article_id TEXT, seen TEXT, handled TEXT,
    PRIMARY KEY (feed, key));
CREATE INDEX IF NOT EXISTS entries_article ON entries (article_id);
CREATE TABLE IF NOT EXISTS robots (
    host TEXT PRIMARY KEY, status INTEGER NOT NULL, body TEXT, fetched REAL NOT NULL);
CREATE TABLE IF NOT EXISTS pages (
    url TEXT PRIMARY KEY, final_url TEXT, article_id TEXT, content_hash TEXT, etag TEXT, last_modified TEXT,
    fetched TEXT);
"""


def now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


class RegistryError(Exception):
    pass


@dataclass
class Feed:
    url: str
    name: str
    kind: str | None  # feed | sitemap | page; None: not stored, detected on the pass
    added: str = ""
    last_sync: str = ""
    status: str = ""  # ok | not_modified | failed | interrupted ('' before the first sync)
    message: str = ""
    summary: dict | None = None  # the last pass: {"new", "updated", "unchanged", "failed"}
    articles: int = 0
    stored: bool = True

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "url": self.url,
            "kind": self.kind,
            "added": self.added,
            "last_sync": self.last_sync,
            "status": self.status,
            "message": self.message,
            "last_summary": self.summary or {},
            "articles": self.articles,
        }


@dataclass
class PageState:
    url: str
    final_url: str
    article_id: str
    content_hash: str
    etag: str | None
    last_modified: str | None


@dataclass
class Outcome:
    """What handling one entry came to, recorded in one transaction with the others of its batch."""

    key: str
    fingerprint: str
    status: str  # ok | failed
    retry: bool = False
    message: str = ""
    article_id: str = ""
    page: PageState | None = None  # validators to save for the entry's page


class Registry:
    def __init__(self, data_dir: Path):
        self.path = Path(data_dir) / FILE_NAME
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self.db = sqlite3.connect(self.path, timeout=60, check_same_thread=False, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(_SCHEMA)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "Registry":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _tx(self):
        return _Transaction(self.db, self._lock)

    # --- feeds ----------------------------------------------------------------------------------------------
    def feeds(self) -> list[Feed]:
        rows = self.db.execute("SELECT * FROM feeds ORDER BY added, name").fetchall()
        counts = dict(
            self.db.execute(
                "SELECT feed, COUNT(DISTINCT article_id) FROM entries WHERE status='ok' AND article_id IS NOT NULL "
                "GROUP BY feed"
            ).fetchall()
        )
        return [self._feed(r, counts.get(r["url"], 0)) for r in rows]

    @staticmethod
    def _feed(row, articles: int) -> Feed:
        return Feed(
            row["url"],
            row["name"],
            row["kind"],
            row["added"],
            row["last_sync"] or "",
            row["status"] or "",
            row["message"] or "",
            json.loads(row["summary"]) if row["summary"] else None,
            articles,
        )

    def find(self, name_or_url: str) -> Feed | None:
        """A stored feed by its name (case-insensitive) or its URL."""
        value = name_or_url.strip()
        for f in self.feeds():
            if f.url == value or f.name == value:
                return f
        lower = value.lower()
        return next((f for f in self.feeds() if f.name.lower() == lower or f.url.lower() == lower), None)

    def add(self, url: str, name: str, kind: str) -> Feed:
        with self._tx():
            taken = self.db.execute("SELECT url FROM feeds WHERE lower(name)=lower(?)", (name,)).fetchone()
            if taken and taken["url"] != url:
                raise RegistryError(f"the name '{name}' is taken by {taken['url']}; choose another with --name")
            if self.db.execute("SELECT 1 FROM feeds WHERE url=?", (url,)).fetchone():
                self.db.execute("UPDATE feeds SET name=?, kind=? WHERE url=?", (name, kind, url))
            else:
                self.db.execute(
                    "INSERT INTO feeds (url, name, kind, added) VALUES (?, ?, ?, ?)", (url, name, kind, now())
                )
        return self.find(url)

    def unique_name(self, name: str, url: str) -> str:
        """`name`, or `name (2)`, … when another feed already has it."""
        taken = {r[0].lower() for r in self.db.execute("SELECT name FROM feeds WHERE url != ?", (url,))}
        candidate, n = name, 1
        while candidate.lower() in taken:
            n += 1
            candidate = f"{name} ({n})"
        return candidate

    def remove(self, feed: Feed) -> list[str]:
        """Forget a feed and its entries. Returns the article ids only this feed brought in (for --delete-articles)."""
        with self._tx():
            own = {
                r[0]
                for r in self.db.execute(
                    "SELECT DISTINCT article_id FROM entries WHERE feed=? AND article_id IS NOT NULL", (feed.url,)
                )
            }
            shared = {
                r[0]
                for r in self.db.execute(
                    "SELECT DISTINCT article_id FROM entries WHERE feed!=? AND article_id IS NOT NULL", (feed.url,)
                )
            }
            docs = [r[0] for r in self.db.execute("SELECT DISTINCT doc FROM entries WHERE feed=?", (feed.url,))]
            self.db.execute("DELETE FROM entries WHERE feed=?", (feed.url,))
            self.db.execute("DELETE FROM feeds WHERE url=?", (feed.url,))
            for doc in set(docs) | {feed.url}:
                self.db.execute("DELETE FROM documents WHERE url=?", (doc,))
        return sorted(own - shared)

    def forget_articles(self, article_ids: Iterable[str]) -> None:
        """Pages that became these (now deleted) articles are fetched in full next time."""
        with self._tx():
            for a in article_ids:
                self.db.execute("DELETE FROM pages WHERE article_id=?", (a,))

    def record_sync(self, url: str, status: str, message: str, summary: dict) -> None:
        with self._tx():
            self.db.execute(
                "UPDATE feeds SET last_sync=?, status=?, message=?, summary=? WHERE url=?",
                (now(), status, message, json.dumps(summary), url),
            )

    # --- documents (feeds, sitemaps) ----------------------------------------------------------------------
    def validators(self, url: str) -> tuple[str | None, str | None]:
        row = self.db.execute("SELECT etag, last_modified FROM documents WHERE url=?", (url,)).fetchone()
        return (row["etag"], row["last_modified"]) if row else (None, None)

    def children(self, url: str) -> list[str]:
        row = self.db.execute("SELECT children FROM documents WHERE url=?", (url,)).fetchone()
        return json.loads(row["children"]) if row and row["children"] else []

    def save_document(
        self, url: str, etag: str | None, last_modified: str | None, children: list[str] | None = None
    ) -> None:
        with self._tx():
            self._save_document(url, etag, last_modified, children)

    def _save_document(self, url, etag, last_modified, children=None) -> None:
        self.db.execute(
            "INSERT INTO documents (url, etag, last_modified, fetched, children) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(url) DO UPDATE SET etag=excluded.etag, last_modified=excluded.last_modified, "
            "fetched=excluded.fetched, children=excluded.children",
            (url, etag, last_modified, now(), json.dumps(children) if children is not None else None),
        )

    def store_entries(
        self,
        feed: str,
        doc: str,
        entries: list[Entry],
        etag: str | None,
        last_modified: str | None,
        children: list[str] | None = None,
    ) -> None:
        """What one document (a feed, or one sitemap of an index) lists now, with its validators — one
        transaction, so a validator is never saved without the entries it stands for."""
        stamp = now()
        with self._tx():
            self.db.execute("UPDATE entries SET in_feed=0 WHERE feed=? AND doc=?", (feed, doc))
            for pos, e in enumerate(entries):
                self.db.execute(
                    "INSERT INTO entries (feed, key, doc, position, fingerprint, data, in_feed, seen) "
                    "VALUES (?, ?, ?, ?, ?, ?, 1, ?) ON CONFLICT(feed, key) DO UPDATE SET doc=excluded.doc, "
                    "position=excluded.position, fingerprint=excluded.fingerprint, data=excluded.data, in_feed=1, "
                    "seen=excluded.seen",
                    (feed, e.key, doc, pos, e.fingerprint, e.to_json(), stamp),
                )
            self._save_document(doc, etag, last_modified, children)

    def keep_docs(self, feed: str, docs: list[str]) -> None:
        """A sitemap index changed: entries of sitemaps it no longer lists are no longer in the feed."""
        with self._tx():
            marks = ",".join("?" * len(docs))
            self.db.execute(f"UPDATE entries SET in_feed=0 WHERE feed=? AND doc NOT IN ({marks})", (feed, *docs))

    def todo(self, feed: str, limit: int) -> tuple[list[tuple[str, Entry, str]], int]:
        """Entries of `feed` to handle now, best first, at most `limit`: new ones, changed ones, and failures worth
        retrying. Returns ([(key, entry, fingerprint)], how many there are in all)."""
        where = "feed=? AND in_feed=1 AND (done IS NULL OR done != fingerprint OR (status='failed' AND retry=1))"
        total = self.db.execute(f"SELECT COUNT(*) FROM entries WHERE {where}", (feed,)).fetchone()[0]
        rows = self.db.execute(
            f"SELECT key, data, fingerprint FROM entries WHERE {where} ORDER BY position, doc LIMIT ?",
            (feed, max(limit, 0)),
        ).fetchall()
        return [(r["key"], Entry.from_json(r["data"]), r["fingerprint"]) for r in rows], total

    def settled(self, feed: str) -> set[str]:
        """Keys of the feed's entries whose article is stored and which nothing asks to handle again."""
        return {
            r[0]
            for r in self.db.execute(
                "SELECT key FROM entries WHERE feed=? AND in_feed=1 AND status='ok' AND done=fingerprint", (feed,)
            )
        }

    def record(self, feed: str, outcomes: list[Outcome]) -> None:
        """Mark entries handled (and save their pages' validators) — after their articles are in the store."""
        stamp = now()
        with self._tx():
            for o in outcomes:
                self.db.execute(
                    "UPDATE entries SET done=?, status=?, retry=?, message=?, article_id=COALESCE(?, article_id), "
                    "handled=?, data=CASE WHEN ?='ok' THEN NULL ELSE data END WHERE feed=? AND key=?",
                    (
                        o.fingerprint,
                        o.status,
                        int(o.retry),
                        o.message,
                        o.article_id or None,
                        stamp,
                        o.status,
                        feed,
                        o.key,
                    ),
                )
                if o.page is not None:
                    p = o.page
                    self.db.execute(
                        "INSERT INTO pages (url, final_url, article_id, content_hash, etag, last_modified, fetched) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(url) DO UPDATE SET final_url=excluded.final_url, "
                        "article_id=excluded.article_id, content_hash=excluded.content_hash, etag=excluded.etag, "
                        "last_modified=excluded.last_modified, fetched=excluded.fetched",
                        (p.url, p.final_url, p.article_id, p.content_hash, p.etag, p.last_modified, stamp),
                    )

    def ensure_entry(self, feed: str, entry: Entry) -> str:
        """A single article URL is its own one entry (kept in_feed, never deduplicated away)."""
        with self._tx():
            self.db.execute(
                "INSERT INTO entries (feed, key, doc, position, fingerprint, data, in_feed, seen) "
                "VALUES (?, ?, ?, 0, ?, ?, 1, ?) ON CONFLICT(feed, key) DO UPDATE SET in_feed=1, seen=excluded.seen",
                (feed, entry.key, feed, entry.fingerprint, entry.to_json(), now()),
            )
        return entry.fingerprint

    def page(self, url: str) -> PageState | None:
        row = self.db.execute("SELECT * FROM pages WHERE url=?", (url,)).fetchone()
        if not row:
            return None
        return PageState(
            row["url"],
            row["final_url"] or "",
            row["article_id"] or "",
            row["content_hash"] or "",
            row["etag"],
            row["last_modified"],
        )

    # --- robots.txt, kept for a day (RFC 9309: a cached copy may be used for up to 24 hours) --------------------
    def robots_get(self, host: str) -> tuple[int, str, float] | None:
        row = self.db.execute("SELECT status, body, fetched FROM robots WHERE host=?", (host,)).fetchone()
        return (row["status"], row["body"] or "", row["fetched"]) if row else None

    def robots_put(self, host: str, status: int, body: str) -> None:
        import time

        with self._tx():
            self.db.execute(
                "INSERT INTO robots (host, status, body, fetched) VALUES (?, ?, ?, ?) ON CONFLICT(host) "
                "DO UPDATE SET status=excluded.status, body=excluded.body, fetched=excluded.fetched",
                (host, status, body, time.time()),
            )

    def entry_messages(self, feed: str) -> list[tuple[str, str, str]]:
        """(key, status, message) of the feed's entries as last handled (for the UI)."""
        return [
            (r[0], r[1] or "", r[2] or "")
            for r in self.db.execute(
                "SELECT key, status, message FROM entries WHERE feed=? AND in_feed=1 ORDER BY position", (feed,)
            )
        ]


class _Transaction:
    """BEGIN IMMEDIATE … COMMIT (ROLLBACK on error); one writer at a time within this process too."""

    def __init__(self, db: sqlite3.Connection, lock: threading.RLock):
        self.db = db
        self.lock = lock
        self.depth = 0

    def __enter__(self):
        self.lock.acquire()
        if not self.db.in_transaction:
            self.db.execute("BEGIN IMMEDIATE")
            self.depth = 1
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if self.depth:
                self.db.execute("ROLLBACK" if exc_type else "COMMIT")
        finally:
            self.lock.release()
