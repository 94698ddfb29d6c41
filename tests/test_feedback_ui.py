"""Issue 21 in the app (Streamlit AppTest): thumbs under answers, a correction on thumbs down that becomes gold
`quelle eval` scores, the chat restored after a reload from the session id in the URL, „Exportieren“, and hostile
text in a correction stored verbatim and shown as text."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from quelle.evaluation.gold import read_gold
from quelle.feedback.chats import ChatStore, chat_json, chat_markdown
from quelle.feedback.store import DOWN, UP, FeedbackStore
from quelle.ui.render import md_escape
from tests.test_ui_apptest import APP, TIMEOUT, ask, unescape

QUESTION = "Wo plant Alibaba neue Rechenzentren?"
COUNTRIES = "Brasilien, Frankreich und den Niederlanden"
HOSTILE = "<script>alert(1)</script> **fett** [x](javascript:alert(2)) <img src=x onerror=alert(3)>"


@pytest.fixture
def data_dir(tmp_path, demo_store):
    target = tmp_path / "index"
    shutil.copytree(demo_store.settings.data_dir, target, ignore=shutil.ignore_patterns("feedback.sqlite3*"))
    return target


def start(monkeypatch, data_dir: Path, query: dict | None = None) -> AppTest:
    monkeypatch.setenv("QUELLE_DATA_DIR", str(data_dir))
    monkeypatch.setenv("QUELLE_LLM", "extractive")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update(query or {})
    at.run()
    assert not at.exception, at.exception
    return at


def rate_down(at: AppTest, correction: str, reason: str | None) -> AppTest:
    mid = at.session_state.messages[-1]["id"]
    at.feedback(key=f"fb_{mid}").set_value(DOWN).run()
    assert not at.exception, at.exception
    at.text_area(key=f"fb_correction_{mid}").set_value(correction)
    if reason:
        at.radio(key=f"fb_reason_{mid}").set_value(reason)
    next(b for b in at.button if b.label == "Senden").click().run()
    assert not at.exception, at.exception
    return at


def test_thumbs_down_with_correction_is_stored_and_quelle_eval_scores_it(monkeypatch, data_dir, tmp_path):
    at = ask(start(monkeypatch, data_dir), QUESTION)
    message = at.session_state.messages[-1]
    assert len(at.feedback) == 1 and at.feedback[0].value is None  # thumbs under the answer
    at = rate_down(at, COUNTRIES, "wrong_passage")
    reasons = at.radio(key=f"fb_reason_{message['id']}")
    assert reasons.options == ["falsche Quelle", "falsche Stelle", "hätte nicht antworten sollen", "sollte antworten"]
    assert at.text_area(key=f"fb_correction_{message['id']}").label == "Richtige Antwort (optional)"

    [fb] = FeedbackStore(data_dir).records()
    assert fb.rating == DOWN and fb.correction == COUNTRIES and fb.reason == "wrong_passage"
    assert fb.question == QUESTION and fb.history == [] and fb.id == message["id"]
    assert fb.settings["backend"] == "extractive" and fb.settings["mode"] == "hybrid" and fb.settings["k"] == 5
    assert fb.citations()[0]["article_id"] == "alibaba-ki-offensive"
    assert fb.answer["answer"] == message["answer"]["answer"] and "Brasilien" in fb.answer["answer"]
    assert any("falsche Stelle" in unescape(c.value) and COUNTRIES in unescape(c.value) for c in at.caption)

    # export as gold, then `quelle eval` on the export scores that question
    from tests.test_feedback import cli

    gold = tmp_path / "gold.jsonl"
    assert cli("feedback", "export", "-o", str(gold), data_dir=data_dir).exit_code == 0
    [q] = read_gold(gold)
    assert q.question == QUESTION and q.answers == [COUNTRIES] and q.source == "alibaba-ki-offensive"
    report = tmp_path / "report"
    result = cli("eval", str(gold), "--report", str(report), data_dir=data_dir)
    assert result.exit_code == 0, result.stderr
    [row] = [json.loads(line) for line in (report / "results.jsonl").read_text().splitlines()]
    assert row["id"] == f"fb-{message['id']}" and row["answer_contains"] == 1.0 and row["hit_rank"] == 1

    # the Evaluation page: one click, and how many rated answers would now change
    at.switch_page("quelle/ui/pages/evaluation.py").run()
    assert not at.exception, at.exception
    assert any("1 Bewertungen (👍 0 · 👎 1) · 1 als Goldfragen nutzbar" in unescape(m.value) for m in at.markdown)
    at.button(key="fb_run").click().run(timeout=600)
    assert not at.exception, at.exception
    assert [unescape(i.value) for i in at.info] == ["0 von 1 bewerteten Antworten würden sich jetzt ändern."]
    metrics = json.loads((Path(at.session_state.eval_report) / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["n"] == 1 and metrics["answer_contains"] == 1.0


def test_hostile_correction_is_stored_verbatim_and_shown_as_text(monkeypatch, data_dir):
    at = rate_down(ask(start(monkeypatch, data_dir), QUESTION), HOSTILE, None)
    assert FeedbackStore(data_dir).records()[0].correction == HOSTILE
    [shown] = [c.value for c in at.caption if "Gespeichert" in c.value]
    assert md_escape(HOSTILE) in shown  # every markup character escaped: shown as text
    assert "<script>" not in shown and "](javascript" not in shown and "**fett**" not in shown
    assert unescape(shown).endswith(HOSTILE)


def test_chat_survives_a_reload_with_its_rating(monkeypatch, data_dir):
    at = ask(start(monkeypatch, data_dir), QUESTION)
    sid = at.session_state.chat_session
    assert at.query_params["chat"] in (sid, [sid])  # the session id is in the URL
    at.feedback[0].set_value(UP).run()
    assert FeedbackStore(data_dir).records()[0].rating == UP
    assert any("Danke" in c.value for c in at.caption)

    reloaded = start(monkeypatch, data_dir, {"chat": sid})  # a new browser session with the same URL
    assert [m.name for m in reloaded.chat_message] == ["user", "assistant"]
    assert unescape(reloaded.chat_message[0].markdown[0].value) == QUESTION
    assert "Brasilien" in unescape(reloaded.chat_message[1].markdown[0].value)
    assert "Alibaba" in unescape(reloaded.chat_message[1].expander[0].label)
    assert reloaded.feedback[0].value == UP  # the thumb given before the reload

    other = start(monkeypatch, data_dir, {"chat": "../../etc/passwd"})  # a bad id starts a fresh chat
    assert len(other.chat_message) == 0 and other.session_state.chat_session != sid

    reloaded.button(key="new_chat").click().run()
    assert len(reloaded.chat_message) == 0 and reloaded.session_state.chat_session != sid
    assert len(ChatStore(FeedbackStore(data_dir)).load(sid)) == 2  # the old chat stays stored


def test_export_offers_markdown_with_sources_and_the_ask_json_objects(monkeypatch, data_dir):
    at = ask(start(monkeypatch, data_dir), QUESTION)
    at = ask(at, "Und wo hat sie ihren Hauptsitz?")
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Als Markdown (mit Quellen)", "Als JSON (ask --json)"]
    messages = at.session_state.messages
    md = chat_markdown(messages, "de")  # what the Markdown button downloads
    assert f"## 1. Frage: {QUESTION}" in md and "## 2. Frage: Und wo hat sie ihren Hauptsitz?" in md
    assert "[1] Alibaba erhöht KI-Investitionen und kooperiert mit Nvidia (2025-09-24" in md
    assert "<https://example.org/demo/alibaba-ki-offensive>" in md
    data = json.loads(chat_json(messages))
    assert [d["question"] for d in data] == [QUESTION, "Und wo hat sie ihren Hauptsitz?"]
    assert data[0]["citations"][0]["article_id"] == "alibaba-ki-offensive" and "timings_ms" in data[0]


def test_english_labels(monkeypatch, data_dir):
    at = start(monkeypatch, data_dir)
    at.radio(key="lang").set_value("en").run()
    at = ask(at, QUESTION)
    mid = at.session_state.messages[-1]["id"]
    at.feedback(key=f"fb_{mid}").set_value(DOWN).run()
    assert at.text_area(key=f"fb_correction_{mid}").label == "Correct answer (optional)"
    assert at.radio(key=f"fb_reason_{mid}").options[2] == "should not have answered"
    assert [b.label for b in at.get("download_button")][0] == "As Markdown (with sources)"
