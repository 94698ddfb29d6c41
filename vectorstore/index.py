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

Near-duplicate groups (vectorstore/groups.py, docs/dedup.md): `write_articles` puts each article into its group and
stores the group with its chunks and the signature with its first chunk; `delete_article` takes it out (a group named
after it is renamed). The state (`Groups`) is read from the stored first chunks once per store revision, so a
restart, another process's write and an incremental ingest keep the groups without reading article texts again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from ingest.models import Article, Chunk
from vectorstore.embeddings import Embedder, EmbeddingError, EmbeddingUnavailable
from vectorstore.filters import Filters
from vectorstore.groups import Groups, Member, encode, shingles
from vectorstore.groups import signed as text_signature
from vectorstore.lexical import LexicalIndex
from vectorstore.published import PublishedIndex
from vectorstore.retrieve import Passage, Retriever, Write
from vectorstore.store import ChunkStore, StoredChunk

if TYPE_CHECKING:
    from reader.question import Question


class Index:
    def __init__(self, store: ChunkStore, retriever: Retriever):
        self.store = store
        self.retriever = retriever
        self._local = threading.local()
        self._groups: Groups | None = None  # near-duplicate groups as of `_groups.revision` (see groups())
        self._groups_lock = threading.RLock()
        retriever.groups = self.groups  # retrieval keeps one article per group (Retriever.retrieve)

    @classmethod
    def open(cls, settings, embedder: Embedder) -> "Index":
        """The store named by settings (embedded or a Chroma server) and its lexical index on disk."""
        store = ChunkStore(settings, embedder.name, lambda: embedder.dimension)
        lexical = LexicalIndex(settings.lexical_dir)
        reranker = getattr(settings, "reranker", None)  # the optional reranker (vectorstore/rerankers.py)
        key = getattr(settings, "reranker_api_key", None)
        key = key.get_secret_value() if hasattr(key, "get_secret_value") else key
        top_n = getattr(settings, "rerank_top_n", 30)
        shared = getattr(settings, "lexical_published_dir", None)  # QUELLE_LEXICAL_SHARED_DIR with a server
        published = PublishedIndex(shared) if shared else None
        return cls(store, Retriever(store, embedder, lexical, reranker, top_n, published, reranker_api_key=key))

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
        query: "Question | str",
        k: int,
        mode: str = "hybrid",
        filters: Filters | None = None,
        dense_weight: float = 0.2,
        language: str = "de",
        rerank: float = 0.0,
    ) -> list[Passage]:
        """The k best passages for a question (reader/question.py; a text is analysed). When the embedding server cannot be reached (EmbeddingUnavailable) or embedding
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

    # --- near-duplicate groups -------------------------------------------------------------------------------
    def groups(self) -> Groups:
        """The groups of the stored articles, read again from the store when its revision moved (another process
        wrote, or a bulk write) — not after this process's own writes, which keep the state themselves."""
        with self._groups_lock:
            g = self._groups
            if g is not None and g.revision and g.revision == self.retriever.lexical.revision:
                return g  # in step with the lexical index, which a search has just brought in step with the store
            revision = self.store.revision
            if g is None or g.revision != revision:
                g = Groups.from_heads(self.store.list_articles())
                g.revision = revision
                self._groups = g
            return g

    def group_listing(self) -> list[dict]:
        """Groups of two or more articles: [{"group", "articles": [ids, the representative first]}], largest
        first."""
        copies = self.groups().copies()
        rows = [{"group": g, "articles": [m.article_id for m in ms]} for g, ms in copies.items()]
        return sorted(rows, key=lambda r: (-len(r["articles"]), r["group"]))

    def ungrouped(self) -> int:
        """Stored articles without a signature (stored before groups existed, or in bulk): `quelle regroup`."""
        groups = self.groups()
        return sum(1 for a in list(groups.members) if not groups.has_signature(a))

    def _assign_groups(self, articles: list[Article]) -> tuple[dict[str, dict], dict[str, str]]:
        """Each article's group and encoded signature (for its chunks), and the other articles whose group was
        renamed on the way (an updated article that left a group named after it)."""
        groups = self.groups()
        grouping, moved = {}, {}
        for art in articles:
            items = shingles(art.text)
            sig = text_signature(items)
            member = Member(art.article_id, "", art.date, art.source, art.url, art.title, len(art.text), len(items))
            moved.update(groups.assign(member, sig))
            grouping[art.article_id] = {"group": member.group, "minhash": encode(sig), "shingles": len(items)}
        for aid in grouping:
            moved.pop(aid, None)
        return grouping, moved

    def regroup(self, progress=None) -> int:
        """Sign and group the stored articles that have no signature (stored before grouping existed, or written in
        bulk): their texts are put together from their chunks once. Call inside a write (`writing()`). Returns how
        many were signed; `progress(done, total)` after each."""
        with self._groups_lock:
            groups = self.groups()
            missing = sorted(a for a in groups.members if not groups.has_signature(a))
            try:
                for i in range(0, len(missing), 200):
                    texts = self.store.article_texts(missing[i : i + 200])
                    for aid, text in texts.items():
                        items = shingles(text)
                        sig = text_signature(items)
                        member = groups.members[aid]
                        member.length, member.shingles = len(text), len(items)
                        moved = groups.assign(member, sig)
                        grouping = {"group": member.group, "minhash": encode(sig), "shingles": len(items)}
                        self.store.set_signature(aid, grouping, len(text))
                        self.store.set_groups({a: g for a, g in moved.items() if a != aid})
                    if progress:
                        progress(min(i + 200, len(missing)), len(missing))
            except Exception:
                self._forget_groups()
                raise
        return len(missing)

    # --- writing ---------------------------------------------------------------------------------------------
    def begin_write(self) -> Write:
        before = self.store.revision
        write = self.retriever.begin_write()
        with self._groups_lock:  # our own revision move changes no group
            if self._groups is not None and self._groups.revision == before:
                self._groups.revision = write.mine
        return write

    def end_write(self, write: Write) -> None:
        concurrent = self.store.revision != write.mine
        self.retriever.end_write(write)
        with self._groups_lock:  # the groups follow this write; another process's write means reading them again
            g = self._groups
            if g is not None and not concurrent and g.revision == write.mine:
                g.revision = self.store.revision

    @contextmanager
    def writing(self, articles: set[str] | None = None) -> Iterator[Write]:
        """begin_write() … end_write(), also when the write fails half-way."""
        write = self.begin_write()
        write.articles.update(articles or ())
        try:
            yield write
        finally:
            self.end_write(write)

    def write_articles(
        self, items: list[tuple[Article, list[Chunk], np.ndarray | None, list[str] | None]], pending: bool = False
    ) -> None:
        """Store the articles' chunks, each article in its near-duplicate group (groups renamed on the way are
        written too). A failed write makes the groups be read from the store again. `pending`: stored before they
        are embedded (write_pending)."""
        try:
            with self._groups_lock:  # held for the assignment only: a question asked meanwhile does not wait on Chroma
                grouping, moved = self._assign_groups([art for art, *_ in items])
            self.store.write_articles(items, grouping, pending=pending)
            self.store.set_groups(moved)
        except Exception:
            self._forget_groups()
            raise

    def _forget_groups(self) -> None:
        """The state may differ from the store after a failed write: read it again at the next use."""
        with self._groups_lock:
            self._groups = None

    def update_sources(self, article_id: str, sources: list[str]) -> None:
        self.store.update_sources(article_id, sources)

    def delete_article(self, article_id: str) -> int:
        """Delete an article's chunks; its copies stay grouped (a group named after it is renamed after its new
        representative)."""
        try:
            self.groups()  # read before the delete: the state then knows the article's group
            n = self.store.delete_article(article_id)
            with self._groups_lock:
                moved = self.groups().remove(article_id) if n else {}
            self.store.set_groups(moved)
        except Exception:
            self._forget_groups()
            raise
        return n

    def bulk_add(self, groups: Iterable[tuple[list[str], np.ndarray, list[str], list[dict]]]) -> None:
        """Groups of chunk records as write_articles makes them (ids, vectors, texts, chunk_metadata), upserted
        by the product's write call, with the revision moved before and after but the lexical index not told: to
        this process it is what another process's bulk write is, and the next sync_lexical() indexes it (the
        benchmark grows its stores this way)."""
        self.store.bump_revision()
        for ids, vectors, texts, metadatas in groups:
            self.store.upsert(ids, vectors, texts, metadatas)
        self.store.bump_revision()

    # --- embedding later (quelle/embedding_worker.py): chunks searchable lexically first, vectors after ----------
    def write_pending(self, items: list[tuple[Article, list[Chunk], None, list[str] | None]]) -> None:
        """Store articles' chunks before they are embedded (inside a write, as write_articles): the lexical side
        and the evidence stage find them at end_write; the dense side once write_embeddings gave them vectors. Each
        article is grouped like one written with its vectors."""
        self.write_articles(items, pending=True)

    def pending_count(self) -> int:
        """Chunks stored but not embedded yet."""
        return self.store.pending_count()

    def pending_chunks(self, limit: int) -> list[StoredChunk]:
        return self.store.pending_chunks(limit)

    def write_embeddings(self, chunks: list[StoredChunk], vectors: np.ndarray) -> int:
        """Vectors for pending chunks, under the write protocol (the revision moves, so other processes see them;
        the lexical index has nothing to index: texts did not change). Chunks replaced meanwhile are skipped."""
        with self.writing():
            return self.store.write_embeddings(chunks, vectors)
