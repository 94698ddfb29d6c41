"""Streamlit page script: answer a question file (logic in quelle.ui.batch)."""

from quelle.ui.batch import page

page()
