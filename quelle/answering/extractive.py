"""The no-LLM answerer: the sentence of the retrieved passages that answers the question, its answer span, and a
calibrated confidence that decides between answering, offering two candidates and abstaining.

Sentences are scored by reader.evidence (typed answer slots, in-article term weighting, proximity). The
answer span is the slot filler of the chosen sentence nearest the question's words, with its unit („vier
Wochen“, „60 Millionen Euro“). A sentence that opens with a pronoun or connective gets its preceding sentence as
context. Confidence and abstention: see `confidence()`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Callable

from ingest.lexicon import (
    CONNECTIVES_DE,
    CONNECTIVES_EN,
    DEMONSTRATIVE_PRONOUNS_DE,
    DEMONSTRATIVES_EN,
    DER_FORMS_DE,
    PERSONAL_PRONOUNS_DE,
    PERSONAL_PRONOUNS_EN,
    POINTING_ADVERBS_DE,
    POINTING_ADVERBS_EN,
    POSSESSIVES_DE,
    POSSESSIVES_EN,
)
from vectorstore.analysis import token_terms
from reader.evidence import Evidence, PassageInput, passage_input, question_view, score_sentences
from reader.question import Question
from vectorstore.retrieve import Passage
from reader.kinds import KINDS, NAME
from reader.fillers import SCALE_WORD, fillers

# what points back to the sentence before (ingest/lexicon.py): a connective wherever it stands („Die KVB rechnet
# dennoch mit …“), and a pronoun, a demonstrative, a possessive, a pointing adverb or a connective that opens a sentence
_CONNECTIVE = frozenset((*CONNECTIVES_DE, *CONNECTIVES_EN))
_ANAPHOR = _CONNECTIVE | frozenset(
    (
        *PERSONAL_PRONOUNS_DE,
        *DEMONSTRATIVE_PRONOUNS_DE,
        *POSSESSIVES_DE,
        *POINTING_ADVERBS_DE,
        *PERSONAL_PRONOUNS_EN,
        *DEMONSTRATIVES_EN,
        *POSSESSIVES_EN,
        *POINTING_ADVERBS_EN,
    )
)
_ARTICLE = frozenset(DER_FORMS_DE)  # „Der hat …“ points back; „Der Ethikkodex …“ only when named before
_UNIT_WORD = re.compile(r"[\w%€$£.,-]+")
_LIST_GAP = re.compile(
    r"(?:,\s*|\s+(?:und|oder|sowie|and|or)\s+|,\s*(?:und|oder|and|or)\s+)(?:(?:de[mnrs]|die|das|the)\s+)?"
)
CARRIED_WEIGHT = 0.5  # words carried over from a previous question weigh at most half the question's own

# P(the question is answered in these passages) = sigmoid(bias + weights · features of the best sentence), fitted by
# logistic regression (bench/fit_answer.py) on one half of news-de + XQuAD-de questions (split by article; answerable
# as asked vs. the same question with its article filtered out, plus news-de's unanswerable questions) and checked on
# the other half; these weights are the mean of the two halves' fits. Figures: docs/experiments.md.
CONFIDENCE = {
    "bias": -6.02,
    "score": 1.1,
    "margin": 0.37,
    "slot": -0.37,
    "cov": 0.48,
    "local": 0.67,
    "window": 1.32,
    "context": 1.52,
    "retrieval": -0.37,
    "near": -0.27,
    "focus": -0.31,
}
# „Wie teuer“, „Wie lange“ ... imply a unit: a best sentence without a number in that unit is a weak answer (measured on
# news-de: of 12 such answerable questions, 5 had a sentence with the unit and all 5 were right; of 7 without, 2 were)
UNIT_MISSING = 0.5
# kinds whose candidates must hold a filler of the kind (when any candidate does)
# (numbers and dates only: „Wo arbeiten die meisten Kinderarbeiter?“ – „in der Landwirtschaft“ and „Wer …?“ – „die
# Ausschüsse“ are answered without a proper name; as soft slots, places and names still weigh through `slot` and
# `typed`: XQuAD-de first sentence right 0.736 -> 0.742 on all 1,190 questions, both article halves, news-de unchanged)


@dataclass
class Reading:
    """What the extractive answerer read out of the passages."""

    best: Evidence
    spans: list[tuple[int, int]]  # sentence spans (passage offsets) of the answer, context first
    span: tuple[int, int] | None  # the answer span, passage offsets
    confidence: float
    margin: float = 0.0
    alternative: Evidence | None = None
    alternative_spans: list[tuple[int, int]] = field(default_factory=list)


def _inputs(passages: list[Passage]) -> list[PassageInput]:
    return [passage_input(p.text, p.meta, p.score) for p in passages]


def confidence(
    best: Evidence, runner_up: Evidence | None, weights: dict[str, float] | None = None, units_asked: bool = False
) -> float:
    """P(the passages answer the question), from the best sentence's evidence, its margin over the next candidate
    from another place, and its coverage of the question (sentence, window, passage)."""
    w = weights or CONFIDENCE
    margin = best.score - runner_up.score if runner_up is not None else best.score
    f = best.features
    z = (
        w["bias"]
        + w["score"] * best.score
        + w["margin"] * margin
        + sum(w[k] * f.get(k, 0.0) for k in ("slot", "cov", "local", "window", "context", "retrieval", "near", "focus"))
    )
    p = 1.0 / (1.0 + math.exp(-z))
    return p * UNIT_MISSING if units_asked and not f.get("typed") else p


def _place(passages: list[Passage], e: Evidence) -> tuple[str, int, int]:
    """Where a candidate sentence is in its article (article id, start, end): overlapping chunks share sentences."""
    p = passages[e.passage]
    sv = passage_input(p.text, p.meta, p.score).view[e.sentence]
    start = int(p.meta.get("start", 0) or 0)
    return p.meta.get("article_id", ""), start + sv.start, start + sv.end


def _elsewhere(passages: list[Passage], a: Evidence, b: Evidence) -> bool:
    """b is another place than a: another article, or another sentence of the same article."""
    article_a, start_a, end_a = _place(passages, a)
    article_b, start_b, end_b = _place(passages, b)
    return article_a != article_b or end_b <= start_a or start_b >= end_a


def _sentence_spans(p: Passage, e: Evidence) -> list[tuple[int, int]]:
    view = passage_input(p.text, p.meta, p.score).view
    sv = view[e.sentence]
    spans = [(sv.start, sv.end)]
    if e.sentence == 0:
        return spans
    prev = view[e.sentence - 1]
    words = p.text[sv.start : sv.end].split(maxsplit=2)
    first = words[0].lower().strip(",.") if words else ""
    back = first in _ANAPHOR
    if back and first in _ARTICLE and len(words) > 1 and words[1][:1].isupper():
        # „Der hat …“, „Das ist …“ point back; an article with a noun does only when the sentence before names it
        # („… eines der ältesten Viertel. Das Viertel liegt …“), not „Der Ethikkodex …“ after other news
        back = any(
            not set(ts).isdisjoint(prev.terms) for _, _, ts in token_terms(words[1], p.meta.get("language") or "de")
        )
    # a connective adverb after the verb points back as well: „Die KVB rechnet dennoch mit vollen Zügen.“
    back = back or any(w.lower().strip(",.;:") in _CONNECTIVE for w in p.text[sv.start : sv.end].split()[1:5])
    if back:
        spans.insert(0, (prev.start, prev.end))
    return spans


def answer_span(text: str, kind: str, filler: tuple[int, int] | None, sentence_end: int) -> tuple[int, int] | None:
    """The filler with what belongs to it: a number with its unit words („60 Millionen Euro“, „74 Prozent“)."""
    if filler is None:
        return None
    s, e = filler
    rule = KINDS[kind].span
    if rule == "number":  # scale words („Millionen“), then one unit word („Euro“, „Kilometern“, „Prozent“), no more
        pos = e
        while pos < sentence_end and text[pos : pos + 1] == " ":
            m = _UNIT_WORD.match(text, pos + 1)
            if not m or m.end() > sentence_end:
                break
            word = m.group().rstrip(".,")
            scale = bool(SCALE_WORD.fullmatch(word))
            if not word or not (
                scale
                or word[0].isupper()
                or word in {"%", "€", "$", "mal", "lang"}
                or word.lower() in {"prozent", "euro", "dollar"}
            ):
                break
            e = pos = m.start() + len(word)
            if not scale:
                break
    if rule == "list":  # a list of places or names is one answer: „Brasilien, Frankreich und den Niederlanden“
        for fs, fe in fillers(text, NAME, e, sentence_end):
            if not _LIST_GAP.fullmatch(text[e:fs]):
                break
            e = fe
    return (s, e) if rule else None


def read(
    question: Question | str,
    passages: list[Passage],
    idf: Callable[[str], float],
    language: str = "de",
    carried: str = "",
) -> Reading | None:
    """The best answering sentence with span and confidence, or None when no sentence shares a word with the
    question."""
    q = question_view(question, idf, language, carried, CARRIED_WEIGHT)
    evidence = score_sentences(q, _inputs(passages))
    # a sentence without a filler of the asked kind (a number for „Wie viele“, a date for „Wann“ ...) cannot answer
    typed = [e for e in evidence if e.features["slot"] > 0] if q.kind.spec.hard else []
    if typed:
        evidence = typed
    # a sentence about another entity („Das Unternehmen …“ in an article that never names the asked company) is no
    # answer to the question
    evidence = [e for e in evidence if not e.features.get("foreign")] or evidence
    if not evidence or max(e.features["context"] for e in evidence) <= 0:
        return None
    best = evidence[0]

    # when the question implies a unit and the best sentence has it, the runner-up is the next sentence that has it
    # too (a sentence without money does not compete for „Wie viel muss Linz zahlen“); when no other sentence has
    # it, the next sentence of any kind (a lone sentence with money is no sure answer: tried, two unanswerable
    # news-de questions lost their abstention)
    def next_elsewhere(candidates) -> Evidence | None:
        return next((e for e in candidates if _elsewhere(passages, best, e)), None)

    runner_up = None
    if q.units and best.features.get("typed"):
        runner_up = next_elsewhere(e for e in evidence[1:] if e.features.get("typed"))
    runner_up = runner_up or next_elsewhere(evidence[1:])
    conf = confidence(best, runner_up, units_asked=bool(q.units))
    p = passages[best.passage]
    spans = _sentence_spans(p, best)
    span = answer_span(p.text, q.kind.kind, best.filler, spans[-1][1])
    margin = best.score - runner_up.score if runner_up is not None else best.score
    reading = Reading(best, spans, span, conf, margin)
    if runner_up is not None and runner_up.features["cov"] > 0:  # shown only when the answer is unsure
        reading.alternative = runner_up
        reading.alternative_spans = _sentence_spans(passages[runner_up.passage], runner_up)
    return reading
