"""/v1/batch: question files answered in the background like `quelle batch` (the jobs: quelle/api/jobs.py).
POST /v1/batch takes an upload (its body limit: quelle/api/app.py UPLOAD_ROUTES)."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import FileResponse
from pydantic import ValidationError

from quelle.api.asking import resolve_options
from quelle.api.errors import ApiError
from quelle.api.jobs import MEDIA_TYPES
from quelle.api.schemas import AskFilters, AskOptions
from quelle.batch import INPUT_FORMATS, InputError
from quelle.settings import Settings
from quelle.uploads import TOO_LARGE, Incoming
from quelle.uploads import check as check_upload

router = APIRouter(tags=["batch"])


@router.post("/v1/batch", status_code=202)
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


@router.get("/v1/batch/{job_id}")
def batch_status(job_id: str, request: Request) -> dict:
    """Progress (`done` of `total`), then `status: done` with `summary` and the `result` URL."""
    return _job(request, job_id).to_dict()


@router.get("/v1/batch/{job_id}/result")
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


@router.delete("/v1/batch/{job_id}")
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


def _check_size(file: UploadFile, settings: Settings) -> None:
    """The upload core's size limit (QUELLE_MAX_FILE_MB, quelle/uploads.py) for a question file."""
    refusal = check_upload(
        file.filename or "", Incoming.from_file("", file.file, file.size).size, settings.max_file_mb, INPUT_FORMATS
    )
    if refusal is not None and refusal.code == TOO_LARGE:
        raise ApiError(413, f"file: '{file.filename}': {refusal.english()}", "file", TOO_LARGE)
