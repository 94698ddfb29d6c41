"""Watched questions in the browser (issue 33): the „Beobachten“ button under an answer in the chat, and the
„Beobachtet“ page — what changed since this role last looked („Neu“), the citation that caused each change, the
history as a dated list; editors check now and remove.

Rights: editors add (the chat button), remove and check; readers see the page and its history (what the newsroom
watches is no secret among those who may read the articles) but change nothing. „Neu“ is kept per role: an editor
opening the page does not clear it for readers, and the other way round.

Logic lives in quelle.watch; this module wires widgets to it. Stored text is shown escaped (md_escape)."""

from __future__ import annotations

import streamlit as st

from quelle.settings import Settings
from quelle.ui import access, state
from quelle.i18n import text as t
from quelle.ui.render import marked_markdown, md_escape, safe_url
from quelle.watch.store import Version, Watch, WatchStore

SEEN_KEY = "watch_seen"  # session_state: what this role had seen when the page was first opened in this session


def _store() -> WatchStore:
    request = st.session_state.get("request")
    return WatchStore(request.settings.data_dir if request is not None else Settings().data_dir)


# --- the chat's button -----------------------------------------------------------------------------------------
def watch_button(message: dict, lang: str) -> None:
    """„Beobachten“ under an answer (editors); once pressed, a note that the question is watched."""
    mid = message.get("id")
    if not mid or message.get("error") or not message.get("answer") or not message.get("question"):
        return
    if message.get("watch_id"):
        st.caption(f":material/visibility: {t('watch_added', lang)}")
        return
    if access.can_edit(access.current_role()):
        st.button(
            t("watch_button", lang), key=f"watch_{mid}", icon=":material/visibility:", on_click=_on_watch, args=(mid,)
        )


def _on_watch(mid: str) -> None:
    from quelle.ui import feedback
    from quelle.watch.check import record_answer

    access.require_editor()
    message = next((m for m in st.session_state.get("messages") or [] if m.get("id") == mid), None)
    if message is None:
        return
    request = st.session_state.get("request")
    kept = dict(message.get("request") or {})
    kept.update(
        time_aware=True, as_of=request.settings.as_of.isoformat() if request and request.settings.as_of else None
    )
    store = _store()
    # a follow-up („Und danach?“) is watched as the standalone question it was answered as: a watch has no chat
    question = (message["answer"].get("standalone_question") if message.get("history") else "") or message["question"]
    w = store.add(question, kept)
    record_answer(store, w, message["answer"], state.resources().index.revision)  # version 1: this answer
    message["watch_id"] = w.id
    feedback.save_messages()


# --- the page --------------------------------------------------------------------------------------------------
def _seen(store: WatchStore, viewer: str, watches: list[Watch]) -> dict[str, int]:
    """What `viewer` had seen when the page was first opened in this session (so „Neu“ stays while they look);
    everything shown is marked seen in the store (the next visit starts from here)."""
    if SEEN_KEY not in st.session_state:
        st.session_state[SEEN_KEY] = store.seen(viewer)
    store.mark_seen(viewer, {w.id: w.latest.n for w in watches if w.latest})
    return st.session_state[SEEN_KEY]


def _check(lang: str) -> None:
    from quelle.watch.check import check_all

    access.require_editor()
    with st.status(t("watch_checking", lang), expanded=False) as status:
        bar = st.progress(0.0)
        report = check_all(state.resources(), progress=lambda d, n, q: bar.progress(d / max(n, 1)))
        status.update(label=t("watch_checked", lang, **report.summary()), state="complete")


def _on_remove(watch_id: str) -> None:
    access.require_editor()
    _store().remove(watch_id)


def page() -> None:
    lang = state.language()
    role = access.current_role()
    editor = access.can_edit(role)
    store = _store()
    st.subheader(t("page_watch", lang))
    st.caption(t("watch_intro", lang))
    if (
        editor
        and store.exists()
        and st.button(t("watch_check_now", lang), key="watch_check", icon=":material/refresh:")
    ):
        _check(lang)
    watches = store.watches()
    if not watches:
        st.info(t("watch_none", lang))
        return
    seen = _seen(store, role or "", watches)
    new_total = sum(len(w.new_for(seen.get(w.id, 0))) for w in watches)
    st.caption(t("watch_new_total", lang, n=new_total))
    for w in sorted(watches, key=lambda w: -len(w.new_for(seen.get(w.id, 0)))):
        _watch_box(w, seen.get(w.id, 0), lang, editor)


def _watch_box(w: Watch, seen: int, lang: str, editor: bool) -> None:
    new = w.new_for(seen)
    with st.container(border=True):
        badge = f":orange-badge[{t('watch_new', lang, n=len(new))}] " if new else ""
        st.markdown(f"{badge}**{md_escape(w.question)}**")
        st.caption(
            md_escape(t("watch_meta", lang, every=w.every, n=len(w.versions), checked=(w.last_checked or "–")[:16]))
        )
        if w.last_error:
            st.warning(md_escape(t("watch_error", lang, error=w.last_error)))
        latest = w.latest
        if latest is not None:
            st.markdown(md_escape(latest.answer.get("answer", "")))
            if latest.n > 1 and latest.cause:
                _cause(latest, lang)
        with st.expander(t("watch_history", lang), expanded=bool(new)):
            for v in reversed(w.versions):
                _version_line(v, v.n > max(seen, 1), lang)
        if editor:
            st.button(
                t("watch_remove", lang),
                key=f"watch_rm_{w.id}",
                icon=":material/delete:",
                on_click=_on_remove,
                args=(w.id,),
            )


def _cause(v: Version, lang: str) -> None:
    c = v.cause or {}
    where = " · ".join(str(x) for x in (c.get("date"), c.get("source")) if x)
    st.markdown(
        f":material/format_quote: {md_escape(t('watch_cause', lang))} **{md_escape(c.get('title', ''))}**"
        + (f" ({md_escape(where)})" if where else "")
    )
    if c.get("text"):
        st.markdown(marked_markdown(c["text"], [(0, len(c["text"]))]))
    url = safe_url(c.get("url", ""))
    if url:
        st.markdown(f"[{md_escape(url)}]({url})")


def _version_line(v: Version, new: bool, lang: str) -> None:
    when = v.found[:16].replace("T", " ")
    fact = v.fact or {}
    value = fact.get("value") or "–"
    stand = fact.get("date") or "–"
    head = t(
        "watch_version", lang, n=v.n, when=when, reason=t(f"watch_reason_{v.reason}", lang), value=value, date=stand
    )
    st.markdown(("**:orange[" + md_escape(t("watch_new_one", lang)) + "]** " if new else "") + md_escape(head))
    st.caption(md_escape(v.answer.get("answer", "")))
    c = v.cause or {}
    if v.n > 1 and c:
        st.caption(
            md_escape(
                t(
                    "watch_version_cause",
                    lang,
                    title=c.get("title", ""),
                    date=c.get("date", ""),
                    source=c.get("source", ""),
                )
            )
        )
