"""LLM answers grounded in the retrieved passages: condense follow-ups, prompt with numbered sources, stream,
and post-process citations (shared with the extractive backend) into a checked Answer."""

from __future__ import annotations

import re
from typing import Callable

from quelle.abstain import ABSTAIN_TEXT, abstention
from quelle.answer_types import Answer, AnswerSentence, Citation
from quelle.citations import CitationRewriter, check_support, split_cited_sentences
from quelle.llm import ChatBackend
from quelle.prompts import load_prompt
from quelle.settings import Settings
from vectorstore.retrieve import Passage

CitationFactory = Callable[[Passage, int, list], Citation]

HISTORY_TURNS = 6  # messages of history shown to the condense prompt
HISTORY_CHARS = 600  # per message

# "not in the sources" in the words an LLM uses
_ABSTAIN = re.compile(
    r"keine angabe|keine informationen?|nicht (in den|aus den) (quellen|artikeln)|(quellen|artikel)\w* "
    r"(enthalten|nennen|sagen)\w* (dazu )?(nichts|keine)|nicht beantwort|"
    r"(articles|sources) (don't|do not) (say|contain|mention)|not (in|contained in) the (sources|articles)|"
    r"no information|cannot be answered|can't be answered", re.I)


def sources_block(passages: list[Passage]) -> str:
    """The numbered sources for the prompt. Passage text is data: tags inside it are neutralized."""
    parts = []
    for n, p in enumerate(passages, 1):
        meta = p.meta
        head = " · ".join(x for x in (meta.get("title", ""), meta.get("date", ""), meta.get("source", "")) if x)
        text = p.text.replace("<", "‹").replace(">", "›")
        parts.append(f'<quelle nr="{n}">\n[{n}] {head}\n{text}\n</quelle>')
    return "\n\n".join(parts)


# role labels of the chat history in the condense prompt, in the prompt's language
HISTORY_LABELS = {"de": {"user": "Nutzer", "assistant": "Assistent"}, "en": {"user": "User", "assistant": "Assistant"}}


def history_block(history: list[dict], language: str = "de") -> str:
    label = HISTORY_LABELS.get(language, HISTORY_LABELS["de"])
    lines = []
    for m in history[-HISTORY_TURNS:]:
        content = " ".join(str(m.get("content", "")).split())[:HISTORY_CHARS]
        if content and m.get("role") in label:
            lines.append(f"{label[m['role']]}: {content}")
    return "\n".join(lines)


def condense(question: str, history: list[dict], llm: ChatBackend, settings: Settings, language: str) -> str:
    """A standalone question in the question's own language, from the follow-up and the chat history."""
    prompt = load_prompt("condense", language, settings.prompts_dir)
    reply = llm.complete(prompt.messages(history=history_block(history, language), question=question))
    lines = [ln.strip().strip('"„“”«»').strip() for ln in reply.strip().splitlines() if ln.strip()]
    return lines[0] if lines else question


def is_abstention(text: str) -> bool:
    return any(t in text for t in ABSTAIN_TEXT.values()) or bool(_ABSTAIN.search(text))


def llm_answer(question: str, standalone: str, language: str, passages: list[Passage], llm: ChatBackend,
               settings: Settings, embed, make_citation: CitationFactory,
               on_token: Callable[[str], None] | None = None) -> Answer:
    """Ask the LLM with the numbered passages; stream the (already renumbered) text to on_token."""
    if not passages:
        text = abstention(language)
        if on_token:
            on_token(text)
        return Answer(question=question, answer=text, abstained=True, backend=llm.name, model=llm.model,
                      language=language, sentences=[AnswerSentence(text=text, citations=[], supported=None)])
    prompt = load_prompt("answer", language, settings.prompts_dir)
    messages = prompt.messages(sources=sources_block(passages), question=standalone, n=len(passages))
    rewriter = CitationRewriter(len(passages))

    def token(piece: str) -> None:
        shown = rewriter.feed(piece)
        if shown:
            on_token(shown)

    raw = llm.complete(messages, on_token=token if on_token else None)
    if not on_token:
        rewriter.feed(raw)
    tail = rewriter.finish()
    if tail and on_token:
        on_token(tail)
    return finish(question, rewriter.text.strip(), rewriter.order, rewriter.removed, language, passages, embed,
                  make_citation, backend=llm.name, model=llm.model)


def finish(question: str, text: str, order: list[int], removed: int, language: str, passages: list[Passage],
           embed, make_citation: CitationFactory, backend: str, model: str = "",
           sentences: list[AnswerSentence] | None = None, highlights: dict | None = None) -> Answer:
    """The checked Answer: sentences with citations and support, citations renumbered 1..k, flags.

    `text` has citations already renumbered (order[k-1] is the original 1-based source number of [k]).
    """
    if sentences is None:
        sentences = split_cited_sentences(text, language)
    cited_texts = {k: passages[orig - 1].text for k, orig in enumerate(order, 1)}
    if not text or (is_abstention(text) and not any(s.citations for s in sentences)):
        for s in sentences:
            s.supported = None
        return Answer(question=question, answer=text or abstention(language), abstained=True, backend=backend,
                      model=model, language=language, sentences=sentences, removed_citations=removed,
                      flags=["removed_citations"] if removed else [])
    checked = check_support(sentences, cited_texts, embed, language)
    spans = highlights if highlights is not None else checked.highlights
    citations = [make_citation(passages[orig - 1], k, spans.get(k, [])) for k, orig in enumerate(order, 1)]
    flags = []
    if removed:
        flags.append("removed_citations")
    if any(s.supported is False for s in checked.sentences):
        flags.append("unsupported_sentences")
    if not any(s.supported for s in checked.sentences):
        flags.append("no_supported_sentence")
    return Answer(question=question, answer=text, abstained=False, backend=backend, model=model, language=language,
                  citations=citations, sentences=checked.sentences, removed_citations=removed, flags=flags)
