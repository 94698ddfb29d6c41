"""Gold questions: read from .jsonl / .json / .csv files (and built by the SQuAD reader).

Fields: `question` (required), `answers` (list of acceptable answers; in CSV one `|`-separated string),
`id`, `source` (article_id or title the answer must come from), `unanswerable` (true: the right behaviour
is to abstain); the German names (frage, antworten/antwort, quelle, unbeantwortbar) too. Any other field is kept
in `extra` and carried into the per-question results. Decoding, CSV dialect and column names:
quelle.question_files (the same as for batch question files).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ingest.jsonlines import json_objects, loads
from quelle.question_files import canonical_record, column, csv_dict_reader, read_text


class GoldError(ValueError):
    """A gold file cannot be used; the message names the file, the line and the problem."""


@dataclass
class GoldSpan:
    """Where a gold answer sits: a character span in an article of the store."""

    article_id: str
    start: int
    end: int


@dataclass
class GoldQuestion:
    id: str
    question: str
    answers: list[str] = field(default_factory=list)
    source: str = ""
    unanswerable: bool = False
    spans: list[GoldSpan] = field(default_factory=list)
    extra: dict = field(default_factory=dict)


KNOWN = {"id", "question", "answers", "source", "unanswerable"}
_TRUE = {"true", "1", "yes", "ja", "y", "wahr", "x"}
_FALSE = {"false", "0", "no", "nein", "n", "falsch", ""}


def _flag(value, where: str) -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise GoldError(f"{where}: 'unanswerable' must be true or false, not {value!r}")


def _answers(value, where: str, csv_style: bool) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        parts = value.split("|") if csv_style else [value]
        return [p.strip() for p in parts if p.strip()]
    if isinstance(value, list) and all(isinstance(a, (str, int, float)) for a in value):
        return [str(a).strip() for a in value if str(a).strip()]
    raise GoldError(f"{where}: 'answers' must be a list of strings, not {type(value).__name__}")


def question_from_record(record: dict, where: str, number: int, csv_style: bool = False) -> GoldQuestion:
    if not isinstance(record, dict):
        raise GoldError(f"{where}: expected an object with a 'question', got {type(record).__name__}")
    record = canonical_record(record)
    question = record.get("question")
    if not isinstance(question, str) or not question.strip():
        raise GoldError(f"{where}: 'question' is missing or empty")
    answers = _answers(record.get("answers"), where, csv_style)
    unanswerable = _flag(record.get("unanswerable"), where)
    if unanswerable and answers:
        raise GoldError(f"{where}: marked unanswerable but has answers {answers!r}")
    if not unanswerable and not answers:
        raise GoldError(f"{where}: no answers given; add 'answers' or mark it \"unanswerable\": true")
    qid = record.get("id")
    qid = str(qid).strip() if qid not in (None, "") else f"q{number:04d}"
    source = record.get("source") or ""
    extra = {k: v for k, v in record.items() if k not in KNOWN}
    return GoldQuestion(
        id=qid,
        question=question.strip(),
        answers=answers,
        source=str(source).strip(),
        unanswerable=unanswerable,
        extra=extra,
    )


def read_gold(path: Path) -> list[GoldQuestion]:
    """Questions of a .jsonl, .json (a list of objects) or .csv gold file."""
    path = Path(path)
    if not path.is_file():
        raise GoldError(f"{path}: no such file")
    suffix = path.suffix.lower()
    text = read_text(path, GoldError)
    if suffix == ".jsonl":
        questions = _read_jsonl(path, text)
    elif suffix == ".json":
        questions = _read_json(path, text)
    elif suffix == ".csv":
        questions = _read_csv(path, text)
    else:
        raise GoldError(
            f"{path}: unknown gold file type '{suffix}' (use .jsonl, .json or .csv; SQuAD files with --squad)"
        )
    if not questions:
        raise GoldError(f"{path}: contains no questions")
    seen: dict[str, int] = {}
    for q in questions:
        if q.id in seen:
            raise GoldError(f"{path}: question id '{q.id}' appears twice")
        seen[q.id] = 1
    return questions


def _read_jsonl(path: Path, text: str) -> list[GoldQuestion]:
    out = []
    for n, record, problem in json_objects(text):
        if problem:
            raise GoldError(f"{path}, line {n}: {problem}")
        out.append(question_from_record(record, f"{path}, line {n}", len(out) + 1))
    return out


def _read_json(path: Path, text: str) -> list[GoldQuestion]:
    try:
        data = loads(text)
    except json.JSONDecodeError as e:
        raise GoldError(f"{path}: not valid JSON ({e.msg}, line {e.lineno})") from e
    if isinstance(data, dict) and "data" in data:
        raise GoldError(f"{path}: looks like a SQuAD file; use 'quelle eval --squad {path}'")
    if not isinstance(data, list):
        raise GoldError(f"{path}: expected a list of question objects")
    return [question_from_record(r, f"{path}, item {i + 1}", i + 1) for i, r in enumerate(data)]


def _read_csv(path: Path, text: str) -> list[GoldQuestion]:
    reader = csv_dict_reader(text)
    if not reader.fieldnames or "question" not in [column(f) for f in reader.fieldnames]:
        raise GoldError(f"{path}: the header needs a 'question' (or 'frage') column (found: {reader.fieldnames})")
    out = []
    for row in reader:
        n = reader.line_num
        record = {(k or "").strip(): (v or "").strip() if isinstance(v, str) else v for k, v in row.items()}
        if not any(record.values()):
            continue
        out.append(question_from_record(record, f"{path}, line {n}", len(out) + 1, csv_style=True))
    return out
