"""ask() answers from the articles with a citation, and abstains when they do not hold the answer."""

import pytest

from quelle.answering.pipeline import QuestionError, ask


def test_alibaba_data_centre_question_is_answered_from_the_demo_corpus(demo_store):
    a = ask("Wo plant Alibaba neue Rechenzentren?", demo_store.settings, resources=demo_store)
    assert not a.abstained
    for country in ("Brasilien", "Frankreich", "Niederlande"):
        assert country in a.answer
    assert a.citations and a.citations[0].article_id == "alibaba-ki-offensive"
    assert "[1]" in a.answer
    cited = a.citations[0]
    assert any("Brasilien" in cited.text[s:e] for s, e in cited.highlights)


def test_alibaba_question_is_answered_from_the_seed_article(seed_file, library):
    library.ingest([seed_file])
    a = ask("Wo plant Alibaba neue Rechenzentren?", library.settings, resources=library.r)
    assert all(c in a.answer for c in ("Brasilien", "Frankreich", "Niederlanden"))
    assert a.citations[0].article_id == "alibaba-ki-offensive"


def test_question_about_something_absent_abstains(demo_store):
    a = ask("Wer gewann die Fußball-Weltmeisterschaft der Frauen 1991?", demo_store.settings, resources=demo_store)
    assert a.abstained
    assert a.answer == "In den Artikeln finde ich dazu keine Angabe."
    assert a.citations == []


def test_english_question_about_something_absent_abstains_in_english(demo_store):
    a = ask("Who painted the Mona Lisa?", demo_store.settings, resources=demo_store)
    assert a.abstained and a.answer == "The articles don't say."


def test_answer_carries_timings_and_backend(demo_store):
    a = ask("Um wie viel Prozent stiegen die Alibaba-Aktien in Hongkong?", demo_store.settings, resources=demo_store)
    assert a.backend == "extractive"
    assert "9,2" in a.answer
    assert set(a.timings_ms) == {"retrieve", "answer", "total"}


def test_empty_question_is_rejected_clearly(demo_store):
    with pytest.raises(QuestionError, match="empty"):
        ask("   ", demo_store.settings, resources=demo_store)


def test_follow_up_question_uses_the_history_without_repeating_the_last_answer(demo_store):
    history = [
        {"role": "user", "content": "Wo plant Alibaba neue Rechenzentren?"},
        {"role": "assistant", "content": "… in Brasilien, Frankreich und den Niederlanden. [1]"},
    ]
    a = ask("Und wo hat sie ihren Hauptsitz?", demo_store.settings, history, resources=demo_store)
    assert "Alibaba" in a.standalone_question
    assert "Hangzhou" in a.answer and "Brasilien" not in a.answer
    assert a.citations[0].article_id == "alibaba-ki-offensive"


def test_the_answer_step_is_an_answerer_ask_calls_with_the_retrieved_passages(demo_store):
    """The seam of issue 14: ExtractiveAnswerer.answer() on the same passages gives ask()'s answer."""
    from datetime import date

    from quelle.answering.answerers import Asked, ExtractiveAnswerer
    from reader.question import analyse

    s, q = demo_store.settings, "Wo plant Alibaba neue Rechenzentren?"
    via_ask = ask(q, s, resources=demo_store)
    passages = demo_store.index.retrieve(
        q, s.top_k, s.retrieval_mode, None, s.hybrid_dense_weight, "de", rerank=s.rerank
    )
    direct = ExtractiveAnswerer(s, demo_store).answer(Asked(q, q, analyse(q, "de"), "de", date.today()), passages)
    assert "Brasilien" in direct.answer
    assert direct.answer == via_ask.answer
    assert [c.chunk_id for c in direct.citations] == [c.chunk_id for c in via_ask.citations]
