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
