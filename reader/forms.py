from __future__ import annotations


import re


from ingest.lexicon import (
    UNITS_AGE,
    UNITS_CLOCK,
    UNITS_DURATION,
    UNITS_FREQUENCY,
    UNITS_LENGTH,
    UNITS_MONEY,
    UNITS_PERCENT,
    UNITS_SPEED,
    UNITS_TEMPERATURE,
    UNITS_WEIGHT,
)
from reader.names import is_person_noun, is_verb
from reader.kinds import DATE, NAME, NUMBER, OTHER, PLACE, REASON, ROLE, WHICH, AnswerKind
from reader.quantities import UNIT_CLASSES, asked_quantity, specific, quantity_units


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


def answer_kind(question: str) -> AnswerKind:
    """The kind of answer a (German or English) question asks for."""
    q = question.strip()
    for kind, pattern in _KIND_PATTERNS:
        if pattern.search(q):
            focus, units, quantity = "", (), ""
            if kind == NUMBER:
                # „Wie viele (neue) Mitarbeiter“ names the counted noun; „Wie viel zahlte Google“ does not
                if (m := _UNIT.search(q)) and not (m.group(1) and is_verb(m.group(1))):
                    focus = m.group(2) or m.group(4) or ""
                # the counted noun, when the question names one, decides the unit: „Wie viel Schadenersatz“ asks for
                # money, „Wie viele Tote forderte …“ for a count (the verb „fordert“ implies no money then)
                # a quantity noun decides before the adjective: „Wie hoch ist der Börsenwert“ asks for money
                asked = asked_quantity(q, focus)
                if asked is not None:
                    quantity, units = specific(asked[0]), UNIT_CLASSES[asked[1]]
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
            return AnswerKind(NUMBER, "", units, specific(noun))
        return AnswerKind(WHICH, noun)
    return AnswerKind(OTHER)


def asks_city(kind: AnswerKind) -> bool:
    """A place question whose class noun is a town or part of one („in welcher Stadt“, „in welchem Ort“,
    „which city“): a country name is no answer to it."""
    return kind.kind == PLACE and kind.focus.lower().endswith(_CITY_WORDS)
