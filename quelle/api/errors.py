"""Errors as JSON: every 4xx/5xx is {"error": {"message", "type", "param", "code"}} (the OpenAI error shape, so
OpenAI clients show the message), never a traceback."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

log = logging.getLogger("quelle.api")

TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    405: "invalid_request_error",
    409: "conflict_error",
    413: "request_too_large",
    415: "unsupported_media_type",
    422: "invalid_request_error",
}


class ApiError(HTTPException):
    """A request the API refuses: `message` names the input and the problem."""

    def __init__(
        self, status: int, message: str, param: str | None = None, code: str | None = None, extra: dict | None = None
    ):
        super().__init__(status_code=status, detail=message)
        self.message, self.param, self.code, self.extra = message, param, code, extra or {}


def error_body(status: int, message: str, param: str | None = None, code: str | None = None) -> dict:
    return {
        "error": {
            "message": message,
            "type": TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error"),
            "param": param,
            "code": code,
        }
    }


def error_response(
    status: int,
    message: str,
    param: str | None = None,
    code: str | None = None,
    extra: dict | None = None,
    headers: dict | None = None,
) -> JSONResponse:
    return JSONResponse(
        {**error_body(status, message, param, code), **(extra or {})}, status_code=status, headers=headers
    )


def _validation_message(exc: RequestValidationError) -> tuple[int, str, str | None, str]:
    errors = exc.errors()
    for e in errors:
        if e.get("type") == "json_invalid":
            where = e.get("loc", ("body", 0))[-1]
            why = (e.get("ctx") or {}).get("error", "invalid JSON")
            return 400, f"malformed JSON in the request body: {why} (at character {where})", "body", "malformed_json"
    parts, first = [], None
    for e in errors:
        loc = [str(x) for x in e.get("loc", ()) if x not in ("body", "query", "path", "form")]
        name = ".".join(loc) or "body"
        first = first or name
        msg = e.get("msg", "invalid")
        if e.get("type") == "missing":
            msg = "is required"
        elif e.get("type") == "extra_forbidden":
            msg = "is not a known field"
        parts.append(f"{name}: {msg}")
    return 400, "; ".join(parts) or "invalid request", first, "invalid_value"


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError):
        return error_response(exc.status_code, exc.message, exc.param, exc.code, exc.extra)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        message = exc.detail if isinstance(exc.detail, str) else "request refused"
        if exc.status_code == 404 and message == "Not Found":
            message = f"no such route: {request.method} {request.url.path}"
        elif exc.status_code == 405:
            message = f"method {request.method} is not allowed on {request.url.path}"
        return error_response(exc.status_code, message, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        status, message, param, code = _validation_message(exc)
        return error_response(status, message, param, code)

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(500, f"internal error ({type(exc).__name__}); see the server log")
