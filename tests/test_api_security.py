"""Who the HTTP API answers (issue 28): without QUELLE_API_KEY only requests addressed to this server on loopback
(Host) and not sent by another site's web page (Origin) — refused with 403 before a body is read or a route runs;
with a key, the key decides as before. Body limits follow the route, not the Content-Type label. A real uvicorn on
a free loopback port over a copy of the demo store, as in test_api.py."""

from __future__ import annotations

import json
import socket

import httpx
import pytest

from tests.api_server import serving, writable_store

ALIBABA = "alibaba-ki-offensive"
KEY = "test-schluessel-0815"
EVIL = "http://evil.example"

ARTICLE = """---
title: "Bad Beispielstadt eröffnet Seilbahn"
date: 2025-10-14
source: "Lokalanzeiger Test"
url: "https://example.org/test/seilbahn"
---

Die Gemeinde Bad Beispielstadt hat eine Seilbahn über den Fluss eröffnet. Die Bahn befördert bis zu 1.200
Fahrgäste in der Stunde und hat 24 Millionen Euro gekostet.
"""
TITLE = "Bad Beispielstadt eröffnet Seilbahn"
BIG_ARTICLE = ARTICLE.replace("Seilbahn", "Standseilbahn").replace("seilbahn", "standseilbahn")  # another one


@pytest.fixture(scope="module")
def store(demo_store, tmp_path_factory, embedder):
    """A writable copy of the demo store; the upload cap (20 MB) well above the JSON cap (1 MB)."""
    return writable_store(
        demo_store, tmp_path_factory, embedder, "api-security", max_file_mb=5.0, api_max_upload_mb=20.0
    )


@pytest.fixture(scope="module")
def server(store):
    with serving(store) as srv:
        yield srv


@pytest.fixture(scope="module")
def keyed_server(store):
    with serving(store, api_key=KEY) as srv:
        yield srv


@pytest.fixture(scope="module")
def http(server):
    with httpx.Client(base_url=server.base, timeout=120) as client:
        yield client


def titles(http, **headers) -> set[str]:
    r = http.get("/v1/articles", params={"limit": 1000}, headers=headers)
    assert r.status_code == 200, r.text
    return {a["title"] for a in r.json()["articles"]}


def ids(http) -> set[str]:
    return {a["article_id"] for a in http.get("/v1/articles", params={"limit": 1000}).json()["articles"]}


def refused(r: httpx.Response, status: int, *words: str) -> str:
    """A refusal in the OpenAI error shape, naming the header (or limit) and the fix."""
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body["error"]) == {"message", "type", "param", "code"}
    message = body["error"]["message"]
    for w in words:
        assert w in message, message
    return message


def upload(http, name="seilbahn.md", text=ARTICLE, **headers) -> httpx.Response:
    return http.post("/v1/articles", files=[("files", (name, text.encode(), "text/markdown"))], headers=headers)


# --- Origin: a page of another site cannot use the key-less API ---------------------------------------------------


def test_a_foreign_origin_cannot_upload_and_nothing_is_stored(http, server):
    r = upload(http, Origin=EVIL)
    message = refused(r, 403, "Origin", "evil.example", "QUELLE_API_KEY", f"127.0.0.1:{server.port}")
    assert r.json()["error"]["code"] == "foreign_origin" and r.json()["error"]["type"] == "permission_error"
    assert "access-control-allow-origin" not in r.headers
    assert "Traceback" not in message
    assert TITLE not in titles(http)


def test_origin_null_is_foreign(http):
    before = ids(http)
    refused(upload(http, Origin="null"), 403, "Origin", "null")
    refused(http.post("/v1/ask", json={"question": "Wo?"}, headers={"Origin": "null"}), 403, "Origin")
    refused(http.delete(f"/v1/articles/{ALIBABA}", headers={"Origin": "null"}), 403, "Origin")
    assert ids(http) == before


@pytest.mark.parametrize(
    "origin",
    [
        "http://127.0.0.1:{other}",  # the right host, another port: another local program's page
        "http://localhost",  # port 80
        "https://127.0.0.1:{port}.evil.example",
        "http://127.0.0.1:{port}@evil.example",
        "http://evil.example:{port}",
        "http://127.0.0.1:{port}/",  # an Origin is never a URL with a path
        "file://",
    ],
)
def test_other_origins_are_foreign(http, server, origin):
    value = origin.format(port=server.port, other=other_port(server.port))
    refused(http.get("/v1/stats", headers={"Origin": value}), 403, "Origin")


def test_the_servers_own_origins_pass_and_can_upload_and_delete(http, server):
    port = server.port
    for origin in (f"http://127.0.0.1:{port}", f"http://localhost:{port}", f"http://[::1]:{port}"):
        r = http.get("/v1/stats", headers={"Origin": origin})
        assert r.status_code == 200, (origin, r.text)
        assert "access-control-allow-origin" not in r.headers  # same-origin needs no CORS, and none is granted
        refused(http.get("/v1/stats", headers={"Origin": origin.replace(str(port), str(other_port(port)))}), 403)
    own = {"Origin": f"http://127.0.0.1:{port}"}
    r = upload(http, name="seilbahn-eigen.md", **own)
    assert r.status_code == 200, r.text
    (article_id,) = r.json()["files"][0]["articles"]
    assert TITLE in titles(http)
    assert http.delete(f"/v1/articles/{article_id}", headers=own).status_code == 200
    assert TITLE not in titles(http)


def test_streaming_passes_the_check(http, server):
    with http.stream(
        "POST",
        "/v1/ask",
        json={"question": "Wo plant Alibaba neue Rechenzentren?", "stream": True},
        headers={"Origin": f"http://localhost:{server.port}"},
    ) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        text = "".join(r.iter_text())
    assert "event: token" in text and "event: answer" in text and "Brasilien" in text
    r = http.post(
        "/v1/ask", json={"question": "Wo plant Alibaba neue Rechenzentren?", "stream": True}, headers={"Origin": EVIL}
    )
    refused(r, 403, "Origin")


# --- Host: a DNS-rebound name reaches the socket but is refused ----------------------------------------------------


def test_a_foreign_host_can_neither_list_nor_delete(http, server):
    rebound = {"Host": f"rebind.evil.example:{server.port}"}
    message = refused(http.get("/v1/articles", headers=rebound), 403, "Host", "rebind.evil.example", "QUELLE_API_KEY")
    assert f"127.0.0.1:{server.port}" in message
    assert refused(http.get("/v1/articles", headers=rebound), 403).count("Host") >= 1
    r = http.delete(f"/v1/articles/{ALIBABA}", headers=rebound)
    refused(r, 403, "Host")
    assert r.json()["error"]["code"] == "foreign_host"
    refused(upload(http, Host=rebound["Host"]), 403, "Host")
    refused(http.get("/healthz", headers=rebound), 403, "Host")  # consistent: every route is host-checked
    assert ALIBABA in ids(http) and TITLE not in titles(http)


def test_loopback_hosts_with_the_servers_port_pass(http, server):
    port = server.port
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"LOCALHOST:{port}", f"[::1]:{port}", f"127.8.9.10:{port}"):
        r = http.get("/v1/stats", headers={"Host": host})
        assert r.status_code == 200, (host, r.text)
        refused(http.get("/v1/stats", headers={"Host": host.replace(str(port), str(other_port(port)))}), 403, "Host")
    assert http.get("/healthz").json() == {"status": "ok"}


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1:{other}",  # loopback, the wrong port
        "localhost:{other}",
        "localhost",  # no port means 80; this server is not on 80
        "127.0.0.1",
        "[::1]",
        "evil.example",
        "127.0.0.1.evil.example:{port}",
        "localhost.evil.example:{port}",
        "sub.localhost:{port}",
        "evil.example@127.0.0.1:{port}",
        "0.0.0.0:{port}",
        "10.0.0.5:{port}",
        "::1:{port}",  # IPv6 without brackets
        "127.0.0.1:{port}:{port}",
        "127.0.0.1:0{port}x",
    ],
)
def test_other_hosts_are_refused(http, server, host):
    value = host.format(port=server.port, other=other_port(server.port))
    refused(http.get("/v1/stats", headers={"Host": value}), 403, "Host")


def other_port(port: int) -> int:
    return port + 1 if port < 65535 else port - 1


def raw(port: int, request: bytes) -> tuple[int, bytes]:
    """Send bytes as they are (no client rewrites the Host) and return the status and the body."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(request)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


def test_raw_requests_against_the_real_server(http, server):
    port = server.port
    status, body = raw(
        port,
        f"DELETE /v1/articles/{ALIBABA} HTTP/1.1\r\nHost: rebind.evil.example:{port}\r\nConnection: close\r\n\r\n".encode(),
    )
    assert status == 403 and b"rebind.evil.example" in body
    assert json.loads(body)["error"]["code"] == "foreign_host"
    status, body = raw(port, b"GET /v1/stats HTTP/1.0\r\n\r\n")  # no Host at all
    assert status == 403 and b"Host" in body
    form = (
        b'--XyZ\r\nContent-Disposition: form-data; name="files"; filename="seilbahn.md"\r\n'
        b"Content-Type: text/markdown\r\n\r\n" + ARTICLE.encode() + b"\r\n--XyZ--\r\n"
    )
    status, body = raw(
        port,
        (
            f"POST /v1/articles HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nOrigin: {EVIL}\r\n"
            f"Content-Type: multipart/form-data; boundary=XyZ\r\nContent-Length: {len(form)}\r\nConnection: close\r\n\r\n"
        ).encode()
        + form,
    )
    assert status == 403 and b"Origin" in body
    status, body = raw(port, f"GET /v1/stats HTTP/1.1\r\nHost: localhost:{port}\r\nConnection: close\r\n\r\n".encode())
    assert status == 200 and json.loads(body)["articles"] >= 8
    assert ALIBABA in ids(http) and TITLE not in titles(http)


# --- with a key: the key decides, as before -------------------------------------------------------------------


def test_with_a_key_host_and_origin_are_not_checked_and_no_cors_is_granted(keyed_server):
    auth = {"Authorization": f"Bearer {KEY}"}
    with httpx.Client(base_url=keyed_server.base, timeout=120) as c:
        # behind a proxy or on the network the server has other names: the key is the protection
        r = c.get("/v1/stats", headers={**auth, "Host": "quelle.intern.example", "Origin": EVIL})
        assert r.status_code == 200, r.text
        assert "access-control-allow-origin" not in r.headers
        # without the key: 401 as before, whatever Host and Origin say
        r = c.get("/v1/stats", headers={"Host": "rebind.evil.example", "Origin": EVIL})
        refused(r, 401, "API key")
        # a cross-site page would need a CORS preflight to send Authorization: it is not granted
        pre = c.options(
            "/v1/articles",
            headers={
                "Origin": EVIL,
                "Access-Control-Request-Method": "DELETE",
                "Access-Control-Request-Headers": "authorization",
            },
        )
        assert pre.status_code in (401, 405) and not any(h.startswith("access-control-") for h in pre.headers)
        assert c.get("/healthz", headers={"Host": "quelle.intern.example"}).status_code == 200


def test_without_a_key_a_preflight_from_another_site_is_refused(http):
    pre = http.options("/v1/articles", headers={"Origin": EVIL, "Access-Control-Request-Method": "DELETE"})
    refused(pre, 403, "Origin")
    assert not any(h.startswith("access-control-") for h in pre.headers)


# --- body limits follow the route -----------------------------------------------------------------------------------

FIVE_MB = b"--XyZ\r\n" + b"a" * 5_000_000 + b"\r\n--XyZ--\r\n"
MULTIPART = {"Content-Type": "multipart/form-data; boundary=XyZ"}


@pytest.mark.parametrize(
    "method, path",
    [
        ("POST", "/v1/ask"),
        ("POST", "/v1/chat/completions"),
        ("DELETE", f"/v1/articles/{ALIBABA}"),  # the route would delete if it ran
        ("GET", "/v1/articles"),
    ],
)
def test_a_json_route_refuses_a_big_body_labelled_multipart(http, method, path):
    r = http.request(method, path, content=FIVE_MB, headers=MULTIPART)
    refused(r, 413, "request body", "limit", "1 MB")
    assert ALIBABA in ids(http)


def test_a_json_route_counts_a_chunked_body_labelled_multipart(http):
    def chunked():  # no Content-Length: counted while it is read
        for _ in range(30):
            yield b"a" * 100_000

    r = http.post("/v1/ask", content=chunked(), headers=MULTIPART)
    refused(r, 413, "request body", "1 MB")
    assert ALIBABA in ids(http)


def test_the_upload_routes_still_take_multi_mb_bodies(http):
    big = b"MZ" + b"\x00" * 3_000_000  # refused per file (.exe) after the 3 MB request body was read
    r = http.post(
        "/v1/articles",
        files=[("files", ("seilbahn-gross.md", BIG_ARTICLE.encode())), ("files", ("gross.exe", big))],
    )
    assert r.status_code == 200, r.text
    rows = r.json()["files"]
    assert rows[0]["status"] == "added" and rows[1]["status"] == "failed"
    (article_id,) = rows[0]["articles"]
    assert http.delete(f"/v1/articles/{article_id}").status_code == 200
    # the batch route takes multipart uploads too: a 3 MB file gets the file check (415), not the body limit
    r = http.post("/v1/batch", files={"file": ("fragen.pdf", b"%PDF-1.4" + b" " * 3_000_000)})
    refused(r, 415, "fragen.pdf")
    # a multipart body of that size to a JSON route is over its limit
    refused(http.post("/v1/ask", content=FIVE_MB, headers=MULTIPART), 413, "request body")


def test_the_upload_table_names_exactly_the_routes_that_take_files(store):
    from quelle.api import create_app
    from quelle.api.app import UPLOAD_ROUTES

    spec = create_app(store.settings, store).openapi()
    multipart = {
        (method.upper(), path)
        for path, ops in spec["paths"].items()
        for method, op in ops.items()
        if "multipart/form-data" in (op.get("requestBody") or {}).get("content", {})
    }
    assert multipart == set(UPLOAD_ROUTES) == {("POST", "/v1/articles"), ("POST", "/v1/batch")}


def test_refusals_are_sent_before_the_body(server):
    """Only the headers of a 50 MB request are sent (Expect: 100-continue): the refusal comes at once, without
    asking for the body."""
    port = server.port
    head = (
        "POST {path} HTTP/1.1\r\nHost: {host}\r\n{extra}Content-Type: multipart/form-data; boundary=XyZ\r\n"
        "Content-Length: 50000000\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n"
    )
    for path, host, extra, status in (
        ("/v1/articles", f"127.0.0.1:{port}", f"Origin: {EVIL}\r\n", 403),
        ("/v1/articles", f"rebind.evil.example:{port}", "", 403),
        ("/v1/ask", f"127.0.0.1:{port}", "", 413),
    ):
        got, body = raw(port, head.format(path=path, host=host, extra=extra).encode())
        assert got == status and b"100 Continue" not in body, (path, host, body)


def test_in_process_clients_need_a_loopback_base_url(store):
    """Starlette's TestClient says Host 'testserver' (port 80) unless given a base URL: refused like any other
    name; with base_url http://127.0.0.1:<port> Host and the server's port agree and the request passes."""
    from fastapi.testclient import TestClient

    from quelle.api import create_app

    app = create_app(store.settings, store)
    refused(TestClient(app).get("/healthz"), 403, "Host 'testserver'")
    assert TestClient(app, base_url="http://127.0.0.1:8080").get("/healthz").json() == {"status": "ok"}
    assert TestClient(app, base_url="http://localhost").get("/healthz").status_code == 200  # port 80 both ways
    other = TestClient(app, base_url="http://127.0.0.1:8080", headers={"Origin": "http://localhost:8081"})
    refused(other.get("/healthz"), 403, "Origin")
