"""Per-process resources (cached once) and per-session choices (language, sidebar controls)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import streamlit as st

from quelle.answering import registry
from quelle.library import Library
from quelle.resources import Resources
from quelle.settings import Settings
from quelle.i18n import DEFAULT_LANGUAGE, LANGUAGES
from quelle.i18n import text as t
from quelle.ui.reembed import DONE_KEY as REEMBED_DONE
from quelle.ui.reembed import store_error_view
from vectorstore.embeddings import EmbeddingError
from vectorstore.filters import FilterError, Filters
from vectorstore.store import StoreError

RESOURCE_KEYS = ("data_dir", "collection", "chroma_url", "embedding_model", "query_prefix", "passage_prefix")


@st.cache_resource(show_spinner=False, max_entries=4)
def _open_resources(key: str, _settings: Settings) -> Resources:
    res = Resources.open(_settings)
    try:
        res.embedder.embed_query("Aufwärmen")  # load the model now (behind the spinner), not on the first question
    except EmbeddingError:  # an embedding server that is down: questions answer from the lexical side, flagged
        pass
    return res


def resources() -> Resources:
    """The embedding model and store for the configured settings: loaded once per process, reused by every rerun.

    Only the store/model settings select the cached resources; everything else (LLM, top-k, ...) is read anew
    on each run (see sidebar()), so the cached object's own settings are never used for a request.

    A store built with another embedding model stops the run with the error view (quelle/ui/reembed.py: both
    models, the fixes, and „Neu einbetten“ for editors).
    """
    s = Settings()
    key = repr(tuple(str(getattr(s, k)) for k in RESOURCE_KEYS))
    try:
        with st.spinner(t("loading", language())):
            res = _open_resources(key, s)
    except StoreError as e:
        store_error_view(s, e, language())  # stops the run
        raise
    if done := st.session_state.pop(REEMBED_DONE, None):  # set by the „Neu einbetten“ action before its rerun
        st.success(done)
    return res


def library() -> Library:
    return Library(resources())


def language() -> str:
    return st.session_state.get("lang", DEFAULT_LANGUAGE)


def language_picker() -> None:
    """Deutsch/English (call inside the sidebar); also shown on the login page."""
    st.radio(t("language", language()), list(LANGUAGES), format_func=LANGUAGES.get, key="lang", horizontal=True)


@dataclass
class Request:
    """What one question is asked with: settings chosen in the sidebar and the filters."""

    settings: Settings
    filters: Filters | None
    error: str = ""


def backend_choices(base: Settings) -> list[str]:
    """The answer backends this process can use (quelle/answering/registry.py): the configured one, those whose
    settings are set, and always the one every chain ends in (the extractive reader)."""
    return registry.offered(base)


def sidebar(res: Resources) -> Request:
    """Language, answer backend, retrieval options, filters and collection statistics. Returns the request."""
    lang = language()
    base = Settings()
    with st.sidebar:
        language_picker()
        lang = language()
        st.subheader(t("answering", lang))
        backends = backend_choices(base)
        backend = st.selectbox(
            t("backend", lang), backends, key="backend", format_func=lambda b: t(f"backend_{b}", lang)
        )
        model = base.llm_model
        if registry.capabilities(backend).has_model:
            model = st.text_input(t("model", lang), value=base.llm_model, key="llm_model") or base.llm_model
        st.subheader(t("retrieval", lang))
        top_k = st.slider(t("top_k", lang), 1, 20, min(base.top_k, 20), key="top_k")
        modes = ["hybrid", "dense", "bm25"]
        mode = st.radio(
            t("mode", lang),
            modes,
            index=modes.index(base.retrieval_mode),
            key="mode",
            format_func=lambda m: t(f"mode_{m}", lang),
        )
        st.subheader(t("filters", lang))
        articles = res.index.list_articles()
        sources = sorted({a.get("source", "") for a in articles if a.get("source")})
        chosen = st.multiselect(
            t("filter_sources", lang), sources, key="sources", placeholder=t("filter_sources_all", lang)
        )
        c1, c2 = st.columns(2)
        since = c1.date_input(
            t("since", lang), value=None, key="since", format="DD.MM.YYYY", min_value=dt.date(1900, 1, 1)
        )
        until = c2.date_input(
            t("until", lang), value=None, key="until", format="DD.MM.YYYY", min_value=dt.date(1900, 1, 1)
        )
        st.subheader(t("collection", lang))
        s1, s2 = st.columns(2)
        s1.metric(t("stat_articles", lang), len(articles))
        s2.metric(t("stat_chunks", lang), res.index.count())
        st.caption(f"{t('stat_model', lang)}: `{res.embedder.name}`")
    settings = base.with_(top_k=top_k, retrieval_mode=mode, llm=backend, llm_model=model)
    try:
        filters = Filters.make(
            sources=chosen, since=since.isoformat() if since else None, until=until.isoformat() if until else None
        )
    except FilterError as e:
        return Request(settings, None, str(e))
    return Request(settings, filters if filters else None)
