"""Word documents (.docx) with python-docx: paragraphs and tables in reading order; the title from the
document properties, else the first heading.

Before python-docx inflates anything, the zip is held to base.check_zip's bounds (a 126 KB zip bomb unpacked to
gigabytes of XML); while reading, the text may not pass the file's character limit and the time budget (checked
every few hundred paragraphs). python-docx's XML parser resolves no entities (resolve_entities=False: no billion
laughs, no external files)."""

from __future__ import annotations

import io
import zipfile

from ingest.dates import find_date
from ingest.formats.base import Source, as_str, check_zip, make_article
from ingest.models import Article
from ingest.text import normalise_quotes, normalise_text

_TEMPLATE_AUTHORS = {"python-docx", "unknown", "user", "benutzer", "administrator", "windows user"}
_TEMPLATE_CREATED = "2013-12-23"  # python-docx's default template; not the article's date
_HEADING_STYLES = ("title", "titel", "heading", "überschrift", "subtitle")


def _style_name(paragraph, names: dict) -> str:
    """The paragraph's style name, looked up once per style id: python-docx's own lookup scans every style of the
    document for each paragraph without one (seconds per thousand paragraphs)."""
    element = getattr(paragraph, "_p", None)
    key = element.style if element is not None else id(paragraph)
    if key not in names:
        style = paragraph.style
        names[key] = ((style.name if style is not None else "") or "").lower()
    return names[key]


def _blocks(document, source: Source) -> list[tuple[str, str]]:
    """(style name, clean text) of every paragraph and table row with text, in document order. IngestError once the
    text is longer than the file's character limit allows (the title, one of the first three blocks, still to come
    out of it) or reading has used up its time (both checked every 256 paragraphs or tables)."""
    out: list[tuple[str, str]] = []
    names: dict = {}
    chars = 0

    def add(style: str, text: str) -> None:
        nonlocal chars
        text = normalise_quotes(normalise_text(text))
        if text:
            out.append((style, text))
            chars += len(text) + 1

    for n, block in enumerate(document.iter_inner_content(), start=1):
        if hasattr(block, "rows"):  # a table: one line per row, cells separated by ' | '
            for row in block.rows:
                cells = []
                for cell in row.cells:
                    t = " ".join(cell.text.split())
                    if t and (not cells or cells[-1] != t):  # merged cells repeat their text
                        cells.append(t)
                if cells:
                    add("table", " | ".join(cells))
        else:
            add(_style_name(block, names), block.text)
        if n % 256 == 0:
            title = max((len(text) + 1 for _, text in out[:3]), default=0)
            if chars - 1 - title > source.max_chars:
                raise source.error(
                    f"the Word document's text is longer than {source.max_chars:,} characters "
                    f"(QUELLE_MAX_ARTICLE_CHARS); stopped reading after {n:,} paragraphs"
                )
            if source.over_time():
                raise source.error(
                    f"reading the Word document took more than {source.seconds:,.0f} s (stopped after {n:,} "
                    "paragraphs; a zip bomb?)"
                )
    return out


def load(source: Source) -> list[Article]:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    check_zip(source, "Word document")
    try:
        document = docx.Document(io.BytesIO(source.raw))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as e:
        raise source.error(f"not a readable Word document ({type(e).__name__}: {e})") from e
    props = document.core_properties
    blocks = _blocks(document, source)
    if not blocks:
        raise source.error("the Word document contains no text")

    title = normalise_text(as_str(props.title))
    heading_at = next((i for i, (style, _) in enumerate(blocks) if style.startswith(_HEADING_STYLES)), None)
    if heading_at is not None and heading_at <= 2 and (not title or blocks[heading_at][1] == title):
        title = blocks.pop(heading_at)[1]  # the headline is the title, not body text
    elif not title and len(blocks) > 1 and len(blocks[0][1]) <= 150:
        title = blocks.pop(0)[1]
    elif title and blocks[0][1] == title and len(blocks) > 1:
        blocks.pop(0)
    text = "\n".join(text for _, text in blocks)
    if not title:
        from ingest.formats.text import short_title

        title = short_title(text)

    date = find_date(text[:400])
    created = props.created.date().isoformat() if props.created else ""
    if not date and created and created != _TEMPLATE_CREATED:
        date = created
        source.notes.append(f"no date in the text; using the document's creation date {created}")
    author = as_str(props.author)
    if author.lower() in _TEMPLATE_AUTHORS:
        author = ""
    return [make_article(source, text=text, title=title, date=date, author=author, language=as_str(props.language))]
