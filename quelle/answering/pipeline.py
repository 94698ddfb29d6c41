"""ask(): the one core function every face calls. Retrieve -> draft -> assemble (cite, check) -> time-aware stage.

The answer step is an `Answerer` (quelle/answering/answerers.py), chosen by name from the registry
(quelle/answering/registry.py): ask() walks the chain — the configured answerer (an LLM backend) when it can be opened
and answers, else (or when it fails) the extractive reader. The answerer's Draft becomes the Answer once, in the
assembly (quelle/answering/checked.py); a question with a time word then goes through the time-aware stage
(quelle/timeaware/answers.py), which returns a new Answer."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import date
from typing import Callable

from quelle.answering import registry
from quelle.answering.answerers import Answerer, Asked
from quelle.answering.checked import Assembly, assemble
from quelle.answering.conversation import carried_words, standalone_question
from quelle.answering.prompts import PromptError
from quelle.answering.registry import AnswererError
from quelle.answering.types import Answer, Draft, RetrievedPassage
from ingest.language import question_language
from quelle.resources import Resources
from quelle.settings import Settings
from quelle.timeaware import answers as timeaware
from reader.question import Analysed
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
    answerers, fallback = _answerers(settings, resources)
    standalone, down = _standalone(q, history, answerers[0][1], language)
    if down:  # the first answerer (an LLM) failed while condensing: do not wait through its retries a second time
        answerers, fallback = answerers[1:], down
    # the question analysed once (reader/question.py): each text below is analysed at most once per ask
    analysed = Analysed(language)
    # --- issue 20: time-aware answers (quelle/timeaware); no time word in the question → no plan, as before ---
    when = timeaware.plan(standalone, settings) if time_aware else None
    if when is not None:
        passages = timeaware.retrieve(when, resources.index, analysed, settings, filters, language)
    else:
        passages = resources.index.retrieve(
            analysed(standalone),
            settings.top_k,
            settings.retrieval_mode,
            filters,
            settings.hybrid_dense_weight,
            language,
            rerank=settings.rerank,
        )
    t1 = time.perf_counter()
    # what the answerers get: the reader reads the time-aware topic when the question had a time word
    read = standalone if when is None else when.query
    # the extractive rule's carried words weigh less: the reader reads the question as asked plus them; a question an
    # LLM condensed stands alone
    carried = carried_words(q, read)
    asked = Asked(
        q,
        standalone,
        analysed(q if carried or read == q else read),
        language,
        when.as_of if when else (settings.as_of or date.today()),
        carried,
    )
    name, draft, streamed, fallback = _draft(answerers, asked, passages, on_token, fallback)
    at = Assembly(
        q,
        language,
        passages,
        resources.embedder.embed_passages,
        backend=name,
        fallback=fallback,
        standalone=standalone,
        retrieved=[
            RetrievedPassage(
                p.chunk_id,
                p.meta.get("article_id", ""),
                int(p.meta.get("start", 0)),
                int(p.meta.get("end", 0)),
                round(float(p.score), 4),
            )
            for p in passages
        ],
    )
    answer = assemble(draft, at)
    if when is not None:  # issue 20: time filter, conflicts newest first, timelines, „Stand …“
        answer = timeaware.finish(answer, when, at, resources.index.idf, analysed(when.query))
    if on_token and not streamed and not registry.capabilities(name).streams:
        on_token(answer.answer)  # an answer that does not stream comes whole
    t2 = time.perf_counter()
    timings = {
        "retrieve": round((t1 - t0) * 1000, 1),
        "answer": round((t2 - t1) * 1000, 1),
        "total": round((t2 - t0) * 1000, 1),
    }
    return replace(answer, timings_ms=timings)


# what makes an answerer give way to the next one in the chain (a prompt file that is missing or malformed too)
_GIVES_WAY = (AnswererError, PromptError)


def _reason(e: Exception) -> str:
    return e.reason if isinstance(e, AnswererError) else str(e)


def _answerers(settings: Settings, resources: Resources) -> tuple[list[tuple[str, Answerer]], str | None]:
    """The chain's answerers that could be opened, by name, and why the last one that could not was left out."""
    opened, why = [], None
    for name in registry.chain(settings.llm):
        try:
            opened.append((name, registry.create(name, settings, resources)))
        except AnswererError as e:
            why = e.reason
    return opened, why


def _draft(
    answerers: list[tuple[str, Answerer]],
    asked: Asked,
    passages: list,
    on_token: Callable[[str], None] | None,
    fallback: str | None,
) -> tuple[str, Draft, list[str], str | None]:
    """(who answered, its draft, the pieces streamed, the fallback reason): each answerer in turn until one answers;
    the last (the extractive reader) always does."""
    streamed: list[str] = []

    def stream(piece: str) -> None:
        streamed.append(piece)
        on_token(piece)

    for i, (name, answerer) in enumerate(answerers):
        live = stream if on_token and registry.capabilities(name).streams else None
        try:
            return name, answerer.draft(asked, passages, live), streamed, fallback
        except _GIVES_WAY as e:
            if i == len(answerers) - 1:
                raise
            fallback = _reason(e)
    raise AssertionError("the chain ends in the extractive reader")  # pragma: no cover


def _standalone(question: str, history: list[dict] | None, first: Answerer, language: str) -> tuple[str, str | None]:
    """(the follow-up as a standalone question, the first answerer's fault or None): condensed by the first answerer
    (an LLM) when it can, else by the rule."""
    if any(m.get("role") == "user" and m.get("content") for m in (history or [])):
        try:
            condensed = first.condense(question, history or [], language)
        except AnswererError as e:
            return standalone_question(question, history), e.reason
        except PromptError:
            condensed = None
        if condensed is not None:
            return condensed, None
    return standalone_question(question, history), None
