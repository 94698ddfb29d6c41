"""The evaluation page: run gold questions through ask() (quelle.evaluation) or open a report; metrics + plots."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import streamlit as st

from quelle import bundled
from quelle.evaluation.corpus import articles_from_store
from quelle.evaluation.gold import GoldError, GoldQuestion, read_gold
from quelle.evaluation.report import PLOT_TITLES, PLOTS, write_report
from quelle.evaluation.runner import ANSWER_KEYS, METRIC_KEYS, SLICE_KEYS, EvalConfig, run_evaluation
from quelle.settings import Settings
from quelle.ui import access, state
from quelle.i18n import text as t
from quelle.ui.render import md_escape
from quelle.uploads import safe_filename, without_folder

OWN_REPORTS = "eval_own_reports"  # session_state: the report folders this session's runs wrote
DEMO_GOLD = Path(str(bundled.demo_gold()))  # package data (data/demo/gold.jsonl in the repo)
# headings of the answer-shape and slice tables (kept here: the report's own words, German and English)
_LABELS = {
    "de": {
        "answers": "Antwortsätze und Antwortspannen (beantwortbare Fragen)",
        "slices": "Teilmengen",
        "slice": "Teilmenge",
    },
    "en": {"answers": "Answer sentences and answer spans (answerable questions)", "slices": "Slices", "slice": "slice"},
}


def run(gold: Path | list[GoldQuestion], request: state.Request, lang: str, result_out: dict | None = None) -> Path:
    """Evaluate the gold file (or questions) with the sidebar's settings; the report goes to a new temp folder
    (returned); `result_out["rows"]` receives the result rows."""
    res = state.resources()
    questions = read_gold(gold) if isinstance(gold, Path) else gold
    bar = st.progress(0.0)

    def progress(config: str, done: int, total: int) -> None:
        bar.progress(done / max(total, 1), text=t("eval_progress", lang, done=done, total=total))

    out = Path(tempfile.mkdtemp(prefix="quelle-eval-"))
    result = run_evaluation(
        questions,
        [EvalConfig("standard", request.settings)],
        res,
        lambda: articles_from_store(res.index),
        out / "results.jsonl",
        progress,
    )
    write_report(result, out)
    st.session_state.setdefault(OWN_REPORTS, []).append(str(out.resolve()))
    if result_out is not None:
        result_out["rows"] = result.rows["standard"]
    return out


class ReportRefused(PermissionError):
    """A report folder this role may not open (or no folder at all); `key` names the UI text, `typed` the folder as
    the user gave it (what the message shows: the resolved `path` is the server's and stays on the server)."""

    def __init__(self, key: str, path: Path, typed: str = ""):
        super().__init__(f"{key}: {path}")
        self.key, self.path, self.typed = key, path, typed or str(path)


REPORT_FILES = ("metrics.json", "report.html", "report.md", *PLOTS.values())  # all the page ever reads


def report_folder(raw: str | Path, role: str | None, data_dir: Path, own_reports: list[str] = ()) -> Path:
    """The folder `raw` names, resolved (~, relative to the server's working folder, `..`, symlinks), if `role` may
    open it; else ReportRefused. An editor may open any folder; a reader only one inside the data dir or one this
    session's runs wrote (`own_reports`)."""
    typed = str(raw).strip()
    folder = Path(typed).expanduser().resolve()
    if not access.can_edit(role):
        inside_data = folder.is_relative_to(Path(data_dir).expanduser().resolve())
        if not inside_data and str(folder) not in {str(Path(p).resolve()) for p in own_reports}:
            raise ReportRefused("eval_refused_reader", folder, typed)
    if not folder.is_dir():
        raise ReportRefused("eval_no_folder", folder, typed)
    return folder


def report_file(folder: Path, name: str) -> Path | None:
    """A report file the page may read: one of REPORT_FILES, a regular file that (symlinks resolved) lies directly
    in `folder` — a link from a report folder to a file elsewhere is not followed."""
    if name not in REPORT_FILES:
        return None
    path = (folder / name).resolve()
    return path if path.parent == folder.resolve() and path.is_file() else None


def open_report(raw: str | Path, lang: str) -> Path | None:
    """The role's check for a report folder (typed or kept in the session); the refusal shown as an error, naming
    the folder as it was typed (not the server path it resolves to)."""
    request = st.session_state.get("request")
    data_dir = request.settings.data_dir if request is not None else Settings().data_dir
    try:
        return report_folder(raw, access.current_role(), data_dir, st.session_state.get(OWN_REPORTS, []))
    except ReportRefused as e:
        st.error(t(e.key, lang, path=md_escape(e.typed)), icon=":material/block:")
        return None


def visible_ratings(records: list, role: str | None, own_chats: set[str]) -> list:
    """The ratings `role` may see: an editor (everyone when no password is set) all of them; a reader only those
    made in their own browser session (`own_chats`: its chat ids, quelle.ui.feedback.own_chats); nobody else any."""
    if access.can_edit(role):
        return list(records)
    if role is None:
        return []
    return [r for r in records if r.session_id and r.session_id in own_chats]


def feedback_section(request: state.Request | None, lang: str) -> None:
    """Ratings from the chat as gold questions: counts, the ratings, one click to evaluate them with the sidebar's
    settings (and how many rated answers would now change), the gold file to download — for a reader only the
    ratings of their own session (visible_ratings), in the table, the counts, the run and the download alike."""
    from quelle.batch.output import spreadsheet_safe
    from quelle.feedback.export import changed, export, gold_questions
    from quelle.feedback.store import UP, FeedbackStore
    from quelle.ui.feedback import own_chats

    st.subheader(t("fb_section", lang))
    if cleared := st.session_state.pop("fb_cleared", None):
        st.success(t("fb_cleared", lang, **cleared), icon=":material/delete:")
    if request is None:
        return
    store = FeedbackStore(request.settings.data_dir)
    role = access.current_role()
    records = visible_ratings(store.records(), role, own_chats())
    if access.can_edit(role) and (records or store.chat_count()):
        clear_section(store, lang)
    if not records:
        st.caption(t("fb_none", lang))
        return
    gold = export(records)
    up = sum(1 for r in records if r.rating == UP)
    st.caption(t("fb_intro", lang))
    st.markdown(
        md_escape(
            t(
                "fb_counts",
                lang,
                total=len(records),
                up=up,
                down=len(records) - up,
                gold=len(gold.rows),
                skipped=len(gold.skipped),
            )
        )
    )
    st.dataframe(
        [
            {
                t("fb_col_time", lang): r.updated[:16].replace("T", " "),
                t("fb_col_rating", lang): "👍" if r.rating == UP else "👎",
                t("fb_col_question", lang): spreadsheet_safe(r.question),
                t("fb_col_answer", lang): spreadsheet_safe(r.answer.get("answer", "")),
                t("fb_col_reason", lang): t(f"fb_reason_{r.reason}", lang) if r.reason else "",
                t("fb_col_correction", lang): spreadsheet_safe(r.correction),
            }
            for r in records
        ],
        hide_index=True,
        key="fb_table",
    )  # a dataframe shows every value as text; its CSV download writes them as they are: spreadsheet-safe
    if not gold.rows:
        return
    left, right = st.columns(2)
    if left.button(t("fb_run", lang), type="primary", key="fb_run", icon=":material/fact_check:"):
        outcome: dict = {}
        st.session_state.eval_report = str(run(gold_questions(gold.rows), request, lang, outcome))
        n, total = changed(outcome.get("rows", []))
        st.session_state.fb_changed = {"changed": n, "total": total}
    body = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in gold.rows).encode("utf-8")
    right.download_button(
        t("fb_download", lang),
        body,
        file_name="feedback-gold.jsonl",
        mime="application/jsonl",
        key="fb_download",
        on_click="ignore",
        icon=":material/download:",
    )
    if counts := st.session_state.get("fb_changed"):
        st.info(t("fb_changed", lang, **counts), icon=":material/compare_arrows:")


def clear_feedback(data_dir: Path, lang: str = "de") -> tuple[int, int]:
    """Delete every rating and stored chat (the core of `quelle feedback clear`); the role is checked again here on
    the server (AccessDenied for a reader), whatever control led here. Returns (ratings, chats) deleted."""
    from quelle.feedback.store import FeedbackStore

    access.check_editor(access.current_role(), t("fb_clear_denied", lang))
    return FeedbackStore(data_dir).clear()


def clear_section(store, lang: str) -> None:
    """„Alle Bewertungen und Chats löschen“ with a confirmation (editors; everyone when there are no passwords)."""
    if not st.session_state.get("fb_clear_pending"):
        if st.button(t("fb_clear", lang), key="fb_clear", icon=":material/delete_forever:"):
            st.session_state.fb_clear_pending = True
            st.rerun()
        return
    st.warning(
        t(
            "fb_clear_confirm",
            lang,
            ratings=len(store.records()),
            chats=store.chat_count(),
            data_dir=md_escape(str(store.data_dir)),
        ),
        icon=":material/warning:",
    )
    yes, no = st.columns(2)
    if yes.button(t("fb_clear_yes", lang), key="fb_clear_yes", type="primary", icon=":material/delete_forever:"):
        st.session_state.pop("fb_clear_pending", None)
        try:
            ratings, chats = clear_feedback(store.data_dir, lang)
        except access.AccessDenied as e:
            st.error(str(e), icon=":material/block:")
            return
        from quelle.ui import feedback

        feedback.start_new_chat()  # this session's chat is gone from the store too: start over
        st.session_state.pop("fb_changed", None)
        st.session_state.fb_cleared = {"ratings": ratings, "chats": chats}
        st.rerun()
    if no.button(t("fb_clear_cancel", lang), key="fb_clear_cancel"):
        st.session_state.pop("fb_clear_pending", None)
        st.rerun()


def show_report(folder: Path, lang: str) -> None:
    """The report in `folder` (checked by open_report): only REPORT_FILES lying in it are read."""
    metrics_path = report_file(folder, "metrics.json")
    if metrics_path is None:
        st.warning(t("eval_missing", lang, path=md_escape(str(folder))))
        return
    metrics = json.loads(metrics_path.read_text(encoding="utf-8"))
    st.subheader(t("eval_metrics", lang))
    st.dataframe(
        [{"metric": k, "value": metrics.get(k)} for k in METRIC_KEYS if k in metrics], hide_index=True, width="content"
    )
    labels = _LABELS.get(lang, _LABELS["de"])
    shape = [k for k in ANSWER_KEYS if k in metrics]  # reports written before issue 14 have none of these
    if shape:
        st.subheader(labels["answers"])
        for i in range(0, len(shape), 3):  # three to a row: the key names are long
            for col, key in zip(st.columns(3), shape[i : i + 3]):
                value = metrics.get(key)
                col.metric(key, "–" if value is None else f"{value:.3f}")
    rows = [
        {labels["slice"]: f"{field}={name}", **{k: figures.get(k) for k in SLICE_KEYS}}
        for field, groups in (metrics.get("slices") or {}).items()
        for name, figures in groups.items()
    ]
    if rows:
        st.subheader(labels["slices"])
        st.dataframe(rows, hide_index=True, width="content")
    st.subheader(t("eval_plots", lang))
    for key, name in PLOTS.items():
        if path := report_file(folder, name):
            st.image(str(path), caption=PLOT_TITLES.get(key, key))
    for name, mime in (
        ("report.html", "text/html"),
        ("metrics.json", "application/json"),
        ("report.md", "text/markdown"),
    ):
        if path := report_file(folder, name):
            st.download_button(
                t("eval_download", lang, name=name),
                path.read_bytes(),
                file_name=name,
                mime=mime,
                key=f"eval_download_{name}",
                icon=":material/download:",
            )


def page() -> None:
    lang = state.language()
    request = st.session_state.get("request")
    st.caption(t("eval_intro", lang))
    with st.form("eval_form"):
        upload = st.file_uploader(t("eval_gold", lang), type=["jsonl", "json", "csv"])
        use_demo = st.checkbox(t("eval_demo", lang), value=upload is None and DEMO_GOLD.is_file(), key="eval_demo")
        start = st.form_submit_button(t("eval_run", lang), type="primary")
    with st.form("eval_open_form"):
        help_key = "eval_open_help_editor" if access.can_edit(access.current_role()) else "eval_open_help_reader"
        folder = st.text_input(t("eval_open", lang), key="eval_folder", help=t(help_key, lang))
        open_clicked = st.form_submit_button(t("eval_open_button", lang))
    if start and request is not None:
        st.session_state.pop("fb_changed", None)
        try:
            if upload is not None:
                with tempfile.TemporaryDirectory(prefix="quelle-gold-") as tmp:
                    gold = Path(tmp) / safe_filename(upload.name)
                    gold.write_bytes(upload.getvalue())
                    try:
                        st.session_state.eval_report = str(run(gold, request, lang))
                    except GoldError as e:  # named by the file's name, not by the server's temp folder
                        raise GoldError(without_folder(str(e), tmp)) from None
            elif use_demo:
                st.session_state.eval_report = str(run(DEMO_GOLD, request, lang))
            else:
                st.warning(t("eval_need_gold", lang))
        except GoldError as e:
            st.error(t("error", lang, message=md_escape(str(e))))
    if open_clicked and folder.strip():
        st.session_state.pop("eval_report", None)
        if opened := open_report(folder, lang):
            st.session_state.eval_report = str(opened)
    feedback_section(request, lang)
    if (report := st.session_state.get("eval_report")) and (opened := open_report(report, lang)):
        st.caption(md_escape(str(opened)))
        show_report(opened, lang)
