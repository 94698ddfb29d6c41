"""The chat page: history in session state, a status while retrieving, streamed LLM answers, sources kept."""

from __future__ import annotations

import queue
import threading

import streamlit as st

from quelle.answering import registry
from quelle.answering.pipeline import ask
from quelle.resources import Resources
from quelle.ui import feedback, state, timeview, watch
from quelle.i18n import text as t
from quelle.ui.render import escape_chars, md_escape, render_answer, render_message

_DONE = object()


def history_for_ask(messages: list[dict]) -> list[dict]:
    """The chat so far in the shape ask() takes: [{"role", "content"}], errors left out."""
    return [{"role": m["role"], "content": m.get("content", "")} for m in messages if not m.get("error")]


def new_chat() -> None:
    feedback.start_new_chat()  # a new session id; the old chat stays stored under its own


def answer_message(
    question: str, history: list[dict], request: state.Request, res: Resources, lang: str, time_aware: bool = True
) -> dict:
    """Ask in a worker thread; show a status until the first token, stream LLM tokens; return the stored message."""
    if request.error:
        return {"role": "assistant", "content": "", "error": request.error}
    tokens: queue.Queue = queue.Queue()
    outcome: dict = {}

    def work() -> None:
        try:
            outcome["answer"] = ask(
                question,
                request.settings,
                history,
                resources=res,
                filters=request.filters,
                on_token=tokens.put,
                time_aware=time_aware,
            )
        except Exception as e:  # shown to the user; the chat stays usable
            outcome["error"] = str(e) or type(e).__name__
        finally:
            tokens.put(_DONE)

    worker = threading.Thread(target=work, name="quelle-ask", daemon=True)
    status = st.status(t("searching", lang), expanded=False)
    worker.start()
    first = tokens.get()
    # a streaming answerer's text is shown as it comes (a fallback answer comes as one piece)
    streaming = registry.capabilities(request.settings.llm).streams and first is not _DONE
    if streaming:
        status.update(label=t("writing", lang), state="running")
        live = st.empty()

        def stream():
            yield escape_chars(first)
            while (token := tokens.get()) is not _DONE:
                yield escape_chars(token)

        with live.container():
            st.write_stream(stream())
        live.empty()
    else:
        while first is not _DONE:
            first = tokens.get()
    worker.join()
    if "error" in outcome:
        status.update(label=t("failed_status", lang), state="error")
        return {"role": "assistant", "content": "", "error": outcome["error"]}
    answer = outcome["answer"]
    status.update(label=t("found", lang, n=len(answer.retrieved)), state="complete")
    return {"role": "assistant", "content": answer.answer, "answer": answer.to_dict()}


def page() -> None:
    lang = state.language()
    res = state.resources()
    request = st.session_state.get("request")
    if request is None:
        return
    feedback.restore_messages()  # after a reload: the chat stored under the session id in the URL
    head, export, button = st.columns([3, 1, 1], vertical_alignment="bottom")
    head.caption(t("tagline", lang))
    export_slot = export.empty()  # filled last, so the export holds the answer given in this run too
    button.button(t("new_chat", lang), on_click=new_chat, key="new_chat", icon=":material/add_comment:")
    if res.index.count() == 0:
        st.info(t("empty_store", lang))
    for m in st.session_state.messages:
        with st.chat_message(m["role"]):
            render_message(m, lang)
            feedback.rating(m, lang)
            watch.watch_button(m, lang)
    question, time_aware = st.chat_input(t("chat_placeholder", lang)), True
    if not question and (retry := timeview.take_retry()):  # issue 20: a removed time chip asks again without it
        question, time_aware = retry, False
    if question:
        history = history_for_ask(st.session_state.messages)
        st.session_state.messages.append({"role": "user", "content": question})
        with st.chat_message("user"):
            st.markdown(md_escape(question))
        with st.chat_message("assistant"):
            message = feedback.stamp_message(
                answer_message(question, history, request, res, lang, time_aware), question, history, request
            )
            render_answer(message, lang)
            st.session_state.messages.append(message)
            feedback.save_messages()
            feedback.rating(message, lang)
            watch.watch_button(message, lang)
    feedback.export_menu(st.session_state.messages, lang, export_slot.container())
