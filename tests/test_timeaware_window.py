"""Issue 20 regression: the date in a news question is the time of the EVENT, and the report comes after it. A
question's period [start, end] admits articles published in [start, end + REPORT_LAG_DAYS]; „bis <Datum>“ bounds the
event, not the publication; among conflicting reports a period question prefers the ones about its period. Specs of
the window rule (table-driven), of „about the period“, and the two demo questions that the publication-date filter
broke (demo-06, demo-20)."""

from __future__ import annotations

import datetime as dt

import pytest

from quelle.answering.pipeline import ask
from quelle.settings import Settings
from quelle.timeaware import answers
from quelle.timeaware.dates import question_dates, report_window
from quelle.timeaware.reports import Report, about_period

AS_OF = dt.date(2026, 3, 1)

# question, its period (since, until), the publication window with a 45-day lag (since, until)
WINDOWS = [
    ("Wie viele Wohnungen wurden 2025 fertiggestellt?", ("2025-01-01", "2025-12-31"), ("2025-01-01", "2026-02-14")),
    ("Wie viele Windräder wurden bis Ende Oktober 2025 genehmigt?", (None, "2025-10-31"), (None, "2025-12-15")),
    (
        "Wie viele Passagiere zählte der Flughafen im März 2025?",
        ("2025-03-01", "2025-03-31"),
        ("2025-03-01", "2025-05-15"),
    ),
    (
        "Wie viele Container wurden im ersten Quartal 2025 umgeschlagen?",
        ("2025-01-01", "2025-03-31"),
        ("2025-01-01", "2025-05-15"),
    ),
    ("Was geschah am 3. Mai 2025?", ("2025-05-03", "2025-05-03"), ("2025-05-03", "2025-06-17")),
    ("Was ist seit Januar 2025 passiert?", ("2025-01-01", None), ("2025-01-01", None)),  # open end stays open
    ("Wie hoch war die Quote vor 2016?", (None, "2015-12-31"), (None, "2016-02-14")),  # „vor“: the event before 2016
    ("Was wurde nach 2020 beschlossen?", ("2021-01-01", None), ("2021-01-01", None)),
    ("What happened until March 2025?", (None, "2025-03-31"), (None, "2025-05-15")),
    ("How many flats were completed in 2025?", ("2025-01-01", "2025-12-31"), ("2025-01-01", "2026-02-14")),
]


@pytest.mark.parametrize("question,period,window", WINDOWS, ids=[w[0] for w in WINDOWS])
def test_a_period_admits_reports_from_its_start_until_the_lag_after_its_end(question, period, window):
    tf = question_dates(question, AS_OF)
    assert (tf.since, tf.until) == period
    w = report_window(tf, 45)
    assert (w.since, w.until) == window
    assert w.from_text == tf.from_text  # the words it was read from stay the question's


# question, reference date, the window capped at the reference date (no article is published after it)
CAPPED = [
    ("Was ist gestern passiert?", "2025-06-10", ("2025-06-09", "2025-06-10")),
    ("Was geschah letzte Woche?", "2025-06-10", ("2025-06-02", "2025-06-10")),
    ("Wie viele Wohnungen wurden 2025 fertiggestellt?", "2025-10-01", ("2025-01-01", "2025-10-01")),
    ("Wie viele Wohnungen wurden 2025 fertiggestellt?", "2026-06-01", ("2025-01-01", "2026-02-14")),
]


@pytest.mark.parametrize("question,as_of,window", CAPPED, ids=[f"{c[0]} @{c[1]}" for c in CAPPED])
def test_the_window_ends_at_an_explicit_reference_date(question, as_of, window):
    ref = dt.date.fromisoformat(as_of)
    w = report_window(question_dates(question, ref), 45, cap=ref)
    assert (w.since, w.until) == window


def test_a_lag_of_zero_is_the_period_itself():
    tf = question_dates("Wie viele Wohnungen wurden 2025 fertiggestellt?", AS_OF)
    assert report_window(tf, 0).to_dict() == tf.to_dict()


def test_the_plan_filters_with_the_fitted_lag_and_keeps_the_period(monkeypatch):
    s = Settings(llm="extractive").with_(as_of="2026-06-01")
    p = answers.plan("Wie viele Wohnungen wurden 2025 fertiggestellt?", s)
    end = dt.date(2025, 12, 31) + dt.timedelta(days=answers.REPORT_LAG_DAYS)
    assert (p.filter.since, p.filter.until) == ("2025-01-01", end.isoformat())
    assert (p.period.since, p.period.until) == ("2025-01-01", "2025-12-31")
    monkeypatch.setattr(answers, "REPORT_LAG_DAYS", 10)
    assert answers.plan("Wie viele Wohnungen wurden 2025 fertiggestellt?", s).filter.until == "2026-01-10"


# sentence, article date, the question's period (since, until), about it?
ABOUT = [
    ("Im vergangenen Jahr wurden 870 Wohnungen fertiggestellt.", "2026-02-10", ("2025-01-01", "2025-12-31"), True),
    ("Im Jahr 2024 wurden 940 Wohnungen fertiggestellt.", "2025-01-28", ("2024-01-01", "2024-12-31"), True),
    ("Im März zählte der Flughafen 214.000 Passagiere.", "2025-04-09", ("2025-03-01", "2025-03-31"), True),
    ("Bis Ende September hat der Kreis 19 Solarparks genehmigt.", "2024-10-15", (None, "2024-09-30"), True),
    ("Die Stadtwerke bieten 3 Prozent.", "2024-05-14", ("2024-05-01", "2024-05-31"), True),  # dated inside
    ("Die Stadtwerke erhöhten ihr Angebot auf 4 Prozent.", "2024-06-20", ("2024-05-01", "2024-05-31"), False),
    ("Im Juli nutzten 265.000 Passagiere den Flughafen.", "2025-08-12", ("2025-03-01", "2025-03-31"), False),
    ("Ohne Datum.", "", ("2025-01-01", "2025-12-31"), False),
]


@pytest.mark.parametrize("text,date,period,about", ABOUT, ids=[a[0] for a in ABOUT])
def test_a_report_is_about_the_period_when_dated_in_it_or_naming_it(text, date, period, about):
    assert about_period(Report(0, [], date, text, 1.0), *period) is about


# --- the two demo questions the publication-date filter broke -----------------------------------------------------
@pytest.mark.parametrize(
    "question,gold,article",
    [
        (
            "Wie viele Windräder haben Niedersachsens Behörden bis Ende Oktober 2025 genehmigt?",
            "412",
            "energiewende-windkraft",
        ),  # dated 2025-11-12, twelve days after the event bound
        (
            "Wie viele Wohnungen wurden 2025 in Deutschland fertiggestellt?",
            "205.000",
            "mietmarkt-grossstaedte",
        ),  # dated 2026-01-20, reports the 2025 figure
    ],
)
def test_demo_questions_about_an_event_time_answer_with_the_later_report(demo_store, question, gold, article):
    a = ask(question, demo_store.settings.with_(as_of="2026-11-26"), resources=demo_store)
    assert not a.abstained and gold in a.sentences[0].text
    assert a.citations[0].article_id == article
    assert a.time_filter["applied"] and "time_filter" in a.flags
    assert (a.time_filter["since"] or "") <= a.citations[0].date <= a.time_filter["until"]  # the window shown
