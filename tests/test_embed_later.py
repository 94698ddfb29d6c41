"""Searchable at parse speed, embedded after (issue 32, item 1): `quelle ingest` stores chunks before their vectors
(the lexical side and the evidence stage answer at once), quelle/embedding_worker.py embeds them after."""

from __future__ import annotations

import json

import numpy as np
import pytest

from quelle.embedding_worker import WorkerBusy, embed_pending, worker_lock
from tests.conftest import DEMO_ARTICLES, write_article
from vectorstore.store import PENDING_KEY

GOLD = DEMO_ARTICLES.parent / "gold.jsonl"

BAU = (
    "Die Stadt Quellhausen baut ein neues Rechenzentrum am Hafen. Der Bau beginnt im März 2026. "
    "Die Kosten liegen bei 40 Millionen Euro, teilte Bürgermeisterin Anna Vogelsang mit. "
)
ZOO = (
    "Im Tiergarten Schönbrunn ist ein Pandajunges geboren worden. Es wiegt 180 Gramm. "
    "Die Tierpfleger nennen es vorläufig Fu Bao. "
)


def _pending(res) -> dict[str, dict]:
    got = res.store.collection.get(where={PENDING_KEY: 1}, include=["metadatas"])
    return dict(zip(got["ids"], got["metadatas"]))


def _vectors(res) -> dict[str, np.ndarray]:
    got = res.store.collection.get(include=["embeddings"])
    return {cid: np.asarray(v) for cid, v in zip(got["ids"], got["embeddings"])}


def test_an_article_answers_lexically_before_it_is_embedded(tmp_path, library, monkeypatch):
    res = library.r
    write_article(tmp_path / "a", "bau.md", BAU * 10, title="Rechenzentrum in Quellhausen")
    write_article(tmp_path / "a", "zoo.md", ZOO * 12, title="Panda in Schönbrunn")
    calls = []
    original = res.embedder.embed_passages
    monkeypatch.setattr(res.embedder, "embed_passages", lambda texts, **kw: calls.append(texts) or original(texts))
    report = library.ingest([tmp_path / "a"], defer_embedding=True)
    assert report.summary()["added"] == 2
    assert calls == []  # nothing embedded: stored and indexed only
    n = res.index.count()
    assert n >= 2 and res.index.pending_count() == n
    assert library.stats()["embedding_pending"] == n

    # the lexical side and the evidence stage find it; the dense side returns none of the waiting chunks
    got = res.index.retrieve("Wie viel kostet das Rechenzentrum in Quellhausen?", 3, "hybrid", rerank=0.5)
    assert got and got[0].meta["article_id"] == "bau"
    assert got[0].dense is None and got[0].lexical > 0 and "evidence" in got[0].extra
    assert res.index.retrieve("Rechenzentrum Quellhausen Kosten", 5, "dense") == []

    from quelle.answering.pipeline import ask

    answer = ask("Wie viel kostet das Rechenzentrum in Quellhausen?", res.settings, resources=res)
    assert "40 Millionen Euro" in answer.answer


def test_after_the_worker_the_dense_side_covers_every_chunk(tmp_path, library):
    res = library.r
    write_article(tmp_path / "a", "bau.md", BAU * 10, title="Rechenzentrum in Quellhausen")
    write_article(tmp_path / "a", "zoo.md", ZOO * 12, title="Panda in Schönbrunn")
    library.ingest([tmp_path / "a"], defer_embedding=True)
    placeholders = _vectors(res)
    seen = []
    report = embed_pending(res, progress=lambda done, total: seen.append((done, total)))
    n = res.index.count()
    assert (report.embedded, report.skipped, report.pending) == (n, 0, 0)
    assert seen[0] == (0, n) and seen[-1] == (n, n)
    assert res.index.pending_count() == 0 and library.stats()["embedding_pending"] == 0
    got = res.store.collection.get(include=["metadatas", "embeddings", "documents"])
    for cid, meta, vec, doc in zip(got["ids"], got["metadatas"], got["embeddings"], got["documents"]):
        assert PENDING_KEY not in meta
        assert not np.allclose(vec, placeholders[cid])  # the real vector replaced the placeholder
        title = meta["title"]
        assert np.allclose(vec, res.embedder.embed_passages([f"{title}\n{doc}"])[0], atol=1e-5)
    dense = res.index.retrieve("Pandajunges im Tiergarten geboren", 5, "dense")
    assert dense and dense[0].meta["article_id"] == "zoo" and dense[0].dense > 0.3
    hybrid = res.index.retrieve("Wie schwer ist das Pandajunge?", 3, "hybrid")
    assert hybrid[0].dense is not None


def test_hybrid_scores_a_waiting_chunk_by_its_lexical_side_alone(tmp_path, library):
    """A store half embedded: the embedded article is fused as always, the waiting one by its normalised lexical
    score (both sides on one [0, 1] scale)."""
    res = library.r
    write_article(tmp_path / "a", "bau.md", BAU * 10, title="Rechenzentrum in Quellhausen")
    library.ingest([tmp_path / "a"])  # embedded at once
    # another report on the same subject, not a copy (a copy would be one group: one passage, vectorstore/groups.py)
    other = (
        "Für das Rechenzentrum in Quellhausen rechnet der Gemeinderat inzwischen mit höheren Kosten als geplant. "
        "Die Opposition verlangt eine neue Ausschreibung für den Standort. "
    )
    write_article(tmp_path / "b", "bau2.md", other * 2 + ZOO, title="Noch ein Rechenzentrum in Quellhausen")
    library.ingest([tmp_path / "b"], defer_embedding=True)
    assert 0 < res.index.pending_count() < res.index.count()
    got = res.index.retrieve("Rechenzentrum Quellhausen Kosten", 10, "hybrid")
    best_lexical = max(p.lexical for p in got)
    waiting = [p for p in got if p.meta.get(PENDING_KEY)]
    embedded = [p for p in got if not p.meta.get(PENDING_KEY)]
    assert waiting and embedded
    for p in waiting:
        assert p.dense is None and p.score == pytest.approx(p.lexical / best_lexical, abs=1e-6)
    assert all(p.dense is not None for p in embedded)
    dense_ids = {p.chunk_id for p in res.index.retrieve("Rechenzentrum Quellhausen Kosten", 10, "dense")}
    assert dense_ids == {p.chunk_id for p in embedded} | (dense_ids - {p.chunk_id for p in waiting})
    assert not dense_ids & {p.chunk_id for p in waiting}


def test_a_killed_worker_resumes_without_duplicates_or_lost_chunks(tmp_path, library, resources, settings, embedder):
    res = library.r
    for i in range(6):
        write_article(tmp_path / "a", f"a{i}.md", (BAU if i % 2 else ZOO) * (2 + i), title=f"Meldung {i}")
    library.ingest([tmp_path / "a"], defer_embedding=True)
    ids = set(res.store.listing())
    n = len(ids)
    assert n >= 6

    class Killed(Exception):
        pass

    pages = []

    def stop_after_first_page() -> bool:  # the worker dies (as under kill -9) after one page was written
        if pages:
            raise Killed
        pages.append(1)
        return False

    with pytest.raises(Killed):
        embed_pending(res, stop=stop_after_first_page, page=3)
    assert res.index.pending_count() == n - 3  # one page written: its vectors and cleared flags, nothing else
    assert not worker_lock(settings).is_locked  # the lock died with it

    # a new process opens the store and finishes
    from quelle.resources import Resources
    from vectorstore.store import forget_persistent_client

    forget_persistent_client(str(settings.data_dir / "chroma"))
    again = Resources.open(settings, embedder=embedder)
    report = embed_pending(again, page=4)
    assert report.embedded == n - 3 and report.pending == 0
    assert set(again.store.listing()) == ids and again.index.count() == n  # no duplicates, nothing lost
    assert again.index.pending_count() == 0
    assert len(again.index.retriever.lexical) == n


def test_one_worker_at_a_time(library, settings):
    with worker_lock(settings):
        with pytest.raises(WorkerBusy):
            embed_pending(library.r)


def test_a_chunk_replaced_while_it_is_embedded_is_not_overwritten(tmp_path, library, monkeypatch):
    res = library.r
    p = write_article(tmp_path / "a", "bau.md", BAU * 2, title="Bau")
    library.ingest([p], defer_embedding=True)
    original = res.embedder.embed_passages

    def embed_while_an_ingest_replaces(texts, on_batch=None):
        write_article(tmp_path / "a", "bau.md", ZOO * 2, title="Zoo")
        library.ingest([p], defer_embedding=True)  # another version stored meanwhile, pending again
        return original(texts, on_batch)

    monkeypatch.setattr(res.embedder, "embed_passages", embed_while_an_ingest_replaces)
    first = res.index.pending_chunks(100)
    written = res.index.write_embeddings(first, res.embedder.embed_passages([c.text for c in first]))
    assert written == 0  # every chunk read was replaced: no old vector over the new text
    monkeypatch.setattr(res.embedder, "embed_passages", original)
    report = embed_pending(res)
    assert report.pending == 0
    got = res.store.collection.get(include=["documents", "metadatas", "embeddings"])
    for doc, meta, vec in zip(got["documents"], got["metadatas"], got["embeddings"]):
        assert "Panda" in doc or "Tiergarten" in doc or "Tierpfleger" in doc
        assert np.allclose(vec, original([f"{meta['title']}\n{doc}"])[0], atol=1e-5)


def test_a_fully_embedded_store_answers_exactly_as_the_normal_ingest(tmp_path, settings, embedder):
    """The demo corpus stored first and embedded by the worker gives the same answers, byte for byte, as the same
    corpus embedded during ingest."""
    from quelle.answering.pipeline import ask
    from quelle.library import Library
    from quelle.resources import Resources

    normal = Resources.open(settings.with_(data_dir=tmp_path / "normal"), embedder=embedder)
    later = Resources.open(settings.with_(data_dir=tmp_path / "later"), embedder=embedder)
    Library(normal).ingest([DEMO_ARTICLES])
    Library(later).ingest([DEMO_ARTICLES], defer_embedding=True)
    assert later.index.pending_count() == later.index.count() > 0
    embed_pending(later)
    assert later.index.pending_count() == 0
    a, b = _vectors(normal), _vectors(later)
    assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)
    questions = [json.loads(line)["question"] for line in GOLD.read_text(encoding="utf-8").splitlines() if line]
    assert len(questions) >= 8
    for q in questions:
        one = ask(q, normal.settings, resources=normal).to_dict(with_retrieved=True)
        two = ask(q, later.settings, resources=later).to_dict(with_retrieved=True)
        one.pop("timings_ms", None), two.pop("timings_ms", None)
        assert json.dumps(one, ensure_ascii=False, sort_keys=True) == json.dumps(
            two, ensure_ascii=False, sort_keys=True
        )


def test_stats_and_the_cli_show_embedding_pending(tmp_path, quelle_cli, monkeypatch):
    import quelle.embedding_worker as worker

    started = []
    monkeypatch.setattr(worker, "start_background", lambda s: started.append(s.data_dir) or 4242)
    data = tmp_path / "index"
    write_article(tmp_path / "a", "bau.md", BAU * 10, title="Rechenzentrum in Quellhausen")
    got = quelle_cli("ingest", tmp_path / "a", "--no-wait", data_dir=data)
    assert started == [data] and "4242" in got.stderr
    stats = json.loads(quelle_cli("stats", "--json", data_dir=data).stdout)
    assert stats["embedding_pending"] == stats["chunks"] > 0
    got = quelle_cli("ask", "Wie viel kostet das Rechenzentrum in Quellhausen?", "--json", data_dir=data)
    assert "40 Millionen Euro" in json.loads(got.stdout)["answer"]
    done = json.loads(quelle_cli("embed", "--json", data_dir=data).stdout)
    assert done["embedded"] == stats["chunks"] and done["pending"] == 0
    assert json.loads(quelle_cli("stats", "--json", data_dir=data).stdout)["embedding_pending"] == 0


def test_cli_ingest_embeds_in_the_same_command(tmp_path, quelle_cli):
    data = tmp_path / "index"
    write_article(tmp_path / "a", "bau.md", BAU * 10, title="Rechenzentrum in Quellhausen")
    got = quelle_cli("ingest", tmp_path / "a", data_dir=data)
    assert "Eingebettet:" in got.stderr
    assert got.stderr.strip().splitlines()[-1].startswith("added: 1 · ")  # the report's line stays the last
    stats = json.loads(quelle_cli("stats", "--json", data_dir=data).stdout)
    assert stats["chunks"] > 0 and stats["embedding_pending"] == 0


def test_the_background_worker_embeds_what_ingest_left(tmp_path, library, settings):
    """`quelle ingest --no-wait` starts `quelle embed --quiet` as a process of its own."""
    import os

    from quelle.embedding_worker import start_background
    from vectorstore.store import forget_persistent_client

    write_article(tmp_path / "a", "bau.md", BAU * 10, title="Rechenzentrum in Quellhausen")
    library.ingest([tmp_path / "a"], defer_embedding=True)
    n = library.r.index.pending_count()
    assert n > 0
    pid = start_background(settings)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, (settings.data_dir / "embed.log").read_text()
    forget_persistent_client(str(settings.data_dir / "chroma"))
    from quelle.resources import Resources

    again = Resources.open(settings, embedder=library.r.embedder)
    assert again.index.pending_count() == 0 and again.index.count() == n


def test_the_artikel_page_shows_the_embedding_and_embeds_on_request(tmp_path, library, monkeypatch):
    from tests.test_ui_apptest import open_app, texts

    write_article(tmp_path / "a", "bau.md", BAU * 10, title="Rechenzentrum in Quellhausen")
    library.ingest([tmp_path / "a"], defer_embedding=True)
    n = library.r.index.pending_count()
    at = open_app(monkeypatch, library.settings.data_dir)
    at.switch_page("quelle/ui/pages/articles.py").run()
    assert not at.exception, at.exception
    assert f"0 von {n} Passagen eingebettet" in at.get("progress")[0].proto.text
    at.button(key="embed_button").click().run()
    assert not at.exception, at.exception
    assert f"Eingebettet: {n} Passagen." in texts(at)
    at.run()
    assert not at.get("progress")  # nothing waits: the section is gone


def test_an_article_rewritten_by_a_normal_ingest_is_no_longer_pending(tmp_path, library):
    p = write_article(tmp_path / "a", "bau.md", BAU * 10, title="Bau")
    library.ingest([p], defer_embedding=True)
    assert library.r.index.pending_count() > 0
    write_article(tmp_path / "a", "bau.md", ZOO * 12, title="Zoo")
    library.ingest([p])  # embedded at once: its chunks carry no flag, also where an old chunk's id is reused
    assert library.r.index.pending_count() == 0
    assert not _pending(library.r)
    assert library.r.index.retrieve("Pandajunges im Tiergarten", 3, "dense")[0].meta["article_id"] == "bau"


def test_dense_search_skips_placeholders_even_when_they_fill_the_top(settings):
    """Few embedded chunks among many waiting ones: the over-fetch finds too few, the metadata filter finds all."""
    from vectorstore.store import ChunkStore, placeholder_vectors

    store = ChunkStore(settings, "test-model", lambda: 8)
    rng = np.random.default_rng(1)
    real = rng.standard_normal((3, 8)).astype(np.float32)
    real /= np.linalg.norm(real, axis=1, keepdims=True)
    waiting = [f"w{i}" for i in range(60)]
    store.upsert(["e0", "e1", "e2"], real, ["a", "b", "c"], [{"article_id": "e"}] * 3)
    store.upsert(waiting, placeholder_vectors(waiting, 8), ["x"] * 60, [{"article_id": "w", PENDING_KEY: 1}] * 60)
    store.bump_revision()
    assert store.has_pending() and store.pending_count() == 60
    got = store.query(placeholder_vectors(["w7"], 8)[0], 5)  # a question right on top of a placeholder
    assert sorted(c.chunk_id for c in got) == ["e0", "e1", "e2"]
    assert np.array_equal(placeholder_vectors(["w7"], 8), placeholder_vectors(["w7"], 8))  # the same for one id


def test_the_api_stats_count_the_chunks_waiting(tmp_path, library):
    import httpx

    from tests.api_server import serving

    write_article(tmp_path / "a", "bau.md", BAU * 10, title="Rechenzentrum in Quellhausen")
    library.ingest([tmp_path / "a"], defer_embedding=True)
    with serving(library.r) as srv:
        got = httpx.get(srv.url("/v1/stats"), timeout=60).json()
        assert got["embedding_pending"] == got["chunks"] > 0
        embed_pending(library.r)
        assert httpx.get(srv.url("/v1/stats"), timeout=60).json()["embedding_pending"] == 0
