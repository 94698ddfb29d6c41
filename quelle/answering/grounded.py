"""LLM answers grounded in the retrieved passages: condense follow-ups, prompt with numbered sources, stream,
and turn the reply into a Draft (assembled into the checked Answer like the extractive reader's,
quelle/answering/checked.py)."""

from __future__ import annotations

from datetime import date
from typing import Callable

from quelle.answering.abstain import abstention
from quelle.answering.types import AnswerSentence, Draft
from quelle.answering.citations import CitationRewriter
from quelle.answering.llm import ChatBackend
from quelle.answering.prompts import load_prompt
from quelle.settings import Settings
from vectorstore.retrieve import Passage

HISTORY_TURNS = 6  # messages of history shown to the condense prompt
HISTORY_CHARS = 600  # per message


def sources_block(passages: list[Passage]) -> str:
    """The numbered sources for the prompt. Passage text is data: tags inside it are neutralized."""
    parts = []
    for n, p in enumerate(passages, 1):
        meta = p.meta
        head = " · ".join(x for x in (meta.get("title", ""), meta.get("date", ""), meta.get("source", "")) if x)
        text = p.text.replace("<", "‹").replace(">", "›")
        dated = f"Datum: {meta['date']}\n" if meta.get("date") else ""  # issue 20: the date of each source
        parts.append(f'<quelle nr="{n}">\n[{n}] {head}\n{dated}{text}\n</quelle>')
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


def llm_draft(
    standalone: str,
    language: str,
    passages: list[Passage],
    llm: ChatBackend,
    settings: Settings,
    on_token: Callable[[str], None] | None = None,
    as_of: date | None = None,
) -> Draft:
    """Ask the LLM with the numbered passages; stream the (already renumbered) text to on_token."""
    if not passages:
        text = abstention(language)
        if on_token:
            on_token(text)
        return Draft(
            text, sentences=[AnswerSentence(text=text, citations=[], supported=None)], model=llm.model, abstained=True
        )
    prompt = load_prompt("answer", language, settings.prompts_dir)
    messages = prompt.messages(
        sources=sources_block(passages), question=standalone, n=len(passages), as_of=(as_of or date.today()).isoformat()
    )  # issue 20: the reference date
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
    return Draft(rewriter.text.strip(), list(rewriter.order), removed_citations=rewriter.removed, model=llm.model)
