"""The lexical index grows by segments: a write indexes only what changed, old segments are reused, scores across
segments equal one index built at once, and segments merge so there stay few of them."""

import math
import random

import numpy as np
import pytest

from tests.conftest import write_article
from vectorstore.lexical import LexicalIndex
from vectorstore.segment import signature
from vectorstore.store import StoredChunk

# six letters each, left alone by the stemmer: every text of 4 of them has the same length in words and in 4-grams
WORDS = (
    "kobalt zinkum fjordl gravik plomba quarzk wolfrm borakx lithuk natrux kaliux magnuk silizk titanx vanadx".split()
)


class FakeStore:
    """Chunk id -> (text, meta): the listing/fetch pair the lexical index syncs against, counting what it reads."""

    def __init__(self):
        self.chunks: dict[str, StoredChunk] = {}
        self.fetched = 0

    def put(self, article: str, texts: list[str], version: str = "v1") -> None:
        for cid in [c for c in self.chunks if c.startswith(article + "::")]:
            del self.chunks[cid]
        for i, text in enumerate(texts):
            meta = {
                "article_id": article,
                "content_hash": version,
                "chunk_index": i,
                "title": "",
                "source": "S",
                "date_int": 20260101,
                "language": "de",
            }
            self.chunks[f"{article}::{i:05d}"] = StoredChunk(f"{article}::{i:05d}", text, meta)

    def listing(self) -> dict[str, str]:
        return {cid: signature(c.meta) for cid, c in self.chunks.items()}

    def fetch(self, ids):
        self.fetched += len(ids)
        return [self.chunks[i] for i in ids if i in self.chunks]


def _sync(index: LexicalIndex, store: FakeStore, rev: str = "r") -> LexicalIndex:
    return index.synced(store.listing(), store.fetch, rev)


def _same_length_texts(n: int, seed: int = 1) -> list[str]:
    rng = random.Random(seed)  # equal lengths: every segment has the same average length
    return [" ".join(rng.sample(WORDS, 4)) for _ in range(n)]


def test_adding_an_article_indexes_only_its_chunks_and_keeps_the_old_segment(tmp_path):
    store = FakeStore()
    for a in range(20):
        store.put(f"a{a}", _same_length_texts(5, seed=a))
    index = _sync(LexicalIndex(tmp_path / "lex"), store)
    first = index.segments[0]
    store.fetched = 0
    store.put("neu", ["fjordl fjordl fjordl fjordl"])
    index = _sync(index, store)
    assert store.fetched == 1
    assert index.segments[0] is first and len(index.segments) == 2
    assert index.search("fjordl", 1)[0][0] == "neu::00000"


def test_scores_across_segments_equal_one_index_built_at_once(tmp_path):
    texts = _same_length_texts(60)
    whole_store, split_store = FakeStore(), FakeStore()
    whole_store.put("x", texts)
    whole = _sync(LexicalIndex(tmp_path / "whole"), whole_store)
    split = LexicalIndex(tmp_path / "split")
    for size in (40, 55, 60):  # segments of 40, 15 and 5 chunks (none merged: each is under half the one before)
        split_store.put("x", texts[:size])
        split = _sync(split, split_store)
    assert [len(s) for s in split.segments] == [40, 15, 5]
    for query in ["kobalt", "zinkum titanx", "quarzk borakx kaliux", "lithuk natrux kobalt plomba"]:
        a = dict(whole.search(query, 60))
        b = dict(split.search(query, 60))
        assert a.keys() == b.keys()
        assert all(math.isclose(a[k], b[k], rel_tol=1e-4) for k in a)


def test_changed_and_deleted_chunks_are_never_found(tmp_path):
    store = FakeStore()
    store.put("a", ["die kirsche ist rot"])
    store.put("b", ["die banane ist gelb"])
    index = _sync(LexicalIndex(tmp_path / "lex"), store)
    store.put("a", ["die zitrone ist sauer"], version="v2")
    del store.chunks["b::00000"]
    index = _sync(index, store)
    assert index.search("kirsche", 5) == [] and index.search("banane", 5) == []
    assert index.search("zitrone", 5)[0][0] == "a::00000"
    assert sorted(index.ids) == ["a::00000"] and len(index) == 1


def test_many_small_writes_leave_few_segments_and_an_exact_index(tmp_path):
    store, index = FakeStore(), LexicalIndex(tmp_path / "lex")
    for a in range(60):
        store.put(f"a{a}", _same_length_texts(3, seed=a))
        if a % 7 == 0 and a:
            store.put(f"a{a - 3}", _same_length_texts(2, seed=100 + a), version="v2")  # updates leave dead rows
        index = _sync(index, store)
    assert len(index.segments) <= math.log2(len(store.chunks)) + 1
    assert sorted(index.ids) == sorted(store.chunks)
    reread = LexicalIndex.load(tmp_path / "lex")
    assert sorted(reread.ids) == sorted(store.chunks)
    q = store.chunks["a59::00002"].text
    assert np.allclose(reread.query_scores(q), index.query_scores(q))


def test_a_saved_index_is_read_back_and_leftover_files_are_removed(tmp_path):
    store = FakeStore()
    store.put("a", _same_length_texts(8))
    index = _sync(LexicalIndex(tmp_path / "lex"), store)
    (tmp_path / "lex" / "bm25").mkdir()  # what the unsegmented index of an older version left
    store.put("b", ["mango papaya quitte feige"])
    index = _sync(index, store, rev="r2")
    names = {p.name for p in (tmp_path / "lex").iterdir()}
    assert names == {"manifest.json"} | {f"seg-{s.name}" for s in index.segments}
    back = LexicalIndex.load(tmp_path / "lex")
    assert back.revision == "r2" and back.search("mango papaya", 1)[0][0] == "b::00000"


def test_an_index_written_by_an_older_version_is_rebuilt_from_the_store(tmp_path, library):
    folder = tmp_path / "in"
    write_article(folder, "wal.md", "Der Blauwal ist das größte Tier der Erde.", title="Wale")
    library.ingest([folder])
    lexdir = library.settings.lexical_dir
    (lexdir / "manifest.json").write_text('{"revision": "x", "ids": []}', encoding="utf-8")  # format 1
    assert LexicalIndex.load(lexdir) is None
    from quelle.resources import Resources

    fresh = Resources.open(library.settings, embedder=library.r.embedder)
    hits = fresh.retriever.retrieve("Blauwal", 1, mode="bm25")
    assert hits and hits[0].meta["article_id"] == "wal"


def test_another_process_write_is_read_from_disk_not_reindexed(tmp_path, library, embedder, monkeypatch):
    from quelle.resources import Resources

    folder = tmp_path / "in"
    write_article(folder, "wal.md", "Der Blauwal ist das größte Tier der Erde.", title="Wale")
    library.ingest([folder])
    reader = Resources.open(library.settings, embedder=embedder)
    reader.retriever.sync_lexical()
    write_article(folder, "hai.md", "Der Walhai frisst Plankton.", title="Haie")
    library.ingest([folder])  # the writer updates the index on disk
    monkeypatch.setattr(LexicalIndex, "synced", lambda *a, **k: pytest.fail("the reader re-indexed"))
    assert reader.retriever.sync_lexical() is False
    assert reader.retriever.retrieve("Plankton", 1, mode="bm25")[0].meta["article_id"] == "hai"


def test_ingesting_one_article_reads_back_only_that_article(tmp_path, library, monkeypatch):
    folder = tmp_path / "in"
    for i in range(3):
        write_article(folder, f"a{i}.md", f"Bericht Nummer {i} über den Hafen von Hamburg.", title=f"Hafen {i}")
    library.ingest([folder])
    store = library.r.store
    listed, fetched = [], []
    real_listing, real_get = store.listing, store.get_chunks
    monkeypatch.setattr(store, "listing", lambda articles=None: listed.append(articles) or real_listing(articles))
    monkeypatch.setattr(store, "get_chunks", lambda ids: fetched.extend(ids) or real_get(ids))
    write_article(folder, "neu.md", "Die Elbphilharmonie bekommt eine neue Orgel.", title="Orgel")
    library.ingest([folder])
    assert listed == [{"neu"}]
    assert fetched and all(cid.startswith("neu::") for cid in fetched)
    assert library.r.retriever.retrieve("Orgel", 1, mode="bm25")[0].meta["article_id"] == "neu"
    library.delete("a1")
    assert listed[-1] == {"a1"}
    assert sorted(library.r.retriever.lexical.ids) == sorted(store.collection.get(include=[])["ids"])


def test_a_write_by_someone_else_during_ours_means_a_full_comparison(tmp_path, library, embedder):
    """Only possible with a shared Chroma server (the ingest lock is per machine): the index must still see it."""
    from ingest.models import Article, Chunk
    from quelle.resources import Resources

    folder = tmp_path / "in"
    write_article(folder, "a.md", "Der Rhein fließt durch Köln.", title="Rhein")
    library.ingest([folder])
    write = library.r.retriever.begin_write()
    other = Resources.open(library.settings, embedder=embedder)
    art = Article(article_id="mosel", title="Mosel", text="Die Mosel mündet bei Koblenz.", language="de")
    chunk = Chunk("mosel::00000", "mosel", 0, art.text, 0, len(art.text), title=art.title)
    other.store.bump_revision()
    other.store.write_articles([(art, [chunk], embedder.embed_passages([art.text]), None)])
    other.store.bump_revision()
    library.r.retriever.end_write(write)  # our own write touched no article
    assert library.r.retriever.retrieve("Koblenz", 1, mode="bm25")[0].meta["article_id"] == "mosel"


def test_no_segment_grows_past_the_cap_so_no_write_reindexes_more_than_it(tmp_path, monkeypatch):
    import vectorstore.lexical as lexical

    monkeypatch.setattr(lexical, "SEGMENT_CHUNKS", 10)
    store = FakeStore()
    store.put("big", _same_length_texts(35))
    index = _sync(LexicalIndex(tmp_path / "lex"), store)
    assert [len(s) for s in index.segments] == [10, 10, 10, 5]
    for a in range(12):
        store.fetched = 0
        store.put(f"a{a}", _same_length_texts(2, seed=a))
        index = _sync(index, store)
        assert store.fetched <= 10 and all(len(s) <= 10 for s in index.segments)
    assert sorted(index.ids) == sorted(store.chunks)
    assert index.search(store.chunks["a11::00001"].text, 60)[0][1] > 0


def test_reading_the_index_again_reuses_the_segments_already_in_memory(tmp_path, monkeypatch):
    from vectorstore.segment import Segment

    store = FakeStore()
    store.put("a", _same_length_texts(30))
    index = _sync(LexicalIndex(tmp_path / "lex"), store)
    store.put("b", ["kobalt zinkum fjordl gravik"])
    _sync(index, store, rev="r2")  # another process's write
    read = []
    real = Segment.load.__func__
    monkeypatch.setattr(Segment, "load", classmethod(lambda cls, d, name: read.append(name) or real(cls, d, name)))
    back = LexicalIndex.load(tmp_path / "lex", known=index.segments)
    assert back.revision == "r2" and back.segments[0] is index.segments[0]
    assert read == [back.segments[1].name]


def test_questions_during_our_own_write_use_the_index_as_it_was_and_nothing_is_reindexed(
    tmp_path, library, monkeypatch
):
    folder = tmp_path / "in"
    write_article(folder, "wal.md", "Der Blauwal ist das größte Tier der Erde.", title="Wale")
    library.ingest([folder])
    retriever = library.r.retriever
    listed = []
    real_listing = library.r.store.listing
    monkeypatch.setattr(
        library.r.store, "listing", lambda articles=None: listed.append(articles) or real_listing(articles)
    )
    write = retriever.begin_write()
    write.articles.add("wal")
    assert retriever.retrieve("Blauwal", 1, mode="bm25")[0].meta["article_id"] == "wal"  # mid-write question
    library.r.store.delete_article("wal")
    retriever.end_write(write)
    assert listed == [{"wal"}]  # only the article written, no full comparison
    assert retriever.retrieve("Blauwal", 1, mode="bm25") == []
