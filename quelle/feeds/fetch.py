"""Polite HTTP for feeds and pages (httpx): conditional GET, per-host rate limit, robots.txt, timeouts, a size limit,
gzip, redirects, a User-Agent naming Quelle. Every failure becomes a FetchError with one clear reason."""

from __future__ import annotations

import threading
import time
import urllib.robotparser
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import httpx

ROBOTS_AGENT = "Quelle"  # the product token robots.txt rules are matched against
MAX_REDIRECTS = 5
MAX_CRAWL_DELAY = 30.0  # a robots.txt Crawl-delay above this is capped (seconds)


def user_agent() -> str:
    try:
        from importlib.metadata import version

        v = version("quelle")
    except Exception:
        v = "0.1.0"
    return f"{ROBOTS_AGENT}/{v} (news question answering; feed reader)"


class FetchError(Exception):
    """A URL could not be fetched. `retry`: worth trying again on the next pass (network, server trouble);
    False when the answer will stay the same (robots.txt, size limit, not an http URL)."""

    def __init__(self, url: str, reason: str, retry: bool = True, status: int | None = None):
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.retry = retry
        self.status = status


@dataclass
class Response:
    url: str  # the final URL, after redirects
    status: int  # 200, or 304 (not modified: content is empty)
    content: bytes = b""
    content_type: str = ""
    etag: str | None = None
    last_modified: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def host_key(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


class _HostClock:
    """At most `rate` requests per second per host (0: no limit); a robots.txt Crawl-delay can slow a host down."""

    def __init__(self, rate: float, stop: threading.Event | None):
        self.interval = 1.0 / rate if rate and rate > 0 else 0.0
        self.stop = stop
        self.next_at: dict[str, float] = {}
        self.delay: dict[str, float] = {}
        self.lock = threading.Lock()

    def wait_turn(self, url: str) -> None:
        host = host_key(url)
        with self.lock:
            now = time.monotonic()
            at = max(now, self.next_at.get(host, 0.0))
            self.next_at[host] = at + max(self.interval, self.delay.get(host, 0.0))
        pause = at - now
        if pause > 0:
            if self.stop is not None:
                self.stop.wait(pause)  # a stop request is not held up by the rate limit
            else:
                time.sleep(pause)


class Fetcher:
    """One pass's HTTP client. Use as a context manager. `max_bytes` bounds every body (after decompression)."""

    def __init__(
        self,
        *,
        timeout: float = 20.0,
        rate: float = 1.0,
        max_bytes: int = 50_000_000,
        respect_robots: bool = True,
        stop: threading.Event | None = None,
        transport: httpx.BaseTransport | None = None,
        robots_cache=None,
        robots_ttl: float = 86400.0,
    ):
        """`robots_cache`: an object with robots_get(host) -> (status, body, fetched epoch) | None and
        robots_put(host, status, body) (the Registry); a copy younger than `robots_ttl` seconds is used as it is."""
        self.timeout = timeout
        self.robots_cache = robots_cache
        self.robots_ttl = robots_ttl
        self.max_bytes = max_bytes
        self.respect_robots = respect_robots
        self.clock = _HostClock(rate, stop)
        self.robots: dict[str, urllib.robotparser.RobotFileParser | FetchError] = {}
        self.requests = 0
        self.client = httpx.Client(
            headers={"User-Agent": user_agent(), "Accept-Language": "de, en;q=0.8, *;q=0.5"},
            timeout=httpx.Timeout(timeout),
            follow_redirects=True,
            max_redirects=MAX_REDIRECTS,
            event_hooks={"request": [self._before_request]},
            transport=transport,
            trust_env=False,
        )

    def __enter__(self) -> "Fetcher":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.client.close()

    # --- every request, redirects included, passes here --------------------------------------------------
    def _before_request(self, request: httpx.Request) -> None:
        url = str(request.url)
        if self.respect_robots and request.url.path != "/robots.txt":
            self._check_robots(url)
        self.clock.wait_turn(url)
        self.requests += 1

    def _check_robots(self, url: str) -> None:
        host = host_key(url)
        rules = self.robots.get(host)
        if rules is None:
            rules = self.robots[host] = self._load_robots(host)
        if isinstance(rules, FetchError):
            raise FetchError(url, rules.reason, rules.retry)
        if not rules.can_fetch(ROBOTS_AGENT, url):
            raise FetchError(url, "blocked by the site's robots.txt", retry=False)

    def _load_robots(self, host: str) -> urllib.robotparser.RobotFileParser | FetchError:
        """RFC 9309: 4xx -> no rules; 5xx or unreachable -> nothing may be fetched (for this pass)."""
        rules = urllib.robotparser.RobotFileParser(host + "/robots.txt")
        cached = self.robots_cache.robots_get(host) if self.robots_cache is not None else None
        if cached and 0 <= time.time() - cached[2] < self.robots_ttl:
            status, body = cached[0], cached[1]
        else:
            try:
                resp = self._get(host + "/robots.txt", {}, limit=500_000)
                status, body = 200, resp.content.decode("utf-8", errors="replace")
            except FetchError as e:
                if e.status is None or not 400 <= e.status < 500:
                    reason = (
                        e.reason if e.status is None else f"robots.txt answered {e.reason}; the site is not fetched"
                    )
                    return FetchError(host, reason, e.retry)
                status, body = e.status, ""
            if self.robots_cache is not None:
                self.robots_cache.robots_put(host, status, body)
        if status != 200:  # 4xx: no rules
            rules.allow_all = True
            return rules
        rules.parse(body.splitlines())
        delay = rules.crawl_delay(ROBOTS_AGENT)
        if delay:
            self.clock.delay[host] = min(float(delay), MAX_CRAWL_DELAY)
        return rules

    # --- GET ------------------------------------------------------------------------------------------------
    def get(self, url: str, etag: str | None = None, last_modified: str | None = None, accept: str = "*/*") -> Response:
        """GET `url`; with `etag`/`last_modified` a conditional GET (an unchanged resource answers 304)."""
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return self._get(url, headers, self.max_bytes)

    def _get(self, url: str, headers: dict, limit: int) -> Response:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise FetchError(url, "not an http(s) URL", retry=False)
        try:
            with self.client.stream("GET", url, headers=headers) as r:
                if r.status_code == 304:
                    return Response(
                        str(r.url),
                        304,
                        etag=r.headers.get("etag") or headers.get("If-None-Match"),
                        last_modified=r.headers.get("last-modified") or headers.get("If-Modified-Since"),
                    )
                if r.status_code >= 400:
                    raise FetchError(
                        url,
                        f"HTTP {r.status_code} {r.reason_phrase}".strip(),
                        retry=r.status_code != 410,
                        status=r.status_code,
                    )
                if r.status_code != 200:
                    raise FetchError(
                        url, f"unexpected answer HTTP {r.status_code} {r.reason_phrase}".strip(), status=r.status_code
                    )
                declared = r.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > limit:
                    raise FetchError(url, _too_large(int(declared), limit), retry=False)
                body = bytearray()
                for piece in r.iter_bytes():
                    body += piece
                    if len(body) > limit:
                        raise FetchError(url, _too_large(None, limit), retry=False)
                return Response(
                    str(r.url),
                    200,
                    bytes(body),
                    r.headers.get("content-type", ""),
                    r.headers.get("etag"),
                    r.headers.get("last-modified"),
                )
        except FetchError:
            raise
        except httpx.TimeoutException:
            raise FetchError(url, f"timed out after {self.timeout:g} s") from None
        except httpx.TooManyRedirects:
            raise FetchError(url, f"more than {MAX_REDIRECTS} redirects") from None
        except httpx.ConnectError as e:
            raise FetchError(url, _connect_reason(parts, e)) from None
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as e:
            raise FetchError(url, f"the connection broke off ({_short(e)})") from None
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as e:
            raise FetchError(url, f"not a usable URL ({_short(e)})", retry=False) from None
        except httpx.DecodingError as e:
            raise FetchError(url, f"the compressed answer could not be unpacked ({_short(e)})") from None
        except httpx.HTTPError as e:
            raise FetchError(url, f"{type(e).__name__}: {_short(e)}") from None


def _too_large(size: int | None, limit: int) -> str:
    got = f"{size / 1e6:,.1f} MB" if size is not None else f"more than {limit / 1e6:,.1f} MB"
    return f"the answer is {got}; the limit is {limit / 1e6:,.1f} MB (QUELLE_MAX_FILE_MB)"


def _short(e: Exception) -> str:
    text = str(e).strip() or type(e).__name__
    return text if len(text) <= 160 else text[:157] + "…"


def _connect_reason(parts, e: Exception) -> str:
    text = str(e)
    host = parts.hostname or parts.netloc
    low = text.lower()
    if any(
        s in low
        for s in (
            "name or service not known",
            "temporary failure in name resolution",
            "nodename nor servname",
            "no address associated",
            "getaddrinfo failed",
            "name resolution",
        )
    ):
        return f"DNS lookup failed: host '{host}' not found"
    if "connection refused" in low:
        return f"connection refused by {parts.netloc} (is the server running?)"
    if "network is unreachable" in low or "no route to host" in low:
        return f"host {parts.netloc} unreachable (no network route)"
    return f"cannot connect to {parts.netloc} ({_short(e)})"


def canonical_url(url: str) -> str:
    """The form an article URL is stored and identified by: scheme and host lower-case, default port and
    fragment dropped, tracking parameters (utm_*, fbclid, …) removed, an empty path made '/'."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if parts.port and not ((scheme == "http" and parts.port == 80) or (scheme == "https" and parts.port == 443)):
        host = f"{host}:{parts.port}"
    if parts.username:
        host = f"{parts.username}@{host}"
    query = "&".join(p for p in parts.query.split("&") if p and not _is_tracking(p.split("=", 1)[0]))
    return urlunsplit((scheme, host, parts.path or "/", query, ""))


_TRACKING = ("utm_", "mc_", "pk_", "wt_")
_TRACKING_NAMES = {"fbclid", "gclid", "dclid", "msclkid", "igshid", "yclid", "ref_src", "cmpid", "wt_mc"}


def _is_tracking(name: str) -> bool:
    name = name.lower()
    return name.startswith(_TRACKING) or name in _TRACKING_NAMES
