"""Issue 20: time-aware answers over the dated corpus (data/dated: 8 stories told by 4 articles each, 2024–2025, and
5 event-time stories whose articles report the previous period's figures) —
recency, the reference date, conflicting reports newest first, timelines oldest first, the time filter (and what
happens when it leaves nothing), questions without a time word unchanged, the dated LLM prompt, the eval metric,
and the filter chip in the chat."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from quelle.answering.pipeline import ask
from tests.conftest import ROOT

DATED = ROOT / "data" / "dated"


@pytest.fixture(scope="module")
def dated(tmp_path_factory, embedder):
    from quelle.library import Library
    from quelle.resources import Resources
    from quelle.settings import Settings

    s = Settings(data_dir=tmp_path_factory.mktemp("dated") / "index", llm="extractive")
    res = Resources.open(s, embedder=embedder)
    report = Library(res).ingest([DATED / "articles"])
    assert report.count("failed") == 0 and res.store.count() >= 32
    return res


def at(res, as_of: str | None):
    return res.settings.with_(as_of=as_of)


def by_n(answer) -> dict:
    return {c.n: c for c in answer.citations}


# --- recency ------------------------------------------------------------------------------------------------------
def test_recency_decay_orders_newer_passages_first():
    from quelle.timeaware.reports import by_recency
    from vectorstore.retrieve import Passage

    old = Passage("a", "alt", {"date": "2024-01-10", "article_id": "a"}, 1.0)
    mid = Passage("b", "mittel", {"date": "2024-12-01", "article_id": "b"}, 0.9)
    new = Passage("c", "neu", {"date": "2025-03-01", "article_id": "c"}, 0.8)
    undated = Passage("d", "ohne", {"article_id": "d"}, 0.95)
    ranked = by_recency([old, mid, new, undated], half_life=90)
    assert [p.chunk_id for p in ranked] == ["c", "b", "a", "d"]
    assert ranked[0].extra["recency"] == 1.0 and ranked[0].score == pytest.approx(0.8)
    assert 0 < ranked[2].extra["recency"] < ranked[1].extra["recency"] < 1
    assert by_recency([old, new], half_life=None)[0].chunk_id == "a"  # no decay: unchanged


def test_current_state_question_answers_with_the_newest_report_and_names_its_date(dated):
    a = ask("Wie viele Mitarbeiter hat Flinkwerk aktuell?", at(dated, "2025-10-01"), resources=dated)
    assert not a.abstained and "95 Mitarbeiter" in a.sentences[0].text
    assert a.answer.startswith("Stand 10.09.2025 (Quelle [1]): ")
    assert by_n(a)[1].article_id == "flinkwerk-4" and by_n(a)[1].date == "2025-09-10"
    assert "recency" in a.flags and a.time_filter is None


def test_the_reference_date_decides_what_is_current(dated):
    a = ask("Wie viele Mitarbeiter beschäftigt Flinkwerk derzeit?", at(dated, "2025-01-10"), resources=dated)
    assert "85 Mitarbeiter" in a.sentences[0].text and "95" not in a.sentences[0].text
    assert a.answer.startswith("Stand 19.11.2024 (Quelle [1]): ")
    assert all(c.date <= "2025-01-10" for c in a.citations)  # nothing after the reference date


# --- conflicts ----------------------------------------------------------------------------------------------------
def test_conflicting_reports_newest_first_with_dates_and_citations(dated):
    a = ask("Wie hoch waren die Baukosten der Rheinbrücke bei Kellbach 2025?", at(dated, "2025-09-30"), resources=dated)
    assert "conflict" in a.flags
    assert a.answer.startswith("Stand 22.07.2025 (Quelle [1]): ") and "188 Millionen" in a.answer
    assert "171" not in a.answer  # the earlier figure is not the answer …
    dates = [t["date"] for t in a.timeline]
    assert dates == ["2025-07-22", "2025-02-18"]  # … but listed, newest first
    assert [t["value"] for t in a.timeline] == ["188 Millionen Euro", "171 Millionen Euro"]
    cites = by_n(a)
    for t in a.timeline:
        c = cites[t["citation"]]
        assert c.date == t["date"] and t["text"] in " ".join(c.text.split())
    assert a.timeline[0]["citation"] == 1 and cites[a.timeline[1]["citation"]].article_id == "bruecke-kellbach-3"
    assert a.to_dict()["timeline"][1]["date"] == "2025-02-18"


def test_conflicts_cover_names_too(dated):
    a = ask("Wer ist derzeit Trainer des SV Morgenrot?", at(dated, "2025-09-30"), resources=dated)
    assert "Tobias Lanz" in a.sentences[0].text and a.answer.startswith("Stand 03.06.2025")


# --- timelines ----------------------------------------------------------------------------------------------------
def test_timeline_question_lists_dated_cited_sentences_oldest_first(dated):
    a = ask(
        "Wie hat sich der Preis der Monatskarte im Verkehrsverbund Saaltal entwickelt?",
        at(dated, "2025-09-30"),
        resources=dated,
    )
    assert "timeline" in a.flags and a.answer.startswith("Chronologie:")
    dates = [t["date"] for t in a.timeline]
    assert dates == sorted(dates) and len(dates) >= 3
    assert dates[0] == "2024-01-15" and dates[-1] == "2025-08-05"
    articles = {by_n(a)[t["citation"]].article_id for t in a.timeline}
    assert len(articles) == len(a.timeline) and all(x.startswith("monatskarte-saaltal") for x in articles)
    lines = a.answer.split("\n- ")[1:]
    assert [ln.split(":")[0] for ln in lines] == [dt.date.fromisoformat(d).strftime("%d.%m.%Y") for d in dates]
    assert all(f"[{t['citation']}]" in ln for t, ln in zip(a.timeline, lines))


# --- the time filter ----------------------------------------------------------------------------------------------
def test_a_date_in_the_question_filters_and_is_visible(dated):
    a = ask("Wie viele Mitarbeiter hatte Flinkwerk im April 2025?", at(dated, "2025-10-01"), resources=dated)
    # the period is April; the window applied to publication dates reaches REPORT_LAG_DAYS (45) beyond its end
    assert a.to_dict()["time_filter"] == {
        "since": "2025-04-01",
        "until": "2025-06-14",
        "from_text": "im April 2025",
        "applied": True,
        "period": {"since": "2025-04-01", "until": "2025-04-30"},
    }
    assert "120 Mitarbeiter" in a.sentences[0].text
    assert a.citations and all("2025-04-01" <= c.date <= "2025-06-14" for c in a.citations)
    assert "time_filter" in a.flags


def test_a_filter_that_leaves_nothing_is_dropped_and_flagged(dated):
    a = ask("Wie viele Mitarbeiter hatte Flinkwerk im Jahr 2016?", at(dated, "2025-10-01"), resources=dated)
    assert a.time_filter == {
        "since": "2016-01-01",
        "until": "2017-02-14",
        "from_text": "im Jahr 2016",
        "applied": False,
        "period": {"since": "2016-01-01", "until": "2016-12-31"},
    }
    assert "time_filter_dropped" in a.flags and "time_filter" not in a.flags
    assert not a.abstained and a.citations[0].article_id.startswith("flinkwerk")


def test_time_aware_false_ignores_the_time_words(dated):
    a = ask(
        "Wie viele Mitarbeiter hatte Flinkwerk im April 2025?",
        at(dated, "2025-10-01"),
        resources=dated,
        time_aware=False,
    )
    assert a.time_filter is None and a.timeline == [] and not any(f.startswith("time") for f in a.flags)


@pytest.mark.parametrize(
    "question",
    [
        "Wer ist Trainer des SV Morgenrot?",
        "Wie viele Mitarbeiter hat Flinkwerk?",
        "Wie teuer ist die Monatskarte im Verkehrsverbund Saaltal?",
    ],
)
def test_questions_without_a_time_word_answer_exactly_as_before(dated, question):
    s = at(dated, "2025-10-01")
    new = ask(question, s, resources=dated).to_dict(with_retrieved=True)
    old = ask(question, s, resources=dated, time_aware=False).to_dict(with_retrieved=True)
    for d in (new, old):
        d.pop("timings_ms")
    assert new == old
    assert new["time_filter"] is None and new["timeline"] == []  # the new fields, empty
    assert not new["abstained"] and new["citations"]
    assert not new["answer"].startswith("Stand")


def test_demo_questions_without_a_time_word_are_unchanged(demo_store):
    for q in ("Wo plant Alibaba neue Rechenzentren?", "Um wie viel Prozent stiegen die Alibaba-Aktien in Hongkong?"):
        new = ask(q, demo_store.settings, resources=demo_store).to_dict(with_retrieved=True)
        old = ask(q, demo_store.settings, resources=demo_store, time_aware=False).to_dict(with_retrieved=True)
        new.pop("timings_ms"), old.pop("timings_ms")
        assert new == old and new["time_filter"] is None and new["timeline"] == []


# --- the LLM prompt -----------------------------------------------------------------------------------------------
def test_llm_prompt_carries_each_source_date_and_the_reference_date(dated):
    from fake_openai import FakeOpenAI

    with FakeOpenAI(replies=["Flinkwerk beschäftigt 95 Mitarbeiter [1]."]) as srv:
        s = at(dated, "2025-10-01").with_(
            llm="openai", openai_base_url=srv.base_url, llm_model="fake", llm_retries=1, llm_timeout=5.0
        )
        a = ask("Wie viele Mitarbeiter hat Flinkwerk aktuell?", s, resources=dated)
        messages = srv.requests[0]["messages"]
    system = messages[0]["content"]
    user = messages[-1]["content"]
    assert "2025-10-01" in system and "neueste Meldung" in system
    assert user.startswith("Stichtag: 2025-10-01")
    assert "Datum: 2025-09-10" in user  # the newest Flinkwerk article, dated
    assert a.backend == "openai" and "recency" in a.flags


# --- the eval metric ----------------------------------------------------------------------------------------------
def test_eval_reports_the_newest_fact_share_on_the_held_out_stories(dated, tmp_path):
    from quelle.evaluation.gold import read_gold
    from quelle.evaluation.runner import EvalConfig, run_evaluation

    questions = read_gold(DATED / "gold_heldout.jsonl")
    assert {q.extra["split"] for q in questions} == {"heldout"} and all(q.extra["as_of"] for q in questions)
    result = run_evaluation(
        questions, [EvalConfig("standard", dated.settings)], dated, lambda: [], tmp_path / "results.jsonl"
    )
    m = result.metrics["standard"]
    assert m["n_dated"] == 21  # 16 rows of the first four held-out stories, 5 of the two event-time ones
    assert m["newest_fact"] >= 0.9
    rows = result.rows["standard"]
    assert all(r["newest_fact"] in (0.0, 1.0) for r in rows)
    wrong_ok = [r for r in rows if r["newest_fact"] == 0.0]
    assert len(wrong_ok) <= 1


def test_newest_fact_counts_an_outdated_value_as_wrong():
    from quelle.evaluation.gold import GoldQuestion
    from quelle.evaluation.runner import Outcome, newest_fact

    q = GoldQuestion("x", "Wie viele?", ["95 Mitarbeiter"], extra={"as_of": "2025-10-01", "outdated": ["120"]})
    out = lambda text: Outcome(text, False, "extractive", [], [], 0.0, sentences=[text])  # noqa: E731
    assert newest_fact(q, out("Flinkwerk hat 95 Mitarbeiter.")) == 1.0
    assert newest_fact(q, out("Erst 120, jetzt 95 Mitarbeiter.")) == 0.0
    assert newest_fact(q, out("Flinkwerk hat 120 Mitarbeiter.")) == 0.0
    assert newest_fact(GoldQuestion("y", "?", ["a"]), out("a")) is None


# --- the chat: the filter chip ------------------------------------------------------------------------------------
def test_chat_shows_the_time_filter_as_a_removable_chip(dated, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("QUELLE_DATA_DIR", str(dated.settings.data_dir))
    monkeypatch.setenv("QUELLE_LLM", "extractive")
    monkeypatch.setenv("QUELLE_AS_OF", "2025-10-01")
    app = AppTest.from_file(str(Path(ROOT / "app.py")), default_timeout=180)
    app.run()
    assert not app.exception, app.exception
    app.chat_input[0].set_value("Wie viele Mitarbeiter hatte Flinkwerk im April 2025?").run()
    assert not app.exception, app.exception
    chips = [b for b in app.button if b.key and b.key.startswith("time_chip")]
    assert len(chips) == 1
    label = chips[0].label.replace("\\", "")
    assert "im April 2025" in label and "Meldungen 01.04.2025–14.06.2025" in label
    answer = app.session_state.messages[-1]["answer"]
    assert answer["time_filter"]["since"] == "2025-04-01" and "120" in answer["answer"]
    chips[0].click().run()  # removing the chip asks the same question again without the filter
    assert not app.exception, app.exception
    messages = app.session_state.messages
    assert messages[-1]["role"] == "assistant" and messages[-1]["answer"]["time_filter"] is None
    assert messages[-2]["content"] == "Wie viele Mitarbeiter hatte Flinkwerk im April 2025?"
    assert "95" in messages[-1]["answer"]["answer"] or messages[-1]["answer"]["citations"]
    assert len([b for b in app.button if b.key and b.key.startswith("time_chip")]) == 1  # the first answer's chip


def test_chat_shows_earlier_reports(dated, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("QUELLE_DATA_DIR", str(dated.settings.data_dir))
    monkeypatch.setenv("QUELLE_LLM", "extractive")
    monkeypatch.setenv("QUELLE_AS_OF", "2025-09-30")
    app = AppTest.from_file(str(Path(ROOT / "app.py")), default_timeout=180)
    app.run()
    app.chat_input[0].set_value("Wie hoch waren die Baukosten der Rheinbrücke bei Kellbach 2025?").run()
    assert not app.exception, app.exception
    shown = "\n".join(m.value for m in app.chat_message[-1].markdown).replace("\\", "")
    assert "Frühere Meldungen" in shown
    assert "18.02.2025" in shown and "171 Millionen Euro" in shown


# --- the command line ---------------------------------------------------------------------------------------------
def test_cli_ask_takes_a_reference_date_and_prints_the_time_fields(dated):
    import json

    from typer.testing import CliRunner

    from quelle.cli.app import app

    args = ["--data-dir", str(dated.settings.data_dir), "ask", "Wie viele Mitarbeiter beschäftigt Flinkwerk derzeit?"]
    got = CliRunner().invoke(app, args + ["--as-of", "2025-01-10", "--json"], env={"QUELLE_LLM": "extractive"})
    assert got.exit_code == 0, got.output
    d = json.loads(got.stdout)
    assert "85 Mitarbeiter" in d["answer"] and d["answer"].startswith("Stand 19.11.2024")
    assert d["time_filter"] is None and "recency" in d["flags"]
    bad = CliRunner().invoke(app, args + ["--as-of", "2025-13-01"], env={"QUELLE_LLM": "extractive"})
    assert bad.exit_code != 0 and "--as-of" in bad.output


def test_each_candidate_of_an_unsure_answer_is_dated_by_what_it_cites():
    """The dates go where the markers are (read by quelle/answering/citations.py, the one reader of [n])."""
    from quelle.answering.citations import trailing_citation
    from quelle.answering.types import Answer, Citation
    from quelle.timeaware.answers import _dated

    def cite(n: int, date: str) -> Citation:
        return Citation(n, f"a{n}", "T", date, "S", "text", 0, 4, 1.0)

    lead = "Keine sichere Antwort gefunden. Am nächsten kommen diese Stellen:"
    text = f"{lead}\n- Der Umsatz stieg auf 5 Mio. Euro. [1]\n- Er lag bei 4 Mio. Euro. [2]"
    answer = Answer("q", text, False, "extractive", citations=[cite(1, "2025-03-01"), cite(2, "")])
    assert _dated(answer, "de") == (
        f"{lead}\n- Stand 01.03.2025 (Quelle [1]): Der Umsatz stieg auf 5 Mio. Euro. [1]\n- Er lag bei 4 Mio. Euro. [2]"
    )
    # a sure answer is dated as a whole
    sure = Answer("q", "Der Umsatz stieg auf 5 Mio. Euro. [1]", False, "extractive", citations=[cite(1, "2025-03-01")])
    assert _dated(sure, "de").startswith("Stand 01.03.2025 (Quelle [1]): Der Umsatz")
    assert trailing_citation("- Satz [12]") == 12
    assert trailing_citation("- Satz [1, 2]") is None and trailing_citation("Satz [1] mehr") is None
