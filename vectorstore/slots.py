"""What a question asks for, and where a sentence holds something of that kind (its answer slot fillers).

Answer kinds: number (wie viel/viele/hoch/lange/alt/groß/weit/schwer/stark/oft, um wie viel, welcher Anteil, um
welche Uhrzeit, how many/much/long/old...; the unit the wording implies: „Wie hoch ist die Arbeitslosenquote“ a
percentage, „… der Schaden“ money, „Wie viel Sendezeit“ a duration), date (wann, seit/bis/ab wann, in welchem
Jahr/Monat/Jahrzehnt, welcher Zeitraum, when, what year), place (wo,
woher, wohin, in welchem Land/welcher Stadt, where), name (wer/wem/wen/wessen, welcher Trainer..., who), reason
(warum/weshalb/wieso/weswegen/aus welchem Grund, why), role (was macht X beruflich, was ist X von Beruf, welchen
Beruf: a person noun after „als“ — „als Pressefotograf“), which (welche + a class noun: the focus) and other. The focus
also carries a date question's boundary (bis/seit/ab wann), a place question's class noun (Stadt: no country answers
it) and the noun of „Welche Art von X“ (a kind question, kind other); a which-question whose noun names a person
(is_person_noun: Trainer, Triathletin) is a name question.

Fillers are found with word boundaries (no "ein" inside "Einsatz", no "acht" inside "achten"): numbers written
with digits or as number words (simplemma's lemma table decides nothing here: number words are a closed class),
dates (years, day + month, month names including Austrian Jänner/Feber, weekdays, seasons, numeric dates; parts of
one date next to each other are one filler: „Herbst 1990“), places (a
preposition followed by a proper name: a capitalised word the German lemma table does not know, or a country
name from babel's German locale data), names (runs of capitalised words of which at least one is unknown to the
lemma table: „Andreas Mogensen“, „Gudrun Rabussay-Schwald“) and reason connectives (weil, da, denn, wegen,
aufgrund, um ... zu, because, due to ...).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache

from ingest.lexicon import (
    ARTICLES_EN,
    CARDINALS_DE,
    CARDINALS_EN,
    DEFINITE_ARTICLES_DE,
    DEMONSTRATIVES_DE,
    ENTITY_PRONOUNS_DE,
    FRACTIONS_DE,
    FRACTIONS_EN,
    MIXED_NUMBERS_DE,
    MONTHS,
    MULTIPLIERS_DE,
    MULTIPLIERS_EN,
    NOMINATIVE_ARTICLES_DE,
    NOT_DATES_IN_TEXT,
    NUMBER_HEDGES_DE,
    NUMBER_SUFFIXES_DE,
    PERCENT_WORDS,
    PLACE_PREPOSITIONS_DE,
    PLACE_PREPOSITIONS_EN,
    SCALE_ABBREVIATIONS_DE,
    SCALE_WORDS_DE,
    SCALE_WORDS_EN,
    SEASONS,
    UNITS_AGE,
    UNITS_AREA,
    UNITS_CLOCK,
    UNITS_DURATION,
    UNITS_FREQUENCY,
    UNITS_LENGTH,
    UNITS_MONEY,
    UNITS_PERCENT,
    UNITS_POWER,
    UNITS_SPEED,
    UNITS_TEMPERATURE,
    UNITS_WEIGHT,
    VALUE_LINK_WORDS_DE,
    WEEKDAYS,
)
from vectorstore.analysis import compound_parts


NUMBER, DATE, PLACE, NAME, REASON, WHICH, OTHER = "number", "date", "place", "name", "reason", "which", "other"
ROLE = "role"  # what a person does: „Was macht X beruflich?“ — „als Pressefotograf“

# also as a participle: „Wie viel hat der Umbau gekostet“, „… ausgezahlt“
_PAY_VERB = r"(?-i:(?:ge)?kost|(?:be|aus|ein|nach|zurück)?(?:ge)?zahl|hinbl(?:ä|ae)tter|blech|berapp|verdien)\w*\b"
_KIND_PATTERNS: list[tuple[str, re.Pattern]] = [
    (
        DATE,
        re.compile(
            r"^\W*(?:und\s+|aber\s+|seit\s+|bis\s+|ab\s+)?(?:wann|when)\b|\b(?:in|an|seit|bis|ab|zu|von)\s+"
            r"welche[mnrs]?\s+(?:jahr|jahrhundert|jahrzehnt|monat|tag|datum|zeitpunkt|zeitraum|woche|saison|jahreszeit|"
            r"epoche)\b|\b(?:what|which)\s+(?:year|month|day|date|century|decade)\b|"
            r"\bwelche[mnrs]?\s+(?:jahr|jahrhundert|jahrzehnt|datum|zeitpunkt|zeitraum|epoche)\b",
            re.I,
        ),
    ),
    (
        NUMBER,
        re.compile(
            r"\bwie\s*(?:viele?n?|hoch|lange?|alt|gro(?:ß|ss)|weit|schwer|stark|oft|häufig|teuer|schnell|"
            r"breit|tief|klein|kurz|dick|warm|kalt|umfangreich|nahe?|deutlich|knapp)\b|\bwieviele?n?\b|"
            r"\bum\s+wie\s*viel|"
            # „Was kostet …“, „Was muss Stenzel hinblättern?“: what is paid is an amount of money
            rf"^\W*(?:und\s+)?was\b[^?]*\b{_PAY_VERB}|"
            r"\bwelche[mnrs]?\s+(?:anteil|summe|betrag|höhe|zahl|anzahl|preis|wert|prozentsatz|umsatz|"
            r"gewinn|verlust|quote|rate|menge|gehalt|kosten|alter|dauer|länge|entfernung)\b|"
            r"\bhow\s+(?:many|much|long|old|big|large|high|far|often|tall|heavy|fast)\b|"
            r"\b(?:um|zu)\s+welche[rm]?\s+uhrzeit\b|\bat\s+what\s+time\b|"
            r"\bwhat\s+(?:percentage|share|number|amount|price|sum)\b",
            re.I,
        ),
    ),
    (
        PLACE,
        re.compile(
            r"^\W*(?:und\s+)?(?:wo|woher|wohin|where)\b|\b(?:in|aus|nach|an)\s+welche[mnrs]?\s+"
            # „in welcher österreichischen Stadt“, „in welchem US-Bundesstaat“
            r"(?:[a-zäöü]\w*\s+)?(?:[\w]+-)?(?:land|"
            r"stadt|ort|region|bundesland|staat|gemeinde|bezirk|hauptstadt|dorf|gegend|kontinent|"
            r"bundesstaat|provinz|stadtteil|gebäude|hotel|stadion|lokal)\b|"
            r"\b(?:which|what)\s+(?:\w+\s+)?(?:country|city|town|place|region|state)\b|\bwo\s",
            re.I,
        ),
    ),
    (
        REASON,
        re.compile(
            r"\b(?:warum|weshalb|wieso|weswegen|why)\b|\baus\s+welche[mnrs]?\s+grund\b|"
            r"\bwas\s+(?:ist|war|sind|waren)\s+de[rn]\s+grund\b",
            re.I,
        ),
    ),
    (
        ROLE,
        re.compile(
            r"\bberuflich\b|\bvon\s+beruf\b|\bwelchen\s+beruf\b|\bals\s+was\s+(?:arbeitet|arbeiten|arbeitete|ist|war)\b|"
            r"\bwhat\s+(?:does|did)\s+.+\s+do\s+for\s+a\s+living\b|\bprofession\b|\boccupation\b",
            re.I,
        ),
    ),
    (
        NAME,
        re.compile(
            r"^\W*(?:und\s+)?(?:wer|wem|wen|wessen|who|whom|whose)\b|\b(?:von|mit|für|an|gegen|bei|zu)\s+"
            r"(?:wem|wen)\b|\bby\s+whom\b",
            re.I,
        ),
    ),
]
_WHICH = re.compile(
    r"\b(?i:welche[mnrs]?)\s+(?:[a-zäöü][\w-]*\s+){0,2}([A-ZÄÖÜ][\w-]*)|"
    # „What did the court decide“, „What is the name …“: an auxiliary after „what“ names no class
    r"\b(?i:which|what)\s+(?!(?:is|are|was|were|did|does|do|has|have|had|will|would|can|could|should|the|a|an)\b)"
    r"([a-z][\w-]*)",
    re.U,
)
# „Wie heißt das Buch …“, „Wie lautet der Titel …“, „Wie hieß der Trainer …“ ask for a name, like „Welches Buch“
_CALLED = re.compile(
    r"^\W*(?i:wie)\s+(?i:heißt|heisst|hieß|hiess|heißen|hießen|lautet|lautete|lauten)\s+(?i:der|die|das|den|dem)\s+"
    r"(?:[a-zäöü][\w-]*\s+){0,2}([A-ZÄÖÜ][\w-]*)()",
    re.U,
)
_KIND_WORDS = {"art", "arten", "sorte", "sorten", "form", "formen", "typ", "typen", "kind", "type", "sort"}
_KIND_OF = re.compile(
    r"\s+(?i:von|der|des|of)\s+(?:(?i:einer|einem|eines|a|an)\s+)?(?:[a-zäöü][\w-]*e[mnrs]?\s+)?([A-ZÄÖÜa-z][\w-]*)"
)
_COUNT_NOUN = re.compile(r"\b(?:an)?zahl\b|\w+zahl(?:en)?\b|\bnumber\b", re.I)
_DATE_BOUND = re.compile(r"\b(seit|bis|ab|since|until|till)\s+(?:wann|when|welche[mnrs]?)\b", re.I)
_BOUND_WORDS = {"since": "seit", "until": "bis", "till": "bis"}
_PLACE_CLASS = re.compile(
    r"\b(?i:in|aus|nach|an)\s+(?i:welche[mnrs]?)\s+(?:[a-zäöü]\w*\s+)?([A-ZÄÖÜ][\w-]*)|"
    r"\b(?i:which|what)\s+(?:\w+\s+)?(country|city|town|place|region|state)\b",
    re.U,
)
_CITY_WORDS = ("stadt", "ort", "gemeinde", "dorf", "stadtteil", "bezirk", "city", "town")
_UNIT = re.compile(
    r"\b(?i:wie\s*viele?n?)\s+(?:([a-zäöüß]+e[nrs]?)\s+)?([A-ZÄÖÜ][\w-]*)|\b(?i:how\s+many)\s+()([a-z][\w-]*)", re.U
)


# nouns that name a person whatever their form (a feminine with -in is the test for the others, see is_person_noun)
_PERSON_WORD = re.compile(
    r"(?:mann|frau|leute|chef|chefin|boss|person|premier|tochter|sohn|mutter|vater|bruder|schwester|kind)$", re.I
)
_UMLAUT = str.maketrans("aouAOU", "äöüÄÖÜ")


def _known(word: str) -> bool:
    import simplemma

    return simplemma.is_known(word, lang="de")


@lru_cache(maxsize=10_000)
def is_person_noun(noun: str) -> bool:
    """A noun that names a person: it has a feminine form with -in that simplemma's German table knows (Trainer ->
    Trainerin, Arzt -> Ärztin; Triathletin is one), or so has its head („Schlagersänger“ -> Sängerin, „Ex-Nokia-Chef“,
    „Helferkoordinator“ -> Koordinatorin); not Element, Theater, Verlag, Computer (an ending such as -ent/-er/-or
    says little: Heizelement, Theater and Sektor have no Heizelementin). The feminine form needs its plural in -innen
    too: Termin, Benzin and Motor are no persons. Heads shorter than five letters count only as the whole word (no
    Zeugin inside „Werkzeug“)."""
    head = noun.split("-")[-1]
    if not head or not head[0].isalpha():
        return False
    if _PERSON_WORD.search(head):
        return True
    for i in [0, *range(1, len(head) - 4)]:
        tail = head[i].upper() + head[i + 1 :]
        if not _known(tail):
            continue
        if tail.endswith("in") and len(tail) > 5 and _feminine(tail):
            return True
        last = max(tail.rfind(v) for v in "aouAOU")
        umlaut = tail[:last] + tail[last].translate(_UMLAUT) + tail[last + 1 :] if last >= 0 else tail
        if _feminine(tail + "in") or _feminine(umlaut + "in"):
            return True
    return False


def _feminine(word: str) -> bool:
    """A feminine person noun in -in: simplemma knows it and its plural in -innen (Trainerin, Trainerinnen; not
    Termin, Benzin or a Motorin without Motorinnen)."""
    return _known(word) and _known(word + "nen")


@dataclass(frozen=True)
class AnswerKind:
    kind: str
    focus: str = ""  # the unit noun of a number question ("Wochen"), the class noun of a which-question ("Verlag")
    units: tuple[str, ...] = ()  # units the question's wording implies (wie lange -> Stunden, Tage, ...)
    # the specific quantity noun a number question asks about („Börsenwert“, „Umsatz“; not a generic „Summe“): a
    # number that belongs to another noun („Aktien im Wert von …“) does not answer it
    quantity: str = ""


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
    return any(len(f) >= 3 and f not in STOPWORDS and (_known(f.capitalize()) or _known(f + "en")) for f in forms)


def quantity_units(noun: str) -> tuple[str, ...] | None:
    """The unit words a quantity noun is measured in (() for a count), None when it is no quantity noun."""
    cls = quantity_class(noun)
    return None if cls is None else UNIT_CLASSES[cls]


_IMPLIED_UNITS: list[tuple[re.Pattern, tuple[str, ...]]] = [
    # „Wie viel Zeit bleibt …“, „Wie viel Sendezeit …“: a counted noun in -zeit asks for a duration
    (re.compile(r"\bwie\s+lange?\b|\bhow\s+long\b|^\w*(?:zeit|time)$", re.I), UNITS_DURATION),
    # „Ab welchem Alter darf man wählen“ asks for years too
    (
        re.compile(r"\bwie\s+alt\b|\bhow\s+old\b|\b(?:durchschnitts|renten|pensions|wahl)?alter\b|\bage\b", re.I),
        UNITS_AGE,
    ),
    (
        re.compile(
            # verbs in lower case only: „Zahl“ or „Anzahl“ ask for no money
            rf"\bwie\s+(?:teuer|viel\s+geld)|\b{_PAY_VERB}|\b(?:fordert|verlangt|verdien|investi|schadenersatz|"
            r"strafe|preis|\w*geh(?:a|ä)lt|\w*gage\b|\w*honorar|\w*l(?:o|ö)hn|miete|einkommen|budget|umsatz|gewinn|cost|pay|paid|spen[dt]|"
            # what is counted in money when „Wie hoch“ asks for it: „Wie hoch ist der Schaden“, „… sind die Schulden“
            r"earn|price|salary|fee|\w*schaden\b|\w*schäden|\w*kosten|\w*schulden|defizit|\w*summe|\w*betrag|\w*verlust|"
            r"ablöse|\w*prämie|vermögen|einnahmen|ausgaben|kredit|darlehen|\w*rente\b|\w*gebühr|entschädigung|"
            r"förderung|subvention|investition|debt|damage|loss|\w*geld\b|money|(?<![\w-])(?:euro|dollar|franken)s?(?![\w-]))",
            re.I,
        ),
        UNITS_MONEY,
    ),
    (
        re.compile(
            # also as the head of a compound: „Arbeitslosenquote“, „Inflationsrate“, „Marktanteil“, „Wahlbeteiligung“
            r"\bwie\s+(?:stark|deutlich|sehr)\b|\bum\s+wie\s*viel\b|anteil|prozent|quote|\w+(?:s|en|er)rate\b|\brate\b|(?:zins|steuer|leit)satz|"
            r"beteiligung|inflation|wachstum|arbeitslosigkeit|percent",
            re.I,
        ),
        UNITS_PERCENT,
    ),
    (re.compile(r"\bwie\s+(?:weit|lang|hoch|tief|breit|nahe?)\b|\bhow\s+(?:far|high|tall|deep)\b", re.I), UNITS_LENGTH),
    (re.compile(r"\bwie\s+schwer\b|\bhow\s+heavy\b", re.I), UNITS_WEIGHT),
    (re.compile(r"\bwie\s+(?:oft|häufig)\b|\bhow\s+often\b", re.I), UNITS_FREQUENCY),
    (re.compile(r"\bwie\s+schnell\b|\bhow\s+fast\b", re.I), UNITS_SPEED),
    (re.compile(r"\bwie\s+(?:warm|kalt|heiß|heiss)\b|\bhow\s+(?:warm|cold|hot)\b", re.I), UNITS_TEMPERATURE),
    # „Um welche Uhrzeit“ is asked like „Um wie viel Uhr“: a clock time is a number followed by „Uhr“
    (re.compile(r"\buhrzeit\b|\bwie\s*viel\s+uhr\b|\bwhat\s+time\b", re.I), UNITS_CLOCK),
]


_NOUN = re.compile(r"(?<![\w-])[A-ZÄÖÜ][\w-]*", re.U)


# quantity nouns that name no particular quantity: any money answers „Welche Summe“
GENERIC_QUANTITIES = frozenset({"summe", "betrag", "geld", "zahl", "anzahl", "menge", "wert"})


def _asked_quantity(question: str, focus: str) -> tuple[str, str] | None:
    """The quantity noun a number question asks about and its unit class: the counted noun when it names one, else
    the question's first quantity noun after its first word („Wie hoch ist der Börsenwert“); None: none."""
    nouns = [focus] if focus else [m.group() for m in _NOUN.finditer(question, 1)]
    for noun in nouns:
        if (cls := quantity_class(noun)) is not None:
            return noun, cls
    return None


def _specific(noun: str) -> str:
    return "" if noun.lower().split("-")[-1] in GENERIC_QUANTITIES else noun


def answer_kind(question: str) -> AnswerKind:
    """The kind of answer a (German or English) question asks for."""
    q = question.strip()
    for kind, pattern in _KIND_PATTERNS:
        if pattern.search(q):
            focus, units, quantity = "", (), ""
            if kind == NUMBER:
                # „Wie viele (neue) Mitarbeiter“ names the counted noun; „Wie viel zahlte Google“ does not
                if (m := _UNIT.search(q)) and not (m.group(1) and _is_verb(m.group(1))):
                    focus = m.group(2) or m.group(4) or ""
                # the counted noun, when the question names one, decides the unit: „Wie viel Schadenersatz“ asks for
                # money, „Wie viele Tote forderte …“ for a count (the verb „fordert“ implies no money then)
                # a quantity noun decides before the adjective: „Wie hoch ist der Börsenwert“ asks for money
                asked = _asked_quantity(q, focus)
                if asked is not None:
                    quantity, units = _specific(asked[0]), UNIT_CLASSES[asked[1]]
                else:
                    said = focus or q
                    units = tuple(u for pattern, words in _IMPLIED_UNITS if pattern.search(said) for u in words)
                    if set(units) & {"euro", "prozent"} or _COUNT_NOUN.search(q):
                        # „Wie hoch ist das Preisgeld“ asks for money, „Wie hoch ist die Zahl der Arten“ for a
                        # count: not for metres
                        units = tuple(u for u in units if u not in UNITS_LENGTH)
            elif kind == DATE and (m := _DATE_BOUND.search(q)):
                # „Bis wann …“ is answered by „bis Ende Jänner“, not by „seit September“
                focus = _BOUND_WORDS.get(m.group(1).lower(), m.group(1).lower())
            elif kind == PLACE and (m := _PLACE_CLASS.search(q)):
                focus = m.group(1) or m.group(2)  # „in welcher Stadt“ -> Stadt
            return AnswerKind(kind, focus, units, quantity)
    if m := _WHICH.search(q) or _CALLED.search(q):
        noun = m.group(1) or m.group(2)
        # „Welche Art von Stadt“, „Welche Form der Regierung“: the class is the noun after „Art von“
        if (k := _KIND_OF.match(q, m.end())) and noun.lower() in _KIND_WORDS:
            # … and its answer is a kind („eine multikulturelle Stadt“), not a name: no name slot, the noun as focus
            return AnswerKind(OTHER, k.group(1))
        # „Welche Triathletin“, „Welcher Ex-Nokia-Chef“, „Welcher Schlagersänger“ ask for a person („Welchen anderen
        # Namen hat der Raum“ asks for a term: tried as a name question, XQuAD-de lost one)
        if is_person_noun(noun):
            return AnswerKind(NAME, noun)
        # „Welches Budget“, „Welche Leistung“, „Welcher Marktanteil“: a quantity noun asks for a number in its unit
        if (units := quantity_units(noun)) is not None:
            return AnswerKind(NUMBER, "", units, _specific(noun))
        return AnswerKind(WHICH, noun)
    return AnswerKind(OTHER)


# --- fillers -------------------------------------------------------------------------------------------------
def _alternation(words) -> str:
    """A regex alternation of words (from ingest/lexicon.py), the longest first."""
    return "|".join(re.escape(w) for w in sorted(dict.fromkeys(words), key=len, reverse=True))


# number words (ingest/lexicon.py): a German number is written in one word of its parts („dreiundzwanzig“,
# „zweieinhalb“) and may end in -mal/-fach/-stellig; ein alone is the article, no number
_NUMBER_PARTS = _alternation((*CARDINALS_DE, "und", *MIXED_NUMBERS_DE))
_NUMBER_HEADS = _alternation((*(w for w in CARDINALS_DE if w != "ein"), *MIXED_NUMBERS_DE))
_NUMBER_WORD = re.compile(
    rf"(?:{_NUMBER_PARTS})*(?:{_NUMBER_HEADS})(?:{_alternation(NUMBER_SUFFIXES_DE)})?|"
    + _alternation(
        (
            *MULTIPLIERS_DE,
            *SCALE_WORDS_DE,
            *FRACTIONS_DE,
            *PERCENT_WORDS,
            *CARDINALS_EN,
            *SCALE_WORDS_EN,
            *FRACTIONS_EN,
            *MULTIPLIERS_EN,
        )
    ),
    re.I,
)
# words that scale the number before them (a number span takes them: „fünf Millionen“, „15,5 Mio. Euro“)
SCALE_WORD = re.compile(_alternation((*SCALE_WORDS_DE, *SCALE_ABBREVIATIONS_DE)), re.I)
_NUMBER_TOKEN = re.compile(r"\d+(?:[.,:]\d+)*(?:\s?%)?|[^\W\d_]+", re.U)
# month, weekday and season words in running text (ingest/lexicon.py), without those that are other words too
_MONTH_WORDS = tuple(w for w in MONTHS if w not in NOT_DATES_IN_TEXT)
_MONTHS = _alternation(_MONTH_WORDS)
_WEEKDAYS = _alternation(WEEKDAYS)
_SEASONS = _alternation(w for w in SEASONS if w not in NOT_DATES_IN_TEXT)
# words that measure what their number counts (time, money, distance, weight, speed, temperature, clock time):
# „21.45 Uhr“ or „drei Tagen“ count no spectators (percentages may: „62 Prozent der Wähler“), nor does the day of a
# date („2. Jänner“)
MEASURES = (
    UNITS_DURATION
    + UNITS_MONEY
    + UNITS_LENGTH
    + UNITS_WEIGHT
    + UNITS_SPEED
    + UNITS_TEMPERATURE
    + UNITS_CLOCK
    + _MONTH_WORDS
)
_DATE = re.compile(
    rf"\b\d{{1,2}}\.\s?(?:{_MONTHS})\.?(?:\s+\d{{4}})?\b|\b(?:{_MONTHS})\s+\d{{4}}\b|\b\d{{1,2}}\.\s?\d{{1,2}}\.(?:\s?\d{{2,4}})?|"
    rf"\b(?:{_MONTHS})\b|\b(?:{_WEEKDAYS})\b|\b(?:1[5-9]\d\d|20\d\d)(?:er)?\b|\b\d{{1,2}}\.\s?jahrhundert\b|"
    rf"\b(?:vorjahr|vormonat|vorwoche|wochenende|gestern|heute|morgen|anfang|ende|mitte|{_SEASONS})\b",
    re.I,
)
_REASON = re.compile(
    r"\b(?:weil|da|denn|wegen|aufgrund|auf\s+grund|angesichts|infolge|grund|gründe|deshalb|daher|"
    r"darum|deswegen|weshalb|sodass|damit|um\b[^.]{1,80}\bzu|because|due\s+to|since|as\s+a\s+result|"
    r"owing|reason)\b",
    re.I,
)


@lru_cache(maxsize=1)
def _country_names() -> frozenset[str]:
    """German and English country names (babel's CLDR locale data, in its wheel)."""
    try:
        from babel import Locale
    except ImportError:  # pragma: no cover - babel is a dependency
        return frozenset()
    names: set[str] = set()
    for loc in ("de", "de_AT", "en"):
        names.update(n for n in Locale.parse(loc).territories.values() if n and n[0].isupper())
    return frozenset(names)


@lru_cache(maxsize=1)
def _english_to_german_countries() -> tuple[re.Pattern, dict[str, str]]:
    from babel import Locale

    en, de = Locale.parse("en").territories, Locale.parse("de").territories
    names = {en[c]: de[c] for c in en if c in de and c.isalpha() and en[c] != de[c] and en[c][0].isupper()}
    longest_first = sorted(names, key=len, reverse=True)
    return re.compile(r"\b(" + "|".join(re.escape(n) for n in longest_first) + r")(?:['’]s)?\b"), names


def german_country_names(text: str) -> list[str]:
    """The German names of the English country names in a text („Austria's“ -> Österreich; babel's CLDR data): an
    English question over German articles finds them by their German name."""
    pattern, names = _english_to_german_countries()
    return list(dict.fromkeys(names[m.group(1)] for m in pattern.finditer(text)))


def with_german_names(text: str, language: str) -> str:
    """A question in another language than German with the German names of its countries added (the one rule for
    the first stage, the evidence stage and the reader; adding twice adds nothing)."""
    if language == "de":
        return text
    names = [n for n in german_country_names(text) if n not in text.split()]
    return " ".join([text, *names]) if names else text


def is_country(name: str) -> bool:
    """The name of a country (babel's German and English names: „Marokko“, „Syrien“, „Austria“)."""
    return name.strip(".-'’") in _country_names()


def asks_city(kind: AnswerKind) -> bool:
    """A place question whose class noun is a town or part of one („in welcher Stadt“, „in welchem Ort“,
    „which city“): a country name is no answer to it."""
    return kind.kind == PLACE and kind.focus.lower().endswith(_CITY_WORDS)


_TAGGER = None
_TAGGER_LOCK = threading.Lock()


def _tagger():
    """HanTa's German tagger (LGPL; its model ships in the wheel), loaded on first use (~0.3 s)."""
    global _TAGGER
    if _TAGGER is None:
        with _TAGGER_LOCK:
            if _TAGGER is None:
                from HanTa import HanoverTagger

                _TAGGER = HanoverTagger.HanoverTagger("morphmodel_ger.pgz")
    return _TAGGER


NE_MARGIN = 3.0  # a word is a name when HanTa's NE reading is within this log-probability of its best reading


@lru_cache(maxsize=200_000)
def is_proper(word: str) -> bool:
    """A capitalised word that is a proper name (person, place, organisation): an acronym, a country name (babel's
    CLDR data); a word of simplemma's German table that HanTa's lexicon reads as a name (NE) about as readily as
    anything else (Ulm, Andreas, Merkel); a word the table does not know and that is no compound of words it knows
    (Mogensen, Stenzel, Scorsese); or one that is such a compound but that HanTa reads as a name (Mariazell — but not
    Klimaschutzgesetz, Akkulaufzeit)."""
    word = word.strip(".-'’")
    if len(word) < 2 or not word[0].isupper():
        return False
    if word in _country_names() or (word.isupper() and word.isalpha()):
        return True
    import simplemma

    parts = [p for p in word.split("-") if p]
    if len(parts) > 1:
        return any(is_proper(p) for p in parts if p[0].isupper())
    if not simplemma.is_known(word, lang="de") and (not word.isalpha() or not compound_parts(word)):
        return True
    return _reads_as_name(word)


def _reads_as_name(word: str) -> bool:
    """HanTa reads the word as a name (NE) about as readily as anything else. A look-up for the words of its corpus;
    for others its guesser costs a few milliseconds, remembered per word (is_proper's cache). Tried and left out:
    asking the guesser only after a place preposition, or skipping it for compounds HanTa never saw — a cold ask on
    news-de 846 -> 659 ms, but XQuAD-de answer_contains 0.752 -> 0.748 (news-de unchanged)."""
    readings = _tagger().tag_word(word)
    if not readings:
        return False
    best = float(readings[0][1])
    return any(tag == "NE" and float(lp) >= best - NE_MARGIN for tag, lp in readings[:3])


@lru_cache(maxsize=10_000)
def _is_verb(word: str) -> bool:
    """HanTa's best reading of the word is a verb form („zahlte“, „kostet“; not „neue“, „mutmaßliche“)."""
    readings = _tagger().tag_word(word)
    return bool(readings) and readings[0][0].startswith(("VV", "VA", "VM"))


def _unknown(word: str) -> bool:
    word = word.strip(".-'’")
    return word.isalpha() and not _known(word)


_CAP_WORD = re.compile(r"[A-ZÄÖÜ][\w'’\-]*\w|[A-ZÄÖÜ]", re.U)
_PLACE_PREPS = frozenset((*PLACE_PREPOSITIONS_DE, *PLACE_PREPOSITIONS_EN))
_ARTICLES = frozenset((*DEFINITE_ARTICLES_DE, *ARTICLES_EN))


def _cap_runs(piece: str) -> list[list[tuple[int, int]]]:
    """Runs of capitalised words separated by single spaces (word offsets); the sentence's first word only when it is
    itself a name."""
    runs: list[list[tuple[int, int]]] = []
    first = _first_word(piece)
    for m in _CAP_WORD.finditer(piece):
        if m.start() > 0 and (piece[m.start() - 1].isalnum() or piece[m.start() - 1] in "-_"):
            continue
        if runs and piece[runs[-1][-1][1] : m.start()] == " ":
            runs[-1].append((m.start(), m.end()))
        else:
            runs.append([(m.start(), m.end())])
    out = []
    for run in runs:
        if run[0][0] == first and not is_proper(piece[run[0][0] : run[0][1]]):
            run = run[1:]
        if run:
            out.append(run)
    return out


def _name_runs(piece: str) -> list[tuple[int, int]]:
    """Runs of capitalised words that hold at least one proper name, from the first name to the last."""
    out = []
    for run in _cap_runs(piece):
        names = [i for i, (s, e) in enumerate(run) if is_proper(piece[s:e])]
        if names:
            last = names[-1]
            # a word the lemma table does not know after a name is its surname („Florian Silbereisen“), even
            # when it reads as a compound of known words
            while last + 1 < len(run) and _unknown(piece[run[last + 1][0] : run[last + 1][1]]):
                last += 1
            out.append((run[names[0]][0], run[last][1]))
    return out


def is_named_compound(word: str) -> bool:
    """A hyphenated common noun with a name in front: a German compound is what its last part is, so „Sachsen-Tatort“,
    „Volvo-Chef“, „ÖVP-Kandidatin“ name no one, while „Heinz-Christian“, „Ferrero-Waldner“ and „Al-Nusra-Front“ (two
    names in front) do."""
    parts = [p for p in word.strip(".-'’").split("-") if p]
    if len(parts) < 2 or not parts[-1][0].isupper():
        return False
    proper = [is_proper(p) for p in parts]
    return not proper[-1] and sum(proper) < 2


# „Berlin – “, „Wien (APA) – “: the dateline that opens a news article names where it was written, not a person
_DATELINE = re.compile(r"\s*(?:\([^)]{1,20}\)\s*)?[–—-]\s")


def _person_runs(piece: str) -> list[tuple[int, int]]:
    """Name runs that can name a person or organisation: without a dateline and without the leading or trailing
    compounds of a name and a common noun („ÖVP-Chef Reinhold Mitterlehner“ -> „Reinhold Mitterlehner“)."""
    out = []
    for s, e in _name_runs(piece):
        if s == _first_word(piece) and _DATELINE.match(piece, e):
            continue
        words = [(m.start() + s, m.end() + s) for m in re.finditer(r"\S+", piece[s:e])]
        while words and is_named_compound(piece[words[0][0] : words[0][1]]):
            words.pop(0)
        while words and is_named_compound(piece[words[-1][0] : words[-1][1]]):
            words.pop()
        if words:
            out.append((words[0][0], words[-1][1]))
    return out


def _place_spans(piece: str) -> list[tuple[int, int]]:
    """Names that follow a place preposition („in Ulm“, „aus dem Iran“, „nach Bad Ischl“, „in der Hafenstadt
    Mohammedia“) and country names anywhere („darf Südafrika nicht verlassen“)."""
    out = []
    countries = _country_names()
    for run in _cap_runs(piece):
        before = piece[max(0, run[0][0] - 30) : run[0][0]].split()
        while before and before[-1].lower() in _ARTICLES:
            before.pop()
        if before and before[-1].lower() in _PLACE_PREPS:
            names = [i for i, (s, e) in enumerate(run) if is_proper(piece[s:e])]
            if names:
                out.append((run[names[0]][0], run[names[-1]][1]))
                continue
        out.extend((s, e) for s, e in run if piece[s:e].strip(".-'’") in countries)
    return out


def _number_spans(text: str) -> list[tuple[int, int]]:
    """Numbers in digits or words; digits glued to letters name a thing, not a quantity („Galaxy S6“, „U6“), and
    numbers next to each other are one („fünf Millionen“, „15,5 Millionen“)."""
    out: list[tuple[int, int]] = []
    for m in _NUMBER_TOKEN.finditer(text):
        tok = m.group()
        if tok[0].isdigit() and (
            (m.start() > 0 and text[m.start() - 1].isalpha()) or text[m.end() : m.end() + 1].isupper()
        ):  # „U6“, „Galaxy S6“ and „3D-Druck“, „5G“, „4K“ name things
            continue
        if tok[0].isdigit() or _NUMBER_WORD.fullmatch(tok):
            if out and text[out[-1][1] : m.start()] == " " and SCALE_WORD.fullmatch(tok):
                out[-1] = (out[-1][0], m.end())
            else:
                out.append((m.start(), m.end()))
    return out


def fillers(text: str, kind: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Character spans in text[start:end] (offsets into `text`) that could fill an answer of this kind."""
    end = len(text) if end is None else end
    return [(s + start, e + start) for s, e in _fillers(text[start:end], kind)]


@lru_cache(maxsize=100_000)
def _fillers(piece: str, kind: str) -> tuple[tuple[int, int], ...]:
    """fillers() of one sentence, remembered (the same passages come back question after question)."""
    spans: list[tuple[int, int]] = []
    if kind == NUMBER:
        spans = _number_spans(piece)
    elif kind == DATE:  # parts of one date next to each other are one: „Ende Jänner“, „Herbst 1990“
        for m in _DATE.finditer(piece):
            if spans and piece[spans[-1][1] : m.start()] in (" ", " des Jahres "):
                spans[-1] = (spans[-1][0], m.end())
            else:
                spans.append((m.start(), m.end()))
    elif kind == PLACE:
        spans = _place_spans(piece)
    elif kind == NAME:
        spans = _person_runs(piece)
    elif kind == WHICH:  # „Welcher Chip“ -> „Snapdragon-810-Chip“: a name, also in front of a common noun
        spans = _name_runs(piece)
    elif kind == REASON:
        spans = [(m.start(), m.end()) for m in _REASON.finditer(piece)]
    elif kind == ROLE:  # „als Pressefotograf“, „ist von Beruf Lehrerin“: a person noun after als / von Beruf
        spans = [m.span(1) for m in _ROLE.finditer(piece) if is_person_noun(m.group(1))]
    return tuple(spans)


_ROLE = re.compile(r"\b(?:als|von\s+Beruf|works\s+as\s+an?)\s+(?:[a-zäöü][\w-]*\s+)?([A-ZÄÖÜ][\w-]+)", re.U)


def _first_word(piece: str) -> int:
    m = re.search(r"\w", piece)
    return m.start() if m else 0


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


# --- who „er“ and „das Unternehmen“ are ------------------------------------------------------------------------
# class nouns a definite description of an organisation or a person opens with („Das Unternehmen“, „Der Konzern“)
_REFERRING_NOUNS = frozenset(
    "unternehmen konzern firma start-up startup hersteller anbieter gruppe holding verein klub club partei bank "
    "sender verlag label autobauer händler betreiber mannschaft team gerät smartphone".split()
)
_SUBJECT_PRONOUNS = frozenset(ENTITY_PRONOUNS_DE)
_DEFINITE = frozenset((*NOMINATIVE_ARTICLES_DE, *DEMONSTRATIVES_DE))
_AGED = re.compile(r"\d+-[jJ]ährige[rn]?")


def anaphoric_subject(sentence: str) -> bool:
    """The sentence opens with a subject that points back to an entity named before it: „Er“, „Sie“, or a definite
    description — „Das Unternehmen“, „Der Konzern“, „Die 31-Jährige“, „Der Trainer“ (an article with a class noun of
    an organisation, a person noun or an age)."""
    words = sentence.split(maxsplit=3)
    if not words:
        return False
    first = words[0].strip("„“\"'(").lower()
    if first in _SUBJECT_PRONOUNS:
        return True
    if first not in _DEFINITE or len(words) < 2:
        return False
    noun = words[1].strip(".,;:!?„“\"'()")
    if not noun[:1].isupper() and not _AGED.fullmatch(noun):
        return False
    if len(words) > 2 and words[2][:1].isupper() and is_proper(words[2].strip(".,;:!?„“\"'()")):
        return False  # an apposition names the entity here: „Der 21-jährige Otto Warmbier“, „Das Start-up Nordstern“
    return (
        noun.lower() in _REFERRING_NOUNS
        or bool(_AGED.fullmatch(noun))
        or (not is_proper(noun) and is_person_noun(noun))
    )
