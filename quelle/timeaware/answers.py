"""Time-aware answers (issue 20): what ask() does differently when a question has a time word.

`plan()` reads the question: dates („im März 2016“, „letzte Woche“ → a TimeFilter), the current-state words
(„aktuell“, „derzeit“ …) and timeline questions („Wie hat sich … entwickelt?“). A question with none of them gets
no plan, and ask() runs exactly as before.

`retrieve()`: the time filter joins the caller's filters; when it leaves nothing the question is asked without it
(`time_filter.applied` false, flag `time_filter_dropped`). With an explicit reference date (QUELLE_AS_OF, --as-of,
a gold row's as_of) articles after it are left out. Current-state and timeline questions read a deeper pool
(RECENCY_POOL); current-state passages are ordered with the fitted recency decay.

`finish()`: when the passages' reports disagree, the newest one is the answer and the earlier ones go to
`timeline` (newest first, with dates and citations: „Frühere Meldungen“); a timeline question is answered with
the dated list, oldest first; a current-state or conflict answer names its date („Stand 24.09.2025 (Quelle [1]):
…“).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Callable

from quelle.answering.checked import Assembly, assemble, citation_from
from quelle.answering.citations import trailing_citation
from quelle.answering.types import SURE, Answer, AnswerSentence, AnswerSpan, Citation, Draft
from quelle.settings import Settings
from quelle.i18n import text as ui_text
from quelle.timeaware import intent
from quelle.timeaware.dates import TimeFilter, question_dates, report_window, spans_of
from quelle.timeaware.reports import (
    RECENCY_POOL,
    Report,
    about_period,
    by_recency,
    conflicting,
    normal_value,
    reports,
    timeline,
)
from quelle.timeaware import reports as reports_module
from reader.question import Question
from vectorstore.filters import Filters
from vectorstore.retrieve import Passage

# How long after the end of a question's period an article can still report on it (a year's figures in January, a
# month's in the next weeks): the question's period [start, end] filters publication dates [start, end + lag].
# Fitted by bench/fit_recency.py on the fit stories of data/dated (docs/time-aware.md).
REPORT_LAG_DAYS = 45


@dataclass
class TimePlan:
    as_of: dt.date
    explicit_as_of: bool  # set by QUELLE_AS_OF / --as-of / a gold row, not today
    filter: TimeFilter | None
    latest: bool
    timeline: bool
    topic: str  # the question without its time words (what is searched and read)
    period: TimeFilter | None = None  # the period the question names (the event time); `filter` is its report window
    applied: bool = True  # False: the time filter left nothing and the question was asked without it
    pool: list[Passage] = field(default_factory=list)  # the deeper pool of a timeline question
    question: str = ""  # the question as asked

    @property
    def query(self) -> str:
        """What is searched and read: the topic while the time filter holds; the whole question once the filter is
        dropped — with no article in the period, its date words are content again („Saison 2015“, „24-10“)."""
        return self.topic if self.applied or not self.question else self.question


def date_text(iso: str, language: str) -> str:
    try:
        d = dt.date.fromisoformat(iso[:10])
    except ValueError:
        return iso
    return d.strftime("%d.%m.%Y") if language == "de" else d.isoformat()


def plan(question: str, settings: Settings) -> TimePlan | None:
    """What the question asks about time, or None when it has no time word."""
    as_of = settings.as_of or dt.date.today()
    period = question_dates(question, as_of)
    latest, line = intent.wants_latest(question), intent.wants_timeline(question)
    if period is None and not latest and not line:
        return None
    topic = intent.without(question, spans_of(question, period), timeline=line, recency=latest)
    explicit = settings.as_of is not None
    window = report_window(period, REPORT_LAG_DAYS, as_of if explicit else None) if period else None
    return TimePlan(as_of, explicit, window, latest and not line, line, topic, period=period, question=question)


def _joined(filters: Filters | None, since: str | None, until: str | None) -> Filters | None:
    """The caller's filters narrowed to [since, until]; None when the two do not overlap."""
    base = filters or Filters()
    if base.since and (since is None or Filters.as_int(base.since, False) > Filters.as_int(since, False)):
        since = base.since
    if base.until and (until is None or Filters.as_int(base.until, True) < Filters.as_int(until, True)):
        until = base.until
    if since and until and Filters.as_int(since, False) > Filters.as_int(until, True):
        return None
    return replace(base, since=since, until=until)


def retrieve(
    p: TimePlan,
    retriever,
    analysed: Callable[[str], Question],
    settings: Settings,
    filters: Filters | None,
    language: str,
) -> list[Passage]:
    """The passages for a time-aware question (see the module docstring): its topic is searched (`analysed`: the
    texts of this ask, each analysed once — reader/question.py)."""
    query = analysed(p.topic)
    deep = p.latest or p.timeline
    depth = max(settings.top_k, RECENCY_POOL) if deep else settings.top_k
    cap = p.as_of.isoformat() if p.explicit_as_of else None

    def get(since, until):
        f = _joined(filters, since, until)
        if f is None:
            return []
        return retriever.retrieve(
            query,
            depth,
            settings.retrieval_mode,
            f if f else None,
            settings.hybrid_dense_weight,
            language,
            rerank=settings.rerank,
        )

    tf = p.filter
    got = get(tf.since if tf else None, (tf.until if tf and tf.until else None) or cap) if tf else []
    if tf and cap and tf.until and Filters.as_int(tf.until, True) > Filters.as_int(cap, True):
        got = get(tf.since, cap)
    if not got:
        if tf:
            p.applied = False
            query = analysed(p.query)
        got = get(None, cap) if cap else []
        if not got:
            got = get(None, None)
    if p.latest:
        got = by_recency(got, reports_module.HALF_LIFE_DAYS)
    if p.timeline:
        p.pool = got
    return got[: settings.top_k]


def _cite(citations: list[Citation], passages: list[Passage], r: Report) -> int:
    """The citation number of the report's passage in `citations`, added when they do not cite it yet."""
    p = passages[r.passage]
    for c in citations:
        if c.chunk_id == p.chunk_id:
            c.highlights = sorted(set(map(tuple, c.highlights)) | set(r.spans))
            return c.n
    n = len(citations) + 1
    citations.append(citation_from(p, n, list(r.spans)))
    return n


def _entries(answer: Answer, passages: list[Passage], found: list[Report]) -> tuple[list[Citation], list[dict]]:
    """(the answer's citations with the reports' passages added, one entry per report): copies — the assembled answer
    stays as it was."""
    citations = [replace(c, highlights=list(c.highlights)) for c in answer.citations]
    entries = []
    for r in found:
        p = passages[r.passage]
        entries.append(
            {
                "date": r.date,
                "text": r.text,
                "citation": _cite(citations, passages, r),
                "value": r.value,
                "title": p.meta.get("title", ""),
                "source": p.meta.get("source", ""),
            }
        )
    return citations, entries


def _single(r: Report, passages: list[Passage], language: str, prefix: str, answer: Answer, band: str) -> Draft:
    """A verbatim draft made of one report (the newest of conflicting ones), dated; the answer's confidence."""
    sentence = AnswerSentence(text=r.text, citations=[1])
    body = prefix.format(date=date_text(r.date, language), n=1) + f"{r.text} [1]"
    span = None
    if r.value_span:
        s, e = r.value_span
        span = AnswerSpan(text=passages[r.passage].text[s:e], start=s, end=e, citation=1)
    return Draft(
        body,
        [r.passage + 1],
        sentences=[sentence],
        highlights={1: list(r.spans)},
        model=answer.model,
        span=span,
        confidence=answer.confidence,
        band=band,
    )


def _chronology(found: list[Report], passages: list[Passage], language: str, answer: Answer) -> Draft:
    """A verbatim draft listing the dated reports oldest first; the answer's confidence and band."""
    order: list[int] = []
    sentences, highlights, lines = [], {}, []
    for r in found:
        if r.passage + 1 not in order:
            order.append(r.passage + 1)
        n = order.index(r.passage + 1) + 1
        highlights.setdefault(n, []).extend(r.spans)
        sentences.append(AnswerSentence(text=r.text, citations=[n]))
        lines.append(f"\n- {date_text(r.date, language)}: {r.text} [{n}]")
    body = ui_text("answer_chronology", language) + "".join(lines)
    return Draft(
        body,
        order,
        sentences=sentences,
        highlights=highlights,
        model=answer.model,
        confidence=answer.confidence,
        band=answer.confidence_band,
    )


def _dated(answer: Answer, language: str) -> str:
    """The answer naming the date of what it cites: „Stand 24.09.2025 (Quelle [1]): …“; the candidates of an unsure
    answer (its lines „- … [n]“) each get their own date."""
    dates = {c.n: c.date for c in answer.citations if c.date}
    stand = ui_text("answer_stand", language)

    def dated(n: int) -> str:
        return stand.format(date=date_text(dates[n], language), n=n) if n in dates else ""

    lines = answer.answer.split("\n")
    # a candidate line ends in its one marker (read by quelle/answering/citations.py, the one home of [n])
    listed = [trailing_citation(line) if line.startswith("- ") else None for line in lines]
    if any(n is not None for n in listed):
        return "\n".join(f"- {dated(n)}{line[2:]}" if n is not None else line for line, n in zip(lines, listed))
    if 1 not in dates:
        return answer.answer
    return dated(1) + answer.answer


def finish(answer: Answer, p: TimePlan, at: Assembly, idf, question: Question) -> Answer:
    """The stage after the assembly: a new Answer with the time-aware parts — conflicts resolved newest first,
    timelines, „Stand …“, the time filter. A verbatim answer (the extractive reader's) may be replaced by a new draft
    of the reports, assembled like every answer (`at`, the assembly of `answer`); an LLM's own text is kept.
    `question`: what is read (p.query), analysed."""
    passages, language = at.passages, at.language
    flags: list[str] = []
    if p.filter:
        flags.append("time_filter" if p.applied else "time_filter_dropped")
    citations, timeline_entries = list(answer.citations), []
    stand = ui_text("answer_stand", language)
    # an answer of quoted passage sentences may be replaced by the newest report's sentence and dated; an LLM's own
    # text is kept (its prompt gave it the dates)
    verbatim = answer.capabilities.verbatim
    text = None  # the answer's text, when the stage dates it
    if p.timeline:
        pool = p.pool or passages
        found = timeline(reports(question, pool, idf, language, typed=False))
        if len(found) >= 2:
            flags.append("timeline")
            if verbatim:
                answer = assemble(_chronology(found, pool, language, answer), replace(at, passages=pool))
            citations, timeline_entries = _entries(answer, pool, found)
    elif not answer.abstained:
        found = conflicting(reports(question, passages, idf, language))
        if found and p.period and p.period.until and not p.latest:
            # a period question: reports about the period win over later ones in the report lag
            about = [r for r in found if about_period(r, p.period.since, p.period.until)]
            if about and len(about) < len(found):
                found = about if len({normal_value(r.value) for r in about}) > 1 else []
                if not found and verbatim:
                    answer = assemble(_single(about[0], passages, language, stand, answer, answer.confidence_band), at)
                    citations = list(answer.citations)
        if found:
            flags.append("conflict")
            if verbatim:
                # reports of different dates that each state the asked value are versions of one fact, not rival
                # answers: the newest is the answer, sure (the reader's margin counted them as rivals)
                answer = assemble(_single(found[0], passages, language, stand, answer, SURE), at)
            citations, timeline_entries = _entries(answer, passages, found)
        elif p.latest and verbatim and answer.citations:
            text = _dated(answer, language)
    if p.latest:
        flags.append("recency")
    return replace(
        answer,
        answer=answer.answer if text is None else text,
        citations=citations,
        flags=answer.flags + [f for f in flags if f not in answer.flags],
        time_filter=(
            {**p.filter.to_dict(), "applied": p.applied, "period": {"since": p.period.since, "until": p.period.until}}
            if p.filter
            else None
        ),
        timeline=timeline_entries,
    )
