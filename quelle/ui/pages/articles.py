"""Streamlit page script: upload, list, search and delete articles (logic in quelle.ui.articles)."""

from quelle.ui.articles import page

page()
