"""The fact key of a watched question (quelle/watch/fact.py): a new value or a newer cited report is a change, a
re-worded sentence is not; and the dated-story evaluation (quelle/watch/story.py, data/watch/erdbeben.json)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from quelle.watch import cadence
from quelle.watch.fact import Fact, cause, fact_of, number, reason
from quelle.watch.story import StoryError, load_story, replay

STORY = Path(__file__).resolve().parents[1] / "data" / "watch" / "erdbeben.json"


def answer(text, span=None, dates=("2026-03-11",), band="sure", abstained=False):
    cites = [
        {"n": i + 1, "article_id": f"a{i}", "title": f"T{i}", "date": d, "text": text, "highlights": []}
        for i, d in enumerate(dates)
    ]
    return {
        "answer": text,
        "abstained": abstained,
        "confidence_band": band,
        "answer_span": {"text": span, "start": 0, "end": len(span), "citation": 1} if span else None,
        "sentences": [{"text": text, "citations": [c["n"] for c in cites]}],
        "citations": cites,
    }


def test_a_reworded_sentence_with_the_same_value_and_day_is_the_same_fact():
    a = answer("Die Zahl der Toten ist auf 35 gestiegen. [1]", "35")
    b = answer("Nach Angaben der Behörden starben 35 Menschen. [1]", "35 Menschen")
    assert fact_of(a) == fact_of(b) == Fact("answer", "35", "2026-03-11")
    assert reason(fact_of(a), fact_of(b)) is None


def test_a_new_value_a_newer_report_an_answer_found_or_lost_are_changes():
    old = fact_of(answer("12 Tote [1]", "12 Menschen", ("2026-03-10",)))
    assert reason(old, fact_of(answer("35 Tote [1]", "35", ("2026-03-10",)))) == "value"
    newer = answer("Weiter 12 Tote [1] [2]", "12", ("2026-03-10", "2026-03-12"))
    assert reason(old, fact_of(newer)) == "date" and cause(newer, "date")["date"] == "2026-03-12"
    none = fact_of(answer("Keine Angabe.", abstained=True, band="none"))
    assert reason(none, old) == "answered" and reason(old, none) == "lost" and reason(None, none) == "first"
    # unsure answers list the closest passages: no value, no date, whatever they hold
    assert fact_of(answer("vielleicht 7 [1]", "7", band="unsure")) == Fact("unsure")


def test_numbers_are_one_spelling_and_dates_or_markers_are_no_value():
    assert [number(x) for x in ("40.000", "3,5", "1.234,5", "35")] == ["40000", "3.5", "1234.5", "35"]
    llm = answer("Stand 11.03.2026: 3,5 Prozent [1].")  # no span: the numbers of the text, the date left out
    assert fact_of(llm).value == "3.5"
    assert fact_of(answer("Olaf Scholz führt. [1]", "Olaf Scholz")).value == "olaf scholz"


def test_cadence_spellings_and_refusals():
    assert cadence.parse(None) == "sync" and cadence.parse(" Manual ") == "manual" and cadence.parse("1h") == "1h"
    with pytest.raises(cadence.CadenceError, match="--every: 'stündlich' is not an interval"):
        cadence.parse("stündlich")
    assert cadence.due("1h", None) and not cadence.due("manual", None)


def test_the_dated_story_replay_finds_the_versions_in_order(tmp_path, embedder):
    from quelle.resources import Resources
    from quelle.settings import Settings

    res = Resources.open(Settings(data_dir=tmp_path / "index", llm="extractive"), embedder=embedder)
    run = replay(load_story(STORY), res)
    assert [s.right for s in run.steps] == [True] * 5 and run.right == 5
    assert [(v["n"], v["reason"], v["value"], v["date"]) for v in run.versions] == [
        (1, "first", "", ""),
        (2, "answered", "12", "2026-03-10"),
        (3, "value", "35", "2026-03-11"),
        (4, "value", "41", "2026-03-13"),
    ]
    assert [s.version for s in run.steps][1::2] == [None, None]  # the other story and the re-worded copy
    assert run.versions[2]["cause"]["article_id"] == "erdbeben-2"


def test_a_bad_story_file_is_refused_by_name(tmp_path):
    bad = tmp_path / "story.json"
    bad.write_text(json.dumps({"question": "Wie viele?", "steps": [{"articles": []}]}), encoding="utf-8")
    with pytest.raises(StoryError, match="story.json: step 1 needs 'expect'"):
        load_story(bad)
    bad.write_text("{", encoding="utf-8")
    with pytest.raises(StoryError, match="cannot be read as JSON"):
        load_story(bad)
