"""quelle feedback list | export | clear (issue 21): ratings from the chat, as a table, as gold, or deleted.

Thin: the store and the gold export live in quelle.feedback; `quelle eval --feedback` (cli/app.py) evaluates the
same gold rows through the ordinary eval command.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

feedback_app = typer.Typer(
    no_args_is_help=True,
    help="Ratings of answers from the chat: list, export as gold questions for 'quelle eval', clear.",
)

RATING_LABEL = {1: "👍", 0: "👎"}
REASON_LABEL = {
    "wrong_source": "falsche Quelle",
    "wrong_passage": "falsche Stelle",
    "should_abstain": "hätte nicht antworten sollen",
    "should_answer": "sollte antworten",
}


def _store():
    from quelle.cli.app import settings
    from quelle.feedback.store import FeedbackStore

    return FeedbackStore.of(settings())


def feedback_gold():
    """(gold rows, skipped) of everything collected so far in the data dir."""
    from quelle.feedback.export import export

    result = export(_store().records())
    return result.rows, result.skipped


@feedback_app.command("list")
def feedback_list(as_json: bool = typer.Option(False, "--json", help="Print a JSON list (every stored field).")):
    """Rated answers: time, rating, question, answer, reason, correction."""
    from quelle.cli.app import err, out

    records = _store().records()
    if as_json:
        print(json.dumps([r.to_dict() for r in records], ensure_ascii=False))
        return
    if not records:
        err.print("Noch keine Bewertungen. Im Chat: 👍/👎 unter einer Antwort.")
        return
    table = Table("Zeit", "", "Frage", "Antwort", "Grund", "Richtige Antwort", "Quellen")
    for r in records:
        cites = ", ".join(f"{c.get('article_id')}@{c.get('start')}-{c.get('end')}" for c in r.citations())
        table.add_row(
            r.updated[:19].replace("T", " "),
            RATING_LABEL.get(r.rating, "?"),
            escape(r.question),
            escape(r.answer.get("answer", "")[:200]),
            REASON_LABEL.get(r.reason or "", ""),
            escape(r.correction),
            escape(cites),
        )
    out.print(table)
    err.print(
        f"{len(records)} Bewertung(en) · 👍 {sum(r.rating == 1 for r in records)} · "
        f"👎 {sum(r.rating == 0 for r in records)}"
    )


@feedback_app.command("export")
def feedback_export(output: Path = typer.Option(..., "-o", "--output", help="The gold file to write (.jsonl).")):
    """Write the ratings as gold questions (.jsonl) in the format 'quelle eval' reads."""
    from quelle.cli.app import err, fail
    from quelle.feedback.export import write_gold

    rows, skipped = feedback_gold()
    if not rows:
        fail(
            "no rating can become a gold question yet"
            + (f" ({len(skipped)} rated down without a correct answer)" if skipped else " (no ratings stored)")
        )
    try:
        write_gold(rows, output)
    except (ValueError, OSError) as e:
        fail(str(e))
    answerable = sum(1 for r in rows if not r["unanswerable"])
    err.print(
        f"{len(rows)} Goldfrage(n) → {escape(str(output))} · mit Antwort: {answerable} · "
        f"unbeantwortbar: {len(rows) - answerable} · übersprungen (👎 ohne richtige Antwort): {len(skipped)}",
        soft_wrap=True,
    )


@feedback_app.command("clear")
def feedback_clear(yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask.")):
    """Delete every rating and every stored chat of this data dir."""
    from quelle.cli.app import err

    store = _store()
    if not yes and not typer.confirm(f"Alle Bewertungen und gespeicherten Chats in {store.data_dir} löschen?"):
        raise typer.Exit(1)
    n_feedback, n_chats = store.clear()
    err.print(f"Gelöscht: {n_feedback} Bewertung(en), {n_chats} Chat(s).")
