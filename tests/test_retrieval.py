"""Hybrid retrieval for German: stemmed BM25 + 4-grams + dense, the same filters on both sides, an index
that stays in step with the store and rebuilds itself."""

import shutil

import pytest

from quelle.answering.pipeline import ask
from tests.conftest import write_article
from reader.question import analyse
from vectorstore.analysis import analyze
from vectorstore.filters import FilterError, Filters


def _ids(passages):
    return [p.meta["article_id"] for p in passages]


def test_retrieve_defaults_to_the_settings_dense_weight():
    """Callers without settings (tests, bench) run the weight production uses."""
    import inspect

    from quelle.settings import Settings
    from vectorstore.retrieve import Retriever

    default = inspect.signature(Retriever.retrieve).parameters["dense_weight"].default
    assert default == Settings.model_fields["hybrid_dense_weight"].default == 0.2


def test_german_stemming_matches_singular_and_plural():
    assert analyze("Rechenzentrum") == analyze("Rechenzentren")
    assert analyze("Aktie") == analyze("Aktien")


def test_numbers_stay_whole_and_umlauts_fold():
    assert "9,2" in analyze("Die Aktie stieg um 9,2 % im Jahr 2021.")
    assert "2021" in analyze("Die Aktie stieg um 9,2 % im Jahr 2021.")
    assert analyze("Größe") == analyze("Grösse")


@pytest.fixture
def three_articles(tmp_path, library):
    folder = tmp_path / "in"
    write_article(
        folder,
        "cloud.md",
        "Die Cloudsparte des Konzerns wuchs im Sommer um 26 Prozent. Die Zahlen überraschten Analysten.",
        title="Konzernbericht",
        date="2025-06-01",
        source="Wirtschaft",
    )
    write_article(
        folder,
        "zentrum.md",
        "In Leipzig eröffnet ein neues Rechenzentrum für Forschung und Lehre. Es kostet 40 Millionen Euro.",
        title="Neues Rechenzentrum",
        date="2026-02-01",
        source="Lokales",
    )
    write_article(
        folder,
        "wetter.md",
        "Am Wochenende wird es in Bayern sonnig und warm, mit bis zu 30 Grad.",
        title="Wetter",
        date="2026-05-01",
        source="Lokales",
    )
    library.ingest([folder])
    return library


def test_compound_variants_find_each_other(three_articles):
    r = three_articles.r.retriever
    assert _ids(r.retrieve("Wie stark wuchs die Cloud-Sparte?", 1, mode="bm25")) == ["cloud"]
    assert _ids(r.retrieve("Wo entstehen Rechenzentren?", 1, mode="bm25")) == ["zentrum"]


@pytest.mark.parametrize("mode", ["dense", "bm25", "hybrid"])
def test_filters_exclude_the_same_articles_on_every_retriever(three_articles, mode):
    r = three_articles.r.retriever
    q = "Rechenzentrum Cloudsparte Wetter"
    assert set(_ids(r.retrieve(q, 10, mode=mode))) == {"cloud", "zentrum", "wetter"}
    assert set(_ids(r.retrieve(q, 10, mode=mode, filters=Filters.make(sources=["Lokales"])))) == {"zentrum", "wetter"}
    assert set(_ids(r.retrieve(q, 10, mode=mode, filters=Filters.make(since="2026-01-01", until="2026-03-31")))) == {
        "zentrum"
    }
    assert set(_ids(r.retrieve(q, 10, mode=mode, filters=Filters.make(article_ids=["wetter"])))) == {"wetter"}
    assert _ids(r.retrieve(q, 10, mode=mode, filters=Filters.make(until="2020"))) == []


def test_invalid_date_filter_is_a_clear_error():
    with pytest.raises(FilterError, match="since"):
        Filters.make(since="letzte Woche")
    with pytest.raises(FilterError, match="after"):
        Filters.make(since="2026-05-01", until="2026-01-01")


def test_lexical_index_follows_ingest_update_and_delete(tmp_path, three_articles):
    lib = three_articles
    r = lib.r.retriever
    assert len(r.lexical) == lib.r.store.count()
    write_article(
        tmp_path / "in",
        "wetter.md",
        "Am Wochenende schneit es in Bayern bei minus 5 Grad.",
        title="Wetter",
        date="2026-05-01",
        source="Lokales",
    )
    lib.ingest([tmp_path / "in"])
    hit = r.retrieve("schneit", 1, mode="bm25")
    assert _ids(hit) == ["wetter"] and "schneit" in hit[0].text
    assert r.retrieve("sonnig", 5, mode="bm25") == []
    lib.delete("cloud")
    assert "cloud" not in _ids(r.retrieve("Cloudsparte", 5, mode="bm25"))
    assert len(r.lexical) == lib.r.store.count()


def test_lexical_index_rebuilds_itself_when_its_files_are_gone(three_articles, embedder):
    from quelle.resources import Resources

    settings = three_articles.settings
    shutil.rmtree(settings.lexical_dir)
    fresh = Resources.open(settings, embedder=embedder)  # a new process would see the same
    assert _ids(fresh.retriever.retrieve("Cloudsparte", 1, mode="bm25")) == ["cloud"]
    assert (settings.lexical_dir / "manifest.json").exists()


def test_lexical_index_rebuilds_when_out_of_step_with_the_store(three_articles, embedder):
    """A crash between the Chroma write and the index save leaves the store's revision ahead of the index."""
    from quelle.resources import Resources

    settings = three_articles.settings
    three_articles.r.store.bump_revision()  # what an interrupted write leaves behind
    fresh = Resources.open(settings, embedder=embedder)
    assert fresh.retriever.sync_lexical() is True
    assert len(fresh.retriever.lexical) == fresh.store.count()


def test_hybrid_is_the_default_and_answers_with_filters(three_articles):
    s = three_articles.settings
    assert s.retrieval_mode == "hybrid"
    a = ask("Um wie viel Prozent wuchs die Cloudsparte?", s, resources=three_articles.r)
    assert "26 Prozent" in a.answer and a.citations[0].article_id == "cloud"
    b = ask(
        "Um wie viel Prozent wuchs die Cloudsparte?",
        s,
        resources=three_articles.r,
        filters=Filters.make(sources=["Lokales"]),
    )
    assert "26 Prozent" not in b.answer and all(c.article_id != "cloud" for c in b.citations)
    c = ask("Was kostet das Rechenzentrum?", s, resources=three_articles.r, filters=Filters.make(sources=["Lokales"]))
    assert c.citations and {x.article_id for x in c.citations} == {"zentrum"} and "40 Millionen" in c.answer


def test_the_index_is_the_one_way_to_store_and_lexical_index(tmp_path, three_articles, embedder):
    """vectorstore.index.Index: reads, the write protocol, a bulk write the lexical index learns on its next
    sync, and a from-scratch build that equals the kept index."""
    from ingest.models import Article, Chunk

    index = three_articles.r.index
    assert index.store is three_articles.r.store and index.retriever is three_articles.r.retriever
    assert index.has_article("cloud") and not index.has_article("gibt-es-nicht")
    assert [a["article_id"] for a in index.list_articles()] == ["wetter", "zentrum", "cloud"]  # newest first
    n = index.count()
    assert n == len(index.retriever.lexical) >= 3
    assert index.build_lexical(tmp_path / "scratch").ids == index.retriever.lexical.ids

    art = Article(article_id="mosel", title="Mosel", text="Die Mosel mündet bei Koblenz in den Rhein.")
    chunk = Chunk(chunk_id="mosel-0", article_id="mosel", index=0, text=art.text, start=0, end=len(art.text))
    vectors = embedder.embed_passages([art.text])
    from vectorstore.store import chunk_metadata

    revision = index.revision
    index.bulk_add([([chunk.chunk_id], vectors, [chunk.text], [chunk_metadata(art, chunk, 1, ["x"])])])
    assert index.revision != revision and index.count() == n + 1
    assert _ids(index.retrieve("Koblenz", 1, mode="bm25")) == ["mosel"]  # synced before the lexical query

    with index.writing({"mosel"}):
        assert index.delete_article("mosel") == 1
    assert not index.has_article("mosel") and len(index.retriever.lexical) == index.count() == n
    assert index.retrieve("Koblenz", 3, mode="bm25") == []


def test_outside_vectorstore_the_index_is_reached_through_index():
    """No product module calls into the store or retriever behind Index, nor a private of the store."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    files = [*root.joinpath("quelle").rglob("*.py"), root / "app.py", *root.joinpath("bench").glob("*.py")]
    bad = re.compile(r"\.(store|retriever)\.(?!collection\b)\w+|\b(?:store|index)\._(?!_)\w+|\._batch\b")
    found = [
        f"{f.relative_to(root)}:{i}: {line.strip()}"
        for f in files
        for i, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1)
        if bad.search(line) and "self.store" not in line and "FeedbackStore" not in line
    ]
    assert found == []


def test_the_fast_matcher_gives_the_same_credit_as_the_plain_definition():
    """reader.evidence._Matcher finds partial matches by prefix search over the passages' vocabulary; credit() is
    the plain definition the rest of the code uses. One rule, two speeds: they must agree term by term."""
    from reader.evidence import PART_CREDIT, PARTIAL_CREDIT, _Matcher, credit, passage_view, question_view

    text = (
        "Die Akkulaufzeit des Stifts beträgt zwölf Stunden. Im Containerumschlag wurden 3,9 Millionen Container "
        "umgeschlagen. Der Sendeplatz am Sonntag bleibt, die Cloudsparte wächst, Rechenzentren entstehen in Brasilien. "
        "Die 24 Insassen des Busses blieben unverletzt; 2015 war ein Rekordjahr."
    )
    view = passage_view(text, "de")
    q = question_view(
        "Wie lange hält eine Akkuladung, wie voll ist der Akku, wie viele Container, welcher Programmplatz, welche "
        "Sparte, welches Rechenzentrum, wie viele Insassen, 2015 oder 24?",
        lambda t: 1.0,
    )
    match = _Matcher(q, set().union(*(sv.terms for sv in view)))
    seen = set()
    for sv in view:
        for t in q.terms:
            assert match.credit(t, sv) == credit(t, sv.terms, sv.parts, q.parts.get(t, frozenset())), (t, sv.terms)
            seen.add(match.credit(t, sv))
    assert seen == {0.0, PART_CREDIT, PARTIAL_CREDIT, 1.0}  # every kind of match was compared, not only misses


def test_the_retrieval_stage_gets_each_passages_best_sentence_exactly_without_reading_every_slot():
    """score_sentences(best_only=True) skips the answer slots of sentences that cannot be their passage's best; the
    best score of every passage must be the one the full computation gives."""
    from reader.evidence import PassageInput, question_view, score_sentences

    passages = [
        PassageInput(
            "Das Stadtfest in Ulm war ein Erfolg. Rund 80.000 Gäste feierten an drei Tagen. Die Band kam aus Stuttgart.",
            "Stadtfest Ulm",
            "a",
            0,
            1.0,
        ),
        PassageInput(
            "Oberbürgermeister Gunter Czisch lobte die Stimmung in Ulm. Im kommenden Jahr wird das Fest verlängert.",
            "Stadtfest Ulm",
            "a",
            1,
            0.8,
        ),
        PassageInput("In Hamburg wurden 3,9 Millionen Container umgeschlagen.", "Hafen", "b", 0, 0.5),
    ]
    for question in ("Wie viele Gäste feierten in Ulm?", "Wer lobte die Stimmung in Ulm?", "Wo spielte die Band?"):
        q = question_view(question, lambda t: 1.0)
        full: dict[int, float] = {}
        for e in score_sentences(q, passages):
            full[e.passage] = max(full.get(e.passage, float("-inf")), e.score)
        fast = score_sentences(q, passages, best_only=True)
        assert len(fast) == len(full) == 3
        assert {e.passage: e.score for e in fast} == full


def test_the_evidence_stage_reads_a_sentence_without_its_passages_first_stage_score():
    """The fusion counts the first stage once: what a chunk's best sentence says (its evidence) is the same whatever
    the first stage scored the chunk (the reader's `retrieval` feature would count it a second time)."""
    from vectorstore.retrieve import Passage, Retriever

    class _Index:
        lexical = type("L", (), {"idf": staticmethod(lambda t: 1.0)})()

    q = "Wie viele Besucher kamen zum Stadtfest in Ulm?"
    lead = "Das Stadtfest in Ulm zog auch heuer viele Besucher an. Die Veranstalter zogen eine zufriedene Bilanz."
    fact = "Rund 80.000 Gäste kamen an drei Tagen auf den Münsterplatz. Die Stimmung war friedlich."

    def evidence_of_fact(first_stage: float) -> float:
        passages = [
            Passage("a::0", lead, {"article_id": "a", "chunk_index": 0}, 1.0),
            Passage("a::1", fact, {"article_id": "a", "chunk_index": 1}, first_stage),
        ]
        ranked = Retriever._rerank(_Index(), analyse(q, "de"), passages, 0.5)
        return next(p.extra["evidence"] for p in ranked if p.chunk_id == "a::1")

    assert evidence_of_fact(0.9) == evidence_of_fact(0.5) > 0
