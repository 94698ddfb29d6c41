"""A real HTTP server on a free loopback port for the feed tests: pages and feeds made on the spot, ETag and
Last-Modified support (304), gzip, redirects, delays, and a count of requests per path.

    with FeedServer() as srv:
        srv.page("/a/eins", article_html("Titel", ["Satz eins …"]))
        srv.route("/feed.xml", rss(srv, [item("/a/eins", "Titel")]), "application/rss+xml")
        srv.url("/feed.xml"); srv.hits["/a/eins"]
"""

from __future__ import annotations

import gzip
import hashlib
import html
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    etag: bool = True  # answer If-None-Match with 304
    last_modified: str | None = None  # send Last-Modified and answer If-Modified-Since with 304
    delay: float = 0.0  # seconds before answering
    gzip: bool = False  # Content-Encoding: gzip when the client accepts it
    location: str = ""  # a redirect target (status 301/302)
    headers: dict = field(default_factory=dict)

    @property
    def tag(self) -> str:
        return '"' + hashlib.sha1(self.body).hexdigest()[:16] + '"'


class FeedServer:
    """`host`: the loopback address to serve on (any of 127/8 works on Linux, e.g. 127.0.0.2 for an "internal"
    host); `port`: 0 picks a free one."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.routes: dict[str, Route] = {}
        self.hits: Counter = Counter()  # path -> requests (304s included)
        self.full: Counter = Counter()  # path -> requests answered with a body (200)
        self.log: list[tuple[float, str, dict]] = []  # (monotonic time, path, request headers)
        self.lock = threading.Lock()
        self.generate = None  # path -> Route | None, for paths without a route (e.g. 10,000 generated pages)
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                path = self.path.split("#")[0]
                with server.lock:
                    server.hits[path] += 1
                    server.log.append((time.monotonic(), path, dict(self.headers)))
                    route = server.routes.get(path) or server.routes.get(path.split("?")[0])
                if route is None and server.generate is not None:
                    route = server.generate(path.split("?")[0])
                if route is None:
                    return self._send(404, b"<html><body>Not found</body></html>", "text/html")
                if route.delay:
                    time.sleep(route.delay)
                if route.location:
                    self.send_response(route.status)
                    self.send_header("Location", route.location)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if route.status != 200:
                    return self._send(route.status, route.body or b"error", route.content_type)
                if route.etag and self.headers.get("If-None-Match") == route.tag:
                    return self._not_modified(route)
                if route.last_modified and self.headers.get("If-Modified-Since") == route.last_modified:
                    return self._not_modified(route)
                with server.lock:
                    server.full[path] += 1
                body, extra = route.body, dict(route.headers)
                if route.gzip and "gzip" in (self.headers.get("Accept-Encoding") or ""):
                    body, extra["Content-Encoding"] = gzip.compress(body), "gzip"
                if route.etag:
                    extra["ETag"] = route.tag
                if route.last_modified:
                    extra["Last-Modified"] = route.last_modified
                self._send(200, body, route.content_type, extra)

            def _not_modified(self, route: Route):
                self.send_response(304)
                if route.etag:
                    self.send_header("ETag", route.tag)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def _send(self, status, body, ctype, extra=None):
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for k, v in (extra or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):  # a client that hung up is no error here
                import sys

                if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
                    super().handle_error(request, client_address)

        self.httpd = Server((host, port), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base = f"http://{host}:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> "FeedServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def url(self, path: str) -> str:
        return self.base + path

    def route(self, path: str, body: bytes | str = b"", content_type: str = "text/html; charset=utf-8", **kw) -> Route:
        r = Route(body.encode("utf-8") if isinstance(body, str) else body, content_type, **kw)
        with self.lock:
            self.routes[path] = r
        return r

    def page(self, path: str, body: str, **kw) -> Route:
        return self.route(path, body, "text/html; charset=utf-8", **kw)

    def reset_counts(self) -> None:
        with self.lock:
            self.hits.clear()
            self.full.clear()
            self.log.clear()


def article_html(
    title: str,
    paragraphs: list[str],
    *,
    date: str = "",
    site: str = "Stadtkurier",
    canonical: str = "",
    author: str = "",
) -> str:
    meta = [f'<meta property="og:site_name" content="{html.escape(site)}">'] if site else []
    if date:
        meta.append(f'<meta property="article:published_time" content="{date}">')
    if canonical:
        meta.append(f'<link rel="canonical" href="{html.escape(canonical)}">')
    if author:
        meta.append(f'<meta name="author" content="{html.escape(author)}">')
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (
        f'<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f'{"".join(meta)}</head><body><nav><a href="/">Start</a> · <a href="/politik">Politik</a></nav>'
        f"<article><h1>{html.escape(title)}</h1>\n{body}\n</article><footer>Impressum · Datenschutz</footer>"
        f"</body></html>"
    )


def item(
    link: str | None,
    title: str,
    *,
    date: str = "Mon, 16 Mar 2026 08:00:00 +0100",
    summary: str = "",
    content: str = "",
    guid: str = "",
) -> str:
    parts = [f"<title>{html.escape(title)}</title>"]
    if link is not None:
        parts.append(f"<link>{html.escape(link)}</link>")
    if guid:
        parts.append(f'<guid isPermaLink="false">{html.escape(guid)}</guid>')
    if date:
        parts.append(f"<pubDate>{date}</pubDate>")
    if summary:
        parts.append(f"<description>{html.escape(summary)}</description>")
    if content:
        parts.append(f"<content:encoded><![CDATA[{content}]]></content:encoded>")
    return "<item>" + "".join(parts) + "</item>"


def rss(items: list[str], title: str = "Stadtkurier – Nachrichten") -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
        f"<title>{html.escape(title)}</title><link>http://127.0.0.1/</link><description>Test</description>"
        + "".join(items)
        + "</channel></rss>"
    )


def atom(entries: list[tuple[str, str, str]], title: str = "Atom-Kurier") -> str:
    """entries: (link, title, updated ISO)."""
    body = "".join(
        f'<entry><title>{html.escape(t)}</title><link rel="alternate" href="{html.escape(link)}"/>'
        f"<id>{html.escape(link)}</id><updated>{u}</updated></entry>"
        for link, t, u in entries
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{html.escape(title)}</title><id>urn:test</id><updated>2026-03-16T08:00:00Z</updated>{body}</feed>"
    )


def sitemap(urls: list[tuple[str, str]], news: bool = False) -> str:
    """urls: (loc, lastmod or publication date)."""
    ns = ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"' if news else ""
    rows = []
    for loc, when in urls:
        extra = (
            (
                f"<news:news><news:publication><news:name>Stadtkurier</news:name><news:language>de</news:language>"
                f"</news:publication><news:publication_date>{when}</news:publication_date>"
                f"<news:title>Nachricht</news:title></news:news>"
            )
            if news
            else f"<lastmod>{when}</lastmod>"
        )
        rows.append(f"<url><loc>{html.escape(loc)}</loc>{extra}</url>")
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"{ns}>'
        + "".join(rows)
        + "</urlset>"
    )


def sitemap_index(locs: list[str]) -> str:
    rows = "".join(f"<sitemap><loc>{html.escape(loc)}</loc></sitemap>" for loc in locs)
    return (
        '<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + rows
        + "</sitemapindex>"
    )


def http_date(seconds: float | None = None) -> str:
    return formatdate(seconds if seconds is not None else time.time(), usegmt=True)
