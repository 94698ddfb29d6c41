"""A real OpenAI-protocol HTTP server for tests: chat completions (plain JSON and streaming SSE) with
scripted replies, on a free localhost port, in a background thread (stdlib only).

    from fake_openai import FakeOpenAI, Reply   # tests/ is on sys.path under pytest (conftest.py lives there)

    with FakeOpenAI(replies=["Alibaba baut in Brasilien [1].", 429, Reply(delay=2.0, text="spät")]) as srv:
        settings = settings.with_(llm="openai", openai_base_url=srv.base_url, llm_backoff_initial=0.01)
        ...
        srv.requests        # every request body received (dicts), in order
        srv.calls           # number of /chat/completions calls

Replies are used one per /chat/completions call, in order; the LAST one repeats once the list is used up
(so `replies=[500]` is "500 always"). A reply is:
  - a str: the assistant's text (streamed word by word when the request asks for stream=true),
  - an int: that HTTP status with an OpenAI-style error body,
  - Reply(text=..., status=200, delay=0.0, chunk_delay=0.0, error=..., headers={...}),
  - a callable(request_body) -> any of the above (e.g. to answer from the prompt).
`api_key="sk-test"` makes every request without `Authorization: Bearer sk-test` get 401.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Sequence, Union


@dataclass
class Reply:
    text: str = ""
    status: int = 200
    delay: float = 0.0  # seconds before the response starts
    chunk_delay: float = 0.0  # seconds between streamed chunks
    error: str = ""  # error message for status >= 400
    headers: dict = field(default_factory=dict)


ReplySpec = Union[str, int, Reply, Callable[[dict], Any]]

_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "invalid_api_key",
    403: "permission_denied",
    404: "not_found_error",
    429: "rate_limit_exceeded",
}


def as_reply(spec: Any, request: dict) -> Reply:
    if callable(spec) and not isinstance(spec, Reply):
        spec = spec(request)
    if isinstance(spec, Reply):
        return spec
    if isinstance(spec, bool):
        raise TypeError("a reply is a str, an int status or a Reply")
    if isinstance(spec, int):
        return Reply(status=spec)
    if isinstance(spec, str):
        return Reply(text=spec)
    raise TypeError(f"unknown reply {spec!r}: use a str, an int status, a Reply or a callable")


def tokens(text: str) -> list[str]:
    """How the text is streamed: words with their following spaces, brackets split off ("[", "1", "]")."""
    return [t for t in re.findall(r"\[|\]|[^\s\[\]]+\s*|\s+", text) if t]


class FakeOpenAI:
    def __init__(self, replies: Sequence[ReplySpec] = ("OK",), api_key: str | None = None, model: str = "fake-model"):
        if not replies:
            raise ValueError("FakeOpenAI needs at least one reply")
        self.replies = list(replies)
        self.api_key = api_key
        self.model = model
        self.requests: list[dict] = []
        self.headers: list[dict] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------------------------
    def start(self) -> "FakeOpenAI":
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "FakeOpenAI":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server, "server not started"
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def calls(self) -> int:
        return len(self.requests)

    def last_messages(self) -> list[dict]:
        return self.requests[-1]["messages"] if self.requests else []

    def _next(self, request: dict) -> Reply:
        with self._lock:
            i = len(self.requests)
            self.requests.append(request)
        spec = self.replies[min(i, len(self.replies) - 1)]
        return as_reply(spec, request)

    def _sleep(self, seconds: float) -> None:
        self._stop.wait(seconds)

    # -- HTTP -------------------------------------------------------------------------------------------
    def _handler_class(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def _json(self, status: int, body: dict, headers: dict | None = None):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, str(v))
                self.end_headers()
                self.wfile.write(data)

            def _error(self, status: int, message: str, headers: dict | None = None):
                self._json(
                    status,
                    {
                        "error": {
                            "message": message,
                            "type": _ERROR_TYPES.get(status, "server_error"),
                            "code": _ERROR_TYPES.get(status),
                        }
                    },
                    headers,
                )

            def do_GET(self):
                if self.path.rstrip("/").endswith("/models"):
                    self._json(200, {"object": "list", "data": [{"id": fake.model, "object": "model"}]})
                else:
                    self._error(404, f"no route {self.path}")

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    self._error(404, f"no route {self.path}")
                    return
                try:
                    body = json.loads(raw or b"{}")
                except json.JSONDecodeError:
                    self._error(400, "request body is not JSON")
                    return
                fake.headers.append(dict(self.headers))
                if fake.api_key and self.headers.get("Authorization") != f"Bearer {fake.api_key}":
                    with fake._lock:
                        fake.requests.append(body)
                    self._error(401, "Incorrect API key provided.")
                    return
                reply = fake._next(body)
                if reply.delay:
                    fake._sleep(reply.delay)
                if fake._stop.is_set():
                    return
                try:
                    if reply.status >= 400:
                        self._error(reply.status, reply.error or f"scripted error {reply.status}", reply.headers)
                    elif body.get("stream"):
                        self._stream(body, reply)
                    else:
                        self._json(reply.status, completion(body, reply.text, fake.model), reply.headers)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
                    pass

            def _stream(self, body: dict, reply: Reply):
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.send_header("Connection", "close")
                self.end_headers()
                self.close_connection = True
                model = body.get("model") or fake.model
                cid = f"chatcmpl-fake{fake.calls}"

                def send(delta: dict, finish: str | None = None):
                    chunk = {
                        "id": cid,
                        "object": "chat.completion.chunk",
                        "created": int(time.time()),
                        "model": model,
                        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
                    }
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()

                send({"role": "assistant", "content": ""})
                for tok in tokens(reply.text):
                    if reply.chunk_delay:
                        fake._sleep(reply.chunk_delay)
                    send({"content": tok})
                send({}, "stop")
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()

        return Handler


def completion(request: dict, text: str, model: str) -> dict:
    prompt_chars = sum(len(str(m.get("content", ""))) for m in request.get("messages", []))
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.get("model") or model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {
            "prompt_tokens": prompt_chars // 4,
            "completion_tokens": len(text) // 4,
            "total_tokens": (prompt_chars + len(text)) // 4,
        },
    }
