"""Reading question files (.txt / .csv / .jsonl) into BatchQuestions with stable ids; broken lines raise
InputError naming the file and line. Decoding, CSV dialect and column names: quelle.question_files.

The file is named as the user gave it: the path as typed on the command line, or — for a file the API or the Stapel
page saved under a server path — the `name` it was uploaded under (`upload_name`), never the server's folders."""

from __future__ import annotations

import csv
import hashlib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest.jsonlines import json_objects
from quelle.batch.output import OUTPUT_FIELDS
from quelle.question_files import column, csv_reader, find_column, read_text

INPUT_FORMATS = (".txt", ".csv", ".jsonl", ".ndjson")
# Optional per-question filter columns; they narrow the search for that question only and override --source etc.
FILTER_COLUMNS = {
    "filter_source": "sources",
    "filter_article": "article_ids",
    "filter_since": "since",
    "filter_until": "until",
}


class InputError(ValueError):
    """The question file cannot be read; the message names the file and the line."""


@dataclass
class BatchQuestion:
    id: str
    question: str
    line: int  # 1-based line in the input file where the question starts
    extra: dict[str, Any] = field(default_factory=dict)  # carried input columns


def stable_id(question: str, line: int) -> str:
    return "q-" + hashlib.sha256(f"{line}\n{question}".encode("utf-8")).hexdigest()[:12]


def upload_name(name: str | None) -> str:
    """What an uploaded file is called in messages: the name it was uploaded under, without any folders a client
    sent with it and without control characters."""
    base = str(name or "").replace("\\", "/").split("/")[-1]
    return "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip()


def read_questions(path: str | Path, name: str | None = None) -> list[BatchQuestion]:
    """All questions of a .txt, .csv or .jsonl file, in file order (see the module docstring). Errors name the file
    `name` when given (an upload's name), else `path` as given."""
    path = Path(path)
    label = name or str(path)
    suffix = path.suffix.lower()
    if suffix not in INPUT_FORMATS:
        raise InputError(f"{label}: unsupported question file type '{path.suffix}' (use .txt, .csv or .jsonl)")
    if not path.is_file():
        raise InputError(f"{label}: no such file")
    text = read_text(path, InputError, label)
    problems: list[str] = []
    if suffix == ".txt":
        questions = _read_txt(text)
    elif suffix == ".csv":
        questions = _read_csv(label, text, problems)
    else:
        questions = _read_jsonl(text, problems)
    seen: dict[str, int] = {}
    for q in questions:
        if q.id in seen:
            problems.append(f"line {q.line}: id '{q.id}' is already used on line {seen[q.id]}")
        else:
            seen[q.id] = q.line
    if problems:
        shown = "; ".join(problems[:5]) + (f"; … ({len(problems) - 5} more)" if len(problems) > 5 else "")
        raise InputError(f"{label}: {shown}")
    if not questions:
        raise InputError(f"{label}: no questions in the file")
    return questions


def _read_txt(text: str) -> list[BatchQuestion]:
    out = []
    for n, raw in enumerate(text.splitlines(), start=1):
        q = raw.strip()
        if q and not q.startswith("#"):
            out.append(BatchQuestion(stable_id(q, n), q, n))
    return out


def _carry(extra: dict[str, Any]) -> dict[str, Any]:
    return {(f"input_{k}" if k in OUTPUT_FIELDS else k): v for k, v in extra.items()}


def _read_csv(label: str, text: str, problems: list[str]) -> list[BatchQuestion]:
    reader = csv_reader(text, strict=True)
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        raise InputError(f"{label}: line 1: no header row (a CSV needs a 'question' column)") from None
    names = [h.strip() for h in header]
    qcol = find_column(names, "question")
    if qcol is None:
        raise InputError(f"{label}: line 1: no 'question' column (columns: {', '.join(names) or 'none'})")
    idcol = find_column(names, "id")
    out: list[BatchQuestion] = []
    start = reader.line_num + 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            problems.append(f"line {start}: broken CSV ({e})")
            break  # after a quoting error the rest of the file cannot be trusted
        line, start = start, reader.line_num + 1
        if not record or all(not c.strip() for c in record):
            continue
        if len(record) != len(names):
            problems.append(f"line {line}: {len(record)} fields, the header has {len(names)}")
            continue
        q = record[qcol].strip()
        rid = record[idcol].strip() if idcol is not None else ""
        extra = {names[i]: v for i, v in enumerate(record) if i not in (qcol, idcol)}
        out.append(BatchQuestion(rid or stable_id(q, line), q, line, _carry(extra)))
    return out


def _read_jsonl(text: str, problems: list[str]) -> list[BatchQuestion]:
    out: list[BatchQuestion] = []
    for n, obj, problem in json_objects(text):
        if problem:
            problems.append(f"line {n}: {problem}")
            continue
        key = next((k for k in obj if column(k) == "question"), None)
        if key is None:
            problems.append(f'line {n}: no "question" field')
            continue
        q = obj.pop(key)
        if q is None:
            q = ""
        if not isinstance(q, str):
            problems.append(f'line {n}: "question" must be text, not {type(q).__name__}')
            continue
        rid = obj.pop("id", None)
        if rid is not None and not isinstance(rid, (str, int)) or isinstance(rid, bool):
            problems.append(f'line {n}: "id" must be text or a number')
            continue
        rid = str(rid).strip() if rid is not None else ""
        q = q.strip()
        out.append(BatchQuestion(rid or stable_id(q, n), q, n, _carry(obj)))
    return out
