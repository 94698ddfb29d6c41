"""A fetched page (HTML, PDF, Word, plain text) or a feed entry's own full text -> one Article, identified by its
canonical URL. The page's metadata wins; the feed's (title, date, author, summary, publication) fills the gaps."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from ingest.formats import docx as docx_format
from ingest.formats import html as html_format
from ingest.formats import pdf as pdf_format
from ingest.formats import text as text_format
from ingest.formats.base import Source
from ingest.loaders import sniff
from ingest.models import Article, IngestError
from ingest.text import normalise_text, slugify
from quelle.feeds.fetch import Response, canonical_url
from quelle.feeds.parse import Entry, html_to_text

_LOADERS = {"html": html_format.load, "pdf": pdf_format.load, "docx": docx_format.load, "text": text_format.load}
_PROSE = re.compile(r"\w.{30,}[.!?…\"“”]")  # at least one line of running text
_TRUNCATED = re.compile(r"(\.\.\.|…|\[\s*(\.\.\.|…)\s*\]|mehr\s*»?|weiterlesen|read more)\s*$", re.I)


class ContentError(Exception):
    """A page was fetched but holds no article (no text, not a readable format)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def article_id_for(url: str) -> str:
    """A readable, stable id from the canonical URL: host and last path part, plus a short hash of the whole URL
    ('example-org-alibaba-ki-offensive-1a2b3c4d')."""
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.")
    segments = [unquote(s) for s in parts.path.split("/") if s]
    last = PurePosixPath(segments[-1]).stem if segments else ""
    if last.lower() in ("index", "default", "article", "artikel") and len(segments) > 1:
        last = segments[-2]
    base = slugify(f"{host} {last}", max_len=50)
    return f"{base}-{hashlib.sha1(url.encode('utf-8')).hexdigest()[:8]}"


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").removeprefix("www.")


def _same_site(a: str, b: str) -> bool:
    ha, hb = _host(a), _host(b)
    return bool(ha) and (ha == hb or ha.endswith("." + hb) or hb.endswith("." + ha))


def choose_url(page_says: str, fetched: str) -> str:
    """The article's canonical URL: what the page declares (rel=canonical, og:url) when it is an http(s) URL on the
    same site, else the URL it was fetched from (after redirects); normalised by canonical_url."""
    declared = (page_says or "").strip()
    if declared.startswith(("http://", "https://")) and _same_site(declared, fetched):
        return canonical_url(declared)
    return canonical_url(fetched)


def from_page(response: Response, entry: Entry) -> tuple[Article, list[str]]:
    """The article a fetched page holds, with notes. ContentError when there is none."""
    name = PurePosixPath(urlsplit(response.url).path).name or "page"
    fmt = sniff(response.content, PurePosixPath(name).suffix if "." in name else "")
    ctype = response.content_type.split(";")[0].strip().lower()
    if fmt in ("json", "jsonl", "csv"):
        fmt = "text" if ctype.startswith("text/plain") else None
    if fmt == "text" and not ctype.startswith("text/plain"):
        fmt = None
    if fmt not in _LOADERS:
        raise ContentError(f"not an article page ({ctype or 'unknown content type'})")
    source = Source(path=Path(name), raw=response.content)
    try:
        articles = _LOADERS[fmt](source)
    except IngestError as e:
        raise ContentError(e.problem) from None
    if not articles:
        raise ContentError("no article text found")
    article = articles[0]
    notes = list(source.notes)
    if fmt == "pdf":
        notes.append("read as PDF")
    elif fmt == "docx":
        notes.append("read as Word document")
    url = choose_url(article.url if fmt == "html" else "", response.url)
    return _finish(article, url, entry, use_summary=fmt == "html"), notes


def from_entry(entry: Entry, why: str) -> tuple[Article, list[str]] | None:
    """The article from the feed's own full text (content:encoded / atom:content), or None when the feed has none."""
    if not entry.content or not entry.link:
        return None
    text = normalise_text(html_to_text(entry.content))
    if not _PROSE.search(text):
        return None
    url = canonical_url(entry.link)
    title = entry.title
    if not title:
        title, text = text_format.title_from_body(text)
    article = Article(article_id="", title=title, text=text)
    return _finish(article, url, entry, use_summary=False), [
        f"page not used ({why}); the feed's full text was ingested"
    ]


def _finish(article: Article, url: str, entry: Entry, use_summary: bool) -> Article:
    article.url = url
    article.path = url  # Library records it as the article's source ('sources' in quelle list --json)
    article.article_id = article_id_for(url)
    article.title = (article.title or entry.title).strip()
    article.date = article.date or entry.date
    article.author = article.author or entry.author
    article.source = article.source or entry.source or _host(url)
    if use_summary and entry.summary:
        article.text = with_lead(article.text, entry.summary)
    return article


def with_lead(text: str, summary: str) -> str:
    """The feed's summary put before the page text when the page lacks it (a teaser the extractor left out).
    Left out when it is short, cut off ('…', 'mehr'), or its words mostly appear in the text already."""
    lead = normalise_text(summary).replace("\n", " ").strip()
    if len(lead) < 60 or _TRUNCATED.search(lead) or not _PROSE.search(lead):
        return text
    words = [w for w in re.findall(r"\w+", lead.lower()) if len(w) > 3]
    if not words:
        return text
    known = set(re.findall(r"\w+", text.lower()))
    if sum(w in known for w in words) / len(words) >= 0.6:
        return text
    return f"{lead}\n\n{text}"
