"""The checked Answer every backend ends in: citations renumbered and built from their passages, sentences checked
against what they cite, flags; an answer that says "not in the sources" becomes an abstention."""

from __future__ import annotations

import re

from quelle.answering.abstain import ABSTAIN_TEXT, abstention
from quelle.answering.citations import check_support, split_cited_sentences
from quelle.answering.types import Answer, AnswerSentence, Citation
from vectorstore.retrieve import Passage

# "not in the sources" in the words an LLM uses
_ABSTAIN = re.compile(
    r"keine angabe|keine informationen?|nicht (in den|aus den) (quellen|artikeln)|(quellen|artikel)\w* "
    r"(enthalten|nennen|sagen)\w* (dazu )?(nichts|keine)|nicht beantwort|"
    r"(articles|sources) (don't|do not) (say|contain|mention)|not (in|contained in) the (sources|articles)|"
    r"no information|cannot be answered|can't be answered",
    re.I,
)


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
    )


def is_abstention(text: str) -> bool:
    return any(t in text for t in ABSTAIN_TEXT.values()) or bool(_ABSTAIN.search(text))


def finish(
    question: str,
    text: str,
    order: list[int],
    removed: int,
    language: str,
    passages: list[Passage],
    embed,
    backend: str,
    model: str = "",
    sentences: list[AnswerSentence] | None = None,
    highlights: dict | None = None,
) -> Answer:
    """The checked Answer: sentences with citations and support, citations renumbered 1..k, flags.

    `text` has citations already renumbered (order[k-1] is the original 1-based source number of [k]).
    """
    if sentences is None:
        sentences = split_cited_sentences(text, language)
    cited_texts = {k: passages[orig - 1].text for k, orig in enumerate(order, 1)}
    if not text or (is_abstention(text) and not any(s.citations for s in sentences)):
        for s in sentences:
            s.supported = None
        return Answer(
            question=question,
            answer=text or abstention(language),
            abstained=True,
            backend=backend,
            model=model,
            language=language,
            sentences=sentences,
            removed_citations=removed,
            flags=["removed_citations"] if removed else [],
        )
    checked = check_support(sentences, cited_texts, embed, language)
    spans = highlights if highlights is not None else checked.highlights
    citations = [citation_from(passages[orig - 1], k, spans.get(k, [])) for k, orig in enumerate(order, 1)]
    flags = []
    if removed:
        flags.append("removed_citations")
    if any(s.supported is False for s in checked.sentences):
        flags.append("unsupported_sentences")
    if not any(s.supported for s in checked.sentences):
        flags.append("no_supported_sentence")
    return Answer(
        question=question,
        answer=text,
        abstained=False,
        backend=backend,
        model=model,
        language=language,
        citations=citations,
        sentences=checked.sentences,
        removed_citations=removed,
        flags=flags,
    )
