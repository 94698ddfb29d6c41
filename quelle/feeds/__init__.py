"""News feeds: RSS/Atom, sitemaps (news sitemaps, indexes) and single article URLs, synced into the store.

    registry = open_registry(settings)                  # DATA_DIR/feeds.sqlite3
    added = add_feed(registry, settings, "https://…/feed.xml")
    report = Syncer(library, registry).run(targets(registry, []))

Modules: fetch (polite HTTP), parse (feeds, sitemaps), articles (page -> Article), registry (SQLite), sync (a pass),
report (how the CLI shows it). Faces: `quelle feeds add|list|remove`, `quelle sync [--every 15m]`, the app's
„Feeds“ section on the Artikel page."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from quelle.feeds.fetch import FetchError, Fetcher, canonical_url
from quelle.feeds.parse import KIND_LABEL, KINDS, ParseError
from quelle.feeds.registry import Feed, Registry, RegistryError
from quelle.feeds.settings import FeedSettings
from quelle.feeds.sync import SyncBusy, Syncer, SyncReport, detect

__all__ = [
    "AddResult",
    "Feed",
    "FeedSettings",
    "KINDS",
    "KIND_LABEL",
    "Registry",
    "RegistryError",
    "SyncBusy",
    "SyncReport",
    "Syncer",
    "add_feed",
    "open_registry",
    "parse_interval",
    "remove_feed",
    "targets",
]


def open_registry(settings) -> Registry:
    return Registry(settings.data_dir)


@dataclass
class AddResult:
    feed: Feed
    existed: bool = False
    notes: list[str] = field(default_factory=list)


def check_url(url: str) -> str:
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RegistryError(f"'{url}' is not an http(s) URL")
    return canonical_url(url)


def add_feed(
    registry: Registry,
    settings,
    url: str,
    name: str | None = None,
    kind: str | None = None,
    feed_settings: FeedSettings | None = None,
    transport=None,
    resolve=None,
) -> AddResult:
    """Store a feed, sitemap or article URL. Without `kind` the URL is fetched once to see what it is (and that it
    can be read); RegistryError with the reason when it cannot."""
    url = check_url(url)
    if kind is not None and kind not in KINDS:
        raise RegistryError(f"unknown kind '{kind}' (one of {', '.join(KINDS)})")
    existing = registry.find(url)
    notes: list[str] = []
    title = ""
    if kind is None:
        fs = feed_settings or FeedSettings()
        max_bytes = int(settings.max_file_mb * 1_000_000)
        try:
            with Fetcher(
                timeout=fs.timeout,
                rate=0,
                max_bytes=max_bytes,
                transport=transport,
                robots_cache=registry,
                robots_ttl=fs.robots_ttl,
                allow_hosts=fs.allow_hosts,
                deadline=fs.deadline,
                resolve=resolve,
            ) as fetcher:
                kind, title, notes, _ = detect(fetcher, url, max_bytes)
        except (FetchError, ParseError) as e:
            raise RegistryError(f"{url}: {e.reason} (to store it anyway, give --kind feed|sitemap|page)") from None
    given = (name or "").strip()
    if given:  # a name asked for is used as it is (RegistryError when another feed has it)
        name = " ".join(given.split())[:80]
    elif existing:
        name = existing.name
    else:
        name = registry.unique_name(" ".join((title.strip() or _name_from_url(url)).split())[:80], url)
    feed = registry.add(url, name, kind)
    return AddResult(feed, existed=existing is not None, notes=notes)


def _name_from_url(url: str) -> str:
    parts = urlsplit(url)
    return ((parts.hostname or "").removeprefix("www.") + parts.path.rstrip("/")) or url


def remove_feed(registry: Registry, name_or_url: str, library=None) -> tuple[Feed, list[str]]:
    """Forget a stored feed. With `library`, also delete the articles only this feed brought in.
    Returns (the feed, the deleted article ids)."""
    feed = registry.find(name_or_url)
    if feed is None:
        raise RegistryError(f"no stored feed named '{name_or_url}' (see 'quelle feeds list')")
    own = registry.remove(feed)
    deleted = []
    if library is not None:
        for article_id in own:
            if library.delete(article_id):
                deleted.append(article_id)
        registry.forget_articles(own)
    return feed, deleted


def targets(registry: Registry, names: list[str] | None) -> list[Feed]:
    """The feeds a pass goes over: all stored ones, or those named (by name or URL; a URL need not be stored)."""
    if not names:
        return registry.feeds()
    out: list[Feed] = []
    for name in names:
        feed = registry.find(name)
        if feed is None:
            if not re.match(r"(?i)^https?://", name.strip()):
                raise RegistryError(f"no stored feed named '{name}' (see 'quelle feeds list'; or give a URL)")
            url = check_url(name)
            feed = registry.find(url) or Feed(url=url, name=url, kind=None, stored=False)
        if feed.url not in {f.url for f in out}:
            out.append(feed)
    return out


_INTERVAL = re.compile(r"(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|d)", re.I)
_SECONDS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}


def parse_interval(value: str) -> float:
    """'15m' -> 900.0; also '90s', '1h', '1h30m', '2d'. ValueError for anything else or less than a second."""
    text = (value or "").strip().lower().replace(" ", "")
    pos, total = 0, 0.0
    for m in _INTERVAL.finditer(text):
        if m.start() != pos:
            break
        total += float(m[1]) * _SECONDS[m[2].lower()]
        pos = m.end()
    if not text or pos != len(text):
        raise ValueError(f"'{value}' is not an interval; write e.g. 90s, 15m, 1h or 1h30m")
    if total < 1:
        raise ValueError(f"the interval '{value}' is shorter than a second")
    return total
