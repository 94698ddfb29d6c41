"""What every format loader gets (the file's bytes, field names, a place for notes) and how it builds an Article."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from ingest.dates import normalise_date
from ingest.encoding import decode_bytes
from ingest.language import detect_language, normalise_language
from ingest.models import Article, IngestError
from ingest.text import slugify

ARTICLE_FIELDS = ("id", "title", "text", "date", "url", "source", "author", "language")


@dataclass
class Source:
    """One file being loaded. `fields` maps an article field to the name a dump uses for it ('text' -> 'body');
    loaders add `notes` for things the user should know that did not stop the file (a skipped row, a bad date)."""

    path: Path
    raw: bytes
    fields: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return str(self.path)

    def text(self) -> str:
        return decode_bytes(self.raw, self.name)

    def error(self, problem: str) -> IngestError:
        return IngestError(self.name, problem)


def as_str(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    if isinstance(value, (list, tuple)):
        return ", ".join(as_str(v) for v in value if as_str(v))
    return str(value).strip()


def make_article(
    source: Source,
    *,
    text: str,
    title: str,
    article_id: str = "",
    date="",
    url: str = "",
    site: str = "",
    author: str = "",
    language: str = "",
    pages: list[tuple[int, int]] | None = None,
    where: str = "",
) -> Article:
    """An Article with its date in ISO 8601 and its language known. `text` must already be clean (loaders
    clean it, since PDF page offsets point into it). `where` names the row/object for notes and errors."""
    label = f"{where}: " if where else ""
    if not text.strip():
        raise source.error(f"{label}no article text")
    iso = normalise_date(date)
    if as_str(date) and not iso:
        source.notes.append(f"{label}date '{as_str(date)[:40]}' not understood, left empty")
    lang = normalise_language(language) or detect_language(f"{title}\n{text}")
    return Article(
        article_id=slugify(article_id or source.path.stem),
        title=title.strip(),
        text=text,
        date=iso,
        source=site.strip(),
        url=url.strip(),
        path=str(source.path),
        language=lang,
        author=author.strip(),
        pages=list(pages or []),
    )
