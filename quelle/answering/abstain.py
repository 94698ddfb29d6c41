"""The abstention: the plain sentence Quelle says when the articles do not hold the answer, and the one place that
builds an abstaining Answer (the assembly calls it, quelle/answering/checked.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from quelle.answering.types import NONE, Answer, AnswerSentence, Draft
from quelle.i18n import text as ui_text

if TYPE_CHECKING:
    from quelle.answering.checked import Assembly


def abstention(language: str) -> str:
    return ui_text("answer_abstain", language)


def abstained(draft: Draft, sentences: list[AnswerSentence], at: Assembly) -> Answer:
    """The abstaining Answer of a draft: its own words (an LLM's „keine Angabe“) or the abstention sentence, nothing
    cited or checked, band none unless the draft gives one."""
    for s in sentences:
        s.supported = None
    return Answer(
        question=at.question,
        answer=draft.text or abstention(at.language),
        abstained=True,
        backend=at.backend,
        model=draft.model,
        language=at.language,
        sentences=sentences,
        retrieved=list(at.retrieved),
        standalone_question=at.standalone,
        fallback=at.fallback or at.degraded_reason,
        flags=at.degraded + (["removed_citations"] if draft.removed_citations else []),
        removed_citations=draft.removed_citations,
        confidence=draft.confidence,
        confidence_band=draft.band or NONE,
    )
