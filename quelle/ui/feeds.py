"""The „Feeds“ section of the Artikel page: add a feed, sitemap or article URL; each feed's status, last sync and
articles; „Jetzt aktualisieren“ runs one pass (quelle.feeds.Syncer, as `quelle sync`) with a progress bar; remove.

Feed names, URLs and messages come from the web: they are shown escaped (md_escape) or in st.dataframe (plain text,
spreadsheet-safe for the table's CSV download)."""

from __future__ import annotations

import streamlit as st

from quelle.batch.output import spreadsheet_safe
from quelle.feeds import KIND_LABEL, FeedSettings, RegistryError, SyncBusy, Syncer, add_feed, open_registry, remove_feed
from quelle.feeds.sync import SyncReport
from quelle.ui import access, state
from quelle.ui.render import md_escape

TEXTS = {
    "de": {
        "feeds": "Feeds",
        "intro": "RSS/Atom-Feeds, Sitemaps (auch News-Sitemaps) oder einzelne Artikel-URLs. „Jetzt aktualisieren“ holt "
        "neue und geänderte Artikel (wie `quelle sync`).",
        "url": "URL",
        "url_placeholder": "https://…/feed.xml",
        "name": "Name (optional)",
        "add": "Feed hinzufügen",
        "need_url": "Bitte eine URL eingeben.",
        "added": "Hinzugefügt: {name} ({kind})",
        "existed": "Schon gespeichert: {name} ({kind})",
        "none": "Noch keine Feeds gespeichert.",
        "col_name": "Name",
        "col_url": "URL",
        "col_kind": "Art",
        "col_last": "Letzte Synchronisierung",
        "col_status": "Status",
        "col_pass": "Letzter Durchgang",
        "col_articles": "Artikel",
        "never": "noch nie",
        "st_ok": "ok",
        "st_not_modified": "unverändert (304)",
        "st_failed": "Fehler",
        "st_interrupted": "abgebrochen",
        "c_new": "neu",
        "c_updated": "aktualisiert",
        "c_unchanged": "unverändert",
        "c_failed": "fehlgeschlagen",
        "sync": "Jetzt aktualisieren",
        "syncing": "{name}: {done} von {total} Einträgen",
        "sync_start": "Feeds werden abgerufen …",
        "busy": "Gerade läuft schon eine Synchronisierung (z. B. `quelle sync --every`). Bitte später erneut.",
        "summary": "Fertig: neu {new} · aktualisiert {updated} · unverändert {unchanged} · fehlgeschlagen {failed}",
        "feed_failed": "**{name}**: {message}",
        "entry_failed": "{url}: {message}",
        "note": "{url}: {message}",
        "remove": "Feed entfernen",
        "remove_pick": "Feed",
        "remove_articles": "Auch seine Artikel löschen",
        "remove_button": "Entfernen",
        "removed": "Entfernt: {name}{deleted}",
        "removed_articles": " · {n} Artikel gelöscht",
    },
    "en": {
        "feeds": "Feeds",
        "intro": "RSS/Atom feeds, sitemaps (news sitemaps too) or single article URLs. “Update now” fetches new and "
        "changed articles (like `quelle sync`).",
        "url": "URL",
        "url_placeholder": "https://…/feed.xml",
        "name": "Name (optional)",
        "add": "Add feed",
        "need_url": "Please enter a URL.",
        "added": "Added: {name} ({kind})",
        "existed": "Already stored: {name} ({kind})",
        "none": "No feeds stored yet.",
        "col_name": "Name",
        "col_url": "URL",
        "col_kind": "Kind",
        "col_last": "Last sync",
        "col_status": "Status",
        "col_pass": "Last pass",
        "col_articles": "Articles",
        "never": "never",
        "st_ok": "ok",
        "st_not_modified": "unchanged (304)",
        "st_failed": "failed",
        "st_interrupted": "interrupted",
        "c_new": "new",
        "c_updated": "updated",
        "c_unchanged": "unchanged",
        "c_failed": "failed",
        "sync": "Update now",
        "syncing": "{name}: {done} of {total} entries",
        "sync_start": "Fetching the feeds …",
        "busy": "A sync is already running (e.g. `quelle sync --every`). Please try again later.",
        "summary": "Done: new {new} · updated {updated} · unchanged {unchanged} · failed {failed}",
        "feed_failed": "**{name}**: {message}",
        "entry_failed": "{url}: {message}",
        "note": "{url}: {message}",
        "remove": "Remove a feed",
        "remove_pick": "Feed",
        "remove_articles": "Also delete its articles",
        "remove_button": "Remove",
        "removed": "Removed: {name}{deleted}",
        "removed_articles": " · {n} articles deleted",
    },
}


def tt(key: str, lang: str, **values) -> str:
    table = TEXTS.get(lang, TEXTS["de"])
    template = table.get(key) or TEXTS["de"].get(key, key)
    return template.format(**values) if values else template


def feed_rows(feeds, lang: str) -> list[dict]:
    """The feed table for st.dataframe. Names, URLs and messages come from the web and the table's toolbar downloads
    them as CSV, so every text cell is spreadsheet-safe (a leading `'` before `=`, `+`, `-`, `@`, tab, CR)."""
    rows = []
    for f in feeds:
        status = tt(f"st_{f.status}", lang) if f.status else tt("never", lang)
        if f.message:
            status += f": {f.message}"
        rows.append(
            {
                tt("col_name", lang): f.name,
                tt("col_url", lang): f.url,
                tt("col_kind", lang): KIND_LABEL.get(f.kind or "", f.kind or ""),
                tt("col_last", lang): f.last_sync.replace("T", " ")[:19] or tt("never", lang),
                tt("col_status", lang): status,
                tt("col_pass", lang): " · ".join(f"{tt('c_' + k, lang)} {v}" for k, v in (f.summary or {}).items() if v)
                or "–",
                tt("col_articles", lang): f.articles,
            }
        )
        rows[-1] = {k: spreadsheet_safe(v) for k, v in rows[-1].items()}
    return rows


def report_lines(report: SyncReport, lang: str) -> dict:
    """What stays on screen after a pass (plain data in session_state): summary, failures, notes."""
    failures, notes = [], []
    for f in report.feeds:
        if f.status == "failed" and not f.entries:
            failures.append(tt("feed_failed", lang, name=md_escape(f.name), message=md_escape(f.message)))
        for e in f.entries:
            if e.status == "failed":
                failures.append(tt("entry_failed", lang, url=md_escape(e.label), message=md_escape(e.message)))
            elif e.message:
                notes.append(tt("note", lang, url=md_escape(e.label), message=md_escape(e.message)))
        notes += [md_escape(f"{f.name}: {n}") for n in f.notes]
    return {"summary": tt("summary", lang, **report.summary()), "failures": failures, "notes": notes}


def _add_form(registry, settings, lang: str) -> None:
    with st.form("feed_add_form", clear_on_submit=True):
        c1, c2 = st.columns([3, 2])
        url = c1.text_input(tt("url", lang), key="feed_url", placeholder=tt("url_placeholder", lang))
        name = c2.text_input(tt("name", lang), key="feed_name")
        submitted = st.form_submit_button(tt("add", lang), icon=":material/add:")
    if submitted:
        try:
            access.require_editor()
        except access.AccessDenied as e:
            st.session_state.feed_message = ("error", str(e))
            return
        if not url.strip():
            st.session_state.feed_message = ("warning", tt("need_url", lang))
        else:
            try:
                with st.spinner(md_escape(url)):
                    got = add_feed(registry, settings, url, name=name or None)
            except RegistryError as e:
                st.session_state.feed_message = ("error", md_escape(str(e)))
            else:
                key = "existed" if got.existed else "added"
                text = tt(key, lang, name=md_escape(got.feed.name), kind=KIND_LABEL.get(got.feed.kind, got.feed.kind))
                st.session_state.feed_message = ("success", "  \n".join([text] + [md_escape(n) for n in got.notes]))


def _sync(registry, feeds, lang: str) -> None:
    try:
        access.require_editor()
    except access.AccessDenied as e:
        st.session_state.feed_message = ("error", str(e))
        return
    bar = st.progress(0.0, text=tt("sync_start", lang))
    position = {"feed": 0}

    def progress(what: str, done: int, total: int, label: str) -> None:
        if what == "feed":
            position["feed"] = done
        elif what == "entries":
            share = (position["feed"] + done / max(total, 1)) / max(len(feeds), 1)
            bar.progress(min(share, 1.0), text=tt("syncing", lang, name=md_escape(label), done=done, total=total))

    try:
        report = Syncer(state.library(), registry, FeedSettings(), progress=progress).run(feeds, wait=False)
    except SyncBusy:
        bar.empty()
        st.session_state.feed_message = ("warning", tt("busy", lang))
        return
    bar.empty()  # the counts follow below
    st.session_state.feed_report = report_lines(report, lang)


def _remove_form(registry, feeds, lang: str) -> None:
    with st.expander(tt("remove", lang)):
        by_url = {f.url: f for f in feeds}
        pick = st.selectbox(
            tt("remove_pick", lang),
            list(by_url),
            key="feed_remove_pick",
            format_func=lambda u: f"{by_url[u].name} ({u})",
        )
        delete_articles = st.checkbox(tt("remove_articles", lang), key="feed_remove_articles")
        if st.button(tt("remove_button", lang), key="feed_remove_button", icon=":material/delete:") and pick:
            try:
                access.require_editor()
            except access.AccessDenied as e:
                st.error(str(e))
                return
            removed, deleted = remove_feed(registry, pick, state.library() if delete_articles else None)
            extra = tt("removed_articles", lang, n=len(deleted)) if delete_articles else ""
            st.session_state.feed_message = (
                "success",
                tt("removed", lang, name=md_escape(removed.name), deleted=extra),
            )
            st.session_state.pop("feed_report", None)
            st.rerun()


def feeds_section(lang: str, editor: bool = True) -> None:
    """The feeds; for readers (editor=False) only the table: no add, sync or remove control."""
    settings = state.resources().settings
    st.subheader(tt("feeds", lang))
    st.caption(tt("intro", lang))
    with open_registry(settings) as registry:
        if editor:
            _add_form(registry, settings, lang)
        if msg := st.session_state.pop("feed_message", None):
            getattr(st, msg[0])(msg[1])
        feeds = registry.feeds()
        if not feeds:
            st.info(tt("none", lang))
            return
        table = st.empty()
        if editor and st.button(tt("sync", lang), key="feed_sync", type="primary", icon=":material/sync:"):
            _sync(registry, feeds, lang)
            if msg := st.session_state.pop("feed_message", None):
                getattr(st, msg[0])(msg[1])
            feeds = registry.feeds()
        table.dataframe(feed_rows(feeds, lang), hide_index=True, width="stretch")  # plain text cells
        if got := st.session_state.get("feed_report"):
            (st.warning if got["failures"] else st.success)(got["summary"])
            for line in got["failures"]:
                st.markdown(f":red[:material/error:] {line}")
            for line in got["notes"]:
                st.caption(line)
        if editor:
            _remove_form(registry, feeds, lang)
