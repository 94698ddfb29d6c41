"""Issue 21, the core and the CLI: ratings stored durably, exported as gold that `quelle eval` reads and scores,
chats kept per session and exported as Markdown/JSON; `quelle feedback list|export|clear`, `quelle eval --feedback`."""

from __future__ import annotations

import json
import shutil
import sqlite3

import pytest
from typer.testing import CliRunner

from quelle.evaluation.gold import read_gold
from quelle.feedback.chats import ChatStore, chat_json, chat_markdown, new_session_id, valid_session_id
from quelle.feedback.export import changed, export, gold_questions, write_gold
from quelle.feedback.store import DOWN, UP, Feedback, FeedbackError, FeedbackStore, request_settings

QUESTION = "Wo plant Alibaba neue Rechenzentren?"
COUNTRIES = "Brasilien, Frankreich und den Niederlanden"
UNANSWERABLE = "Wie heißt der Hund des Bürgermeisters von Oslo?"
HOSTILE = "<script>alert(1)</script> **fett** [x](javascript:alert(2)) <img src=x onerror=alert(3)>"


@pytest.fixture
def store_copy(tmp_path, demo_store):
    """The demo store copied into a fresh data dir (feedback written here never reaches other tests)."""
    target = tmp_path / "index"
    shutil.copytree(demo_store.settings.data_dir, target, ignore=shutil.ignore_patterns("feedback.sqlite3*"))
    return target


@pytest.fixture(scope="module")
def answers(demo_store):
    """Real answers of the demo store (ask --json objects): a cited one, an abstention, a follow-up."""
    from quelle.answering.pipeline import ask

    s = demo_store.settings
    first = ask(QUESTION, s, resources=demo_store)
    history = [{"role": "user", "content": QUESTION}, {"role": "assistant", "content": first.answer}]
    follow = ask("Und wo hat sie ihren Hauptsitz?", s, history, resources=demo_store)
    none = ask(UNANSWERABLE, s, resources=demo_store)
    assert not first.abstained and first.citations and none.abstained
    return {
        "first": first.to_dict(),
        "none": none.to_dict(),
        "follow": follow.to_dict(),
        "history": history,
        "settings": request_settings(s),
    }


def rated(answers, key="first", rating=DOWN, fid=None, **kw) -> Feedback:
    a = answers[key]
    return Feedback(
        id=fid or new_session_id(),
        rating=rating,
        question=a["question"],
        answer=a,
        history=answers["history"] if key == "follow" else [],
        settings=answers["settings"],
        **kw,
    )


# --- store ------------------------------------------------------------------------------------------------------
def test_rating_is_stored_with_question_settings_answer_citations_and_time(tmp_path, answers):
    store = FeedbackStore(tmp_path / "d")
    assert store.records() == [] and not store.exists()  # reading creates nothing
    fb = store.rate(rated(answers, "follow", DOWN, fid="m1", reason="wrong_passage", correction="  Hangzhou "))
    [got] = FeedbackStore(tmp_path / "d").records()
    assert got.id == "m1" and got.rating == DOWN and got.reason == "wrong_passage" and got.correction == "Hangzhou"
    assert got.question == "Und wo hat sie ihren Hauptsitz?" and got.history[0]["content"] == QUESTION
    assert got.settings == {
        "backend": "extractive",
        "model": "",
        "mode": "hybrid",
        "k": 5,
        "filters": {"article_ids": [], "sources": [], "since": None, "until": None},
    }
    assert got.answer == answers["follow"]
    cite = got.citations()[0]
    assert cite["article_id"] == "alibaba-ki-offensive" and cite["end"] > cite["start"] >= 0
    assert got.created == fb.created and got.created.startswith("20")
    assert got.to_dict()["citations"] == got.citations()
    with sqlite3.connect(store.path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_rating_again_replaces_it_and_a_thumb_up_drops_reason_and_correction(tmp_path, answers):
    store = FeedbackStore(tmp_path)
    first = store.rate(rated(answers, fid="m1", reason="wrong_source", correction="Spanien"))
    store.rate(rated(answers, rating=UP, fid="m1", reason="wrong_source", correction="Spanien"))
    [got] = store.records()
    assert got.rating == UP and got.reason is None and got.correction == "" and got.created == first.created
    assert store.unrate("m1") and store.records() == [] and not store.unrate("m1")


def test_unknown_rating_or_reason_is_refused(tmp_path, answers):
    with pytest.raises(FeedbackError, match="reason"):
        FeedbackStore(tmp_path).rate(rated(answers, reason="zu kurz"))
    with pytest.raises(FeedbackError, match="rating"):
        FeedbackStore(tmp_path).rate(rated(answers, rating=3))
    assert FeedbackStore(tmp_path).records() == []


def test_hostile_correction_is_stored_verbatim(tmp_path, answers):
    store = FeedbackStore(tmp_path)
    store.rate(rated(answers, fid="m1", correction=HOSTILE))
    assert store.get("m1").correction == HOSTILE
    [row] = export(store.records()).rows
    assert row["answers"] == [HOSTILE]


# --- chats ------------------------------------------------------------------------------------------------------
def chat(answers) -> list[dict]:
    return [
        {"role": "user", "content": QUESTION},
        {"role": "assistant", "content": answers["first"]["answer"], "id": "a1", "answer": answers["first"]},
        {"role": "user", "content": UNANSWERABLE},
        {"role": "assistant", "content": answers["none"]["answer"], "id": "a2", "answer": answers["none"]},
    ]


def test_chat_is_kept_per_session_and_cleared_with_the_feedback(tmp_path, answers):
    store = FeedbackStore(tmp_path)
    chats = ChatStore(store)
    sid, other = new_session_id(), new_session_id()
    chats.save(sid, chat(answers))
    assert ChatStore(FeedbackStore(tmp_path)).load(sid) == chat(answers)
    assert chats.load(other) == [] and chats.load("../../etc/passwd") == []
    assert valid_session_id([sid]) == sid and valid_session_id("x" * 32) is None
    with pytest.raises(ValueError):
        chats.save("<script>", [])
    store.rate(rated(answers, fid="a1", correction="Spanien"))
    assert store.clear() == (1, 1)
    assert chats.load(sid) == [] and store.records() == []
    assert b"Spanien" not in store.path.read_bytes()  # vacuumed: the deleted text is gone from the file


def test_markdown_export_has_answers_with_numbered_sources_titles_dates_urls(answers):
    md = chat_markdown(chat(answers), "de", "2026-01-01 10:00")
    assert md.startswith("# Quelle – Chat\n")
    assert f"## 1. Frage: {QUESTION}" in md and f"## 2. Frage: {UNANSWERABLE}" in md
    assert "Brasilien" in md and "**Quellen:**" in md
    c = answers["first"]["citations"][0]
    assert f"[1] {c['title']} ({c['date']}, {c['source']}) – <{c['url']}>" in md
    assert c["url"] == "https://example.org/demo/alibaba-ki-offensive" and c["date"] == "2025-09-24"
    assert "> " in md.split("[1] ", 1)[1]  # the cited passage, quoted
    assert "(keine Angabe)" in md
    english = chat_markdown(chat(answers), "en")
    assert "## 1. Question:" in english and "**Sources:**" in english


def test_markdown_export_turns_markup_into_text():
    a = {
        "answer": "Antwort <script>alert(1)</script> [1]",
        "abstained": False,
        "citations": [
            {
                "n": 1,
                "title": "<b>T</b>",
                "date": "2025-01-01",
                "source": "S",
                "text": "x",
                "url": "javascript:alert(1)",
                "highlights": [],
            }
        ],
    }
    md = chat_markdown([{"role": "user", "content": "<img src=x>"}, {"role": "assistant", "answer": a}])
    assert "<script>" not in md and "&lt;script&gt;" in md and "&lt;b&gt;T&lt;/b&gt;" in md
    assert "<img" not in md and "<javascript" not in md


def test_json_export_is_the_ask_json_objects(answers):
    data = json.loads(chat_json(chat(answers)))
    assert data == [answers["first"], answers["none"]]
    assert data[0]["citations"][0]["article_id"] == "alibaba-ki-offensive" and data[1]["abstained"] is True


# --- export to gold ---------------------------------------------------------------------------------------------
def test_export_rules(tmp_path, answers):
    store = FeedbackStore(tmp_path)
    store.rate(rated(answers, fid="down_fix", correction=COUNTRIES))
    store.rate(rated(answers, fid="down_src", correction="Spanien", reason="wrong_source"))
    store.rate(rated(answers, fid="down_abstain", reason="should_abstain", correction="egal"))
    store.rate(rated(answers, rating=UP, fid="up"))
    store.rate(rated(answers, "none", UP, fid="up_abstained"))
    store.rate(rated(answers, fid="down_bare", reason="wrong_passage"))
    store.rate(rated(answers, "follow", DOWN, fid="follow", correction="Hangzhou"))
    result = export(store.records())
    rows = {r["feedback_id"]: r for r in result.rows}
    assert result.skipped == [("down_bare", "rated down without a correct answer")]
    assert rows["down_fix"]["answers"] == [COUNTRIES] and rows["down_fix"]["source"] == "alibaba-ki-offensive"
    assert rows["down_fix"]["id"] == "fb-down_fix" and rows["down_fix"]["unanswerable"] is False
    assert rows["down_src"]["answers"] == ["Spanien"] and "source" not in rows["down_src"]
    assert rows["down_abstain"]["unanswerable"] is True and rows["down_abstain"]["answers"] == []
    span = answers["first"]["answer_span"]["text"]
    assert span and rows["up"]["answers"] == [span]
    assert rows["up_abstained"]["unanswerable"] is True and rows["up_abstained"]["question"] == UNANSWERABLE
    follow = rows["follow"]
    assert follow["asked"] == "Und wo hat sie ihren Hauptsitz?"
    assert follow["question"] == answers["follow"]["standalone_question"] and "Alibaba" in follow["question"]
    assert "[1]" not in rows["up"]["rated_answer"] and "Brasilien" in rows["up"]["rated_answer"]

    # the round trip through the gold reader: the written file reads back as the same questions
    path = write_gold(result.rows, tmp_path / "gold.jsonl")
    read = read_gold(path)
    assert [(q.id, q.question, q.answers, q.source, q.unanswerable) for q in read] == [
        (q.id, q.question, q.answers, q.source, q.unanswerable) for q in gold_questions(result.rows)
    ]
    assert len(read) == 6 and read[0].extra["feedback_id"] == "down_fix"
    with pytest.raises(ValueError, match="jsonl"):
        write_gold(result.rows, tmp_path / "gold.csv")


def test_changed_compares_the_new_answer_with_the_rated_one():
    rows = [
        {"rated_answer": "Brasilien.", "rated_abstained": False, "answer": "Brasilien. [1]", "abstained": False},
        {"rated_answer": "Brasilien.", "rated_abstained": False, "answer": "Spanien. [1]", "abstained": False},
        {"rated_answer": "", "rated_abstained": True, "answer": "keine Angabe", "abstained": True},
        {"rated_answer": "X", "rated_abstained": False, "answer": "keine Angabe", "abstained": True},
        {"answer": "not from feedback", "abstained": False},
    ]
    assert changed(rows) == (2, 4)


# --- CLI (in process) ---------------------------------------------------------------------------------------------
def cli(*args, data_dir, input=None):
    from quelle.cli.app import app

    return CliRunner().invoke(app, ["--data-dir", str(data_dir), *args], input=input, catch_exceptions=False)


def test_cli_feedback_list_export_eval_and_clear(tmp_path, store_copy, answers):
    store = FeedbackStore(store_copy)
    empty = cli("feedback", "export", "-o", str(tmp_path / "g.jsonl"), data_dir=store_copy)
    assert empty.exit_code == 1 and "no ratings stored" in empty.stderr
    store.rate(rated(answers, fid="right", correction=COUNTRIES))
    store.rate(rated(answers, fid="wrong", correction="Spanien und Portugal"))
    store.rate(rated(answers, "none", DOWN, fid="abstain_ok", reason="should_abstain"))
    store.rate(rated(answers, fid="bare", reason="wrong_passage", correction=HOSTILE))
    store.rate(rated(answers, fid="bare2", reason="wrong_source"))
    stale = {
        **answers["first"],
        "answer": "In Spanien. [1]",
        "answer_span": None,
        "sentences": [{"text": "In Spanien. [1]", "citations": [1], "supported": True}],
    }
    store.rate(Feedback(id="stale", rating=UP, question=QUESTION, answer=stale))  # an answer Quelle no longer gives

    listed = cli("feedback", "list", "--json", data_dir=store_copy)
    assert listed.exit_code == 0, listed.stderr
    items = {i["id"]: i for i in json.loads(listed.stdout)}
    assert set(items) == {"right", "wrong", "abstain_ok", "bare", "bare2", "stale"}
    assert (
        items["bare"]["correction"] == HOSTILE
        and items["right"]["citations"][0]["article_id"] == "alibaba-ki-offensive"
    )
    table = cli("feedback", "list", data_dir=store_copy)
    assert (
        table.exit_code == 0
        and "Spanien" in table.stdout
        and "👎" in table.stdout
        and "6 Bewertung(en)" in table.stderr
    )

    gold = tmp_path / "gold.jsonl"
    exported = cli("feedback", "export", "-o", str(gold), data_dir=store_copy)
    assert exported.exit_code == 0, exported.stderr
    assert "5 Goldfrage(n)" in exported.stderr and "übersprungen (👎 ohne richtige Antwort): 1" in exported.stderr
    assert {q.id for q in read_gold(gold)} == {"fb-right", "fb-wrong", "fb-abstain_ok", "fb-bare", "fb-stale"}

    report = tmp_path / "report"
    evaluated = cli("eval", str(gold), "--report", str(report), data_dir=store_copy)
    assert evaluated.exit_code == 0, evaluated.stderr
    rows = {r["id"]: r for r in map(json.loads, (report / "results.jsonl").read_text().splitlines())}
    assert rows["fb-right"]["gold"] == [COUNTRIES] and rows["fb-right"]["answer_contains"] == 1.0
    assert rows["fb-wrong"]["answer_contains"] == 0.0
    assert rows["fb-abstain_ok"]["unanswerable"] and rows["fb-abstain_ok"]["correct"] is True
    assert rows["fb-right"]["hit_rank"] == 1  # the source from the cited article scores retrieval too

    direct = cli("eval", "--feedback", "--json", data_dir=store_copy)
    assert direct.exit_code == 0, direct.stderr
    metrics = json.loads(direct.stdout)
    assert metrics["n"] == 5 and metrics["unanswerable_abstained"] == 1.0
    assert metrics["answer_contains_answerable"] == pytest.approx(1 / 4)  # right: 1; Spanien, hostile, stale: 0
    assert "1 von 5 bewerteten Antworten würden sich jetzt ändern" in direct.stderr
    both = cli("eval", str(gold), "--feedback", data_dir=store_copy)
    assert both.exit_code == 1 and "either" in both.stderr

    refused = cli("feedback", "clear", data_dir=store_copy, input="n\n")
    assert refused.exit_code == 1 and len(store.records()) == 6
    cleared = cli("feedback", "clear", "--yes", data_dir=store_copy)
    assert cleared.exit_code == 0 and "6 Bewertung(en)" in cleared.stderr and store.records() == []
    nothing = cli("eval", "--feedback", data_dir=store_copy)
    assert nothing.exit_code == 1 and "no rating" in nothing.stderr
