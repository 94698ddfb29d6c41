"""The articles page: upload (several files, every supported format) with per-file results; list, search, delete."""

from __future__ import annotations

import math

import streamlit as st

from ingest.loaders import supported_suffixes
from quelle.answering.citations import also_text
from quelle.batch.output import spreadsheet_safe
from quelle.ui import access, state
from quelle.i18n import text as t
from quelle.ui.render import md_escape
from quelle.ui.uploads import UploadResult, ingest_uploads

STATUS_ICON = {
    "added": ":green[:material/check_circle:]",
    "updated": ":blue[:material/sync:]",
    "unchanged": ":gray[:material/radio_button_unchecked:]",
    "failed": ":red[:material/error:]",
    "skipped": ":gray[:material/skip_next:]",
    "duplicate": ":gray[:material/content_copy:]",
}


def matches(article: dict, query: str) -> bool:
    q = query.strip().lower()
    return not q or any(q in str(article.get(k, "")).lower() for k in ("title", "source", "article_id", "date"))


def article_rows(articles: list[dict], lang: str, everything: list[dict] | None = None) -> list[dict]:
    """The article table for st.dataframe (plain text cells). Its toolbar downloads the cells as CSV as they are, so
    they are spreadsheet-safe like every CSV Quelle writes: a title such as `=HYPERLINK(…)` gets a leading `'`.
    „auch bei“: the other versions of an article's near-duplicate group among `everything` (default: `articles`)."""
    also = also_by_article(everything if everything is not None else articles)
    return [
        {
            t("col_title", lang): spreadsheet_safe(a["title"]),
            t("col_date", lang): spreadsheet_safe(a["date"]),
            t("col_source", lang): spreadsheet_safe(a["source"]),
            t("col_also", lang): spreadsheet_safe(also_text(also.get(a["article_id"], []), more=t("also_more", lang))),
            t("col_chunks", lang): a["chunks"],
            t("col_id", lang): spreadsheet_safe(a["article_id"]),
            t("col_group", lang): spreadsheet_safe(a.get("group", "") if a["article_id"] in also else ""),
        }
        for a in articles
    ]


def also_by_article(articles: list[dict]) -> dict[str, list[dict]]:
    """Article id -> the other articles of its near-duplicate group (oldest first), for articles with copies."""
    by_group: dict[str, list[dict]] = {}
    for a in articles:
        by_group.setdefault(a.get("group") or a["article_id"], []).append(a)
    out = {}
    for members in by_group.values():
        if len(members) > 1:
            for a in members:
                others = [m for m in members if m is not a]
                out[a["article_id"]] = sorted(others, key=lambda m: (m.get("date") or "9999", m.get("source", "")))
    return out


def result_line(r: UploadResult, lang: str) -> str:
    line = f"{STATUS_ICON.get(r.status, '')} **{md_escape(r.name)}** — {t('status_' + r.status, lang)}"
    if r.chunks:
        line += f" · {r.chunks} {t('col_chunks', lang)}"
    if r.message:
        line += f" · {md_escape(r.message)}"
    return line


def upload_section(lang: str) -> None:
    res = state.resources()
    types = supported_suffixes()
    limit = res.settings.max_file_mb
    st.subheader(t("upload", lang))
    with st.form("upload_form", clear_on_submit=True):
        files = st.file_uploader(
            t("upload", lang),
            type=[s.lstrip(".") for s in types],
            accept_multiple_files=True,
            max_upload_size=max(1, math.ceil(limit)),
            label_visibility="collapsed",
            help=t("upload_help", lang, types=", ".join(types), mb=f"{limit:g}"),
        )
        st.caption(t("upload_help", lang, types=", ".join(types), mb=f"{limit:g}"))
        submitted = st.form_submit_button(t("upload_button", lang), type="primary")
    if submitted:
        if not files:
            st.warning(t("upload_none", lang))
        else:
            bar = st.progress(0.0)

            def progress(done: int, total: int, name: str) -> None:
                bar.progress(done / max(total, 1), text=t("uploading", lang, name=md_escape(name)))

            results = ingest_uploads(state.library(), list(files), limit, lang, progress)
            bar.progress(1.0)
            st.session_state.upload_results = results
    results = st.session_state.get("upload_results")
    if results:
        counts = {}
        for r in results:
            counts[r.status] = counts.get(r.status, 0) + 1
        st.success(
            t("upload_done", lang, summary=" · ".join(f"{t('status_' + s, lang)}: {n}" for s, n in counts.items()))
        )
        for r in results:
            st.markdown(result_line(r, lang))


def embedding_section(lang: str, editor: bool) -> None:
    """Chunks stored but not embedded yet (quelle/embedding_worker.py): how far the embedding is, and for editors a
    button that embeds them here. Nothing shown when every chunk has its vector."""
    from quelle.embedding_worker import WorkerBusy, embed_pending, embedding_progress

    res = state.resources()
    done, total = embedding_progress(res.index)
    if done >= total:
        return
    st.progress(done / total, text=t("embedding_progress", lang, done=done, total=total, pending=total - done))
    if editor and st.button(t("embed_button", lang), key="embed_button", icon=":material/memory:"):
        access.require_editor()
        bar = st.progress(0.0)

        def progress(n: int, of: int) -> None:
            bar.progress(n / max(of, 1), text=t("embedding_running", lang, done=n, total=of))

        try:
            report = embed_pending(res, progress=progress)
        except WorkerBusy:
            st.info(t("embedding_busy", lang))
            return
        st.success(t("embedding_done", lang, n=report.embedded))


def delete_article(lib, article_id: str, lang: str, title: str = "") -> str:
    """Delete one article (re-checks the editor role on the server first: AccessDenied); the success message."""
    access.require_editor()
    n = lib.delete(article_id)
    return t("deleted", lang, title=md_escape(title or article_id), n=n)


def list_section(lang: str, editor: bool = True) -> None:
    lib = state.library()
    articles = lib.articles()
    st.subheader(t("list", lang))
    if msg := st.session_state.pop("deleted", None):
        st.success(msg)
    query = st.text_input(t("search", lang), key="article_search")
    shown = [a for a in articles if matches(a, query)]
    st.caption(t("count", lang, shown=len(shown), total=len(articles)))
    if not shown:
        st.info(t("no_articles", lang))
        return
    # st.dataframe renders cell values as plain text (never markdown or HTML); spreadsheet-safe for its CSV download
    st.dataframe(article_rows(shown, lang, articles), hide_index=True, width="stretch")
    groups_section(lib, articles, lang)
    if not editor:  # readers get no delete control at all
        return
    st.subheader(t("delete", lang))
    by_id = {a["article_id"]: a for a in shown}
    pick = st.selectbox(
        t("delete_pick", lang), list(by_id), key="delete_pick", format_func=lambda i: f"{by_id[i]['title'] or i} ({i})"
    )
    if st.button(t("delete_button", lang), key="delete_button", icon=":material/delete:") and pick:
        try:
            st.session_state.deleted = delete_article(lib, pick, lang, by_id[pick]["title"])
        except access.AccessDenied as e:
            st.error(str(e))
            return
        st.rerun()


def groups_section(lib, articles: list[dict], lang: str) -> None:
    """The groups of copies (syndicated and updated versions), the earliest version first (docs/dedup.md)."""
    rows = lib.groups()
    with st.expander(f"{t('groups_title', lang)} ({len(rows)})"):
        st.caption(t("groups_caption", lang))
        if not rows:
            st.info(t("groups_none", lang))
            return
        by_id = {a["article_id"]: a for a in articles}
        table = [
            {
                t("col_group", lang): spreadsheet_safe(r["group"]),
                t("col_date", lang): spreadsheet_safe(by_id.get(aid, {}).get("date", "")),
                t("col_source", lang): spreadsheet_safe(by_id.get(aid, {}).get("source", "")),
                t("col_title", lang): spreadsheet_safe(by_id.get(aid, {}).get("title", "")),
                t("col_id", lang): spreadsheet_safe(aid),
            }
            for r in rows
            for aid in r["articles"]
        ]
        st.dataframe(table, hide_index=True, width="stretch")


def page() -> None:
    from quelle.ui.feeds import feeds_section

    lang = state.language()
    editor = access.can_edit(access.current_role())
    if editor:
        upload_section(lang)
        st.divider()
    else:
        st.info(t("access_read_only", lang), icon=":material/lock:")
    feeds_section(lang, editor)
    st.divider()
    embedding_section(lang, editor)
    list_section(lang, editor)
