"""Quelle in the browser (Streamlit). Thin entry point: sidebar + navigation; the pages live in quelle/ui/."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from quelle.ui import access, state
from quelle.i18n import text as t

PAGES = Path(__file__).resolve().parent / "quelle" / "ui" / "pages"

st.set_page_config(page_title="Quelle", page_icon="📰", layout="wide")
lang = state.language()
pages = [
    st.Page(PAGES / "chat.py", title=t("page_chat", lang), icon=":material/chat:", url_path="chat", default=True),
    st.Page(PAGES / "articles.py", title=t("page_articles", lang), icon=":material/article:", url_path="articles"),
    st.Page(PAGES / "batch.py", title=t("page_batch", lang), icon=":material/playlist_add_check:", url_path="batch"),
    st.Page(
        PAGES / "evaluation.py", title=t("page_evaluation", lang), icon=":material/analytics:", url_path="evaluation"
    ),
    st.Page(PAGES / "watch.py", title=t("page_watch", lang), icon=":material/visibility:", url_path="watched"),
]
role = access.gate(pages)  # refuses to run open on the network; login form until a role is known (quelle/ui/access.py)
res = state.resources()
st.session_state.request = state.sidebar(res)
access.account_box(role)
nav = st.navigation(pages)
st.title("Quelle")
nav.run()
