"""Streamlit page script: the chat (logic in quelle.ui.chat)."""

from quelle.ui.chat import page

page()
