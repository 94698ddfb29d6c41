"""A question analysed once: the typed object retrieval, the evidence stage, the reader and time-aware answers read.

ask() analyses each text it asks with once (`Analysed`): the standalone question (what is searched), the
time-aware topic (the question without its time words) and the text the reader reads — usually one and the same.
Nobody downstream analyses the question's text again; the lexical index alone tokenises the search text with its
own analyser (vectorstore/lexical.py: documents and queries must be tokenised alike)."""

from __future__ import annotations

from dataclasses import dataclass, field

from reader.forms import answer_kind
from reader.kinds import AnswerKind
from reader.names import is_proper, with_german_names
from vectorstore.analysis import compound_parts, content_terms, token_terms


@dataclass(frozen=True, eq=False)
class Question:
    text: str
    language: str
    kind: AnswerKind
    terms: tuple[str, ...]  # distinct content terms; another language's question adds the German terms of its names
    focus: frozenset[str]  # terms of the kind's focus and implied units („Wochen“, „Euro“ …)
    units: frozenset[str]  # terms of the units the wording implies
    words: frozenset[str]  # lower-case words (a filler the question already names is no answer)
    parts: dict[str, frozenset[str]] = field(default_factory=dict)  # a term's compound parts
    name_terms: tuple[str, ...] = ()  # terms of the proper names it names („Alibaba“)
    # what the first stage searches: for a question in another language than German, with the German names of its
    # countries added („Austria's“ -> Österreich), itself analysed; None: the question's own text
    searched: Question | None = None

    @property
    def search(self) -> Question:
        return self.searched or self


def analyse(text: str, language: str = "de") -> Question:
    """The question's terms, names, answer kind (reader/forms.py), focus and units."""
    terms = content_terms(text, language)
    if language != "de":  # names and numbers carry across languages: German terms of the question match German text
        terms += [t for t in content_terms(with_german_names(text, language), "de") if t not in terms]  # Österreich
    kind = answer_kind(text)
    focus = frozenset(content_terms(" ".join([kind.focus, *kind.units]), language))
    units = frozenset(content_terms(" ".join(kind.units), language)) if kind.units else frozenset()
    words = frozenset(w.lower().strip(".,;:!?\"'()") for w in text.split())
    search = with_german_names(text, language)
    return Question(
        text,
        language,
        kind,
        tuple(terms),
        focus,
        units,
        words,
        term_parts(text, language),
        tuple(_name_terms(text, language)),
        analyse(search, language) if search != text else None,
    )


def as_question(question: Question | str, language: str = "de") -> Question:
    """A Question as it is, a text analysed (callers outside ask(): tests, bench, the evaluation's tools)."""
    return question if isinstance(question, Question) else analyse(question, language)


def term_parts(text: str, language: str) -> dict[str, frozenset[str]]:
    """The compound parts of each term of a text that is a compound (Sendeplatz -> send, platz)."""
    parts: dict[str, frozenset[str]] = {}
    for a, b, ts in token_terms(text, language):
        split = compound_parts(text[a:b], language)
        if split:
            for t in ts:
                parts[t] = frozenset(split)
    return parts


def _name_terms(question: str, language: str) -> list[str]:
    """Terms of the question's proper names (not its first word unless that is one)."""
    out = []
    for a, b, ts in token_terms(question, language):
        word = question[a:b]
        if word[:1].isupper() and is_proper(word):
            out.extend(ts)
    return out


class Analysed:
    """The texts of one ask, each analysed once."""

    def __init__(self, language: str):
        self.language = language
        self._done: dict[str, Question] = {}

    def __call__(self, text: str) -> Question:
        if text not in self._done:
            self._done[text] = analyse(text, self.language)
        return self._done[text]
