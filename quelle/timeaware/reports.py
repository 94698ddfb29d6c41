"""Dated reports in the retrieved passages: recency ranking, conflicting reports, timelines.

A *report* is the sentence of one article that best answers the question (scored by reader.evidence, the
answerer's own scorer; for number/date/name/place questions only sentences holding such a filler), with the
article's date and the filler it gives (reader/fillers.py, the extractive answer span).

- `by_recency`: newer passages rank higher — each passage's score is multiplied by 0.5 ** (age / half-life), the age
  in days counted from the newest passage of the pool; the half-life is fitted (HALF_LIFE_DAYS, bench/fit_recency.py).
- `conflicting`: reports of different dates whose fillers differ, newest first (the newest is the answer).
- `timeline`: one report per article, oldest first.

Copies of one report (a near-duplicate group, vectorstore/groups.py) are one report, dated by the group's first
publication: retrieval already keeps one passage per group, and `passage_date` reads `extra["first_published"]`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Callable

from quelle.answering.extractive import answer_span
from quelle.timeaware.dates import question_dates
from reader.evidence import passage_input, question_view, score_sentences
from reader.question import Question
from vectorstore.retrieve import Passage

# Fitted by bench/fit_recency.py on the fit stories of data/dated (grid 7 … 3650 days; the longest half-life among the
# best, by newest_fact and MRR of the gold article): 30 d 1.00/0.95, 60 and 90 d 1.00/1.00, 180 d 0.94/1.00,
# 730 d 0.81/0.94; held-out stories: newest_fact 0.625 without decay → 0.938 with it (docs/time-aware.md).
HALF_LIFE_DAYS = 90.0
RECENCY_POOL = 20  # passages retrieved for a recency or timeline question before the decay / the list
CONFLICT_SHARE = 0.75  # a report counts for a conflict when its evidence is at least this share of the best report's
TIMELINE_SHARE = 0.5  # a sentence enters a timeline when its evidence is at least this share of the best one's
TIMELINE_MAX = 8


def passage_date(p: Passage) -> dt.date | None:
    """The report's date: its article's, or for a group of copies (docs/dedup.md) the group's first publication."""
    value = str(p.extra.get("first_published") or p.meta.get("date") or "")[:10]
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        m = re.fullmatch(r"(\d{4})(?:-(\d\d))?", value[:7])
        return dt.date(int(m.group(1)), int(m.group(2) or 1), 1) if m else None


def by_recency(passages: list[Passage], half_life: float | None = HALF_LIFE_DAYS) -> list[Passage]:
    """The passages ordered by score × 0.5 ** (age in days / half_life); undated ones count as the oldest.
    `half_life` None: unchanged."""
    if not half_life or len(passages) < 2:
        return passages
    dates = [passage_date(p) for p in passages]
    known = [d for d in dates if d is not None]
    if not known:
        return passages
    newest, oldest = max(known), min(known)
    for p, d in zip(passages, dates):
        age = (newest - (d or oldest)).days
        factor = 0.5 ** (age / half_life)
        p.extra["before_recency"] = p.score
        p.extra["recency"] = round(factor, 4)
        p.score = p.score * factor
    return sorted(passages, key=lambda p: -p.score)


@dataclass
class Report:
    passage: int  # index into the passages
    spans: list[tuple[int, int]]  # the sentence (passage offsets)
    date: str  # ISO date of the article ("" when undated)
    text: str
    score: float
    value: str = ""  # the answer slot's filler („5,2 Prozent“, „Marco Velten“); "" for other questions
    value_span: tuple[int, int] | None = None


def reports(
    question: Question | str,
    passages: list[Passage],
    idf: Callable[[str], float],
    language: str = "de",
    typed: bool = True,
) -> list[Report]:
    """The best sentence of each article in the passages, best first. `typed`: for number/date/name/place
    questions only sentences holding such a filler."""
    if not passages:
        return []
    q = question_view(question, idf, language)
    # reports are compared by what they say: the retrieval score before the recency decay (an older report's
    # evidence is not weaker for being older — by_recency already decided what ranks first)
    inputs = [passage_input(p.text, p.meta, p.extra.get("before_recency", p.score)) for p in passages]
    evidence = score_sentences(q, inputs)
    kind, reported = q.kind.kind, q.kind.spec.reported
    if typed and reported:
        evidence = [e for e in evidence if e.features["slot"] > 0]
    out: list[Report] = []
    seen: set[str] = set()
    for e in evidence:  # best first: the first sentence of each article is its best
        p = passages[e.passage]
        article = p.extra.get("group") or p.meta.get("article_id", "") or p.chunk_id  # copies: one report
        if article in seen or e.features.get("cov", 0.0) <= 0:
            continue
        seen.add(article)
        sv = passage_input(p.text, p.meta, p.score).view[e.sentence]
        value, span = "", None
        if reported:
            span = answer_span(p.text, kind, e.filler, sv.end)
            value = p.text[span[0] : span[1]] if span else ""
        d = passage_date(p)
        out.append(
            Report(
                e.passage,
                [(sv.start, sv.end)],
                d.isoformat() if d else "",
                " ".join(p.text[sv.start : sv.end].split()),
                e.score,
                value,
                span,
            )
        )
    return out


def normal_value(value: str) -> str:
    """A filler compared across reports: lower case, no punctuation, no unit words after a number."""
    v = re.sub(r"[^\w%]+", " ", value.lower()).strip()
    m = re.match(r"\d[\d ]*(?:[.,]\d+)?", value)
    return re.sub(r"\D", "", m.group()) if m else v


def conflicting(found: list[Report]) -> list[Report]:
    """Reports that disagree: dated, at least CONFLICT_SHARE of the best report's evidence, at least two different
    fillers on different dates. Newest first (on a date tie: the better evidence first); [] when they agree."""
    if not found:
        return []
    top = max(r.score for r in found)
    close = [r for r in found if r.date and r.value and r.score >= CONFLICT_SHARE * top]
    values = {normal_value(r.value) for r in close}
    dates = {r.date for r in close}
    if len(values) < 2 or len(dates) < 2:
        return []
    return sorted(close, key=lambda r: (r.date, r.score), reverse=True)


def about_period(r: Report, since: str | None, until: str | None) -> bool:
    """The report is about the question's period [since, until]: the article is dated inside it, or its sentence
    names a date inside it (read relative to the article's date: „Im vergangenen Jahr wurden 870 Wohnungen
    fertiggestellt“ of 10.02.2026 is about 2025). A report after the period that names no date in it tells a later
    state („Die Stadtwerke erhöhten ihr Angebot auf 4 Prozent“ of June is no answer for May)."""
    lo, hi = since or "0000-00-00", until or "9999-99-99"
    if not r.date:
        return False
    if lo <= r.date <= hi:
        return True
    said = question_dates(r.text, dt.date.fromisoformat(r.date), use_dateparser=False)
    return bool(said) and (said.since or "0000-00-00") <= hi and (said.until or r.date) >= lo


def timeline(found: list[Report]) -> list[Report]:
    """Dated reports with at least TIMELINE_SHARE of the best evidence, oldest first (at most TIMELINE_MAX; the
    best ones when there are more)."""
    if not found:
        return []
    top = max(r.score for r in found)
    kept = [r for r in found if r.date and r.score >= TIMELINE_SHARE * top][:TIMELINE_MAX]
    return sorted(kept, key=lambda r: (r.date, -r.score))
