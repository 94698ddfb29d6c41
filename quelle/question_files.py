"""Question files: what batch (quelle.batch.questions) and evaluation (quelle.evaluation.gold) read alike.

One decoding rule: UTF-8 (a byte order mark dropped); anything else is refused naming the line and the byte.
One CSV dialect: ingest.delimited (the header's delimiter, as for article dumps). One set of column names, German
ones included, in .csv, .jsonl and .json files alike: question/frage, answers/answer/antworten/antwort,
source/quelle, unanswerable/unbeantwortbar, id.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ingest.delimited import sniff_delimiter

COLUMNS = {
    "question": ("question", "frage"),
    "answers": ("answers", "answer", "antworten", "antwort"),
    "source": ("source", "quelle"),
    "unanswerable": ("unanswerable", "unbeantwortbar"),
    "id": ("id",),
}
_ALIAS = {alias: name for name, aliases in COLUMNS.items() for alias in aliases}


def read_text(path: Path, error: type[Exception] = ValueError, name: str | None = None) -> str:
    """The file's text (UTF-8, BOM dropped); `error` names the file (`name`, else the path), the line and the byte
    that is not UTF-8."""
    data = Path(path).read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise error(
            f"{name or path}: line {line}: not valid UTF-8 (byte {data[e.start]:#04x}); save the file as UTF-8"
        ) from None


def column(name: object) -> str | None:
    """The column a header or field name stands for ('Frage ' -> 'question'); None when it is none of COLUMNS."""
    return _ALIAS.get(str(name or "").strip().lower())


def find_column(names: list[str], wanted: str) -> int | None:
    """Index of the first of `names` that stands for the column `wanted` (see COLUMNS)."""
    return next((i for i, n in enumerate(names) if column(n) == wanted), None)


def canonical_record(record: dict) -> dict:
    """The record with every known column under its English name (the first of its aliases wins); other fields
    as they are."""
    out: dict = {}
    for key, value in record.items():
        name = column(key)
        if name is not None and name not in out:
            out[name] = value
        elif key not in out:
            out[key] = value
    return out


def csv_reader(text: str, **options):
    """A csv.reader over the text with the one dialect rule (ingest.delimited.sniff_delimiter)."""
    return csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text), **options)


def csv_dict_reader(text: str, **options) -> csv.DictReader:
    return csv.DictReader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text), **options)
