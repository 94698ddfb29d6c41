"""Answer kinds: what a question asks for (a number, a date, a place, a name, a reason, a role, a which-noun or
something else) and what each kind means to the stages that read it (`KindSpec`)."""

from __future__ import annotations


from dataclasses import dataclass

NUMBER, DATE, PLACE, NAME, REASON, WHICH, OTHER = "number", "date", "place", "name", "reason", "which", "other"
ROLE = "role"  # what a person does: „Was macht X beruflich?“ — „als Pressefotograf“


@dataclass(frozen=True)
class AnswerKind:
    kind: str
    focus: str = ""  # the unit noun of a number question ("Wochen"), the class noun of a which-question ("Verlag")
    units: tuple[str, ...] = ()  # units the question's wording implies (wie lange -> Stunden, Tage, ...)
    # the specific quantity noun a number question asks about („Börsenwert“, „Umsatz“; not a generic „Summe“): a
    # number that belongs to another noun („Aktien im Wert von …“) does not answer it
    quantity: str = ""

    @property
    def spec(self) -> "KindSpec":
        return KINDS[self.kind]


@dataclass(frozen=True)
class KindSpec:
    """What an answer kind means to the stages that read it — the evidence scorer (reader/evidence.py), the span
    finder (quelle/answering/extractive.py) and time-aware reports (quelle/timeaware/reports.py) ask these, never the
    kind's name."""

    kind: str
    slot: bool = True  # sentences are searched for fillers of this kind (reader/fillers.py)
    typed: bool = True  # `typed` is whether the sentence holds a filler; False: every sentence is typed (1.0)
    counted: bool = False  # a number: the counted noun and implied units decide the filler, rival numbers lose
    bounded: bool = False  # a date: „bis/seit/ab wann“ — the filler after the asked boundary wins
    class_focus: bool = False  # the focus is a class noun the sentence should hold („Verlag“, „Stadt“)
    hard: bool = False  # a sentence without a filler cannot answer (the extractive reader drops it)
    span: str = ""  # the answer span: "number" (with scale and unit words), "list" (names joined), "filler", "": none
    reported: bool = False  # time-aware reports compare this kind's value across articles (conflicts, timelines)


KINDS: dict[str, KindSpec] = {
    NUMBER: KindSpec(NUMBER, counted=True, hard=True, span="number", reported=True),
    DATE: KindSpec(DATE, bounded=True, hard=True, span="filler", reported=True),
    PLACE: KindSpec(PLACE, class_focus=True, span="list", reported=True),
    NAME: KindSpec(NAME, class_focus=True, span="list", reported=True),
    ROLE: KindSpec(ROLE, span="filler"),
    REASON: KindSpec(REASON),
    # a which-question („Welcher Verlag“) is mostly answered by a name: a soft slot, every sentence typed
    WHICH: KindSpec(WHICH, typed=False, class_focus=True),
    OTHER: KindSpec(OTHER, slot=False, typed=False, class_focus=True),
}
