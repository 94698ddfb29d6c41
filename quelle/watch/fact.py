"""The fact of an answer: what must change for a watched question to get a new version (issue 33).

An answer is re-worded all the time — another answerer, another copy of the same agency report, a sentence cut
differently — while the fact it states stays. So a version is not kept when the text changes but when its fact key
does. The key has three parts:

- `state`: "answer" (a sure answer), "unsure" (only the closest passages) or "none" (the abstention). A question
  that is answered for the first time, or loses its answer, changes state.
- `value`: what the answer says. With an answer span (the typed filler the extractive reader found: „35“, „Olaf
  Scholz“, „3,1 Prozent“) its numbers when it has any (so „12 Menschen“ and „12 Tote“ are the same value, „35“ is
  another) else its words, case- and punctuation-folded. Without a span (an LLM answer) the numbers the answer
  states, dates and [n] markers left out; no numbers: the value is empty and only the date below can move.
- `date`: the newest day among the reports the answer cites. A newer cited report moves it — the story was
  reported again on a later day, even with the same value —, while a re-worded copy published the same day does not.

Unsure and abstained answers keep neither value nor date: the passages that come closest change with every
article and are no fact.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

ANSWER, UNSURE, NONE = "answer", "unsure", "none"

_DATE = re.compile(r"\b\d{1,2}\.\s?\d{1,2}\.\s?\d{2,4}\b|\b\d{4}-\d{2}-\d{2}\b")  # 11.03.2026, 2026-03-11
_MARKER = re.compile(r"\[\d+\]")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Fact:
    state: str
    value: str = ""
    date: str = ""

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict | None) -> "Fact":
        d = d or {}
        return cls(d.get("state", NONE), d.get("value", ""), d.get("date", ""))


def number(text: str) -> str:
    """'40.000' -> '40000', '3,5' -> '3.5', '1.234,5' -> '1234.5': a German number as one spelling."""
    if "," in text:
        return text.replace(".", "").replace(",", ".")
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", text):  # thousands separators
        return text.replace(".", "")
    return text


def numbers(text: str) -> list[str]:
    text = _MARKER.sub(" ", _DATE.sub(" ", text or ""))
    return sorted({number(m.group(0)) for m in _NUMBER.finditer(text)})


def value_of(answer: dict) -> str:
    span = answer.get("answer_span") or {}
    if span.get("text"):
        found = numbers(span["text"])
        if found:
            return " ".join(found)
        return " ".join(w.casefold() for w in _WORD.findall(span["text"]))
    return " ".join(numbers(answer.get("answer", "")))


def cited(answer: dict) -> list[dict]:
    """The citations the answer's sentences use (all of them when the sentences name none)."""
    used = {n for s in answer.get("sentences") or [] for n in s.get("citations") or []}
    return [c for c in answer.get("citations") or [] if not used or c.get("n") in used]


def state_of(answer: dict) -> str:
    band = answer.get("confidence_band") or ""
    if answer.get("abstained") or band == "none":
        return NONE
    return UNSURE if band == "unsure" else ANSWER


def fact_of(answer: dict) -> Fact:
    """The fact key of an answer (Answer.to_dict())."""
    state = state_of(answer)
    if state != ANSWER:
        return Fact(state)
    dates = [str(c.get("date") or "")[:10] for c in cited(answer)]
    return Fact(ANSWER, value_of(answer), max((d for d in dates if d), default=""))


def reason(before: Fact | None, after: Fact) -> str | None:
    """Why `after` is a new version after `before` (None: the same fact): first, answered, lost, value, date."""
    if before is None:
        return "first"
    if before == after:
        return None
    if before.state != after.state:
        return "answered" if after.state == ANSWER else "lost"
    return "value" if before.value != after.value else "date"


def cause(answer: dict, why: str) -> dict | None:
    """The citation that caused the change: for a new value the passage holding the answer span (or the value),
    for a newer report the newest cited one, else the first."""
    cites = cited(answer)
    if not cites:
        return None
    if why == "date":
        return max(cites, key=lambda c: str(c.get("date") or ""))
    span = answer.get("answer_span") or {}
    by_n = {c.get("n"): c for c in cites}
    if span.get("citation") in by_n:
        return by_n[span["citation"]]
    value = value_of(answer)
    for c in cites:
        if value and all(v in numbers(c.get("text", "")) for v in value.split()):
            return c
    return cites[0]
