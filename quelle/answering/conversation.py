"""Follow-up questions: turn "Und wann?" plus the chat history into a question that stands alone.

Extractive rule (no LLM): when the new question is short (at most two content terms) or opens with /
contains a pronoun that points back ("dort", "sie", "das Unternehmen" ...), the content terms of the
previous user question that the new one lacks are appended to it in parentheses. Retrieval uses the whole
standalone question; for the extractive answerer the carried words together weigh at most half of the
question's own words (quelle.answering.extractive.CARRIED_WEIGHT), so
"Und wo hat sie ihren Hauptsitz?" after "Wo plant Alibaba neue Rechenzentren?" finds the Hauptsitz sentence
of the Alibaba article, not the data-centre sentence again.
"""

from __future__ import annotations

import re

from vectorstore.analysis import analyze

_BACK_REFERENCE = re.compile(
    r"\b(er|sie|es|ihn|ihm|ihr|ihre|ihren|sein|seine|seinen|dort|dorthin|damit|davon|dafür|dabei|deren|dessen|"
    r"das unternehmen|der konzern|die firma|diese[rsmn]?|he|she|it|they|them|his|her|its|their|there|that)\b",
    re.I,
)
_WORD = re.compile(r"\w+")


def carried_words(question: str, standalone: str) -> str:
    """The words standalone_question() added to the question ('' when none)."""
    return standalone[len(question) :].strip().strip("()") if standalone.startswith(question) else ""


def previous_questions(history: list[dict] | None) -> list[str]:
    return [m.get("content", "") for m in (history or []) if m.get("role") == "user" and m.get("content")]


def needs_context(question: str) -> bool:
    return bool(_BACK_REFERENCE.search(question)) or len(set(analyze(question))) <= 2


def standalone_question(question: str, history: list[dict] | None) -> str:
    """The question to retrieve with: the question itself, or it plus the last question's missing key words."""
    earlier = previous_questions(history)
    if not earlier or not needs_context(question):
        return question
    have = set(analyze(question))
    last = earlier[-1]
    extra = [w for w in _WORD.findall(last) if (t := analyze(w)) and t[0] not in have]
    seen: list[str] = []
    for w in extra:
        if w not in seen:
            seen.append(w)
    return f"{question} ({' '.join(seen)})" if seen else question
