"""Ingest keeps the store exact: unchanged articles are no-ops, changes leave nothing stale, deletes delete."""

import pytest

from ingest.loaders import load_file
from tests.conftest import write_article

BODY = "Die Stadt Musterhausen baut ein neues Rechenzentrum. " * 3 + "Der Bau beginnt im März 2026. " * 40


def test_article_title_and_metadata_come_from_front_matter(tmp_path):
    p = write_article(
        tmp_path,
        "bau.md",
        BODY,
        title="Neues Rechenzentrum",
        date="2026-01-15",
        source="Lokalblatt",
        url="https://example.org/bau",
    )
    (art,) = load_file(p)
    assert (art.article_id, art.title, art.date, art.source, art.url) == (
        "bau",
        "Neues Rechenzentrum",
        "2026-01-15",
        "Lokalblatt",
        "https://example.org/bau",
    )
    assert art.text.startswith("Die Stadt Musterhausen")


def test_title_falls_back_to_the_first_line(tmp_path):
    p = tmp_path / "meldung.txt"
    p.write_text("Kurze Schlagzeile\n\nDer eigentliche Text der Meldung steht hier.", encoding="utf-8")
    (art,) = load_file(p)
    assert art.title == "Kurze Schlagzeile"
    assert art.text == "Der eigentliche Text der Meldung steht hier."


def test_reingest_of_unchanged_article_adds_no_chunks_and_embeds_nothing(tmp_path, library, monkeypatch):
    p = write_article(tmp_path / "a", "bau.md", BODY, title="Bau")
    first = library.ingest([p])
    assert first.summary()["added"] == 1
    n = library.r.store.count()
    calls = []
    original = library.r.embedder.embed_passages
    monkeypatch.setattr(
        library.r.embedder, "embed_passages", lambda texts, **kw: calls.append(texts) or original(texts)
    )
    second = library.ingest([p])
    assert second.summary()["unchanged"] == 1
    assert library.r.store.count() == n
    assert calls == []


def test_changed_article_replaces_all_its_chunks(tmp_path, library):
    p = write_article(tmp_path / "a", "bau.md", BODY, title="Bau")
    library.ingest([p])
    assert library.r.store.count() > 1
    write_article(tmp_path / "a", "bau.md", "Der Bau wurde abgesagt. Die Stadt spart das Geld.", title="Bau")
    report = library.ingest([p])
    assert report.summary()["updated"] == 1
    got = library.r.store.collection.get(include=["documents"])
    assert len(got["ids"]) == 1
    assert got["documents"] == ["Der Bau wurde abgesagt. Die Stadt spart das Geld."]


def test_delete_removes_the_article_and_its_chunks(tmp_path, library):
    library.ingest(
        [write_article(tmp_path, "a.md", BODY, title="A"), write_article(tmp_path, "b.md", "Nur B.", title="B")]
    )
    assert library.delete("a") > 0
    assert [a["article_id"] for a in library.articles()] == ["b"]
    assert library.delete("a") == 0


def test_store_built_with_another_model_is_a_clear_error(tmp_path, settings, embedder):
    from quelle.resources import Resources
    from vectorstore.store import ChunkStore, StoreError

    Resources.open(settings, embedder=embedder)
    with pytest.raises(StoreError, match="built with embedding model 'bundled:all-MiniLM-L6-v2'.*rebuild"):
        ChunkStore(settings, "intfloat/multilingual-e5-small")


def test_a_failed_file_does_not_stop_the_run_or_lose_stored_articles(tmp_path, library):
    good = write_article(tmp_path / "in", "gut.md", BODY, title="Gut")
    library.ingest([good])
    before = library.r.store.count()
    empty = tmp_path / "in" / "leer.txt"
    empty.write_text("   \n", encoding="utf-8")
    report = library.ingest([tmp_path / "in"])
    assert report.summary()["failed"] == 1 and report.summary()["unchanged"] == 1
    failed = next(f for f in report.files if f.status == "failed")
    assert "leer.txt" in failed.path and failed.message
    assert library.r.store.count() == before
