"""What a fetched document is (RSS/Atom feed, sitemap, sitemap index, HTML page, PDF) and the entries it lists.

Feeds are read with feedparser (RSS 0.9x/1.0/2.0, Atom; content:encoded; lenient with broken XML), sitemaps with
lxml (urlset, Google news sitemaps, sitemap indexes; gzip). Nothing here touches the network."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import re
import zlib
from dataclasses import asdict, dataclass, field
from urllib.parse import urljoin, urlsplit

from ingest.dates import normalise_date

KINDS = ("feed", "sitemap", "page")  # what a stored source is: RSS/Atom, (news) sitemap or index, one article URL
KIND_LABEL = {"feed": "RSS/Atom", "sitemap": "Sitemap", "page": "Artikel-URL"}


class ParseError(Exception):
    """The document is not what it should be (HTML where XML was expected, malformed XML, …)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class Entry:
    """One item of a feed or sitemap: where the article is and what the feed says about it."""

    link: str = ""
    guid: str = ""
    title: str = ""
    date: str = ""  # ISO 8601 date (YYYY-MM-DD) when the feed gives one
    updated: str = ""  # the feed's own change marker (updated/lastmod), verbatim
    author: str = ""
    summary: str = ""  # plain text
    content: str = ""  # the full text the feed carries (content:encoded, atom:content), HTML
    source: str = ""  # the feed's title / news:publication name

    @property
    def key(self) -> str:
        """How the entry is recognised from pass to pass: its link, else its guid, else its title."""
        if self.link:
            return self.link
        if self.guid:
            return f"guid:{self.guid}"
        return "title:" + hashlib.sha1(self.title.encode("utf-8")).hexdigest()[:16]

    @property
    def fingerprint(self) -> str:
        """Changes when anything the feed says about the entry changes: then its page is fetched again."""
        data = json.dumps(asdict(self), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(data.encode("utf-8")).hexdigest()[:16]

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str | None) -> "Entry":
        data = json.loads(text or "{}")
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


@dataclass
class Document:
    kind: str  # feed | sitemap | sitemapindex | html | pdf
    title: str = ""
    entries: list[Entry] = field(default_factory=list)
    children: list[str] = field(default_factory=list)  # a sitemap index: the sitemaps it lists
    feed_links: list[str] = field(default_factory=list)  # an HTML page: the feeds it announces
    notes: list[str] = field(default_factory=list)
    format: str = ""  # e.g. rss20, atom10, news-sitemap


_HTML_START = re.compile(rb"^\s*(<!--.*?-->\s*)*(<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>])", re.I | re.S)
_XML_ROOT = re.compile(rb"<(?!\?|!)([A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)")


def unpack(raw: bytes, limit: int) -> bytes:
    """A gzip file (sitemap.xml.gz served as a file, not as Content-Encoding) unpacked, at most `limit` bytes."""
    if not raw.startswith(b"\x1f\x8b"):
        return raw
    out = bytearray()
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(raw)) as fh:
            while piece := fh.read(1 << 16):
                out += piece
                if len(out) > limit:
                    raise ParseError(f"the unpacked file is more than {limit / 1e6:,.1f} MB (QUELLE_MAX_FILE_MB)")
    except (OSError, EOFError, zlib.error) as e:
        raise ParseError(f"a broken gzip file ({e})") from None
    return bytes(out)


def sniff(raw: bytes) -> str:
    """'html', 'pdf', 'xml' or 'other' from the first bytes (the HTTP content type is often wrong)."""
    head = raw[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if b"%PDF-" in raw[:1024]:
        return "pdf"
    if _HTML_START.match(head):
        return "html"
    if head.startswith(b"<"):
        return "xml"
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16 XML
        return "xml"
    return "other"


def root_name(raw: bytes) -> str:
    """The local name of the XML root element ('rss', 'feed', 'RDF', 'urlset', 'sitemapindex', …), lower-case."""
    head = raw[:65536]
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        head = head.decode("utf-16", errors="ignore").encode("utf-8")
    head = re.sub(rb"<!--.*?-->", b"", head, flags=re.S)
    head = re.sub(rb"<!DOCTYPE[^>\[]*(\[.*?\])?\s*>", b"", head, flags=re.S | re.I)
    m = _XML_ROOT.search(head)
    return m.group(2).decode("ascii", "ignore").lower() if m else ""


def parse_document(raw: bytes, url: str, content_type: str = "", limit: int = 50_000_000) -> Document:
    """Read a fetched document. ParseError for XML that is neither a feed nor a sitemap, or cannot be read."""
    raw = unpack(raw, limit)
    kind = sniff(raw)
    if kind in ("html", "pdf"):
        doc = Document(kind)
        if kind == "html":
            doc.feed_links = announced_feeds(raw, url)
        return doc
    if not raw.strip():
        raise ParseError("an empty document")
    if kind == "other":
        ctype = content_type.split(";")[0].strip() or "unknown type"
        raise ParseError(f"neither XML nor HTML ({ctype}); expected an RSS/Atom feed or a sitemap")
    root = root_name(raw)
    if root in ("urlset", "sitemapindex"):
        return parse_sitemap(raw, url)
    if root in ("rss", "feed", "rdf", "channel"):
        return parse_feed(raw, url, content_type)
    if root in ("html", "head", "body"):
        return Document("html", feed_links=announced_feeds(raw, url))
    raise ParseError(f"XML, but neither an RSS/Atom feed nor a sitemap (root element <{root or '?'}>)")


def _xml_problem(raw: bytes) -> str | None:
    """lxml's complaint about the XML, or None when it is well-formed."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)
    try:
        etree.fromstring(raw, parser)
    except etree.XMLSyntaxError as e:
        return str(e.msg if hasattr(e, "msg") and e.msg else e)
    except ValueError as e:
        return str(e)
    return None


def parse_feed(raw: bytes, url: str, content_type: str = "") -> Document:
    import feedparser

    problem = _xml_problem(raw)
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    parsed = feedparser.parse(io.BytesIO(raw), response_headers=headers, sanitize_html=True, resolve_relative_uris=True)
    if problem and not parsed.entries:
        raise ParseError(f"malformed XML: {problem}")
    feed = parsed.get("feed", {})
    title = _plain(feed.get("title", ""))
    doc = Document("feed", title=title, format=parsed.get("version") or "feed")
    if problem:
        doc.notes.append(f"malformed XML ({problem}); read leniently, {len(parsed.entries)} entries found")
    for item in parsed.entries:
        link = _entry_link(item, url)
        date_raw = item.get("published") or item.get("updated") or item.get("created") or ""
        content = ""
        for c in item.get("content") or []:
            value = c.get("value") or ""
            if len(value) > len(content):
                content = value
        doc.entries.append(
            Entry(
                link=link,
                guid=str(item.get("id") or "").strip(),
                title=_plain(item.get("title", "")),
                date=normalise_date(date_raw) if date_raw else "",
                updated=str(item.get("updated") or date_raw),
                author=_plain(item.get("author", "")),
                summary=_plain(item.get("summary", "")),
                content=content,
                source=_plain((item.get("source") or {}).get("title", "")) or title,
            )
        )
    return doc


def _entry_link(item, base: str) -> str:
    link = item.get("link") or ""
    if not link:
        for candidate in item.get("links") or []:
            if candidate.get("href") and candidate.get("rel", "alternate") == "alternate":
                link = candidate["href"]
                break
    guid = str(item.get("id") or "")
    if not link and item.get("guidislink") and guid.startswith(("http://", "https://")):
        link = guid
    return _absolute(link, base)


def _absolute(link: str, base: str) -> str:
    link = (link or "").strip()
    if not link:
        return ""
    full = urljoin(base, link)
    return full if urlsplit(full).scheme in ("http", "https") else ""


def parse_sitemap(raw: bytes, url: str) -> Document:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False, recover=True)
    problem = _xml_problem(raw)
    try:
        root = etree.fromstring(raw, parser)
    except (etree.XMLSyntaxError, ValueError) as e:
        raise ParseError(f"malformed XML: {e}") from None
    if root is None:
        raise ParseError(f"malformed XML: {problem or 'no root element'}")
    local = etree.QName(root).localname.lower()
    doc = Document("sitemapindex" if local == "sitemapindex" else "sitemap", format="sitemap")

    def child_text(el, name: str) -> str:
        for c in el:
            if isinstance(c.tag, str) and etree.QName(c).localname.lower() == name:
                return (c.text or "").strip()
        return ""

    def find(el, name: str):
        for c in el.iter():
            if isinstance(c.tag, str) and etree.QName(c).localname.lower() == name:
                return c
        return None

    items = [el for el in root if isinstance(el.tag, str) and etree.QName(el).localname.lower() in ("url", "sitemap")]
    if problem:
        if not items:
            raise ParseError(f"malformed XML: {problem}")
        doc.notes.append(f"malformed XML ({problem}); read leniently, {len(items)} entries found")
    if doc.kind == "sitemapindex":
        doc.children = [u for u in (_absolute(child_text(el, "loc"), url) for el in items) if u]
        return doc
    entries = []
    for pos, el in enumerate(items):
        loc = _absolute(child_text(el, "loc"), url)
        lastmod = child_text(el, "lastmod")
        news = find(el, "news")
        title = date = source = ""
        if news is not None:
            doc.format = "news-sitemap"
            title = child_text(news, "title")
            date = child_text(news, "publication_date")
            publication = find(news, "publication")
            source = child_text(publication, "name") if publication is not None else ""
        entries.append(
            (
                -_sort_stamp(date or lastmod),
                pos,
                Entry(
                    link=loc,
                    title=title,
                    date=normalise_date(date) if date else "",
                    updated=lastmod or date,
                    source=source,
                ),
            )
        )
    doc.entries = [e for _, _, e in sorted(entries, key=lambda t: (t[0], t[1]))]  # newest first
    return doc


def _sort_stamp(value: str) -> float:
    iso = normalise_date(value) if value else ""
    if not iso:
        return 0.0
    parts = [int(x) for x in iso.split("-")] + [0, 0]
    return parts[0] * 400 + parts[1] * 32 + parts[2]


def announced_feeds(raw: bytes, base: str) -> list[str]:
    """The feeds an HTML page announces (<link rel="alternate" type="application/rss+xml" href=…>)."""
    try:
        import lxml.html

        tree = lxml.html.fromstring(raw[:2_000_000])
    except Exception:
        return []
    found = []
    for link in tree.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").lower()
        if "alternate" in rel and kind in ("application/rss+xml", "application/atom+xml", "application/feed+json"):
            href = _absolute(link.get("href") or "", base)
            if href and href not in found:
                found.append(href)
    return found


def html_to_text(html: str) -> str:
    """Plain text from an HTML fragment (a feed's content:encoded or summary), paragraphs kept apart."""
    from ingest.text import normalise_text

    if "<" not in html:
        import html as html_lib

        return normalise_text(html_lib.unescape(html))
    import lxml.html
    from lxml import etree

    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (etree.ParserError, ValueError):
        return normalise_text(re.sub(r"<[^>]+>", " ", html))
    for bad in root.xpath(".//script|.//style|.//noscript|.//iframe|.//form"):
        bad.drop_tree()
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        if el.tag in (
            "p",
            "div",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "li",
            "blockquote",
            "pre",
            "tr",
            "section",
            "article",
            "figure",
            "figcaption",
            "table",
            "ul",
            "ol",
        ):
            el.tail = "\n\n" + (el.tail or "")
        elif el.tag == "br":
            el.tail = "\n" + (el.tail or "")
    text = root.text_content()
    text = re.sub(r"[ \t\u00a0]+", " ", text)
    text = re.sub(r" *\n *", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return normalise_text(text.strip())


def _plain(value) -> str:
    value = str(value or "").strip()
    return html_to_text(value).replace("\n\n", "\n").strip() if value else ""
