"""Feedback and kept chats in the chat page (issue 21): the session id in the URL, the chat restored from the data
dir on reload, thumbs under every answer (with „Richtige Antwort“ and a reason on thumbs down), „Exportieren“.

Logic lives in quelle.feedback; this module only wires widgets to it. Stored text is shown escaped (md_escape).
"""

from __future__ import annotations

import datetime as dt
import uuid

import streamlit as st

from quelle.feedback.chats import ChatStore, chat_json, chat_markdown, new_session_id, valid_session_id
from quelle.feedback.store import DOWN, REASONS, UP, Feedback, FeedbackStore, request_settings
from quelle.i18n import text as t
from quelle.ui.render import md_escape

QUERY_KEY = "chat"  # ?chat=<session id> in the URL
OWNER_KEY = "key"  # &key=<the chat's key>: only the owner's URL has it (quelle/feedback/chats.py)
OWN_CHATS = "own_chats"  # session_state: every chat id this browser session has held (its ratings are its own)


def data_dir():
    request = st.session_state.get("request")
    if request is not None:
        return request.settings.data_dir
    from quelle.settings import Settings

    return Settings().data_dir


def _chats() -> ChatStore:
    return ChatStore(FeedbackStore(data_dir()))


def _chat_from_url() -> str | None:
    """The chat id in the URL if this session may take it over: with passwords only together with its key (an id
    from another browser session opens nothing); without passwords (one person on 127.0.0.1) the id alone, as
    before. A refused id that names a stored chat is noted, so the chat page can say why it starts empty."""
    from quelle.ui import access

    sid = valid_session_id(st.query_params.get(QUERY_KEY))
    if sid is None or not access.current().protected:
        return sid
    chats = _chats()
    try:
        if chats.owns(sid, st.query_params.get(OWNER_KEY)):
            return sid
    except OSError:  # no secret to check the key with: open nothing
        return None
    if chats.exists(sid):
        st.session_state.chat_foreign = True
    return None


def _mirror_in_url(sid: str) -> None:
    key = st.session_state.get("chat_key")
    if not key or key[0] != sid:
        try:
            key = st.session_state.chat_key = (sid, _chats().key(sid))
        except OSError:  # a data dir that cannot hold the secret: the chat works, a reload cannot restore it
            key = (sid, "")
    if st.query_params.get(QUERY_KEY) != sid:
        st.query_params[QUERY_KEY] = sid
    if key[1] and st.query_params.get(OWNER_KEY) != key[1]:
        st.query_params[OWNER_KEY] = key[1]


def session_id() -> str:
    """This browser tab's chat id: kept in session state and mirrored in the URL with its key, so a reload (by the
    owner: the same URL) finds it again."""
    sid = st.session_state.get("chat_session")
    if not sid:
        sid = _chat_from_url() or new_session_id()
        st.session_state.chat_session = sid
    _own(sid)
    _mirror_in_url(sid)
    return sid


def _own(sid: str) -> None:
    st.session_state.setdefault(OWN_CHATS, set()).add(sid)


def own_chats() -> set[str]:
    """The chat ids of this browser session: the current one and those before „Neuer Chat“ (a chat taken over from
    the URL counts only when the session may take it over, see _chat_from_url). A reader sees the ratings made
    under these ids, and no others (quelle/ui/evaluation.py)."""
    return set(st.session_state.get(OWN_CHATS) or ())


def restore_messages() -> list[dict]:
    """The chat of this session: from session state, else (after a reload) from the data dir."""
    sid = session_id()
    if st.session_state.pop("chat_foreign", False):
        from quelle.ui.state import language

        st.info(t("chat_foreign", language()), icon=":material/lock:")
    if "messages" not in st.session_state:
        st.session_state.messages = _chats().load(sid)
    return st.session_state.messages


def save_messages() -> None:
    messages = st.session_state.get("messages") or []
    if messages or _chats().load(session_id()):
        _chats().save(session_id(), messages)


def start_new_chat() -> None:
    """„Neuer Chat“: a new session id (the old chat stays stored under its own) and an empty chat."""
    sid = new_session_id()
    st.session_state.chat_session = sid
    st.session_state.messages = []
    _own(sid)
    _mirror_in_url(sid)


def stamp_message(message: dict, question: str, history: list[dict], request) -> dict:
    """What a rating needs later, kept with the assistant message: its id, the question, the chat before it and
    the settings it was asked with."""
    message["id"] = uuid.uuid4().hex
    message["question"] = question
    message["history"] = history
    if request is not None:
        message["request"] = request_settings(request.settings, request.filters)
    return message


# --- thumbs ---------------------------------------------------------------------------------------------------
def _find(mid: str) -> dict | None:
    return next((m for m in st.session_state.get("messages") or [] if m.get("id") == mid), None)


def _store(message: dict, rating: int | None, reason: str | None = None, correction: str = "") -> None:
    store = FeedbackStore(data_dir())
    if rating is None:
        store.unrate(message["id"])
        message.pop("feedback", None)
    else:
        fb = store.rate(
            Feedback(
                id=message["id"],
                rating=rating,
                question=message.get("question", ""),
                answer=message.get("answer") or {},
                history=message.get("history") or [],
                settings=message.get("request") or {},
                reason=reason,
                correction=correction,
                session_id=session_id(),
            )
        )
        message["feedback"] = {"rating": fb.rating, "reason": fb.reason, "correction": fb.correction}
    save_messages()


def _on_thumb(mid: str) -> None:
    message = _find(mid)
    if message is None:
        return
    value = st.session_state.get(f"fb_{mid}")
    before = message.get("feedback") or {}
    keep = value == DOWN and before.get("rating") == DOWN  # the same thumb again keeps reason and correction
    _store(message, value, before.get("reason") if keep else None, before.get("correction", "") if keep else "")


def _on_details(mid: str) -> None:
    message = _find(mid)
    if message is None:
        return
    reason = st.session_state.get(f"fb_reason_{mid}")
    correction = st.session_state.get(f"fb_correction_{mid}") or ""
    _store(message, DOWN, reason if reason in REASONS else None, correction)


def rating(message: dict, lang: str) -> None:
    """Thumbs under an answer; on thumbs down the optional correct answer and reason."""
    mid = message.get("id")
    if not mid or message.get("error") or not message.get("answer"):
        return
    given = message.get("feedback") or {}
    st.feedback("thumbs", key=f"fb_{mid}", default=given.get("rating"), on_change=_on_thumb, args=(mid,))
    if given.get("rating") == UP:
        st.caption(t("fb_thanks", lang))
    elif given.get("rating") == DOWN:
        with st.form(f"fb_form_{mid}", border=True):
            st.text_area(
                t("fb_correction", lang),
                value=given.get("correction", ""),
                key=f"fb_correction_{mid}",
                placeholder=t("fb_correction_hint", lang),
                height=68,
                max_chars=2000,
            )
            st.radio(
                t("fb_reason", lang),
                REASONS,
                key=f"fb_reason_{mid}",
                horizontal=True,
                index=REASONS.index(given["reason"]) if given.get("reason") in REASONS else None,
                format_func=lambda r: t(f"fb_reason_{r}", lang),
            )
            st.form_submit_button(t("fb_send", lang), on_click=_on_details, args=(mid,))
        if given.get("correction") or given.get("reason"):
            parts = [t(f"fb_reason_{given['reason']}", lang)] if given.get("reason") else []
            if given.get("correction"):
                parts.append(t("fb_stored_correction", lang) + " " + md_escape(given["correction"]))
            st.caption(t("fb_saved", lang) + " " + " · ".join(parts))


# --- export ---------------------------------------------------------------------------------------------------
def export_menu(messages: list[dict], lang: str, where=None) -> None:
    """„Exportieren“: the conversation as Markdown (answers with numbered sources) and as JSON (ask --json)."""
    where = where or st
    day = dt.date.today().isoformat()
    with where.popover(t("export", lang), icon=":material/download:", disabled=not messages):
        stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
        st.download_button(
            t("export_markdown", lang),
            chat_markdown(messages, lang, stamp).encode("utf-8"),
            file_name=f"quelle-chat-{day}.md",
            mime="text/markdown",
            key="export_md",
            on_click="ignore",
            icon=":material/description:",
        )
        st.download_button(
            t("export_json", lang),
            chat_json(messages).encode("utf-8"),
            file_name=f"quelle-chat-{day}.json",
            mime="application/json",
            key="export_json",
            on_click="ignore",
            icon=":material/data_object:",
        )
