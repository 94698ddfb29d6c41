"""Streamlit page script: run or open an evaluation report (logic in quelle.ui.evaluation)."""

from quelle.ui.evaluation import page

page()
