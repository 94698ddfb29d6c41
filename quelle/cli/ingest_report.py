"""How `quelle ingest` shows its work: progress bars over files and embedded chunks, a summary at the end."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from quelle.cli.progress import bars
from quelle.library import IngestReport, ProgressFn

STATUS_DE = {
    "added": "neu",
    "updated": "aktualisiert",
    "unchanged": "unverändert",
    "duplicate": "Duplikat",
    "failed": "Fehler",
    "skipped": "übersprungen",
}
_ALL_ROWS_UP_TO = 30  # longer runs list only files with something to say


@contextmanager
def progress_bars() -> Iterator[ProgressFn]:
    """Two tqdm bars on stderr (hidden when stderr is not a terminal): files read, chunks embedded."""
    labels = {"files": ("Dateien", " Datei"), "chunks": ("Chunks", " Chunk"), "articles": ("Artikel", " Artikel")}
    with bars(labels) as update:
        yield lambda what, done, total: update(what, done, total)


def print_report(report: IngestReport, console: Console) -> None:
    """A table of files (every file for small runs; otherwise those with a problem or a note), then the counts.
    The last line stays machine-readable: 'added: 3 · updated: 0 · …'."""
    rows = report.files
    if len(rows) > _ALL_ROWS_UP_TO:
        rows = [f for f in report.files if f.status in ("failed", "skipped", "duplicate") or f.message]
    if rows:
        table = Table(title="Ingest", title_justify="left")
        table.add_column("Datei", overflow="fold", ratio=2)
        for name in ("Ergebnis", "Artikel", "Chunks"):
            table.add_column(name, no_wrap=True)
        table.add_column("Hinweis", overflow="fold", ratio=3)
        for f in rows:
            style = {"failed": "red", "skipped": "yellow", "duplicate": "cyan"}.get(f.status, "")
            table.add_row(
                escape(f.path),
                f"[{style}]{STATUS_DE.get(f.status, f.status)}[/]" if style else STATUS_DE.get(f.status, f.status),
                str(len(f.articles) or ""),
                str(f.chunks or ""),
                escape(f.message),
            )
        console.print(table)
        if len(rows) < len(report.files):
            console.print(f"({len(report.files) - len(rows)} weitere Dateien ohne Hinweis)")
    problems = [f for f in report.files if f.status in ("failed", "skipped")]
    for f in problems:  # one unwrapped line per bad file: easy to read, grep and copy
        label = "Fehler" if f.status == "failed" else "übersprungen"
        console.print(f"{label}: {escape(f.path)}: {escape(f.message)}", soft_wrap=True, highlight=False)
    s = report.summary()
    totals = Table("Ergebnis", "Dateien", title="Zusammenfassung", title_justify="left")
    for status, n in s.items():
        if n:
            totals.add_row(STATUS_DE.get(status, status), str(n))
    totals.add_row("Chunks geschrieben", str(report.chunks_written))
    console.print(totals)
    console.print(" · ".join(f"{k}: {v}" for k, v in s.items()))
