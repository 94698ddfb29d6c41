"""Feedback as gold questions in the format `quelle eval` reads (quelle/evaluation/gold.py).

One gold row per usable rating, id `fb-<message id>`:
- thumbs down with „hätte nicht antworten sollen“ → `unanswerable: true` (a correction given with it is ignored);
- thumbs down with a correction („Richtige Antwort“) → `answers: [correction]`;
- thumbs up on an answer → `answers`: its answer span, else its first sentence (citation markers removed);
- thumbs up on a „keine Angabe“ answer → `unanswerable: true`;
- anything else (thumbs down without a correction) says what is wrong but not what is right: skipped.
`source` is the article the answer cited (of its answer span, else its first citation) — except when the
reason is „falsche Quelle“, then none. A follow-up question is exported as the standalone question ask()
made of it (the evaluation asks without the chat); the asked wording stays in `asked`.

Extra fields travel into `quelle eval`'s result rows: `feedback_id`, `rating`, `reason`, `asked`,
`rated_answer`, `rated_abstained`, `rated_at`, so `changed()` can tell which rated answers would now change.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from quelle.answering.citations import strip_markers
from quelle.evaluation.gold import GoldQuestion, question_from_record
from quelle.feedback.store import DOWN, UP, Feedback
from quelle.i18n import every_language

# the lead of an unsure answer (the catalogue's answer_unsure_lead, every language) and the older „Mögliche Antworten:“
_CANDIDATES = re.compile(
    r"^\s*("
    + "|".join(
        re.escape(lead.rstrip(":"))
        for lead in ["Mögliche Antworten", "Possible answers", *every_language("answer_unsure_lead")]
    )
    + r")\s*:\s*",
    re.IGNORECASE,
)


def plain(text: str) -> str:
    """Answer text without citation markers, list dashes and the „Mögliche Antworten:“ lead."""
    text = strip_markers(text)
    text = _CANDIDATES.sub("", text)
    return " ".join(line.strip().lstrip("-• ").strip() for line in text.splitlines() if line.strip()).strip()


def rated_answer_text(answer: dict) -> str:
    """The answer as shown, without markers: what `changed()` compares."""
    return "" if answer.get("abstained") else plain(answer.get("answer", ""))


def confirmed_answer(answer: dict) -> str:
    """What a thumbs up confirms: the answer span, else the first answer sentence, else the answer text."""
    span = (answer.get("answer_span") or {}).get("text") or ""
    if span.strip():
        return span.strip()
    for s in answer.get("sentences") or []:
        if plain(s.get("text", "")):
            return plain(s["text"])
    return plain(answer.get("answer", ""))


def cited_article(answer: dict) -> str:
    """The article the answer rests on: that of its answer span's citation, else of its first citation."""
    cites = answer.get("citations") or []
    span = answer.get("answer_span") or {}
    for c in cites:
        if span.get("citation") is not None and c.get("n") == span.get("citation"):
            return c.get("article_id") or ""
    return (cites[0].get("article_id") or "") if cites else ""


@dataclass
class Export:
    rows: list[dict] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (feedback id, why)


def gold_row(fb: Feedback) -> tuple[dict | None, str]:
    """(the gold row of one rating, "") or (None, why it cannot be one)."""
    answer = fb.answer or {}
    question = fb.question
    standalone = (answer.get("standalone_question") or "").strip()
    if fb.history and standalone:
        question = standalone
    row: dict = {"id": f"fb-{fb.id}", "question": question}
    if fb.rating == DOWN and fb.reason == "should_abstain":
        row.update(answers=[], unanswerable=True)
    elif fb.rating == DOWN and fb.correction.strip():
        row.update(answers=[fb.correction.strip()], unanswerable=False)
    elif fb.rating == UP and answer.get("abstained"):
        row.update(answers=[], unanswerable=True)
    elif fb.rating == UP and confirmed_answer(answer):
        row.update(answers=[confirmed_answer(answer)], unanswerable=False)
    elif fb.rating == UP:
        return None, "empty answer"
    else:
        return None, "rated down without a correct answer"
    source = cited_article(answer)
    if not row["unanswerable"] and source and fb.reason != "wrong_source":
        row["source"] = source
    row.update(
        feedback_id=fb.id,
        rating="up" if fb.rating == UP else "down",
        reason=fb.reason or "",
        asked=fb.question,
        rated_answer=rated_answer_text(answer),
        rated_abstained=bool(answer.get("abstained")),
        rated_at=fb.updated or fb.created,
    )
    return row, ""


def export(records: list[Feedback]) -> Export:
    out = Export()
    for fb in records:
        row, why = gold_row(fb)
        if row is None:
            out.skipped.append((fb.id, why))
        else:
            out.rows.append(row)
    return out


def write_gold(rows: list[dict], path: Path) -> Path:
    """The rows as a .jsonl gold file, written atomically (a temp file renamed over `path`)."""
    path = Path(path)
    if path.suffix.lower() != ".jsonl":
        raise ValueError(f"{path}: the feedback export is a .jsonl gold file")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".gold-", suffix=".jsonl", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            for row in rows:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def gold_questions(rows: list[dict]) -> list[GoldQuestion]:
    """The rows read by the gold reader itself (as `quelle eval GOLD` would read the exported file)."""
    return [question_from_record(row, f"feedback {row['feedback_id']}", i + 1) for i, row in enumerate(rows)]


def changed(rows: list[dict]) -> tuple[int, int]:
    """(rated answers that would now change, rated answers compared) over `quelle eval` result rows of feedback
    gold: an answer changes when it now abstains where it answered (or the reverse) or its text differs."""
    compared = [r for r in rows if "rated_answer" in r and not r.get("error")]
    n = 0
    for r in compared:
        now_abstained = bool(r.get("abstained"))
        before = bool(r.get("rated_abstained"))
        if now_abstained != before or (not now_abstained and plain(r.get("answer", "")) != r.get("rated_answer", "")):
            n += 1
    return n, len(compared)
