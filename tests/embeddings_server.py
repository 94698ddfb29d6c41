"""A scripted OpenAI-compatible embeddings server for tests: POST /v1/embeddings on a free loopback port, in a
background thread (stdlib only), answering with the real vectors of a local sentence-transformers model.

    with EmbeddingsServer(model) as srv:            # model: a loaded SentenceTransformer
        settings.with_(embedding_model="openai:minilm", embedding_base_url=srv.base_url)
        srv.script = [429, 500, "ok"]               # one mode per request, then "ok" for ever
        srv.calls, srv.inputs                       # requests seen, and every input text

Modes: "ok"; an int (that HTTP status, 429 with `Retry-After: srv.retry_after`); "timeout" (answers after
srv.delay seconds); "wrongdim" (vectors of another dimension); "short" (one vector fewer than inputs);
"pertoken" (three vectors per input whose mean is the model's: what llama_cpp.server answers for a model without
pooling); "matrix3d" (a nested list that is neither a vector nor a list of vectors).
`srv.max_batch` > 0: a request with more inputs gets 413 „batch too large“ (as TEI and vLLM answer).
`srv.batch_size`: the model's own batch when it encodes one request (64, as Quelle's in-process embedder).
Also served by bench/http_parity.py (the parity of in-process and HTTP embeddings on news-de).
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class EmbeddingsServer:
    def __init__(self, model):
        self.model = model
        self.script: list = []
        self.calls = 0
        self.inputs: list[str] = []
        self.batches: list[int] = []
        self.max_batch = 0
        self.batch_size = 64
        self.retry_after = "0.2"
        self.delay = 3.0
        self._lock = threading.Lock()

    def _mode(self):
        with self._lock:
            self.calls += 1
            return self.script.pop(0) if self.script else "ok"

    def __enter__(self) -> "EmbeddingsServer":
        srv = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status: int, body: dict, headers: dict | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                try:
                    self.wfile.write(data)
                except OSError:
                    pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                if not self.path.rstrip("/").endswith("/embeddings"):
                    return self._send(404, {"error": {"message": "not found"}})
                texts = body.get("input")
                texts = [texts] if isinstance(texts, str) else list(texts)
                mode = srv._mode()
                if srv.max_batch and len(texts) > srv.max_batch:
                    return self._send(413, {"error": {"message": f"batch too large: {len(texts)} > {srv.max_batch}"}})
                if isinstance(mode, int):
                    headers = {"Retry-After": srv.retry_after} if mode == 429 else {}
                    return self._send(mode, {"error": {"message": f"scripted {mode}"}}, headers)
                if mode == "timeout":
                    time.sleep(srv.delay)
                srv.batches.append(len(texts))
                srv.inputs.extend(texts)
                vecs = srv.model.encode(
                    texts, batch_size=srv.batch_size, normalize_embeddings=True, convert_to_numpy=True
                ).tolist()
                if mode == "wrongdim":
                    vecs = [v[:16] for v in vecs]
                if mode == "short":
                    vecs = vecs[:-1]
                if mode == "pertoken":
                    vecs = [[[x + 0.5 for x in v], v, [x - 0.5 for x in v]] for v in vecs]
                if mode == "matrix3d":
                    vecs = [[[v]] for v in vecs]
                data = [{"object": "embedding", "index": i, "embedding": v} for i, v in enumerate(vecs)]
                self._send(
                    200,
                    {
                        "object": "list",
                        "data": data,
                        "model": body.get("model"),
                        "usage": {"prompt_tokens": 0, "total_tokens": 0},
                    },
                )

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __exit__(self, *exc) -> None:
        try:
            self.stop()
        except Exception:
            pass
