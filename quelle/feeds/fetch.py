"""Polite HTTP for feeds and pages (httpx): conditional GET, per-host rate limit, robots.txt, timeouts, a size limit,
gzip, redirects, a User-Agent naming Quelle. Every failure becomes a FetchError with one clear reason.

Outbound safety (issue 28): a feed is someone else's text, and its links (or their redirects) must not make Quelle
fetch from the operator's own network. Every hop — the URL, each redirect, robots.txt — is resolved once, and
refused when any address it stands for is not public (loopback, private, link-local, multicast, unspecified,
reserved, shared 100.64/10, or an IPv6 form carrying one), unless the operator allows the host
(QUELLE_FEED_ALLOW_HOSTS: names, IPs, CIDRs). The connection then goes to exactly the checked addresses (`_Guard`,
an httpcore network backend: no second DNS answer in between), keeping the URL's host name for the Host header, TLS
SNI and certificate check. The refusal is decided before any connection, so it reads the same whether the internal
host is up, down or its port closed. One deadline (QUELLE_FETCH_DEADLINE_S) bounds each fetch — all its hops and
the whole body, every connect, read and write held to what is left of it — so a server sending a byte a second
cannot hold a pass."""

from __future__ import annotations

import contextlib
import ipaddress
import re
import socket
import threading
import time
import urllib.robotparser
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import httpcore
import httpx

ROBOTS_AGENT = "Quelle"  # the product token robots.txt rules are matched against
MAX_REDIRECTS = 5
MAX_CRAWL_DELAY = 30.0  # a robots.txt Crawl-delay above this is capped (seconds)
REDIRECTS = (301, 302, 303, 307, 308)
NOT_PUBLIC = (
    "the address is not public (loopback, private or link-local network); allow it with QUELLE_FEED_ALLOW_HOSTS"
)


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
    """One pass's HTTP client. Use as a context manager. `max_bytes` bounds every body (after decompression).

    `allow_hosts`: what may be fetched although its address is not public — an AllowList or its text
    ("cms.intranet, 10.1.0.0/16"). `deadline`: seconds one get() may take in all (its redirects and body
    included; robots.txt fetches have their own, and waiting for a host's turn does not count). `resolve(host,
    port) -> [address, ...]`: the DNS lookup (tests inject names here). With a `transport` (tests: an
    httpx.MockTransport) the addresses are checked all the same; only the connection is the transport's."""

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
        allow_hosts: AllowList | str = "",
        deadline: float = 30.0,
        resolve: Callable[[str, int], list[str]] | None = None,
    ):
        """`robots_cache`: an object with robots_get(host) -> (status, body, fetched epoch) | None and
        robots_put(host, status, body) (the Registry); a copy younger than `robots_ttl` seconds is used as it is."""
        self.timeout = timeout
        self.deadline = deadline
        self.allow = allow_hosts if isinstance(allow_hosts, AllowList) else AllowList.parse(allow_hosts)
        self.resolve = resolve or resolve_host
        self.robots_cache = robots_cache
        self.robots_ttl = robots_ttl
        self.max_bytes = max_bytes
        self.respect_robots = respect_robots
        self.clock = _HostClock(rate, stop)
        self.robots: dict[str, urllib.robotparser.RobotFileParser | FetchError] = {}
        self.requests = 0
        self.guard = _Guard() if transport is None else None
        self.client = httpx.Client(
            headers={"User-Agent": user_agent(), "Accept-Language": "de, en;q=0.8, *;q=0.5"},
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,  # followed in _get, each hop checked
            transport=transport if transport is not None else _GuardedTransport(self.guard),
            trust_env=False,
        )

    def __enter__(self) -> "Fetcher":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.client.close()

    # --- every request, redirects and robots.txt included, passes here --------------------------------------
    def _prepare(
        self, url: str, hop: str, headers: dict, deadline: _Deadline, method: str = "GET", content: bytes | None = None
    ) -> httpx.Request:
        """The request for one hop (`hop`; `url` is what was asked for): an http(s) URL, its address allowed
        (and pinned for the connection), robots.txt allowing it, the host's turn come."""
        parts = urlsplit(hop)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            if hop == url:
                raise FetchError(url, "not an http(s) URL", retry=False)
            raise FetchError(url, f"it redirects to {_shown(hop)}, which is not an http(s) URL", retry=False)
        request = self.client.build_request(method, hop, headers=headers, content=content)
        addresses = self._check_address(url, hop, request.url)
        if self.respect_robots and request.url.path != "/robots.txt":
            with deadline.paused():  # robots.txt is a fetch of its own, with its own deadline
                self._check_robots(str(request.url))
        with deadline.paused():
            self.clock.wait_turn(str(request.url))
        left = deadline.remaining()
        if left <= 0:
            raise FetchError(url, deadline.reason, retry=True)
        if left < self.timeout:  # no single step may wait past the deadline
            deadline.bounded = True
            request.extensions["timeout"] = httpx.Timeout(left).as_dict()
        if self.guard is not None:
            self.guard.pin(request.url.raw_host.decode("ascii"), _port(request.url), addresses)
        self.requests += 1
        return request

    def _check_address(self, url: str, hop: str, target: httpx.URL) -> list[str]:
        """The addresses `target` may be connected to; FetchError when one of them is not public and not allowed.
        Decided before any connection is made, so the reason is the same for an internal host that is up, down or
        has its port closed. A name answering with several addresses is refused when any of them is refused."""
        host = target.raw_host.decode("ascii")
        try:
            addresses = [ipaddress.ip_address(host)]  # an IP literal (httpx has normalised it)
        except ValueError:
            try:
                addresses = [ipaddress.ip_address(a) for a in self.resolve(host, _port(target))]
            except (OSError, UnicodeError, ValueError):
                addresses = []
            if not addresses:
                raise FetchError(url, f"DNS lookup failed: host '{target.host}' not found") from None
        if not self.allow.allows_name(host) and not all(
            is_public(a) or self.allow.allows_address(a) for a in addresses
        ):
            where = "" if hop == url else f"it redirects to {_shown(hop)}; "
            raise FetchError(url, f"refused: {where}{NOT_PUBLIC}", retry=False)
        return [str(a) for a in addresses]

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
        deadline = _Deadline(self.deadline)
        outer = self.guard.enter(deadline) if self.guard is not None else None
        try:
            return self._follow(url, headers, limit, deadline)
        finally:
            if self.guard is not None:
                self.guard.enter(outer)

    def _follow(self, url: str, headers: dict, limit: int, deadline: _Deadline) -> Response:
        hops = [url]
        with self._failures(url, hops, deadline):
            for _ in range(MAX_REDIRECTS + 1):
                request = self._prepare(url, hops[-1], headers, deadline)
                with contextlib.closing(self.client.send(request, stream=True)) as r:
                    if r.status_code in REDIRECTS and r.headers.get("location"):
                        hops.append(str(request.url.join(r.headers["location"])))
                        continue
                    return self._answer(url, r, headers, limit, deadline)
            raise FetchError(url, f"more than {MAX_REDIRECTS} redirects")

    # --- POST: a webhook (quelle/watch/webhook.py), under the same outbound rules -------------------------------
    def post_json(self, url: str, body: bytes) -> int:
        """POST `body` (JSON) to `url` as every GET goes out: an http(s) URL whose addresses are public or allowed
        (QUELLE_FEED_ALLOW_HOSTS), the connection pinned to them, one deadline. robots.txt is not asked (nothing
        is crawled) and a redirect is not followed (a webhook answers at its own URL). Returns the 2xx status;
        FetchError otherwise (`status` set for an HTTP error, `retry` False when trying again cannot help)."""
        deadline = _Deadline(self.deadline)
        outer = self.guard.enter(deadline) if self.guard is not None else None
        headers = {"Content-Type": "application/json; charset=utf-8", "Accept": "*/*"}
        try:
            with self._failures(url, [url], deadline):
                request = self._prepare(url, url, headers, deadline, method="POST", content=body)
                with contextlib.closing(self.client.send(request, stream=True)) as r:
                    if 200 <= r.status_code < 300:
                        return r.status_code
                    if r.status_code in REDIRECTS:
                        raise FetchError(
                            url,
                            f"it redirects (HTTP {r.status_code}); a webhook must answer at its own URL",
                            retry=False,
                            status=r.status_code,
                        )
                    raise FetchError(
                        url,
                        f"HTTP {r.status_code} {r.reason_phrase}".strip(),
                        retry=r.status_code >= 500 or r.status_code in (408, 429),
                        status=r.status_code,
                    )
        finally:
            if self.guard is not None:
                self.guard.enter(outer)

    @contextlib.contextmanager
    def _failures(self, url: str, hops: list[str], deadline: _Deadline):
        """Every httpx failure of a request to `url` (its last hop: hops[-1]) as a FetchError with one reason."""
        try:
            yield
        except FetchError:
            raise
        except httpx.TimeoutException:
            if deadline.expired():
                raise FetchError(url, deadline.reason) from None
            raise FetchError(url, f"timed out after {self.timeout:g} s") from None
        except httpx.ConnectError as e:
            raise FetchError(url, _connect_reason(urlsplit(hops[-1]), e)) from None
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as e:
            raise FetchError(url, f"the connection broke off ({_short(e)})") from None
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as e:
            raise FetchError(url, f"not a usable URL ({_short(e)})", retry=False) from None
        except httpx.DecodingError as e:
            raise FetchError(url, f"the compressed answer could not be unpacked ({_short(e)})") from None
        except httpx.HTTPError as e:
            raise FetchError(url, f"{type(e).__name__}: {_short(e)}") from None

    def _answer(self, url: str, r: httpx.Response, headers: dict, limit: int, deadline: _Deadline) -> Response:
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
            if deadline.remaining() <= 0:
                raise FetchError(url, deadline.reason)
        return Response(
            str(r.url),
            200,
            bytes(body),
            r.headers.get("content-type", ""),
            r.headers.get("etag"),
            r.headers.get("last-modified"),
        )


# --- where a request may go ------------------------------------------------------------------------------------


def resolve_host(host: str, port: int) -> list[str]:
    """The addresses `host` stands for (socket.getaddrinfo, TCP), in the resolver's order, each once."""
    return list(dict.fromkeys(str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)))


_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT (RFC 6598)


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """False for loopback, private (RFC 1918, fc00::/7), link-local, multicast, unspecified, reserved and shared
    (100.64/10) addresses, and for IPv6 addresses carrying such an IPv4 one (IPv4-mapped ::ffff:a.b.c.d,
    IPv4-compatible ::a.b.c.d, 6to4, Teredo, NAT64 64:ff9b::/96)."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:  # ::ffff:a.b.c.d is a.b.c.d on a dual-stack socket
            return is_public(address.ipv4_mapped)
        inner = [address.sixtofour, *(address.teredo or ())]
        if int(address) >> 32 == 0 or address in _NAT64:  # IPv4-compatible (deprecated) or NAT64
            inner.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        if any(v4 is not None and not is_public(v4) for v4 in inner):
            return False
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_unspecified
        or address.is_reserved
        or (address.version == 4 and address in _SHARED)
    )


_NAME = re.compile(r"[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*")


@dataclass(frozen=True)
class AllowList:
    """QUELLE_FEED_ALLOW_HOSTS: host names (matched against the URL's host, case-insensitive, exactly) and IPs or
    CIDRs (matched against the resolved address) that may be fetched although their address is not public."""

    names: frozenset[str] = frozenset()
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    text: str = ""

    @classmethod
    def parse(cls, text: str) -> "AllowList":
        """From "cms.intranet, 10.1.0.0/16, 127.0.0.1"; ValueError naming an entry that is none of these."""
        names: list[str] = []
        networks: list = []
        shown: list[str] = []
        for raw in (text or "").split(","):
            entry = raw.strip()
            if not entry:
                continue
            try:
                if "/" in entry:
                    networks.append(ipaddress.ip_network(entry, strict=False))
                    shown.append(str(networks[-1]))
                else:
                    networks.append(ipaddress.ip_network(ipaddress.ip_address(entry.strip("[]"))))
                    shown.append(str(networks[-1].network_address))
                continue
            except ValueError:
                pass
            name = _ascii_name(entry)
            if name is None:
                raise ValueError(
                    f"'{entry}' is neither a host name (without scheme, port or wildcard), an IP address nor a CIDR"
                )
            names.append(name)
            shown.append(name)
        return cls(frozenset(names), tuple(networks), ",".join(shown))

    def allows_name(self, host: str) -> bool:
        return _ascii_name(host) in self.names if self.names else False

    def allows_address(self, address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
        forms = [address]
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            forms.append(address.ipv4_mapped)
        return any(form in net for form in forms for net in self.networks if form.version == net.version)


def _ascii_name(host: str) -> str | None:
    """A host name as it goes on the wire (lower case, IDNA, no trailing dot); None when it is not one."""
    name = host.strip().rstrip(".").lower()
    try:
        name = name.encode("idna").decode("ascii")
    except UnicodeError:
        return None
    return name if _NAME.fullmatch(name) else None


def _port(url: httpx.URL) -> int:
    return url.port or (443 if url.scheme == "https" else 80)


def _shown(url: str) -> str:
    return url if len(url) <= 200 else url[:197] + "…"


# --- the connection: only to checked addresses, within the deadline ------------------------------------------


class _Deadline:
    """One get()'s time: `seconds` of talking to servers; time in paused() blocks (robots.txt, a host's turn)
    is added back."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.end = time.monotonic() + seconds
        self.bounded = False  # the last wait was cut to what is left of the deadline

    @property
    def reason(self) -> str:
        return f"no complete answer within {self.seconds:g} s (QUELLE_FETCH_DEADLINE_S)"

    def remaining(self) -> float:
        return self.end - time.monotonic()

    def expired(self) -> bool:
        return self.bounded or self.remaining() <= 0

    @contextlib.contextmanager
    def paused(self):
        start = time.monotonic()
        try:
            yield
        finally:
            self.end += time.monotonic() - start

    def limit(self, timeout: float | None, error: type[Exception]) -> float:
        """`timeout` cut to what is left; `error` (an httpcore timeout) when nothing is."""
        left = self.remaining()
        if left <= 0:
            self.bounded = True
            raise error("deadline passed")
        self.bounded = timeout is None or left < timeout
        return left if self.bounded else timeout


class _Guard(httpcore.NetworkBackend):
    """httpcore's network backend for the Fetcher: connects only to the addresses the Fetcher checked for a host
    and port just before the request (`pin`), and holds every connect, TLS handshake, read and write to the
    current get()'s deadline (per thread: `enter`)."""

    def __init__(self):
        self.inner = httpcore.SyncBackend()
        self.pins: dict[tuple[str, int], tuple[str, ...]] = {}
        self.lock = threading.Lock()
        self.local = threading.local()

    def pin(self, host: str, port: int, addresses: list[str]) -> None:
        with self.lock:
            self.pins[(host.lower(), port)] = tuple(addresses)

    def enter(self, deadline: _Deadline | None) -> _Deadline | None:
        """Make `deadline` the current one on this thread; returns the one before."""
        before = getattr(self.local, "deadline", None)
        self.local.deadline = deadline
        return before

    def limit(self, timeout: float | None, error: type[Exception]) -> float | None:
        deadline = getattr(self.local, "deadline", None)
        return timeout if deadline is None else deadline.limit(timeout, error)

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None) -> httpcore.NetworkStream:
        with self.lock:
            addresses = self.pins.get((host.lower(), port))
        if not addresses:  # never a connection the Fetcher has not checked
            raise httpcore.ConnectError(f"{host}:{port} was not checked")
        failure: Exception | None = None
        for address in addresses:  # in the resolver's order, as socket.create_connection would
            try:
                stream = self.inner.connect_tcp(
                    address, port, self.limit(timeout, httpcore.ConnectTimeout), local_address, socket_options
                )
                return _GuardedStream(stream, self)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as e:
                failure = e
        raise failure

    def connect_unix_socket(self, path, timeout=None, socket_options=None) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("unix sockets are not fetched from")

    def sleep(self, seconds: float) -> None:
        self.inner.sleep(seconds)


class _GuardedStream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream, guard: _Guard):
        self.stream, self.guard = stream, guard

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self.stream.read(max_bytes, self.guard.limit(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.stream.write(buffer, self.guard.limit(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self.stream.close()

    def start_tls(self, ssl_context, server_hostname=None, timeout=None) -> httpcore.NetworkStream:
        # server_hostname is the URL's host name: SNI and the certificate check are for it, not for the address
        limit = self.guard.limit(timeout, httpcore.ConnectTimeout)
        return _GuardedStream(self.stream.start_tls(ssl_context, server_hostname, limit), self.guard)

    def get_extra_info(self, info: str):
        return self.stream.get_extra_info(info)


class _GuardedTransport(httpx.HTTPTransport):
    """httpx's own transport over a connection pool that connects through a _Guard."""

    def __init__(self, guard: _Guard):
        # not super().__init__(): the pool it makes would resolve names and connect by itself
        limits = httpx.Limits()
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=guard,
        )


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
