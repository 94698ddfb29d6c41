"""Answerers by registry (issue 29): a test-only answerer is one class plus one `register(...)` line; QUELLE_LLM
accepts its name, ask() uses it (and falls back to the extractive reader when it fails), and every face treats it by
the capabilities it declares — never by its name."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from quelle.answering import registry
from quelle.answering.answerers import Asked
from quelle.answering.pipeline import ask
from quelle.answering.registry import AnswererError, Capabilities
from quelle.answering.types import AnswerSentence, Draft
from quelle.settings import Settings

QUESTION = "Wo plant Alibaba neue Rechenzentren?"
PROBE = "probe"
CAPS = Capabilities(streams=True, verbatim=True, has_model=True, workers=2)


class ProbeAnswerer:
    """Quotes the first sentence of the best passage, streamed in two pieces: a reader model in miniature."""

    model = "probe-1"
    fail_on_open = fail_on_answer = ""  # a reason: the answerer raises AnswererError with it

    def __init__(self, settings, resources):  # the registry's factory: the class itself
        if self.fail_on_open:
            raise AnswererError(self.fail_on_open)

    def condense(self, question, history, language):
        return None

    def draft(self, asked: Asked, passages, on_token=None) -> Draft:
        if self.fail_on_answer:
            raise AnswererError(self.fail_on_answer)
        sentence = passages[0].text.split(". ")[0].rstrip(".") + "."
        text = f"{sentence} [1]"
        if on_token:
            on_token(text[:10])
            on_token(text[10:])
        # what it writes; the assembly cites, checks and bands it like every answer
        return Draft(text, [1], sentences=[AnswerSentence(sentence, [1])], model=self.model)


@pytest.fixture
def probe():
    """The probe answerer registered for one test: one line, as a new answerer file would add to the registry."""
    registry.register(PROBE, ProbeAnswerer, CAPS)
    ProbeAnswerer.fail_on_open = ProbeAnswerer.fail_on_answer = ""
    yield ProbeAnswerer
    registry.unregister(PROBE)


def test_a_registered_name_is_a_valid_setting_and_the_built_in_names_still_are(probe, monkeypatch):
    assert Settings(llm=PROBE).llm == PROBE
    monkeypatch.setenv("QUELLE_LLM", PROBE)
    assert Settings().llm == PROBE
    for name in ("extractive", "openai", "llamacpp"):
        assert Settings(llm=name).llm == name
    monkeypatch.delenv("QUELLE_LLM")
    assert Settings(openai_api_key=None).llm == "extractive"
    assert Settings(openai_api_key="k").llm == "openai"
    with pytest.raises(ValidationError, match="'extractive', 'openai', 'llamacpp' or 'probe'"):
        Settings(llm="bogus")


def test_an_unregistered_name_is_refused():
    assert not registry.is_registered(PROBE)
    with pytest.raises(ValidationError, match="Input should be 'extractive', 'openai' or 'llamacpp'"):
        Settings(llm=PROBE)
    with pytest.raises(ValueError):
        registry.unregister("extractive")  # every chain ends in it


def test_the_chain_is_the_configured_answerer_then_the_extractive_reader(probe):
    assert registry.chain(PROBE) == [PROBE, "extractive"]
    assert registry.chain("extractive") == ["extractive"]
    assert registry.capabilities(PROBE) == CAPS
    assert registry.capabilities("openai").streams and not registry.capabilities("openai").verbatim
    assert registry.capabilities("extractive").verbatim and not registry.capabilities("extractive").streams
    assert registry.capabilities("langchain") == Capabilities()  # an unknown name can do nothing special


def test_ask_uses_the_configured_answerer_and_streams_it(probe, demo_store):
    pieces: list[str] = []
    a = ask(QUESTION, demo_store.settings.with_(llm=PROBE), resources=demo_store, on_token=pieces.append)
    assert (a.backend, a.model, a.fallback, a.abstained) == (PROBE, "probe-1", None, False)
    assert a.capabilities == CAPS
    assert len(pieces) == 2 and "".join(pieces) == a.answer  # streamed as it declared, not repeated whole
    assert a.answer.endswith(" [1]") and [c.n for c in a.citations] == [1]
    assert a.citations[0].chunk_id == a.retrieved[0].chunk_id
    assert [(s.citations, s.supported) for s in a.sentences] == [([1], True)]  # checked like every answer
    assert a.confidence_band == "sure" and a.confidence is None  # no confidence: it answers or abstains


@pytest.mark.parametrize("where", ["open", "answer"])
def test_a_failing_answerer_gives_way_to_the_extractive_reader(probe, demo_store, where):
    setattr(probe, f"fail_on_{where}", f"Probe kaputt ({where})")
    pieces: list[str] = []
    a = ask(QUESTION, demo_store.settings.with_(llm=PROBE), resources=demo_store, on_token=pieces.append)
    assert a.backend == "extractive" and a.fallback == f"Probe kaputt ({where})"
    assert pieces == [a.answer]  # the extractive answer does not stream: it comes whole, once
    assert "Brasilien" in a.answer


def test_the_cli_streams_and_names_the_answerer_by_its_capabilities(probe, demo_store, quelle_cli):
    env = {"QUELLE_LLM": PROBE, "QUELLE_LLM_MODEL": "probe-1"}
    shown = quelle_cli("ask", QUESTION, data_dir=demo_store.settings.data_dir, env=env)
    as_json = json.loads(quelle_cli("ask", QUESTION, "--json", data_dir=demo_store.settings.data_dir, env=env).stdout)
    assert as_json["backend"] == PROBE
    assert shown.stdout.startswith(as_json["answer"] + "\n\n[1] ")  # streamed, printed once, then the sources
    assert "Antwort von: probe (probe-1)" in shown.stderr
    assert "capabilities" not in as_json  # the JSON is what it was: capabilities come from the registry


def test_batch_feedback_ui_and_evaluation_ask_the_capabilities(probe, demo_store):
    from quelle.batch.questions import BatchQuestion
    from quelle.batch.runner import answer_row, default_workers
    from quelle.evaluation.runner import Outcome, is_two_candidates
    from quelle.feedback.store import request_settings
    from quelle.ui.state import backend_choices

    s = demo_store.settings.with_(llm=PROBE, llm_model="probe-1")
    assert default_workers(s) == 2 and default_workers(s.with_(llm="extractive")) == 1
    assert default_workers(s.with_(llm="openai")) == 4
    row = answer_row(BatchQuestion("q1", QUESTION, 1), s, demo_store)
    assert (row["backend"], row["model"], row["error"]) == (PROBE, "probe-1", "")
    failed = answer_row(BatchQuestion("q2", "?" * (s.max_question_chars + 1), 2), s, demo_store)
    assert failed["error"] and (failed["backend"], failed["model"]) == (PROBE, "probe-1")  # it names a model
    assert request_settings(s)["model"] == "probe-1"
    assert request_settings(s.with_(llm="extractive"))["model"] == ""
    assert backend_choices(Settings(llm=PROBE, openai_api_key=None, openai_base_url=None)) == [PROBE, "extractive"]
    # an answerer is offered by the settings it declares (the OpenAI-compatible one: a key or a base URL)
    keyed = Settings(llm=PROBE, openai_api_key="sk-test", openai_base_url=None)
    assert backend_choices(keyed) == [PROBE, "openai", "extractive"]
    # a verbatim answerer's two sentences are two candidates; an LLM's two sentences are one answer
    two = dict(
        answer="A. [1] B. [2]", abstained=False, citations=[], ranking=[], latency_ms=1.0, sentences=["A.", "B."]
    )
    assert is_two_candidates(Outcome(backend=PROBE, **two))
    assert not is_two_candidates(Outcome(backend="openai", **two))
