"""The command line: quelle ingest | ask | list | delete | stats | batch | eval | feeds | sync | feedback | serve.

Thin: every command calls the core (Library, ask(), run_batch, run_evaluation, the feed Syncer).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Callable, List, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from quelle.settings import Settings

app = typer.Typer(
    add_completion=False, no_args_is_help=True, help="Quelle: Fragen an Ihre Nachrichtenartikel, mit Quellen."
)
out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


class State:
    data_dir: Optional[Path] = None
    # how the commands open the model and the store (Resources.open); tests running the CLI in-process with
    # typer's CliRunner inject one that reuses an already loaded embedding model
    open_resources: Optional[Callable] = None


def settings(**changes) -> Settings:
    s = Settings()
    if State.data_dir is not None:
        changes["data_dir"] = State.data_dir
    return s.with_(**changes) if changes else s


def fail(message: str, code: int = 1):
    err.print(f"Fehler: {escape(message)}", soft_wrap=True)
    raise typer.Exit(code)


def request_options(k, mode, article, source, since, until):
    """(settings, filters) for one ask/batch run from its options; a bad value ends the command with a message."""
    from quelle.options import OptionError
    from quelle.options import request_options as resolve

    try:
        return resolve(settings(), k, mode, article, source, since, until)
    except OptionError as e:
        fail(str(e))


def open_resources(s: Settings):
    from quelle.resources import Resources
    from vectorstore.store import StoreError

    try:
        return (State.open_resources or Resources.open)(s)
    except StoreError as e:
        fail(str(e))


@app.callback()
def main_options(
    data_dir: Optional[Path] = typer.Option(
        None, "--data-dir", envvar="QUELLE_DATA_DIR", help="Where the store lives (QUELLE_DATA_DIR)."
    ),
):
    State.data_dir = data_dir


@app.command()
def ingest(
    paths: List[Path] = typer.Argument(..., help="Files or folders of articles."),
    strict: bool = typer.Option(False, help="Exit non-zero if any file failed."),
    field: Optional[List[str]] = typer.Option(
        None,
        "--field",
        help="Map dump fields: text=body,title=headline "
        "(JSON/JSONL/CSV; fields id,title,text,date,url,source,author,language).",
    ),
):
    """Add or update articles (unchanged ones are skipped): .txt/.md, .html, .pdf, .docx, .json/.jsonl/.csv."""
    from ingest.formats.records import parse_field_map
    from quelle.cli.ingest_report import print_report, progress_bars

    from quelle.library import Library

    try:
        fields = parse_field_map(field)
    except ValueError as e:
        fail(str(e))
    missing = [p for p in paths if not p.exists()]
    if missing and len(missing) == len(paths):
        fail(f"{missing[0]}: no such file or folder")
    from vectorstore.embeddings import EmbeddingError

    lib = Library(open_resources(settings()))
    try:
        with progress_bars() as progress:
            report = lib.ingest(
                paths,
                progress=progress,
                fields=fields,
                on_wait=lambda: err.print("Warte auf ein anderes Ingest (Sperre)…"),
            )
    except EmbeddingError as e:  # the embedding server is down: what was stored stays, the next run goes on
        fail(f"{e} — the articles stored so far are kept; run 'quelle ingest' again when the server is back")
    print_report(report, err)
    s = report.summary()
    if not report.ok or (strict and s["failed"]):
        first = next((f for f in report.files if f.status == "failed"), None)
        if first:
            fail(f"{first.path}: {first.message}")
        fail("nothing was ingested" + ("" if report.files else f": no files found in {', '.join(map(str, paths))}"))


@app.command()
def ask(
    question: str = typer.Argument(..., help="Your question."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    k: Optional[int] = typer.Option(None, "-k", "--top-k", help="Passages to retrieve."),
    mode: Optional[str] = typer.Option(None, "--mode", help="dense | bm25 | hybrid"),
    source: Optional[List[str]] = typer.Option(None, "--source", help="Only articles from this source."),
    article: Optional[List[str]] = typer.Option(None, "--article", help="Only this article id."),
    since: Optional[str] = typer.Option(None, help="Only articles dated on/after (YYYY-MM-DD)."),
    until: Optional[str] = typer.Option(None, help="Only articles dated on/before (YYYY-MM-DD)."),
    as_of: Optional[str] = typer.Option(
        None, "--as-of", help="Reference date for „gestern“, „aktuell“ … (YYYY-MM-DD; QUELLE_AS_OF; default today)."
    ),
    no_time: bool = typer.Option(False, "--no-time", help="Ignore dates and time words in the question."),
):
    """Ask a question; the answer cites its sources."""
    from quelle.answering import registry
    from quelle.answering.pipeline import QuestionError, validate_question
    from quelle.answering.pipeline import ask as core_ask
    from quelle.cli.time_report import print_time

    s, filters = request_options(k, mode, article, source, since, until)
    if as_of:  # issue 20: the reference date of the question's time words
        try:
            s = s.with_(as_of=as_of)
        except ValueError:
            fail(f"--as-of: '{as_of}' is not a date (use YYYY-MM-DD)")
    try:
        validate_question(question, s)  # an empty or too long question fails before the model is loaded
    except QuestionError as e:
        fail(str(e))
    res = open_resources(s)
    streamed: list[str] = []

    def show_token(piece: str) -> None:  # tokens as they come (not with --json)
        streamed.append(piece)
        sys.stdout.write(piece)
        sys.stdout.flush()

    try:
        # an answer that does not stream comes whole: printed with its span
        stream = not as_json and registry.capabilities(s.llm).streams
        answer = core_ask(
            question, s, resources=res, filters=filters, on_token=show_token if stream else None, time_aware=not no_time
        )
    except QuestionError as e:
        fail(str(e))
    if as_json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False))
        return
    if streamed:
        sys.stdout.write("\n")
    if answer.fallback:
        # the configured answerer gave way (an LLM down), or a model server of retrieval was down (issue 31)
        consequence = (
            "Antwort ohne LLM (extraktiv)."
            if answer.backend != s.llm
            else "gesucht ohne diesen Modellserver (Wortsuche bzw. Reihenfolge der ersten Stufe)."
        )
        err.print(f"Hinweis: {escape(answer.fallback)} – {consequence}", soft_wrap=True)
    if "".join(streamed).strip() != answer.answer:
        out.print(with_span_in_bold(answer), soft_wrap=True)
    print_time(answer, out, err)  # issue 20: time filter, „Frühere Meldungen“
    _print_checks(answer)
    for c in answer.citations:
        where = ", ".join(x for x in (c.date, c.source, f"S. {c.page}" if c.page else "") if x)
        out.print(f"\n[bold][{c.n}][/bold] {escape(c.title)}" + (f" ({escape(where)})" if where else ""))
        if c.url:
            out.print(f"    {escape(c.url)}")
        for s0, e0 in c.highlights or [(0, len(c.text))]:
            out.print(f"    „{escape(c.text[s0:e0])}“", soft_wrap=True)


def with_span_in_bold(answer) -> str:
    """The answer as rich markup (escaped), its answer span in bold in the sentence that holds it (not when the
    answer is unsure: then it lists the closest passages, none of them the answer)."""
    span = answer.answer_span
    text = answer.answer
    if span is not None and span.text and span.text in text and answer.confidence_band != "unsure":
        i = text.index(span.text)
        return f"{escape(text[:i])}[bold]{escape(span.text)}[/bold]{escape(text[i + len(span.text) :])}"
    return escape(text)


def _print_checks(answer) -> None:
    """Which backend answered and what the citation check found (stderr, German)."""
    if answer.removed_citations:
        err.print(f"Hinweis: {answer.removed_citations} Quellenangabe(n) ohne passende Quelle entfernt.")
    for sentence in answer.sentences:
        if sentence.supported is False:
            err.print(f"Hinweis: nicht durch die zitierten Quellen belegt: „{escape(sentence.text)}“", soft_wrap=True)
    if "no_supported_sentence" in answer.flags:
        err.print("Achtung: kein Satz der Antwort ist durch die Quellen belegt.")
    err.print(f"Antwort von: {answer.backend}" + (f" ({escape(answer.model)})" if answer.model else ""))


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


@app.command()
def reembed(as_json: bool = typer.Option(False, "--json")):
    """Embed every stored chunk again with QUELLE_EMBEDDING_MODEL (resumable; the old vectors answer until the
    new set is complete). docs/models.md"""
    from quelle.cli.progress import bars
    from quelle.reembed import reembed as run
    from vectorstore.embeddings import EmbeddingError

    try:
        with bars({"chunks": ("Neu eingebettet", "Chunks")}) as update:
            report = run(settings(), progress=lambda done, total: update("chunks", done, total))
    except EmbeddingError as e:
        fail(f"{e} — the chunks embedded so far are kept; run 'quelle reembed' again")
    if as_json:
        print(json.dumps(report.summary(), ensure_ascii=False))
    elif not report.switched:
        err.print(f"Nichts zu tun: der Speicher ist schon mit {escape(report.model)} eingebettet.")
    else:
        err.print(f"Neu eingebettet mit {escape(report.model)}: {report.total} Chunks ({report.kept} schon vorher).")


@app.command()
def batch(
    input_path: Path = typer.Argument(..., metavar="INPUT", help="Questions: .txt, .csv or .jsonl."),
    output: Path = typer.Option(..., "-o", "--output", help="Answers: .jsonl or .csv."),
    workers: Optional[int] = typer.Option(
        None, "--workers", min=1, help="Questions in parallel (default: 4 with an LLM, 1 extractive)."
    ),
    k: Optional[int] = typer.Option(None, "-k", "--top-k", help="Passages to retrieve."),
    mode: Optional[str] = typer.Option(None, "--mode", help="dense | bm25 | hybrid"),
    source: Optional[List[str]] = typer.Option(None, "--source", help="Only articles from this source."),
    article: Optional[List[str]] = typer.Option(None, "--article", help="Only this article id."),
    since: Optional[str] = typer.Option(None, help="Only articles dated on/after (YYYY-MM-DD)."),
    until: Optional[str] = typer.Option(None, help="Only articles dated on/before (YYYY-MM-DD)."),
    restart: bool = typer.Option(False, "--restart", help="Discard OUTPUT and start over."),
    retry_errors: bool = typer.Option(False, "--retry-errors", help="Ask again the questions whose row has an error."),
):
    """Answer a file of questions; killed or interrupted, run it again to continue where it stopped."""
    from tqdm import tqdm

    from quelle.batch import InputError, OutputError, read_questions, run_batch

    s, filters = request_options(k, mode, article, source, since, until)
    try:
        read_questions(input_path)  # a broken question file fails before the model is loaded
    except InputError as e:
        fail(str(e))
    res = open_resources(s)
    bar = tqdm(total=0, unit="Frage", desc="Batch", disable=None, file=sys.stderr, dynamic_ncols=True)

    def progress(done, total, row):
        if row is None:  # start: rows already in OUTPUT count as done; rate and ETA measure this run only
            bar.reset(total=total)
            bar.initial = bar.n = done
            bar.refresh()
        else:
            bar.update(1)

    try:
        summary = run_batch(
            input_path,
            output,
            s,
            res,
            filters=filters or None,
            workers=workers,
            restart=restart,
            retry_errors=retry_errors,
            progress=progress,
        )
    except (InputError, OutputError) as e:
        bar.close()
        fail(str(e))
    bar.close()
    if summary.repaired:
        err.print(f"Reparatur: {summary.repaired} unvollständige Zeile(n) aus dem abgebrochenen Lauf verworfen.")
    err.print(
        f"{summary.total} Fragen · beantwortet: {summary.answered} · keine Angabe: {summary.abstained} · "
        f"Fehler: {summary.errors} · neu: {summary.new} · aus früherem Lauf: {summary.resumed} · "
        f"Zeit: {summary.seconds:.1f} s · Worker: {summary.workers} → {escape(str(output))}",
        soft_wrap=True,
    )
    if summary.dropped:
        err.print(
            f"{summary.dropped} Zeile(n) zu Fragen, die nicht mehr in {escape(str(input_path))} stehen, entfernt."
        )
    if summary.interrupted:
        err.print(f"Abgebrochen: {summary.missing} Frage(n) offen. Derselbe Befehl setzt fort.")
        raise typer.Exit(130)


@app.command()
def serve(
    host: str = typer.Option(
        "127.0.0.1", "--host", help="Address to listen on (other than 127.0.0.1 only with QUELLE_API_KEY)."
    ),
    port: int = typer.Option(8080, "--port", min=1, max=65535, help="Port."),
    log_questions: bool = typer.Option(
        False,
        "--log-questions",
        help="Write question texts to the request log (off: method, path, status, latency only).",
    ),
):
    """Serve the HTTP API and the OpenAI-compatible endpoint (model `quelle`); docs at /docs."""
    from quelle.api.serve import ServeError, check_host
    from quelle.api.serve import serve as run_server

    s = settings()
    try:
        check_host(host, s)  # refused before the model is loaded
    except ServeError as e:
        fail(str(e))
    run_server(
        s,
        host,
        port,
        log_questions,
        resources=open_resources(s),
        say=lambda message: err.print(escape(message), soft_wrap=True),
    )


@app.command("eval")
def evaluate(
    gold: Optional[Path] = typer.Argument(
        None, metavar="GOLD", help="Gold questions: .jsonl, .json or .csv (answers '|'-separated)."
    ),
    report: Optional[Path] = typer.Option(
        None, "--report", help="Folder for metrics.json, results.jsonl, report.md, report.html and the plots."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print metrics.json on stdout."),
    squad: Optional[Path] = typer.Option(
        None,
        "--squad",
        help="A SQuAD v1.1/v2.0 JSON file: its articles go into an isolated store, then all its questions are asked.",
    ),
    feedback: bool = typer.Option(
        False,
        "--feedback",
        help="The ratings collected in the chat as gold "
        "questions (as 'quelle feedback export' writes them), asked with the "
        "current settings; also says how many rated answers would now change.",
    ),
    config: Optional[List[str]] = typer.Option(
        None,
        "--config",
        help="NAME=KEY=VALUE,... side by side (repeatable), e.g. bm25=retrieval_mode=bm25 or lc=pipeline=langchain.",
    ),
    limit: Optional[int] = typer.Option(None, "--limit", min=1, help="Only the first N questions."),
):
    """Measure answer accuracy against gold answers (EM/F1, retrieval hit@k, MRR, abstention, latency)."""
    from tqdm import tqdm

    from quelle.evaluation.corpus import articles_from_store
    from quelle.evaluation.gold import GoldError, read_gold
    from quelle.evaluation.runner import ConfigError, EvalConfig, parse_config, run_evaluation

    if (gold is not None) + (squad is not None) + feedback != 1:
        fail("give either a gold file (GOLD), --squad FILE or --feedback")
    base = settings()
    squad_set = None
    try:
        if squad is not None:
            from quelle.evaluation.squad import load_squad
            from quelle.evaluation.squad_store import squad_store_dir

            squad_set = load_squad(squad)
            base = base.with_(data_dir=squad_store_dir(base, squad))
            questions = squad_set.questions
        elif feedback:
            from quelle.cli.feedback import feedback_gold
            from quelle.feedback.export import gold_questions

            rows, _ = feedback_gold()
            if not rows:
                fail("no rating can become a gold question yet (see 'quelle feedback list')")
            questions = gold_questions(rows)
        else:
            questions = read_gold(gold)
        configs = [parse_config(c, base) for c in config or []] or [EvalConfig("standard", base)]
    except (GoldError, ConfigError) as e:
        fail(str(e))
    if len({c.name for c in configs}) != len(configs):
        fail("every --config needs its own NAME")
    questions = questions[:limit] if limit else questions
    res = open_resources(base)
    if squad_set is not None:
        from quelle.library import Library

        bar = tqdm(total=len(squad_set.articles), unit="Artikel", desc="SQuAD-Ingest", disable=None, file=sys.stderr)

        def ingest_progress(what, done, total):
            if what == "articles":
                bar.update(done - bar.n)

        ingest_report = Library(res).add_articles(squad_set.articles, progress=ingest_progress)
        bar.close()
        summary = ingest_report.summary()
        failed = [f for f in ingest_report.files if f.status == "failed"]
        err.print(
            f"SQuAD {escape(squad.name)}: {len(squad_set.articles)} Artikel, {len(squad_set.questions)} Fragen "
            f"({squad_set.distractor_paragraphs} Absätze ohne Fragen) · Speicher {escape(str(base.data_dir))} · "
            f"neu: {summary['added'] + summary['updated']}, unverändert: {summary['unchanged']}, "
            f"fehlgeschlagen: {len(failed)}",
            soft_wrap=True,
        )
        if failed and len(failed) == len(ingest_report.files):
            fail(f"{failed[0].path}: {failed[0].message}")
    elif res.index.count() == 0:
        fail(f"the store {base.data_dir} holds no articles; run 'quelle ingest …' first (or set --data-dir)")
    results_path = None
    if report is not None:
        report.mkdir(parents=True, exist_ok=True)
        results_path = report / "results.jsonl"
    bar = tqdm(
        total=len(questions) * len(configs),
        unit="Frage",
        desc="Auswertung",
        disable=None,
        file=sys.stderr,
        dynamic_ncols=True,
    )
    offset = {c.name: i * len(questions) for i, c in enumerate(configs)}

    def progress(name, done, total):
        bar.set_description(f"Auswertung [{name}]", refresh=False)
        bar.update(offset[name] + done - bar.n)

    result = run_evaluation(questions, configs, res, lambda: articles_from_store(res.index), results_path, progress)
    bar.close()
    result.meta = {
        "gold": str(squad or gold or "feedback"),
        "questions": len(questions),
        "store": str(base.data_dir),
        "embedding_model": res.embedder.name,
    }
    if report is not None:
        from quelle.evaluation.report import write_report

        write_report(result, report)
    _print_eval(result, as_json)
    if feedback:
        from quelle.feedback.export import changed

        n, total = changed(result.rows[result.configs[0].name])
        err.print(f"{n} von {total} bewerteten Antworten würden sich jetzt ändern.")
    if report is not None:
        err.print(f"Bericht: {escape(str(report / 'report.html'))} · Zeilen: {escape(str(results_path))}")
    if result.interrupted:
        done = sum(len(r) for r in result.rows.values())
        err.print(f"Abgebrochen: {done} Antwort(en) ausgewertet; die Kennzahlen gelten nur für diese.")
        raise typer.Exit(130)


def _print_eval(result, as_json: bool) -> None:
    from quelle.evaluation.runner import METRIC_KEYS

    if as_json:
        print(json.dumps(result.metrics_json(), ensure_ascii=False))
        return
    table = Table("Metrik", *[escape(c.name) for c in result.configs], title="Auswertung")
    # the first answer sentence alone and the answer span (issue 14), over answerable questions
    dated = ("newest_fact", "n_dated") if any("newest_fact" in result.metrics[c.name] for c in result.configs) else ()
    for key in (*METRIC_KEYS, "answer_contains_first_answerable", "span_f1_answerable", *dated):  # dated: issue 20
        values = [result.metrics[c.name].get(key) for c in result.configs]
        table.add_row(
            key, *["–" if v is None else f"{v:.3f}" if isinstance(v, float) and v <= 1 else str(v) for v in values]
        )
    out.print(table)


# --- news feeds (issue 17): quelle feeds add|list|remove, quelle sync -----------------------------------------
feeds_app = typer.Typer(
    no_args_is_help=True, help="News feeds: RSS/Atom, sitemaps and single article URLs (fetched by 'quelle sync')."
)
app.add_typer(feeds_app, name="feeds")

# --- ratings from the chat (issue 21): quelle feedback list|export|clear ---------------------------------------
from quelle.cli.feedback import feedback_app  # noqa: E402  (its commands import this module's helpers lazily)

app.add_typer(feedback_app, name="feedback")


@feeds_app.command("add")
def feeds_add(
    url: str = typer.Argument(..., help="An RSS/Atom feed, a (news) sitemap or sitemap index, or an article URL."),
    name: Optional[str] = typer.Option(None, "--name", help="A name for it (default: the feed's title)."),
    kind: Optional[str] = typer.Option(None, "--kind", help="feed | sitemap | page: store without fetching it first."),
):
    """Store a feed (it is fetched once to see what it is); 'quelle sync' then fetches its articles."""
    from quelle.feeds import KIND_LABEL, RegistryError, add_feed, open_registry

    s = settings()
    with open_registry(s) as registry:
        try:
            added = add_feed(registry, s, url, name=name, kind=kind)
        except RegistryError as e:
            fail(str(e))
    f = added.feed
    verb = "Schon gespeichert" if added.existed else "Hinzugefügt"
    err.print(f"{verb}: {escape(f.name)} ({KIND_LABEL.get(f.kind, f.kind)}) {escape(f.url)}", soft_wrap=True)
    for note in added.notes:
        err.print(f"Hinweis: {escape(note)}", soft_wrap=True)
    err.print("Artikel holen: quelle sync")


@feeds_app.command("list")
def feeds_list(as_json: bool = typer.Option(False, "--json", help="Print a JSON list.")):
    """Stored feeds: name, url, kind, last sync, status, articles."""
    from quelle.feeds import open_registry
    from quelle.cli.feeds_report import feeds_table

    with open_registry(settings()) as registry:
        feeds = registry.feeds()
    if as_json:
        print(json.dumps([f.to_dict() for f in feeds], ensure_ascii=False))
        return
    if not feeds:
        err.print("Keine Feeds gespeichert. Hinzufügen: quelle feeds add URL")
        return
    out.print(feeds_table(feeds))


@feeds_app.command("remove")
def feeds_remove(
    feed: str = typer.Argument(..., metavar="NAME|URL", help="The feed's name or URL."),
    delete_articles: bool = typer.Option(
        False, "--delete-articles", help="Also delete the articles only this feed brought in."
    ),
):
    """Forget a feed; its articles stay in the store unless --delete-articles."""
    from quelle.feeds import RegistryError, open_registry, remove_feed

    s = settings()
    with open_registry(s) as registry:
        if registry.find(feed) is None:
            fail(f"no stored feed named '{feed}' (see 'quelle feeds list')")
        library = None
        if delete_articles:
            from quelle.library import Library

            library = Library(open_resources(s))
        try:
            removed, deleted = remove_feed(registry, feed, library)
        except RegistryError as e:
            fail(str(e))
    err.print(
        f"Entfernt: {escape(removed.name)} ({escape(removed.url)})"
        + (f" · {len(deleted)} Artikel gelöscht" if delete_articles else " · die Artikel bleiben gespeichert"),
        soft_wrap=True,
    )


@app.command()
def sync(
    feeds: Optional[List[str]] = typer.Argument(
        None, metavar="[NAME|URL]...", help="Only these feeds (a URL need not be stored)."
    ),
    every: Optional[str] = typer.Option(
        None, "--every", help="Keep syncing at this interval (15m, 1h, 90s) until Ctrl-C."
    ),
    max_entries: Optional[int] = typer.Option(
        None,
        "--max-entries",
        min=1,
        help="New or changed entries per feed and pass (default 200, QUELLE_FEED_MAX_ENTRIES).",
    ),
    rate: Optional[float] = typer.Option(
        None, "--rate", min=0.0, help="Requests per second per host (default 1, QUELLE_FEED_RATE; 0: no limit)."
    ),
    timeout: Optional[float] = typer.Option(
        None, "--timeout", min=0.1, help="Seconds per request (default 20, QUELLE_FEED_TIMEOUT)."
    ),
):
    """Fetch the feeds, then each new or changed entry's page, and ingest the articles."""
    import signal
    import threading
    import time

    from pydantic import ValidationError

    from quelle.feeds import FeedSettings, RegistryError, Syncer, open_registry, parse_interval, targets
    from quelle.cli.feeds_report import print_sync_report, progress_bars
    from quelle.library import Library

    s = settings()
    try:
        interval = parse_interval(every) if every is not None else None
        fs = FeedSettings().with_(max_entries=max_entries, rate=rate, timeout=timeout)
    except ValueError as e:  # pydantic's ValidationError is a ValueError
        fail("; ".join(f"{x['loc'][0]}: {x['msg']}" for x in e.errors()) if isinstance(e, ValidationError) else str(e))
    registry = open_registry(s)
    try:
        chosen = targets(registry, feeds)
    except RegistryError as e:
        fail(str(e))
    if not chosen:
        fail("no feeds stored; add one with 'quelle feeds add URL'")
    lib = Library(open_resources(s))
    stop = threading.Event()

    def on_signal(signum, frame):
        if stop.is_set():  # the second Ctrl-C: stop at once
            signal.signal(signal.SIGINT, signal.default_int_handler)
            raise KeyboardInterrupt
        stop.set()
        err.print("Stoppe nach dem laufenden Artikel … (Strg-C noch einmal: sofort)")

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        while True:
            started = time.monotonic()
            try:
                with progress_bars() as progress:
                    report = Syncer(
                        lib,
                        registry,
                        fs,
                        progress=progress,
                        stop=stop,
                        on_wait=lambda: err.print("Warte auf ein anderes Sync oder Ingest (Sperre)…"),
                    ).run(chosen)
            except Exception as e:  # e.g. the store or the registry unavailable: --every tries again next time
                if interval is None:
                    fail(f"the sync stopped: {type(e).__name__}: {e}")
                err.print(
                    f"[{time.strftime('%H:%M:%S')}] Fehler im Durchgang: {escape(f'{type(e).__name__}: {e}')}",
                    soft_wrap=True,
                )
                report = None
            if interval is not None:
                err.print(f"[{time.strftime('%H:%M:%S')}] Durchgang beendet")
            if report is not None:
                print_sync_report(report, err)
            if interval is None or stop.is_set():
                break
            next_at = time.localtime(time.time() + max(0.0, started + interval - time.monotonic()))
            err.print(f"Nächster Durchgang um {time.strftime('%H:%M:%S', next_at)} (Strg-C beendet)")
            if stop.wait(max(0.0, started + interval - time.monotonic())):
                break
            try:
                chosen = targets(registry, feeds) or chosen  # feeds added or removed meanwhile
            except RegistryError:
                pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        registry.close()
    if interval is not None:
        err.print("Beendet.")
        return
    if report.interrupted:
        raise typer.Exit(130)
    if not report.ok:
        first = next(f for f in report.feeds if f.status == "failed")
        fail(f"every feed failed; {first.url}: {first.message}")


def main():
    app()


if __name__ == "__main__":
    main()
