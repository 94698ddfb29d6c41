"""The FastAPI app: /v1/ask, /v1/articles, /v1/stats, /v1/batch, the OpenAI-compatible /v1/models and
/v1/chat/completions, /healthz; docs at /docs.

Thin like the CLI: every route calls the core (ask(), Library, run_batch). One Resources (model, store, lexical
index) per app, opened once in the lifespan unless given; nothing is loaded at import time.
"""

from __future__ import annotations

import json
import logging
from contextlib import asynccontextmanager
from pathlib import Path
from typing import List, Optional

from fastapi import FastAPI, File, Form, Query, Request, UploadFile
from fastapi.responses import FileResponse, StreamingResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from quelle.api import errors, openai_compat
from quelle.api.asking import answer, answer_stream, prepare, resolve_options
from quelle.api.errors import ApiError, error_body
from quelle.api.jobs import MEDIA_TYPES, BatchJobs
from quelle.api.middleware import ApiKey, BodyLimit, LoopbackOnly, RequestLog
from quelle.api.schemas import AskFilters, AskOptions, AskRequest
from quelle.api.uploads import ingest_uploads, refuse_if_nothing_stored
from quelle.batch import INPUT_FORMATS, InputError
from quelle.library import Library
from quelle.resources import Resources
from quelle.settings import Settings
from quelle.uploads import TOO_LARGE, Incoming
from quelle.uploads import check as check_upload

log = logging.getLogger("quelle.api")

JSON_BODY_LIMIT = 1_000_000  # bytes: a question, its options and a chat history
# The body limit by route (method, path), never by the Content-Type a client sends: these routes take multipart
# uploads up to QUELLE_API_MAX_UPLOAD_MB; every other request gets JSON_BODY_LIMIT.
UPLOAD_ROUTES = frozenset({("POST", "/v1/articles"), ("POST", "/v1/batch")})


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
    app.include_router(openai_compat.router)
    _routes(app)
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
        ask("Wo liegt der Hafen?", settings.with_(llm="extractive"), resources=res)
    except Exception:  # noqa: BLE001 - the first real question will show what is wrong
        log.warning("warm-up question failed", exc_info=True)


def _routes(app: FastAPI) -> None:
    @app.get("/healthz", tags=["service"])
    def healthz() -> dict:
        """Liveness (no API key needed)."""
        return {"status": "ok"}

    @app.post("/v1/ask", tags=["questions"])
    async def ask_route(body: AskRequest, request: Request):
        """Exactly the JSON of `quelle ask --json`; with `"stream": true` Server-Sent Events: `token` events
        ({"text": …}), then one `answer` event with the whole JSON (or one `error` event)."""
        state = request.app.state
        history = [m.model_dump() for m in body.history or []]
        q = prepare(body.question, body, history, state.settings, state.resources)
        if state.log_questions:
            request.state.question = body.question
        if not body.stream:
            return (await run_in_threadpool(answer, q, state.resources)).to_dict()

        async def events():
            async for kind, value in answer_stream(q, state.resources, state.tasks):
                if kind == "token":
                    yield _sse("token", {"text": value})
                elif kind == "answer":
                    yield _sse("answer", value.to_dict())
                else:
                    yield _sse("error", error_body(500, f"the answer failed ({type(value).__name__})"))

        return StreamingResponse(
            events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        )

    @app.get("/v1/articles", tags=["articles"])
    def list_articles(request: Request, offset: int = Query(0, ge=0), limit: int = Query(100, ge=1, le=1000)) -> dict:
        """The rows of `quelle list --json` (newest first), a page at a time."""
        rows = Library(request.app.state.resources).articles()
        return {"total": len(rows), "offset": offset, "limit": limit, "articles": rows[offset : offset + limit]}

    @app.post("/v1/articles", tags=["articles"])
    def upload_articles(request: Request, files: List[UploadFile] = File(..., description="one or more files")):
        """Ingest uploaded files with the loaders and limits of `quelle ingest` (QUELLE_MAX_FILE_MB per file);
        one result per file. 200 when any file was stored; when none was, 413/415/422 with the results."""
        state = request.app.state
        rows = ingest_uploads(Library(state.resources), files, state.settings.max_file_mb)
        refuse_if_nothing_stored(rows)
        return {"files": rows}

    @app.delete("/v1/articles/{article_id}", tags=["articles"])
    def delete_article(article_id: str, request: Request) -> dict:
        """Delete an article and all its chunks (`quelle delete`)."""
        n = Library(request.app.state.resources).delete(article_id)
        if n == 0:
            raise ApiError(
                404,
                f"article_id: no article with id '{article_id}' (see GET /v1/articles)",
                "article_id",
                "unknown_article",
            )
        return {"article_id": article_id, "deleted_chunks": n}

    @app.get("/v1/stats", tags=["articles"])
    def stats(request: Request) -> dict:
        """`quelle stats --json`: articles, chunks, embedding_model, data_dir."""
        return Library(request.app.state.resources).stats()

    @app.post("/v1/batch", tags=["batch"], status_code=202)
    def submit_batch(
        request: Request,
        file: UploadFile = File(..., description="questions: .txt, .csv or .jsonl (see `quelle batch`)"),
        format: str = Form("jsonl", description="the result file: jsonl or csv"),
        k: Optional[int] = Form(None, ge=1, le=100),
        mode: Optional[str] = Form(None, description="dense | bm25 | hybrid"),
        source: Optional[List[str]] = Form(None),
        article: Optional[List[str]] = Form(None),
        since: Optional[str] = Form(None),
        until: Optional[str] = Form(None),
    ) -> dict:
        """Answer a question file like `quelle batch`; returns the job ({id, status, …}) to poll."""
        state = request.app.state
        if format not in MEDIA_TYPES:
            raise ApiError(400, f"format: '{format}' is not a result format (jsonl or csv)", "format", "invalid_value")
        suffix = Path(file.filename or "").suffix.lower()
        if suffix not in INPUT_FORMATS:
            raise ApiError(
                415,
                f"file: '{file.filename}' is not a question file (use {', '.join(INPUT_FORMATS)})",
                "file",
                "unsupported_type",
            )
        _check_size(file, state.settings)
        try:
            options = AskOptions(
                k=k, mode=mode, filters=AskFilters(source=source, article=article, since=since, until=until)
            )
        except ValidationError as e:
            raise ApiError(
                400,
                "; ".join(f"{'.'.join(map(str, x['loc']))}: {x['msg']}" for x in e.errors()),
                str(e.errors()[0]["loc"][0]),
                "invalid_value",
            ) from None
        settings, filters = resolve_options(options, state.settings, state.resources)
        file.file.seek(0)
        try:
            job = state.jobs.submit(
                suffix,
                file.file.read(),
                format,
                settings,
                filters,
                options.model_dump(exclude_none=True),
                name=file.filename,
            )
        except InputError as e:
            raise ApiError(400, f"file: {e}", "file", "invalid_question_file") from None
        return job.to_dict()

    @app.get("/v1/batch/{job_id}", tags=["batch"])
    def batch_status(job_id: str, request: Request) -> dict:
        """Progress (`done` of `total`), then `status: done` with `summary` and the `result` URL."""
        return _job(request, job_id).to_dict()

    @app.get("/v1/batch/{job_id}/result", tags=["batch"])
    def batch_result(job_id: str, request: Request):
        """The result file (the output of `quelle batch`: .jsonl or .csv) once the job is done."""
        job = _job(request, job_id)
        if job.status != "done":
            raise ApiError(
                409,
                f"job_id: job '{job_id}' is {job.status} ({job.done} of {job.total} answered); "
                "the result comes when it is done",
                "job_id",
                "not_done",
            )
        return FileResponse(
            job.output_path, media_type=MEDIA_TYPES[job.format], filename=f"quelle-batch-{job.id}.{job.format}"
        )

    @app.delete("/v1/batch/{job_id}", tags=["batch"])
    def batch_delete(job_id: str, request: Request) -> dict:
        """Cancel a job (questions being answered finish) and delete its files."""
        job = request.app.state.jobs.remove(job_id)
        if job is None:
            raise ApiError(404, f"job_id: no batch job '{job_id}'", "job_id", "unknown_job")
        return {"id": job_id, "deleted": True}


def _job(request: Request, job_id: str):
    job = request.app.state.jobs.get(job_id)
    if job is None:
        raise ApiError(404, f"job_id: no batch job '{job_id}'", "job_id", "unknown_job")
    return job


def _sse(event: str, data: dict) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def _check_size(file: UploadFile, settings: Settings) -> None:
    """The upload core's size limit (QUELLE_MAX_FILE_MB, quelle/uploads.py) for a question file."""
    refusal = check_upload(
        file.filename or "", Incoming.from_file("", file.file, file.size).size, settings.max_file_mb, INPUT_FORMATS
    )
    if refusal is not None and refusal.code == TOO_LARGE:
        raise ApiError(413, f"file: '{file.filename}': {refusal.english()}", "file", TOO_LARGE)
