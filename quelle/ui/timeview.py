"""The chat's time-aware parts (issue 20): the date filter read from the question as a removable chip, the note when
that filter left nothing, and „Frühere Meldungen“ (earlier, conflicting reports with their dates and citations).

Removing a chip asks the same question again without its time words (`ask(..., time_aware=False)`): the chip's
callback leaves the question in the session state, and the chat page picks it up on the rerun (`take_retry`).
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from quelle.i18n import text as t
from quelle.ui.render import escape_chars, md_escape

RETRY_KEY = "time_retry"


def _date(iso: str | None, language: str) -> str:
    try:
        d = dt.date.fromisoformat(str(iso)[:10])
    except ValueError:
        return str(iso or "")
    return d.strftime("%d.%m.%Y") if language == "de" else d.isoformat()


def range_text(tf: dict, language: str) -> str:
    since, until = tf.get("since"), tf.get("until")
    if since and until:
        return _date(since, language) if since == until else f"{_date(since, language)}–{_date(until, language)}"
    if since:
        return t("time_since", language, date=_date(since, language))
    return t("time_until", language, date=_date(until, language))


def _retry(question: str) -> None:
    st.session_state[RETRY_KEY] = question


def take_retry() -> str | None:
    """The question whose time chip was just removed (asked again without its time words), once."""
    return st.session_state.pop(RETRY_KEY, None)


def render_filter(message: dict, language: str) -> None:
    """The chip (or, when the filter left nothing, the note) of one assistant message; text escaped."""
    answer = message.get("answer") or {}
    tf = answer.get("time_filter")
    if tf:
        quoted = f"„{tf.get('from_text', '')}“" if language == "de" else f'"{tf.get("from_text", "")}"'
        if tf.get("applied", True):
            label = t("time_chip", language, text=quoted, range=range_text(tf, language))
            key = f"time_chip_{message.get('id') or abs(hash((answer.get('question'), answer.get('answer'))))}"
            st.button(
                escape_chars(label),
                key=key,
                icon=":material/close:",
                help=t("time_chip_help", language),
                on_click=_retry,
                args=(message.get("question") or answer.get("question", ""),),
            )
        else:
            st.info(
                md_escape(t("time_dropped", language, text=quoted, range=range_text(tf, language))),
                icon=":material/event_busy:",
            )


def render_earlier(message: dict, language: str) -> None:
    """„Frühere Meldungen“: the earlier of conflicting reports, with date, value, sentence, citation and title."""
    answer = message.get("answer") or {}
    earlier = answer.get("timeline") or []
    if "conflict" in (answer.get("flags") or []) and len(earlier) > 1:
        lines = [f"**{md_escape(t('time_earlier', language))}**"]
        for e in earlier[1:]:
            value = f" — **{escape_chars(e['value'])}**" if e.get("value") else ""
            lines.append(
                f"- {escape_chars(_date(e.get('date'), language))}{value}: {escape_chars(e.get('text', ''))} "
                f"\\[{int(e.get('citation', 0))}\\] · {escape_chars(e.get('title', ''))}"
            )
        st.markdown("\n".join(lines))
