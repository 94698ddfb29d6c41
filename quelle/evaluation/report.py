"""The evaluation report: metrics.json, report.md, a self-contained report.html and matplotlib plots.

Plots: the metrics as grouped bars, retrieval hit@k over k = 1..10, a latency histogram — one set for all
configurations. The answer-shape figures (first sentence, span EM/F1, span and two-candidate rates) and the
slices by language, question kind and near miss get tables of their own. The 20 worst failures of each
configuration list question, gold answer, given answer (its answer span in bold) and the cited passage. All
article and answer text in the HTML and the markdown is escaped: in report.md every piece of text from a gold file,
the store or the command line goes through the chat export's Markdown escaper (`quelle.feedback.chats.md_text`), so
a question holding `![x](http://…)` or HTML is shown as text, never as a remote image, a link or markup.
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path

from quelle.evaluation.runner import ANSWER_KEYS, METRIC_KEYS, RANK_DEPTH, SLICE_KEYS, EvalResult
from quelle.feedback.chats import md_text

PLOTS = {"metrics": "metrics.png", "hit_at_k": "hit_at_k.png", "latency": "latency.png"}
BAR_KEYS = tuple(k for k in METRIC_KEYS if k != "n" and not k.startswith("latency"))  # the 0..1 figures, as bars
WORST = 20
PLOT_TITLES = {"metrics": "Metriken", "hit_at_k": "Retrieval hit@k", "latency": "Antwortzeit"}
SLICE_TITLES = {"lang": "Sprache", "kind": "Fragetyp (beantwortbare)", "near_miss": "Beinahe-Treffer (unbeantwortbare)"}
ANSWER_NOTE = (
    "answer_contains_first: Gold-Antwort im ersten Antwortsatz allein; span_*: die markierte "
    "Antwortspanne; span_rate: Anteil der beantworteten beantwortbaren Fragen mit Spanne; "
    "two_candidate_rate: Anteil der Antworten mit zwei Kandidatensätzen („Mögliche Antworten“)."
)
SLICE_NOTE = (
    "answer_contains, answer_contains_first und answerable_abstained über die beantwortbaren Fragen "
    "der Teilmenge, unanswerable_abstained über ihre unbeantwortbaren; ohne `lang` zählt eine Frage "
    "als „de“."
)


def write_report(result: EvalResult, out_dir: Path, title: str = "Quelle – Auswertung") -> dict[str, Path]:
    """Write metrics.json, the plots, report.md and report.html into out_dir; returns the paths written."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"metrics.json": out_dir / "metrics.json"}
    paths["metrics.json"].write_text(
        json.dumps(result.metrics_json(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    for key, name in PLOTS.items():
        paths[name] = out_dir / name
    plot_metrics(result, paths["metrics.png"])
    plot_hit_at_k(result, paths["hit_at_k.png"])
    plot_latency(result, paths["latency.png"])
    paths["report.md"] = out_dir / "report.md"
    paths["report.md"].write_text(markdown_report(result, title), encoding="utf-8")
    paths["report.html"] = out_dir / "report.html"
    paths["report.html"].write_text(
        html_report(result, title, {k: paths[v] for k, v in PLOTS.items()}), encoding="utf-8"
    )
    return paths


# --- plots ---------------------------------------------------------------------------------------------------
def _figure(width: float = 9, height: float = 4.5):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def plot_metrics(result: EvalResult, path: Path) -> None:
    fig = _figure(10, 4.8)
    ax = fig.add_subplot()
    names = [c.name for c in result.configs]
    width = 0.8 / max(len(names), 1)
    for i, name in enumerate(names):
        m = result.metrics[name]
        values = [m.get(k) if m.get(k) is not None else 0.0 for k in BAR_KEYS]
        xs = [x + (i - (len(names) - 1) / 2) * width for x in range(len(BAR_KEYS))]
        ax.bar(xs, values, width=width, label=name)
    ax.set_xticks(range(len(BAR_KEYS)), BAR_KEYS, rotation=30, ha="right")
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("Anteil")
    ax.set_title(PLOT_TITLES["metrics"])
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize="small")
    fig.savefig(path)


def plot_hit_at_k(result: EvalResult, path: Path) -> None:
    fig = _figure()
    ax = fig.add_subplot()
    ks = list(range(1, RANK_DEPTH + 1))
    for c in result.configs:
        curve = result.metrics[c.name].get("retrieval_hit@k") or []
        if curve:
            ax.plot(ks, curve, marker="o", label=c.name)
    ax.set_xticks(ks)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("k (abgerufene Passagen)")
    ax.set_ylabel("Anteil Fragen mit Treffer in den Top k")
    ax.set_title(PLOT_TITLES["hit_at_k"])
    ax.grid(alpha=0.3)
    if any(result.metrics[c.name].get("retrieval_hit@k") for c in result.configs):
        ax.legend(fontsize="small")
    fig.savefig(path)


def plot_latency(result: EvalResult, path: Path) -> None:
    fig = _figure()
    ax = fig.add_subplot()
    series = {c.name: [r["latency_ms"] for r in result.rows[c.name] if not r.get("error")] for c in result.configs}
    values = [v for vs in series.values() for v in vs]
    if values:
        lo, hi = max(min(values), 0.1), max(max(values), 0.2)
        if hi / lo < 1.5:
            lo, hi = lo / 1.5, hi * 1.5
        bins = [lo * (hi / lo) ** (i / 40) for i in range(41)]  # log-spaced: latencies span orders of magnitude
        for name, vs in series.items():
            if vs:
                ax.hist([max(v, lo) for v in vs], bins=bins, alpha=0.55, label=name)
        ax.set_xscale("log")
        ax.legend(fontsize="small")
    ax.set_xlabel("ms pro Frage (logarithmisch)")
    ax.set_ylabel("Fragen")
    ax.set_title(PLOT_TITLES["latency"])
    ax.grid(alpha=0.3)
    fig.savefig(path)


# --- failures ------------------------------------------------------------------------------------------------
def worst_failures(rows: list[dict], n: int = WORST) -> list[dict]:
    """Wrong rows, worst first: lowest F1, then those whose gold passage was not retrieved, then lower rank."""
    wrong = [r for r in rows if not r.get("correct")]
    return sorted(wrong, key=lambda r: (r.get("f1") or 0.0, r.get("hit_rank") is not None, -(r.get("hit_rank") or 0)))[
        :n
    ]


def _expected(r: dict) -> str:
    return "(nicht beantwortbar: Enthaltung erwartet)" if r["unanswerable"] else " | ".join(r["gold"])


def _given(r: dict) -> str:
    if r.get("error"):
        return f"(Fehler: {r['error']})"
    return ("(enthalten) " if r["abstained"] else "") + (r.get("answer") or "")


def _cited(r: dict) -> str:
    c = (r.get("citations") or [None])[0]
    return f"{c.get('title', '')} [{c['start']}–{c['end']}]: {c.get('text', '')}" if c else "—"


def _fmt(v) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.3f}" if abs(v) <= 1.0 else f"{v:.1f}"
    return str(v)


def _rank(r: dict) -> str:
    return "–" if r["unanswerable"] else (str(r["hit_rank"]) if r.get("hit_rank") else f"> {RANK_DEPTH}")


def _span(r: dict) -> str:
    """The answer span's text of an answered row ('' when there is none)."""
    span = r.get("answer_span") or {}
    text = str(span.get("text") or "").strip() if isinstance(span, dict) else ""
    return text if text and not r.get("abstained") and not r.get("error") else ""


def _given_parts(r: dict) -> tuple[str, str, str]:
    """The given answer as (before, span, after): the span's first occurrence in the answer set apart, or
    (answer, '', '') when there is no span or the answer does not hold it verbatim."""
    given, span = _given(r), _span(r)
    at = given.find(span) if span else -1
    if at < 0:
        return given, "", ""
    return given[:at], span, given[at + len(span) :]


def _slice_rows(metrics: dict, escape=str) -> list[tuple[str, dict]]:
    """('lang=de', figures), ... for the table of slices; `escape` applies to the value (from the gold file)."""
    return [
        (f"{field}={escape(name)}", figures)
        for field, groups in (metrics.get("slices") or {}).items()
        for name, figures in groups.items()
    ]


# --- markdown ------------------------------------------------------------------------------------------------
def _md(text) -> str:
    """Untrusted text as one line of markdown that shows it as it is: line breaks flattened, every markup character
    escaped (links, images, emphasis, code, HTML, table breaks, block starts), as in the chat export."""
    return md_text(str(text))  # str() first: 0 and None are shown, as before


def _md_part(text: str) -> str:
    """_md for a piece of a line: markup escaped, whitespace at either end kept as one space."""
    if not text:
        return ""
    body = _md(text)
    return (" " if text[:1].isspace() else "") + body + (" " if text[-1:].isspace() and body else "")


def _md_given(r: dict) -> str:
    before, span, after = _given_parts(r)
    if not span:
        return _md_part(_given(r)).strip()
    return (_md_part(before) + f"**{_md_part(span).strip()}**" + _md_part(after)).strip()


def markdown_report(result: EvalResult, title: str) -> str:
    names = [c.name for c in result.configs]
    lines = [f"# {_md(title)}", ""]
    lines += _run_lines(result, md=True)
    lines += [
        "",
        "## Metriken",
        "",
        "| Metrik | " + " | ".join(_md(n) for n in names) + " |",
        "|---|" + "---|" * len(names),
    ]
    for key in METRIC_KEYS:
        lines.append(f"| {key} | " + " | ".join(_fmt(result.metrics[n].get(key)) for n in names) + " |")
    changes = [
        f"- **{_md(c.name)}**: {_md(', '.join(f'{k}={v}' for k, v in c.changes.items()) or 'Standard')}"
        for c in result.configs
    ]
    lines += ["", "Konfigurationen:", ""] + changes
    lines += [
        "",
        "## Antwortsätze und Antwortspannen",
        "",
        ANSWER_NOTE,
        "",
        "| Metrik | " + " | ".join(_md(n) for n in names) + " |",
        "|---|" + "---|" * len(names),
    ]
    for key in ANSWER_KEYS:
        lines.append(f"| {key} | " + " | ".join(_fmt(result.metrics[n].get(key)) for n in names) + " |")
    for n in names:
        table = _slice_rows(result.metrics[n], _md)
        if not table:
            continue
        lines += [
            "",
            f"## Teilmengen – {_md(n)}",
            "",
            SLICE_NOTE,
            "",
            "| Teilmenge | " + " | ".join(SLICE_KEYS) + " |",
            "|---|" + "---|" * len(SLICE_KEYS),
        ]
        for label, figures in table:
            lines.append(f"| {label} | " + " | ".join(_fmt(figures.get(k)) for k in SLICE_KEYS) + " |")
    lines += ["", "## Diagramme", ""] + [f"![{PLOT_TITLES[k]}]({v})" for k, v in PLOTS.items()]
    for c in result.configs:
        worst = worst_failures(result.rows[c.name])
        lines += ["", f"## Die {len(worst)} schlimmsten Fehler – {_md(c.name)}", ""]
        if not worst:
            lines.append("Keine Fehler.")
        for i, r in enumerate(worst, 1):
            lines += [
                f"### {i}. {_md(r['question'])}",
                "",
                f"- ID: {_md(r['id'])} · F1 {_fmt(r['f1'])} · Rang der Gold-Passage: {_rank(r)}",
                f"- Erwartet: {_md(_expected(r))}",
                f"- Antwort: {_md_given(r)}",
                f"- Zitierte Passage: {_md(_cited(r))}",
                "",
            ]
    return "\n".join(lines) + "\n"


def _run_lines(result: EvalResult, md: bool) -> list[str]:
    meta = dict(result.meta)
    if result.interrupted:
        meta["abgebrochen"] = "ja (Ctrl-C) – nur die bis dahin beantworteten Fragen"
    if md:
        return [f"- {_md(k)}: {_md(v)}" for k, v in meta.items()]
    return [f"{k}: {v}" for k, v in meta.items()]


# --- html ----------------------------------------------------------------------------------------------------
_CSS = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}
th:first-child,td:first-child{text-align:left}img{max-width:100%;display:block;margin:1em 0}
.fail{border-left:4px solid #c33;padding:.3em 1em;margin:1em 0;background:#fafafa}
.passage{color:#444;font-size:.92em;white-space:pre-wrap}.meta{color:#666;font-size:.9em}"""


def _img(path: Path, alt: str) -> str:
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def _html_given(r: dict) -> str:
    before, span, after = _given_parts(r)
    return html.escape(before) + (f'<b class="span">{html.escape(span)}</b>' if span else "") + html.escape(after)


def html_report(result: EvalResult, title: str, plots: dict[str, Path]) -> str:
    e = html.escape
    names = [c.name for c in result.configs]
    parts = [
        f'<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><title>{e(title)}</title>'
        f"<style>{_CSS}</style></head><body><h1>{e(title)}</h1>"
    ]
    run = _run_lines(result, md=False)
    if run:
        parts.append("<ul>" + "".join(f"<li>{e(x)}</li>" for x in run) + "</ul>")
    parts.append("<h2>Metriken</h2><table><tr><th>Metrik</th>" + "".join(f"<th>{e(n)}</th>" for n in names) + "</tr>")
    for key in METRIC_KEYS:
        parts.append(
            f"<tr><td>{e(key)}</td>"
            + "".join(f"<td>{e(_fmt(result.metrics[n].get(key)))}</td>" for n in names)
            + "</tr>"
        )
    parts.append(
        "</table><ul>"
        + "".join(
            f"<li><b>{e(c.name)}</b>: {e(', '.join(f'{k}={v}' for k, v in c.changes.items()) or 'Standard')}</li>"
            for c in result.configs
        )
        + "</ul>"
    )
    parts.append(
        f'<h2>Antwortsätze und Antwortspannen</h2><p class="meta">{e(ANSWER_NOTE)}</p><table><tr>'
        "<th>Metrik</th>" + "".join(f"<th>{e(n)}</th>" for n in names) + "</tr>"
    )
    for key in ANSWER_KEYS:
        parts.append(
            f"<tr><td>{e(key)}</td>"
            + "".join(f"<td>{e(_fmt(result.metrics[n].get(key)))}</td>" for n in names)
            + "</tr>"
        )
    parts.append("</table>")
    for n in names:
        table = _slice_rows(result.metrics[n])
        if not table:
            continue
        parts.append(
            f'<h2>Teilmengen – {e(n)}</h2><p class="meta">{e(SLICE_NOTE)}</p><table><tr>'
            "<th>Teilmenge</th>" + "".join(f"<th>{e(k)}</th>" for k in SLICE_KEYS) + "</tr>"
        )
        for label, figures in table:
            parts.append(
                f"<tr><td>{e(label)}</td>"
                + "".join(f"<td>{e(_fmt(figures.get(k)))}</td>" for k in SLICE_KEYS)
                + "</tr>"
            )
        parts.append("</table>")
    parts.append("<h2>Diagramme</h2>" + "".join(_img(p, PLOT_TITLES[k]) for k, p in plots.items()))
    for c in result.configs:
        worst = worst_failures(result.rows[c.name])
        parts.append(f"<h2>Die {len(worst)} schlimmsten Fehler – {e(c.name)}</h2>")
        if not worst:
            parts.append("<p>Keine Fehler.</p>")
        for i, r in enumerate(worst, 1):
            parts.append(
                f'<div class="fail"><h3>{i}. {e(r["question"])}</h3>'
                f'<p class="meta">ID {e(str(r["id"]))} · F1 {e(_fmt(r["f1"]))} · Rang der Gold-Passage: '
                f"{e(_rank(r))}</p><p><b>Erwartet:</b> {e(_expected(r))}</p>"
                f"<p><b>Antwort:</b> {_html_given(r)}</p>"
                f'<p><b>Zitierte Passage:</b></p><p class="passage">{e(_cited(r))}</p></div>'
            )
    parts.append("</body></html>")
    return "\n".join(parts)
