"""/v1/articles and /v1/stats: list, upload and delete articles (through Library, as the CLI does), the store's
statistics. POST /v1/articles takes uploads (its body limit: quelle/api/app.py UPLOAD_ROUTES)."""

from __future__ import annotations

from typing import List

from fastapi import APIRouter, File, Query, Request, UploadFile

from quelle.api.errors import ApiError
from quelle.api.uploads import ingest_uploads, refuse_if_nothing_stored
from quelle.library import Library

router = APIRouter(tags=["articles"])


@router.get("/v1/articles")
def list_articles(request: Request, offset: int = Query(0, ge=0), limit: int = Query(100, ge=1, le=1000)) -> dict:
    """The rows of `quelle list --json` (newest first, each with its near-duplicate `group`), a page at a time, and
    the groups of copies of the whole store (`quelle list --groups --json`: the earliest version first)."""
    library = Library(request.app.state.resources)
    rows = library.articles()
    return {
        "total": len(rows),
        "offset": offset,
        "limit": limit,
        "articles": rows[offset : offset + limit],
        "groups": library.groups(),
    }


@router.post("/v1/articles")
def upload_articles(request: Request, files: List[UploadFile] = File(..., description="one or more files")):
    """Ingest uploaded files with the loaders and limits of `quelle ingest` (QUELLE_MAX_FILE_MB per file);
    one result per file. 200 when any file was stored; when none was, 413/415/422 with the results."""
    state = request.app.state
    rows = ingest_uploads(Library(state.resources), files, state.settings.max_file_mb)
    refuse_if_nothing_stored(rows)
    return {"files": rows}


@router.delete("/v1/articles/{article_id}")
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


@router.get("/v1/stats")
def stats(request: Request) -> dict:
    """`quelle stats --json`: articles, chunks, embedding_pending (chunks stored but not embedded yet), embedding_model,
    data_dir."""
    return Library(request.app.state.resources).stats()
