"""Delimited text (CSV): the one dialect rule of every reader — article dumps (ingest.formats.records), question
files (quelle.batch) and gold files (quelle.evaluation.gold)."""

from __future__ import annotations

import re

DELIMITERS = ",;\t|"
_QUOTED = re.compile(r'"(?:[^"]|"")*"')


def sniff_delimiter(text: str, delimiters: str = DELIMITERS) -> str:
    """The delimiter of a CSV text: the candidate its header line holds most often outside quoted fields; on a tie
    the earlier one in `delimiters` (so a one-column file, or one with no candidate at all, reads as comma-separated).
    'id;question;note' -> ';', '"Frage, kurz";id' -> ';', 'question' -> ','."""
    header = _QUOTED.sub("", text.split("\n", 1)[0])
    return max(delimiters, key=header.count)
