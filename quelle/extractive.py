"""The no-LLM answerer: pick the sentence(s) of the retrieved passages that answer the question.

Each candidate sentence is scored by how much of the question's (IDF-weighted) content it covers, with
partial credit for terms found only elsewhere in its passage or title and for compound-part matches,
times a cue factor from the question type (Wo -> place, Wann -> date, Wie viel -> number, Wer -> name),
plus a small share of the passage's retrieval score. Below `min_answer_score` coverage Quelle abstains.
A sentence that opens with a pronoun or connective gets its preceding sentence as context.

Abstention threshold (QUELLE_MIN_ANSWER_SCORE, default 0.35), measured: a store holding every other XQuAD-de
article, every third question asked (204 whose article is stored, 193 whose article is not):
  t=0.25 contains 0.701, answerable abstained 0.044, unanswerable abstained 0.694
  t=0.35 contains 0.681, answerable abstained 0.098, unanswerable abstained 0.876
  t=0.45 contains 0.637, answerable abstained 0.181, unanswerable abstained 0.943
0.35 is within 0.011 of the best balanced accuracy (0.790 at 0.40-0.45) while abstaining on fewer than one
in ten answerable questions; held-out native German questions overlap less with the text, so we stay low.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from ingest.sentences import passage_sentence_spans
from vectorstore.analysis import analyze, content_terms
from vectorstore.retrieve import Passage

_YEAR = r"\b(1[5-9]\d\d|20\d\d)\b"
_MONTHS = (r"januar|februar|märz|april|mai|juni|juli|august|september|oktober|november|dezember|"
           r"january|february|march|june|july|october|december|jahrhundert|century")
_DATE = re.compile(rf"{_YEAR}|\b\d{{1,2}}\.\s*({_MONTHS})|\b({_MONTHS})\b|\b\d{{1,2}}\.\d{{1,2}}\.\d{{2,4}}", re.I)
_NUMBER = re.compile(r"\d|\b(ein|zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|elf|zwölf|hundert|tausend|"
                     r"million|milliard|billion|dutzend|hälfte|prozent|one|two|three|four|five|six|seven|eight|"
                     r"nine|ten|hundred|thousand|percent)", re.I)
_PLACE = re.compile(r"\b(in|im|nach|aus|bei|an|am|auf|from|at|near)\s+(de[nmr]\s+|die\s+|the\s+)?[A-ZÄÖÜ]\w+")
_NAME = re.compile(r"(?<!^)(?<![.!?]\s)\b[A-ZÄÖÜ][a-zäöüß]+(?:\s+[A-ZÄÖÜ][a-zäöüß]+)+")
_ANAPHOR = {"er", "sie", "es", "dies", "diese", "dieser", "dieses", "damit", "dabei", "dort", "daher", "deshalb",
            "dadurch", "davon", "dafür", "zudem", "außerdem", "ihr", "ihre", "sein", "seine", "he", "she", "it",
            "they", "this", "these", "there", "its", "their"}

_CUES: list[tuple[re.Pattern, re.Pattern]] = [
    (re.compile(r"^\s*(wann|seit wann|bis wann|in welchem jahr|in welchem jahrhundert|when|what year)\b", re.I), _DATE),
    (re.compile(r"\b(wie viele?|wieviele?|wie hoch|wie groß|wie lang|wie alt|wie weit|wie schwer|um wie viel|"
                r"how many|how much|how long|how old|how big|what percentage)\b", re.I), _NUMBER),
    (re.compile(r"^\s*(wo|woher|wohin|where)\b", re.I), _PLACE),
    (re.compile(r"^\s*(wer|wem|wen|wessen|who|whom)\b", re.I), _NAME),
]

CUE_MISSING = 0.75  # factor when the question asks for a type the sentence does not contain
PASSAGE_SHARE = 0.15  # weight of the passage's own retrieval score
CONTEXT_CREDIT = 0.5  # credit for a question term found in the passage/title but not the sentence
PARTIAL_CREDIT = 0.6  # credit for a compound-part match (cloud ~ cloudspart)


@dataclass
class Pick:
    passage: int  # index into the passages
    spans: list[tuple[int, int]]  # sentence spans within the passage text, in order
    score: float
    coverage: float


def _term_credit(term: str, terms: set[str]) -> float:
    if term in terms:
        return 1.0
    if len(term) >= 4 and any((len(t) >= 4 and (t.startswith(term) or term.startswith(t) or t.endswith(term)))
                              for t in terms):
        return PARTIAL_CREDIT
    return 0.0


def cue_pattern(question: str) -> re.Pattern | None:
    for asks, pattern in _CUES:
        if asks.search(question):
            return pattern
    return None


CARRIED_WEIGHT = 0.5  # words carried over from a previous question weigh at most half the question's own


def pick_sentences(question: str, passages: list[Passage], idf: Callable[[str], float],
                   language: str = "de", carried: str = "") -> Pick | None:
    """The best answering sentence (plus context when needed), or None when there is no candidate.
    `carried`: words a follow-up took over from the previous question; they count at CARRIED_WEIGHT."""
    own = content_terms(question, language)
    extra = [t for t in content_terms(carried, language) if t not in own] if carried else []
    q_terms = own + extra
    if not q_terms or not passages:
        return None
    weights = {t: idf(t) for t in q_terms}
    own_mass, carried_mass = sum(weights[t] for t in own), sum(weights[t] for t in extra)
    if carried_mass > 0:  # carried words together weigh at most CARRIED_WEIGHT of the question's own words
        scale = min(1.0, CARRIED_WEIGHT * own_mass / carried_mass) if own_mass else 1.0
        for t in extra:
            weights[t] *= scale
    total = sum(weights.values()) or 1.0
    cue = cue_pattern(question)
    top_score = max(p.score for p in passages) or 1.0
    best: Pick | None = None
    for pi, p in enumerate(passages):
        context_terms = set(analyze(p.meta.get("title", "") + "\n" + p.text, language))
        spans = passage_sentence_spans(p.text, language)
        for si, (s, e) in enumerate(spans):
            sentence = p.text[s:e]
            s_terms = set(analyze(sentence, language))
            covered = 0.0
            for t, w in weights.items():
                credit = _term_credit(t, s_terms)
                if credit < CONTEXT_CREDIT and t in context_terms:
                    credit = CONTEXT_CREDIT
                covered += w * credit
            coverage = covered / total
            novelty = len(s_terms - set(q_terms)) > 0  # a sentence that only repeats the question answers nothing
            score = coverage * (1.0 if novelty else 0.5)
            if cue is not None and not cue.search(sentence):
                score *= CUE_MISSING
            score += PASSAGE_SHARE * (p.score / top_score)
            if best is None or score > best.score:
                chosen = [(s, e)]
                words = sentence.split(maxsplit=1)
                if si > 0 and words and words[0].lower().strip(",.") in _ANAPHOR:
                    chosen.insert(0, spans[si - 1])
                best = Pick(pi, chosen, score, coverage)
    return best
