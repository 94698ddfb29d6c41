"""SQuAD v1.1 / v2.0 JSON -> Articles (one per title) and gold questions with answer spans in article offsets.
The one SQuAD reader: `quelle eval --squad`, its store (squad_store.py) and the benchmarks (bench/) read through it.

Each title becomes one article: its paragraphs in file order joined with a blank line, so the article is
chunked like any other and a gold answer's `answer_start` maps to `paragraph offset + answer_start` in the
article. Paragraphs without questions are kept as distractors. SQuAD v2.0 `is_impossible` questions become
unanswerable (their `plausible_answers` are ignored).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from ingest.jsonlines import loads
from ingest.language import detect_language
from ingest.models import Article
from ingest.text import slugify
from quelle.evaluation.gold import GoldError, GoldQuestion, GoldSpan
from quelle.question_files import read_text

PARAGRAPH_SEPARATOR = "\n\n"


@dataclass
class SquadSet:
    path: Path
    version: str
    articles: list[Article] = field(default_factory=list)
    questions: list[GoldQuestion] = field(default_factory=list)
    distractor_paragraphs: int = 0
    misaligned_answers: int = 0  # answer_start did not point at the answer text; located by search instead
    paragraphs: dict[str, list[str]] = field(default_factory=dict)  # article_id -> its paragraphs, in file order

    def paragraph_of(self, span: GoldSpan) -> tuple[int, int]:
        """(index of the paragraph in its article's `paragraphs`, the paragraph's offset in the article text)."""
        offset = 0
        for i, context in enumerate(self.paragraphs[span.article_id]):
            if offset <= span.start < offset + len(context):
                return i, offset
            offset += len(context) + len(PARAGRAPH_SEPARATOR)
        raise ValueError(f"span {span} lies in no paragraph")


def file_digest(path: Path, length: int = 12) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:length]


def _require(cond: bool, where: str, problem: str) -> None:
    if not cond:
        raise GoldError(f"{where}: {problem}")


def load_squad(path: Path) -> SquadSet:
    path = Path(path)
    if not path.is_file():
        raise GoldError(f"{path}: no such file")
    try:
        data = loads(read_text(path, GoldError))
    except json.JSONDecodeError as e:
        raise GoldError(f"{path}: not valid JSON ({e.msg}, line {e.lineno})") from e
    _require(
        isinstance(data, dict) and isinstance(data.get("data"), list),
        str(path),
        "not a SQuAD file (expected an object with a 'data' list)",
    )
    out = SquadSet(path=path, version=str(data.get("version", "")))
    used_ids: set[str] = set()
    seen_questions: set[str] = set()
    for ai, entry in enumerate(data["data"]):
        where = f"{path}, data[{ai}]"
        _require(isinstance(entry, dict), where, "expected an object with 'title' and 'paragraphs'")
        paragraphs = entry.get("paragraphs")
        _require(isinstance(paragraphs, list), where, "'paragraphs' is missing or not a list")
        raw_title = str(entry.get("title") or f"Artikel {ai + 1}")
        title = raw_title.replace("_", " ").strip()
        article_id = _unique(slugify(title), used_ids)
        parts: list[str] = []
        offset = 0
        for pi, para in enumerate(paragraphs):
            pwhere = f"{where}.paragraphs[{pi}]"
            _require(
                isinstance(para, dict) and isinstance(para.get("context"), str),
                pwhere,
                "'context' is missing or not a string",
            )
            context = para["context"]
            qas = para.get("qas") or []
            _require(isinstance(qas, list), pwhere, "'qas' is not a list")
            if not qas:
                out.distractor_paragraphs += 1
            for qi, qa in enumerate(qas):
                question = _question(qa, f"{pwhere}.qas[{qi}]", article_id, context, offset, out)
                _require(
                    question.id not in seen_questions,
                    f"{pwhere}.qas[{qi}]",
                    f"question id '{question.id}' appears twice",
                )
                seen_questions.add(question.id)
                question.extra = {"title": title}
                out.questions.append(question)
            parts.append(context)
            offset += len(context) + len(PARAGRAPH_SEPARATOR)
        text = PARAGRAPH_SEPARATOR.join(parts)
        if not text.strip():
            continue
        out.paragraphs[article_id] = parts
        out.articles.append(
            Article(
                article_id=article_id,
                title=title,
                text=text,
                source=f"SQuAD {path.name}",
                language=detect_language(text),
            )
        )
    _require(bool(out.questions), str(path), "contains no questions")
    return out


def _unique(base: str, used: set[str]) -> str:
    candidate, n = base, 2
    while candidate in used:
        candidate, n = f"{base}-{n}", n + 1
    used.add(candidate)
    return candidate


def _question(qa, where: str, article_id: str, context: str, offset: int, out: SquadSet) -> GoldQuestion:
    _require(isinstance(qa, dict), where, "expected an object with 'question' and 'answers'")
    text = qa.get("question")
    _require(isinstance(text, str) and bool(text.strip()), where, "'question' is missing or empty")
    qid = str(qa.get("id") or f"{article_id}-{offset}-{len(out.questions)}")
    impossible = bool(qa.get("is_impossible", False))
    answers = qa.get("answers") or []
    _require(isinstance(answers, list), where, "'answers' is not a list")
    if impossible:
        return GoldQuestion(id=qid, question=text.strip(), answers=[], source=article_id, unanswerable=True)
    _require(bool(answers), where, "has no answers and is not marked is_impossible")
    texts: list[str] = []
    spans: list[GoldSpan] = []
    for k, a in enumerate(answers):
        _require(
            isinstance(a, dict) and isinstance(a.get("text"), str),
            f"{where}.answers[{k}]",
            "expected an object with 'text' and 'answer_start'",
        )
        answer = a["text"]
        if answer.strip() and answer not in texts:
            texts.append(answer)
        start = _locate(context, answer, a.get("answer_start"))
        if start is None:
            continue
        if start != a.get("answer_start"):
            out.misaligned_answers += 1
        span = GoldSpan(article_id, offset + start, offset + start + len(answer))
        if span not in spans:
            spans.append(span)
    _require(bool(texts), where, "all answers are empty")
    return GoldQuestion(id=qid, question=text.strip(), answers=texts, source=article_id, spans=spans)


def _locate(context: str, answer: str, start) -> int | None:
    """The answer's offset in the paragraph: answer_start when it points at the text, else the nearest match."""
    if isinstance(start, int) and context[start : start + len(answer)] == answer:
        return start
    hits, i = [], context.find(answer)
    while i >= 0 and answer:
        hits.append(i)
        i = context.find(answer, i + 1)
    if not hits:
        return None
    target = start if isinstance(start, int) else 0
    return min(hits, key=lambda h: abs(h - target))
