"""Sentence-level evidence: how well each sentence of some passages answers a question.

One scorer for two users: the second retrieval stage (vectorstore.retrieve: a passage is as good as its best
sentence) and the extractive answerer (quelle.answering.extractive: the best sentence is the answer). Each sentence gets
features, combined linearly with the weights in `WEIGHTS` (set by hand on the news-de development questions; `typed`,
`slot`, `cov` and `local` checked by a grid on halves of news-de and XQuAD-de with bench/fit_answer.py, which reports
the setting best on one half on the other half — figures in docs/experiments.md):

- `cov`: share of the question's IDF-weighted terms the sentence holds (lemma+stem terms; a compound part such as
  „Container“ in „Containerumschlag“ earns PARTIAL_CREDIT),
- `local`: the same with each term's weight times (1 - its share among the sentences of the article at hand): the
  article's own subject (its names, its topic word) is in most of its sentences and says little about which
  sentence answers — this is what stops the lead sentence from winning every time,
- `context`: share of the question held by the sentence's passage and title (is this the right article?),
- `slot`: the sentence holds a filler of the asked kind (number, date, place, name, reason) that the question
  does not already contain; `near`: how close (in words) that filler is to a matched question word,
- `focus`: a number followed by the asked unit („vier Wochen“ for „Wie viele Wochen“), a date after the asked
  boundary („bis Ende Jänner“ for „Bis wann“), or the class noun of a which-, place- or kind-question („Verlag“,
  „Stadt“, „Welche Art von Schule“),
- `retrieval`: the passage's first-stage score relative to the best,
- `lead`: the sentence is one of the article's first two,
- `typed`: the sentence holds a filler of the asked kind in the unit the question implies (money for „Wie viel
  kostet“, a duration for „Wie lange“); for kinds without a unit the same as `slot`. The answer sentence of a real
  reader question shares few words with it but holds the asked thing: this lifts it over the lead sentence that
  restates the question (news-de first sentence right 0.463 -> 0.512 with typed 1.0, XQuAD-de 0.785 -> 0.789).
"""

from __future__ import annotations

import bisect
import math
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Sequence

from ingest.sentences import passage_sentence_spans
from vectorstore.analysis import compound_parts, content_terms, family, token_terms
from vectorstore.store import sentence_spans_of
from reader.kinds import AnswerKind
from reader.question import Question, as_question, term_parts
from reader.fillers import MEASURES, SCALE_WORD, fillers
from reader.reference import anaphoric_subject
from reader.forms import asks_city
from reader.quantities import belongs_to_other
from reader.names import is_country

PARTIAL_CREDIT = 0.6  # a compound part or an inflection the lemma table missed (shared prefix/suffix of >= 4 letters)
FAMILY_CREDIT = 0.5  # a word of the same family (kooperiert ~ Kooperation, leiten ~ Leitung): analysis.family
CONTEXT_CREDIT = 0.5
PART_CREDIT = 0.4
TITLE_SENTENCES = 1
WINDOW_CREDIT = 0.7  # a question word found in the neighbouring sentence instead of this one
WEIGHTS = {
    "cov": 1.0,
    "local": 1.0,
    "window": 0.5,
    "context": 0.4,
    "slot": 0.5,
    "near": 0.3,
    "focus": 0.3,
    "retrieval": 1.0,
    "article": 1.0,
    "lead": 0.05,
    "typed": 1.0,
}
FEATURES = tuple(WEIGHTS)


@dataclass
class SentenceView:
    start: int  # offsets in the passage text
    end: int
    tokens: list[tuple[int, int, list[str]]]  # word offsets in the passage text, their terms
    terms: frozenset[str]
    parts: frozenset[str] = frozenset()  # terms of compound parts (Sendeplatz -> send, platz) and the terms
    families: frozenset[str] = frozenset()  # word-family keys of the terms (Kooperation, kooperiert -> kooper)


@lru_cache(maxsize=20_000)
def passage_view(
    text: str, language: str, spans: tuple[tuple[int, int], ...] | None = None
) -> tuple[SentenceView, ...]:
    """The sentences of a passage with their terms (remembered: the same passages come back question after question).
    `spans`: the sentence spans stored with the chunk at ingest; without them the text is split here."""
    out = []
    for s, e in spans if spans is not None else passage_sentence_spans(text, language):
        toks = [(s + a, s + b, terms) for a, b, terms in token_terms(text[s:e], language)]
        terms = frozenset(t for _, _, ts in toks for t in ts)
        parts = terms.union(*(compound_parts(text[a:b], language) for a, b, _ in toks))
        out.append(SentenceView(s, e, toks, terms, parts, frozenset(family(t) for t in terms)))
    return tuple(out)


@dataclass
class QuestionView:
    text: str
    language: str
    kind: AnswerKind
    terms: list[str]
    weights: dict[str, float]
    focus: frozenset[str] = frozenset()
    units: frozenset[str] = frozenset()  # terms of the units the question's wording implies
    words: frozenset[str] = frozenset()  # lower-case words of the question (a filler it already names is no answer)
    parts: dict[str, frozenset[str]] = field(default_factory=dict)  # a term's compound parts
    names: frozenset[str] = frozenset()  # terms of the proper names the question asks about („Alibaba“)

    @property
    def term_set(self) -> frozenset[str]:
        return frozenset(self.terms)


def question_view(
    question: Question | str,
    idf: Callable[[str], float],
    language: str = "de",
    carried: str = "",
    carried_weight: float = 0.5,
) -> QuestionView:
    """The analysed question (reader/question.py; a text is analysed here) with IDF weights for its terms: words
    carried over from an earlier question weigh at most `carried_weight` of the question's own."""
    q = as_question(question, language)
    own = list(q.terms)
    extra = [t for t in content_terms(carried, q.language) if t not in own] if carried else []
    weights = {t: idf(t) for t in own + extra}
    own_mass, carried_mass = sum(weights[t] for t in own), sum(weights[t] for t in extra)
    if carried_mass > 0:
        scale = min(1.0, carried_weight * own_mass / carried_mass) if own_mass else 1.0
        for t in extra:
            weights[t] *= scale
    parts = {**q.parts, **term_parts(carried, q.language)} if carried else q.parts
    names = frozenset(t for t in q.name_terms if t in weights)
    return QuestionView(q.text, q.language, q.kind, own + extra, weights, q.focus, q.units, q.words, parts, names)


def credit(
    term: str,
    terms: frozenset[str] | set[str],
    parts: frozenset[str] = frozenset(),
    term_parts: frozenset[str] = frozenset(),
) -> float:
    """How well a sentence with `terms` (and compound parts `parts`) holds a question term (whose own compound parts
    are `term_parts`): 1 the same lemma/stem, PARTIAL_CREDIT one contains the other at its start or end
    (Cloudsparte ~ Sparte), FAMILY_CREDIT the same word family (kooperiert ~ Kooperation), PART_CREDIT a shared
    compound part (Programmplatz ~ Sendeplatz, Akkuladung ~ Akku)."""

    def partial() -> bool:
        return any(
            len(t) >= 4 and (t.startswith(term) or term.startswith(t) or t.endswith(term) or term.endswith(t))
            for t in terms
        )

    return graded(term, terms, partial, lambda: {family(t) for t in terms}, parts, term_parts)


def graded(
    term: str,
    terms: frozenset[str] | set[str],
    partial: Callable[[], bool],
    families: Callable[[], frozenset[str] | set[str]],
    parts: frozenset[str],
    term_parts: frozenset[str] | None,
) -> float:
    """The one grading of a question term against a sentence, for credit() and _Matcher (which finds `partial` —
    a sentence term that contains the term at its start or end, or the other way round — by prefix search; both
    tests are asked only when needed);
    `families`: the word-family keys of the sentence's terms, asked for only when needed."""
    if term in terms:
        return 1.0
    if len(term) < 4 or term[0].isdigit():
        return 0.0
    if partial():
        return PARTIAL_CREDIT
    if family(term) in families():
        return FAMILY_CREDIT
    if term in parts or (term_parts and not term_parts.isdisjoint(parts)):
        return PART_CREDIT
    return 0.0


def _with_prefix(sorted_words: list[str], prefix: str) -> list[str]:
    i = bisect.bisect_left(sorted_words, prefix)
    j = bisect.bisect_left(sorted_words, prefix + "\uffff")
    return sorted_words[i:j]


class _Matcher:
    """credit() for one question over many sentences: for each question term, the set of passage terms that match
    it partially is found once per question (set intersections per sentence instead of string tests)."""

    def __init__(self, q: "QuestionView", vocabulary: set[str]):
        self.q = q
        words = sorted(u for u in vocabulary if len(u) >= 4 and not u[0].isdigit())
        backwards = sorted(u[::-1] for u in words)
        self.near = {}
        for t in q.terms:
            found: set[str] = set()
            if len(t) >= 4 and not t[0].isdigit():
                found.update(_with_prefix(words, t))  # u starts with t
                found.update(u[::-1] for u in _with_prefix(backwards, t[::-1]))  # u ends with t
                found.update(u for u in (t[:i] for i in range(4, len(t))) if u in vocabulary)  # t starts with u
                found.update(u for u in (t[i:] for i in range(1, len(t) - 3)) if u in vocabulary)  # t ends with u
            found.discard(t)
            self.near[t] = frozenset(found)

    def credit(self, t: str, sv: "SentenceView") -> float:
        """credit(t, sv.terms, sv.parts, q.parts[t]), with the partial matches found once per question."""
        near = self.near[t]
        return graded(
            t, sv.terms, lambda: not near.isdisjoint(sv.terms), lambda: sv.families, sv.parts, self.q.parts.get(t)
        )


@dataclass
class Evidence:
    passage: int  # index into the passages given
    sentence: int  # index into passage_view(passage text)
    features: dict[str, float]
    score: float
    filler: tuple[int, int] | None = None  # the best slot filler, offsets in the passage text
    matched: list[int] = field(default_factory=list)  # token indices of the sentence that match question terms


@dataclass
class PassageInput:
    text: str
    title: str
    article_id: str
    chunk_index: int
    score: float  # first-stage retrieval score
    language: str = "de"
    sentences: tuple[tuple[int, int], ...] | None = None  # stored sentence spans, if any

    @property
    def view(self) -> tuple[SentenceView, ...]:
        return passage_view(self.text, self.language, self.sentences)


def passage_input(text: str, meta: dict, score: float) -> PassageInput:
    """The scorer's view of a retrieved chunk (its text, stored metadata and retrieval score)."""
    return PassageInput(
        text,
        meta.get("title", "") or "",
        meta.get("article_id", "") or "",
        int(meta.get("chunk_index", 0) or 0),
        float(score),
        meta.get("language") or "de",
        sentence_spans_of(meta, text),
    )


def _filler_ok(q: QuestionView, text: str, span: tuple[int, int], sv: SentenceView) -> bool:
    """A filler answers only when it brings something the question does not already name: one of its words has a
    term the question lacks (so „Günther Jauch“ is no answer to a question about „Günther Jauchs Talkshow“)."""
    words = [w.lower().strip(".,;:!?\"'()") for w in text[span[0] : span[1]].split()]
    if not words or all(w in q.words for w in words):
        return False
    terms = [ts for s, e, ts in sv.tokens if s >= span[0] and e <= span[1]]
    if not terms:
        return True
    return any(not any(credit(t, q.term_set) >= 1.0 for t in ts) for ts in terms)


def score_sentences(
    q: QuestionView,
    passages: Sequence[PassageInput],
    weights: dict[str, float] | None = None,
    slots: bool = True,
    best_only: bool = False,
) -> list[Evidence]:
    """Evidence for every sentence of the passages, best first. `slots=False` skips the answer-slot features;
    `best_only`: only each passage's best sentence (what the retrieval stage needs), found without computing the
    answer slots of sentences that cannot be it."""
    weights = weights or WEIGHTS
    # the most the answer-slot features can add to a sentence's score
    bonus = sum(max(0.0, weights.get(k, 0.0)) for k in ("slot", "near", "focus", "typed")) if slots else 0.0
    best_by_passage: dict[int, Evidence] = {}
    if not q.terms or not passages:
        return []
    views = [p.view for p in passages]
    # each term's share among the sentences of each article (sentences seen in these passages, deduplicated)
    seen: dict[str, dict[tuple[int, int], SentenceView]] = defaultdict(dict)
    vocabulary: set[str] = set()
    for p, view in zip(passages, views):
        for sv in view:
            seen[p.article_id][(p.chunk_index, sv.start)] = sv
            vocabulary |= sv.terms
    match = _Matcher(q, vocabulary)
    qw = q.weights
    if q.language not in {p.language for p in passages}:
        # a question in another language than the articles: its own words that no passage holds („vultures“ over
        # German text) are evidence for no sentence; names and numbers carry, so they alone weigh
        held = {t: w for t, w in qw.items() if t in vocabulary or match.near[t]}
        if held:
            qw = {t: (w if t in held else 0.0) for t, w in qw.items()}
    total = sum(qw.values()) or 1.0
    titles = {p.article_id: _title_terms(p.title, p.language) for p in passages}
    share: dict[str, dict[str, float]] = {}
    for article, sents in seen.items():
        n = len(sents)
        # the title names the article's subject: it counts as TITLE_SENTENCES sentences that hold its terms
        share[article] = {
            t: (
                sum(1 for sv in sents.values() if t in sv.terms or not match.near[t].isdisjoint(sv.terms))
                + TITLE_SENTENCES * (t in titles[article] or not match.near[t].isdisjoint(titles[article]))
            )
            / (n + TITLE_SENTENCES)
            for t in q.terms
        }
    # which of the question's names each article's retrieved passages and title name: an anaphor („Das Unternehmen“,
    # „Er“) can only point back to an entity its article names (only asked when the question names someone)
    named: dict[str, frozenset[str]] = {
        article: frozenset(t for t in q.names if t in titles[article] or any(t in sv.terms for sv in sents.values()))
        for article, sents in seen.items()
        if q.names
    }
    top = max((p.score for p in passages), default=0.0) or 1.0
    article_best: dict[str, float] = {}
    for p in passages:
        article_best[p.article_id] = max(article_best.get(p.article_id, 0.0), p.score)
    out: list[Evidence] = []
    for pi, (p, view) in enumerate(zip(passages, views)):
        context = set().union(*(sv.terms for sv in view)) if view else set()
        context |= _title_terms(p.title, p.language)
        ctx = sum(w * (1.0 if t in context else 0.0) for t, w in qw.items()) / total
        local_w = {t: w * (1.0 - share[p.article_id].get(t, 0.0)) + 1e-6 for t, w in qw.items()}
        local_total = sum(local_w.values())
        got_all = [{t: match.credit(t, sv) for t in q.terms} for sv in view]
        foreign = [False] * len(view)
        if q.names:
            for si, sv in enumerate(view):
                if anaphoric_subject(p.text[sv.start : sv.end]):
                    foreign[si] = _refer(q, si, view, got_all, titles[p.article_id], named[p.article_id])
        base: list[tuple[float, int, dict[str, float], list[int]]] = []
        for si, sv in enumerate(view):
            got = got_all[si]
            cov = sum(qw[t] * c for t, c in got.items()) / total
            local = sum(local_w[t] * c for t, c in got.items()) / local_total
            # the sentence with its neighbours: news sentences often answer what the one before introduced
            window = {
                t: max([c] + [WINDOW_CREDIT * got_all[j][t] for j in (si - 1, si + 1) if 0 <= j < len(view)])
                for t, c in got.items()
            }
            win = sum(local_w[t] * c for t, c in window.items()) / local_total
            matched = [i for i, (_, _, ts) in enumerate(sv.tokens) if any(t in q.weights for t in ts)]
            f = {
                "cov": cov,
                "local": local,
                "window": win,
                "context": ctx,
                "retrieval": p.score / top,
                "article": article_best[p.article_id] / top,
                "lead": 1.0 if p.chunk_index == 0 and si < 2 else 0.0,
                "slot": 0.0,
                "near": 0.0,
                "focus": 0.0,
                "foreign": 1.0 if foreign[si] else 0.0,
            }
            if not q.kind.spec.typed or not slots:
                f["typed"] = 1.0
            base.append((sum(weights.get(k, 0.0) * v for k, v in f.items()), si, f, matched))
        # the answer-slot features (the costly part: names need HanTa) only where they can change the result: with
        # best_only, a sentence whose score without them plus their largest possible sum cannot beat the passage's
        # best so far is left out (the passage's best sentence and its score stay exactly the same)
        passage_best = -math.inf
        for base_score, si, f, matched in sorted(base, key=lambda b: -b[0]) if best_only else base:
            if best_only and base_score + bonus <= passage_best:
                break
            sv = view[si]
            best_filler = _slot_features(q, p, sv, matched, f) if slots else None
            score = sum(weights.get(k, 0.0) * v for k, v in f.items())
            e = Evidence(pi, si, f, score, best_filler, matched)
            if not best_only:
                out.append(e)
            elif score > passage_best:
                passage_best = score
                best_by_passage[pi] = e
    if best_only:
        out = list(best_by_passage.values())
    out.sort(key=lambda e: -e.score)
    return out


def _slot_features(q: QuestionView, p: PassageInput, sv: SentenceView, matched: list[int], f: dict[str, float]):
    """The answer-slot features of one sentence (slot, near, focus, typed) into `f`; returns the best filler."""
    best_filler = None
    rivals: set[tuple[int, int]] = set()
    spec = q.kind.spec
    if spec.slot:
        # a which-question („Welcher Verlag“) is mostly answered by a name: a soft slot (see quelle.answering.extractive)
        spans = [sp for sp in fillers(p.text, q.kind.kind, sv.start, sv.end) if _filler_ok(q, p.text, sp, sv)]
        if asks_city(q.kind):  # „In welcher Stadt in Marokko …“: „nach Syrien“ names no town
            spans = [sp for sp in spans if not is_country(p.text[sp[0] : sp[1]])]
        if spec.counted and q.focus and not q.units:
            # „Wie viele Zuschauer …“: a number in a measuring unit („um 21.45 Uhr“, „an drei Tagen“) counts no
            # spectators; the counted noun itself may be one („Wie viele Wochen“)
            measures = _measure_terms(q.language) - q.focus
            spans = [sp for sp in spans if not _measured(p.text, sv, sp, measures)]
        # „Bis wann …“: a date after „bis“ („bis Ende Jänner“) answers it, one after „seit“ does not
        bound = q.kind.focus.lower() if spec.bounded else ""
        if spans:
            f["slot"] = 1.0
            # the asked unit next to a number („vier Jahre“ for „Wie viele Jahre“) is no closeness to what
            # the question is about: distance counts the question's other words only
            anchors = [i for i in matched if not set(sv.tokens[i][2]) <= (q.focus | q.units)] or matched
            unit = q.focus | q.units if spec.counted else frozenset()
            # the filler: a number in the asked unit first („80.000 Gäste“ before „drei Tagen“), then the
            # nearest to the question's words
            # a number that is the value of another noun than the asked quantity („Der Umsatz stieg auf …“ for „Wie
            # hoch ist der Gewinn“) is a rival, not an answer
            rivals = {sp for sp in spans if _rival(q, p.text, sv, sp)}
            best_key, best_d, best_filler = (True, math.inf), math.inf, spans[0]
            for sp in spans:
                d = _distance(sv, sp, anchors)
                key = (
                    (bool(unit) and not _followed_by(sv, sp, unit))
                    or (bool(bound) and not _after(p.text, sv, sp, bound))
                    or sp in rivals,
                    d,
                )
                if key < best_key:
                    best_key, best_d, best_filler = key, d, sp
            f["near"] = 1.0 / (1.0 + best_d / 3.0) if best_d < math.inf else 0.0
            if spec.counted and q.focus:
                f["focus"] = 1.0 if any(_followed_by(sv, sp, q.focus) for sp in spans) else 0.0
            elif bound:
                f["focus"] = 1.0 if any(_after(p.text, sv, sp, bound) for sp in spans) else 0.0
    if spec.class_focus and q.focus:  # the class noun: „Verlag“, „Trainer“
        f["focus"] = max((credit(t, sv.terms) for t in q.focus), default=0.0)
    # does the sentence hold what the question's type asks for (with its unit, when the question implies one)?
    # (for OTHER and WHICH questions `typed` is 1.0, set with the features before the slots)
    if spec.counted and q.units:  # „Wie teuer“ wants money, „Wie lange“ a duration
        f["typed"] = (
            1.0
            if best_filler is not None and any(_followed_by(sv, sp, q.units) and sp not in rivals for sp in spans)
            else 0.0
        )
    elif spec.typed:
        f["typed"] = f["slot"]
    return best_filler


def _refer(
    q: QuestionView,
    si: int,
    view: Sequence[SentenceView],
    got_all: list[dict[str, float]],
    title: frozenset[str],
    held: frozenset[str],
) -> bool:
    """A sentence whose subject points back („Er“, „Das Unternehmen“) is about an entity named before it: the asked
    names said in the sentences before it (or the title) count as said in it (got_all is updated). True when the
    sentence's article names none of the question's names — its subject is someone or something else, and the
    sentence is no answer to the question. `held`: the question's names its article names."""
    if not held:
        return True
    before = frozenset().union(title, *(sv.terms for sv in view[max(0, si - 3) : si]))
    for t in q.names & before:
        got_all[si][t] = 1.0
    return False


def _rival(q: QuestionView, text: str, sv: SentenceView, span: tuple[int, int]) -> bool:
    return q.kind.spec.counted and belongs_to_other(text[sv.start : sv.end], span[0] - sv.start, q.kind.quantity)


@lru_cache(maxsize=4)
def _measure_terms(language: str) -> frozenset[str]:
    return frozenset(content_terms(" ".join(MEASURES), language)) | frozenset(MEASURES)


def _measured(text: str, sv: SentenceView, span: tuple[int, int], measures: frozenset[str]) -> bool:
    """The number is followed by a measuring unit, past its scale words („60 Millionen Euro“, „21.45 Uhr“)."""
    i = _token_index(sv, span[1])
    while i < len(sv.tokens) and SCALE_WORD.fullmatch(text[sv.tokens[i][0] : sv.tokens[i][1]]):
        i += 1
    return i < len(sv.tokens) and not measures.isdisjoint(sv.tokens[i][2])


@lru_cache(maxsize=20_000)
def _title_terms(title: str, language: str) -> frozenset[str]:
    return frozenset(t for _, _, ts in token_terms(title, language) for t in ts)


def _token_index(sv: SentenceView, pos: int) -> int:
    for i, (s, e, _) in enumerate(sv.tokens):
        if e > pos:
            return i
    return len(sv.tokens)


def _distance(sv: SentenceView, span: tuple[int, int], matched: list[int]) -> float:
    if not matched:
        return math.inf
    a, b = _token_index(sv, span[0]), _token_index(sv, span[1] - 1)
    return float(min(0 if a <= m <= b else min(abs(m - a), abs(m - b)) for m in matched))


def _after(text: str, sv: SentenceView, span: tuple[int, int], word: str) -> bool:
    """The span comes within three words after `word` („bis Ende Jänner“, „seit dem 3. Mai“)."""
    before = text[sv.start : span[0]].lower().split()[-3:]
    return word in (w.strip(".,;:()") for w in before)


def _followed_by(sv: SentenceView, span: tuple[int, int], focus: frozenset[str]) -> bool:
    """The span is followed (within three words) by one of the focus terms — or is a number word that carries it
    („dreimal“ for „Wie oft“ → mal)."""
    last = _token_index(sv, span[1] - 1)
    if last < len(sv.tokens) and any(
        t != u and t.endswith(u) and not t[0].isdigit() for t in sv.tokens[last][2] for u in focus
    ):
        return True
    i = _token_index(sv, span[1])
    for s, e, ts in sv.tokens[i : i + 3]:
        if any(credit(t, frozenset(ts)) > 0 for t in focus):
            return True
    return False
