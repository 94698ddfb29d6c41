"""Outbound requests (issue 28, items 1 and 6): a feed cannot make Quelle fetch an internal address, and a slow
server cannot hold a fetch past QUELLE_FETCH_DEADLINE_S.

A "public" site serves on 127.0.0.1 (allowed as the operator would allow a host, QUELLE_FEED_ALLOW_HOSTS) and an
"internal" one on 127.0.0.2 (Linux routes all of 127/8 to lo) with a secret page. Every hostile link goes through
the real sync pass into a real store; each case asserts that not one request reached the internal server, that
nothing of the secret is stored or answerable, and that the reason names the URL only (the same words whether the
internal host is up, down or its port closed)."""

from __future__ import annotations

import json
import socket
import threading
import time

import httpx
import pytest

from checks import record
from quelle.feeds import FeedSettings, RegistryError, Syncer, add_feed, open_registry, targets
from quelle.feeds.fetch import FetchError, Fetcher
from tests.feed_server import FeedServer, article_html, item, rss

SECRET = "Der Tresorcode des Rechenzentrums lautet Zitronenfalter-4711."
SECRET_WORD = "Zitronenfalter"
QUESTION = "Wie lautet der Tresorcode des Rechenzentrums?"
PUBLIC = ("Stadtbibliothek verlängert Öffnungszeiten", ["Die Stadtbibliothek öffnet ab Mai auch sonntags."])
NOT_PUBLIC = (
    "the address is not public (loopback, private or link-local network); allow it with QUELLE_FEED_ALLOW_HOSTS"
)
REFUSED = "refused: " + NOT_PUBLIC
SAFE = FeedSettings(rate=0, timeout=5, allow_hosts="127.0.0.1")  # the public test site is allowed, nothing else


def resolver(names: dict[str, list[str]], calls: list | None = None):
    """A DNS seam: `names` answer from the dict, anything else from the system resolver."""

    def resolve(host: str, port: int) -> list[str]:
        if calls is not None:
            calls.append(host)
        if host.lower() in names:
            return names[host.lower()]
        return list(dict.fromkeys(ai[4][0] for ai in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)))

    return resolve


INTRANET = resolver({"intranet.example": ["127.0.0.2"], "gemischt.example": ["93.184.216.34", "127.0.0.2"]})


@pytest.fixture
def registry(library):
    reg = open_registry(library.settings)
    yield reg
    reg.close()


@pytest.fixture
def public():
    with FeedServer() as server:
        yield server


@pytest.fixture
def internal():
    with FeedServer(host="127.0.0.2") as server:
        server.page("/geheim", article_html("Protokoll des Rechenzentrums", [SECRET, "Nur für den Dienstgebrauch."]))
        server.route("/feed.xml", rss([item("/geheim", "Protokoll")]), "application/rss+xml")
        yield server


def closed_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def sync_links(library, registry, public, links, settings=SAFE, **kw):
    """A public feed with the `links` and one harmless public story, synced once: (report, entry by link)."""
    public.page("/artikel/oeffentlich", article_html(PUBLIC[0], PUBLIC[1], date="2026-03-16"))
    items = [item(link, f"Meldung {i}") for i, link in enumerate(links)] + [item("/artikel/oeffentlich", PUBLIC[0])]
    public.route("/feed.xml", rss(items), "application/rss+xml")
    report = Syncer(library, registry, settings, **kw).run(targets(registry, [public.url("/feed.xml")]))
    assert report.feeds[0].status == "ok", report.feeds[0]
    return report, {e.url: e for e in report.feeds[0].entries}


def assert_nothing_internal(library, internal) -> None:
    assert sum(internal.hits.values()) == 0, dict(internal.hits)  # not one request reached the internal host
    stored = " ".join(c.text for c in library.r.store.iter_chunks())
    assert SECRET_WORD not in stored and "Rechenzentrum" not in stored
    assert all(SECRET_WORD not in json.dumps(a) for a in library.articles())


def assert_refused(entry, url_reveals_ip: bool = True) -> None:
    assert entry.status == "failed", entry
    assert NOT_PUBLIC in entry.message and entry.message.startswith("refused: "), entry.message
    for oracle in ("connection", "Errno", "timed out", "unreachable", "HTTP ", "robots"):
        assert oracle not in entry.message, entry.message
    if not url_reveals_ip:
        assert "127.0.0.2" not in entry.message, entry.message  # what the name stands for is not told


# --- a feed entry links to an internal address -----------------------------------------------------------------

LINKS = {
    "IPv4 loopback literal": "http://127.0.0.2:{port}/geheim",
    "IPv4-mapped IPv6": "http://[::ffff:127.0.0.2]:{port}/geheim",
    "IPv6 loopback": "http://[::1]:{port}/geheim",
    "unspecified 0.0.0.0": "http://0.0.0.0:{port}/geheim",
    "decimal IPv4 (2130706434 = 127.0.0.2)": "http://2130706434:{port}/geheim",
    "user info before the host": "http://127.0.0.1:80@127.0.0.2:{port}/geheim",
    "cloud metadata (link-local)": "http://169.254.169.254/latest/meta-data/",
    "private 10/8": "http://10.0.0.1:{port}/geheim",
    "shared 100.64/10": "http://100.64.0.1:{port}/geheim",
}


@pytest.mark.parametrize("case", list(LINKS))
def test_an_entry_linking_to_an_internal_address_is_refused_and_nothing_is_stored(
    case, library, registry, public, internal
):
    link = LINKS[case].format(port=internal.port)
    report, entries = sync_links(library, registry, public, [link])
    [refused] = [e for e in entries.values() if e.url != public.url("/artikel/oeffentlich")]
    assert refused.message == REFUSED, (case, refused.message)
    assert_refused(refused)
    assert report.summary()["new"] == 1  # the public story next to it is stored: only the internal link is refused
    assert_nothing_internal(library, internal)
    record("outbound", f"feed entry: {case}", "refused")


@pytest.mark.parametrize(
    "host", ["intranet.example", "INTRANET.Example", "gemischt.example"], ids=["name", "name-case", "mixed-answers"]
)
def test_a_host_name_resolving_to_an_internal_address_is_refused_without_naming_the_address(
    host, library, registry, public, internal
):
    link = f"http://{host}:{internal.port}/geheim"
    _, entries = sync_links(library, registry, public, [link], resolve=INTRANET)
    [refused] = [e for e in entries.values() if "geheim" in e.url]
    assert refused.message == REFUSED
    assert_refused(refused, url_reveals_ip=False)
    assert_nothing_internal(library, internal)


def test_a_public_url_redirecting_to_an_internal_one_is_refused(library, registry, public, internal):
    target = internal.url("/geheim")
    public.route("/weiter", status=302, location=target)
    public.route("/kette", status=301, location="/weiter")  # a relative Location first, then the internal hop
    public.route("/zum-namen", status=302, location=f"http://intranet.example:{internal.port}/geheim")
    _, entries = sync_links(library, registry, public, ["/weiter", "/kette", "/zum-namen"], resolve=INTRANET)
    for path, hop in (("/weiter", target), ("/kette", target), ("/zum-namen", "http://intranet.example")):
        e = entries[public.url(path)]
        assert_refused(e, url_reveals_ip=path != "/zum-namen")
        assert f"redirects to {hop}" in e.message, e.message
    assert public.hits["/weiter"] == 2 and public.hits["/kette"] == 1  # the public hops were fetched, not the last
    assert_nothing_internal(library, internal)
    record("outbound", "redirect to an internal address", "refused")


def test_up_down_and_closed_internal_hosts_give_the_same_reason(library, registry, public, internal):
    names = resolver({"intranet.example": ["127.0.0.2"], "ausgeschaltet.example": ["127.0.0.3"]})
    closed = closed_port("127.0.0.2")
    links = [
        internal.url("/geheim"),  # up
        f"http://127.0.0.2:{closed}/geheim",  # port closed
        f"http://127.0.0.3:{internal.port}/geheim",  # nobody there
        f"http://intranet.example:{internal.port}/geheim",
        f"http://ausgeschaltet.example:{closed}/geheim",
    ]
    _, entries = sync_links(library, registry, public, links, resolve=names)
    assert {entries[link].message for link in links} == {REFUSED}
    assert_nothing_internal(library, internal)
    record("outbound", "internal host up / down / port closed", "one reason (no oracle)")


def test_the_secret_is_not_answerable_after_a_hostile_feed(library, registry, public, internal):
    from quelle.answering.pipeline import ask

    public.route("/weiter", status=302, location=internal.url("/geheim"))
    links = [internal.url("/geheim"), "/weiter", f"http://intranet.example:{internal.port}/geheim"]
    sync_links(library, registry, public, links, resolve=INTRANET)
    answer = ask(QUESTION, library.settings, resources=library.r)
    assert SECRET_WORD not in json.dumps(answer.to_dict(with_retrieved=True), ensure_ascii=False)
    assert_nothing_internal(library, internal)


def test_an_internal_feed_or_page_given_directly_is_refused(library, registry, internal):
    with pytest.raises(RegistryError, match="refused: the address is not public") as e:
        add_feed(registry, library.settings, internal.url("/feed.xml"), feed_settings=SAFE)
    assert "Connection" not in str(e.value)
    assert registry.feeds() == []
    report = Syncer(library, registry, SAFE).run(targets(registry, [internal.url("/geheim")]))  # quelle sync URL
    assert report.feeds[0].status == "failed" and report.feeds[0].message == REFUSED
    assert_nothing_internal(library, internal)


# --- the operator opts hosts in -------------------------------------------------------------------------------


def test_an_allowed_cidr_or_host_name_is_fetched_and_nothing_else(library, registry, public, internal):
    link = internal.url("/geheim")
    _, entries = sync_links(library, registry, public, [link])
    assert entries[link].message == REFUSED  # by default: refused
    assert_nothing_internal(library, internal)

    by_cidr = SAFE.with_(allow_hosts="127.0.0.0/8")  # an IP/CIDR entry matches the resolved address
    link += "?erlaubt=1"  # a new entry (a refused one is not retried: retry=False)
    _, entries = sync_links(library, registry, public, [link], settings=by_cidr)
    assert entries[link].status == "new", entries[link]
    assert SECRET_WORD in " ".join(c.text for c in library.r.store.iter_chunks())


def test_an_allowed_host_name_is_fetched_but_not_another_name_for_the_same_address(library, registry, public, internal):
    names = resolver({"intranet.example": ["127.0.0.2"], "cms.intranet": ["127.0.0.2"]})
    allowed = SAFE.with_(allow_hosts="127.0.0.1, CMS.intranet")  # a name entry matches the URL's host name
    other = f"http://intranet.example:{internal.port}/geheim"
    cms = f"http://cms.intranet:{internal.port}/geheim"
    _, entries = sync_links(library, registry, public, [other, cms], settings=allowed, resolve=names)
    assert entries[other].message == REFUSED
    assert entries[cms].status == "new", entries[cms]
    assert internal.hits["/geheim"] == 1 and [a["url"] for a in library.articles() if "geheim" in a["url"]] == [cms]


def test_the_address_connected_to_is_the_one_checked_dns_rebinding(public, internal):
    """The name answers an allowed address once, then an internal one (DNS rebinding). Each hop is resolved once
    and the connection goes to exactly the address that was checked: the internal server never sees a request."""
    with FeedServer(host="127.0.0.2", port=public.port) as twin:  # same port as the public site, internal address
        twin.page("/seite", article_html("Geheim", [SECRET]))
        public.page("/seite", article_html("Öffentlich", ["Die Stadtbibliothek öffnet sonntags."]))
        answers = iter([["127.0.0.1"]])
        calls: list[str] = []

        def rebinding(host: str, port: int) -> list[str]:
            calls.append(host)
            return next(answers, ["127.0.0.2"])

        with Fetcher(rate=0, timeout=5, allow_hosts="127.0.0.1", resolve=rebinding, respect_robots=False) as f:
            got = f.get(f"http://wechsel.example:{public.port}/seite")
            assert b"Stadtbibliothek" in got.content
            with pytest.raises(FetchError) as e:
                f.get(f"http://wechsel.example:{public.port}/seite")
        assert e.value.reason == REFUSED and not e.value.retry
        assert calls == ["wechsel.example", "wechsel.example"]
        assert sum(twin.hits.values()) == 0 and public.hits["/seite"] == 1


NOT_PUBLIC_ADDRESSES = [
    "127.0.0.2", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1",
    "239.1.1.1", "240.0.0.1", "255.255.255.255", "198.18.0.1", "::1", "::", "fe80::1", "fc00::1", "fd12::1",
    "ff02::1", "::ffff:127.0.0.2", "::ffff:10.0.0.1", "::127.0.0.2", "2002:7f00:2::", "2002:a00:1::",
    "64:ff9b::a00:1", "2001:db8::1",
]  # fmt: skip


@pytest.mark.parametrize("address", NOT_PUBLIC_ADDRESSES)
def test_what_counts_as_not_public(address):
    import ipaddress

    from quelle.feeds.fetch import is_public

    assert not is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "::ffff:93.184.216.34"])
def test_public_addresses_stay_public(address):
    import ipaddress

    from quelle.feeds.fetch import is_public

    assert is_public(ipaddress.ip_address(address))


# --- mock transports (the test seam) still see the address check ------------------------------------------------


def test_with_a_mock_transport_names_are_resolved_through_the_seam_and_literals_checked():
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        if request.url.path == "/r":
            return httpx.Response(302, headers={"Location": "/feed.xml"})
        if request.url.path == "/intern":
            return httpx.Response(302, headers={"Location": "http://intern.example/x"})
        if request.url.path.startswith("/loop"):
            n = int(request.url.path[5:] or 0)
            return httpx.Response(302, headers={"Location": f"/loop{n + 1}"})
        if request.headers.get("If-None-Match") == '"v1"':
            return httpx.Response(304)
        return httpx.Response(200, content=b"<rss/>", headers={"Content-Type": "application/rss+xml", "ETag": '"v1"'})

    names = {"news.example": ["93.184.216.34"], "intern.example": ["10.0.0.5"]}
    with Fetcher(
        rate=0,
        transport=httpx.MockTransport(handler),
        resolve=lambda host, port: names[host],
        respect_robots=False,
    ) as f:
        got = f.get("http://news.example/r")
        assert got.status == 200 and got.url == "http://news.example/feed.xml" and got.etag == '"v1"'
        assert f.get("http://news.example/r", etag='"v1"').not_modified  # conditional GET across a redirect
        for url in ("http://intern.example/", "http://10.0.0.5/", "http://[fe80::1]/", "http://news.example/intern"):
            with pytest.raises(FetchError) as e:
                f.get(url)
            assert not e.value.retry and NOT_PUBLIC in e.value.reason, (url, e.value.reason)
        with pytest.raises(FetchError, match="more than 5 redirects"):
            f.get("http://news.example/loop")
    assert not any("intern.example" in u or "10.0.0.5" in u or "fe80" in u for u in seen)


# --- one deadline per request -----------------------------------------------------------------------------------


class Trickle:
    """A loopback server that answers /robots.txt at once (404) and every other path slowly: one byte every
    `every` seconds — of the body, or (`headers_too`) of the whole answer. `sent`: slow bytes written before
    the answer ended; `ended` is set when it ended (all written, or the client hung up)."""

    def __init__(self, size: int = 40, every: float = 0.5, headers_too: bool = False):
        self.size, self.every, self.headers_too = size, every, headers_too
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.sent = 0
        self.ended = threading.Event()
        self.stopping = threading.Event()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> "Trickle":
        threading.Thread(target=self._serve, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        self.sock.close()

    def _serve(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                data += chunk
            if data.split(b" ", 2)[1] == b"/robots.txt":
                conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                return
            body = b"<p>" + b"x" * (self.size - 7) + b"</p>"
            head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n"
            head += b"Content-Length: %d\r\n\r\n" % len(body)
            fast, slow = (b"", head + body) if self.headers_too else (head, body)
            try:
                conn.sendall(fast)
                for i in range(len(slow)):
                    if self.stopping.is_set():
                        break
                    conn.sendall(slow[i : i + 1])
                    self.sent += 1
                    time.sleep(self.every)
            except OSError:
                pass
            finally:
                self.ended.set()


def test_a_trickling_page_fails_at_the_deadline_not_after_its_last_byte(library, registry):
    with Trickle(size=40, every=0.5) as slow:  # 20 s for the whole page; timeout 1 s never fires between bytes
        settings = SAFE.with_(timeout=1, deadline=2)
        t0 = time.monotonic()
        report = Syncer(library, registry, settings).run(targets(registry, [slow.url("/artikel/langsam")]))
        elapsed = time.monotonic() - t0
        assert slow.ended.wait(5)
    feed = report.feeds[0]
    assert feed.status == "failed" and feed.message == "no complete answer within 2 s (QUELLE_FETCH_DEADLINE_S)"
    assert slow.sent < 15, slow.sent  # the client hung up after about 2 s of 40 bytes
    assert elapsed < 15, elapsed
    assert library.articles() == []
    record("outbound", "trickling body (1 byte / 0.5 s)", "deadline")


def test_trickling_headers_are_bounded_by_the_deadline_too_and_worth_a_retry():
    with Trickle(size=10, every=0.25, headers_too=True) as slow:  # ~100 bytes of status line and headers: 25 s
        t0 = time.monotonic()
        with Fetcher(rate=0, timeout=1, deadline=2, allow_hosts="127.0.0.1") as f:
            with pytest.raises(FetchError) as e:
                f.get(slow.url("/feed.xml"))
        elapsed = time.monotonic() - t0
        assert slow.ended.wait(5)
    assert e.value.reason == "no complete answer within 2 s (QUELLE_FETCH_DEADLINE_S)" and e.value.retry
    assert slow.sent < 20, slow.sent
    assert elapsed < 15, elapsed
    record("outbound", "trickling headers (1 byte / 0.25 s)", "deadline")


# --- settings -----------------------------------------------------------------------------------------------------


def test_the_settings_come_from_the_environment_and_bad_entries_are_refused(monkeypatch):
    from pydantic import ValidationError

    monkeypatch.setenv("QUELLE_FEED_ALLOW_HOSTS", "cms.intranet, 10.1.0.0/16 ,127.0.0.1")
    monkeypatch.setenv("QUELLE_FETCH_DEADLINE_S", "12.5")
    fs = FeedSettings()
    assert fs.deadline == 12.5 and fs.allow_hosts == "cms.intranet,10.1.0.0/16,127.0.0.1"
    assert fs.with_(rate=0).deadline == 12.5 and fs.with_(deadline=3).deadline == 3
    for bad in ("10.1.0.0/33", "cms.intranet:8080", "*.intranet", "http://cms.intranet/"):
        monkeypatch.setenv("QUELLE_FEED_ALLOW_HOSTS", bad)
        with pytest.raises(ValidationError, match="QUELLE_FEED_ALLOW_HOSTS"):
            FeedSettings()
    monkeypatch.setenv("QUELLE_FEED_ALLOW_HOSTS", "")
    monkeypatch.setenv("QUELLE_FETCH_DEADLINE_S", "0")
    with pytest.raises(ValidationError):
        FeedSettings()


# --- https: the connection goes to the checked address, TLS is for the URL's host name ---------------------------


def _certificate(tmp_path, name: str):
    """A CA and a server certificate for `name` signed by it: (ca file, cert file, key file)."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Quelle Test-CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    files = tmp_path / "ca.pem", tmp_path / "cert.pem", tmp_path / "key.pem"
    files[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    files[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files[2].write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return files


def test_https_connects_to_the_checked_address_with_sni_and_certificate_for_the_host_name(tmp_path, monkeypatch):
    import ssl

    ca, cert, key = _certificate(tmp_path, "sicher.example")
    server_side = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_side.load_cert_chain(cert, key)
    sni: list[str | None] = []
    server_side.sni_callback = lambda sock, name, ctx: sni.append(name)
    # the Fetcher verifies certificates as always, against this test CA instead of the system's
    monkeypatch.setattr(httpx, "create_ssl_context", lambda **kw: ssl.create_default_context(cafile=str(ca)))
    with FeedServer() as srv:
        srv.httpd.socket = server_side.wrap_socket(srv.httpd.socket, server_side=True)
        srv.page("/seite", article_html("Sicher", ["Die Stadtbibliothek öffnet sonntags."]))
        names = resolver({"sicher.example": ["127.0.0.1"], "anders.example": ["127.0.0.1"]})
        with Fetcher(rate=0, timeout=5, allow_hosts="127.0.0.1", resolve=names) as f:
            got = f.get(f"https://sicher.example:{srv.port}/seite")
            assert b"Stadtbibliothek" in got.content and got.url == f"https://sicher.example:{srv.port}/seite"
            for other in (f"https://127.0.0.1:{srv.port}/seite", f"https://anders.example:{srv.port}/seite"):
                with pytest.raises(FetchError) as e:  # the certificate is for sicher.example only
                    f.get(other)
                assert "certificate" in e.value.reason.lower() or "hostname" in e.value.reason.lower(), e.value
    assert "sicher.example" in sni and set(sni) <= {"sicher.example", "anders.example", None}
    hosts = {headers.get("Host") for _, path, headers in srv.log if path == "/seite"}
    assert hosts == {f"sicher.example:{srv.port}"}
