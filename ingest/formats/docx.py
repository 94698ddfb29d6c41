"""Word documents (.docx) with python-docx: paragraphs and tables in reading order; the title from the
document properties, else the first heading."""

from __future__ import annotations

import io
import zipfile

from ingest.dates import find_date
from ingest.formats.base import Source, as_str, make_article
from ingest.models import Article
from ingest.text import normalise_quotes, normalise_text

_TEMPLATE_AUTHORS = {"python-docx", "unknown", "user", "benutzer", "administrator", "windows user"}
_TEMPLATE_CREATED = "2013-12-23"  # python-docx's default template; not the article's date
_HEADING_STYLES = ("title", "titel", "heading", "überschrift", "subtitle")


def _blocks(document) -> list[tuple[str, str]]:
    """(style name, text) of every paragraph and table row, in document order."""
    out = []
    for block in document.iter_inner_content():
        if hasattr(block, "rows"):  # a table: one line per row, cells separated by ' | '
            for row in block.rows:
                cells = []
                for cell in row.cells:
                    t = " ".join(cell.text.split())
                    if t and (not cells or cells[-1] != t):  # merged cells repeat their text
                        cells.append(t)
                if cells:
                    out.append(("table", " | ".join(cells)))
        else:
            style = (block.style.name if block.style is not None else "") or ""
            out.append((style.lower(), block.text))
    return out


def load(source: Source) -> list[Article]:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(source.raw))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as e:
        raise source.error(f"not a readable Word document ({type(e).__name__}: {e})") from e
    props = document.core_properties
    blocks = [(style, normalise_quotes(normalise_text(text))) for style, text in _blocks(document)]
    blocks = [(style, text) for style, text in blocks if text]
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
