"""Batch OUTPUT files: rows in input order, .jsonl or .csv (UTF-8 with BOM), written atomically; earlier OUTPUT read
back for resuming.

CSV cells are text to a spreadsheet (`spreadsheet_safe`): a question, answer or carried column beginning with `=`,
`+`, `-`, `@`, tab or CR — a formula to Excel or LibreOffice, e.g. an article sentence `=WEBSERVICE(…)` — gets a
leading `'` (the OWASP rule); reading an OUTPUT back undoes it (`spreadsheet_text`), so a resumed run finds its rows.
JSONL keeps every value verbatim. Every face that writes CSV (`quelle batch`, the API's batch result, the Stapel
page, the tables the pages show) uses these two functions.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from pathlib import Path
from typing import Any

OUTPUT_FIELDS = (
    "id",
    "question",
    "answer",
    "abstained",
    "confidence_band",
    "citations",
    "backend",
    "model",
    "latency_ms",
    "error",
)
CITATION_FIELDS = ("n", "article_id", "title", "date", "source")
OUTPUT_FORMATS = (".jsonl", ".csv")


FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")  # what makes a spreadsheet cell a formula (OWASP, CSV injection)
_QUOTED = re.compile("^'*[" + re.escape("".join(FORMULA_TRIGGERS)) + "]")  # a trigger behind any leading quotes
_UNQUOTE = re.compile("^'+[" + re.escape("".join(FORMULA_TRIGGERS)) + "]")


def spreadsheet_safe(value: Any) -> Any:
    """A CSV/XLSX cell that a spreadsheet opens as text: a string beginning with a formula trigger (or with quotes
    before one, so that `spreadsheet_text` can tell them apart) gets a leading `'`. Numbers (int, float — e.g. a
    score of -0.5), booleans and None stay as they are; the string "-5" is text and is quoted."""
    if isinstance(value, str) and _QUOTED.match(value):
        return "'" + value
    return value


def spreadsheet_text(value: Any) -> Any:
    """The value `spreadsheet_safe` was given (its `'` removed): for reading a CSV output back."""
    if isinstance(value, str) and _UNQUOTE.match(value):
        return value[1:]
    return value


class OutputError(ValueError):
    """OUTPUT cannot be used (unsupported type, not a batch output, locked by another run)."""


def _check_output(output_path: Path, input_path: Path) -> None:
    if output_path.suffix.lower() not in OUTPUT_FORMATS:
        raise OutputError(f"{output_path}: unsupported output type '{output_path.suffix}' (use .jsonl or .csv)")
    if output_path.resolve() == input_path.resolve():
        raise OutputError(f"{output_path}: the output must not be the question file itself")
    if output_path.is_dir():
        raise OutputError(f"{output_path}: is a folder")


def read_output(path: str | Path) -> list[dict]:
    """The rows of an earlier OUTPUT (either format). A last line without its newline is dropped (partial)."""
    path = Path(path)
    if not path.exists():
        return []
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise OutputError(f"{path}: not a Quelle batch output (not UTF-8); use --restart or another file") from None
    partial = bool(text) and not text.endswith("\n")
    rows: list[dict] = []
    if path.suffix.lower() == ".csv":
        try:
            records = list(csv.DictReader(io.StringIO(text, newline=""), strict=True))
        except csv.Error as e:
            records = None
            if not partial:
                raise OutputError(f"{path}: not a Quelle batch output ({e}); use --restart or another file") from None
        if records is None:  # the broken part is the partial last record
            cut = text.rfind("\n") + 1
            records = list(csv.DictReader(io.StringIO(text[:cut], newline="")))
        elif partial and records:
            records.pop()
        for n, r in enumerate(records, start=2):
            if not r.get("id"):
                raise OutputError(f"{path}: line {n}: not a Quelle batch output (no id); use --restart or another file")
            rows.append(_from_csv(r))
        return rows
    lines = text.split("\n")
    if partial:
        lines.pop()
    for n, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError:
            obj = None
        if not isinstance(obj, dict) or not obj.get("id"):
            raise OutputError(f"{path}: line {n}: not a Quelle batch output row; use --restart or another file")
        rows.append(obj)
    return rows


def _from_csv(r: dict) -> dict:
    row = {spreadsheet_text(k): spreadsheet_text(v) for k, v in r.items() if k is not None}
    row["abstained"] = str(row.get("abstained", "")).lower() == "true"
    try:
        row["citations"] = json.loads(row.get("citations") or "[]")
    except json.JSONDecodeError:
        row["citations"] = []
    try:
        row["latency_ms"] = float(row.get("latency_ms") or 0)
    except ValueError:
        row["latency_ms"] = 0.0
    return row


def _csv_value(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)  # a number: a spreadsheet reads -0.5 as the number it is
    if isinstance(v, str):
        return spreadsheet_safe(v)
    return json.dumps(v, ensure_ascii=False)  # citations and other lists/objects: begin with [ or {


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def write_output(path: Path, rows: list[dict]) -> None:
    """Write all rows atomically: a temp file next to OUTPUT, fsync, rename over OUTPUT."""
    tmp = path.with_name(f".{path.name}.tmp")
    if path.suffix.lower() == ".csv":
        columns = list(OUTPUT_FIELDS)
        for r in rows:
            columns += [k for k in r if k not in columns]
        with open(tmp, "w", encoding="utf-8-sig", newline="") as f:
            w = csv.writer(f)
            w.writerow([spreadsheet_safe(c) for c in columns])
            for r in rows:
                w.writerow([_csv_value(r.get(c)) for c in columns])
            f.flush()
            os.fsync(f.fileno())
    else:
        with open(tmp, "w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
            f.flush()
            os.fsync(f.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)
