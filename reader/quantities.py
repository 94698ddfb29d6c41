"""Quantity nouns and their units, and whose number a number is („Der Umsatz stieg auf …“ is no answer to „Wie
hoch ist der Gewinn“)."""

from __future__ import annotations


import re
from functools import lru_cache


from ingest.lexicon import (
    NUMBER_HEDGES_DE,
    UNITS_AREA,
    UNITS_DURATION,
    UNITS_LENGTH,
    UNITS_MONEY,
    UNITS_PERCENT,
    UNITS_POWER,
    UNITS_SPEED,
    UNITS_TEMPERATURE,
    UNITS_WEIGHT,
    VALUE_LINK_WORDS_DE,
)
from reader.names import known


COUNT = "count"  # a quantity without a unit: a count („Auflage“, „Anzahl“)

# Quantity nouns and the unit class they are measured in (issue 30): a question about one asks for a number in its
# unit whatever adjective asks it („Wie hoch ist der Börsenwert“ wants money, not metres; „Welches Budget“,
# „Welche Leistung“ are number questions). A compound is what its head is („Arbeitslosenquote“ -> quote,
# „Baukosten“ -> kosten); rows marked whole-word only are not heads (a „Grenzwert“ is no money).
QUANTITY_NOUNS: dict[str, tuple[str, ...]] = {
    "money": (
        "summe",
        "betrag",
        "budget",
        "etat",
        "preis",
        "kosten",
        "umsatz",
        "umsätze",
        "gewinn",
        "verlust",
        "schulden",
        "schaden",
        "schäden",
        "gehalt",
        "gehälter",
        "lohn",
        "löhne",
        "miete",
        "einnahmen",
        "ausgaben",
        "investition",
        "förderung",
        "gage",
        "honorar",
        "prämie",
        "ablöse",
        "vermögen",
        "kredit",
        "darlehen",
        "defizit",
        "rente",
        "gebühr",
        "entschädigung",
        "subvention",
        "schadenersatz",
        "einkommen",
        "erlös",
        "börsenwert",
        "marktwert",
        "firmenwert",
        "unternehmenswert",
        "wert",
        "bewertung",
        "kapital",
        "kaufpreis",
        "verkaufspreis",
        "strompreis",
        "ölpreis",
        "gaspreis",
        "benzinpreis",
        "mietpreis",
        "ticketpreis",
        "aktienkurs",
        "geld",
    ),
    "percent": (
        "anteil",
        "quote",
        "rate",
        "prozentsatz",
        "beteiligung",
        "inflation",
        "zinssatz",
        "leitzins",
        "wachstum",
        "arbeitslosigkeit",
        "zustimmung",
    ),
    "area": ("fläche",),
    "power": ("leistung", "motorleistung", "nennleistung", "ladeleistung", "kraftwerksleistung"),
    "weight": ("gewicht",),
    "length": ("länge", "tiefe", "breite", "entfernung", "distanz", "strecke", "reichweite", "durchmesser", "abstand"),
    "temperature": ("temperatur",),
    "speed": ("geschwindigkeit", "tempo"),
    "duration": ("dauer", "laufzeit", "amtszeit", "bauzeit", "spielzeit", "sendezeit", "haftdauer"),
    COUNT: ("zahl", "anzahl", "menge", "auflage", "stückzahl"),
}
# heads that name other things in many compounds (Grenzwert, Nobelpreis, Dienstleistung): only the word itself and
# the compounds listed in the table
_WHOLE_WORD_ONLY = frozenset({"wert", "preis", "leistung"})
UNIT_CLASSES: dict[str, tuple[str, ...]] = {
    "money": UNITS_MONEY,
    "percent": UNITS_PERCENT,
    "area": UNITS_AREA,
    "power": UNITS_POWER,
    "weight": UNITS_WEIGHT,
    "length": UNITS_LENGTH,
    "temperature": UNITS_TEMPERATURE,
    "speed": UNITS_SPEED,
    "duration": UNITS_DURATION,
    COUNT: (),
}
_QUANTITY_CLASS = {noun: cls for cls, nouns in QUANTITY_NOUNS.items() for noun in nouns}


@lru_cache(maxsize=10_000)
def quantity_class(noun: str) -> str | None:
    """The unit class of a quantity noun („Börsenwert“ -> money, „Inflationsrate“ -> percent, „Auflage“ -> count),
    by the whole word or its compound head (a head after at least three letters: no „rate“ in „Karate“); plural
    endings are tried off. None: no quantity noun."""
    word = noun.lower().strip(".,;:!?\"'()").split("-")[-1]
    for form in dict.fromkeys((word, *(word[: -len(e)] for e in ("en", "n", "e", "s") if word.endswith(e)))):
        if form in _QUANTITY_CLASS:
            return _QUANTITY_CLASS[form]
        for i in range(3, len(form) - 3):
            head = form[i:]
            if head in _QUANTITY_CLASS and head not in _WHOLE_WORD_ONLY and _modifier(form[:i]):
                return _QUANTITY_CLASS[head]
    return None


def _modifier(prefix: str) -> bool:
    """The front of a compound is a word of its own, maybe with a linking element („Inflation-s-rate“,
    „Arbeitslose-n-quote“, „Börse-n-wert“): no „Inse-rate“."""
    from vectorstore.analysis import STOPWORDS

    forms = [prefix] + [prefix[: -len(e)] for e in ("s", "es", "n", "en", "e", "er") if prefix.endswith(e)]
    # a noun („Börse“) or a verb stem („Einschalt-quote“, „Lade-leistung“); no function word („ins“)
    return any(len(f) >= 3 and f not in STOPWORDS and (known(f.capitalize()) or known(f + "en")) for f in forms)


def quantity_units(noun: str) -> tuple[str, ...] | None:
    """The unit words a quantity noun is measured in (() for a count), None when it is no quantity noun."""
    cls = quantity_class(noun)
    return None if cls is None else UNIT_CLASSES[cls]


_NOUN = re.compile(r"(?<![\w-])[A-ZÄÖÜ][\w-]*", re.U)


# quantity nouns that name no particular quantity: any money answers „Welche Summe“
GENERIC_QUANTITIES = frozenset({"summe", "betrag", "geld", "zahl", "anzahl", "menge", "wert"})


def asked_quantity(question: str, focus: str) -> tuple[str, str] | None:
    """The quantity noun a number question asks about and its unit class: the counted noun when it names one, else
    the question's first quantity noun after its first word („Wie hoch ist der Börsenwert“); None: none."""
    nouns = [focus] if focus else [m.group() for m in _NOUN.finditer(question, 1)]
    for noun in nouns:
        if (cls := quantity_class(noun)) is not None:
            return noun, cls
    return None


def specific(noun: str) -> str:
    return "" if noun.lower().split("-")[-1] in GENERIC_QUANTITIES else noun


# --- whose number a number is ----------------------------------------------------------------------------------
# between a quantity noun and its number: „ein Gewinn von rund …“, „Der Umsatz stieg auf …“, „belief sich auf“
_LINK_WORDS = VALUE_LINK_WORDS_DE
# verbs that state a quantity's value: „Der Umsatz stieg auf“, „Die Kosten betragen“, „Der Schaden liegt bei“
_VALUE_VERB = re.compile(
    r"(?:ge)?(?:stieg|steig|sank|sink|sunk|lag|lieg|betr(?:u|a|ä)g|belief|beläuf|belauf|erreich|wuchs|wächs|wachs|fiel|fäll|"
    r"fall|kletter|leg|summier|erhöh|verdoppel|verringer|schrumpf|addier)\w*",
    re.I,
)
# „Aktien im Wert von …“, „Investitionen in Höhe von …“: the amount of the noun before them
_AMOUNT_OF = re.compile(
    r"\b(?:im\s+(?:Wert|Umfang)|in\s+(?:Höhe|Hoehe))\s+von(?:\s+(?:"
    + "|".join(re.escape(w) for w in NUMBER_HEDGES_DE)
    + r"))*\s*$",
    re.U,
)
_WORD = re.compile(r"[\w][\w-]*", re.U)


def quantity_head(sentence: str, start: int) -> tuple[str, bool] | None:
    """The noun a number at `start` of the sentence is the value of, read leftwards over linking words and one
    value verb (a genitive is skipped: „Der Umsatz des Konzerns stieg auf“ -> Umsatz): (noun, explicit) where
    explicit means „im Wert von“ / „in Höhe von“ said so; None when no noun governs it within six words."""
    before = sentence[:start]
    explicit = bool(_AMOUNT_OF.search(before))
    words = _WORD.findall(before)[-8:]
    verbs = 0
    i = len(words) - 1
    while i >= 0 and len(words) - i <= 7:
        w = words[i]
        low = w.lower()
        if low in _LINK_WORDS or (explicit and low in ("wert", "umfang", "höhe", "hoehe")):
            i -= 1
            continue
        if w[0].islower() and _VALUE_VERB.fullmatch(w) and not verbs:
            verbs += 1
            i -= 1
            continue
        if not w[0].isupper() or w[0].isdigit():
            return None
        # „Der Umsatz des Konzerns“: the genitive names whose; the noun before it is the quantity
        if i >= 2 and words[i - 1].lower() in ("des", "der") and words[i - 2][:1].isupper():
            w = words[i - 2]
        return w, explicit
    return None


def _plain(noun: str) -> str:
    word = noun.lower().split("-")[-1]
    for e in ("en", "n", "e", "s"):
        if word.endswith(e) and len(word) - len(e) >= 4:
            return word[: -len(e)]
    return word


def same_quantity(noun: str, asked: str) -> bool:
    """The noun is the asked quantity noun, an inflection of it, or one is the compound head of the other
    („Jahresumsatz“ ~ „Umsatz“)."""
    a, b = _plain(noun), _plain(asked)
    return a == b or (min(len(a), len(b)) >= 4 and (a.endswith(b) or b.endswith(a)))


def belongs_to_other(sentence: str, start: int, asked: str) -> bool:
    """A number that is the value of another noun than the asked quantity: of another quantity noun („Der Umsatz
    stieg auf …“ for „Wie hoch ist der Gewinn“), or stated as the amount of another noun („Aktien im Wert von …“
    for „Wie hoch ist der Börsenwert“). A number no noun governs may belong to the asked one."""
    if not asked:
        return False
    head = quantity_head(sentence, start)
    if head is None:
        return False
    noun, explicit = head
    if same_quantity(noun, asked):
        return False
    return explicit or quantity_class(noun) is not None
