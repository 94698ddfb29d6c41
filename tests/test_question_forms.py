"""The question-form table (reader/forms.py) runs its own examples: every row's example questions are read as the
row says — kind and focus —, and the table is data a reader can check row by row."""

from __future__ import annotations

import re

import pytest

from reader.forms import FOCUS_RULES, FORMS, WHICH_FORMS, answer_kind
from reader.kinds import DATE, NAME, NUMBER, OTHER, PLACE, REASON, ROLE, WHICH

ROWS = [*FORMS, *(f for group in WHICH_FORMS for f in group)]
EXAMPLES = [(q, kind, focus) for form in ROWS for q, kind, focus in form.examples]


@pytest.mark.parametrize("question, kind, focus", EXAMPLES, ids=[q for q, _, _ in EXAMPLES])
def test_every_example_of_the_table_is_read_as_its_row_says(question, kind, focus):
    got = answer_kind(question)
    assert (got.kind, got.focus) == (kind, focus)


def test_every_row_is_complete_and_shown_by_an_example_that_it_decides():
    kinds = {DATE, NUMBER, PLACE, REASON, ROLE, NAME, WHICH}
    for form in ROWS:
        assert form.kind in kinds and form.language in ("de", "en") and form.focus in FOCUS_RULES | {"noun": None}
        re.compile(form.trigger)  # a valid pattern
        # at least one example asks in this row's way, and this row is the first form it matches
        decided = [q for q, k, _ in form.examples if form.pattern.search(q)]
        assert decided, form.trigger
        if form in FORMS:
            first = next(f for f in FORMS if f.pattern.search(decided[0]))
            assert first is form, (decided[0], first.trigger)


def test_both_languages_ask_for_every_kind():
    for kind in (DATE, NUMBER, PLACE, REASON, ROLE, NAME, WHICH):
        assert {f.language for f in ROWS if f.kind == kind} == {"de", "en"}, kind


def test_a_question_no_form_reads_asks_for_something_else():
    assert answer_kind("Was fordert die Gewerkschaft?").kind == OTHER
    assert answer_kind("").kind == OTHER
