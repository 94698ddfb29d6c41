"""One question through the core ask(), as the CLI asks it: options -> settings and filters, the question
checked before anything runs, then ask() with the app's one Resources; streamed through a queue."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import AsyncIterator

from starlette.concurrency import run_in_threadpool

from quelle.answering.pipeline import QuestionError, ask, validate_question
from quelle.answering.types import Answer
from quelle.api.errors import ApiError
from quelle.api.schemas import AskFilters, AskOptions
from quelle.library import Library
from quelle.options import OptionError, request_options
from quelle.resources import Resources
from quelle.settings import Settings
from vectorstore.filters import Filters

log = logging.getLogger("quelle.api")


@dataclass
class Question:
    text: str  # as asked (ask() normalises it itself)
    settings: Settings
    filters: Filters | None
    history: list[dict]


def _listed(value) -> list[str] | None:
    if value is None:
        return None
    return [value] if isinstance(value, str) else list(value)


def resolve_options(
    options: AskOptions | None, base: Settings, resources: Resources
) -> tuple[Settings, Filters | None]:
    """(settings, filters) of one request, as `quelle ask -k --mode --source …` makes them; a bad value (or an
    article id the store does not hold) is an ApiError naming it."""
    options = options or AskOptions()
    f = options.filters or AskFilters()
    articles = _listed(f.article)
    try:
        settings, filters = request_options(
            base, options.k, options.mode, articles, _listed(f.source), f.since, f.until
        )
    except OptionError as e:
        raise ApiError(400, f"filters: {e}", "filters", "invalid_filter") from None
    if articles:
        library = Library(resources)
        unknown = [a for a in articles if not library.has_article(a)]
        if unknown:
            raise ApiError(
                404,
                f"filters.article: no article with id '{unknown[0]}' (see GET /v1/articles)",
                "filters.article",
                "unknown_article",
            )
    return settings, filters or None


def prepare(
    question: str, options: AskOptions | None, history: list[dict] | None, base: Settings, resources: Resources
) -> Question:
    """Check everything before the question is asked; a bad value is an ApiError naming it."""
    settings, filters = resolve_options(options, base, resources)
    try:
        validate_question(question, settings)
    except QuestionError as e:
        empty = not " ".join((question or "").split())
        raise ApiError(400, f"question: {e}", "question", "empty_question" if empty else "question_too_long") from None
    return Question(question, settings, filters, list(history or []))


def answer(q: Question, resources: Resources, on_token=None) -> Answer:
    """ask() exactly as `quelle ask` calls it."""
    return ask(q.text, q.settings, q.history or None, resources=resources, filters=q.filters, on_token=on_token)


async def answer_stream(q: Question, resources: Resources, tasks: set) -> AsyncIterator[tuple[str, object]]:
    """("token", text)…, then ("answer", Answer) or ("error", Exception). ask() runs in a worker thread; its
    tokens come through a queue. A client that goes away leaves the question to finish in its thread."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue = asyncio.Queue()

    def put(item) -> None:
        try:
            loop.call_soon_threadsafe(queue.put_nowait, item)
        except RuntimeError:  # the server is shutting down
            pass

    def work() -> None:
        try:
            put(("answer", answer(q, resources, on_token=lambda piece: put(("token", piece)))))
        except Exception as e:  # noqa: BLE001 - reported as an error event, logged here
            log.exception("ask failed")
            put(("error", e))

    task = asyncio.ensure_future(run_in_threadpool(work))
    tasks.add(task)
    task.add_done_callback(tasks.discard)
    while True:
        kind, value = await queue.get()
        yield kind, value
        if kind != "token":
            return
