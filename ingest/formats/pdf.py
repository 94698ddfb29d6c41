"""PDF articles with pypdf: text per page (page numbers kept for citations), wrapped lines joined into
paragraphs, line-end hyphenation undone, quotes and ligatures normalised. No OCR: a PDF without a text layer
is reported as a scan.

A few KB of PDF can cost minutes per page (every page drawing one heavy shared content stream; forms drawn inside
forms), so one file's reading has a budget, each part failing the file with its reason: at most MAX_PAGES pages;
the text no longer than the file's character limit (QUELLE_MAX_ARTICLE_CHARS); at most MAX_CONTENT_BYTES of page
content unpacked (a shared stream counted on every page that draws it: the work is per page, and pypdf keeps what it
unpacked); and the time budget (base.READ_SECONDS). Characters and time are checked between pages and inside a page,
on every few hundred drawing operators, through pypdf's visitor callbacks."""

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
# An article within the character limit (2 M) fills at most ~1,000 dense pages; a longer PDF is a book or a bomb.
MAX_PAGES = 2_000
# Page content unpacked per file: a text page has 2-50 KB, a detailed map a few MB; 2,000 pages of 100 KB = 200 MB.
MAX_CONTENT_BYTES = 256_000_000
_TEXT_OPERATOR = re.compile(rb"T[jJ]|Do|['\"]")  # what pypdf needs to find text in a content stream
_CHECK_EVERY = 256  # operators between two budget checks inside a page


class _OverBudget(BaseException):
    """Raised from pypdf's callbacks to stop reading a page. A BaseException: pypdf catches Exception around forms
    (and would go on reading)."""

    def __init__(self, problem: str):
        super().__init__(problem)
        self.problem = problem


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

    if n_pages > MAX_PAGES:
        raise source.error(
            f"the PDF has {n_pages:,} pages; at most {MAX_PAGES:,} are read per file (split it; or a PDF bomb?)"
        )
    page_texts, empty = _read_pages(source, reader, n_pages)
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


class _Budget:
    """What one file's reading may still use: characters, page content, time. `stop` says why it ran out."""

    def __init__(self, source: Source, n_pages: int):
        self.source, self.n_pages = source, n_pages
        self.chars = 0  # clean text kept so far
        self.page_chars = 0  # raw text of the page being read
        self.content = 0
        self.ops = 0
        self.number = 0

    def where(self) -> str:
        return f"stopped at page {self.number:,} of {self.n_pages:,}"

    def check(self) -> None:
        s = self.source
        if self.chars + self.page_chars > 2 * s.max_chars + 1000:  # raw text: room for what cleaning takes out
            raise _OverBudget(self.too_long())
        if s.over_time():
            raise _OverBudget(f"reading the PDF's text took more than {s.seconds:,.0f} s ({self.where()}; a PDF bomb?)")

    def too_long(self) -> str:
        return (
            f"the PDF's text is longer than {self.source.max_chars:,} characters (QUELLE_MAX_ARTICLE_CHARS); "
            f"{self.where()}"
        )

    def operator(self, *_) -> None:  # pypdf's visitor_operand_before: once per drawing operator
        self.ops += 1
        if self.ops % _CHECK_EVERY == 0:
            self.check()

    def text(self, text, *_) -> None:  # pypdf's visitor_text: each piece of text it found
        self.page_chars += len(text)
        if self.page_chars > self.source.max_chars:
            self.check()


def _read_pages(source: Source, reader, n_pages: int) -> tuple[list[tuple[int, str]], list[int]]:
    """(page number, clean text) of the pages with text, and the numbers of those without; IngestError when the
    file's budget runs out (see the module docstring)."""
    budget = _Budget(source, n_pages)
    page_texts: list[tuple[int, str]] = []
    empty: list[int] = []
    try:
        for number, page in enumerate(reader.pages, start=1):
            budget.number, budget.page_chars = number, 0
            budget.check()
            try:
                content = page.get_contents()
                data = content.get_data() if content is not None else b""
                budget.content += len(data)
                if budget.content > MAX_CONTENT_BYTES:
                    raise _OverBudget(
                        f"the PDF's pages unpack to more than {MAX_CONTENT_BYTES // 1_000_000:,} MB of drawing "
                        f"instructions ({budget.where()}; a PDF bomb?)"
                    )
                # without a text operator pypdf finds no text either (and skips the page: so do we)
                raw = (
                    page.extract_text(visitor_operand_before=budget.operator, visitor_text=budget.text) or ""
                    if _TEXT_OPERATOR.search(data)
                    else ""
                )
            except Exception as e:
                source.notes.append(f"page {number}: text could not be read ({type(e).__name__})")
                raw = ""
            text = normalise_text(_paragraphs(_page_lines(normalise_quotes(normalise_text(raw)))))
            if sum(ch.isalnum() for ch in text) < _MIN_TEXT_CHARS:
                empty.append(number)
                continue
            page_texts.append((number, text))
            budget.chars += len(text) + 1
            title = min(len(page_texts[0][1].partition("\n")[0]) + 1, 1000)  # the headline may come out of it
            if budget.chars - 1 - title > source.max_chars:
                raise _OverBudget(budget.too_long())
    except _OverBudget as e:
        raise source.error(e.problem) from None
    return page_texts, empty


def _pdf_date(value: str) -> str:
    """PDF date strings look like 'D:20261124103000+01'00''."""
    m = re.match(r"^D?:?(\d{4})(\d{2})?(\d{2})?", value)
    if not m:
        return ""
    return "-".join(p for p in (m[1], m[2], m[3]) if p)
