"""How often a watched question is asked again (`--every`).

- `sync` (the default): after every ingest or sync pass that changed the store (quelle/watch/hook.py).
- an interval (`1h`, `30m`, `1d`, as `quelle sync --every` reads them): after a pass that changed the store, but
  only when that long has gone by since its last check — a busy feed does not re-ask a slow LLM every minute.
- `manual`: never by itself; only `quelle watch check`, the page's „Jetzt prüfen“ or POST /v1/watches/…/check.

A pass that changed nothing asks no question: the answer can only change with the store (or with the date, which
a manual check covers)."""

from __future__ import annotations

import datetime as dt

SYNC, MANUAL = "sync", "manual"


class CadenceError(ValueError):
    """`--every` is neither sync, manual nor an interval; the message says what is accepted."""


def parse(every: str | None) -> str:
    """The stored spelling of a cadence: 'sync', 'manual' or an interval such as '1h' (checked, kept as typed)."""
    text = (every or SYNC).strip().lower()
    if text in (SYNC, MANUAL):
        return text
    seconds(text)
    return text


def seconds(every: str) -> float:
    from quelle.feeds import parse_interval

    try:
        return parse_interval(every)
    except ValueError as e:
        raise CadenceError(f"--every: {e}; or write 'sync' (after each sync or ingest) or 'manual'") from None


def due(every: str, last_checked: str | None, now: dt.datetime | None = None) -> bool:
    """Is a watch with this cadence due after a pass that changed the store?"""
    if every == MANUAL:
        return False
    if every == SYNC or not last_checked:
        return True
    now = now or dt.datetime.now(dt.timezone.utc)
    return (now - dt.datetime.fromisoformat(last_checked)).total_seconds() >= seconds(every)
