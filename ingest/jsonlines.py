"""Read JSON Lines: one object per non-blank line, each with its line number or the reason it is unusable."""

from __future__ import annotations

import json
from typing import Iterator


def json_objects(text: str) -> Iterator[tuple[int, dict | None, str | None]]:
    """(line number, object, None) for each good line; (line number, None, problem) for a bad one."""
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            yield n, None, f"not valid JSON ({e.msg}, column {e.colno})"
            continue
        if not isinstance(obj, dict):
            yield n, None, "expected a JSON object"
            continue
        yield n, obj, None
