"""The Streamlit face: texts (i18n), safe rendering, upload handling and the pages app.py navigates to."""
