"""The lexical index published by revision for other processes of a shared Chroma server (vectorstore/published.py):
a joining process fetches it instead of tokenising every chunk, catches up by revision after another process wrote,
and rebuilds from the store — saying so in the log — when what was published is missing, partial or corrupt."""

from __future__ import annotations

import json
import logging
import shutil

import numpy as np
import pytest

from quelle.library import Library
from quelle.resources import Resources
from tests.conftest import DEMO_ARTICLES
from tests.test_chroma_server import chroma_url, server_settings  # noqa: F401  (the loopback server fixtures)
from vectorstore import published as published_module
from vectorstore.lexical import LexicalIndex
from vectorstore.published import KEEP_MANIFESTS, PublishedError, PublishedIndex
from vectorstore.segment import Segment, signature
from vectorstore.store import StoredChunk

TEXTS = {
    "a": "Alibaba plant neue Rechenzentren in Brasilien und Frankreich.",
    "b": "Die Leipziger Buchmesse meldet einen Besucherrekord.",
    "c": "Der Stadtrat beschließt den Haushalt für das kommende Jahr.",
}


def _chunks(names):
    return [
        StoredChunk(f"{n}::00000", TEXTS[n], {"article_id": n, "title": n.upper(), "language": "de"}) for n in names
    ]


def _synced(index, names, revision):
    """`index` brought in step with a store holding these articles (as LexicalIndex.synced does for a process)."""
    chunks = {c.chunk_id: c for c in _chunks(names)}
    listing = {cid: signature(c.meta) for cid, c in chunks.items()}
    return index.synced(listing, lambda ids: [chunks[i] for i in ids], revision)


def _local_index(directory, names, revision):
    return _synced(LexicalIndex(directory), names, revision)


def test_publish_then_fetch_gives_the_same_scores_without_tokenising(tmp_path, monkeypatch):
    mine = _local_index(tmp_path / "a", ["a", "b"], "rev1")
    shared = PublishedIndex(tmp_path / "shared")
    assert shared.publish(mine) and not shared.publish(mine)  # a revision is published once
    manifest = json.loads((tmp_path / "shared" / "manifest-rev1.json").read_text())
    assert [e["name"] for e in manifest["segments"]] == [s.name for s in mine.segments]
    assert all(e["files"] for e in manifest["segments"])

    monkeypatch.setattr(Segment, "build", lambda *a, **k: pytest.fail("a fetch must not tokenise"))
    got = shared.fetch("rev1", tmp_path / "b")
    assert got.revision == "rev1" and sorted(got.ids) == sorted(mine.ids)
    np.testing.assert_allclose(
        got.query_scores("Rechenzentren Brasilien"), mine.query_scores("Rechenzentren Brasilien")
    )
    again = LexicalIndex.load(tmp_path / "b")  # saved in the process's own folder, as if it had built it
    assert again is not None and again.revision == "rev1" and sorted(again.ids) == sorted(mine.ids)


def test_catching_up_copies_only_the_new_segments(tmp_path):
    shared = PublishedIndex(tmp_path / "shared")
    first = _local_index(tmp_path / "a", ["a"], "rev1")
    shared.publish(first)
    joined = shared.fetch("rev1", tmp_path / "b")
    second = _synced(first, ["a", "b"], "rev2")
    shared.publish(second)
    copied = []
    real_copy = PublishedIndex._copy
    PublishedIndex._copy = lambda self, name, files, local: (copied.append(name), real_copy(self, name, files, local))
    try:
        caught_up = shared.fetch("rev2", tmp_path / "b", known=joined.segments)
    finally:
        PublishedIndex._copy = real_copy
    assert sorted(caught_up.ids) == sorted(second.ids)
    assert copied == [s.name for s in second.segments if s.name not in {j.name for j in joined.segments}]
    assert caught_up.search("Buchmesse", 1)[0][0] == "b::00000"


def test_a_corrupt_or_missing_segment_is_an_error_naming_it(tmp_path):
    shared = PublishedIndex(tmp_path / "shared")
    mine = _local_index(tmp_path / "a", ["a", "b", "c"], "rev1")
    shared.publish(mine)
    seg = tmp_path / "shared" / f"seg-{mine.segments[0].name}"
    data = seg / "words" / "data.csc.index.npy"
    data.write_bytes(data.read_bytes()[:-8])  # a partial copy
    with pytest.raises(PublishedError, match=f"seg-{mine.segments[0].name}.*partial or corrupt"):
        shared.fetch("rev1", tmp_path / "b")
    assert not (tmp_path / "b" / f"seg-{mine.segments[0].name}").exists()  # nothing half-copied is kept
    shutil.rmtree(seg)
    with pytest.raises(PublishedError, match="missing"):
        shared.fetch("rev1", tmp_path / "b")
    (tmp_path / "shared" / "manifest-rev1.json").write_text("{not json")
    with pytest.raises(PublishedError, match="unreadable manifest"):
        shared.fetch("rev1", tmp_path / "b")
    with pytest.raises(PublishedError, match="no published lexical index for revision rev9"):
        shared.fetch("rev9", tmp_path / "b")
    with pytest.raises(PublishedError, match="cannot name a published index"):  # a revision is never a path
        shared.fetch("../../etc/x", tmp_path / "b")
    assert not shared.has("../manifest-rev1")


def test_old_manifests_and_their_segments_are_removed(tmp_path, monkeypatch):
    shared = PublishedIndex(tmp_path / "shared")
    names = ["a", "b", "c"]
    for i in range(KEEP_MANIFESTS + 2):
        shared.publish(_local_index(tmp_path / f"p{i}", names[: 1 + i % 3], f"rev{i}"))
    monkeypatch.setattr(published_module, "GRACE_S", -1.0)
    shared._collect()
    left = sorted(p.name for p in (tmp_path / "shared").glob("manifest-*.json"))
    assert len(left) == KEEP_MANIFESTS and "manifest-rev0.json" not in left
    named = {
        e["name"] for p in (tmp_path / "shared").glob("manifest-*.json") for e in json.loads(p.read_text())["segments"]
    }
    assert {p.name[4:] for p in (tmp_path / "shared").glob("seg-*")} == named


# --- through a real Chroma server: two processes (two lexical folders), one shared folder -------------------------
@pytest.fixture
def two_processes(server_settings, embedder, tmp_path):  # noqa: F811
    shared = tmp_path / "shared"
    first = Resources.open(server_settings.with_(lexical_shared_dir=shared), embedder=embedder)
    second_settings = server_settings.with_(data_dir=tmp_path / "b", lexical_shared_dir=shared)
    return first, second_settings, embedder


def test_a_joining_process_fetches_the_index_and_catches_up_by_revision(two_processes, monkeypatch):
    first, second_settings, embedder = two_processes
    Library(first).ingest([DEMO_ARTICLES / "alibaba-ki-offensive.md", DEMO_ARTICLES / "leipziger-buchmesse.md"])
    assert first.settings.lexical_published_dir.joinpath(f"manifest-{first.index.revision}.json").exists()

    built = []
    real_build = Segment.build.__func__
    monkeypatch.setattr(Segment, "build", classmethod(lambda cls, chunks: built.append(1) or real_build(cls, chunks)))
    second = Resources.open(second_settings, embedder=embedder)
    hits = second.retriever.retrieve("Buchmesse Leipzig", 3, mode="bm25")
    assert hits and hits[0].meta["article_id"] == "leipziger-buchmesse"
    assert built == []  # fetched, not tokenised
    assert sorted(second.retriever.lexical.ids) == sorted(first.retriever.lexical.ids)
    joined = {s.name: s for s in second.retriever.lexical.segments}

    monkeypatch.setattr(Segment, "build", classmethod(real_build))
    Library(first).ingest([DEMO_ARTICLES / "energiewende-windkraft.md"])
    monkeypatch.setattr(Segment, "build", classmethod(lambda cls, chunks: built.append(1) or real_build(cls, chunks)))
    assert second.retriever.sync_lexical()  # the first process's write: the new revision's manifest is fetched
    assert built == [] and second.retriever.lexical.revision == first.index.revision
    assert sorted(second.retriever.lexical.ids) == sorted(first.retriever.lexical.ids)
    kept = [s for s in second.retriever.lexical.segments if s.name in joined]
    assert all(s is joined[s.name] for s in kept)  # segments it had are reused, not copied or read again
    hits = second.retriever.retrieve("Windkraft Energiewende", 3, mode="bm25")
    assert hits[0].meta["article_id"] == "energiewende-windkraft"


def test_a_corrupt_published_segment_falls_back_to_a_rebuild_with_a_log(two_processes, caplog):
    first, second_settings, embedder = two_processes
    Library(first).ingest([DEMO_ARTICLES / "alibaba-ki-offensive.md"])
    folder = first.settings.lexical_published_dir
    for data in folder.glob("seg-*/grams/data.csc.index.npy"):
        data.write_bytes(b"\x00" * data.stat().st_size)  # same size, other bytes
    second = Resources.open(second_settings, embedder=embedder)
    with caplog.at_level(logging.WARNING, logger="vectorstore.published"):
        hits = second.retriever.retrieve("Alibaba Rechenzentren", 3, mode="bm25")
    assert hits and hits[0].meta["article_id"] == "alibaba-ki-offensive"  # rebuilt from the store
    assert "partial or corrupt" in caplog.text and "rebuilding it from the store" in caplog.text
    assert sorted(second.retriever.lexical.ids) == sorted(first.retriever.lexical.ids)
