"""The command line: quelle ingest | ask | list | delete | stats. Thin: every command calls the core."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from quelle.settings import Settings

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Quelle: Fragen an Ihre Nachrichtenartikel, mit Quellen.")
out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


class State:
    data_dir: Optional[Path] = None


def settings(**changes) -> Settings:
    s = Settings()
    if State.data_dir is not None:
        changes["data_dir"] = State.data_dir
    return s.with_(**changes) if changes else s


def fail(message: str, code: int = 1):
    err.print(f"Fehler: {escape(message)}", soft_wrap=True)
    raise typer.Exit(code)


def open_resources(s: Settings):
    from quelle.resources import Resources
    from vectorstore.store import StoreError

    try:
        return Resources.open(s)
    except StoreError as e:
        fail(str(e))


@app.callback()
def main_options(data_dir: Optional[Path] = typer.Option(None, "--data-dir", envvar="QUELLE_DATA_DIR",
                                                          help="Where the store lives (QUELLE_DATA_DIR).")):
    State.data_dir = data_dir


@app.command()
def ingest(paths: List[Path] = typer.Argument(..., help="Files or folders of articles."),
           strict: bool = typer.Option(False, help="Exit non-zero if any file failed.")):
    """Add or update articles (unchanged ones are skipped)."""
    from tqdm import tqdm

    from quelle.library import Library

    missing = [p for p in paths if not p.exists()]
    if missing and len(missing) == len(paths):
        fail(f"{missing[0]}: no such file or folder")
    lib = Library(open_resources(settings()))
    bar = tqdm(total=0, unit="file", desc="Ingest", disable=None, file=sys.stderr)

    def progress(what, done, total):
        bar.total = total
        bar.n = done
        bar.refresh()

    report = lib.ingest(paths, progress=progress, on_wait=lambda: err.print("Warte auf ein anderes Ingest (Sperre)…"))
    bar.close()
    table = Table("Datei", "Ergebnis", "Chunks", "Hinweis", title="Ingest")
    for f in report.files:
        table.add_row(escape(f.path), f.status, str(f.chunks or ""), escape(f.message))
    err.print(table)
    s = report.summary()
    err.print(" · ".join(f"{k}: {v}" for k, v in s.items()))
    if not report.ok or (strict and s["failed"]):
        first = next((f for f in report.files if f.status == "failed"), None)
        fail(f"{first.path}: {first.message}" if first else "nothing was ingested")


@app.command()
def ask(question: str = typer.Argument(..., help="Your question."),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
        k: Optional[int] = typer.Option(None, "-k", "--top-k", help="Passages to retrieve."),
        mode: Optional[str] = typer.Option(None, "--mode", help="dense | bm25 | hybrid"),
        source: Optional[List[str]] = typer.Option(None, "--source", help="Only articles from this source."),
        article: Optional[List[str]] = typer.Option(None, "--article", help="Only this article id."),
        since: Optional[str] = typer.Option(None, help="Only articles dated on/after (YYYY-MM-DD)."),
        until: Optional[str] = typer.Option(None, help="Only articles dated on/before (YYYY-MM-DD).")):
    """Ask a question; the answer cites its sources."""
    from pydantic import ValidationError

    from quelle.answer import QuestionError
    from quelle.answer import ask as core_ask
    from vectorstore.filters import FilterError, Filters

    changes = {}
    if k is not None:
        changes["top_k"] = k
    if mode is not None:
        changes["retrieval_mode"] = mode
    try:
        s = settings(**changes)
        filters = Filters.make(article_ids=article, sources=source, since=since, until=until)
    except ValidationError as e:
        fail("; ".join(f"{'.'.join(map(str, x['loc']))}: {x['msg']}" for x in e.errors()))
    except FilterError as e:
        fail(str(e))
    res = open_resources(s)
    try:
        answer = core_ask(question, s, resources=res, filters=filters)
    except QuestionError as e:
        fail(str(e))
    if as_json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False))
        return
    out.print(escape(answer.answer), soft_wrap=True)
    for c in answer.citations:
        where = ", ".join(x for x in (c.date, c.source, f"S. {c.page}" if c.page else "") if x)
        out.print(f"\n[bold][{c.n}][/bold] {escape(c.title)}" + (f" ({escape(where)})" if where else ""))
        if c.url:
            out.print(f"    {escape(c.url)}")
        for s0, e0 in c.highlights or [(0, len(c.text))]:
            out.print(f"    „{escape(c.text[s0:e0])}“", soft_wrap=True)


@app.command("list")
def list_articles(as_json: bool = typer.Option(False, "--json")):
    """List stored articles."""
    from quelle.library import Library

    rows = Library(open_resources(settings())).articles()
    if as_json:
        print(json.dumps(rows, ensure_ascii=False))
        return
    table = Table("ID", "Titel", "Datum", "Quelle", "Chunks")
    for r in rows:
        table.add_row(escape(r["article_id"]), escape(r["title"]), r["date"], escape(r["source"]), str(r["chunks"]))
    out.print(table)


@app.command()
def delete(article_id: str = typer.Argument(..., help="The article id (see 'quelle list').")):
    """Delete an article and all its chunks."""
    from quelle.library import Library

    n = Library(open_resources(settings())).delete(article_id)
    if n == 0:
        fail(f"no article with id '{article_id}' (see 'quelle list')")
    err.print(f"Gelöscht: {escape(article_id)} ({n} Chunks)")


@app.command()
def stats(as_json: bool = typer.Option(False, "--json")):
    """Articles, chunks, embedding model and where the store lives."""
    from quelle.library import Library

    st = Library(open_resources(settings())).stats()
    if as_json:
        print(json.dumps(st, ensure_ascii=False))
        return
    for key, value in st.items():
        out.print(f"{key}: {escape(str(value))}")


def main():
    app()


if __name__ == "__main__":
    main()
