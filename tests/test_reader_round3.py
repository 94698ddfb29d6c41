"""Specs of the offline reader, round 3 (issue 30): quantity nouns ask for their unit, a number belongs to its own noun,
word families, what „Er“ and „Das Unternehmen“ point back to, and the three confidence bands. Each is a statement
about German (or about how an answer is shown), on small texts written for these tests."""

from __future__ import annotations

import pytest

from quelle.answering.extractive import read
from quelle.answering.pipeline import ask
from tests.conftest import write_article
from vectorstore.analysis import family, word_term
from vectorstore.retrieve import Passage
from reader.kinds import NUMBER, WHICH
from reader.reference import anaphoric_subject
from reader.forms import answer_kind
from reader.quantities import belongs_to_other, quantity_class
from reader.fillers import fillers


def _passage(text: str, article: str = "a", title: str = "") -> Passage:
    return Passage(f"{article}-1", text, {"article_id": article, "chunk_index": 1, "title": title}, 1.0)


def _read(question: str, *passages: Passage):
    rd = read(question, list(passages), lambda t: 1.0)
    if rd is None:
        return None, None, None
    p = passages[rd.best.passage]
    sentence = p.text[rd.spans[-1][0] : rd.spans[-1][1]]
    return rd, sentence, (p.text[rd.span[0] : rd.span[1]] if rd.span else None)


# --- 3. quantity nouns ask for their unit ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "noun, cls",
    [
        ("Börsenwert", "money"),
        ("Baukosten", "money"),
        ("Schulden", "money"),
        ("Budgets", "money"),
        ("Inflationsrate", "percent"),
        ("Arbeitslosenquote", "percent"),
        ("Marktanteil", "percent"),
        ("Leistung", "power"),
        ("Motorleistung", "power"),
        ("Fläche", "area"),
        ("Temperaturen", "temperature"),
        ("Geschwindigkeit", "speed"),
        ("Auflage", "count"),
        ("Zuschauerzahl", "count"),
        # heads that name other things in compounds, and words that only end like a quantity noun
        ("Grenzwert", None),
        ("Nobelpreis", None),
        ("Dienstleistung", None),
        ("Karate", None),
        ("Inserate", None),  # „Inse“ is no word: no „rate“ inside
        ("Mitarbeiter", None),
    ],
)
def test_quantity_nouns_and_their_unit_class(noun, cls):
    assert quantity_class(noun) == cls


@pytest.mark.parametrize(
    "question, unit, quantity",
    [
        ("Wie hoch ist der Börsenwert von Alibaba?", "euro", "Börsenwert"),  # money, not metres
        ("Welches Budget hat das Projekt?", "euro", "Budget"),
        ("Welcher Betrag wurde gezahlt?", "euro", ""),  # a generic amount: any money answers
        ("Welche Summe ist für die Sanierung der Brücke vorgesehen?", "euro", ""),
        ("Welche Leistung hat das neue Kraftwerk?", "megawatt", "Leistung"),
        ("Welche Fläche hat der neue Park?", "hektar", "Fläche"),
        ("Wie groß ist die Fläche des Parks?", "quadratmeter", "Fläche"),
        ("Welche Temperatur wurde in Wien gemessen?", "grad", "Temperatur"),
        ("Wie lange ist die Strecke?", "kilometer", "Strecke"),  # a length, not a duration
    ],
)
def test_a_quantity_noun_makes_a_number_question_in_its_unit(question, unit, quantity):
    k = answer_kind(question)
    assert k.kind == NUMBER and unit in k.units and k.quantity == quantity


def test_a_value_or_an_amount_asked_with_wie_hoch_wants_no_metres():
    assert "meter" not in answer_kind("Wie hoch ist der Börsenwert von Alibaba?").units
    assert "meter" not in answer_kind("Wie hoch ist das Budget der Stadt?").units


def test_a_count_noun_asks_for_no_unit_and_persons_are_no_quantity():
    k = answer_kind("Wie hoch ist die Zahl der Arten?")
    assert k.kind == NUMBER and k.units == ()
    assert answer_kind("Welche Mitglieder hat der Verein?").kind == WHICH  # names, not a count


def test_a_value_question_is_no_height():
    text = (
        "In Hongkong schloss die Alibaba-Aktie 9,2 Prozent im Plus. "
        "Der Konzern ist an der Börse inzwischen 400 Milliarden US-Dollar wert. "
        "Der neue Firmensitz ist 120 Meter hoch."
    )
    _, _, span = _read("Wie hoch ist der Börsenwert von Alibaba?", _passage(text))
    assert span == "400 Milliarden US-Dollar"


# --- 4. the number belongs to the asked noun -----------------------------------------------------------------
@pytest.mark.parametrize(
    "sentence, asked, other",
    [
        ("Der Umsatz des Konzerns stieg auf 5 Milliarden Euro.", "Gewinn", True),
        ("Der Jahresumsatz lag bei 5 Milliarden Euro.", "Umsatz", False),  # a compound of the asked noun
        ("Es blieb ein Gewinn von rund 3 Millionen Euro.", "Gewinn", False),
        ("Die Kosten belaufen sich auf 3 Millionen Euro.", "Budget", True),
        ("Sie kaufte Alibaba-Aktien im Wert von mehr als 16 Millionen US-Dollar.", "Börsenwert", True),
        ("Investitionen in Höhe von 3 Millionen Euro sind geplant.", "Investitionen", False),
        ("Für die Sanierung sind nun 14 Millionen Euro vorgesehen.", "Budget", False),  # no noun governs it
    ],
)
def test_whose_number_a_number_is(sentence, asked, other):
    start = next(i for i, c in enumerate(sentence) if c.isdigit())
    assert belongs_to_other(sentence, start, asked) is other


def test_a_number_of_another_quantity_noun_is_a_rival_not_the_answer():
    text = (
        "Der Autobauer legte am Dienstag seine Jahreszahlen vor. "
        "Der Umsatz stieg auf 12 Milliarden Euro. "
        "Unter dem Strich blieb ein Gewinn von 800 Millionen Euro."
    )
    assert _read("Wie hoch war der Gewinn des Autobauers?", _passage(text))[2] == "800 Millionen Euro"
    assert _read("Wie hoch war der Umsatz des Autobauers?", _passage(text))[2] == "12 Milliarden Euro"


def test_the_amount_of_another_noun_answers_no_value_question():
    # the article names no market value: a purchase „im Wert von“ and a share price move are not it
    text = (
        "In Hongkong schloss die Alibaba-Aktie 9,2 Prozent im Plus. "
        "Cathie Wood kaufte Alibaba-Aktien im Wert von mehr als 16 Millionen US-Dollar."
    )
    rd, _, _ = _read("Wie hoch ist der Börsenwert von Alibaba?", _passage(text))
    assert rd is None or (not rd.best.features.get("typed") and rd.confidence < 0.21)


# --- 1. word families ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "a, b",
    [
        ("kooperiert", "Kooperation"),
        ("entwickeln", "Entwicklung"),
        ("festnehmen", "Festnahme"),
        ("leiten", "Leitung"),
        ("investieren", "Investition"),
        ("produzieren", "Produktion"),
        ("frei", "Freiheit"),
        ("möglich", "Möglichkeit"),
        ("aktiv", "Aktivität"),
        ("beschließen", "Beschluss"),
    ],
)
def test_a_verb_and_its_noun_are_one_family(a, b):
    assert family(word_term(a.lower())) == family(word_term(b.lower()))


@pytest.mark.parametrize("a, b", [("Wasser", "Messer"), ("Kooperation", "Korrektur"), ("Leitung", "Leistung")])
def test_words_that_only_share_an_ending_are_no_family(a, b):
    assert family(word_term(a.lower())) != family(word_term(b.lower()))


def test_a_question_verb_finds_the_sentence_with_its_noun():
    # both sentences name the town and the pool; only the second holds the noun of the asked verb
    text = (
        "Beim Hallenbad plant die Stadt Linz mit dem Land Oberösterreich, sagte Bürgermeister Klaus Luger. "
        "Beim Hallenbad setzt die Stadt Linz auf eine Kooperation mit dem Bäderbetrieb Aquaplan."
    )
    rd, sentence, _ = _read("Mit wem kooperiert die Stadt Linz beim Hallenbad?", _passage(text))
    assert "Aquaplan" in sentence
    assert rd.margin > 0


# --- 2. who „Er“ and „Das Unternehmen“ are ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "sentence, points_back",
    [
        ("Das Unternehmen beschäftigt 240 Mitarbeiter.", True),
        ("Der Konzern teilte das am Montag mit.", True),
        ("Er wurde 1950 in Linz geboren.", True),
        ("Der 31-Jährige wurde festgenommen.", True),
        ("Der Trainer lobte die Mannschaft.", True),
        ("Die Polizei nahm ihn fest.", False),
        ("Die Kranich-1 ist 27 Meter hoch.", False),
        ("Alibaba investiert mehr.", False),
    ],
)
def test_a_subject_that_points_back(sentence, points_back):
    assert anaphoric_subject(sentence) is points_back


STARTUP = (
    "Das Bremer Start-up Nordstern Orbital hat erstmals zwei Satelliten ins All gebracht. "
    "Die Rakete startete vom Weltraumbahnhof Andøya. "
    "Das Unternehmen beschäftigt inzwischen rund 240 Mitarbeiterinnen und Mitarbeiter."
)
KONZERN = (
    "Alibaba will mehr in künstliche Intelligenz investieren. "
    "Der Konzern kündigte am Dienstag neue Rechenzentren in Europa an."
)


def test_a_sentence_about_another_company_is_no_answer_about_the_asked_one():
    # „Das Unternehmen“ of the start-up article cannot be Alibaba: that article never names it
    rd, sentence, _ = _read(
        "Wie viele Mitarbeiter hat Alibaba?",
        _passage(STARTUP, "startup", "Bremer Start-up bringt Satelliten ins All"),
        _passage(KONZERN, "alibaba", "Alibaba erhöht KI-Investitionen"),
    )
    assert rd is None or "240" not in sentence or rd.confidence < 0.21
    assert rd is None or rd.best.features.get("foreign") == 0.0


def test_the_same_sentence_answers_about_the_company_its_article_names():
    rd, _, span = _read(
        "Wie viele Mitarbeiter hat Nordstern Orbital?",
        _passage(STARTUP, "startup", "Bremer Start-up bringt Satelliten ins All"),
        _passage(KONZERN, "alibaba", "Alibaba erhöht KI-Investitionen"),
    )
    assert span.startswith("240")
    assert rd.best.features.get("foreign") == 0.0


def test_digits_in_front_of_a_capital_letter_name_a_thing():
    text = "Die Triebwerke werden im 3D-Druck gefertigt, das Netz läuft mit 5G und 4K-Video."
    assert fillers(text, NUMBER) == []


# --- 5. honest uncertainty: three bands ----------------------------------------------------------------------
@pytest.fixture
def bands_store(tmp_path, library):
    folder = tmp_path / "bands"
    write_article(
        folder,
        "hafen.md",
        "Der Hamburger Hafen meldet für das erste Halbjahr einen Rückgang. "
        "Insgesamt wurden 3,9 Millionen Standardcontainer umgeschlagen, 4,3 Prozent weniger als im Vorjahr. "
        "Die Hafenbehörde nannte den schwachen Handel mit China als Grund.",
        title="Hafen Hamburg: weniger Container",
        date="2025-08-01",
    )
    write_article(
        folder,
        "fest.md",
        "Das Stadtfest in Ulm war ein voller Erfolg. Rund 80.000 Gäste feierten an drei Tagen auf dem Münsterplatz.",
        title="Stadtfest Ulm",
        date="2025-07-14",
    )
    assert library.ingest([folder]).count("failed") == 0
    return library.r


def test_each_answer_has_one_band_and_its_own_wording(bands_store, settings):
    sure = ask("Wie viele Standardcontainer wurden im Hamburger Hafen umgeschlagen?", settings, resources=bands_store)
    assert sure.confidence_band == "sure" and sure.confidence >= settings.sure_answer_score
    assert sure.answer.startswith("Insgesamt wurden 3,9 Millionen") and "Keine sichere Antwort" not in sure.answer
    none = ask("Wie heißt der Kapitän des größten Containerschiffs?", settings, resources=bands_store)
    assert none.confidence_band == "none" and none.abstained
    # between the two thresholds: the closest passages, said as such (a fixed confidence window forces the band)
    unsure = ask(
        "Wie viele Standardcontainer wurden im Hamburger Hafen umgeschlagen?",
        settings.with_(sure_answer_score=1.0),
        resources=bands_store,
    )
    assert unsure.confidence_band == "unsure" and not unsure.abstained
    assert unsure.answer.startswith("Keine sichere Antwort gefunden. Am nächsten kommen diese Stellen:\n- ")
    assert "Mögliche Antworten" not in unsure.answer
    assert unsure.to_dict()["confidence_band"] == "unsure"
