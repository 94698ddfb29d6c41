"""The assembly every answer goes through once: an answerer's Draft becomes the checked Answer — citations
renumbered and built from their passages, sentences checked against what they cite, flags, the confidence band, the
fallback reason and what was retrieved; a draft that says "not in the sources" becomes the abstention
(quelle/answering/abstain.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from quelle.answering.abstain import abstained
from quelle.i18n import every_language
from quelle.answering.citations import check_support, split_cited_sentences
from quelle.answering.types import SURE, Answer, Citation, Draft, RetrievedPassage
from vectorstore.retrieve import Passage

# "not in the sources" in the words an LLM uses
_ABSTAIN = re.compile(
    r"keine angabe|keine informationen?|nicht (in den|aus den) (quellen|artikeln)|(quellen|artikel)\w* "
    r"(enthalten|nennen|sagen)\w* (dazu )?(nichts|keine)|nicht beantwort|"
    r"(articles|sources) (don't|do not) (say|contain|mention)|not (in|contained in) the (sources|articles)|"
    r"no information|cannot be answered|can't be answered",
    re.I,
)


@dataclass(frozen=True)
class Assembly:
    """What the assembly takes besides the draft: the request's side of the answer."""

    question: str  # as the user asked it
    language: str
    passages: list[Passage]  # the passages the draft's `order` numbers (1-based)
    embed: Callable[[list[str]], np.ndarray]  # for the support check of sentences that are not quotes
    backend: str  # the registered name of the answerer that wrote the draft (quelle/answering/registry.py)
    fallback: str | None = None  # why an answerer before it in the chain did not answer
    standalone: str = ""  # the question with the chat history folded in
    retrieved: list[RetrievedPassage] = field(default_factory=list)

    @property
    def degraded(self) -> list[str]:
        """Flags of model servers that were down for this question (issue 31): the passages carry the reason —
        `extra["fallback"]` when the embedding server failed and retrieval fell back to the lexical side,
        `extra["rerank_fallback"]` when the reranker failed and the first-stage order stayed."""
        flags = []
        if any(p.extra.get("fallback") for p in self.passages):
            flags.append("embedding_unavailable")
        if any(p.extra.get("rerank_fallback") for p in self.passages):
            flags.append("reranker_unavailable")
        return flags

    @property
    def degraded_reason(self) -> str | None:
        """The first reason a model server gave (for `Answer.fallback` when no answerer fell back)."""
        for p in self.passages:
            for key in ("fallback", "rerank_fallback"):
                if p.extra.get(key):
                    return str(p.extra[key])
        return None


def citation_from(passage: Passage, n: int, highlights: list[tuple[int, int]] | None = None) -> Citation:
    m = passage.meta
    return Citation(
        n=n,
        article_id=m.get("article_id", ""),
        title=m.get("title", ""),
        date=m.get("date", ""),
        source=m.get("source", ""),
        text=passage.text,
        start=int(m.get("start", 0)),
        end=int(m.get("end", 0)),
        score=round(float(passage.score), 4),
        url=m.get("url", ""),
        page=m.get("page"),
        chunk_id=passage.chunk_id,
        highlights=list(highlights or []),
        also=list(passage.extra.get("also", [])),
        first_published=str(passage.extra.get("first_published", "")),
    )


def is_abstention(text: str) -> bool:
    return any(t in text for t in every_language("answer_abstain")) or bool(_ABSTAIN.search(text))


def assemble(draft: Draft, at: Assembly) -> Answer:
    """The checked Answer of a draft: sentences with citations and support, citations 1..k, flags, the band.

    The draft's text has its citations already renumbered (draft.order[k-1] is the 1-based passage cited as [k]).
    A draft without an answer (abstained, empty, or "not in the sources" without a citation) is the abstention."""
    sentences = draft.sentences if draft.sentences is not None else split_cited_sentences(draft.text, at.language)
    if draft.abstained or not draft.text or (is_abstention(draft.text) and not any(s.citations for s in sentences)):
        return abstained(draft, sentences, at)
    cited_texts = {k: at.passages[orig - 1].text for k, orig in enumerate(draft.order, 1)}
    # a verbatim sentence (the extractive reader's) is found in its passage as it is: no embedding is needed
    checked = check_support(sentences, cited_texts, at.embed, at.language)
    spans = draft.highlights if draft.highlights is not None else checked.highlights
    citations = [citation_from(at.passages[orig - 1], k, spans.get(k, [])) for k, orig in enumerate(draft.order, 1)]
    flags = list(at.degraded)
    if draft.removed_citations:
        flags.append("removed_citations")
    if any(s.supported is False for s in checked.sentences):
        flags.append("unsupported_sentences")
    if not any(s.supported for s in checked.sentences):
        flags.append("no_supported_sentence")
    return Answer(
        question=at.question,
        answer=draft.text,
        abstained=False,
        backend=at.backend,
        model=draft.model,
        language=at.language,
        citations=citations,
        sentences=checked.sentences,
        retrieved=list(at.retrieved),
        standalone_question=at.standalone,
        fallback=at.fallback or at.degraded_reason,
        flags=flags,
        removed_citations=draft.removed_citations,
        answer_span=draft.span,
        confidence=draft.confidence,
        confidence_band=draft.band or SURE,  # an answerer without a confidence answers (sure) or abstains (none)
    )
