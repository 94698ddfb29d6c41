"""Files to Articles: pick the format by content as well as by extension, then run that format's loader.

Formats live in ingest/formats/ (text, html, pdf, docx, records). Content wins over the extension: a PDF saved
as .txt is read as PDF, an HTML page without extension as HTML."""

from __future__ import annotations

import io
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ingest.encoding import decode_bytes, looks_binary
from ingest.formats import docx as docx_format
from ingest.formats import html as html_format
from ingest.formats import pdf as pdf_format
from ingest.formats import records as records_format
from ingest.formats import text as text_format
from ingest.formats.base import Source
from ingest.jsonlines import loads
from ingest.models import Article, IngestError

Loader = Callable[[Source], list[Article]]

FORMATS: dict[str, Loader] = {
    "text": text_format.load,
    "html": html_format.load,
    "pdf": pdf_format.load,
    "docx": docx_format.load,
    "json": records_format.load_json,
    "jsonl": records_format.load_jsonl,
    "csv": records_format.load_csv,
}
SUFFIX_FORMAT = {
    ".txt": "text",
    ".md": "text",
    ".markdown": "text",
    ".text": "text",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".pdf": "pdf",
    ".docx": "docx",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
    ".tsv": "csv",
}
LOADERS: dict[str, Loader] = {suffix: FORMATS[fmt] for suffix, fmt in SUFFIX_FORMAT.items()}
_KNOWN_UNSUPPORTED = {
    ".doc": "old Word format .doc is not supported; save it as .docx",
    ".rtf": "RTF is not supported; save it as .docx or .txt",
    ".odt": "OpenDocument text is not supported; save it as .docx",
    ".epub": "e-books are not supported",
    ".zip": "archives are not unpacked; extract them first",
}
_SNIFF_BYTES = 8192


@dataclass
class Loaded:
    articles: list[Article]
    format: str
    notes: list[str] = field(default_factory=list)


def supported_suffixes() -> list[str]:
    return sorted(SUFFIX_FORMAT)


def _is_docx(raw: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as z:
            return "word/document.xml" in z.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def _text_head(head: bytes) -> str:
    try:
        return decode_bytes(head, "").lstrip("\ufeff \t\r\n").lower()
    except (IngestError, UnicodeDecodeError):
        try:
            return head.decode("utf-8", errors="ignore").lstrip("\ufeff \t\r\n").lower()
        except Exception:
            return ""


def sniff(raw: bytes, suffix: str = "") -> str | None:
    """The format the bytes are in ('pdf', 'docx', 'html', 'json', 'jsonl', 'csv', 'text'), or None.
    `raw` is the whole file (a zip is only recognised as .docx from all of it)."""
    suffix = suffix.lower()
    by_suffix = SUFFIX_FORMAT.get(suffix)
    if b"%PDF-" in raw[:1024]:
        return "pdf"
    if raw.startswith(b"PK\x03\x04"):
        return "docx" if _is_docx(raw) else None
    if looks_binary(raw[:_SNIFF_BYTES]):
        return None
    head = _text_head(raw[:_SNIFF_BYTES])
    if head.startswith(("<!doctype html", "<html")) or (head.startswith("<") and ("<body" in head or "<head" in head)):
        return "html"
    if by_suffix in ("json", "jsonl", "csv", "html"):
        return by_suffix
    if head.startswith(("{", "[")):
        whole = _text_head(raw)
        try:
            loads(whole)
            return "json"
        except ValueError:
            first = whole.split("\n", 1)[0]
            try:
                if isinstance(loads(first), dict):
                    return "jsonl"
            except ValueError:
                pass
    return by_suffix if by_suffix else None


def unsupported_reason(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in _KNOWN_UNSUPPORTED:
        return _KNOWN_UNSUPPORTED[suffix]
    return (
        f"unsupported file type '{path.suffix or '(none)'}' (supported: {', '.join(supported_suffixes())}, "
        "or content recognised as PDF, Word, HTML or JSON)"
    )


def _read(path: Path, max_bytes: int | None) -> bytes:
    if not path.exists():
        if path.is_symlink():
            raise IngestError(str(path), "broken symbolic link (its target is missing, or the links form a loop)")
        raise IngestError(str(path), "no such file or folder")
    if not path.is_file():
        raise IngestError(str(path), "not a regular file")
    try:
        size = path.stat().st_size
        if max_bytes is not None and size > max_bytes:
            raise IngestError(
                str(path), f"file is {size / 1e6:,.1f} MB; the limit is {max_bytes / 1e6:,.1f} MB (QUELLE_MAX_FILE_MB)"
            )
        return path.read_bytes()
    except OSError as e:
        raise IngestError(str(path), f"cannot read file ({e.strerror or e})") from e


def load(
    path: Path, fields: dict[str, str] | None = None, max_bytes: int | None = None, max_chars: int | None = None
) -> Loaded:
    """Articles in one file plus notes on what was skipped inside it; IngestError naming file and problem.
    `max_chars` (QUELLE_MAX_ARTICLE_CHARS; its default when None): PDF and DOCX reading stops beyond it."""
    path = Path(path)
    raw = _read(path, max_bytes)
    if not raw.strip():
        raise IngestError(str(path), "empty file")
    fmt = sniff(raw, path.suffix)
    if fmt is None:
        if path.suffix.lower() in SUFFIX_FORMAT or path.suffix.lower() in _KNOWN_UNSUPPORTED:
            if raw.startswith(b"PK\x03\x04"):
                raise IngestError(str(path), "a zip archive, not a Word document (.docx)")
            if path.suffix.lower() in _KNOWN_UNSUPPORTED:
                raise IngestError(str(path), unsupported_reason(path))
            raise IngestError(str(path), "binary content, not a text file")
        raise IngestError(str(path), unsupported_reason(path))
    source = Source(path=path, raw=raw, fields=dict(fields or {}))
    if max_chars is not None:
        source.max_chars = max_chars
    articles = FORMATS[fmt](source)
    return Loaded(articles, fmt, source.notes)


def load_file(path: Path, fields: dict[str, str] | None = None, max_bytes: int | None = None) -> list[Article]:
    """Articles in one file, or IngestError naming the file and the problem."""
    return load(path, fields, max_bytes).articles


def _sniff_file(path: Path) -> str | None:
    try:
        with open(path, "rb") as fh:
            head = fh.read(_SNIFF_BYTES)
    except OSError:
        return None
    if head.startswith(b"PK\x03\x04"):
        try:
            return "docx" if _is_docx(path.read_bytes()) else None
        except OSError:
            return None
    return sniff(head, path.suffix)


def find_files(paths: list[Path]) -> tuple[list[Path], list[IngestError]]:
    """Expand folders recursively (hidden files and folders skipped). Inside folders, files whose type is neither
    known by extension nor recognised by content are skipped with a reason; missing paths become errors.
    Files named explicitly are always tried (their loader reports what is wrong), and so is a folder named through
    a link; inside a folder, links never lead out of it (see `_walk`)."""
    files: list[Path] = []
    errors: list[IngestError] = []
    for p in map(Path, paths):
        if p.is_dir():
            found, problems = _walk(p)
            files += found
            errors += problems
        elif p.exists() or p.is_symlink():
            files.append(p)  # a broken link is reported by the loader
        else:
            errors.append(IngestError(str(p), "no such file or folder"))
    return files, errors


def _inside(target: Path, root: Path) -> bool:
    return target == root or target.is_relative_to(root)


_LINK_OUT = "skipped: a link to a file outside the folder"
_DIR_LINK_OUT = "skipped: a link to a folder outside the folder"
_BROKEN_LINK = "broken symbolic link (its target is missing, or the links form a loop)"
_DIR_LINK_IN = "skipped: a link to another folder inside the folder (folder links are not followed)"


def _walk(folder: Path) -> tuple[list[Path], list[IngestError]]:
    """The files of one folder, without leaving it through links (issue 28): a link (to a file or a folder) whose
    target lies outside the folder is skipped with a reason; links to folders are never followed (the walk reaches
    what lies inside anyway, and no loop can form); a link to a file inside is read once: skipped when the walk
    reads its target under the target's own name, else read under the link's name. Messages name paths as the
    user wrote them (`folder` joined with the path inside it), never a link's resolved target."""
    root = folder.resolve()
    entries: list[tuple[Path, str | None]] = []  # walk order: (path, problem) — problem None for a file to read
    links: set[Path] = set()
    for base, dirs, names in os.walk(folder, followlinks=False):
        kept = []
        for d in sorted(dirs):
            if d.startswith((".", "__pycache__")):
                continue
            sub = Path(base) / d
            if sub.is_symlink():  # os.walk lists a link to a folder among the folders, without entering it
                entries.append((sub, _DIR_LINK_IN if _inside(sub.resolve(), root) else _DIR_LINK_OUT))
            else:
                kept.append(d)
        dirs[:] = kept
        for name in sorted(names):
            if name.startswith((".", "~$")):  # hidden files, Office lock files
                continue
            f = Path(base) / name
            if not f.is_file():  # a pipe, socket or device would block or never end; a broken link
                broken = f.is_symlink() and not f.exists()
                entries.append((f, _BROKEN_LINK if broken else "not a regular file"))
            elif f.is_symlink() and not _inside(f.resolve(), root):
                entries.append((f, _LINK_OUT))
            else:
                entries.append((f, None))
                if f.is_symlink():
                    links.add(f)
    # every file is read once: under its own name if the walk meets it there, else under its first link's name
    read_as: dict[Path, Path] = {f.resolve(): f for f, problem in entries if problem is None and f not in links}
    files: list[Path] = []
    errors: list[IngestError] = []
    for f, problem in entries:
        if problem is None and f in links:
            first = read_as.setdefault(f.resolve(), f)
            if first != f:
                problem = f"skipped: a link to {first}, which is read under that name"
        if problem is None:
            if f.suffix.lower() in SUFFIX_FORMAT or _sniff_file(f):
                files.append(f)
                continue
            reason = _KNOWN_UNSUPPORTED.get(f.suffix.lower(), f"unsupported file type '{f.suffix or '(none)'}'")
            problem = f"skipped: {reason}"
        errors.append(IngestError(str(f), problem))
    return files, errors
