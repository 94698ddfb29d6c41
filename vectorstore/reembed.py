"""Re-embedding a store (`quelle reembed`, quelle/reembed.py): every stored chunk embedded again with another model
(issue 31, docs/models.md). In vectorstore/ because it works on Chroma collections behind the Index.

The chunks (ids, texts, metadata) stay as they are; only their vectors change. The new vectors go into a second
collection `<collection>__<hash of the model>`, chunk page by chunk page, so that:
  - the old collection keeps answering until the new one is complete (never a store with mixed vectors);
  - a run that is killed (kill -9, a server that went down) resumes where it stopped: ids already in the new
    collection with the same content are skipped, chunks that changed or went away meanwhile are redone or removed;
  - the switch is one metadata write: the pointer collection `<collection>__active` names the active collection
    (store.active_name), then the old collection is deleted. Other processes follow the pointer when
    their collection is gone (and then see the new model: a clear StoreError if theirs is another).
Run it under the ingest lock (quelle/reembed.py does), so no ingest writes to the old collection meanwhile.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Callable

from vectorstore.embeddings import Embedder
from vectorstore.store import ChunkStore, active_name, open_client, set_active_name

PAGE = 256  # chunks embedded and written per step: what a kill loses at most


@dataclass
class ReembedReport:
    model: str
    previous_model: str
    collection: str  # the active collection after the run
    total: int = 0
    embedded: int = 0  # chunks embedded by this run
    kept: int = 0  # chunks a killed run had embedded already
    switched: bool = False

    def summary(self) -> dict:
        return dict(self.__dict__)


def target_name(base: str, model: str) -> str:
    return f"{base}__{hashlib.sha1(model.encode()).hexdigest()[:10]}"


def embedding_input(text: str, meta: dict) -> str:
    """What ingest embedded for a chunk (quelle.library.embedding_text): the article title, then the chunk."""
    title = meta.get("title") or ""
    return f"{title}\n{text}" if title else text


@dataclass
class ReembedStatus:
    """Where a store stands with respect to `model` (what the UI shows before its „Neu einbetten“ action)."""

    built_with: str  # the model of the active collection's vectors ('' when none is recorded)
    model: str  # the model to move to
    total: int  # chunks in the store
    done: int  # chunks a stopped run already embedded with `model` (kept by the next run)

    @property
    def needed(self) -> bool:
        return self.built_with != self.model


def reembed_status(settings, model: str) -> ReembedStatus:
    """The store's recorded model, its size and how far a stopped run got towards `model` (reads only: creates no
    collection)."""
    client = open_client(settings)
    source = ChunkStore(settings, model, name=active_name(client, settings.collection), check=False)
    built_with = str((source.collection.metadata or {}).get("embedding_model") or "")
    wanted = source.listing()
    done = 0
    if built_with != model:
        name = target_name(settings.collection, model)
        if name in {c.name for c in client.list_collections()}:
            done = len(_kept(ChunkStore(settings, model, name=name, check=False).listing(), wanted))
    return ReembedStatus(built_with, model, len(wanted), done)


def _kept(have: dict, wanted: dict) -> set[str]:
    """Chunk ids a stopped run embedded that are still the chunks stored now."""
    return {cid for cid, m in have.items() if cid in wanted and _same_chunk(m, wanted[cid])}


def reembed_store(settings, embedder: Embedder, progress: Callable[[int, int], None] | None = None) -> ReembedReport:
    """Re-embed every chunk of the store named by settings with `embedder` (see the module doc); the caller holds
    the ingest lock. `progress(done, total)` after each page."""
    base = settings.collection
    client = open_client(settings)
    source_name = active_name(client, base)
    source = ChunkStore(settings, embedder.name, name=source_name, check=False)
    previous = str((source.collection.metadata or {}).get("embedding_model") or "")
    report = ReembedReport(embedder.name, previous, source_name)
    if previous == embedder.name:
        report.total = source.count()
        return report
    name = target_name(base, embedder.name)
    target = ChunkStore(settings, embedder.name, name=name, check=False)

    wanted = source.listing()  # id -> metadata
    report.total = len(wanted)
    have = target.listing()
    gone = [cid for cid in have if cid not in wanted]
    if gone:
        target.collection.delete(ids=gone)
    same = _kept(have, wanted)
    report.kept = len(same)
    refresh = [cid for cid in same if have[cid] != wanted[cid]]  # metadata only (e.g. sources): no new vector
    for i in range(0, len(refresh), PAGE):
        ids = refresh[i : i + PAGE]
        target.collection.update(ids=ids, metadatas=[wanted[c] for c in ids])
    todo = [cid for cid in wanted if cid not in same]
    done = len(same)
    if progress:
        progress(done, report.total)
    for i in range(0, len(todo), PAGE):
        chunks = source.get_chunks(todo[i : i + PAGE])
        vectors = embedder.embed_passages([embedding_input(c.text, c.meta) for c in chunks])
        target.upsert([c.chunk_id for c in chunks], vectors, [c.text for c in chunks], [c.meta for c in chunks])
        report.embedded += len(chunks)
        done += len(chunks)
        if progress:
            progress(done, report.total)

    if set(target.listing()) != set(wanted):  # never switch to an incomplete set
        raise RuntimeError(f"re-embedding into '{name}' is incomplete; run 'quelle reembed' again")
    target.bump_revision()  # records the model and dimension; the lexical index follows the new revision
    set_active_name(client, base, name)
    report.switched, report.collection = True, name
    if source_name != name:
        client.delete_collection(source_name)
    return report


def _same_chunk(a: dict, b: dict) -> bool:
    """Is a chunk embedded earlier still the chunk that is stored now (same article version and place)?"""
    keys = ("content_hash", "start", "end", "title", "article_id")
    return all(a.get(k) == b.get(k) for k in keys)
