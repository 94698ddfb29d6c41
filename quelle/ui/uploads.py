"""Uploaded files -> safe names in a fresh temp folder -> Library.ingest -> one result per uploaded file."""

from __future__ import annotations

import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Protocol

from ingest.loaders import supported_suffixes
from quelle.library import Library
from quelle.ui.access import require_editor
from quelle.ui.i18n import text as t

_UNSAFE = re.compile(r"[^\w.\- ]+")
MAX_NAME = 120


class Upload(Protocol):
    """What st.file_uploader hands over (UploadedFile) — and what tests pass instead."""

    name: str

    def getvalue(self) -> bytes: ...


@dataclass
class UploadResult:
    name: str  # the file name as uploaded (shown to the user)
    status: str  # added | updated | unchanged | failed | skipped
    chunks: int = 0
    message: str = ""
    articles: tuple[str, ...] = ()


def safe_filename(name: str, taken: set[str] | None = None) -> str:
    """A file name that stays inside its folder: last path part only, no control or special characters, no
    leading dot, at most MAX_NAME characters with the suffix kept, unique among `taken`."""
    base = unicodedata.normalize("NFC", str(name or "")).replace("\\", "/").split("/")[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    base = _UNSAFE.sub("_", base).strip(" ._")
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    suffix = suffix[:12].lower()
    stem = stem.strip(" ._")[: MAX_NAME - len(suffix) - 1] or "upload"
    candidate = f"{stem}.{suffix}" if suffix else stem
    n = 1
    while taken is not None and candidate.lower() in taken:
        n += 1
        candidate = f"{stem}-{n}.{suffix}" if suffix else f"{stem}-{n}"
    if taken is not None:
        taken.add(candidate.lower())
    return candidate


def ingest_uploads(library: Library, uploads: list[Upload], max_file_mb: float, language: str = "de",
                   progress: Callable[[int, int, str], None] | None = None) -> list[UploadResult]:
    """Write each upload under a safe name in a new temp folder, ingest them together, report per upload.

    Too large or unsupported files fail here with the reason and are not written. The temp folder is removed
    afterwards, so uploading the same file again finds it unchanged instead of adding a copy. Editors only:
    the role is checked first (AccessDenied), whatever control led here.
    """
    require_editor()
    suffixes = supported_suffixes()
    results: list[UploadResult] = []
    with tempfile.TemporaryDirectory(prefix="quelle-upload-") as folder:
        root = Path(folder)
        taken: set[str] = set()
        by_path: dict[str, UploadResult] = {}
        for u in uploads:
            result = UploadResult(name=u.name, status="failed")
            results.append(result)
            data = u.getvalue()
            size_mb = len(data) / (1024 * 1024)
            suffix = Path(safe_filename(u.name)).suffix.lower()
            if size_mb > max_file_mb:
                result.message = t("too_large", language, size=size_mb, limit=max_file_mb)
                continue
            if suffix not in suffixes:
                result.message = t("unsupported_type", language, suffix=suffix or "(none)", types=", ".join(suffixes))
                continue
            path = root / safe_filename(u.name, taken)
            assert path.resolve().parent == root.resolve()
            path.write_bytes(data)
            by_path[str(path)] = result
        paths = [Path(p) for p in by_path]
        total = len(paths)

        def on_progress(what: str, done: int, of: int) -> None:
            if progress and what == "files":
                name = Path(paths[done - 1]).name if 0 < done <= total else ""
                progress(done, of, name)

        if paths:
            report = library.ingest(paths, progress=on_progress)
            for f in report.files:
                result = by_path.get(f.path) or by_path.get(str(Path(f.path)))
                if result is None:
                    continue
                result.status, result.chunks, result.message = f.status, f.chunks, f.message
                result.articles = tuple(f.articles)
    return results
