"""How `quelle sync` and `quelle feeds list` show their work: progress bars (tqdm on stderr, as `quelle ingest`),
a line per feed, one line per failed entry, and the machine-readable last line 'new: … · updated: … · …'."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from quelle.cli.progress import bars
from quelle.feeds.parse import KIND_LABEL
from quelle.feeds.registry import Feed
from quelle.feeds.sync import Progress, SyncReport

STATUS_DE = {"new": "neu", "updated": "aktualisiert", "unchanged": "unverändert", "failed": "Fehler"}
FEED_STATUS_DE = {
    "ok": "ok",
    "not_modified": "unverändert (304)",
    "failed": "Fehler",
    "interrupted": "abgebrochen",
    "": "noch nie synchronisiert",
}
_ALL_ROWS_UP_TO = 30


@contextmanager
def progress_bars() -> Iterator[Progress]:
    """Bars for feeds, the current feed's entries and the chunks embedded (hidden when stderr is no terminal)."""
    labels = {"feed": ("Feeds", " Feed"), "entries": ("Einträge", " Eintrag"), "chunks": ("Chunks", " Chunk")}
    with bars(labels) as update:

        def progress(what: str, done: int, total: int, label: str) -> None:
            if what in labels:
                update(what, done, total, f"Einträge {label[:40]}" if what == "entries" and label else None)

        yield progress


def feed_line(f) -> str:
    kind = KIND_LABEL.get(f.kind or "", "")
    head = f"{escape(f.name)}" + (f" ({kind})" if kind else "")
    if f.status == "failed" and not f.entries:
        return f"{head}: [red]Fehler[/]: {escape(f.message)}"
    counts = " · ".join(f"{STATUS_DE[s]}: {n}" for s, n in f.summary().items())
    state = {"not_modified": " · Feed unverändert (304)", "interrupted": " · abgebrochen"}.get(f.status, "")
    return f"{head}: {counts}{state}"


def print_sync_report(report: SyncReport, console: Console) -> None:
    rows = [(f, e) for f in report.feeds for e in f.entries if e.status != "unchanged" or e.message]
    shown = rows if len(rows) <= _ALL_ROWS_UP_TO else [(f, e) for f, e in rows if e.status == "failed" or e.message]
    if shown:
        table = Table(title="Sync", title_justify="left")
        table.add_column("Eintrag", overflow="fold", ratio=3)
        for name in ("Ergebnis", "Chunks"):
            table.add_column(name, no_wrap=True)
        table.add_column("Titel / Hinweis", overflow="fold", ratio=3)
        for f, e in shown:
            label = STATUS_DE.get(e.status, e.status)
            table.add_row(
                escape(e.label),
                f"[red]{label}[/]" if e.status == "failed" else label,
                str(e.chunks or ""),
                escape(e.message if e.status == "failed" else " — ".join(x for x in (e.title, e.message) if x)),
            )
        console.print(table)
        if len(shown) < len(rows):
            console.print(f"({len(rows) - len(shown)} weitere neue oder aktualisierte Einträge ohne Hinweis)")
    for f in report.feeds:
        console.print(feed_line(f), soft_wrap=True, highlight=False)
        for note in f.notes:
            console.print(f"  Hinweis: {escape(note)}", soft_wrap=True, highlight=False)
    for f in report.feeds:  # one unwrapped line per failure: easy to read, grep and copy
        if f.status == "failed" and not f.entries:
            console.print(f"Fehler: {escape(f.url)}: {escape(f.message)}", soft_wrap=True, highlight=False)
        for e in f.entries:
            if e.status == "failed":
                where = e.url or f"{f.url} {e.label}"
                console.print(f"Fehler: {escape(where)}: {escape(e.message)}", soft_wrap=True, highlight=False)
    if report.interrupted:
        console.print("Abgebrochen: der Rest folgt beim nächsten Durchgang.")
    console.print(" · ".join(f"{k}: {v}" for k, v in report.summary().items()), highlight=False)


def feeds_table(feeds: list[Feed]) -> Table:
    table = Table(title="Feeds", title_justify="left")
    table.add_column("Name", overflow="fold", ratio=2)
    table.add_column("URL", overflow="fold", ratio=3)
    table.add_column("Art", no_wrap=True)
    table.add_column("Letzte Synchronisierung", no_wrap=True)
    table.add_column("Status", overflow="fold", ratio=2)
    table.add_column("Letzter Durchgang", overflow="fold", ratio=2)
    table.add_column("Artikel", justify="right", no_wrap=True)
    for f in feeds:
        status = FEED_STATUS_DE.get(f.status, f.status) + (f": {f.message}" if f.message else "")
        last = " · ".join(f"{STATUS_DE[k]} {v}" for k, v in (f.summary or {}).items() if v)
        table.add_row(
            escape(f.name),
            escape(f.url),
            KIND_LABEL.get(f.kind or "", f.kind or ""),
            f.last_sync.replace("T", " ")[:19] or "–",
            escape(status),
            last or "–",
            str(f.articles),
        )
    return table
