"""What a question asks about time, beyond dates: the current state of a story (recency words) or how it developed
(timeline questions); and the question with those words taken out, for the search."""

from __future__ import annotations

import re

# „aktuell“, „derzeit“, „zuletzt“, „neueste“, „jetzt“, „noch“, "latest", "currently" … (issue 20, item 2)
RECENCY = re.compile(
    r"\b(?:aktuelle?[nmrs]?|aktuell|derzeitige?[nmrs]?|derzeit|zurzeit|zur\s+zeit|momentan|gegenwärtig|"
    r"inzwischen|mittlerweile|zuletzt|neueste[nmrs]?|jüngste[nmrs]?|letzte[nmrs]?\s+stand|jetzt|nun|noch|"
    r"bisher|bislang|heutige[nmrs]?|stand\s+heute|latest|newest|most\s+recent|currently|current|now|still|"
    r"so\s+far|to\s+date|as\s+of\s+now|these\s+days|nowadays)\b",
    re.I,
)
# „Wie hat sich … entwickelt?“, „Chronologie …“, „Was ist seit … passiert?“ (issue 20, item 4)
TIMELINE = re.compile(
    r"\bwie\s+(?:hat|haben)\s+sich\b.*\b(?:entwickelt|verändert|geändert|verlaufen)\b|\bchronologie\b|"
    r"\bzeitleiste\b|\bzeitlich(?:e[nmrs]?)?\s+(?:ablauf|verlauf|abfolge)\b|\bverlauf\s+de[rs]\b|"
    r"\bentwicklung\s+de[rs]\b|\bwas\s+(?:ist|hat\s+sich|geschah|passierte)\b.*\bseit\b|"
    r"\bwas\s+ist\s+(?:bisher|bislang)\s+(?:passiert|geschehen)\b|\bschritt\s+für\s+schritt\b|"
    r"\bhow\s+(?:has|have|did)\b.*\b(?:develop(?:ed)?|evolve[d]?|change[d]?|unfold(?:ed)?)\b|\btimeline\b|"
    r"\bchronology\b|\bwhat\s+(?:has\s+)?happened\s+since\b",
    re.I,
)
# the words of a timeline question that name no topic („Wie hat sich … entwickelt?“ → the topic in between)
_TIMELINE_WORDS = re.compile(
    r"\b(?:wie\s+(?:hat|haben)\s+sich|entwickelt|verändert|geändert|verlaufen|chronologie|zeitleiste|"
    r"zeitliche[nmrs]?\s+(?:ablauf|verlauf|abfolge)|verlauf|entwicklung|im\s+laufe\s+der\s+zeit|"
    r"was\s+(?:ist|hat\s+sich|geschah|passierte)|passiert|geschehen|getan|schritt\s+für\s+schritt|"
    r"how\s+(?:has|have|did)|developed|evolved|changed|unfolded|timeline|chronology|over\s+time|"
    r"what\s+(?:has\s+)?happened)\b",
    re.I,
)


def wants_latest(question: str) -> bool:
    """The question asks for the current state of something („Wie hoch ist die Prognose aktuell?“)."""
    return bool(RECENCY.search(question))


def wants_timeline(question: str) -> bool:
    """The question asks how something developed over time („Wie hat sich … entwickelt?“, „Chronologie …“)."""
    return bool(TIMELINE.search(question))


def without(question: str, spans: list[tuple[int, int]], timeline: bool = False, recency: bool = False) -> str:
    """The question with the date words (spans), the timeline words and the recency words left out — what remains
    names the topic; the search and the reader use that. Never empty: the question itself when nothing remains."""
    chars = list(question)
    for s, e in spans:
        chars[s:e] = " " * (e - s)
    text = "".join(chars)
    if timeline:
        text = _TIMELINE_WORDS.sub(" ", text)
    if recency:
        text = RECENCY.sub(" ", text)
    text = re.sub(r"\s+([?!.,])", r"\1", " ".join(text.split()))
    words = re.findall(r"\w{3,}", text)
    return text if len(words) >= 2 else question
