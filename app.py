"""Quelle chat (Streamlit). Thin face over quelle.answer.ask(); the full UI lives in quelle/ui/."""

from __future__ import annotations

import re

import streamlit as st

from quelle.answer import QuestionError, ask
from quelle.resources import Resources
from quelle.settings import Settings

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$])")


def md_escape(text: str) -> str:
    """Article and answer text is shown as text: markdown and HTML characters escaped."""
    return _MD_SPECIAL.sub(r"\\\1", text)


@st.cache_resource(show_spinner="Lade Modell und Artikelbestand …")
def resources() -> Resources:
    return Resources.open(Settings())


def show_answer(message: dict) -> None:
    st.markdown(md_escape(message["content"]))
    for c in message.get("citations", []):
        with st.expander(f"[{c['n']}] {c['title']} {('· ' + c['date']) if c['date'] else ''}"):
            st.text(c["text"])


st.set_page_config(page_title="Quelle", page_icon="📰")
st.title("Quelle")
st.caption("Fragen an Ihre Nachrichtenartikel — jede Aussage mit Quelle.")
if "messages" not in st.session_state:
    st.session_state.messages = []
for m in st.session_state.messages:
    with st.chat_message(m["role"]):
        show_answer(m)
if question := st.chat_input("Frage stellen, z. B. „Wo plant Alibaba neue Rechenzentren?“"):
    st.session_state.messages.append({"role": "user", "content": question})
    with st.chat_message("user"):
        st.markdown(md_escape(question))
    res = resources()
    with st.chat_message("assistant"):
        try:
            a = ask(question, res.settings, resources=res)
            msg = {"role": "assistant", "content": a.answer, "citations": [c.__dict__ for c in a.citations]}
        except QuestionError as e:
            msg = {"role": "assistant", "content": str(e), "citations": []}
        show_answer(msg)
    st.session_state.messages.append(msg)
