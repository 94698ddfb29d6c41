"""The FastAPI app: /v1/ask, /v1/articles, /v1/stats, /v1/batch, /v1/watches, the OpenAI-compatible /v1/models and
/v1/chat/completions, /healthz; docs at /docs.

The routes live in one APIRouter per resource (ROUTERS: quelle/api/openai_compat.py and quelle/api/routers/); this
module puts them together with the lifespan, the error handlers, the middleware and the body-limit table.
Thin like the CLI: every route calls the core (ask(), Library, run_batch). One Resources (model, store, lexical
index) per app, opened once in the lifespan unless given; nothing is loaded at import time.
"""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from quelle.answering import registry
from quelle.api import errors, openai_compat
from quelle.api.asking import resolve_options
from quelle.api.jobs import BatchJobs
from quelle.api.middleware import ApiKey, BodyLimit, LoopbackOnly, RequestLog
from quelle.api.routers import articles, batch, health, watches
from quelle.api.routers import ask as ask_routes
from quelle.api.schemas import AskOptions
from quelle.resources import Resources
from quelle.settings import Settings

log = logging.getLogger("quelle.api")

JSON_BODY_LIMIT = 1_000_000  # bytes: a question, its options and a chat history
# The body limit by route (method, path), never by the Content-Type a client sends: these routes take multipart
# uploads up to QUELLE_API_MAX_UPLOAD_MB; every other request gets JSON_BODY_LIMIT.
UPLOAD_ROUTES = frozenset({("POST", "/v1/articles"), ("POST", "/v1/batch")})
# the routers by resource, in the order the app matches them
ROUTERS = (openai_compat.router, health.router, ask_routes.router, articles.router, batch.router, watches.router)


def api_key(settings: Settings) -> str | None:
    """QUELLE_API_KEY, or None when unset or empty."""
    key = settings.api_key.get_secret_value() if settings.api_key is not None else ""
    return key or None


def create_app(
    settings: Settings | None = None, resources: Resources | None = None, *, log_questions: bool = False
) -> FastAPI:
    """The API over `settings` (default: from the environment). Pass `resources` to reuse a loaded model and
    store; otherwise they are opened when the app starts."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        res = resources or await run_in_threadpool(Resources.open, settings)
        await run_in_threadpool(_warm_up, res, settings)
        app.state.resources = res
        app.state.jobs = await run_in_threadpool(
            BatchJobs,
            Path(settings.data_dir) / "api-batch",
            res,
            lambda options: resolve_options(AskOptions.model_validate(options), settings, res),
        )
        try:
            yield
        finally:
            await run_in_threadpool(app.state.jobs.shutdown)

    app = FastAPI(
        title="Quelle",
        version="1",
        lifespan=lifespan,
        description="Fragen an Ihre Nachrichtenartikel — jede Aussage mit Quelle. The same answers as "
        "`quelle ask --json`, plus an OpenAI-compatible chat endpoint (model `quelle`).",
    )
    app.state.settings = settings
    app.state.log_questions = log_questions
    app.state.tasks = set()  # streaming answers running in worker threads
    errors.install(app)
    for router in ROUTERS:
        app.include_router(router)
    # the last added runs first: RequestLog (sees every answer, also 401, 403 and 413), then the access check —
    # with a key the key (ApiKey, 401), without one loopback Host and own Origin only (LoopbackOnly, 403) —, then
    # BodyLimit: nothing is read and no route runs for a refused request
    app.add_middleware(
        BodyLimit,
        json_bytes=JSON_BODY_LIMIT,
        upload_bytes=int(settings.api_max_upload_mb * 1_000_000),
        upload_routes=UPLOAD_ROUTES,
    )
    key = api_key(settings)
    if key:
        app.add_middleware(ApiKey, key=key)
    else:
        app.add_middleware(LoopbackOnly)
    app.add_middleware(RequestLog)
    return app


def _warm_up(res: Resources, settings: Settings) -> None:
    """Load the model, bring the lexical index in step and ask once (extractive: loads the language and answer
    models the first question would wait for), not inside the first request."""
    from quelle.answering.pipeline import ask

    res.embedder.model
    res.index.sync_lexical()
    try:
        ask("Wo liegt der Hafen?", settings.with_(llm=registry.FALLBACK), resources=res)
    except Exception:  # noqa: BLE001 - the first real question will show what is wrong
        log.warning("warm-up question failed", exc_info=True)
