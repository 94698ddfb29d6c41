"""ask(): the one core function every face calls. Retrieve -> answer -> cite -> check.

The answer step is an `Answerer` (quelle/answering/answerers.py): an LLM backend when one is configured and
reachable, else (or when it fails) the extractive reader."""

from __future__ import annotations

import time
from datetime import date
from typing import Callable

from quelle.answering.answerers import Asked, ExtractiveAnswerer, LLMAnswerer
from quelle.answering.conversation import standalone_question
from quelle.answering.grounded import condense
from quelle.answering.llm import ChatBackend, LLMError, chat_backend
from quelle.answering.prompts import PromptError
from quelle.answering.types import NONE, SURE, Answer, RetrievedPassage
from ingest.language import question_language
from quelle.resources import Resources
from quelle.settings import Settings
from quelle.timeaware import answers as timeaware
from vectorstore.filters import Filters


class QuestionError(ValueError):
    """The question cannot be asked as given (empty, too long, bad filter)."""


def validate_question(question: str, settings: Settings) -> str:
    q = " ".join((question or "").split())
    if not q:
        raise QuestionError("the question is empty")
    if len(q) > settings.max_question_chars:
        raise QuestionError(
            f"the question has {len(q):,} characters; the limit is {settings.max_question_chars:,} "
            "(QUELLE_MAX_QUESTION_CHARS)"
        )
    return q


def ask(
    question: str,
    settings: Settings,
    history: list[dict] | None = None,
    *,
    resources: Resources | None = None,
    filters: Filters | None = None,
    on_token: Callable[[str], None] | None = None,
    time_aware: bool = True,
) -> Answer:
    """Answer a question from the stored articles, with numbered citations.

    `history` is the chat so far as [{"role": "user"|"assistant", "content": ...}]. `resources` lets a caller
    reuse a loaded model and store across questions (the CLI, UI and batch do); `on_token` receives the answer
    text as it is produced. `time_aware=False` ignores the question's time words (the chat's removed filter chip).
    """
    t0 = time.perf_counter()
    q = validate_question(question, settings)
    language = question_language(q)
    if resources is None or not resources.compatible_with(settings):
        resources = Resources.open(settings, embedder=resources.embedder if resources else None)
    llm, fallback = _llm_backend(settings, resources)
    standalone, down = _standalone(q, history, llm, settings, language)
    if down:  # the LLM failed while condensing: do not wait through the retries a second time
        llm, fallback = None, down
    # --- issue 20: time-aware answers (quelle/timeaware); no time word in the question → no plan, as before ---
    when = timeaware.plan(standalone, settings) if time_aware else None
    if when is not None:
        passages = timeaware.retrieve(when, resources.index, when.topic, settings, filters, language)
    else:
        passages = resources.index.retrieve(
            standalone,
            settings.top_k,
            settings.retrieval_mode,
            filters,
            settings.hybrid_dense_weight,
            language,
            rerank=settings.rerank,
        )
    t1 = time.perf_counter()
    # what the answerers get: the reader reads the time-aware topic when the question had a time word
    asked = Asked(
        q,
        standalone,
        standalone if when is None else when.query,
        language,
        when.as_of if when else (settings.as_of or date.today()),
    )
    answer = None
    streamed: list[str] = []
    if llm is not None:

        def stream(piece: str) -> None:
            streamed.append(piece)
            on_token(piece)

        try:
            answer = LLMAnswerer(llm, settings, resources).answer(asked, passages, stream if on_token else None)
        except (LLMError, PromptError) as e:
            fallback = e.reason if isinstance(e, LLMError) else str(e)
    extractive = answer is None  # no LLM, or it failed: the extractive reader (it does not stream)
    if extractive:
        answer = ExtractiveAnswerer(settings, resources).answer(asked, passages)
    if when is not None:  # issue 20: time filter, conflicts newest first, timelines, „Stand …“
        answer = timeaware.finish(
            answer, when, passages, resources.index.idf, language, resources.embedder.embed_passages
        )
    if extractive and on_token and not streamed:
        on_token(answer.answer)
    answer.fallback = fallback
    if not answer.confidence_band:  # an LLM answer: it answers or abstains
        answer.confidence_band = NONE if answer.abstained else SURE
    t2 = time.perf_counter()
    answer.standalone_question = standalone
    answer.retrieved = [
        RetrievedPassage(
            p.chunk_id,
            p.meta.get("article_id", ""),
            int(p.meta.get("start", 0)),
            int(p.meta.get("end", 0)),
            round(float(p.score), 4),
        )
        for p in passages
    ]
    answer.timings_ms = {
        "retrieve": round((t1 - t0) * 1000, 1),
        "answer": round((t2 - t1) * 1000, 1),
        "total": round((t2 - t0) * 1000, 1),
    }
    return answer


def _llm_backend(settings: Settings, resources: Resources) -> tuple[ChatBackend | None, str | None]:
    """(the chat backend, None) for settings.llm, or (None, why not) when it cannot be used."""
    if settings.llm == "extractive":
        return None, None
    try:
        return chat_backend(settings, resources.llm_clients), None
    except LLMError as e:
        return None, e.reason


def _standalone(
    question: str, history: list[dict] | None, llm: ChatBackend | None, settings: Settings, language: str
) -> tuple[str, str | None]:
    """(the follow-up as a standalone question, LLM fault or None): condensed by the LLM, else by the rule."""
    if llm is not None and any(m.get("role") == "user" and m.get("content") for m in (history or [])):
        try:
            return condense(question, history or [], llm, settings, language), None
        except LLMError as e:
            return standalone_question(question, history), e.reason
        except PromptError:
            pass
    return standalone_question(question, history), None
