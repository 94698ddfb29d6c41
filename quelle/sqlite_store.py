"""The one way Quelle's small SQLite stores (feedback and chats, watched questions) open their database: a short
connection per call (safe from any thread or process), WAL, synchronous=FULL (a stored row survives a crash), the
schema applied, and a write as one immediate transaction."""

from __future__ import annotations

import sqlite3
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Iterator


@contextmanager
def connect(path: Path, schema: str, write: bool = False, foreign_keys: bool = False) -> Iterator[sqlite3.Connection]:
    """A connection to the database at `path` with `schema` applied; `write`: the folder is made and the block runs
    in one transaction (rolled back when it raises)."""
    if write:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(path, timeout=30, isolation_level=None)) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        if foreign_keys:
            db.execute("PRAGMA foreign_keys=ON")
        db.executescript(schema)
        if write:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        else:
            yield db
