"""Quelle in the browser (Streamlit). Thin entry point: sidebar + navigation; the pages live in quelle/ui/."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from quelle.ui import state
from quelle.ui.i18n import text as t

PAGES = Path("quelle/ui/pages")


def optional_pages(lang: str) -> list:
    """Batch and evaluation pages, shown when those parts of Quelle are installed."""
    pages = []
    for name, icon in (("batch", ":material/playlist_add_check:"), ("evaluation", ":material/analytics:")):
        if (Path(__file__).parent / PAGES / f"{name}.py").exists():
            pages.append(st.Page(PAGES / f"{name}.py", title=t(f"page_{name}", lang), icon=icon, url_path=name))
    return pages


st.set_page_config(page_title="Quelle", page_icon="📰", layout="wide")
res = state.resources()
st.session_state.request = state.sidebar(res)
lang = state.language()
nav = st.navigation([st.Page(PAGES / "chat.py", title=t("page_chat", lang), icon=":material/chat:", url_path="chat", default=True),
                     st.Page(PAGES / "articles.py", title=t("page_articles", lang), icon=":material/article:", url_path="articles"),
                     *optional_pages(lang)])
st.title("Quelle")
nav.run()
