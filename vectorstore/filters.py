"""Metadata filters (article, source, date range) that both retrievers apply the same way."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


class FilterError(ValueError):
    pass


def parse_date(value: str | None, field_name: str) -> str | None:
    """ISO date (YYYY, YYYY-MM or YYYY-MM-DD) or None; anything else is a clear error."""
    if value is None or str(value).strip() == "":
        return None
    value = str(value).strip()
    for fmt, size in (("%Y-%m-%d", 10), ("%Y-%m", 7), ("%Y", 4)):
        try:
            dt.datetime.strptime(value, fmt)
            if len(value) == size:
                return value
        except ValueError:
            continue
    raise FilterError(f"{field_name}: '{value}' is not a date (use YYYY-MM-DD)")


def _as_int(date: str, end: bool) -> int:
    parts = date.split("-")
    y = int(parts[0])
    m = int(parts[1]) if len(parts) > 1 else (12 if end else 1)
    d = int(parts[2]) if len(parts) > 2 else (31 if end else 1)
    return y * 10000 + m * 100 + d


@dataclass(frozen=True)
class Filters:
    article_ids: tuple[str, ...] = field(default_factory=tuple)
    sources: tuple[str, ...] = field(default_factory=tuple)
    since: str | None = None
    until: str | None = None

    @classmethod
    def make(cls, article_ids=None, sources=None, since=None, until=None) -> "Filters":
        since_iso, until_iso = parse_date(since, "since"), parse_date(until, "until")
        f = cls(tuple(article_ids or ()), tuple(sources or ()), since_iso, until_iso)
        if since_iso and until_iso and _as_int(since_iso, False) > _as_int(until_iso, True):
            raise FilterError(f"since ({since_iso}) is after until ({until_iso})")
        return f

    @staticmethod
    def as_int(date: str, end: bool) -> int:
        return _as_int(date, end)

    def __bool__(self) -> bool:
        return bool(self.article_ids or self.sources or self.since or self.until)

    def to_chroma(self) -> dict | None:
        clauses = []
        if self.article_ids:
            clauses.append({"article_id": {"$in": list(self.article_ids)}})
        if self.sources:
            clauses.append({"source": {"$in": list(self.sources)}})
        if self.since:
            clauses.append({"date_int": {"$gte": _as_int(self.since, False)}})
        if self.until:
            clauses.append({"date_int": {"$lte": _as_int(self.until, True)}})
            clauses.append({"date_int": {"$gt": 0}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def matches(self, meta: dict) -> bool:
        """The same rule as to_chroma(), for the lexical side."""
        if self.article_ids and meta.get("article_id") not in self.article_ids:
            return False
        if self.sources and meta.get("source") not in self.sources:
            return False
        d = int(meta.get("date_int") or 0)
        if self.since and d < _as_int(self.since, False):
            return False
        if self.until and (d == 0 or d > _as_int(self.until, True)):
            return False
        return True
