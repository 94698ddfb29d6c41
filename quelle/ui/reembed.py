"""The view shown instead of every page while the store was built with another embedding model than
QUELLE_EMBEDDING_MODEL names (issue 31, docs/models.md): both models and the two fixes for everyone, and for the
editor role the „Neu einbetten“ action. The action runs the core of `quelle reembed` (quelle/reembed.py) with a
progress bar: the new vectors go into a second collection, a run that stops (a closed tab, a server that went down, a
killed process) goes on where it stopped when the action is started again, the old vectors keep answering every
process still on the old model until the new set is complete, then one switch."""

from __future__ import annotations

import streamlit as st
from filelock import Timeout

from quelle.reembed import ReembedStatus, reembed, reembed_status
from quelle.ui import access
from quelle.i18n import text as t
from quelle.ui.render import md_escape
from vectorstore.embeddings import EmbeddingError
from vectorstore.store import StoreError

DONE_KEY = "reembed_done"  # the success message, shown once on the next run (state.resources)


def store_error_view(settings, error: StoreError, lang: str) -> None:
    """Show why the store cannot be opened and, when another model is the reason, the way out. Stops the run."""
    try:
        status = reembed_status(settings, settings.embedding_model)
    except Exception:  # the store cannot even be read: the core's message is all there is to say
        status = None
    if status is None or not status.needed:
        st.error(str(error))
        st.stop()
    if status.built_with:
        st.error(t("reembed_mismatch", lang, old=md_escape(status.built_with), new=md_escape(status.model)))
    else:
        st.error(str(error))  # no recorded model: the core names the two dimensions
    if not access.can_edit(access.current_role()):
        st.info(t("reembed_ask_editor", lang), icon=":material/lock:")
        st.stop()
    reembed_section(settings, status, lang)
    st.stop()


def reembed_section(settings, status: ReembedStatus, lang: str) -> None:
    """The „Neu einbetten“ action for editors: what it does, how far a stopped run got, the button."""
    st.subheader(t("reembed_title", lang))
    st.markdown(t("reembed_explain", lang, new=md_escape(status.model), total=status.total))
    if status.done:
        st.caption(t("reembed_resume", lang, done=status.done, total=status.total))
    if st.button(t("reembed_button", lang), key="reembed_button", type="primary", icon=":material/sync:"):
        run_reembed(settings, lang)


def run_reembed(settings, lang: str) -> None:
    """Re-check the editor role on the server, re-embed with a progress bar, then rerun into the switched store."""
    try:
        access.require_editor()
    except access.AccessDenied as e:
        st.error(str(e))
        return
    bar = st.progress(0.0, text=t("reembed_running", lang))

    def progress(done: int, total: int) -> None:
        bar.progress(done / max(total, 1), text=t("reembed_progress", lang, done=done, total=total))

    try:
        report = reembed(settings, progress=progress, lock_timeout=0)
    except Timeout:  # an ingest (or another re-embedding) holds the lock: never wait inside a page run
        st.warning(t("reembed_busy", lang))
        return
    except (EmbeddingError, StoreError, RuntimeError) as e:  # the work so far is kept for the next run
        st.error(t("reembed_failed", lang, error=md_escape(str(e))))
        return
    st.session_state[DONE_KEY] = t("reembed_done", lang, model=md_escape(report.model), total=report.total)
    st.rerun()
