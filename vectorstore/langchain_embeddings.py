"""A LangChain `Embeddings` over our own Embedder, so LangChain components use the same (bundled) model."""

from __future__ import annotations

from langchain_core.embeddings import Embeddings

from vectorstore.embeddings import Embedder


class QuelleEmbeddings(Embeddings):
    """embed_documents -> passage embeddings (with the passage prefix), embed_query -> query embeddings."""

    def __init__(self, embedder: Embedder):
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embedder.embed_passages(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embedder.embed_query(text).tolist()
