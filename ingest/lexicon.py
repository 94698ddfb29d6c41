"""The German (and English) words Quelle reads text with: one home for every closed class of words, so that the date
readers, the index analyser, the answer slots and the reader cannot drift apart (issue 29).

It lives in `ingest/`, the bottom layer: data flows ingest → vectorstore → quelle, and `vectorstore/` and `quelle/`
already import `ingest`, so all three import this module without a cycle (and without a fourth top-level package
that the packaging would have to name). Plain data, standard library only: `ingest.dates` loads it on the way in.

Words are lower case, German first, English where the code reads English too. A dict maps a word to its value (a
month's number, a weekday's index with Monday 0, a number word's value, a unit's calendar unit); a tuple keeps the
order it is written in. Its users (ingest/dates.py, quelle/timeaware/dates.py, vectorstore/analysis.py,
reader/, quelle/answering/extractive.py) compose these classes and keep no copy of them
(tests/test_lexicon.py fails on a month, weekday or number-word list anywhere else).
"""

from __future__ import annotations

# --- calendar ---------------------------------------------------------------------------------------------------
MONTHS_DE: dict[str, int] = {
    "januar": 1,
    "jänner": 1,
    "jaenner": 1,
    "februar": 2,
    "feber": 2,
    "märz": 3,
    "maerz": 3,
    "april": 4,
    "mai": 5,
    "juni": 6,
    "juli": 7,
    "august": 8,
    "september": 9,
    "oktober": 10,
    "november": 11,
    "dezember": 12,
}
"""German month names and their numbers, with the Austrian Jänner and Feber and the spellings without umlauts."""

MONTHS_EN: dict[str, int] = {
    "january": 1,
    "february": 2,
    "march": 3,
    "april": 4,
    "may": 5,
    "june": 6,
    "july": 7,
    "august": 8,
    "september": 9,
    "october": 10,
    "november": 11,
    "december": 12,
}
"""English month names and their numbers."""

MONTH_ABBREVIATIONS: dict[str, int] = {
    "jan": 1,
    "feb": 2,
    "mär": 3,
    "mrz": 3,
    "mar": 3,
    "apr": 4,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "sept": 9,
    "okt": 10,
    "oct": 10,
    "nov": 11,
    "dez": 12,
    "dec": 12,
}
"""Abbreviated month names (without their full stop), German (mär, mrz, okt, dez) and English (mar, oct, dec)."""

MONTHS: dict[str, int] = {**MONTHS_DE, **MONTHS_EN, **MONTH_ABBREVIATIONS}
"""Every German and English month word and its number."""

MONTHS_OTHER: dict[str, int] = {
    "janvier": 1,
    "enero": 1,
    "gennaio": 1,
    "januari": 1,
    "février": 2,
    "fevrier": 2,
    "febrero": 2,
    "febbraio": 2,
    "februari": 2,
    "mars": 3,
    "marzo": 3,
    "maart": 3,
    "avril": 4,
    "abril": 4,
    "aprile": 4,
    "mayo": 5,
    "maggio": 5,
    "mei": 5,
    "juin": 6,
    "junio": 6,
    "giugno": 6,
    "juillet": 7,
    "julio": 7,
    "luglio": 7,
    "août": 8,
    "aout": 8,
    "agosto": 8,
    "augustus": 8,
    "septembre": 9,
    "septiembre": 9,
    "settembre": 9,
    "octobre": 10,
    "octubre": 10,
    "ottobre": 10,
    "novembre": 11,
    "noviembre": 11,
    "décembre": 12,
    "decembre": 12,
    "diciembre": 12,
    "dicembre": 12,
}
"""French, Spanish, Italian and Dutch month names that differ from the German and English ones: dates in the metadata
of articles in the other languages Quelle ingests (not read in questions: „Mars“ is a planet)."""

WEEKDAYS_DE: dict[str, int] = {
    "montag": 0,
    "dienstag": 1,
    "mittwoch": 2,
    "donnerstag": 3,
    "freitag": 4,
    "samstag": 5,
    "sonnabend": 5,
    "sonntag": 6,
}
"""German weekday names and their index (Monday 0, as `datetime.date.weekday`), with the northern Sonnabend."""

WEEKDAYS_EN: dict[str, int] = {
    "monday": 0,
    "tuesday": 1,
    "wednesday": 2,
    "thursday": 3,
    "friday": 4,
    "saturday": 5,
    "sunday": 6,
}
"""English weekday names and their index (Monday 0)."""

WEEKDAYS: dict[str, int] = {**WEEKDAYS_DE, **WEEKDAYS_EN}
"""Every German and English weekday name and its index (Monday 0)."""

SEASONS_DE: dict[str, int] = {"frühling": 3, "frühjahr": 3, "sommer": 6, "herbst": 9, "winter": 12}
"""German seasons and the month each begins in."""

SEASONS_EN: dict[str, int] = {"spring": 3, "summer": 6, "autumn": 9, "fall": 9, "winter": 12}
"""English seasons and the month each begins in."""

SEASONS: dict[str, int] = {**SEASONS_DE, **SEASONS_EN}
"""Every German and English season and the month it begins in."""

NOT_DATES_IN_TEXT: frozenset[str] = frozenset({"may", "mar", "fall"})
"""Calendar words that are other words as well (the modal verb may, the verb and noun fall, the mar of „Mar-a-Lago“
and „Mar del Plata“): dates where a question's date phrase frames them („in May 2016“, „in the fall of 2019“), no
date fillers in running text."""

CALENDAR_UNITS: dict[str, str] = {
    "tag": "day",
    "tage": "day",
    "tagen": "day",
    "day": "day",
    "days": "day",
    "woche": "week",
    "wochen": "week",
    "week": "week",
    "weeks": "week",
    "monat": "month",
    "monate": "month",
    "monaten": "month",
    "monats": "month",
    "month": "month",
    "months": "month",
    "jahr": "year",
    "jahre": "year",
    "jahren": "year",
    "jahres": "year",
    "year": "year",
    "years": "year",
}
"""The inflected German and English words of the calendar's units and the unit each names („vor drei Jahren“)."""

# --- numbers ----------------------------------------------------------------------------------------------------
CARDINALS_DE: dict[str, int] = {
    "ein": 1,
    "zwei": 2,
    "drei": 3,
    "vier": 4,
    "fünf": 5,
    "sechs": 6,
    "sieben": 7,
    "acht": 8,
    "neun": 9,
    "zehn": 10,
    "elf": 11,
    "zwölf": 12,
    "zwanzig": 20,
    "dreißig": 30,
    "dreissig": 30,
    "vierzig": 40,
    "fünfzig": 50,
    "sechzig": 60,
    "siebzig": 70,
    "achtzig": 80,
    "neunzig": 90,
    "hundert": 100,
    "tausend": 1000,
}
"""German number words and their values, the parts larger numbers are written with („dreiundzwanzig“,
„zweihundert“); dreissig is the Swiss spelling. Alone, ein is the indefinite article as often as the number."""

CARDINALS_EN: dict[str, int] = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "hundred": 100,
    "thousand": 1000,
}
"""English number words and their values."""

MIXED_NUMBERS_DE: tuple[str, ...] = ("einhalb", "eineinhalb", "zweieinhalb", "anderthalb", "dreiviertel")
"""German number words with a fraction in them, also as parts of longer ones („zweieinhalb Jahre“)."""

FRACTIONS_DE: tuple[str, ...] = ("hälfte", "drittel", "viertel")
"""German fraction nouns („ein Drittel der Stimmen“)."""

FRACTIONS_EN: tuple[str, ...] = ("half",)
"""English fraction words."""

MULTIPLIERS_DE: tuple[str, ...] = ("einmal", "einmalig", "doppelt", "dreifach")
"""German words for how often or how many times („doppelt so viele“); other numbers take a suffix instead."""

MULTIPLIERS_EN: tuple[str, ...] = ("once", "twice")
"""English words for how often."""

NUMBER_SUFFIXES_DE: tuple[str, ...] = ("mal", "fach", "stellig")
"""Endings that make a German number word an adverb or adjective („dreimal“, „zehnfach“, „zweistellig“)."""

SCALE_WORDS_DE: tuple[str, ...] = (
    "hundert",
    "tausend",
    "dutzend",
    "dutzende",
    "million",
    "millionen",
    "milliarde",
    "milliarden",
    "billion",
    "billionen",
)
"""German words that scale the number before them („fünf Millionen“); million and billion are spelt so in English
too."""

SCALE_ABBREVIATIONS_DE: tuple[str, ...] = ("mio", "mrd")
"""Abbreviated German scale words (without their full stop: „15,5 Mio.“)."""

SCALE_WORDS_EN: tuple[str, ...] = ("hundred", "thousand", "dozen", "million", "billion")
"""English scale words."""

PERCENT_WORDS: tuple[str, ...] = ("prozent", "percent")
"""The word for per cent, German and English."""

NUMBER_HEDGES_DE: tuple[str, ...] = (
    "mehr",
    "weniger",
    "als",
    "rund",
    "knapp",
    "etwa",
    "fast",
    "über",
    "bis",
    "zu",
    "insgesamt",
    "gut",
    "ca.",
    "circa",
    "ungefähr",
)
"""Words that stand before a number and qualify it („rund 60 Millionen“, „mehr als“, „bis zu“, „ca.“)."""

# --- units (stems: „Tag“ is tag, and tage, tagen are read through the analyser's lemmas) -------------------------
UNITS_DURATION: tuple[str, ...] = (
    "sekunde",
    "minute",
    "stunde",
    "tag",
    "woche",
    "monat",
    "jahr",
    "jahrzehnt",
    "saison",
    "second",
    "hour",
    "day",
    "week",
    "month",
    "year",
)
"""Units of time (minute is German and English)."""

UNITS_MONEY: tuple[str, ...] = (
    "euro",
    "dollar",
    "franken",
    "pfund",
    "cent",
    "yen",
    "yuan",
    "rubel",
    "kronen",
    "dollars",
    "euros",
)
"""Currencies."""

UNITS_LENGTH: tuple[str, ...] = ("kilometer", "meter", "zentimeter", "metre", "mile", "km")
"""Units of length and distance."""

UNITS_WEIGHT: tuple[str, ...] = ("kilo", "kilogramm", "tonne", "gramm", "kilogram", "ton")
"""Units of weight."""

UNITS_PERCENT: tuple[str, ...] = (*PERCENT_WORDS, "prozentpunkt", "punkt")
"""Per cent and percentage points."""

UNITS_AREA: tuple[str, ...] = ("quadratmeter", "quadratkilometer", "hektar", "m²", "km²", "qm", "ar")
"""Units of area."""

UNITS_POWER: tuple[str, ...] = ("watt", "kilowatt", "megawatt", "gigawatt", "terawatt", "ps", "kw", "mw", "gw")
"""Units of power."""

UNITS_SPEED: tuple[str, ...] = ("km", "stundenkilometer", "kilometer", "meile", "knoten")
"""Units of speed (km and kilometer as in „km/h“, „Kilometer pro Stunde“)."""

UNITS_TEMPERATURE: tuple[str, ...] = ("grad", "degree")
"""Units of temperature."""

UNITS_AGE: tuple[str, ...] = ("jahr", "jährig", "year")
"""What an age is counted in („42 Jahre“, „die 31-Jährige“)."""

UNITS_FREQUENCY: tuple[str, ...] = ("mal", "times")
"""What how often is counted in („dreimal“, „drei Mal“)."""

UNITS_CLOCK: tuple[str, ...] = ("uhr", "o'clock")
"""The word after a clock time („21.45 Uhr“)."""

# --- articles, pronouns, determiners ----------------------------------------------------------------------------
DEFINITE_ARTICLES_DE: tuple[str, ...] = ("der", "die", "das", "den", "dem", "des")
"""The German definite article in all its forms, the nominative ones (der, die, das) first and the genitive des
last."""

DER_FORMS_DE: tuple[str, ...] = DEFINITE_ARTICLES_DE[:5]
"""The forms of der that also stand alone as a pronoun pointing back („Der hat …“, „Das ist …“; the pronoun's
genitive is dessen, not des) and that link a noun to its value („Der Umsatz stieg auf …“; a genitive names whose)."""

NOMINATIVE_ARTICLES_DE: tuple[str, ...] = DEFINITE_ARTICLES_DE[:3]
"""The definite article in the nominative, that opens a sentence's subject („Der Konzern …“)."""

INDEFINITE_ARTICLES_DE: tuple[str, ...] = ("ein", "eine", "einen", "einem", "einer", "eines")
"""The German indefinite article in all its forms, the genitive eines last."""

EIN_FORMS_DE: tuple[str, ...] = INDEFINITE_ARTICLES_DE[:5]
"""The forms of ein that count one („vor einem Jahr“, „in einer Woche“) and link a noun to its value; the genitive
eines does neither."""

ARTICLES_EN: tuple[str, ...] = ("the",)
"""The English definite article."""

INDEFINITE_ARTICLES_EN: tuple[str, ...] = ("a", "an")
"""The English indefinite article, which counts one („a year ago“)."""

DEMONSTRATIVES_DE: tuple[str, ...] = ("dieser", "diese", "dieses")
"""German demonstratives in the nominative („Dieser Schritt …“)."""

DEMONSTRATIVE_PRONOUNS_DE: tuple[str, ...] = ("dies", *DEMONSTRATIVES_DE, *DER_FORMS_DE)
"""German words that stand for something named before („Dies zeigt …“, „Diese …“, „Das ist …“)."""

DEMONSTRATIVES_EN: tuple[str, ...] = ("this", "these")
"""English demonstratives."""

PERSONAL_PRONOUNS_DE: tuple[str, ...] = ("er", "sie", "es")
"""German third-person subject pronouns."""

ENTITY_PRONOUNS_DE: tuple[str, ...] = PERSONAL_PRONOUNS_DE[:2]
"""The pronouns that stand for a person or organisation named before (er, sie; es mostly opens „Es gibt …“)."""

PERSONAL_PRONOUNS_EN: tuple[str, ...] = ("he", "she", "it", "they")
"""English third-person subject pronouns."""

POSSESSIVES_DE: tuple[str, ...] = ("ihr", "ihre", "sein", "seine")
"""German third-person possessives (the forms that open a sentence's subject: „Seine Firma …“)."""

POSSESSIVES_EN: tuple[str, ...] = ("its", "their")
"""English third-person possessives."""

# --- adverbs and connectives ------------------------------------------------------------------------------------
POINTING_ADVERBS_DE: tuple[str, ...] = ("damit", "dabei", "davon", "dafür", "dort")
"""Adverbs that point back to what the sentence before named when they open a sentence („Damit …“, „Dort …“); after
the verb they often point forward to a dass-clause instead („Er rechnet damit, dass …“)."""

POINTING_ADVERBS_EN: tuple[str, ...] = ("there",)
"""English adverbs that point back when they open a sentence."""

CONNECTIVES_DE: tuple[str, ...] = (
    "dennoch",
    "trotzdem",
    "jedoch",
    "allerdings",
    "deshalb",
    "daher",
    "deswegen",
    "darum",
    "dadurch",
    "demnach",
    "somit",
    "folglich",
    "zudem",
    "außerdem",
    "ebenfalls",
)
"""German connective adverbs: they join their sentence to the one before, wherever they stand („Die KVB rechnet
dennoch mit …“)."""

CONNECTIVES_EN: tuple[str, ...] = ("nevertheless", "however", "therefore")
"""English connective adverbs."""

# --- prepositions and link words --------------------------------------------------------------------------------
PLACE_PREPOSITIONS_DE: tuple[str, ...] = (
    "in",
    "im",
    "nach",
    "aus",
    "bei",
    "an",
    "am",
    "auf",
    "vor",
    "von",
    "vom",
    "zwischen",
    "ins",
)
"""German prepositions a place name follows („in Ulm“, „aus dem Iran“, „nach Bad Ischl“)."""

PLACE_PREPOSITIONS_EN: tuple[str, ...] = ("near", "at", "from", "to", "into")
"""English prepositions a place name follows (in: see the German ones)."""

VALUE_LINK_WORDS_DE: frozenset[str] = frozenset(
    (
        *("von", "vom", "in", "im", "auf", "um", "über", "bei", "mit"),
        *(w.rstrip(".") for w in NUMBER_HEDGES_DE),
        *("zuletzt", "nun", "nur", "noch", "schon", "bereits", "erstmals", "jährlich", "zusammen", "demnach"),
        *("sich", "laut", "zufolge"),
        *EIN_FORMS_DE,
        *DER_FORMS_DE,
    )
)
"""Words that stand between a quantity noun and its number („ein Gewinn von rund …“, „Der Umsatz stieg auf …“,
„belief sich auf“, „laut …“): prepositions, hedges, adverbs and articles (no genitive: that names whose)."""

# --- questions --------------------------------------------------------------------------------------------------
QUESTION_WORDS_DE: tuple[str, ...] = (
    "wo",
    "wann",
    "wer",
    "wie",
    "was",
    "welche",
    "welcher",
    "welches",
    "welchem",
    "welchen",
    "warum",
    "wieso",
    "weshalb",
    "wieviel",
    "wieviele",
    "woher",
    "wohin",
    "wem",
    "wen",
    "wessen",
)
"""German question words."""

QUESTION_WORDS_EN: tuple[str, ...] = ("who", "what", "when", "where", "which", "why", "how")
"""English question words."""

QUESTION_FRAME_WORDS: tuple[str, ...] = (
    "viel",
    "viele",
    "many",
    "much",
    "gibt",
    "gab",
    "nennt",
    "genannt",
    "heißt",
    "heisst",
    "does",
    "did",
    "do",
)
"""Words that frame a question and name nothing it asks about: wie viel(e), how many/much, gibt es, wird genannt, wie
heißt; does, did, do."""
