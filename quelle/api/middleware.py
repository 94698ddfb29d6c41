"""Plain ASGI middleware (streams pass through untouched): a JSON log line per request, the access check (the
loopback Host/Origin check without an API key, the key check with one) and request body limits by route."""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import re
import time

from quelle.api.errors import ApiError, error_response

log = logging.getLogger("quelle.api")

OPEN_PATHS = ("/healthz",)  # reachable without the API key


class RequestLog:
    """One structured line per request: method, path, status, latency in ms (and the question only when the
    server runs with --log-questions: the routes put it into the request state then)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        t0 = time.perf_counter()
        state = scope.setdefault("state", {})
        status = 500

        async def sending(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            line = {
                "method": scope["method"],
                "path": scope["path"],
                "status": status,
                "latency_ms": round((time.perf_counter() - t0) * 1000, 1),
                "client": (scope.get("client") or ("", 0))[0],
            }
            if state.get("question") is not None:
                line["question"] = state["question"]
            log.info(json.dumps(line, ensure_ascii=False))


class ApiKey:
    """With a key: every route but /healthz needs `Authorization: Bearer <key>` (compared in constant time)."""

    def __init__(self, app, key: str):
        self.app = app
        self.key = key.encode()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS:
            return await self.app(scope, receive, send)
        header = dict(scope["headers"]).get(b"authorization", b"")
        scheme, _, token = header.partition(b" ")
        if scheme.lower() == b"bearer" and hmac.compare_digest(token.strip(), self.key):
            return await self.app(scope, receive, send)
        message = (
            "Authorization: the API key is wrong"
            if header
            else "Authorization: this server needs an API key (header 'Authorization: Bearer <QUELLE_API_KEY>')"
        )
        response = error_response(
            401,
            message,
            "Authorization",
            "invalid_api_key" if header else "missing_api_key",
            headers={"WWW-Authenticate": "Bearer"},
        )
        await response(scope, receive, send)


# --- without an API key: only this server on loopback, never another site's page --------------------------------

DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}  # no port in Host or Origin: the default
OWN_ORIGIN_HOSTS = ("127.0.0.1", "localhost", "::1")  # pages of this server: http://<one of these>:<its port>
_HOST = re.compile(r"(?:\[(?P<v6>[0-9a-f:.]+)\]|(?P<name>[a-z0-9.-]+))(?::(?P<port>[0-9]{1,5}))?\Z", re.IGNORECASE)
_ORIGIN = re.compile(r"(?P<scheme>https?)://(?P<host>[^/?#@]+)\Z", re.IGNORECASE)


def host_and_port(value: str, scheme: str) -> tuple[str, int] | None:
    """`name:port`, `1.2.3.4:port` or `[v6]:port` (the port may be left out: the scheme's default) as (host in
    lower case without brackets, port); None for anything else (user info, paths, bare IPv6, bad ports)."""
    m = _HOST.match(value)
    if m is None:
        return None
    if m["v6"] is not None:
        try:
            host = str(ipaddress.IPv6Address(m["v6"]))
        except ValueError:
            return None
    else:
        host = m["name"].lower()
    port = int(m["port"]) if m["port"] else DEFAULT_PORTS.get(scheme.lower())
    return (host, port) if port is not None and 0 < port < 65536 else None


def is_loopback(host: str) -> bool:
    """localhost, 127.0.0.0/8 or ::1 (no other names: *.localhost and the like are refused)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def own_origin(origin: str, port: int) -> bool:
    """An Origin of this server's own pages: http(s)://127.0.0.1|localhost|[::1] with the server's port."""
    m = _ORIGIN.match(origin)
    where = host_and_port(m["host"], m["scheme"]) if m else None
    return where is not None and where[0] in OWN_ORIGIN_HOSTS and where[1] == port


def _shown(value: bytes) -> str:
    text = value.decode("latin-1")
    return text if len(text) <= 100 else text[:100] + "…"


def loopback_refusal(scope) -> tuple[str, str, str] | None:
    """Why a request may not reach the key-less API — (message, param, code) — or None when it may: exactly one
    Host, naming a loopback address with this server's port, and no Origin but this server's own."""
    server = scope.get("server")
    port = server[1] if server and len(server) > 1 else None
    if not isinstance(port, int):
        return (
            "this server does not know its own port (the ASGI server reports no TCP address); without QUELLE_API_KEY "
            "the API answers only on a loopback TCP port (run it with `quelle serve`, or set QUELLE_API_KEY)",
            "Host",
            "unknown_server",
        )
    answers_at = f"http://127.0.0.1:{port} (or localhost:{port}, [::1]:{port})"
    hosts = [v for k, v in scope["headers"] if k == b"host"]
    if len(hosts) != 1:
        what = "no Host header" if not hosts else "more than one Host header"
        return (
            f"Host: the request has {what}; without QUELLE_API_KEY the API answers only requests for {answers_at}",
            "Host",
            "foreign_host",
        )
    where = host_and_port(hosts[0].decode("latin-1"), scope.get("scheme", "http"))
    if where is None or not is_loopback(where[0]) or where[1] != port:
        return (
            f"Host '{_shown(hosts[0])}' is not this server; without QUELLE_API_KEY the API answers only at "
            f"{answers_at}: use that address, or set QUELLE_API_KEY to serve other names",
            "Host",
            "foreign_host",
        )
    for origin in (v for k, v in scope["headers"] if k == b"origin"):
        if not own_origin(origin.decode("latin-1"), port):
            return (
                f"Origin '{_shown(origin)}' is not this server; without QUELLE_API_KEY the API refuses requests from "
                f"web pages of other origins (its own are http://127.0.0.1:{port}, http://localhost:{port}, "
                f"http://[::1]:{port}): call it from a program, not from another site's page, or set QUELLE_API_KEY",
                "Origin",
                "foreign_origin",
            )
    return None


class LoopbackOnly:
    """Without an API key (403 before any body is read, before any route runs): a request must name this server
    on loopback in its Host (a DNS-rebound name reaches the socket but not the API) and carry no Origin of another
    site (a form or script on any web page could otherwise upload and delete). The API grants no CORS, so a
    cross-site page cannot read answers either way."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        refusal = loopback_refusal(scope)
        if refusal is None:
            return await self.app(scope, receive, send)
        if scope["type"] == "websocket":  # no such routes today; closing before accept answers 403
            return await send({"type": "websocket.close", "code": 1008})
        message, param, code = refusal
        response = error_response(403, message, param, code, headers={"Connection": "close"})
        await response(scope, receive, send)


# --- body limits -----------------------------------------------------------------------------------------------


class BodyLimit:
    """Refuse bodies over the route's limit (413): by Content-Length before reading, else while reading. The
    limit follows the route — `upload_routes` ((method, path) pairs) get `upload_bytes`, every other request
    `json_bytes` — never the Content-Type the client chose."""

    def __init__(self, app, json_bytes: int, upload_bytes: int, upload_routes):
        self.app = app
        self.json_bytes, self.upload_bytes = json_bytes, upload_bytes
        self.upload_routes = frozenset(upload_routes)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope["headers"])
        route = f"{scope['method']} {scope['path']}"
        if (scope["method"], scope["path"]) in self.upload_routes:
            limit = self.upload_bytes
            problem = (
                f"request body: larger than the {limit / 1_000_000:g} MB limit for an upload to {route} "
                "(QUELLE_API_MAX_UPLOAD_MB)"
            )
        else:
            limit = self.json_bytes
            uploads = " or ".join(f"{m} {p}" for m, p in sorted(self.upload_routes))
            problem = (
                f"request body: larger than the {limit / 1_000_000:g} MB limit for {route} (a JSON route; files go "
                f"to {uploads})"
            )
        try:
            length = int(headers.get(b"content-length", b"0"))
        except ValueError:
            length = 0
        if length > limit:
            response = error_response(413, problem, "body", "body_too_large", headers={"Connection": "close"})
            return await response(scope, receive, send)
        seen = 0

        async def receiving():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise ApiError(413, problem, "body", "body_too_large")
            return message

        await self.app(scope, receiving, send)
