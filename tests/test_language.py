"""The one language module: lingua for articles, function words for questions (ingest.language)."""

import json

import pytest

from ingest.language import detect_language, question_language
from quelle.evaluation.squad import load_squad

SPANISH = (
    "El río Rin nace en los Alpes suizos y desemboca en el mar del Norte. Durante siglos fue una de las "
    "vías de transporte más importantes de Europa, y muchas ciudades crecieron en sus orillas."
)


@pytest.mark.parametrize(
    "question, language",
    [
        ("Wer hat die Dampfmaschine erfunden?", "de"),
        ("Wann wurde die Mauer geöffnet?", "de"),
        ("Who invented the steam engine?", "en"),
        ("What is the capital of France?", "en"),
        ("Merkel?", "de"),  # nothing to tell: German, the app's first language
    ],
)
def test_questions_are_german_or_english_by_function_words(question, language):
    assert question_language(question) == language


def test_articles_are_detected_among_the_supported_languages():
    assert detect_language(SPANISH) == "es"
    assert detect_language("Der Rhein entspringt in den Schweizer Alpen und mündet in die Nordsee.") == "de"
    assert detect_language("zu kurz") == "de"


def test_a_squad_file_in_another_language_is_stored_in_that_language(tmp_path):
    data = {
        "version": "1.1",
        "data": [
            {
                "title": "Rin",
                "paragraphs": [
                    {
                        "context": SPANISH,
                        "qas": [
                            {
                                "id": "q1",
                                "question": "¿Dónde nace el Rin?",
                                "answers": [
                                    {"text": "en los Alpes suizos", "answer_start": SPANISH.index("en los Alpes")}
                                ],
                            }
                        ],
                    }
                ],
            }
        ],
    }
    path = tmp_path / "squad.es.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert [a.language for a in load_squad(path).articles] == ["es"]
