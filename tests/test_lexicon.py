"""ingest/lexicon.py is the one home of the German (and English) word lists (issue 29): no other module keeps a list
of month names, weekdays or number words, and the lexicon's classes hold what the date readers, the slots and the
reader need."""

from __future__ import annotations

import ast
import datetime as dt
import re
from pathlib import Path

import pytest

from ingest import lexicon as lx

ROOT = Path(__file__).resolve().parents[1]
LEXICON = ROOT / "ingest" / "lexicon.py"


# --- no second list ---------------------------------------------------------------------------------------------
def _source_files() -> list[Path]:
    files = [p for d in ("ingest", "quelle", "vectorstore", "reader", "bench") for p in (ROOT / d).rglob("*.py")]
    return sorted(p for p in files + list(ROOT.glob("*.py")) if p != LEXICON and ".venv" not in p.parts)


def _string_words(path: Path) -> set[str]:
    """The lower-case words of a module's string literals (regexes, lists, messages), docstrings left out: a
    docstring may name „Jänner“ and „Feber“ as examples, code may not list them."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    words: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            words.update(re.findall(r"[^\W\d_]+", node.value.lower()))
    return words


def _lists_in(words: set[str]) -> list[str]:
    found = []
    if {"jänner", "feber"} <= words or len(words & (set(lx.MONTHS_DE) | set(lx.MONTHS_EN))) >= 3:
        found.append(f"months {sorted(words & set(lx.MONTHS))}")
    if {"montag", "dienstag"} <= words or len(words & set(lx.WEEKDAYS)) >= 3:
        found.append(f"weekdays {sorted(words & set(lx.WEEKDAYS))}")
    if len(words & (set(lx.CARDINALS_DE) - {"ein"})) >= 4 or len(words & (set(lx.CARDINALS_EN) - {"one"})) >= 4:
        found.append(f"number words {sorted(words & (set(lx.CARDINALS_DE) | set(lx.CARDINALS_EN)))}")
    return found


def test_no_module_but_the_lexicon_lists_months_weekdays_or_number_words():
    offenders = {str(p.relative_to(ROOT)): found for p in _source_files() if (found := _lists_in(_string_words(p)))}
    assert not offenders, f"word lists outside ingest/lexicon.py (import them from there): {offenders}"


def test_the_scan_finds_a_list_where_there_is_one(tmp_path):
    code = tmp_path / "drift.py"
    code.write_text(
        '"""Dates in „Jänner“ and „Feber“ (a docstring may say so)."""\n'
        '_M = "januar|jänner|feber|märz"\n'
        '_D = {"montag": 0, "dienstag": 1}\n'
        '_N = r"zwei|drei|vier|fünf"\n',
        encoding="utf-8",
    )
    assert [f.split()[0] for f in _lists_in(_string_words(code))] == ["months", "weekdays", "number"]
    code.write_text('"""Bis Ende Jänner, seit Feber, am Montag oder Dienstag."""\nX = "Jänner"\n', encoding="utf-8")
    assert _lists_in(_string_words(code)) == []


def test_every_lexicon_constant_has_a_docstring_and_the_lexicon_imports_nothing():
    tree = ast.parse(LEXICON.read_text(encoding="utf-8"))
    body = tree.body
    for i, node in enumerate(body):
        target = (
            node.target
            if isinstance(node, ast.AnnAssign)
            else (node.targets[0] if isinstance(node, ast.Assign) else None)
        )
        if isinstance(target, ast.Name) and target.id.isupper():
            after = body[i + 1] if i + 1 < len(body) else None
            assert isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant), target.id
    imports = [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]
    assert all(isinstance(n, ast.ImportFrom) and n.module == "__future__" for n in imports)


# --- the content ------------------------------------------------------------------------------------------------
WORD_CLASSES = {name: value for name, value in vars(lx).items() if name.isupper()}


@pytest.mark.parametrize("name", sorted(WORD_CLASSES))
def test_words_are_lower_case_single_words(name):
    for word in WORD_CLASSES[name]:
        assert word == word.lower() and word == word.strip() and " " not in word, (name, word)


def test_months_german_austrian_english_and_abbreviated():
    assert lx.MONTHS["jänner"] == lx.MONTHS["januar"] == lx.MONTHS["jaenner"] == lx.MONTHS["january"] == 1
    assert lx.MONTHS["feber"] == lx.MONTHS["februar"] == 2
    assert lx.MONTHS["mrz"] == lx.MONTHS["mär"] == lx.MONTHS["maerz"] == 3
    assert lx.MONTHS["okt"] == lx.MONTHS["oct"] == 10 and lx.MONTHS["dez"] == lx.MONTHS["dec"] == 12
    for table in (lx.MONTHS_DE, lx.MONTHS_EN):
        assert sorted(set(table.values())) == list(range(1, 13))
    # a month word means the same month in every table it is in
    for word, n in lx.MONTHS_OTHER.items():
        assert lx.MONTHS.get(word, n) == n
    # the English words that are other words too are months only in a question's date phrase
    assert lx.NOT_DATES_IN_TEXT <= set(lx.MONTHS) | set(lx.SEASONS)


def test_weekdays_and_seasons():
    assert [lx.WEEKDAYS_DE[d] for d in ("montag", "dienstag", "mittwoch", "donnerstag", "freitag")] == [0, 1, 2, 3, 4]
    assert lx.WEEKDAYS["samstag"] == lx.WEEKDAYS["sonnabend"] == lx.WEEKDAYS["saturday"] == 5
    assert sorted(set(lx.WEEKDAYS_DE.values())) == sorted(set(lx.WEEKDAYS_EN.values())) == list(range(7))
    assert lx.SEASONS["frühjahr"] == lx.SEASONS["spring"] == 3 and lx.SEASONS["herbst"] == lx.SEASONS["fall"] == 9


def test_number_words_and_their_values():
    assert lx.CARDINALS_DE["zwölf"] == 12 and lx.CARDINALS_DE["dreissig"] == lx.CARDINALS_DE["dreißig"] == 30
    assert sorted(set(lx.CARDINALS_DE.values())) == sorted(set(lx.CARDINALS_EN.values()))
    assert "dutzende" in lx.SCALE_WORDS_DE and "mio" in lx.SCALE_ABBREVIATIONS_DE


def test_articles_pronouns_and_their_forms():
    assert set(lx.DEFINITE_ARTICLES_DE) == {"der", "die", "das", "den", "dem", "des"}
    assert "des" not in lx.DER_FORMS_DE and "eines" not in lx.EIN_FORMS_DE  # genitives name whose, count nothing
    assert lx.NOMINATIVE_ARTICLES_DE == ("der", "die", "das")
    assert lx.ENTITY_PRONOUNS_DE == ("er", "sie") and "es" in lx.PERSONAL_PRONOUNS_DE
    assert "ca" in lx.VALUE_LINK_WORDS_DE and "des" not in lx.VALUE_LINK_WORDS_DE
    assert {"deshalb", "dennoch", "allerdings"} <= set(lx.CONNECTIVES_DE)


# --- the users read from it -------------------------------------------------------------------------------------
def test_the_date_readers_and_slots_use_the_lexicon():
    from ingest.dates import MONTH_NUMBER, normalise_date
    from quelle.timeaware import dates as td
    from reader.kinds import DATE, NUMBER
    from reader.fillers import fillers

    assert set(lx.MONTHS.items()) | set(lx.MONTHS_OTHER.items()) == set(MONTH_NUMBER.items())
    assert td.MONTHS is lx.MONTHS and td.WEEKDAYS is lx.WEEKDAYS and td.SEASONS is lx.SEASONS
    assert normalise_date("3. Jaenner 2024") == normalise_date("3. Jänner 2024") == "2024-01-03"
    assert td.question_dates("Was geschah im Feber 2024?", dt.date(2025, 1, 1)).since == "2024-02-01"
    assert td.question_dates("Was war vor vierzig Jahren?", dt.date(2025, 1, 1), use_dateparser=False).since == (
        "1985-01-01"
    )
    text = "Am Sonnabend, dem 3. Feber, und im Frühjahr"
    assert [text[s:e] for s, e in fillers(text, DATE)] == ["Sonnabend", "3. Feber", "Frühjahr"]
    assert fillers("We may go.", DATE) == []
    text = "dreiviertel der Stimmen, zweieinhalb Jahre, ein Jahr"
    assert [text[s:e] for s, e in fillers(text, NUMBER)] == ["dreiviertel", "zweieinhalb"]


def test_a_sentence_opening_with_any_connective_brings_its_predecessor():
    """The reader's openers are the lexicon's pronouns, pointing adverbs and all its connectives: „Allerdings …“,
    „Trotzdem …“ point back as „Deshalb …“ did before the lists were one."""
    from quelle.answering.extractive import _sentence_spans
    from reader.evidence import Evidence
    from vectorstore.retrieve import Passage

    for opener in ("Deshalb", "Allerdings", "Trotzdem", "Demnach", "However,"):
        text = f"Der Umsatz fiel um zehn Prozent. {opener} stieg der Gewinn auf 60 Millionen Euro."
        p = Passage("c1", text, {"article_id": "a", "chunk_index": 0}, 1.0)
        assert len(_sentence_spans(p, Evidence(0, 1, {}, 1.0))) == 2, opener
    text = "Der Umsatz fiel um zehn Prozent. Im Vorjahr stieg der Gewinn auf 60 Millionen Euro."
    p = Passage("c1", text, {"article_id": "a", "chunk_index": 0}, 1.0)
    assert len(_sentence_spans(p, Evidence(0, 1, {}, 1.0))) == 1
