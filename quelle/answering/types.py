"""What ask() returns: an Answer with numbered citations and per-sentence support; what an answerer writes: a Draft
(the assembly, quelle/answering/checked.py, makes the Answer of it)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from quelle.answering import registry


SURE, UNSURE, NONE = "sure", "unsure", "none"
BANDS = (SURE, UNSURE, NONE)


@dataclass
class Citation:
    n: int
    article_id: str
    title: str
    date: str
    source: str
    text: str  # the passage
    start: int  # character span of the passage in the article text
    end: int
    score: float
    url: str = ""
    page: int | None = None
    chunk_id: str = ""
    highlights: list[tuple[int, int]] = field(default_factory=list)  # cited sentences, offsets within `text`
    # near-duplicate copies (docs/dedup.md): the other versions of this report („auch bei“: article_id, source, date,
    # url, title; oldest first) and the group's first publication date ("" when it has no copies or none is dated)
    also: list[dict] = field(default_factory=list)
    first_published: str = ""


@dataclass
class AnswerSentence:
    text: str
    citations: list[int]
    supported: bool | None = None


@dataclass
class AnswerSpan:
    """The short answer inside the cited passage: `text` == citation.text[start:end]."""

    text: str
    start: int  # offsets within the cited passage's text
    end: int
    citation: int  # the citation number n of that passage


@dataclass
class Draft:
    """What an answerer writes; the assembly (quelle/answering/checked.py) makes the Answer of it, once."""

    text: str  # the answer, its [n] markers numbered 1..k in order of first use
    order: list[int] = field(default_factory=list)  # order[k-1]: the 1-based number of the passage cited as [k]
    sentences: list[AnswerSentence] | None = None  # None: split from `text` at its markers
    highlights: dict[int, list[tuple[int, int]]] | None = None  # per citation number; None: found by the check
    removed_citations: int = 0  # markers that named no passage, dropped
    model: str = ""
    span: AnswerSpan | None = None  # the short answer inside cited passage `span.citation`
    confidence: float | None = None  # a calibrated P(correct), when the answerer has one
    band: str = ""  # sure / unsure / none; "": sure when it answers, none when it abstains
    abstained: bool = False  # nothing found: the assembly builds the abstention (quelle/answering/abstain.py)


@dataclass
class RetrievedPassage:
    chunk_id: str
    article_id: str
    start: int
    end: int
    score: float


@dataclass
class Answer:
    question: str
    answer: str
    abstained: bool
    backend: str
    model: str = ""
    language: str = "de"
    citations: list[Citation] = field(default_factory=list)
    sentences: list[AnswerSentence] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    retrieved: list[RetrievedPassage] = field(default_factory=list)
    standalone_question: str = ""
    fallback: str | None = None
    flags: list[str] = field(default_factory=list)
    removed_citations: int = 0
    answer_span: AnswerSpan | None = None  # the typed filler the extractive answerer found (None otherwise)
    confidence: float | None = None  # the extractive answerer's calibrated P(correct), in [0, 1]
    # sure: an answer; unsure: no sure answer, the passages that come closest; none: the abstention (BANDS)
    confidence_band: str = ""
    # time-aware answers (issue 20, quelle/timeaware): the date range read from the question {since, until, from_text,
    # applied}, and dated reports — conflicting ones newest first („Frühere Meldungen“), a timeline oldest first
    time_filter: dict | None = None
    timeline: list[dict] = field(default_factory=list)

    @property
    def capabilities(self) -> registry.Capabilities:
        """What the answerer that wrote this answer can do (quelle/answering/registry.py): what faces ask."""
        return registry.capabilities(self.backend)

    def to_dict(self, with_retrieved: bool = False) -> dict:
        d = asdict(self)
        for c in d["citations"]:
            c["highlights"] = [list(h) for h in c["highlights"]]
        if not with_retrieved:
            d.pop("retrieved")
        return d
