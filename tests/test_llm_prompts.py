"""Prompts load by name and language from prompts/, and a user's own directory overrides them."""

from __future__ import annotations

import pytest

from quelle.answering.prompts import PromptError, load_prompt


@pytest.mark.parametrize("name", ["answer", "condense"])
@pytest.mark.parametrize("language", ["de", "en"])
def test_bundled_prompts_have_a_system_and_a_user_part(name, language):
    p = load_prompt(name, language)
    assert p.path.name == f"{name}_{language}.md"
    assert [role for role, _ in p.parts] == ["system", "user"]


def test_answer_prompt_fills_sources_question_and_count_and_leaves_other_braces():
    msgs = load_prompt("answer", "de").messages(sources='<quelle nr="1">X</quelle>', question="Wo?", n=1)
    system, user = (text for _, text in msgs)
    assert "(1 bis 1)" in system and '<quelle nr="1">X</quelle>' in user and "Frage: Wo?" in user
    braces = load_prompt("answer", "de").messages(sources="{question} bleibt", question="Q", n=3)[1][1]
    assert "{question} bleibt" in braces


def test_english_prompt_asks_for_english_and_the_english_abstention():
    system = load_prompt("answer", "en").messages(sources="", question="", n=2)[0][1]
    assert "English" in system and "The articles don't say." in system


def test_user_prompt_directory_overrides_and_falls_back_per_file(tmp_path):
    (tmp_path / "answer_de.md").write_text(
        "<!-- role: system -->\nEigene Regeln {n}\n<!-- role: user -->\n{question}", encoding="utf-8"
    )
    own = load_prompt("answer", "de", tmp_path)
    assert own.path == tmp_path / "answer_de.md"
    assert own.messages(n=2, question="Wer?") == [("system", "Eigene Regeln 2"), ("user", "Wer?")]
    assert load_prompt("condense", "de", tmp_path).path.parent.name == "prompts"  # not overridden: bundled


def test_unknown_language_falls_back_to_german():
    assert load_prompt("answer", "fr").path.name == "answer_de.md"


def test_missing_or_malformed_prompt_is_a_clear_error(tmp_path):
    with pytest.raises(PromptError, match="no prompt 'zusammenfassung'"):
        load_prompt("zusammenfassung", "de", tmp_path)
    (tmp_path / "answer_de.md").write_text("Vorspann\n<!-- role: system -->\nx", encoding="utf-8")
    with pytest.raises(PromptError, match="answer_de.md: text before"):
        load_prompt("answer", "de", tmp_path)


class _Recorder:
    """A ChatBackend that records the messages and answers with a fixed line."""

    def __init__(self):
        self.messages = None

    def complete(self, messages, **kw):
        self.messages = messages
        return "Where does Alibaba plan new data centres?"


@pytest.mark.parametrize(
    "language, user, assistant, other",
    [("en", "User:", "Assistant:", "Nutzer"), ("de", "Nutzer:", "Assistent:", "User:")],
)
def test_condense_labels_the_history_in_the_prompts_language(language, user, assistant, other):
    from quelle.answering.grounded import condense
    from quelle.settings import Settings

    history = [
        {"role": "user", "content": "Where does Alibaba plan new data centres?"},
        {"role": "assistant", "content": "In Brazil [1]."},
    ]
    llm = _Recorder()
    condense("And when?", history, llm, Settings(), language)
    prompt = "\n".join(text for _, text in llm.messages)
    assert f"{user} Where does Alibaba plan new data centres?" in prompt
    assert f"{assistant} In Brazil [1]." in prompt
    assert other not in prompt
    assert ("Standalone question" in prompt) == (language == "en")
