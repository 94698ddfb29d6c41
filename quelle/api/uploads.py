"""POST /v1/articles: the one upload core (quelle/uploads.py: safe names, allowed types, QUELLE_MAX_FILE_MB, temp
folder, Library.ingest, a result per file) behind the API's own limits and HTTP errors."""

from __future__ import annotations

from fastapi import UploadFile

from quelle.api.errors import ApiError
from quelle.library import Library
from quelle.uploads import TOO_LARGE, UNSUPPORTED, Incoming
from quelle.uploads import ingest_uploads as ingest_incoming

MAX_UPLOAD_FILES = 100


def ingest_uploads(library: Library, files: list[UploadFile], max_file_mb: float) -> list[dict]:
    """One row per file: name, status, chunks, message, articles (and `code` when refused unread)."""
    if len(files) > MAX_UPLOAD_FILES:
        raise ApiError(
            400, f"files: {len(files)} files in one request; at most {MAX_UPLOAD_FILES}", "files", "too_many_files"
        )
    incoming = [Incoming.from_file(f.filename or "upload", f.file, f.size) for f in files]
    rows = []
    for r in ingest_incoming(library, incoming, max_file_mb):
        row = {
            "name": r.name,
            "status": r.status,
            "chunks": r.chunks,
            "message": r.message,
            "articles": list(r.articles),
        }
        if r.refusal is not None:
            row["code"] = r.refusal.code
        rows.append(row)
    return rows


def refuse_if_nothing_stored(rows: list[dict]) -> None:
    """When no file was stored, a 4xx naming the first file and why: 413 (all too large), 415 (all of an
    unsupported type) or 422 (they could not be read), with every file's result."""
    if not rows or any(r["status"] != "failed" for r in rows):
        return
    codes = {r.get("code") for r in rows}
    status, code = {TOO_LARGE: (413, TOO_LARGE), UNSUPPORTED: (415, UNSUPPORTED)}.get(
        codes.pop() if len(codes) == 1 else "", (422, "ingest_failed")
    )
    first = rows[0]
    raise ApiError(
        status, f"files: '{first['name']}': {first['message'] or 'failed'}", "files", code, extra={"files": rows}
    )
