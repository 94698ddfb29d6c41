"""`quelle ask` with an OpenAI-compatible server: streams the checked answer, then the sources and the checks;
`--json` carries backend, model, sentences[].supported and fallback."""

from __future__ import annotations

import json

import pytest
from fake_openai import FakeOpenAI

QUESTION = "Wo plant Alibaba neue Rechenzentren?"


@pytest.fixture
def run_ask(quelle_cli):
    """`quelle ask QUESTION *args` in-process (tests/conftest.py quelle_cli) against the fake OpenAI server."""

    def run(*args, data_dir, base_url):
        env = {
            "QUELLE_LLM": "openai",
            "OPENAI_BASE_URL": base_url,
            "QUELLE_LLM_MODEL": "fake-gpt",
            "QUELLE_LLM_RETRIES": "1",
            "QUELLE_LLM_BACKOFF_INITIAL": "0.01",
            "QUELLE_LLM_TIMEOUT": "10",
            "OPENAI_API_KEY": None,
        }
        return quelle_cli("ask", QUESTION, *args, data_dir=data_dir, env=env)

    return run


def first_source_with(request, needle):
    import re

    user = request["messages"][-1]["content"]
    return next(int(n) for n, body in re.findall(r'<quelle nr="(\d+)">(.*?)</quelle>', user, re.S) if needle in body)


def test_ask_streams_the_checked_answer_then_sources_and_notes(demo_store, run_ask):
    def reply(r):
        return f"Alibaba plant neue Rechenzentren in Brasilien [{first_source_with(r, 'Brasilien')}, 8]."

    with FakeOpenAI(replies=[reply]) as srv:
        p = run_ask(data_dir=demo_store.settings.data_dir, base_url=srv.base_url)
        assert srv.requests[0]["stream"] is True
    lines = p.stdout.splitlines()
    assert lines[0] == "Alibaba plant neue Rechenzentren in Brasilien [1]."  # printed once, already renumbered
    assert "[1] Alibaba erhöht KI-Investitionen" in p.stdout and "Brasilien" in "\n".join(lines[1:])
    assert "1 Quellenangabe(n) ohne passende Quelle entfernt" in p.stderr
    assert "Antwort von: openai (fake-gpt)" in p.stderr


def test_ask_json_reports_fallback_backend_and_sentences(demo_store, run_ask):
    with FakeOpenAI(replies=[503]) as srv:
        p = run_ask("--json", data_dir=demo_store.settings.data_dir, base_url=srv.base_url)
    obj = json.loads(p.stdout)
    assert obj["backend"] == "extractive" and "503" in obj["fallback"]
    assert obj["sentences"] and {"text", "citations", "supported"} <= set(obj["sentences"][0])
    assert obj["sentences"][0]["supported"] is True and "Brasilien" in obj["answer"]
