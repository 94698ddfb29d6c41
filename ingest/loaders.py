"""Read article files into Articles. Each loader takes a path and returns a list of Articles."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Callable

import yaml

from ingest.models import Article, IngestError
from ingest.text import normalise_text, slugify

Loader = Callable[[Path], list[Article]]


def read_text(path: Path) -> str:
    """Decode a text file: UTF-8 (with or without BOM), else UTF-16 with BOM, else cp1252."""
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise IngestError(str(path), f"cannot read file ({e.strerror or e})") from e
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def split_front_matter(text: str) -> tuple[dict, str]:
    """YAML front matter between '---' lines at the very top, if any."""
    if not text.startswith("---"):
        return {}, text
    lines = text.split("\n")
    for i in range(1, len(lines)):
        if lines[i].strip() in ("---", "..."):
            try:
                meta = yaml.safe_load("\n".join(lines[1:i])) or {}
            except yaml.YAMLError:
                return {}, text
            if not isinstance(meta, dict):
                return {}, text
            return meta, "\n".join(lines[i + 1 :])
    return {}, text


def _as_str(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    return str(value).strip()


def short_title(text: str, limit: int = 120) -> str:
    """A title from running text: its first sentence, cut at a word boundary when long."""
    from ingest.sentences import split_sentences

    first = (split_sentences(text[:2000]) or [text])[0].strip()
    if len(first) <= limit:
        return first
    cut = first.rfind(" ", 0, limit)
    return first[: cut if cut > limit // 2 else limit].rstrip(",;:") + " …"


def title_from_body(body: str) -> tuple[str, str]:
    """A short first line is the headline and leaves the body; a long one is the first paragraph and stays."""
    first, _, rest = body.partition("\n")
    first = first.lstrip("#").strip()
    if len(first) <= 150 and rest.strip():
        return first, rest.strip()
    return short_title(first), body


def load_text_article(path: Path) -> list[Article]:
    """A .txt or .md article. Title: front matter `title`, else the first line (a leading '#' removed)."""
    meta, body = split_front_matter(read_text(path).replace("\r\n", "\n"))
    body = normalise_text(body)
    title = _as_str(meta.get("title"))
    if not title:
        title, body = title_from_body(body)
    body = "\n".join(line.lstrip("#").strip() if line.startswith("#") else line for line in body.split("\n"))
    if not body.strip():
        raise IngestError(str(path), "no article text")
    return [
        Article(
            article_id=slugify(_as_str(meta.get("id")) or path.stem),
            title=normalise_text(title),
            text=body,
            date=_as_str(meta.get("date")),
            source=_as_str(meta.get("source")),
            url=_as_str(meta.get("url")),
            author=_as_str(meta.get("author")),
            path=str(path),
        )
    ]


LOADERS: dict[str, Loader] = {".txt": load_text_article, ".md": load_text_article, ".markdown": load_text_article}


def supported_suffixes() -> list[str]:
    return sorted(LOADERS)


def load_file(path: Path) -> list[Article]:
    """Articles in one file, or IngestError naming the file and the problem."""
    path = Path(path)
    if not path.exists():
        raise IngestError(str(path), "no such file or folder")
    if not path.is_file():
        raise IngestError(str(path), "not a regular file")
    loader = LOADERS.get(path.suffix.lower())
    if loader is None:
        raise IngestError(str(path), f"unsupported file type '{path.suffix or '(none)'}' (supported: {', '.join(supported_suffixes())})")
    return loader(path)


def find_files(paths: list[Path]) -> tuple[list[Path], list[IngestError]]:
    """Expand folders recursively (hidden files and folders skipped). Missing paths become errors."""
    files: list[Path] = []
    errors: list[IngestError] = []
    for p in map(Path, paths):
        if p.is_dir():
            for root, dirs, names in os.walk(p, followlinks=False):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(names):
                    if name.startswith("."):
                        continue
                    f = Path(root) / name
                    if f.suffix.lower() in LOADERS:
                        files.append(f)
                    else:
                        errors.append(IngestError(str(f), f"skipped: unsupported file type '{f.suffix or '(none)'}'"))
        elif p.exists():
            files.append(p)
        else:
            errors.append(IngestError(str(p), "no such file or folder"))
    return files, errors
