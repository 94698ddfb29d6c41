"""POST /v1/articles: uploaded files -> safe names in a fresh temp folder -> Library.ingest (the loaders and limits
of `quelle ingest`) -> one result per uploaded file. Too large or unsupported files are refused unread."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from fastapi import UploadFile

from ingest.loaders import supported_suffixes
from quelle.api.errors import ApiError
from quelle.library import Library

MAX_UPLOAD_FILES = 100


def ingest_uploads(library: Library, files: list[UploadFile], max_file_mb: float) -> list[dict]:
    from quelle.ui.uploads import safe_filename  # a pure function (no Streamlit, no session)

    if len(files) > MAX_UPLOAD_FILES:
        raise ApiError(400, f"files: {len(files)} files in one request; at most {MAX_UPLOAD_FILES}", "files",
                       "too_many_files")
    suffixes = supported_suffixes()
    limit = int(max_file_mb * 1_000_000)  # as Library.ingest counts it
    rows: list[dict] = []
    by_path: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="quelle-api-upload-") as folder:
        root = Path(folder)
        taken: set[str] = set()
        for f in files:
            name = f.filename or "upload"
            row = {"name": name, "status": "failed", "chunks": 0, "message": "", "articles": []}
            rows.append(row)
            size = f.size if f.size is not None else _size(f)
            suffix = Path(safe_filename(name)).suffix.lower()
            if size > limit:
                row["code"] = "file_too_large"
                row["message"] = (f"the file has {size / 1e6:,.1f} MB; the limit is {limit / 1e6:,.1f} MB "
                                  "(QUELLE_MAX_FILE_MB)")
                continue
            if suffix not in suffixes:
                row["code"] = "unsupported_type"
                row["message"] = f"file type '{suffix or '(none)'}' is not supported (supported: {', '.join(suffixes)})"
                continue
            path = root / safe_filename(name, taken)
            f.file.seek(0)
            with open(path, "wb") as out:
                shutil.copyfileobj(f.file, out)
            by_path[str(path)] = row
        if by_path:
            report = library.ingest([Path(p) for p in by_path])
            for result in report.files:
                row = by_path.get(result.path)
                if row is not None:
                    row.update(status=result.status, chunks=result.chunks, message=result.message,
                               articles=list(result.articles))
    return rows


def refuse_if_nothing_stored(rows: list[dict]) -> None:
    """When no file was stored, a 4xx naming the first file and why: 413 (all too large), 415 (all of an
    unsupported type) or 422 (they could not be read), with every file's result."""
    if not rows or any(r["status"] != "failed" for r in rows):
        return
    codes = {r.get("code") for r in rows}
    status, code = {"file_too_large": (413, "file_too_large"), "unsupported_type": (415, "unsupported_type")}.get(
        codes.pop() if len(codes) == 1 else "", (422, "ingest_failed"))
    first = rows[0]
    raise ApiError(status, f"files: '{first['name']}': {first['message'] or 'failed'}", "files", code,
                   extra={"files": rows})


def _size(f: UploadFile) -> int:
    f.file.seek(0, 2)
    return f.file.tell()
