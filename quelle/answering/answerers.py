"""The answer step behind ask(): an `Answerer` turns the retrieved passages into a Draft.

Two implementations share one interface: `ExtractiveAnswerer` (no LLM: the sentence reader of
quelle/answering/extractive.py) and `LLMAnswerer` (a chat backend, quelle/answering/grounded.py). They are registered
by name with what they can do (quelle/answering/registry.py); a model-based reader (e.g. a German extractive QA
model) is one more class with the same `draft()` and one registry line. Every draft becomes an Answer in the same
assembly (quelle/answering/checked.py); ask() walks the chain and falls back to the extractive reader when an LLM
fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Callable, Protocol

from quelle.answering.checked import Assembly, assemble
from quelle.answering.extractive import read
from quelle.answering.grounded import condense, llm_draft
from quelle.answering.llm import chat_backend
from quelle.answering.registry import EXTRACTIVE
from quelle.answering.types import NONE, SURE, UNSURE, Answer, AnswerSentence, AnswerSpan, Draft
from quelle.resources import Resources
from quelle.settings import Settings
from quelle.i18n import text as ui_text
from reader.question import Question
from vectorstore.retrieve import Passage


@dataclass(frozen=True)
class Asked:
    """What an answerer is asked."""

    question: str  # as the user asked it
    standalone: str  # with the chat history folded in (an LLM condenses; the extractive rule carries words)
    reading: Question  # what the reader reads, analysed: the question (or its time-aware topic) without carried words
    language: str
    as_of: date  # the reference date („heute“ of the question)
    carried: str = ""  # the words the extractive rule carried over from the chat (they weigh less)


class Answerer(Protocol):
    """Writes a Draft from the retrieved passages; `on_token` receives the text as it is produced (an answerer that
    streams, quelle/answering/registry.py). `condense()` makes a follow-up a standalone question (None: Quelle's rule
    does it). Either raises AnswererError (or PromptError) when the answerer fails; ask() goes on to the next one."""

    def condense(self, question: str, history: list[dict], language: str) -> str | None: ...

    def draft(self, asked: Asked, passages: list[Passage], on_token: Callable[[str], None] | None = None) -> Draft: ...


class _Assembled:
    """`answer()`: the draft assembled on its own — ask()'s answer for these passages without the fallback, the
    time-aware stage and the timings."""

    name: str
    resources: Resources

    def answer(self, asked: Asked, passages: list[Passage], on_token: Callable[[str], None] | None = None) -> Answer:
        embed = self.resources.embedder.embed_passages
        return assemble(
            self.draft(asked, passages, on_token), Assembly(asked.question, asked.language, passages, embed, self.name)
        )


class ExtractiveAnswerer(_Assembled):
    """No LLM: the sentence of the passages that answers (quelle/answering/extractive.py), cited verbatim."""

    name = EXTRACTIVE

    def __init__(self, settings: Settings, resources: Resources):
        self.settings, self.resources = settings, resources

    def condense(self, question: str, history: list[dict], language: str) -> str | None:
        return None  # the rule of quelle/answering/conversation.py

    def draft(self, asked: Asked, passages: list[Passage], on_token: Callable[[str], None] | None = None) -> Draft:
        return _extractive(asked, passages, self.resources, self.settings)


class LLMAnswerer(_Assembled):
    """A chat backend answers from the numbered passages (quelle/answering/grounded.py); raises LLMError/PromptError.

    The backend is the one settings.llm names (openai | llamacpp); LLMError when it cannot be opened."""

    def __init__(self, settings: Settings, resources: Resources):
        self.llm = chat_backend(settings, resources.llm_clients)
        self.name = self.llm.name
        self.settings, self.resources = settings, resources

    def condense(self, question: str, history: list[dict], language: str) -> str | None:
        return condense(question, history, self.llm, self.settings, language)

    def draft(self, asked: Asked, passages: list[Passage], on_token: Callable[[str], None] | None = None) -> Draft:
        return llm_draft(
            asked.standalone, asked.language, passages, self.llm, self.settings, on_token=on_token, as_of=asked.as_of
        )


def confidence_band(confidence: float, settings: Settings) -> str:
    """sure at or above QUELLE_SURE_ANSWER_SCORE, none below QUELLE_MIN_ANSWER_SCORE, unsure between."""
    if confidence < settings.min_answer_score:
        return NONE
    return SURE if confidence >= settings.sure_answer_score else UNSURE


def _extractive(asked: Asked, passages: list[Passage], resources: Resources, settings: Settings) -> Draft:
    """The extractive draft: the best sentence (or two candidates) with its span, or none (the abstention)."""
    language = asked.language
    reading = read(asked.reading, passages, resources.index.idf, language, carried=asked.carried)
    if reading is None or reading.confidence < settings.min_answer_score:
        confidence = round(reading.confidence, 4) if reading is not None else 0.0
        return Draft("", sentences=[], abstained=True, confidence=confidence, band=NONE)
    band = confidence_band(reading.confidence, settings)
    picks = [(reading.best.passage, reading.spans)]
    if band == UNSURE and reading.alternative is not None:
        picks.append((reading.alternative.passage, reading.alternative_spans))
    order: list[int] = []
    highlights: dict[int, list[tuple[int, int]]] = {}
    sentences = []
    for passage_index, spans in picks:
        if passage_index + 1 not in order:
            order.append(passage_index + 1)
        n = order.index(passage_index + 1) + 1
        highlights.setdefault(n, []).extend(spans)
        text = " ".join(passages[passage_index].text[s:e] for s, e in spans)
        sentences.append(AnswerSentence(text=text, citations=[n]))
    if band == SURE:
        body = f"{sentences[0].text} [1]"
    else:  # the passages that come closest, not an answer
        lead = ui_text("answer_unsure_lead", language)
        body = lead + "".join(f"\n- {s.text} [{s.citations[0]}]" for s in sentences)
    span = None
    if reading.span is not None:
        s, e = reading.span
        span = AnswerSpan(text=passages[reading.best.passage].text[s:e], start=s, end=e, citation=1)
    # verbatim text: the assembly's citation check finds each sentence in its passage without an embedding
    return Draft(
        body,
        order,
        sentences=sentences,
        highlights=highlights,
        span=span,
        confidence=round(reading.confidence, 4),
        band=band,
    )
