"""The evaluation page: run gold questions through ask() (quelle.evaluation) or open a report; metrics + plots."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import streamlit as st

from quelle import bundled
from quelle.evaluation.corpus import articles_from_store
from quelle.evaluation.gold import GoldError, read_gold
from quelle.evaluation.report import PLOT_TITLES, PLOTS, write_report
from quelle.evaluation.runner import ANSWER_KEYS, METRIC_KEYS, SLICE_KEYS, EvalConfig, run_evaluation
from quelle.ui import state
from quelle.ui.i18n import text as t
from quelle.ui.render import md_escape
from quelle.ui.uploads import safe_filename

DEMO_GOLD = Path(str(bundled.demo_gold()))  # package data (data/demo/gold.jsonl in the repo)
# headings of the answer-shape and slice tables (kept here: the report's own words, German and English)
_LABELS = {"de": {"answers": "Antwortsätze und Antwortspannen (beantwortbare Fragen)", "slices": "Teilmengen",
                  "slice": "Teilmenge"},
           "en": {"answers": "Answer sentences and answer spans (answerable questions)", "slices": "Slices",
                  "slice": "slice"}}


def run(gold: Path, request: state.Request, lang: str) -> Path:
    """Evaluate the gold file with the sidebar's settings; the report goes to a new temp folder (returned)."""
    res = state.resources()
    questions = read_gold(gold)
    bar = st.progress(0.0)

    def progress(config: str, done: int, total: int) -> None:
        bar.progress(done / max(total, 1), text=t("eval_progress", lang, done=done, total=total))

    out = Path(tempfile.mkdtemp(prefix="quelle-eval-"))
    result = run_evaluation(questions, [EvalConfig("standard", request.settings)], res,
                            lambda: articles_from_store(res.store), out / "results.jsonl", progress)
    write_report(result, out)
    return out


def show_report(folder: Path, lang: str) -> None:
    metrics_path = folder / "metrics.json"
    if not metrics_path.is_file():
        st.warning(t("eval_missing", lang, path=md_escape(str(folder))))
        return
    metrics = json.loads(metrics_path.read_text(encoding="utf-8"))
    st.subheader(t("eval_metrics", lang))
    st.dataframe([{"metric": k, "value": metrics.get(k)} for k in METRIC_KEYS if k in metrics],
                 hide_index=True, width="content")
    labels = _LABELS.get(lang, _LABELS["de"])
    shape = [k for k in ANSWER_KEYS if k in metrics]  # reports written before issue 14 have none of these
    if shape:
        st.subheader(labels["answers"])
        for i in range(0, len(shape), 3):  # three to a row: the key names are long
            for col, key in zip(st.columns(3), shape[i:i + 3]):
                value = metrics.get(key)
                col.metric(key, "–" if value is None else f"{value:.3f}")
    rows = [{labels["slice"]: f"{field}={name}", **{k: figures.get(k) for k in SLICE_KEYS}}
            for field, groups in (metrics.get("slices") or {}).items() for name, figures in groups.items()]
    if rows:
        st.subheader(labels["slices"])
        st.dataframe(rows, hide_index=True, width="content")
    st.subheader(t("eval_plots", lang))
    for key, name in PLOTS.items():
        if (folder / name).is_file():
            st.image(str(folder / name), caption=PLOT_TITLES.get(key, key))
    for name, mime in (("report.html", "text/html"), ("metrics.json", "application/json"), ("report.md", "text/markdown")):
        if (folder / name).is_file():
            st.download_button(t("eval_download", lang, name=name), (folder / name).read_bytes(), file_name=name,
                               mime=mime, key=f"eval_download_{name}", icon=":material/download:")


def page() -> None:
    lang = state.language()
    request = st.session_state.get("request")
    st.caption(t("eval_intro", lang))
    with st.form("eval_form"):
        upload = st.file_uploader(t("eval_gold", lang), type=["jsonl", "json", "csv"])
        use_demo = st.checkbox(t("eval_demo", lang), value=upload is None and DEMO_GOLD.is_file(), key="eval_demo")
        start = st.form_submit_button(t("eval_run", lang), type="primary")
    with st.form("eval_open_form"):
        folder = st.text_input(t("eval_open", lang), key="eval_folder")
        open_clicked = st.form_submit_button(t("eval_open_button", lang))
    if start and request is not None:
        try:
            if upload is not None:
                with tempfile.TemporaryDirectory(prefix="quelle-gold-") as tmp:
                    gold = Path(tmp) / safe_filename(upload.name)
                    gold.write_bytes(upload.getvalue())
                    st.session_state.eval_report = str(run(gold, request, lang))
            elif use_demo:
                st.session_state.eval_report = str(run(DEMO_GOLD, request, lang))
            else:
                st.warning(t("eval_need_gold", lang))
        except GoldError as e:
            st.error(t("error", lang, message=md_escape(str(e))))
    if open_clicked and folder.strip():
        st.session_state.eval_report = str(Path(folder.strip()).expanduser())
    if report := st.session_state.get("eval_report"):
        st.caption(md_escape(report))
        show_report(Path(report), lang)
