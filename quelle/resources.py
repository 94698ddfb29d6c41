"""The heavy things (embedding model, store, lexical index), opened once from settings and passed around."""

from __future__ import annotations

from dataclasses import dataclass, field

from quelle.settings import Settings
from vectorstore.embeddings import Embedder
from vectorstore.lexical import LexicalIndex
from vectorstore.retrieve import Retriever
from vectorstore.store import ChunkStore


@dataclass
class Resources:
    settings: Settings
    embedder: Embedder
    store: ChunkStore
    retriever: Retriever
    llm_clients: dict = field(default_factory=dict, repr=False)  # chat backends by settings (quelle.answering.llm)

    @classmethod
    def open(cls, settings: Settings, embedder: Embedder | None = None) -> "Resources":
        """Open the store named by settings; pass `embedder` to reuse an already loaded model."""
        if embedder is None or embedder.name != settings.embedding_model:
            embedder = Embedder.from_settings(settings)
        store = ChunkStore(settings, embedder.name)
        lexical = LexicalIndex(settings.lexical_dir)
        return cls(settings, embedder, store, Retriever(store, embedder, lexical))

    def compatible_with(self, settings: Settings) -> bool:
        """Can requests with these settings reuse these resources (same model and store)?"""
        keys = ("data_dir", "collection", "chroma_url", "embedding_model", "query_prefix", "passage_prefix")
        return all(getattr(self.settings, k) == getattr(settings, k) for k in keys)
