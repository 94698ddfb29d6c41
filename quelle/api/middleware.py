"""Plain ASGI middleware (streams pass through untouched): a JSON log line per request, the API key check and
request body limits."""

from __future__ import annotations

import hmac
import json
import logging
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


class BodyLimit:
    """Refuse bodies over the limit: by Content-Length before reading, else while reading (413)."""

    def __init__(self, app, json_bytes: int, upload_bytes: int):
        self.app = app
        self.json_bytes, self.upload_bytes = json_bytes, upload_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            return await self.app(scope, receive, send)
        headers = dict(scope["headers"])
        upload = headers.get(b"content-type", b"").lower().startswith(b"multipart/form-data")
        limit = self.upload_bytes if upload else self.json_bytes
        what = "an upload" if upload else "a JSON body"
        problem = f"request body: larger than the limit for {what} ({limit / 1_000_000:g} MB" + (
            ", QUELLE_API_MAX_UPLOAD_MB)" if upload else ")"
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
