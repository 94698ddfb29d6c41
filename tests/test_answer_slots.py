"""Implied units of German/English questions and the slot fillers found in sentences (reader/forms.py, reader/fillers.py;
the answer kinds: the examples of the question-form table, tests/test_question_forms.py)."""

from __future__ import annotations

import pytest

from reader.kinds import DATE, NAME, NUMBER, PLACE, REASON, WHICH
from reader.forms import answer_kind
from reader.fillers import fillers


@pytest.mark.parametrize(
    "question, unit, not_unit",
    [
        ("Wie hoch ist die geschätzte Anzahl der Baumarten?", None, "meter"),  # a count, not a height
        ("Wie hoch ist die Einwohnerzahl der Stadt?", None, "meter"),
        ("Wie hoch war die Gage des Musikers?", "euro", "meter"),  # a pay noun asks for money, not a height
        ("Wie hoch sind die Monatsgehälter der Piloten?", "euro", "meter"),  # also as the head of a compound
        ("Wie hoch sind die Stundenlöhne?", "euro", "meter"),
        ("Wie hoch ist das Preisgeld für den Sieg?", "euro", "kilometer"),
        ("Was kostet das Ticket?", "euro", "meter"),
        ("Was muss die Kandidatin hinblättern?", "euro", "meter"),
        ("Wie nah kam die Sonde dem Pluto?", "kilometer", "euro"),
        ("Wie viel zahlte Google für Motorola?", "euro", "meter"),
        ("Wie hoch ist der Turm?", "meter", "euro"),
        ("Wie lange dauert die Sanierung?", "monat", "euro"),
        ("Wie hoch ist der Anteil der Frauen?", "prozent", "meter"),
        # a rate or share is asked as the head of a compound, money by what is counted in it
        ("Wie hoch ist die Arbeitslosenquote in Spanien?", "prozent", "meter"),
        ("Wie hoch ist die Inflationsrate?", "prozent", "meter"),
        ("Wie hoch war die Wahlbeteiligung?", "prozent", "meter"),
        ("Wie viele Karate-Kämpfer traten an?", None, "prozent"),  # no rate inside „Karate“
        ("Wie hoch ist der Schaden nach dem Sturm?", "euro", "meter"),
        ("Wie hoch sind die Schulden Griechenlands?", "euro", "meter"),
        ("Um welche Uhrzeit beginnt das Konzert?", "uhr", "meter"),
        ("Wie viel Geld bekommt die Stadt?", "euro", "meter"),  # the counted noun is money
        ("Wie viel Zeit bleibt den Verhandlern?", "woche", "euro"),  # … or time
        ("Wie viel Sendezeit hatte der Experte?", "minute", "euro"),
        ("Wie viele Zeitungen erscheinen dort?", None, "woche"),
        ("Wie schnell fährt der neue Zug?", "km", "euro"),
        ("Wie warm wird es am Wochenende?", "grad", "meter"),
        ("Wie viel hat der Umbau gekostet?", "euro", "meter"),  # the pay verb as a participle
        ("Um wie viel Euro wurde die Miete erhöht?", "euro", "meter"),
        ("Wie viele Euro-Länder gibt es?", None, "euro"),
        ("Ab welchem Alter darf man wählen?", "jahr", "euro"),
    ],
)
def test_implied_units(question, unit, not_unit):
    units = answer_kind(question).units
    assert (unit is None or unit in units) and not_unit not in units


def test_counting_questions_imply_no_unit_from_a_noun_inside_a_word():
    assert answer_kind("Wie viele Mitglieder hat die Gewerkschaft?").units == ()
    # „Zahl“ is no paying: the pay verbs count in lower case only
    assert answer_kind("Die Metropolregionen haben eine Bevölkerung, die welche Zahl übersteigt?").units == ()


def _found(text: str, kind: str) -> list[str]:
    return [text[s:e] for s, e in fillers(text, kind)]


def test_number_words_count_only_as_whole_words():
    text = "Beim Einsatz achten die Helfer auf jeden Elfmeter und eine Einheit."
    assert _found(text, NUMBER) == []
    text = "Rund 80.000 Gäste kamen an drei Tagen, achtmal mehr als 2019, 9,2 Prozent im Plus."
    assert _found(text, NUMBER) == ["80.000", "drei", "achtmal", "2019", "9,2", "Prozent"]


def test_dates_of_several_forms():
    text = "Am 25. Jänner 2016 begann es, im März endete es; die Frist läuft bis 3.5.2017, seit Montag gilt sie."
    assert _found(text, DATE) == ["25. Jänner 2016", "März", "3.5.2017", "Montag"]
    # seasons are dates, and the parts of one date next to each other are one („Herbst 1990“, „Ende Jänner“)
    text = "Im Herbst 1990 kam der Film in die Kinos; bis Ende Jänner läuft er noch, im Fall einer Zugabe länger."
    assert _found(text, DATE) == ["Herbst 1990", "Ende Jänner"]


def test_names_are_runs_of_capitalised_words_with_a_proper_name():
    text = "Das Puppenspiel hat Gudrun Rabussay-Schwald für den Kindergarten entworfen."
    assert _found(text, NAME) == ["Gudrun Rabussay-Schwald"]
    text = "Der erste Astronaut aus Dänemark, Andreas Mogensen, flog zur ISS."
    assert "Andreas Mogensen" in _found(text, NAME)
    assert "Astronaut" not in " ".join(_found(text, NAME))


def test_places_follow_a_place_preposition():
    text = "Rund 80.000 Gäste feierten in Ulm, die Band kam aus dem Iran, in Zukunft mehr."
    assert _found(text, PLACE) == ["Ulm", "Iran"]


def test_reasons_are_connectives():
    text = "Das Spiel wurde abgesagt, weil der Platz unter Wasser stand."
    assert _found(text, REASON) == ["weil"]


def test_the_counted_noun_decides_the_unit_not_the_verb():
    # „fordert“ implies money only when nothing else is named; „Tote“ are counted
    assert answer_kind("Wie viele Tote forderte der Kraneinsturz?").units == ()
    assert "euro" in answer_kind("Wie viel Schadenersatz fordert die Lufthansa?").units
    assert "euro" in answer_kind("Wie viel fordert die Gewerkschaft?").units


def test_a_person_is_neither_a_dateline_nor_a_compound_with_a_name_in_front():
    text = "Berlin – Der neue Sachsen-Tatort hat einige Schlagersänger verärgert."
    assert _found(text, NAME) == []
    text = "ÖVP-Chef Reinhold Mitterlehner und Volvo-Chef Hakan Samuelsson trafen Heinz-Christian Strache."
    assert _found(text, NAME) == ["Reinhold Mitterlehner", "Hakan Samuelsson", "Heinz-Christian Strache"]
    # a which-question's class noun may follow the name: „Welcher Chip“ -> „Snapdragon-810-Chip“
    assert _found("Beide Geräte haben den Snapdragon-810-Chip verbaut.", WHICH) == ["Snapdragon-810-Chip"]


def test_country_names_are_places_without_a_preposition_and_place_names_that_look_like_compounds_count():
    assert _found("Bashir darf Südafrika vorerst nicht verlassen.", PLACE) == ["Südafrika"]
    # „Mariazell“ splits into known words (Maria + Zell) but HanTa's lexicon reads it as a name
    assert _found("Die Bischöfe treffen sich zur Vollversammlung in Mariazell.", PLACE) == ["Mariazell"]
    assert _found("Die Akkulaufzeit beträgt in Summe zwölf Stunden.", PLACE) == []
    assert _found("Die Zeit, die von M bei jedem Input benötigt wird.", PLACE) == []  # a symbol, not a place


def test_money_is_a_number_with_a_currency_not_any_million():
    from reader.evidence import PassageInput, question_view, score_sentences

    text = "Dort sollen 2,2 Millionen Menschen Platz finden. Die Erweiterung kostet 60 Millionen Euro."
    q = question_view("Wie viel kostet die Erweiterung?", lambda t: 1.0)
    typed = {
        text[e.filler[0] :][:10]: e.features["typed"] for e in score_sentences(q, [PassageInput(text, "", "a", 0, 1.0)])
    }
    assert typed == {"2,2 Millio": 0.0, "60 Million": 1.0}


def test_closeness_counts_the_questions_other_words_not_the_asked_unit():
    from reader.evidence import PassageInput, question_view, score_sentences

    text = (
        "Mehr als vier Jahre nach der Havarie hat der Berufungsprozess gegen Kapitän Schettino begonnen. "
        "Für den Kapitän verlangt die Anklage 27 Jahre Haft."
    )
    q = question_view("Wie viele Jahre Haft fordert die Anklage im Berufungsprozess gegen Schettino?", lambda t: 1.0)
    near = {
        text[e.filler[0] : e.filler[1]]: e.features["near"]
        for e in score_sentences(q, [PassageInput(text, "", "a", 0, 1.0)])
    }
    assert near["27"] > near["vier"]


def test_digits_glued_to_letters_are_no_numbers_and_scale_words_join_their_number():
    text = "Mit dem Galaxy S6 oder der U6 testen Kunden vier Wochen lang; der Schaden beträgt fünf Millionen Dollar."
    assert [text[s:e] for s, e in fillers(text, NUMBER)] == ["vier", "fünf Millionen"]


def test_a_number_word_carries_its_unit():
    from reader.evidence import PassageInput, question_view, score_sentences

    text = "Messi traf in der Saison 58 Mal. Im Cup-Spiel gegen Valencia traf Messi dreimal."
    q = question_view("Wie oft traf Messi gegen Valencia?", lambda t: 1.0)
    typed = {
        text[e.filler[0] : e.filler[1]]: e.features["typed"]
        for e in score_sentences(q, [PassageInput(text, "", "a", 0, 1.0)])
    }
    assert typed == {"58": 1.0, "dreimal": 1.0}  # „dreimal“ is a number with the asked unit „mal“ in it


def test_a_date_question_with_a_boundary_prefers_the_date_after_that_boundary():
    from reader.evidence import PassageInput, question_view, score_sentences

    q = question_view("Bis wann wollen die Forscher auf ein Zeichen der Sonde horchen?", lambda t: 1.0)
    text = "Seit September horchen die Forscher auf ein Zeichen der Sonde, bis Ende Jänner wollen sie noch warten."
    (e,) = score_sentences(q, [PassageInput(text, "", "a", 0, 1.0)])
    assert text[e.filler[0] : e.filler[1]] == "Ende Jänner" and e.features["focus"] == 1.0
    text = "Seit September horchen die Forscher auf ein Zeichen der Sonde."
    (e,) = score_sentences(q, [PassageInput(text, "", "a", 0, 1.0)])
    assert text[e.filler[0] : e.filler[1]] == "September" and e.features["focus"] == 0.0


def test_a_city_question_takes_no_country_name():
    from reader.evidence import PassageInput, question_view, score_sentences

    text = "Der Verdächtige war mit einem der Attentäter nach Syrien gereist. Gefasst wurde er in Mohammedia."
    q = question_view("In welcher Stadt wurde der Verdächtige gefasst?", lambda t: 1.0)
    slot = {
        text[: text.index(".")] if e.sentence == 0 else "second": e.features["slot"]
        for e in score_sentences(q, [PassageInput(text, "", "a", 0, 1.0)])
    }
    assert slot == {"Der Verdächtige war mit einem der Attentäter nach Syrien gereist": 0.0, "second": 1.0}
    q = question_view("In welches Land war der Verdächtige gereist?", lambda t: 1.0)
    assert all(e.features["slot"] == 1.0 for e in score_sentences(q, [PassageInput(text, "", "a", 0, 1.0)]))


def test_english_country_names_get_their_german_names():
    from reader.names import german_country_names

    got = german_country_names("How many businesses make up Austria's advertising industry, and Switzerland's?")
    assert got == ["Österreich", "Schweiz"]
    assert german_country_names("Wie viele Betriebe gibt es in Österreich?") == []


def test_a_question_gets_the_german_country_names_once_and_a_german_question_none():
    from reader.names import with_german_names

    question = "How many businesses make up Austria's advertising industry?"
    once = with_german_names(question, "en")
    assert once == question + " Österreich"
    assert with_german_names(once, "en") == once  # the first stage hands its query on to the evidence stage
    assert with_german_names("Wie viele Betriebe hat Austria Email?", "de") == "Wie viele Betriebe hat Austria Email?"


@pytest.mark.parametrize(
    "noun, person",
    [
        ("Trainer", True),
        ("Triathletin", True),
        ("Ex-Nokia-Chef", True),
        ("Schlagersänger", True),  # the head of a compound decides
        ("Helferkoordinator", True),
        ("Enkeltochter", True),
        ("Heizelement", False),  # an ending such as -ent, -er or -or says little
        ("Theater", False),
        ("Sektor", False),
        ("Werkzeug", False),  # no „Zeugin“ inside
        ("Verlag", False),
        ("Arzt", True),  # the feminine form with umlaut: Ärztin
        ("Anwalt", True),
        ("Termin", False),  # an -in word without a plural in -innen is no feminine person noun
        ("Benzin", False),
        ("Motor", False),
    ],
)
def test_a_person_noun_has_a_feminine_form(noun, person):
    from reader.names import is_person_noun

    assert is_person_noun(noun) is person


def test_which_question_about_a_thing_with_a_person_like_ending_is_no_name_question():
    assert answer_kind("Welches Heizelement wird in Spielzeugdampfmaschinen verwendet?").kind == WHICH
    assert answer_kind("Welches Theater zeigt das Stück?").kind == WHICH
    assert answer_kind("Welche Triathletin siegte?").kind == NAME
    assert answer_kind("Welcher Termin wurde verschoben?").kind == WHICH
    assert answer_kind("Welche Ärztin operierte?").kind == NAME
