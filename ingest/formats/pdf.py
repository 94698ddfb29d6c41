"""PDF articles with pypdf: text per page (page numbers kept for citations), wrapped lines joined into
paragraphs, line-end hyphenation undone, quotes and ligatures normalised. No OCR: a PDF without a text layer
is reported as a scan."""

from __future__ import annotations

import io
import logging
import re

from ingest.dates import find_date, normalise_date
from ingest.formats.base import Source, as_str, make_article
from ingest.models import Article
from ingest.text import join_hyphenation, normalise_quotes, normalise_text

_PAGE_NUMBER_LINE = re.compile(
    r"^(?:[-–—]\s*)?(?:seite|page|s\.)?\s*\d{1,4}(?:\s*(?:/|von|of)\s*\d{1,4})?(?:\s*[-–—])?$", re.I
)
_TERMINAL = re.compile(r"[.!?…:\"“”»«)]$")
_JUNK_TITLES = re.compile(
    r"^(untitled|unbenannt|microsoft word|document\d*|dokument\d*|\s*)$|\.(docx?|pdf|indd|txt)$", re.I
)
_MIN_TEXT_CHARS = 20  # fewer letters or digits than this on every page: no text layer


def _paragraphs(lines: list[str]) -> str:
    """Join wrapped lines into paragraphs. A line clearly shorter than the page's full lines ends a paragraph
    (last line of a paragraph, heading); a full line continues into the next one."""
    lines = [ln.strip() for ln in lines]
    lengths = sorted(len(ln) for ln in lines if ln)
    full = lengths[int(len(lengths) * 0.8)] if lengths else 0
    out = ""
    for i, line in enumerate(lines):
        if not line:
            out = out.rstrip(" ") + "\n"
            continue
        out += line
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        short = len(line) < 0.75 * full
        if not nxt or (short and (_TERMINAL.search(line) or not line.endswith(("-", ",")))):
            out += "\n"
        elif line.endswith(("-", "\u2010")) and nxt[:1].isalpha():
            out += "\n"  # join_hyphenation decides with or without the hyphen
        else:
            out += " "
    return join_hyphenation(out)


def _page_lines(text: str) -> list[str]:
    return [ln for ln in text.replace("\r", "\n").split("\n") if not _PAGE_NUMBER_LINE.match(ln.strip())]


def load(source: Source) -> list[Article]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(source.raw), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise source.error("the PDF is password-protected; save an unprotected copy first")
        n_pages = len(reader.pages)
    except PdfReadError as e:
        raise source.error(f"not a readable PDF ({e})") from e
    except Exception as e:  # pypdf raises many kinds of errors on broken files
        if getattr(e, "path", None):
            raise
        raise source.error(f"not a readable PDF ({type(e).__name__}: {e})") from e
    if n_pages == 0:
        raise source.error("the PDF has no pages")

    page_texts: list[tuple[int, str]] = []
    empty: list[int] = []
    for number, page in enumerate(reader.pages, start=1):
        try:
            raw = page.extract_text() or ""
        except Exception as e:
            source.notes.append(f"page {number}: text could not be read ({type(e).__name__})")
            raw = ""
        text = normalise_text(_paragraphs(_page_lines(normalise_quotes(normalise_text(raw)))))
        if sum(ch.isalnum() for ch in text) < _MIN_TEXT_CHARS:
            empty.append(number)
            continue
        page_texts.append((number, text))
    if not page_texts:
        raise source.error(
            f"scanned PDF without a text layer ({n_pages} page{'s' if n_pages != 1 else ''}, no "
            "extractable text); OCR is not supported — run it through OCR (e.g. ocrmypdf) first"
        )
    if empty:
        source.notes.append(
            f"no text layer on page{'s' if len(empty) > 1 else ''} {', '.join(map(str, empty))} (scanned?)"
        )

    info = {}
    try:
        info = reader.metadata or {}
    except Exception:
        pass
    meta_title = normalise_text(as_str(info.get("/Title")))
    if _JUNK_TITLES.search(meta_title):
        meta_title = ""

    # the headline: the metadata title, else the first line of the first page (then taken out of the text)
    first_number, first_text = page_texts[0]
    first_line, _, rest = first_text.partition("\n")
    title = meta_title
    if not title and len(first_line) <= 150 and rest.strip():
        title = first_line
    if title and first_line.strip() == title and rest.strip():
        page_texts[0] = (first_number, rest.strip())

    text, pages = "", []
    for number, page_text in page_texts:
        if text:
            # a sentence running on from the previous page continues on the same line
            text += " " if not _TERMINAL.search(text) and page_text[:1].islower() else "\n"
        pages.append((len(text), number))
        text += page_text
    if not title:
        from ingest.formats.text import short_title

        title = short_title(text)

    date = find_date(text[:400])
    if not date:
        created = normalise_date(_pdf_date(as_str(info.get("/CreationDate"))))
        if created:
            date = created
            source.notes.append(f"no date in the text; using the PDF's creation date {created}")
    return [make_article(source, text=text, title=title, date=date, author=as_str(info.get("/Author")), pages=pages)]


def _pdf_date(value: str) -> str:
    """PDF date strings look like 'D:20261124103000+01'00''."""
    m = re.match(r"^D?:?(\d{4})(\d{2})?(\d{2})?", value)
    if not m:
        return ""
    return "-".join(p for p in (m[1], m[2], m[3]) if p)
