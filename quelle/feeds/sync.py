"""One pass over feeds: fetch each feed (conditional GET), fetch the page of each new or changed entry, extract,
and ingest through the Library (ids from canonical URLs; the content hash decides unchanged/updated).

Used by `quelle sync` and the app's „Jetzt aktualisieren“. A stop request (threading.Event) ends the pass cleanly
between two entries: what was fetched is ingested and recorded, the rest waits for the next pass."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from filelock import FileLock, Timeout

from ingest.models import Article
from quelle.feeds.articles import ContentError, from_entry, from_page
from quelle.feeds.fetch import FetchError, Fetcher, Response
from quelle.feeds.parse import Document, Entry, ParseError, parse_document
from quelle.feeds.registry import Feed, Outcome, PageState, Registry
from quelle.feeds.settings import FeedSettings

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, "
    "application/x-gzip;q=0.5, */*;q=0.1"
)
PAGE_ACCEPT = "text/html, application/xhtml+xml, application/pdf;q=0.9, */*;q=0.5"
BATCH = 16  # articles fetched before they are ingested together (and recorded as done)
MAX_CHILD_SITEMAPS = 20  # of a sitemap index, the first this many sitemaps are read per pass

STATUSES = ("new", "updated", "unchanged", "failed")
_FROM_LIBRARY = {
    "added": "new",
    "updated": "updated",
    "unchanged": "unchanged",
    "duplicate": "unchanged",
    "failed": "failed",
}


@dataclass
class EntryResult:
    url: str  # the entry's link ('' when it has none)
    status: str  # new | updated | unchanged | failed
    title: str = ""
    article_id: str = ""
    chunks: int = 0
    message: str = ""

    @property
    def label(self) -> str:
        """How the entry is named in reports: its link, else its title."""
        return self.url or f"„{self.title or '(ohne Titel)'}“"


@dataclass
class FeedResult:
    name: str
    url: str
    kind: str | None
    status: str = "ok"  # ok | not_modified | failed | interrupted
    message: str = ""
    entries: list[EntryResult] = field(default_factory=list)
    settled: int = 0  # entries known and stored, not touched in this pass
    deferred: int = 0  # new or changed entries left for the next pass (--max-entries)
    notes: list[str] = field(default_factory=list)

    def count(self, status: str) -> int:
        n = sum(1 for e in self.entries if e.status == status)
        return n + (self.settled if status == "unchanged" else 0)

    def summary(self) -> dict:
        return {s: self.count(s) for s in STATUSES}


@dataclass
class SyncReport:
    feeds: list[FeedResult] = field(default_factory=list)
    interrupted: bool = False

    def summary(self) -> dict:
        return {s: sum(f.count(s) for f in self.feeds) for s in STATUSES}

    @property
    def ok(self) -> bool:
        """The pass ran: at least one feed could be read (entries may still have failed)."""
        return any(f.status != "failed" for f in self.feeds)

    @property
    def chunks_written(self) -> int:
        return sum(e.chunks for f in self.feeds for e in f.entries)


Progress = Callable[[str, int, int, str], None]  # (what: feed | entries | chunks, done, total, label)


class SyncBusy(Exception):
    pass


class Syncer:
    def __init__(
        self,
        library,
        registry: Registry,
        settings: FeedSettings | None = None,
        *,
        progress: Progress | None = None,
        stop: threading.Event | None = None,
        on_wait: Callable[[], None] | None = None,
        transport=None,
        resolve=None,
    ):
        self.library = library
        self.registry = registry
        self.settings = settings or FeedSettings()
        self.progress = progress or (lambda *a: None)
        self.stop = stop or threading.Event()
        self.on_wait = on_wait
        self.transport = transport  # tests: an httpx transport
        self.resolve = resolve  # tests: (host, port) -> [address, ...] instead of DNS
        self._chunks_before = 0
        self._chunks_total = 0

    def max_bytes(self) -> int:
        return int(self.library.settings.max_file_mb * 1_000_000)

    def fetcher(self) -> Fetcher:
        s = self.settings
        return Fetcher(
            timeout=s.timeout,
            rate=s.rate,
            max_bytes=self.max_bytes(),
            stop=self.stop,
            transport=self.transport,
            robots_cache=self.registry,
            robots_ttl=s.robots_ttl,
            allow_hosts=s.allow_hosts,
            deadline=s.deadline,
            resolve=self.resolve,
        )

    # --- a pass ---------------------------------------------------------------------------------------------
    def run(self, feeds: list[Feed], wait: bool = True) -> SyncReport:
        """One pass over `feeds`, one at a time. Two passes on one data dir never run at once (a lock file). The
        pass is one for the watched questions: they are checked once at its end (Library.one_pass)."""
        with self.library.one_pass():
            return self._run(feeds, wait)

    def _run(self, feeds: list[Feed], wait: bool) -> SyncReport:
        lock = FileLock(str(Path(self.library.settings.data_dir) / ".feeds-sync.lock"))
        try:
            lock.acquire(timeout=0.5)
        except Timeout:
            if not wait:
                raise SyncBusy("another sync is running on this data dir") from None
            if self.on_wait:
                self.on_wait()
            lock.acquire()
        report = SyncReport()
        try:
            with self.fetcher() as fetcher:
                for i, feed in enumerate(feeds):
                    if self.stop.is_set():
                        report.interrupted = True
                        break
                    self.progress("feed", i, len(feeds), feed.name)
                    result = self.sync_feed(fetcher, feed)
                    report.feeds.append(result)
                    if feed.stored:
                        self.registry.record_sync(feed.url, result.status, result.message, result.summary())
                    if result.status == "interrupted":
                        report.interrupted = True
                        break
                self.progress("feed", len(report.feeds), len(feeds), "")
        finally:
            lock.release()
        return report

    def sync_feed(self, fetcher: Fetcher, feed: Feed) -> FeedResult:
        result = FeedResult(feed.name, feed.url, feed.kind)
        try:
            if feed.kind == "page":
                self._sync_page(fetcher, feed, result, None)
            else:
                self._sync_listing(fetcher, feed, result)
        except (FetchError, ParseError) as e:
            result.status, result.message = "failed", e.reason
        except Exception as e:  # one broken feed never stops the pass
            result.status, result.message = "failed", f"{type(e).__name__}: {e}"
        return result

    # --- feeds and sitemaps -----------------------------------------------------------------------------
    def _sync_listing(self, fetcher: Fetcher, feed: Feed, result: FeedResult) -> None:
        etag, modified = self.registry.validators(feed.url)
        resp = fetcher.get(feed.url, etag, modified, accept=FEED_ACCEPT)
        if resp.not_modified:
            result.status = "not_modified"
            if self.registry.children(feed.url):  # a sitemap index: its sitemaps can change on their own
                self._read_children(fetcher, feed, self.registry.children(feed.url), result)
        else:
            doc = parse_document(resp.content, resp.url, resp.content_type, self.max_bytes())
            if doc.kind in ("html", "pdf"):
                if feed.kind is None:  # `quelle sync URL` of a page: it is the article
                    result.kind = feed.kind = "page"
                    return self._sync_page(fetcher, feed, result, resp)
                raise ParseError(_not_xml(doc, feed.kind))
            result.kind = "sitemap" if doc.kind.startswith("sitemap") else "feed"
            result.notes += doc.notes
            if doc.kind == "sitemapindex":
                children = doc.children
                self.registry.store_entries(feed.url, feed.url, [], resp.etag, resp.last_modified, children)
                self.registry.keep_docs(feed.url, children)
                self._read_children(fetcher, feed, children, result)
            else:
                self.registry.store_entries(feed.url, feed.url, doc.entries, resp.etag, resp.last_modified)
        self._handle_entries(fetcher, feed, result)

    def _read_children(self, fetcher: Fetcher, feed: Feed, children: list[str], result: FeedResult) -> None:
        if len(children) > MAX_CHILD_SITEMAPS:
            result.notes.append(
                f"the sitemap index lists {len(children):,} sitemaps; the first {MAX_CHILD_SITEMAPS} are read"
            )
        for child in children[:MAX_CHILD_SITEMAPS]:
            if self.stop.is_set():
                return
            etag, modified = self.registry.validators(child)
            try:
                resp = fetcher.get(child, etag, modified, accept=FEED_ACCEPT)
                if resp.not_modified:
                    continue
                doc = parse_document(resp.content, resp.url, resp.content_type, self.max_bytes())
                if doc.kind != "sitemap":
                    raise ParseError(
                        "a sitemap index inside a sitemap index is not followed"
                        if doc.kind == "sitemapindex"
                        else _not_xml(doc, "sitemap")
                    )
            except (FetchError, ParseError) as e:
                result.notes.append(f"sitemap {child}: {e.reason}")
                continue
            result.notes += [f"sitemap {child}: {n}" for n in doc.notes]
            self.registry.store_entries(feed.url, child, doc.entries, resp.etag, resp.last_modified)

    def _handle_entries(self, fetcher: Fetcher, feed: Feed, result: FeedResult) -> None:
        todo, total = self.registry.todo(feed.url, self.settings.max_entries)
        result.deferred = total - len(todo)
        done_keys: set[str] = set()
        batch: list[tuple[str, str, Entry, Article, list[str], PageState | None]] = []
        self.progress("entries", 0, len(todo), feed.name)
        for i, (key, entry, fingerprint) in enumerate(todo):
            if self.stop.is_set():
                result.status = "interrupted"
                result.deferred = total - i
                break
            done_keys.add(key)
            got = self._entry_article(fetcher, key, entry, fingerprint, result)
            if got is not None:
                batch.append((key, fingerprint, entry, *got))
            if len(batch) >= BATCH:
                self._ingest(feed, batch, result)
                batch = []
            self.progress("entries", i + 1, len(todo), feed.name)
        self._ingest(feed, batch, result)
        result.settled = len(self.registry.settled(feed.url) - done_keys)
        if result.deferred and result.status != "interrupted":
            result.notes.append(
                f"{result.deferred:,} more new or changed entries wait for the next pass "
                f"(at most {self.settings.max_entries} per pass, --max-entries)"
            )

    def _entry_article(
        self,
        fetcher: Fetcher,
        key: str,
        entry: Entry,
        fingerprint: str,
        result: FeedResult,
        response: Response | None = None,
    ):
        """(article, notes, page state to save) for one entry, or None when it is settled here (unchanged page,
        or a failure, both recorded at once)."""

        def settle(status: str, message: str = "", retry: bool = False, article_id: str = "") -> None:
            result.entries.append(
                EntryResult(
                    entry.link, "unchanged" if status == "ok" else "failed", entry.title, article_id, message=message
                )
            )
            self.registry.record(result.url, [Outcome(key, fingerprint, status, retry, message, article_id)])

        if not entry.link:
            settle("failed", "the entry has no link")
            return None
        try:
            if response is None:
                known = self._known_page(entry.link)
                response = fetcher.get(
                    entry.link, *(known.etag, known.last_modified) if known else (None, None), accept=PAGE_ACCEPT
                )
                if response.not_modified and known:
                    settle("ok", "", article_id=known.article_id)
                    return None
            article, notes = from_page(response, entry)
            page = PageState(entry.link, response.url, article.article_id, "", response.etag, response.last_modified)
            return article, notes, page
        except (FetchError, ContentError) as e:
            fallback = from_entry(entry, e.reason)
            if fallback is not None:
                return fallback[0], fallback[1], None
            settle("failed", e.reason, retry=isinstance(e, FetchError) and e.retry)
            return None

    def _known_page(self, url: str) -> PageState | None:
        """The page's saved validators — only while the store still holds its article as it was then."""
        known = self.registry.page(url)
        if not known or not known.article_id:
            return None
        head, complete = self.library.r.index.article_status(known.article_id)
        if not head or not complete or (known.content_hash and head.get("content_hash") != known.content_hash):
            return None
        return known

    # --- a single article URL --------------------------------------------------------------------------
    def _sync_page(self, fetcher: Fetcher, feed: Feed, result: FeedResult, response: Response | None) -> None:
        entry = Entry(link=feed.url)
        fingerprint = self.registry.ensure_entry(feed.url, entry)
        self.progress("entries", 0, 1, feed.name)
        if response is None:
            known = self._known_page(feed.url)
            response = fetcher.get(
                feed.url, *(known.etag, known.last_modified) if known else (None, None), accept=PAGE_ACCEPT
            )
            if response.not_modified and known:
                result.status = "not_modified"
                result.settled = 1
                self.registry.record(feed.url, [Outcome(entry.key, fingerprint, "ok", article_id=known.article_id)])
                self.progress("entries", 1, 1, feed.name)
                return
        got = self._entry_article(fetcher, entry.key, entry, fingerprint, result, response)
        if got is not None:
            self._ingest(feed, [(entry.key, fingerprint, entry, *got)], result)
        self.progress("entries", 1, 1, feed.name)
        if result.entries and result.entries[0].status == "failed":
            result.status, result.message = "failed", result.entries[0].message

    # --- into the store ---------------------------------------------------------------------------------
    def _ingest(self, feed: Feed, batch: list, result: FeedResult) -> None:
        if not batch:
            return
        primary: dict[str, int] = {}  # article id -> its place in `articles`
        articles: list[Article] = []
        for _, _, _, article, _, _ in batch:
            if article.article_id not in primary:  # the same article twice (two links to one canonical URL)
                primary[article.article_id] = len(articles)
                articles.append(article)
        report = self.library.add_articles(articles, progress=self._chunk_progress, on_wait=self.on_wait)
        self._chunks_before = self._chunks_total
        outcomes, seen = [], set()
        for key, fingerprint, entry, article, notes, page in batch:
            res = report.files[primary[article.article_id]]
            status = _FROM_LIBRARY.get(res.status, "failed")
            message = "; ".join(m for m in (*notes, res.message) if m)
            chunks = res.chunks
            if article.article_id in seen:
                chunks = 0
                if status != "failed":
                    status = "unchanged"
                    message = "; ".join(m for m in (message, "the same article as another entry") if m)
            seen.add(article.article_id)
            stored_as = res.articles[0] if res.articles else article.article_id  # a duplicate: the original's id
            result.entries.append(EntryResult(entry.link, status, article.title, stored_as, chunks, message))
            ok = status != "failed"
            if page is not None and ok:
                page.article_id, page.content_hash = stored_as, article.content_hash
            outcomes.append(
                Outcome(
                    key,
                    fingerprint,
                    "ok" if ok else "failed",
                    retry=not ok and res.message.startswith("could not store"),
                    message=message,
                    article_id=stored_as if ok else "",
                    page=page if ok else None,
                )
            )
        self.registry.record(feed.url, outcomes)

    def _chunk_progress(self, what: str, done: int, total: int) -> None:
        if what == "chunks":
            self._chunks_total = self._chunks_before + total
            self.progress("chunks", self._chunks_before + done, self._chunks_total, "")


def _not_xml(doc: Document, kind: str | None) -> str:
    what = "an RSS/Atom feed" if kind == "feed" else "a sitemap" if kind == "sitemap" else "a feed or sitemap"
    if doc.kind == "pdf":
        return f"a PDF where {what} was expected"
    hint = f"; the page announces the feed {doc.feed_links[0]}" if doc.feed_links else ""
    return f"HTML where XML was expected (a web page, not {what}){hint}"


def detect(fetcher: Fetcher, url: str, max_bytes: int) -> tuple[str, str, list[str], Response]:
    """What a URL is, for `quelle feeds add`: (kind, a title for its name, notes, the response)."""
    resp = fetcher.get(url, accept=FEED_ACCEPT)
    doc = parse_document(resp.content, resp.url, resp.content_type, max_bytes)
    notes = list(doc.notes)
    if doc.kind == "feed":
        return "feed", doc.title, notes, resp
    if doc.kind in ("sitemap", "sitemapindex"):
        kind = "sitemap index" if doc.kind == "sitemapindex" else doc.format.replace("-", " ")
        return "sitemap", f"{_host_of(resp.url)} ({kind})", notes, resp
    title = ""
    if doc.kind == "html":
        title = _html_title(resp.content)
        notes += [f"the page announces a feed: {link} (add that URL to follow the site)" for link in doc.feed_links]
    return "page", title or Path(resp.url.rstrip("/")).name or _host_of(resp.url), notes, resp


def _host_of(url: str) -> str:
    from urllib.parse import urlsplit

    return (urlsplit(url).hostname or url).removeprefix("www.")


def _html_title(raw: bytes) -> str:
    try:
        import lxml.html

        tree = lxml.html.fromstring(raw[:2_000_000])
        for xpath in ("//meta[@property='og:title']/@content", "//title/text()", "//h1//text()"):
            found = [t.strip() for t in tree.xpath(xpath) if t and t.strip()]
            if found:
                return " ".join(found[0].split())
    except Exception:
        pass
    return ""
