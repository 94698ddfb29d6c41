"""The batch journal OUTPUT.partial: finished rows appended + fsync'ed one by one, locked (flock) while a run owns it."""

from __future__ import annotations

import json
import os
from pathlib import Path

from quelle.batch.output import OutputError

try:  # POSIX: lock the journal so two runs cannot write the same OUTPUT
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None


def journal_path(output_path: str | Path) -> Path:
    p = Path(output_path)
    return p.with_name(p.name + ".partial")


class Journal:
    """OUTPUT.partial: finished rows as JSON lines, appended + flushed + fsync'ed one by one, locked while open."""

    def __init__(self, path: Path):
        self.path = path
        self.f = open(path, "a+b")
        if fcntl is not None:
            try:
                fcntl.flock(self.f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                self.f.close()
                raise OutputError(f"{path}: another batch run is writing this output right now") from None

    def load(self) -> tuple[list[dict], int]:
        """The complete rows; a partial last line (a kill mid-write) or an unreadable line and everything after
        it is truncated away. Returns (rows, number of lines removed)."""
        self.f.seek(0)
        data = self.f.read()
        rows, good = [], 0
        pos = 0
        while pos < len(data):
            end = data.find(b"\n", pos)
            if end < 0:
                break
            try:
                obj = json.loads(data[pos:end].decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                break
            if not isinstance(obj, dict) or not obj.get("id"):
                break
            rows.append(obj)
            pos = good = end + 1
        tail = data[good:]
        removed = tail.count(b"\n") + (1 if tail and not tail.endswith(b"\n") else 0)
        if good < len(data):
            self.f.truncate(good)
            self.f.flush()
            os.fsync(self.f.fileno())
        return rows, removed

    def clear(self) -> None:
        self.f.truncate(0)
        self.f.flush()
        os.fsync(self.f.fileno())

    def append(self, row: dict) -> None:
        self.f.seek(0, os.SEEK_END)
        self.f.write((json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8"))
        self.f.flush()
        os.fsync(self.f.fileno())

    def remove_and_close(self) -> None:
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass
        self.close()

    def close(self) -> None:
        if not self.f.closed:
            self.f.close()
