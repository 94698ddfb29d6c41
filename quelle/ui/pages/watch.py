"""Streamlit page script: watched questions, what changed since you last looked (logic in quelle.ui.watch)."""

from quelle.ui.watch import page

page()
