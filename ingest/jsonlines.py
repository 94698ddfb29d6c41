"""Read JSON a user gave: whole files (`loads`) and JSON Lines (`json_objects`, one object per non-blank line, each
with its line number or the reason it is unusable).

Every reader of user JSON (article dumps, question files, gold and SQuAD files, format sniffing) parses with `loads`:
JSON nested deeper than Python's parser can follow (`[` × 200,000) raises RecursionError from json.loads, not
ValueError — `loads` turns it into a json.JSONDecodeError like any other broken JSON, so such a line is a broken
line and such a file a clear error, never a crash of the whole file or run."""

from __future__ import annotations

import json
import re
from typing import Any, Iterator

_DEPTH_SHOWN = 256  # the reported column: where the nesting first passes this depth
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')  # strings (skipped whole) and brackets


def loads(text: str) -> Any:
    """json.loads(text); too deep a nesting raises json.JSONDecodeError('nested too deeply') too."""
    try:
        return json.loads(text)
    except RecursionError:
        raise json.JSONDecodeError("nested too deeply", text, _too_deep_at(text)) from None


def _too_deep_at(text: str) -> int:
    """Where the brackets (outside strings) first nest deeper than _DEPTH_SHOWN; 0 when they never do."""
    depth = 0
    for m in _TOKENS.finditer(text):
        token = m.group()
        if token in ("[", "{"):
            depth += 1
            if depth > _DEPTH_SHOWN:
                return m.start()
        elif token in ("]", "}"):
            depth -= 1
    return 0


def json_objects(text: str) -> Iterator[tuple[int, dict | None, str | None]]:
    """(line number, object, None) for each good line; (line number, None, problem) for a bad one."""
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = loads(line)
        except json.JSONDecodeError as e:
            yield n, None, f"not valid JSON ({e.msg}, column {e.colno})"
            continue
        if not isinstance(obj, dict):
            yield n, None, "expected a JSON object"
            continue
        yield n, obj, None
