"""The index, one owner: the Chroma store of chunks, the lexical (BM25) index kept in step with it, the store's
revision and the write protocol. Everything outside vectorstore/ — the UI, the CLI, Library, Resources, the
evaluation and the benchmark — reads, writes and searches the index through this class, never through Chroma or
bm25s themselves. (The store and the retriever stay reachable as `index.store` / `index.retriever` for tests
that simulate another process.)

Write protocol (see bench/README.md, "Chroma server mode and the lexical index"): `begin_write()` brings the
lexical index in step and moves the store's revision; the caller writes (`write_articles`, `update_sources`,
`delete_article`) and records the articles it touched in the returned Write; `end_write()` moves the revision
again and indexes exactly those articles (or compares everything when another process wrote meanwhile).
`writing()` is the same as a context manager.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from ingest.models import Article, Chunk
from vectorstore.embeddings import Embedder, EmbeddingError, EmbeddingUnavailable
from vectorstore.filters import Filters
from vectorstore.lexical import LexicalIndex
from vectorstore.published import PublishedIndex
from vectorstore.retrieve import Passage, Retriever, Write
from vectorstore.store import ChunkStore, StoredChunk


class Index:
    def __init__(self, store: ChunkStore, retriever: Retriever):
        self.store = store
        self.retriever = retriever
        self._local = threading.local()

    @classmethod
    def open(cls, settings, embedder: Embedder) -> "Index":
        """The store named by settings (embedded or a Chroma server) and its lexical index on disk."""
        store = ChunkStore(settings, embedder.name, lambda: embedder.dimension)
        lexical = LexicalIndex(settings.lexical_dir)
        reranker = getattr(settings, "reranker", None)  # the optional reranker (vectorstore/rerankers.py)
        shared = getattr(settings, "lexical_published_dir", None)  # QUELLE_LEXICAL_SHARED_DIR with a server
        published = PublishedIndex(shared) if shared else None
        return cls(
            store, Retriever(store, embedder, lexical, reranker, getattr(settings, "rerank_top_n", 30), published)
        )

    # --- reading ---------------------------------------------------------------------------------------------
    @property
    def location(self) -> str:
        return self.store.location

    @property
    def revision(self) -> str:
        return self.store.revision

    def count(self) -> int:
        """Chunks stored."""
        return self.store.count()

    def list_articles(self) -> list[dict]:
        """First-chunk metadata of every article, newest first (another process's writes seen)."""
        return self.store.list_articles()

    def has_article(self, article_id: str) -> bool:
        return self.store.has_article(article_id)

    def article_status(self, article_id: str) -> tuple[dict | None, bool]:
        return self.store.article_status(article_id)

    def find_by_text_hash(self, text_hash: str, exclude_article_id: str = "") -> dict | None:
        return self.store.find_by_text_hash(text_hash, exclude_article_id)

    def iter_chunks(self, page_size: int = 5000) -> Iterator[StoredChunk]:
        return self.store.iter_chunks(page_size)

    # --- searching -------------------------------------------------------------------------------------------
    def retrieve(
        self,
        query: str,
        k: int,
        mode: str = "hybrid",
        filters: Filters | None = None,
        dense_weight: float = 0.2,
        language: str = "de",
        rerank: float = 0.0,
    ) -> list[Passage]:
        """The k best passages. When the embedding server cannot be reached (EmbeddingUnavailable) or embedding
        fails otherwise (EmbeddingError: "embedding failed: …"), the lexical side answers alone (mode bm25 for
        this question): `fallback_note` says so, and so does each passage's `extra["fallback"]`, so that the
        answer can carry the flag."""
        self._local.note = None
        try:
            return self.retriever.retrieve(query, k, mode, filters, dense_weight, language, rerank)
        except EmbeddingError as e:  # unreachable, or a server that answers wrongly (a bad key, a wrong dimension)
            if mode == "bm25":
                raise
            note = str(e) if isinstance(e, EmbeddingUnavailable) else f"embedding failed: {e}"
        self._local.note = note
        passages = self.retriever.retrieve(query, k, "bm25", filters, dense_weight, language, rerank)
        for p in passages:
            p.extra["fallback"] = note
        return passages

    @property
    def fallback_note(self) -> str | None:
        """Why this thread's last retrieve() fell back to the lexical side ("embedding server unreachable: …"),
        or None when it did not."""
        return getattr(self._local, "note", None)

    @property
    def idf(self):
        """The lexical index's idf (term -> weight) as of now: the answerer's term weights."""
        return self.retriever.lexical.idf

    def lexical_count(self) -> int:
        """Chunks the lexical index holds now (the store's count() when it is in step)."""
        return len(self.retriever.lexical)

    def sync_lexical(self, force: bool = False) -> bool:
        """Bring the lexical index in step with the store; True when it had to change."""
        return self.retriever.sync_lexical(force)

    def publish_lexical(self) -> bool:
        """Publish the lexical index (brought in step first) for the other processes of a shared server; False when
        nothing is shared (no QUELLE_LEXICAL_SHARED_DIR) or this revision is published already."""
        self.sync_lexical()
        published = self.retriever.published
        return published is not None and published.publish(self.retriever.lexical)

    def build_lexical(self, directory: Path) -> LexicalIndex:
        """A lexical index of the whole store built from scratch in `directory` (what a new machine does)."""
        scratch = Retriever(self.store, self.retriever.embedder, LexicalIndex(directory))
        scratch.sync_lexical(force=True)
        return scratch.lexical

    # --- writing ---------------------------------------------------------------------------------------------
    def begin_write(self) -> Write:
        return self.retriever.begin_write()

    def end_write(self, write: Write) -> None:
        self.retriever.end_write(write)

    @contextmanager
    def writing(self, articles: set[str] | None = None) -> Iterator[Write]:
        """begin_write() … end_write(), also when the write fails half-way."""
        write = self.begin_write()
        write.articles.update(articles or ())
        try:
            yield write
        finally:
            self.end_write(write)

    def write_articles(self, items: list[tuple[Article, list[Chunk], np.ndarray, list[str] | None]]) -> None:
        self.store.write_articles(items)

    def update_sources(self, article_id: str, sources: list[str]) -> None:
        self.store.update_sources(article_id, sources)

    def delete_article(self, article_id: str) -> int:
        return self.store.delete_article(article_id)

    def bulk_add(self, groups: Iterable[tuple[list[str], np.ndarray, list[str], list[dict]]]) -> None:
        """Groups of chunk records as write_articles makes them (ids, vectors, texts, chunk_metadata), upserted
        by the product's write call, with the revision moved before and after but the lexical index not told: to
        this process it is what another process's bulk write is, and the next sync_lexical() indexes it (the
        benchmark grows its stores this way)."""
        self.store.bump_revision()
        for ids, vectors, texts, metadatas in groups:
            self.store.upsert(ids, vectors, texts, metadatas)
        self.store.bump_revision()
