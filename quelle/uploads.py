"""Uploaded files, one home for both faces — the browser's Artikel page (quelle/ui/uploads.py) and the HTTP API's
POST /v1/articles (quelle/api/uploads.py): a safe file name, the allowed types (every format `quelle ingest`
reads), the per-file size limit (Settings.max_file_mb, counted as Library.ingest counts it: 1 MB = 1,000,000
bytes), writing into a fresh temp folder, Library.ingest, and one result per uploaded file.

Too large or unsupported files are refused here, unread and unwritten, with a `Refusal` (code and figures); each
face words it (the UI in its language, the API in English with an HTTP status). The faces keep only what is theirs:
the UI its role check, the API its request limits and HTTP errors. The temp folder is removed afterwards, so
uploading the same file again finds it unchanged instead of adding a copy.

An uploaded article is recorded under its upload name (safe_filename: `bericht.html`), never under the temp path
it was read from: its `path`, its entry in `sources` (listed by the Artikel page and GET /v1/articles) and every
message name the upload, not the server's folders (`without_folder`).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable, Iterable

from ingest.loaders import supported_suffixes
from quelle.library import Library

TOO_LARGE, UNSUPPORTED = "file_too_large", "unsupported_type"  # Refusal.code (also the API's error codes)
MAX_NAME = 120
_UNSAFE = re.compile(r"[^\w.\- ]+")

ProgressFn = Callable[[int, int, str], None]  # (files done, files in all, the file's name)


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


def without_folder(message: str, folder: str | Path) -> str:
    """`message` without the server folder `folder` (e.g. an upload's temp folder) in the paths it names:
    `/tmp/quelle-upload-x/a.md: line 3: …` becomes `a.md: line 3: …`."""
    for name in sorted({str(Path(folder)), str(Path(folder).resolve())}, key=len, reverse=True):
        message = message.replace(name + os.sep, "").replace(name, "")
    return message


def max_bytes(max_file_mb: float) -> int:
    """The per-file limit in bytes, as Library.ingest counts it."""
    return int(max_file_mb * 1_000_000)


@dataclass(frozen=True)
class Refusal:
    """Why a file was refused before it was read: its code and the figures a message names."""

    code: str  # TOO_LARGE | UNSUPPORTED
    size_mb: float = 0.0
    limit_mb: float = 0.0
    suffix: str = ""
    types: tuple[str, ...] = ()

    def english(self) -> str:
        if self.code == TOO_LARGE:
            return f"the file has {self.size_mb:,.1f} MB; the limit is {self.limit_mb:,.1f} MB (QUELLE_MAX_FILE_MB)"
        return f"file type '{self.suffix or '(none)'}' is not supported (supported: {', '.join(self.types)})"


def check(name: str, size: int, max_file_mb: float, suffixes: Iterable[str] | None = None) -> Refusal | None:
    """None when a file of this name and size may be ingested; else why not (too large first)."""
    types = tuple(supported_suffixes() if suffixes is None else suffixes)
    if size > max_bytes(max_file_mb):
        return Refusal(TOO_LARGE, size_mb=size / 1_000_000, limit_mb=max_bytes(max_file_mb) / 1_000_000)
    suffix = Path(safe_filename(name)).suffix.lower()
    if suffix not in types:
        return Refusal(UNSUPPORTED, suffix=suffix, types=types)
    return None


@dataclass(frozen=True)
class Incoming:
    """One uploaded file as the core needs it: its name as uploaded, its size, and how to write its bytes."""

    name: str
    size: int
    write_to: Callable[[BinaryIO], None]

    @classmethod
    def from_bytes(cls, name: str, data: bytes) -> "Incoming":
        return cls(name, len(data), lambda out: out.write(data))

    @classmethod
    def from_file(cls, name: str, file: BinaryIO, size: int | None = None) -> "Incoming":
        """A file object (e.g. FastAPI's spooled upload), copied in blocks; its size measured when not known."""
        if size is None:
            file.seek(0, 2)
            size = file.tell()

        def write_to(out: BinaryIO) -> None:
            file.seek(0)
            shutil.copyfileobj(file, out)

        return cls(name, size, write_to)


@dataclass
class UploadResult:
    name: str  # the file name as uploaded (shown to the user)
    status: str = "failed"  # added | updated | unchanged | failed | skipped
    chunks: int = 0
    message: str = ""
    articles: tuple[str, ...] = ()
    refusal: Refusal | None = None  # refused before reading (too large, unsupported type)


def ingest_uploads(
    library: Library,
    files: Iterable[Incoming],
    max_file_mb: float,
    describe: Callable[[Refusal], str] = Refusal.english,
    progress: ProgressFn | None = None,
) -> list[UploadResult]:
    """Write each acceptable file under a safe name in a new temp folder, ingest them together (recorded under
    that name, not the temp path), one result per file in upload order. Refused files get `refusal` and
    `describe(refusal)` as their message."""
    suffixes = supported_suffixes()
    results: list[UploadResult] = []
    with tempfile.TemporaryDirectory(prefix="quelle-upload-") as folder:
        root = Path(folder).resolve()
        taken: set[str] = set()
        by_path: dict[str, UploadResult] = {}
        names: dict[str, str] = {}  # temp path -> the upload name its articles are recorded under
        for f in files:
            result = UploadResult(name=f.name)
            results.append(result)
            refusal = check(f.name, f.size, max_file_mb, suffixes)
            if refusal is not None:
                result.refusal, result.message = refusal, describe(refusal)
                continue
            path = root / safe_filename(f.name, taken)
            if path.resolve().parent != root:  # safe_filename keeps it inside; never write anywhere else
                raise ValueError(f"upload name escapes its folder: {f.name!r}")
            with open(path, "wb") as out:
                f.write_to(out)
            by_path[str(path)] = by_path[path.name] = result
            names[str(path)] = path.name
        paths = [Path(p) for p in names]

        def on_progress(what: str, done: int, of: int) -> None:
            if progress and what == "files":
                progress(done, of, paths[done - 1].name if 0 < done <= len(paths) else "")

        if paths:
            report = library.ingest(paths, progress=on_progress, names=names)
            for r in report.files:
                result = by_path.get(r.path) or by_path.get(str(Path(r.path)))
                if result is not None:
                    result.status, result.chunks = r.status, r.chunks
                    result.message = without_folder(r.message, root)
                    result.articles = tuple(r.articles)
    return results
