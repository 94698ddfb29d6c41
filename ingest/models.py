"""Plain data shared by all layers: an Article and the Chunks cut from it."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field


class IngestError(Exception):
    """A file could not be turned into articles. The message names the file and the problem."""

    def __init__(self, path: str, problem: str):
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


@dataclass
class Article:
    article_id: str
    title: str
    text: str
    date: str = ""  # ISO 8601 (YYYY-MM-DD) when known
    source: str = ""  # publication / site name, or the file it came from
    url: str = ""
    path: str = ""  # the file it was read from
    language: str = ""
    author: str = ""
    pages: list[tuple[int, int]] = field(default_factory=list)  # (char start, page number) for PDFs

    @property
    def content_hash(self) -> str:
        """Changes when anything that ends up in the store changes."""
        h = hashlib.sha256()
        for part in (self.title, self.date, self.source, self.url, self.text):
            h.update(part.encode("utf-8"))
            h.update(b"\x00")
        return h.hexdigest()[:16]

    @property
    def text_hash(self) -> str:
        """Changes only when the article text changes (whitespace runs ignored): finds the same article text
        stored from another file or under another title."""
        return hashlib.sha256(" ".join(self.text.split()).encode("utf-8")).hexdigest()[:16]

    def page_at(self, offset: int) -> int | None:
        page = None
        for start, number in self.pages:
            if start <= offset:
                page = number
            else:
                break
        return page


@dataclass
class Chunk:
    chunk_id: str
    article_id: str
    index: int
    text: str  # exactly article.text[start:end]
    start: int
    end: int
    title: str = ""
    date: str = ""
    source: str = ""
    url: str = ""
    page: int | None = None
    sentences: list[tuple[int, int]] = field(default_factory=list)  # sentence spans within `text`

    def to_dict(self) -> dict:
        return asdict(self)
