"""Second-stage rerankers by setting (QUELLE_RERANKER, docs/models.md „Reranker“): a model that reads the question
and each passage together and scores how well the passage answers it. One registry, name → factory:

    cross-encoder:<local path or model name>   a sentence-transformers CrossEncoder, on the CPU
    http:<base url>[#model=NAME&shape=tei|cohere]   a `/rerank` endpoint

The HTTP reranker speaks both request shapes in use: TEI (`{"query", "texts"}` → `[{"index", "score"}]`)
and Jina/Cohere (`{"model", "query", "documents", "top_n"}` → `{"results": [{"index", "relevance_score"}]}`). Without
`shape=` it tries TEI first and, when the server refuses that body (a 4xx or an answer of the other form), the
Jina/Cohere body; the shape that worked is kept. `<base url>` is the server's root or its `/v1` (`/rerank` is
appended unless the url already ends in it).

`register(name, factory)` adds a kind; `create(spec, api_key)` opens one (cached per spec and key: a model loads once
per process). `api_key` (QUELLE_RERANKER_API_KEY, default none) goes to the factory as `api_key=` only when set; the
HTTP reranker sends it as `Authorization: Bearer <key>` (Jina, Cohere, a TEI or Infinity started with an API key).
A reranker's `scores(query, texts)` returns one float per text, higher = better; it raises RerankerUnavailable when
it cannot answer (the server is down, a wrong answer), and the retriever then keeps the first stage's order
(vectorstore/retrieve.py)."""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable, Protocol
from urllib.parse import parse_qsl

log = logging.getLogger(__name__)

HTTP_TIMEOUT = 10.0  # seconds for one /rerank call
HTTP_COOLDOWN = 30.0  # after a failure the server is not asked again for this long (each question would wait)
BATCH_SIZE = 32  # pairs per CrossEncoder forward pass


class RerankerError(ValueError):
    """A reranker setting that cannot be used (unknown kind, empty target)."""


class RerankerUnavailable(RuntimeError):
    """The reranker cannot score now (server down, timeout, a wrong answer, a model that does not load)."""


class Reranker(Protocol):
    name: str  # the spec it was made from, e.g. "http:http://127.0.0.1:8080"

    def scores(self, query: str, texts: list[str]) -> list[float]: ...


Factory = Callable[[str], Reranker]  # the part of the spec after "<kind>:" → a reranker

_REGISTRY: dict[str, Factory] = {}
_OPEN: dict[tuple[str, str | None], Reranker] = {}
_lock = threading.Lock()


def register(kind: str, factory: Factory) -> None:
    """Make `QUELLE_RERANKER=<kind>:<target>` open `factory(target)`."""
    _REGISTRY[kind] = factory


def kinds() -> list[str]:
    return sorted(_REGISTRY)


def parse(spec: str) -> tuple[str, str]:
    """'kind:target' → (kind, target); RerankerError when the kind is not registered or the target is empty."""
    kind, sep, target = (spec or "").strip().partition(":")
    if not sep or kind not in _REGISTRY:
        raise RerankerError(
            f"reranker '{spec}': expected one of {', '.join(k + ':…' for k in kinds())} "
            "(e.g. cross-encoder:/models/reranker or http:http://127.0.0.1:8080)"
        )
    if not target.strip():
        raise RerankerError(f"reranker '{spec}': nothing after '{kind}:'")
    return kind, target.strip()


def create(spec: str, api_key: str | None = None) -> Reranker:
    """The reranker named by spec (with this key, if any), opened once per process."""
    kind, target = parse(spec)
    with _lock:
        got = _OPEN.get((spec, api_key))
        if got is None:
            try:
                got = _REGISTRY[kind](target, api_key=api_key) if api_key else _REGISTRY[kind](target)
            except TypeError as e:
                if not api_key:
                    raise
                raise RerankerError(
                    f"reranker '{spec}': QUELLE_RERANKER_API_KEY is set, but a {kind} reranker takes no key ({e})"
                ) from None
            _OPEN[(spec, api_key)] = got
        return got


# --- cross-encoder:<path or name> -------------------------------------------------------------------------------
class CrossEncoderReranker:
    """A sentence-transformers CrossEncoder (loaded on first use; `bundled:` names the bundled model's folder)."""

    def __init__(self, target: str):
        self.name = f"cross-encoder:{target}"
        self.target = target
        self._model = None
        self._lock = threading.Lock()

    def _load(self):
        from sentence_transformers import CrossEncoder

        from vectorstore.embeddings import BUNDLED_PREFIX, bundled_model_path

        path = bundled_model_path() if self.target.startswith(BUNDLED_PREFIX) else self.target
        try:
            return CrossEncoder(path, device="cpu")
        except Exception as e:  # offline: a model that is not on disk cannot be fetched
            raise RerankerUnavailable(
                f"cannot load the cross-encoder '{self.target}': {e}. Models cannot be downloaded here; use a local "
                "path or a model already in the Hugging Face cache."
            ) from e

    def scores(self, query: str, texts: list[str]) -> list[float]:
        with self._lock:  # one load; one forward pass at a time (the CPU is the limit anyway)
            if self._model is None:
                self._model = self._load()
            got = self._model.predict([(query, t) for t in texts], batch_size=BATCH_SIZE, show_progress_bar=False)
        return [float(x) for x in got]


# --- http:<base url> ----------------------------------------------------------------------------------------------
TEI, COHERE = "tei", "cohere"


class HttpReranker:
    """A `/rerank` endpoint (TEI-, Jina- or Cohere-compatible servers); `api_key` is sent as a Bearer token."""

    def __init__(self, target: str, api_key: str | None = None):
        url, _, fragment = target.partition("#")
        options = dict(parse_qsl(fragment))
        self.name = f"http:{target}"
        base = url.rstrip("/")
        self.url = base if base.endswith("/rerank") else base + "/rerank"
        self.model = options.get("model", "")
        shape = options.get("shape", "")
        if shape not in ("", TEI, COHERE):
            raise RerankerError(f"reranker '{self.name}': shape must be '{TEI}' or '{COHERE}', not '{shape}'")
        self.shape = shape or None  # None: not known yet, found on the first call
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._down_until = 0.0
        self._why_down = ""

    def scores(self, query: str, texts: list[str]) -> list[float]:
        import httpx

        if time.monotonic() < self._down_until:
            raise RerankerUnavailable(self._why_down)
        shapes = [self.shape] if self.shape else [TEI, COHERE]
        last = ""
        try:
            with httpx.Client(timeout=HTTP_TIMEOUT, headers=self._headers) as client:
                for shape in shapes:
                    r = client.post(self.url, json=self._body(shape, query, texts))
                    got = self._read(shape, r, len(texts)) if r.status_code < 400 else None
                    if got is not None:
                        self.shape = shape
                        return got
                    last = f"HTTP {r.status_code}" if r.status_code >= 400 else "an answer of an unknown form"
                    if r.status_code in (401, 403):
                        last += " (the server refuses the key: QUELLE_RERANKER_API_KEY)"
                        break  # not a question of the body's shape
                    if r.status_code >= 500:
                        break  # the server failed; the other body would not help
        except httpx.HTTPError as e:
            last = f"{type(e).__name__}: {e}"
        self._why_down = f"the reranker at {self.url} did not answer ({last})"
        self._down_until = time.monotonic() + HTTP_COOLDOWN
        raise RerankerUnavailable(self._why_down)

    def _body(self, shape: str, query: str, texts: list[str]) -> dict:
        if shape == TEI:
            body: dict = {"query": query, "texts": texts}
            if self.model:
                body["model"] = self.model
            return body
        return {"model": self.model, "query": query, "documents": texts, "top_n": len(texts)}

    @staticmethod
    def _read(shape: str, r, n: int) -> list[float] | None:
        """One score per text, in input order; None when the answer is not of this shape."""
        try:
            data = r.json()
            rows = data if shape == TEI else data["results"]
            key = "score" if shape == TEI else "relevance_score"
            if not isinstance(rows, list):
                return None
            out: list[float | None] = [None] * n
            for row in rows:
                i = int(row["index"])
                if not 0 <= i < n:
                    return None
                out[i] = float(row[key])
        except (ValueError, KeyError, TypeError, IndexError):
            return None
        if any(x is None for x in out):
            return None
        return out  # type: ignore[return-value]


register("cross-encoder", CrossEncoderReranker)
register("http", HttpReranker)
