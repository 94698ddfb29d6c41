"""Dates to ISO 8601: '24. November 2026', '24.11.2026', 'Nov 24, 2026', RFC 2822, ISO with time -> '2026-11-24'.
Numeric day/month order is read day-first (German-first) unless the day is > 12."""

from __future__ import annotations

import datetime as dt
import re

from dateutil import parser as du_parser

from ingest.lexicon import MONTHS, MONTHS_OTHER

MONTH_NUMBER = {**MONTHS, **MONTHS_OTHER}  # German and English, and the other languages articles come in
_MONTH_RE = "|".join(sorted((re.escape(m) for m in MONTH_NUMBER), key=len, reverse=True))

_ISO = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][\d:.,]+(?:Z|[+-]\d{2}:?\d{2})?)?\b")
_DMY_NUM = re.compile(r"\b(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4}|\d{2})\b")
_DMY_WORD = re.compile(rf"\b(\d{{1,2}})\.?\s+({_MONTH_RE})\.?,?\s+(\d{{4}})\b", re.I)
_MDY_WORD = re.compile(rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.I)
_SLASH = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
_YMD_SLASH = re.compile(r"\b(\d{4})/(\d{1,2})/(\d{1,2})\b")
_MONTH_YEAR = re.compile(rf"^\s*({_MONTH_RE})\.?\s+(\d{{4}})\s*$", re.I)
_YEAR = re.compile(r"^\s*(\d{4})\s*$")


def _make(year: int, month: int, day: int) -> str:
    if year < 100:
        year += 2000 if year < 70 else 1900
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return ""


def _first_match(text: str) -> tuple[int, str]:
    """(position, ISO date) of the earliest date written in one of the patterns above, or (-1, '')."""
    found: list[tuple[int, str]] = []
    for m in _ISO.finditer(text):
        found.append((m.start(), _make(int(m[1]), int(m[2]), int(m[3]))))
    for m in _YMD_SLASH.finditer(text):
        found.append((m.start(), _make(int(m[1]), int(m[2]), int(m[3]))))
    for m in _DMY_NUM.finditer(text):
        found.append((m.start(), _make(int(m[3]), int(m[2]), int(m[1]))))
    for m in _DMY_WORD.finditer(text):
        found.append((m.start(), _make(int(m[3]), MONTH_NUMBER[m[2].lower()], int(m[1]))))
    for m in _MDY_WORD.finditer(text):
        found.append((m.start(), _make(int(m[3]), MONTH_NUMBER[m[1].lower()], int(m[2]))))
    for m in _SLASH.finditer(text):
        a, b = int(m[1]), int(m[2])
        day, month = (b, a) if a <= 12 < b else (a, b)  # 11/24/2026 is American; otherwise day first
        found.append((m.start(), _make(int(m[3]), month, day)))
    found = [f for f in found if f[1]]
    return min(found) if found else (-1, "")


def normalise_date(value) -> str:
    """An ISO 8601 date ('YYYY-MM-DD', or 'YYYY-MM' / 'YYYY' when only those are given), or '' when none is found."""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 1000 <= value <= 9999:
            return str(int(value))
        try:  # a Unix timestamp (seconds, or milliseconds)
            seconds = value / 1000 if value > 1e11 else value
            return dt.datetime.fromtimestamp(seconds, tz=dt.timezone.utc).date().isoformat()
        except (OverflowError, OSError, ValueError):
            return ""
    text = str(value).strip()
    if not text:
        return ""
    pos, iso = _first_match(text)
    if iso:
        return iso
    m = _MONTH_YEAR.match(text)
    if m:
        return f"{int(m[2]):04d}-{MONTH_NUMBER[m[1].lower()]:02d}"
    m = _YEAR.match(text)
    if m:
        return m[1]
    try:  # RFC 2822 and other English forms dateutil knows ('Tue, 24 Nov 2026 10:00:00 +0100')
        parsed = du_parser.parse(text, dayfirst=True, fuzzy=False, default=dt.datetime(1900, 1, 1))
    except (ValueError, OverflowError, TypeError):
        return ""
    return parsed.date().isoformat() if parsed.year > 1900 else ""


def find_date(text: str) -> str:
    """The first full date written anywhere in a text (e.g. a dateline under a headline), or ''."""
    return _first_match(text)[1]
