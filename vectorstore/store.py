"""The Chroma store: one collection of chunks with article metadata; deterministic ids, upserts, filters.
Used through vectorstore.index.Index; the one use of a chromadb private is `forget_persistent_client`."""

from __future__ import annotations

import hashlib
import json
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from ingest.models import Article, Chunk
from vectorstore.filters import Filters


class StoreError(RuntimeError):
    """The store cannot be used as asked; the message says how to fix it."""


@dataclass
class StoredChunk:
    chunk_id: str
    text: str
    meta: dict
    score: float = 0.0  # cosine similarity for dense hits


def date_int(date: str) -> int:
    """'2026-11-24' -> 20261124 (Chroma compares numbers only); 0 when unknown."""
    digits = "".join(ch for ch in (date or "")[:10] if ch.isdigit())
    if len(digits) == 8:
        return int(digits)
    if len(digits) == 6:
        return int(digits + "01")
    if len(digits) == 4:
        return int(digits + "0101")
    return 0


def chunk_metadata(
    article: Article, chunk: Chunk, n_chunks: int, sources: list[str], grouping: dict | None = None
) -> dict:
    """A chunk's metadata. `grouping`: the article's near-duplicate group (vectorstore/groups.py) — `group` on every
    chunk, the signature (`minhash`), its `shingles` count and `text_chars` on the first."""
    meta = {
        "article_id": article.article_id,
        "chunk_index": chunk.index,
        "n_chunks": n_chunks,
        "title": article.title,
        "date": article.date,
        "date_int": date_int(article.date),
        "source": article.source,
        "url": article.url,
        "path": article.path,
        "author": article.author,
        "language": article.language,
        "content_hash": article.content_hash,
        "text_hash": article.text_hash,
        "sources": json.dumps(sources, ensure_ascii=False),
        "start": chunk.start,
        "end": chunk.end,
    }
    if chunk.page is not None:
        meta["page"] = chunk.page
    if chunk.sentences:  # the chunker's sentence spans: answering and reranking need not split the text again
        meta["sentences"] = sentence_spans_text(chunk.sentences)
    if grouping:
        meta["group"] = grouping["group"]
        if chunk.index == 0:
            meta["minhash"] = grouping["minhash"]
            meta["shingles"] = grouping["shingles"]
            meta["text_chars"] = len(article.text)
    return meta


def sentence_spans_text(spans: list[tuple[int, int]]) -> str:
    return ",".join(f"{s}:{e}" for s, e in spans)


def sentence_spans_of(meta: dict, text: str) -> tuple[tuple[int, int], ...] | None:
    """The stored sentence spans of a chunk (None when the chunk was stored before they were, or they do not fit)."""
    raw = meta.get("sentences")
    if not raw:
        return None
    try:
        spans = tuple((int(a), int(b)) for a, b in (item.split(":") for item in str(raw).split(",")))
    except ValueError:
        return None
    return spans if all(0 <= a < b <= len(text) for a, b in spans) else None


def _client(settings):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_url:
        from urllib.parse import urlparse

        u = urlparse(settings.chroma_url)
        return chromadb.HttpClient(
            host=u.hostname or "localhost", port=u.port or 8000, ssl=u.scheme == "https", settings=chroma_settings
        )
    path = Path(settings.data_dir) / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


def open_client(settings):
    """A Chroma client for the store settings name (embedded or a server)."""
    return _client(settings)


def forget_persistent_client(path: str) -> None:
    """Make chromadb open a persistent store at `path` afresh: it caches one System per path and process
    (`SharedSystemClient._identifier_to_system`, a private of chromadb; tests/test_library_privates.py fails
    when an upgrade renames it)."""
    from chromadb.api.shared_system_client import SharedSystemClient

    SharedSystemClient._identifier_to_system.pop(path, None)
    SharedSystemClient._identifier_to_refcount.pop(path, None)


PENDING_KEY = "embedding_pending"  # 1 on a chunk stored before its vector (write_pending), else absent; an int:
# Chroma indexes int metadata (a bool filter scanned 9k chunks in 70-270 ms, the int one takes 4 ms)
PAGE_KEYS = ("ids", "documents", "metadatas")


def placeholder_vectors(ids: list[str], dimension: int) -> np.ndarray:
    """Vectors for chunks that are not embedded yet: Chroma needs one per record. Unit vectors drawn from each
    chunk id's hash — distinct points, so the HNSW graph does not collapse onto one, and the same for the same id.
    Never a search result: ChunkStore.query drops chunks that carry PENDING_KEY."""
    out = np.empty((len(ids), dimension), dtype=np.float32)
    for i, cid in enumerate(ids):
        seed = int.from_bytes(hashlib.sha256(cid.encode()).digest()[:8], "little")
        v = np.random.default_rng(seed).standard_normal(dimension)
        out[i] = v / np.linalg.norm(v)
    return out


POINTER_SUFFIX = "__active"


def pointer_name(base: str) -> str:
    """The small collection whose metadata names the active collection of `base` (set by `quelle reembed`)."""
    return f"{base}{POINTER_SUFFIX}"


def active_name(client, base: str) -> str:
    """The collection that holds `base`'s chunks now: `base` until `quelle reembed` switched to another."""
    try:
        pointer = client.get_collection(pointer_name(base), embedding_function=None)
    except Exception:  # no pointer: never re-embedded
        return base
    return str((pointer.metadata or {}).get("active") or base)


def set_active_name(client, base: str, name: str) -> None:
    """Switch `base` to the collection `name` in one metadata write (atomic for every reader)."""
    pointer = client.get_or_create_collection(pointer_name(base), metadata={"active": name}, embedding_function=None)
    pointer.modify(metadata={"active": name})


class ChunkStore:
    """Chunks of all articles in one Chroma collection. Every chunk carries its article's metadata."""

    def __init__(
        self,
        settings,
        embedding_model: str,
        dimension: Callable[[], int] | None = None,
        *,
        name: str | None = None,
        check: bool = True,
    ):
        """The active collection of settings.collection (see `active_name`; `name` opens another one, as
        `quelle reembed` does). The collection records the model (and, at the first write, the dimension) its
        vectors were made with; opening it with another model is a StoreError unless `check` is False. A
        collection without a recorded model (made elsewhere, or before models were recorded) is adopted when
        `dimension()` — the configured model's — matches its vectors."""
        self.settings = settings
        self.embedding_model = embedding_model
        self.client = _client(settings)
        self.name = name or active_name(self.client, settings.collection)
        self.collection = self.client.get_or_create_collection(
            self.name,
            metadata={"embedding_model": embedding_model, "revision": uuid.uuid4().hex},
            configuration={"hnsw": {"space": "cosine"}},
            embedding_function=None,
        )
        self._dimension_of = dimension
        if check:
            self._check_model()
        self._batch = max(1, min(self.client.get_max_batch_size(), 1000))
        self._seen_revision = str((self.collection.metadata or {}).get("revision", ""))
        # one Chroma read at a time per store: while another process writes, a Chroma call can block holding the
        # GIL while another thread of ours holds a SQLite read lock the writer waits for -> both processes hang
        self._reading = threading.RLock()
        self._pending_seen: tuple[str, bool] | None = None  # (revision, whether chunks wait for vectors)

    def _check_model(self) -> None:
        meta = self.collection.metadata or {}
        built_with = meta.get("embedding_model")
        if built_with and built_with != self.embedding_model:
            raise StoreError(
                f"the store in {self.location} was built with embedding model '{built_with}', but "
                f"QUELLE_EMBEDDING_MODEL is '{self.embedding_model}'. Either set QUELLE_EMBEDDING_MODEL back to "
                f"'{built_with}', or run 'quelle reembed' to rebuild every stored chunk's vector with "
                f"'{self.embedding_model}' (the old vectors answer until the new set is complete)."
            )
        if built_with:
            return
        # adopt a store without a recorded model when the configured model's dimension fits its vectors
        stored = self.stored_dimension()
        if stored is not None and self._dimension_of is not None:
            mine = int(self._dimension_of())
            if mine != stored:
                raise StoreError(
                    f"the store in {self.location} has no recorded embedding model and vectors of dimension "
                    f"{stored}, but QUELLE_EMBEDDING_MODEL '{self.embedding_model}' makes vectors of dimension "
                    f"{mine}. Set QUELLE_EMBEDDING_MODEL to the model the store was built with, or run "
                    "'quelle reembed'."
                )
        new = {**meta, "embedding_model": self.embedding_model}
        if stored is not None:
            new["embedding_dimension"] = stored
        self.collection.modify(metadata=new)

    def stored_dimension(self) -> int | None:
        """The dimension of the stored vectors: recorded, else read from one chunk (None when empty)."""
        meta = self.collection.metadata or {}
        if meta.get("embedding_dimension"):
            return int(meta["embedding_dimension"])
        got = self.collection.get(limit=1, include=["embeddings"])
        embs = got.get("embeddings")
        if embs is None or len(embs) == 0:
            return None
        return int(len(embs[0]))

    @property
    def location(self) -> str:
        return self.settings.chroma_url or str(Path(self.settings.data_dir))

    # --- revision: changes on every write, so the lexical index can tell it is out of step ----------------
    @property
    def revision(self) -> str:
        with self._reading:
            try:
                self.collection = self.client.get_collection(self.name, embedding_function=None)
            except Exception:  # `quelle reembed` switched to another collection and deleted this one
                self._follow_switch()
            return str((self.collection.metadata or {}).get("revision", ""))

    def _follow_switch(self) -> None:
        """Open the collection the pointer names now (after `quelle reembed` in another process), checked."""
        self.refresh_client()
        name = active_name(self.client, self.settings.collection)
        self.collection = self.client.get_collection(name, embedding_function=None)
        self.name = name
        self._check_model()

    def bump_revision(self) -> str:
        rev = uuid.uuid4().hex
        meta = dict(self.collection.metadata or {})
        meta["revision"] = rev
        meta["embedding_model"] = self.embedding_model
        if self._dimension:
            meta["embedding_dimension"] = self._dimension
        self.collection.modify(metadata=meta)
        self._seen_revision = rev
        return rev

    def refresh(self) -> None:
        """Reopen the store to see another process's writes. Chroma caches a persistent store's vector index per
        process and path, so a reader (the app) kept searching the old one while `quelle ingest` wrote, and got
        'Error finding id' (chroma-core/chroma#3792). Clients opened earlier keep working on their old view."""
        if self.settings.chroma_url:
            return
        self.refresh_client()
        self.collection = self.client.get_collection(self.name, embedding_function=None)

    def refresh_client(self) -> None:
        if not self.settings.chroma_url:
            forget_persistent_client(str(Path(self.settings.data_dir) / "chroma"))
            self.client = _client(self.settings)

    @property
    def _dimension(self) -> int | None:
        got = (self.collection.metadata or {}).get("embedding_dimension")
        return int(got) if got else None

    def _fresh(self) -> None:
        """Refresh when the revision moved without this process writing (another process ingested)."""
        rev = self.revision
        if rev != self._seen_revision:
            self._seen_revision = rev
            self.refresh()

    def _read(self, fn):
        """Run a read, refreshing first if another process wrote, and once more if Chroma's view was stale."""
        from chromadb.errors import InternalError

        with self._reading:
            self._fresh()
            try:
                return fn()
            except InternalError:
                self.refresh()
                return fn()

    # --- articles ------------------------------------------------------------------------------------------
    def article_head(self, article_id: str) -> dict | None:
        """Metadata of an article's first chunk, or None when it is not stored."""
        got = self.collection.get(
            where={"$and": [{"article_id": article_id}, {"chunk_index": 0}]}, include=["metadatas"]
        )
        return got["metadatas"][0] if got["ids"] else None

    def has_article(self, article_id: str) -> bool:
        """Whether the article is stored (another process's writes seen)."""
        return self._read(lambda: self.article_head(article_id)) is not None

    def article_status(self, article_id: str) -> tuple[dict | None, bool]:
        """(metadata of the article's first chunk or None, whether every chunk of that version is stored), in one
        read. An interrupted write leaves a version incomplete, and it is then written again."""
        got = self.collection.get(where={"article_id": article_id}, include=["metadatas"])
        head = next((m for m in got["metadatas"] if m.get("chunk_index") == 0), None)
        if head is None:
            return None, False
        same = [m for m in got["metadatas"] if m.get("content_hash") == head.get("content_hash")]
        n = head.get("n_chunks", -1)
        return head, len(same) == n and len({m["chunk_index"] for m in same}) == n

    def find_by_text_hash(self, text_hash: str, exclude_article_id: str = "") -> dict | None:
        """First-chunk metadata of another stored article with exactly this text (see Article.text_hash)."""
        got = self.collection.get(where={"$and": [{"text_hash": text_hash}, {"chunk_index": 0}]}, include=["metadatas"])
        return next((m for m in got["metadatas"] if m.get("article_id") != exclude_article_id), None)

    def write_articles(
        self,
        items: list[tuple[Article, list[Chunk], np.ndarray | None, list[str] | None]],
        grouping: dict[str, dict] | None = None,
        pending: bool = False,
    ) -> None:
        """Store several articles' chunks in as few Chroma calls as the batch size allows (one call per article
        cost 1.3 s of a 25 s ingest of 48 articles), then remove chunks of their older versions. `grouping`:
        article id -> its group and signature (see chunk_metadata). `pending`: the chunks are stored before they
        are embedded (write_pending)."""
        ids, metas, docs, vecs = [], [], [], []
        grouping = grouping or {}
        flag = {PENDING_KEY: 1 if pending else None}  # None: a chunk written pending before loses the flag
        for article, chunks, embeddings, sources in items:
            sources = sources or [article.path or article.source]
            ids += [c.chunk_id for c in chunks]
            g = grouping.get(article.article_id)
            metas += [{**chunk_metadata(article, c, len(chunks), sources, g), **flag} for c in chunks]
            docs += [c.text for c in chunks]
            if pending:
                embeddings = placeholder_vectors([c.chunk_id for c in chunks], self._placeholder_dimension())
            vecs.append(np.asarray(embeddings, dtype=np.float32))
        self.upsert(ids, np.concatenate(vecs) if vecs else np.zeros((0, 0), dtype=np.float32), docs, metas)
        # chunks of an older version that the new one did not overwrite
        current = {article.article_id: article.content_hash for article, *_ in items}
        stale = [
            cid
            for cid, m in self._metadatas_of(set(current)).items()
            if m.get("content_hash") != current.get(m.get("article_id"))
        ]
        if stale:
            self.collection.delete(ids=stale)

    def upsert(self, ids: list[str], vectors: np.ndarray, docs: list[str], metas: list[dict]) -> None:
        """Chunk records in as few Chroma calls as the batch size allows. The first write records the vectors'
        dimension with the collection; vectors of another dimension are a StoreError naming both."""
        if len(ids):
            dim, recorded = int(np.asarray(vectors).shape[1]), self._dimension
            if recorded and dim != recorded:
                raise StoreError(
                    f"vectors of dimension {dim} from embedding model '{self.embedding_model}' cannot be stored in "
                    f"{self.location}: its vectors have dimension {recorded}. Run 'quelle reembed'."
                )
            if not recorded:
                self.collection.modify(metadata={**(self.collection.metadata or {}), "embedding_dimension": dim})
        for i in range(0, len(ids), self._batch):
            self.collection.upsert(
                ids=ids[i : i + self._batch],
                embeddings=vectors[i : i + self._batch],
                documents=docs[i : i + self._batch],
                metadatas=metas[i : i + self._batch],
            )

    # --- embedding later (quelle/embedding_worker.py): chunks stored first, their vectors written after -------
    def _placeholder_dimension(self) -> int:
        if self._dimension:
            return self._dimension
        if self._dimension_of is None:
            raise StoreError(f"the store in {self.location} does not know its vectors' dimension")
        return int(self._dimension_of())

    def pending_count(self) -> int:
        """Chunks stored but not embedded yet."""
        got = self._read(lambda: self.collection.get(where={PENDING_KEY: 1}, include=[]))
        return len(got["ids"])

    def has_pending(self) -> bool:
        """Whether any chunk waits for its vector; read once per revision (every write moves it)."""
        rev = self.revision
        if self._pending_seen is None or self._pending_seen[0] != rev:
            got = self._read(lambda: self.collection.get(where={PENDING_KEY: 1}, limit=1, include=[]))
            self._pending_seen = (rev, bool(got["ids"]))
        return self._pending_seen[1]

    def pending_chunks(self, limit: int) -> list[StoredChunk]:
        """Up to `limit` chunks waiting for their vector, in the store's order."""
        got = self._read(
            lambda: self.collection.get(where={PENDING_KEY: 1}, limit=limit, include=["documents", "metadatas"])
        )
        return [StoredChunk(cid, doc or "", meta or {}) for cid, doc, meta in zip(*(got[k] for k in PAGE_KEYS))]

    def write_embeddings(self, chunks: list[StoredChunk], vectors: np.ndarray) -> int:
        """Give pending chunks their vectors, but only those still stored as they were read (an ingest may have
        replaced or deleted an article meanwhile: its new chunks are pending again or embedded already). The
        vector and the cleared flag are one record write each. Returns the chunks written."""
        now = self._read(
            lambda: self.collection.get(ids=[c.chunk_id for c in chunks], include=["documents", "metadatas"])
        )
        current = {cid: (doc, meta or {}) for cid, doc, meta in zip(*(now[k] for k in PAGE_KEYS))}
        keep = [
            i
            for i, c in enumerate(chunks)
            if c.chunk_id in current
            and current[c.chunk_id][0] == c.text
            and current[c.chunk_id][1].get(PENDING_KEY)
            and current[c.chunk_id][1].get("content_hash") == c.meta.get("content_hash")
        ]
        if keep:
            self.upsert(
                [chunks[i].chunk_id for i in keep],
                np.asarray(vectors, dtype=np.float32)[keep],
                [chunks[i].text for i in keep],
                [{**current[chunks[i].chunk_id][1], PENDING_KEY: None} for i in keep],
            )
        return len(keep)

    def update_sources(self, article_id: str, sources: list[str]) -> None:
        got = self.collection.get(where={"article_id": article_id}, include=["metadatas"])
        metas = [{**m, "sources": json.dumps(sources, ensure_ascii=False)} for m in got["metadatas"]]
        if got["ids"]:
            self.collection.update(ids=got["ids"], metadatas=metas)

    def set_groups(self, moved: dict[str, str]) -> None:
        """Write new groups ({article id: group}) into every chunk of these articles (a renamed group)."""
        if not moved:
            return
        got = self._metadatas_of(set(moved))
        ids = [cid for cid, m in got.items() if m.get("article_id") in moved]
        metas = [{**got[cid], "group": moved[got[cid]["article_id"]]} for cid in ids]
        for i in range(0, len(ids), self._batch):
            self.collection.update(ids=ids[i : i + self._batch], metadatas=metas[i : i + self._batch])

    def set_signature(self, article_id: str, grouping: dict, text_chars: int) -> None:
        """Write an article's group into every chunk and its signature into the first (`quelle regroup`)."""
        got = self._metadatas_of({article_id})
        ids = list(got)
        metas = []
        for cid in ids:
            m = {**got[cid], "group": grouping["group"]}
            if m.get("chunk_index") == 0:
                m.update(minhash=grouping["minhash"], shingles=grouping["shingles"], text_chars=text_chars)
            metas.append(m)
        if ids:
            self.collection.update(ids=ids, metadatas=metas)

    def article_texts(self, article_ids: list[str]) -> dict[str, str]:
        """The stored text of these articles, put together from their chunks (each chunk is text[start:end])."""
        out: dict[str, str] = {}
        for i in range(0, len(article_ids), 200):
            with self._reading:
                got = self.collection.get(
                    where={"article_id": {"$in": article_ids[i : i + 200]}}, include=["documents", "metadatas"]
                )
            pieces: dict[str, list[tuple[int, int, str]]] = {}
            for doc, m in zip(got["documents"], got["metadatas"]):
                pieces.setdefault(m["article_id"], []).append((int(m.get("start", 0)), int(m.get("end", 0)), doc or ""))
            for aid, parts in pieces.items():
                text, pos = "", 0
                for start, end, doc in sorted(parts):
                    if end > pos:
                        text += doc[max(0, pos - start) :]
                        pos = end
                out[aid] = text
        return out

    def delete_article(self, article_id: str) -> int:
        got = self.collection.get(where={"article_id": article_id}, include=[])
        if got["ids"]:
            self.collection.delete(ids=got["ids"])
        return len(got["ids"])

    def list_articles(self) -> list[dict]:
        got = self._read(lambda: self.collection.get(where={"chunk_index": 0}, include=["metadatas"]))
        return sorted(got["metadatas"], key=lambda m: (m.get("date", ""), m.get("title", "")), reverse=True)

    def count(self) -> int:
        with self._reading:
            return self.collection.count()

    # --- chunks ----------------------------------------------------------------------------------------------
    def _pages(self, include: list[str], page_size: int) -> Iterator[dict]:
        """The whole collection, page by page (one Chroma read at a time)."""
        offset = 0
        while True:
            with self._reading:
                got = self.collection.get(include=include, limit=page_size, offset=offset)
            if not got["ids"]:
                return
            yield got
            offset += len(got["ids"])

    def iter_chunks(self, page_size: int = 5000) -> Iterator[StoredChunk]:
        for got in self._pages(["documents", "metadatas"], page_size):
            for cid, doc, meta in zip(got["ids"], got["documents"], got["metadatas"]):
                yield StoredChunk(cid, doc or "", meta or {})

    def listing(self, article_ids: set[str] | None = None, page_size: int = 10000) -> dict[str, dict]:
        """Chunk id -> metadata (no texts, no vectors) of every chunk, or of these articles' chunks: what the
        lexical index compares itself with."""
        if article_ids is not None:
            return self._metadatas_of(article_ids)
        out: dict[str, dict] = {}
        for got in self._pages(["metadatas"], page_size):
            out.update(zip(got["ids"], (m or {} for m in got["metadatas"])))
        return out

    def _metadatas_of(self, article_ids: set[str]) -> dict[str, dict]:
        """Chunk id -> metadata of these articles' chunks."""
        ids, out = sorted(article_ids), {}
        for i in range(0, len(ids), 500):
            with self._reading:
                got = self.collection.get(where={"article_id": {"$in": ids[i : i + 500]}}, include=["metadatas"])
            out.update(zip(got["ids"], (m or {} for m in got["metadatas"])))
        return out

    def get_with_embeddings(self, ids: list[str]) -> dict:
        return self._read(lambda: self.collection.get(ids=ids, include=["documents", "metadatas", "embeddings"]))

    def get_chunks(self, ids: list[str]) -> list[StoredChunk]:
        if not ids:
            return []
        got = self._read(lambda: self.collection.get(ids=ids, include=["documents", "metadatas"]))
        by_id = {
            cid: StoredChunk(cid, doc or "", meta or {})
            for cid, doc, meta in zip(got["ids"], got["documents"], got["metadatas"])
        }
        return [by_id[i] for i in ids if i in by_id]

    def query(self, vector: np.ndarray, k: int, filters: Filters | None = None) -> list[StoredChunk]:
        if k <= 0:
            return []
        where = filters.to_chroma() if filters else None
        if self.has_pending():  # chunks waiting for their vector are never a dense hit
            return self._query_embedded(vector, k, where)
        return self._query(vector, k, where)

    def _query(self, vector: np.ndarray, k: int, where: dict | None) -> list[StoredChunk]:
        # no count() first (13 ms at 100k chunks): Chroma returns fewer than n_results when there are fewer
        got = self._read(
            lambda: self.collection.query(
                query_embeddings=[vector], n_results=k, where=where, include=["documents", "metadatas", "distances"]
            )
        )
        return [
            StoredChunk(cid, doc or "", meta or {}, 1.0 - float(dist))
            for cid, doc, meta, dist in zip(
                got["ids"][0], got["documents"][0], got["metadatas"][0], got["distances"][0]
            )
        ]

    def _query_embedded(self, vector: np.ndarray, k: int, where: dict | None) -> list[StoredChunk]:
        """The k nearest embedded chunks while some wait for their vector: their placeholders are random unit
        vectors (cosine to a question about 0 ± 0.05), so a few more than k are asked for and the placeholders
        dropped; only when that leaves fewer than k does a second query exclude them by metadata."""
        n = 2 * k + 20
        got = self._query(vector, n, where)
        out = [c for c in got if not c.meta.get(PENDING_KEY)]
        if len(out) >= k or len(got) < n:
            return out[:k]
        embedded = {PENDING_KEY: {"$ne": 1}}
        return self._query(vector, k, {"$and": [where, embedded]} if where else embedded)
