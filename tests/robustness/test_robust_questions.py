"""Bad questions, bad k and bad date filters: through ask() a clear exception or a valid answer; through the CLI a
non-zero exit with one line on stderr, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
from pydantic import ValidationError

from checks import ROOT, cli_env, record

REFUSED = {
    "empty question": "",
    "whitespace-only question": " \n\t  ",
    "10,000-character question": "Wo plant Alibaba neue Rechenzentren? " * 271,
}
ANSWERED = {
    "only punctuation": "?!.,;:–„“()[]{}…",
    "SQL fragment": "'; DROP TABLE articles; -- SELECT * FROM chunks WHERE 1=1",
    "HTML fragment": "<script>alert('x')</script><img src=x onerror=alert(1)> Wo plant Alibaba Rechenzentren?",
    "markdown and rich markup": "[bold]Wo[/bold] plant **Alibaba** [Rechenzentren](javascript:alert(1))?",
    "control characters": "Wo\x00 plant\x1b[31m Alibaba\u202e neue Rechenzentren?",
    "only emoji": "🤔🤔🤔 🚀",
    "only stop words": "der die das und oder aber",
    "exactly at the length limit": ("Alibaba Rechenzentren " * 100)[:2000],
    "a single character": "a",
    "a number": "2025",
}


def _valid(answer, store) -> None:
    stored = {a["article_id"] for a in store.store.list_articles()}
    assert answer.answer.strip()
    assert all(c.article_id in stored for c in answer.citations)
    assert all(n in range(1, len(answer.citations) + 1) for s in answer.sentences for n in s.citations)
    json.dumps(answer.to_dict(), ensure_ascii=False)


@pytest.mark.parametrize("kind", REFUSED)
def test_unaskable_question_is_refused_with_a_clear_message(kind, demo_store, settings):
    from quelle.answering.pipeline import QuestionError, ask

    with pytest.raises(QuestionError, match=r"the question is empty|the limit is 2,000 \(QUELLE_MAX_QUESTION_CHARS\)"):
        ask(REFUSED[kind], settings.with_(data_dir=demo_store.settings.data_dir), resources=demo_store)
    record("question", kind, "refused")


@pytest.mark.parametrize("kind", ANSWERED)
def test_odd_question_gets_a_valid_answer(kind, demo_store):
    from quelle.answering.pipeline import ask

    answer = ask(ANSWERED[kind], demo_store.settings, resources=demo_store)
    _valid(answer, demo_store)
    record("question", kind, "abstained" if answer.abstained else "answered")


@pytest.mark.parametrize("k", [0, -1, -100, 101, 10**9])
def test_out_of_range_k_is_a_settings_error(k, demo_store):
    with pytest.raises(ValidationError, match="top_k"):
        demo_store.settings.with_(top_k=k)
    record("k", f"k={k}", "refused")


@pytest.mark.parametrize("k", [1, 100])
def test_k_at_the_bounds_answers(k, demo_store):
    from quelle.answering.pipeline import ask

    answer = ask("Wo plant Alibaba neue Rechenzentren?", demo_store.settings.with_(top_k=k), resources=demo_store)
    _valid(answer, demo_store)
    assert len(answer.retrieved) <= min(k, demo_store.store.count())
    record("k", f"k={k}", "answered")


def test_retriever_with_k_zero_returns_nothing(demo_store):
    assert demo_store.retriever.retrieve("Alibaba", 0) == []
    assert demo_store.retriever.retrieve("Alibaba", -5, mode="dense") == []


BAD_DATES = {
    "impossible day": dict(since="2025-02-30"),
    "words": dict(since="gestern"),
    "wrong order": dict(since="2025-05-01", until="2025-01-01"),
    "month 13": dict(until="2025-13-01"),
    "SQL in a date": dict(since="2025-01-01' OR '1'='1"),
}


@pytest.mark.parametrize("kind", BAD_DATES)
def test_invalid_date_filter_is_refused(kind):
    from vectorstore.filters import FilterError, Filters

    with pytest.raises(FilterError, match=r"not a date|is after"):
        Filters.make(**BAD_DATES[kind])
    record("filter", f"date filter: {kind}", "refused")


def test_filters_that_match_nothing_abstain(demo_store):
    from quelle.answering.pipeline import ask
    from vectorstore.filters import Filters

    for filters in (
        Filters.make(sources=["<script>Unbekannt</script>"]),
        Filters.make(article_ids=["../../etc/passwd"]),
        Filters.make(since="2999-01-01"),
    ):
        answer = ask("Wo plant Alibaba neue Rechenzentren?", demo_store.settings, resources=demo_store, filters=filters)
        assert answer.abstained and not answer.citations
    record("filter", "filters matching nothing", "abstained")


CLI_REFUSED = {
    "empty question": (["ask", ""], "the question is empty"),
    "10,000-character question": (["ask", "x" * 10_000], "QUELLE_MAX_QUESTION_CHARS"),
    "k=0": (["ask", "Frage", "-k", "0"], "top_k"),
    "k=-1": (["ask", "Frage", "-k", "-1"], "top_k"),
    "k huge": (["ask", "Frage", "-k", "1000000000"], "top_k"),
    "k not a number": (["ask", "Frage", "-k", "viele"], "Invalid value"),
    "impossible date": (["ask", "Frage", "--since", "2025-02-30"], "not a date"),
    "dates in wrong order": (["ask", "Frage", "--since", "2025-05-01", "--until", "2025-01-01"], "is after"),
    "unknown retrieval mode": (["ask", "Frage", "--mode", "magic"], "retrieval_mode"),
    "delete unknown article": (["delete", "../../gibt-es-nicht"], "no article with id"),
}


def _run(args, data_dir):
    return subprocess.run(
        [sys.executable, "-m", "quelle", *args],
        capture_output=True,
        text=True,
        env=cli_env(data_dir),
        cwd=ROOT,
        timeout=300,
    )


def test_cli_refuses_bad_questions_and_options_in_one_line(tmp_path):
    with ThreadPoolExecutor(4) as pool:
        procs = dict(zip(CLI_REFUSED, pool.map(lambda a: _run(a[0], tmp_path / "index"), CLI_REFUSED.values())))
    for kind, proc in procs.items():
        expected = CLI_REFUSED[kind][1]
        assert proc.returncode != 0, kind
        assert "Traceback" not in proc.stderr + proc.stdout, (kind, proc.stderr)
        message = proc.stderr.strip()
        if kind == "k not a number":  # typer/click's own usage error (a box of several lines)
            assert expected in message
        else:
            assert len(message.splitlines()) == 1 and message.startswith("Fehler: ") and expected in message, (
                kind,
                message,
            )
        record("cli", kind, f"exit {proc.returncode}")
