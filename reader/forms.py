from __future__ import annotations


import re
from dataclasses import dataclass
from functools import lru_cache


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


@dataclass(frozen=True)
class Form:
    """One way of asking for an answer kind: a row of the question-form table.

    `trigger` is a case-insensitive regular expression searched in the question; `focus` names the rule that finds
    the focus (FOCUS_RULES: the counted noun, the boundary of a date, the class noun of a place, the noun of a
    which-question); `examples` are (question, kind, focus) as answer_kind must read them — tests/test_question_forms.py
    runs every one."""

    kind: str
    language: str
    trigger: str
    focus: str = ""
    examples: tuple[tuple[str, str, str], ...] = ()
    case: bool = False  # the trigger tells nouns by their capital letter: not case-insensitive as a whole

    @property
    def pattern(self) -> re.Pattern:
        return _compiled(self.trigger, self.case)


@lru_cache(maxsize=None)
def _compiled(trigger: str, case: bool) -> re.Pattern:
    return re.compile(trigger) if case else re.compile(trigger, re.I)


# The question forms, in order: the first row whose trigger is found decides the kind (a date form before a number
# form: „Seit wann …“; a number form before a place form: „Wie weit ist es nach Wien“). Rows of one kind are
# alternatives. A question no row matches is read by the which-forms (WHICH_FORMS), else its kind is OTHER.
FORMS: tuple[Form, ...] = (
    Form(
        DATE,
        "de",
        r"^\W*(?:und\s+|aber\s+|seit\s+|bis\s+|ab\s+)?wann\b",
        "bound",
        (
            ("Wann eröffnet das Museum?", DATE, ""),
            ("Seit wann gilt das Gesetz?", DATE, "seit"),
            ("Bis wann läuft der Vertrag?", DATE, "bis"),
        ),
    ),
    Form(
        DATE,
        "en",
        r"^\W*(?:und\s+|aber\s+|seit\s+|bis\s+|ab\s+)?when\b",
        "bound",
        (("When did the strike end?", DATE, ""),),
    ),
    Form(
        DATE,
        "de",
        r"\b(?:in|an|seit|bis|ab|zu|von)\s+welche[mnrs]?\s+(?:jahr|jahrhundert|jahrzehnt|monat|tag|datum|"
        r"zeitpunkt|zeitraum|woche|saison|jahreszeit|epoche)\b",
        "bound",
        (
            ("In welchem Jahr wurde die Firma gegründet?", DATE, ""),
            ("Ab welchem Tag gilt die Regel?", DATE, "ab"),
            ("In welchem Jahrzehnt begann der Umbau?", DATE, ""),
        ),
    ),
    Form(
        DATE,
        "en",
        r"\b(?:what|which)\s+(?:year|month|day|date|century|decade)\b",
        "bound",
        (("In what year was the bridge opened?", DATE, ""),),
    ),
    Form(
        DATE,
        "de",
        r"\bwelche[mnrs]?\s+(?:jahr|jahrhundert|jahrzehnt|datum|zeitpunkt|zeitraum|epoche)\b",
        "bound",
        (("Welcher Zeitraum gilt als Spätmittelalter?", DATE, ""),),
    ),
    Form(
        NUMBER,
        "de",
        r"\bwie\s*(?:viele?n?|hoch|lange?|alt|gro(?:ß|ss)|weit|schwer|stark|oft|häufig|teuer|schnell|"
        r"breit|tief|klein|kurz|dick|warm|kalt|umfangreich|nahe?|deutlich|knapp)\b|\bwieviele?n?\b",
        "counted",
        (
            ("Wie viele Besucher kamen zum Stadtfest in Ulm?", NUMBER, "Besucher"),
            ("Um wie viel Prozent wuchs der Umsatz?", NUMBER, "Prozent"),
            ("Wie viele Wochen lang lässt T-Mobile Kunden das Netz testen?", NUMBER, "Wochen"),
            ("Wie stark stieg die Alibaba-Aktie?", NUMBER, ""),
            ("Wie oft wurde er Weltmeister?", NUMBER, ""),
            ("Wie viele mutmaßliche IS-Anhänger hat Teheran verhaften lassen?", NUMBER, "IS-Anhänger"),
            # a verb, not the counted noun, follows „wie viel“
            ("Wie viel zahlte Google für Motorola?", NUMBER, ""),
            ("Wie nah kam die Sonde dem Pluto?", NUMBER, ""),
            ("Wie deutlich führt Ogier die Rallye-WM an?", NUMBER, ""),
        ),
    ),
    # „Was kostet …“, „Was muss Stenzel hinblättern?“: what is paid is an amount of money
    Form(
        NUMBER,
        "de",
        rf"^\W*(?:und\s+)?was\b[^?]*\b{_PAY_VERB}",
        "counted",
        (
            ("Was kostet das Deutschlandticket derzeit?", NUMBER, ""),
            ("Was muss die Kandidatin hinblättern, um anzutreten?", NUMBER, ""),
            # … as a verb, not inside a noun
            ("Was sagt der Zahlenexperte dazu?", OTHER, ""),
        ),
    ),
    Form(
        NUMBER,
        "de",
        r"\bwelche[mnrs]?\s+(?:anteil|summe|betrag|höhe|zahl|anzahl|preis|wert|prozentsatz|umsatz|"
        r"gewinn|verlust|quote|rate|menge|gehalt|kosten|alter|dauer|länge|entfernung)\b",
        "counted",
        (("Welchen Anteil hält der Staat?", NUMBER, ""),),
    ),
    Form(
        NUMBER,
        "en",
        r"\bhow\s+(?:many|much|long|old|big|large|high|far|often|tall|heavy|fast)\b",
        "counted",
        (("How many people attended?", NUMBER, "people"),),
    ),
    Form(
        NUMBER,
        "de",
        r"\b(?:um|zu)\s+welche[rm]?\s+uhrzeit\b",
        "counted",
        (("Um welche Uhrzeit beginnt das Konzert?", NUMBER, ""),),
    ),  # like „Um wie viel Uhr“
    Form(NUMBER, "en", r"\bat\s+what\s+time\b", "counted", (("At what time does the match start?", NUMBER, ""),)),
    Form(
        NUMBER,
        "en",
        r"\bwhat\s+(?:percentage|share|number|amount|price|sum)\b",
        "counted",
        (("What percentage of voters took part?", NUMBER, ""),),
    ),
    Form(
        PLACE,
        "de",
        r"^\W*(?:und\s+)?(?:wo|woher|wohin)\b|\bwo\s",
        "class",
        (("Wo plant Alibaba neue Rechenzentren?", PLACE, ""),),
    ),
    Form(PLACE, "en", r"^\W*(?:und\s+)?where\b", "class", (("Where is the headquarters?", PLACE, ""),)),
    # „in welcher österreichischen Stadt“, „in welchem US-Bundesstaat“
    Form(
        PLACE,
        "de",
        r"\b(?:in|aus|nach|an)\s+welche[mnrs]?\s+(?:[a-zäöü]\w*\s+)?(?:[\w]+-)?(?:land|stadt|ort|region|"
        r"bundesland|staat|gemeinde|bezirk|hauptstadt|dorf|gegend|kontinent|bundesstaat|provinz|stadtteil|gebäude|"
        r"hotel|stadion|lokal)\b",
        "class",
        (
            ("In welcher Stadt findet das Turnier statt?", PLACE, "Stadt"),
            ("In welchem Land liegt der Ort?", PLACE, "Land"),
        ),
    ),
    Form(
        PLACE,
        "en",
        r"\b(?:which|what)\s+(?:\w+\s+)?(?:country|city|town|place|region|state)\b",
        "class",
        (("Which city hosts the final?", PLACE, "city"),),
    ),
    Form(
        REASON,
        "de",
        r"\b(?:warum|weshalb|wieso|weswegen)\b|\baus\s+welche[mnrs]?\s+grund\b|"
        r"\bwas\s+(?:ist|war|sind|waren)\s+de[rn]\s+grund\b",
        "",
        (("Warum klagt die Lufthansa?", REASON, ""), ("Aus welchem Grund wurde das Spiel abgesagt?", REASON, "")),
    ),
    Form(REASON, "en", r"\bwhy\b", "", (("Why did the talks fail?", REASON, ""),)),
    Form(
        ROLE,
        "de",
        r"\bberuflich\b|\bvon\s+beruf\b|\bwelchen\s+beruf\b|"
        r"\bals\s+was\s+(?:arbeitet|arbeiten|arbeitete|ist|war)\b",
        "",
        (
            ("Was macht der Helferkoordinator beruflich?", ROLE, ""),
            ("Was ist Anna Berger von Beruf?", ROLE, ""),
            ("Als was arbeitet die Linzerin?", ROLE, ""),
        ),
    ),
    Form(
        ROLE,
        "en",
        r"\bwhat\s+(?:does|did)\s+.+\s+do\s+for\s+a\s+living\b|\bprofession\b|\boccupation\b",
        "",
        (("What does Anna Berger do for a living?", ROLE, ""),),
    ),
    Form(
        NAME,
        "de",
        r"^\W*(?:und\s+)?(?:wer|wem|wen|wessen)\b|\b(?:von|mit|für|an|gegen|bei|zu)\s+(?:wem|wen)\b",
        "",
        (("Wer ist der erste Astronaut aus Dänemark?", NAME, ""), ("Von wem stammt der Entwurf?", NAME, "")),
    ),
    Form(
        NAME,
        "en",
        r"^\W*(?:und\s+)?(?:who|whom|whose)\b|\bby\s+whom\b",
        "",
        (("Who designed the puppet show?", NAME, ""),),
    ),
)
# Which-questions: the noun after „welche“/„which“ (or „Wie heißt der …“) decides (the "noun" rule): a person noun
# asks for a name, a quantity noun for a number, „Art von X“ for a kind, any other noun for that noun („Welcher
# Verlag“). Rows of one group compete by position (the earliest match wins, as in one alternation); the second group
# is read only when the first finds nothing.
WHICH_FORMS: tuple[tuple[Form, ...], ...] = (
    (
        Form(
            WHICH,
            "de",
            r"\b(?i:welche[mnrs]?)\s+(?:[a-zäöü][\w-]*\s+){0,2}([A-ZÄÖÜ][\w-]*)",
            "noun",
            (
                ("Welcher Verlag bringt das Buch heraus?", WHICH, "Verlag"),
                ("Welcher Hongkong-Film diente als Vorlage?", WHICH, "Hongkong-Film"),
                # a sentence is often no number: „zu lebenslanger Haft“ (while „Wie hoch ist die Strafe“ asks for money)
                ("Zu welcher Strafe wurde der Angeklagte verurteilt?", WHICH, "Strafe"),
                # „Art von“ asks for a kind („eine multikulturelle Stadt“), not a name; the noun after it is the focus
                ("Welche Art von Stadt ist Warschau?", OTHER, "Stadt"),
                ("Welche Art von öffentlicher Schule gibt es dort?", OTHER, "Schule"),
                ("Welche Triathletin gewann das Rennen?", NAME, "Triathletin"),
                ("Welches Budget hat das Ministerium?", NUMBER, ""),
            ),
            case=True,
        ),
        # „What did the court decide“, „What is the name …“: an auxiliary after „what“ names no class
        Form(
            WHICH,
            "en",
            r"\b(?i:which|what)\s+(?!(?:is|are|was|were|did|does|do|has|have|had|will|would|can|could|"
            r"should|the|a|an)\b)([a-z][\w-]*)",
            "noun",
            (
                ("Which company bought the bank?", WHICH, "company"),
                ("What kind of city is Warsaw?", OTHER, "city"),
                ("What did the court decide?", OTHER, ""),
            ),
            case=True,
        ),
    ),
    (
        # „Wie heißt das Buch …“, „Wie lautet der Titel …“, „Wie hieß der Trainer …“ ask for a name, like „Welches Buch“
        Form(
            WHICH,
            "de",
            r"^\W*(?i:wie)\s+(?i:heißt|heisst|hieß|hiess|heißen|hießen|lautet|lautete|lauten)\s+"
            r"(?i:der|die|das|den|dem)\s+(?:[a-zäöü][\w-]*\s+){0,2}([A-ZÄÖÜ][\w-]*)",
            "noun",
            (
                ("Wie heißt das Buch, mit dem er sich verabschiedet?", WHICH, "Buch"),
                ("Wie heißt der neue Trainer von Rapid?", NAME, "Trainer"),
            ),
            case=True,
        ),
    ),
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
    """The kind of answer a (German or English) question asks for: the first form whose trigger is found, its focus
    rule; else the which-forms; else OTHER."""
    q = question.strip()
    for form in FORMS:
        if form.pattern.search(q):
            return FOCUS_RULES[form.focus](q, form.kind)
    for group in WHICH_FORMS:
        found = [m for form in group if (m := form.pattern.search(q))]
        if found:
            return _noun_kind(q, min(found, key=lambda m: m.start()))
    return AnswerKind(OTHER)


def _counted(q: str, kind: str) -> AnswerKind:
    """A number question: its counted noun, the units its wording implies, the quantity noun it asks about."""
    focus, units, quantity = "", (), ""
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
    return AnswerKind(kind, focus, units, quantity)


def _bound(q: str, kind: str) -> AnswerKind:
    """„Bis wann …“ is answered by „bis Ende Jänner“, not by „seit September“: the boundary is the focus."""
    m = _DATE_BOUND.search(q)
    return AnswerKind(kind, _BOUND_WORDS.get(m.group(1).lower(), m.group(1).lower()) if m else "")


def _place_class(q: str, kind: str) -> AnswerKind:
    """„in welcher Stadt“ -> Stadt."""
    m = _PLACE_CLASS.search(q)
    return AnswerKind(kind, (m.group(1) or m.group(2)) if m else "")


def _noun_kind(q: str, m: re.Match) -> AnswerKind:
    """A which-question by its noun."""
    noun = m.group(1)
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


# how each form finds its focus (the `focus` column of FORMS)
FOCUS_RULES = {
    "counted": _counted,
    "bound": _bound,
    "class": _place_class,
    "": lambda q, kind: AnswerKind(kind),
}


def asks_city(kind: AnswerKind) -> bool:
    """A place question whose class noun is a town or part of one („in welcher Stadt“, „in welchem Ort“,
    „which city“): a country name is no answer to it."""
    return kind.kind == PLACE and kind.focus.lower().endswith(_CITY_WORDS)
