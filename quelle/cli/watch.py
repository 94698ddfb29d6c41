"""quelle watch add | list | remove | check | export | replay (issue 33): questions that stay open.

Thin: the store, the check and the export live in quelle.watch; this module parses options and prints. After every
`quelle ingest` or `quelle sync` that changed the store the due watches are checked by the core (quelle/watch/hook.py);
`quelle watch check` asks them now.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import List, Optional

import typer
from rich.markup import escape
from rich.table import Table

watch_app = typer.Typer(
    no_args_is_help=True,
    help="Watched questions: asked again after each sync or ingest that changed the store; a new version when the "
    "answer's fact changed.",
)

REASON_LABEL = {
    "first": "erste Antwort",
    "answered": "jetzt beantwortet",
    "lost": "keine sichere Antwort mehr",
    "value": "neuer Wert",
    "date": "neuere Meldung",
}


def _store():
    from quelle.cli.app import settings
    from quelle.watch.store import WatchStore

    return WatchStore.of(settings())


def _fail(message: str):
    from quelle.cli.app import fail

    fail(message)


@watch_app.command("add")
def watch_add(
    question: str = typer.Argument(..., help="The question to keep asking."),
    every: str = typer.Option("sync", "--every", help="sync (after each changing sync/ingest), manual, or 1h, 1d …"),
    webhook: Optional[str] = typer.Option(None, "--webhook", help="POST each change as JSON to this URL."),
    k: Optional[int] = typer.Option(None, "-k", "--top-k", help="Passages to retrieve."),
    mode: Optional[str] = typer.Option(None, "--mode", help="dense | bm25 | hybrid"),
    source: Optional[List[str]] = typer.Option(None, "--source", help="Only articles from this source."),
    article: Optional[List[str]] = typer.Option(None, "--article", help="Only this article id."),
    since: Optional[str] = typer.Option(None, help="Only articles dated on/after (YYYY-MM-DD)."),
    until: Optional[str] = typer.Option(None, help="Only articles dated on/before (YYYY-MM-DD)."),
    no_time: bool = typer.Option(False, "--no-time", help="Ignore dates and time words in the question."),
):
    """Watch a question: it is asked now (version 1) and again after each sync or ingest that changes the store."""
    from quelle.answering.pipeline import QuestionError, validate_question
    from quelle.cli.app import err, open_resources, out, request_options
    from quelle.watch.check import check, watch_settings
    from quelle.watch.store import WatchError, WatchStore

    s, filters = request_options(k, mode, article, source, since, until)
    try:
        validate_question(question, s)
        store = WatchStore.of(s)
        w = store.add(question, watch_settings(s, filters, not no_time), every, webhook)
    except (QuestionError, WatchError) as e:
        _fail(str(e))
    res = open_resources(s)
    try:
        version = check(store, w, res)
    except Exception as e:
        err.print(f"Hinweis: die Frage wurde gespeichert, aber nicht beantwortet: {escape(str(e))}", soft_wrap=True)
        version = None
    out.print(f"Beobachtet: [bold]{w.id}[/bold] „{escape(w.question)}“ (--every {w.every})", soft_wrap=True)
    if version is not None:
        out.print(f"Version 1: {escape(version.answer.get('answer', ''))}", soft_wrap=True)


@watch_app.command("list")
def watch_list(as_json: bool = typer.Option(False, "--json", help="Each watch with all its versions as JSON.")):
    """Watched questions: id, question, cadence, versions, the latest answer and when it was found."""
    from quelle.cli.app import err, out

    watches = _store().watches()
    if as_json:
        print(json.dumps([w.to_dict() for w in watches], ensure_ascii=False))
        return
    if not watches:
        err.print('Noch keine beobachteten Fragen. Mit: quelle watch add "Frage"')
        return
    table = Table("ID", "Frage", "--every", "Versionen", "Zuletzt geprüft", "Neueste Antwort", "gefunden")
    for w in watches:
        v = w.latest
        table.add_row(
            w.id,
            escape(w.question),
            w.every,
            str(len(w.versions)),
            (w.last_checked or "–")[:19],
            escape(v.answer.get("answer", "")) if v else "–",
            v.found[:19] if v else "–",
        )
    out.print(table)


@watch_app.command("remove")
def watch_remove(watch_id: str = typer.Argument(..., metavar="ID", help="The watch's id (quelle watch list).")):
    """Stop watching a question (its versions are deleted with it; export them first if you need them)."""
    from quelle.cli.app import err

    if not _store().remove(watch_id):
        _fail(f"no watched question with id '{watch_id}' (see 'quelle watch list')")
    err.print(f"Entfernt: {watch_id}")


@watch_app.command("check")
def watch_check(
    ids: Optional[List[str]] = typer.Argument(None, metavar="[ID]...", help="Only these watches (default: all)."),
    due: bool = typer.Option(False, "--due", help="Only the watches whose --every is due (as after a sync)."),
    as_json: bool = typer.Option(False, "--json", help="Print the new versions as JSON."),
):
    """Ask the watched questions again now; print what changed."""
    from quelle.cli.app import err, open_resources, out, settings
    from quelle.cli.progress import bars
    from quelle.watch.check import check_all

    store = _store()
    known = {w.id for w in store.watches()}
    unknown = [i for i in ids or [] if i not in known]
    if unknown:
        _fail(f"no watched question with id '{unknown[0]}' (see 'quelle watch list')")
    if not known:
        err.print('Noch keine beobachteten Fragen. Mit: quelle watch add "Frage"')
        return
    res = open_resources(settings())
    with bars({"watch": ("Fragen", "Frage")}) as update:
        report = check_all(res, ids or None, due_only=due, progress=lambda d, n, q: update("watch", d, n))
    if as_json:
        print(json.dumps({**report.summary(), "versions": [v.to_dict() for v in report.changed]}, ensure_ascii=False))
        return
    for v in report.changed:
        question = store.require(v.watch_id).question
        out.print(
            f"[bold]{v.watch_id}[/bold] Version {v.n} ({REASON_LABEL.get(v.reason, v.reason)}): „{escape(question)}“\n"
            f"    {escape(v.answer.get('answer', ''))}" + _cause_line(v.cause),
            soft_wrap=True,
        )
    for watch_id, why in report.failed.items():
        err.print(f"Fehler bei {watch_id}: {escape(why)}", soft_wrap=True)
    s = report.summary()
    err.print(
        f"{s['checked']} geprüft · {s['changed']} neue Version(en) · {s['failed']} Fehler"
        + (
            f" · Webhook: {s['delivered']} zugestellt, {s['undelivered']} offen"
            if s["delivered"] or s["undelivered"]
            else ""
        )
    )
    if report.failed and not report.checked:
        raise typer.Exit(1)


def print_watch_report(report, console) -> None:
    """After `quelle ingest` / `quelle sync`: what the watched questions' check found (nothing when none ran)."""
    if report is None or not (report.checked or report.failed):
        return
    s = report.summary()
    console.print(
        f"Beobachtete Fragen: {s['checked']} geprüft · {s['changed']} neue Version(en)"
        + (f" · {s['failed']} Fehler" if s["failed"] else "")
        + (" (quelle watch list)" if s["changed"] else "")
    )


def _cause_line(c: dict | None) -> str:
    if not c:
        return ""
    where = ", ".join(x for x in (c.get("date"), c.get("source")) if x)
    return f"\n    Quelle: {escape(c.get('title', ''))}" + (f" ({escape(where)})" if where else "")


@watch_app.command("export")
def watch_export(out_file: Optional[Path] = typer.Option(None, "--out", help="Write to this file (default: stdout).")):
    """Every watch with its settings and versions (both answers, citations, dates) as one JSON document."""
    from quelle.cli.app import err
    from quelle.watch.export import export

    text = json.dumps(export(_store()), ensure_ascii=False, indent=1)
    if out_file is None:
        print(text)
        return
    try:
        out_file.write_text(text + "\n", encoding="utf-8")
    except OSError as e:
        _fail(f"--out: cannot write '{out_file}': {e.strerror or e}")
    err.print(f"Exportiert nach {escape(str(out_file))}")


@watch_app.command("replay")
def watch_replay(
    story: Path = typer.Argument(..., help="A story file (JSON; e.g. data/watch/erdbeben.json)."),
    as_json: bool = typer.Option(False, "--json", help="Print the run as JSON."),
):
    """Evaluation: replay a dated story step by step into a new, temporary store and show the versions its watched
    question got — a new version exactly where the fact changed?"""
    from quelle.cli.app import err, open_resources, out, settings
    from quelle.watch.story import StoryError, load_story, replay

    try:
        plan = load_story(story)
    except StoryError as e:
        _fail(str(e))
    with tempfile.TemporaryDirectory(prefix="quelle-replay-") as tmp:
        with err.status(f"Spiele {len(plan['steps'])} Schritte ab …"):
            result = replay(plan, open_resources(settings().with_(data_dir=Path(tmp) / "index")))
    if as_json:
        print(json.dumps(result.to_dict(), ensure_ascii=False))
        return
    out.print(f"„{escape(result.question)}“", soft_wrap=True)
    table = Table("Schritt", "erwartet", "Version", "Grund", "Wert", "Stand", "Quelle", "")
    for step in result.steps:
        v = step.version or {}
        c = v.get("cause") or {}
        table.add_row(
            escape(step.label),
            "Änderung" if step.expect == "change" else "gleich",
            str(v.get("n", "–")),
            REASON_LABEL.get(v.get("reason"), "–") if v else "–",
            escape(v.get("value") or "–") if v else "–",
            v.get("date") or "–",
            escape(c.get("title", "")) if c else "",
            "✓" if step.right else "✗",
        )
    out.print(table)
    out.print(f"{result.right}/{len(result.steps)} Schritte richtig")
