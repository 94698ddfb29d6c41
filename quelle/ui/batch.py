"""The batch page: upload a question file, answer every question with quelle.batch.run_batch, download."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import streamlit as st

from quelle.batch import INPUT_FORMATS, OUTPUT_FORMATS, InputError, OutputError, read_output, run_batch
from quelle.batch.output import spreadsheet_safe
from quelle.ui import state
from quelle.i18n import text as t
from quelle.ui.render import md_escape
from quelle.uploads import safe_filename, without_folder


def table_rows(rows: list[dict]) -> list[dict]:
    """Output rows for st.dataframe (plain text cells): citations as '[n] title' lines. The table's own CSV download
    writes cells as they are, so they are spreadsheet-safe like the output file's (a leading `'` before `=`, …)."""
    out = []
    for r in rows:
        cites = r.get("citations") or []
        if isinstance(cites, str):
            cites = json.loads(cites or "[]")
        out.append(
            {
                "id": r.get("id", ""),
                "question": r.get("question", ""),
                "answer": r.get("answer", ""),
                "abstained": bool(r.get("abstained")),
                "citations": "; ".join(f"[{c.get('n')}] {c.get('title', '')}" for c in cites),
                "error": r.get("error") or "",
            }
        )
        out[-1] = {k: spreadsheet_safe(v) for k, v in out[-1].items()}
    return out


def answer_file(name: str, data: bytes, output_format: str, request: state.Request, lang: str) -> dict:
    """Run the batch in a fresh temp folder; returns what the page shows (summary, rows, output bytes)."""
    res = state.resources()
    bar = st.progress(0.0)

    def progress(done: int, total: int, row) -> None:
        bar.progress(done / max(total, 1), text=t("batch_progress", lang, done=done, total=total))

    with tempfile.TemporaryDirectory(prefix="quelle-batch-") as folder:
        source = Path(folder) / safe_filename(name)
        source.write_bytes(data)
        target = Path(folder) / f"{source.stem}-antworten{output_format}"
        try:
            summary = run_batch(
                source, target, request.settings, res, filters=request.filters, progress=progress, input_name=name
            )
        except (InputError, OutputError) as e:  # named by the file's name, not by the server's temp folder
            raise type(e)(without_folder(str(e), folder)) from None
        return {
            "summary": summary.to_dict(),
            "rows": table_rows(read_output(target)),
            "name": target.name,
            "data": target.read_bytes(),
        }


def page() -> None:
    lang = state.language()
    request = st.session_state.get("request")
    st.caption(t("batch_intro", lang))
    with st.form("batch_form"):
        upload = st.file_uploader(t("batch_file", lang), type=[s.lstrip(".") for s in INPUT_FORMATS])
        output_format = st.radio(t("batch_format", lang), list(OUTPUT_FORMATS), horizontal=True, key="batch_format")
        start = st.form_submit_button(t("batch_start", lang), type="primary")
    if start and upload is not None and request is not None:
        try:
            st.session_state.batch_result = answer_file(upload.name, upload.getvalue(), output_format, request, lang)
        except (InputError, OutputError) as e:
            st.session_state.batch_result = None
            st.error(t("error", lang, message=md_escape(str(e))))
    result = st.session_state.get("batch_result")
    if result:
        st.success(
            t(
                "batch_summary",
                lang,
                **{k: result["summary"][k] for k in ("total", "answered", "abstained", "errors", "seconds")},
            )
        )
        st.download_button(
            t("batch_download", lang, name=result["name"]),
            result["data"],
            file_name=result["name"],
            icon=":material/download:",
            key="batch_download",
        )
        st.dataframe(result["rows"], hide_index=True, width="stretch")
