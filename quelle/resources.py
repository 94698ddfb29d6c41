"""The heavy things (embedding model, the index: store + lexical index), opened once from settings and passed
around."""

from __future__ import annotations

from dataclasses import dataclass, field

from quelle.settings import Settings
from vectorstore.embeddings import Embedder, embedder_fits
from vectorstore.index import Index
from vectorstore.retrieve import Retriever
from vectorstore.store import ChunkStore


@dataclass
class Resources:
    settings: Settings
    embedder: Embedder
    index: Index  # the one way to the store and the lexical index (vectorstore.index)
    llm_clients: dict = field(default_factory=dict, repr=False)  # chat backends by settings (quelle.answering.llm)

    @classmethod
    def open(cls, settings: Settings, embedder: Embedder | None = None) -> "Resources":
        """Open the store named by settings; pass `embedder` to reuse an already loaded model. The model itself is
        loaded on its first use: a question asked with --mode bm25 never loads it."""
        if embedder is None or not embedder_fits(embedder, settings):  # same model, prefixes, budget and server
            embedder = Embedder.from_settings(settings)
        return cls(settings, embedder, Index.open(settings, embedder))

    @property
    def store(self) -> ChunkStore:
        """The Chroma side of the index (tests simulate other processes with it; product code uses `index`)."""
        return self.index.store

    @property
    def retriever(self) -> Retriever:
        """The search side of the index (tests; product code uses `index`)."""
        return self.index.retriever

    def compatible_with(self, settings: Settings) -> bool:
        """Can requests with these settings reuse these resources (same model and store)?"""
        keys = (
            "data_dir",
            "collection",
            "chroma_url",
            "lexical_shared_dir",
            "embedding_model",
            "query_prefix",
            "passage_prefix",
            "embedding_base_url",
            "embedding_api_key",
            "embedding_max_tokens",
            "reranker",  # the index's optional reranker (vectorstore/retrieve.py)
            "rerank_top_n",
            "reranker_api_key",
        )
        return all(getattr(self.settings, k) == getattr(settings, k) for k in keys)
