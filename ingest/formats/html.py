"""Saved news pages: the article's main text and metadata with trafilatura; navigation, ads, comments and
cookie banners are left out."""

from __future__ import annotations

import re
import warnings

from ingest.formats.base import Source, as_str, make_article
from ingest.models import Article
from ingest.text import normalise_quotes, normalise_text

_PROSE = re.compile(r"(?m)^.*\w.{30,}[.!?…\"“”]\s*$")  # a line of running text ending like a sentence


def extract(html: str, precise: bool = True) -> dict:
    """trafilatura's reading of a page as a dict (text, title, author, date, url, sitename, hostname...)."""
    import trafilatura

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        doc = trafilatura.bare_extraction(
            html,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            include_images=False,
            favor_precision=precise,
            favor_recall=not precise,
            date_extraction_params={"extensive_search": True, "original_date": True},
        )
    if doc is None:
        return {}
    return doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)


def load(source: Source) -> list[Article]:
    html = source.text()
    if "<" not in html:
        raise source.error("not an HTML page (no markup found)")
    got = extract(html)
    if not as_str(got.get("text")):  # precision mode drops short pages entirely: try once more for recall,
        recall = extract(html, precise=False)  # but keep it only if it holds a real sentence, not menu items
        if _PROSE.search(as_str(recall.get("text"))):
            got = recall
    text = normalise_quotes(normalise_text(as_str(got.get("text"))))
    title = normalise_text(as_str(got.get("title")))
    first, _, rest = text.partition("\n")
    if title and first.strip() == title:  # the headline repeated as the first line of the text
        text = rest.strip()
    if not _PROSE.search(text):
        raise source.error("no article text found in the HTML page (only navigation, ads or an empty body)")
    if not title:
        from ingest.formats.text import title_from_body

        title, text = title_from_body(text)
    return [
        make_article(
            source,
            text=text,
            title=title,
            date=got.get("date"),
            url=as_str(got.get("url")),
            site=as_str(got.get("sitename")) or as_str(got.get("hostname")),
            author=as_str(got.get("author")),
            language=as_str(got.get("language")),
        )
    ]
