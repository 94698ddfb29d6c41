"""The batch run: answer each pending question with ask() in a thread pool, journal each row, rewrite OUTPUT in
input order at the end; resume, cancel and Ctrl-C safe (design: quelle/batch/__init__.py)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable

from quelle.answering import registry
from quelle.answering.pipeline import ask
from quelle.batch.journal import Journal, journal_path
from quelle.batch.output import CITATION_FIELDS, OUTPUT_FIELDS, _check_output, read_output, write_output
from quelle.batch.questions import FILTER_COLUMNS, BatchQuestion, read_questions
from quelle.resources import Resources
from quelle.settings import Settings
from vectorstore.filters import Filters

ProgressFn = Callable[[int, int, "dict | None"], None]  # (done, total, row just written or None)


@dataclass
class BatchSummary:
    total: int = 0  # questions in the input
    answered: int = 0  # rows in OUTPUT with an answer (not abstained, no error)
    abstained: int = 0
    errors: int = 0
    new: int = 0  # questions asked in this run
    resumed: int = 0  # rows kept from an earlier run
    missing: int = 0  # questions without a row (only when interrupted)
    repaired: int = 0  # partial/unreadable journal lines removed before resuming
    dropped: int = 0  # earlier rows whose question is no longer in the input
    seconds: float = 0.0
    workers: int = 1
    interrupted: bool = False
    output: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


def default_workers(settings: Settings) -> int:
    return registry.capabilities(settings.llm).workers


def _row_filters(q: BatchQuestion, filters: Filters | None) -> Filters | None:
    given = {FILTER_COLUMNS[k]: v for k, v in q.extra.items() if k in FILTER_COLUMNS and v not in (None, "")}
    if not given:
        return filters
    base = filters or Filters()
    merged = {"article_ids": base.article_ids, "sources": base.sources, "since": base.since, "until": base.until}
    for key, value in given.items():
        if key in ("sources", "article_ids"):
            value = [value] if isinstance(value, str) else list(value)
        merged[key] = value
    return Filters.make(**merged)


def answer_row(q: BatchQuestion, settings: Settings, resources: Resources, filters: Filters | None = None) -> dict:
    """One output row for one question, answered by ask(). Never raises: a failure becomes the row's `error`."""
    t0 = time.perf_counter()
    row: dict[str, Any] = {"id": q.id, "question": q.question}
    try:
        a = ask(q.question, settings, resources=resources, filters=_row_filters(q, filters))
        row.update(
            answer=a.answer,
            abstained=bool(a.abstained),
            confidence_band=a.confidence_band,
            citations=[{k: getattr(c, k) for k in CITATION_FIELDS} for c in a.citations],
            backend=a.backend,
            model=a.model or "",
            # the LLM failed and ask() fell back to the extractive answer (as the chat does): keep the
            # answer, record the fault (--retry-errors asks it again once the LLM is back)
            error=(f"LLM fallback: {a.fallback}" if a.backend != settings.llm else f"model server: {a.fallback}")
            if a.fallback
            else "",
        )
    except Exception as e:  # noqa: BLE001 - one question's failure must not stop the batch
        row.update(
            answer="",
            abstained=False,
            confidence_band="",
            citations=[],
            backend=settings.llm or "",
            model=settings.llm_model if registry.capabilities(settings.llm).has_model else "",
            error=f"{type(e).__name__}: {e}",
        )
    row["latency_ms"] = round((time.perf_counter() - t0) * 1000, 1)
    row = {k: row[k] for k in OUTPUT_FIELDS}
    row.update(q.extra)
    return row


def run_batch(
    input_path: str | Path,
    output_path: str | Path,
    settings: Settings,
    resources: Resources,
    filters: Filters | None = None,
    workers: int | None = None,
    restart: bool = False,
    retry_errors: bool = False,
    progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
    input_name: str | None = None,
) -> BatchSummary:
    """Answer every question of input_path into output_path; resume where an earlier run stopped. `input_name`: what
    errors call the question file (an upload's name; default input_path as given)."""
    t0 = time.perf_counter()
    input_path, output_path = Path(input_path), Path(output_path)
    _check_output(output_path, input_path)
    questions = read_questions(input_path, input_name)
    workers = max(1, int(workers or default_workers(settings)))
    output_path.parent.mkdir(parents=True, exist_ok=True)

    journal = Journal(journal_path(output_path))
    try:
        if restart:
            journal.clear()
            output_path.unlink(missing_ok=True)
        earlier = read_output(output_path)
        logged, repaired = journal.load()
        done: dict[str, dict] = {}
        for row in earlier + logged:  # the journal is newer than OUTPUT
            done[str(row["id"])] = row
        wanted = {q.id for q in questions}
        dropped = sum(1 for i in done if i not in wanted)
        pending = [q for q in questions if q.id not in done or (retry_errors and done[q.id].get("error"))]
        summary = BatchSummary(
            total=len(questions),
            resumed=len(questions) - len(pending),
            repaired=repaired,
            dropped=dropped,
            workers=workers,
            output=str(output_path),
        )
        finished = summary.resumed
        if progress:
            progress(finished, len(questions), None)
        if pending:  # load the model and sync the lexical index now, not inside the first question's latency
            resources.embedder.model
            resources.index.sync_lexical()

        def record(row: dict) -> None:
            nonlocal finished
            journal.append(row)
            done[row["id"]] = row
            finished += 1
            summary.new += 1
            if progress:
                progress(finished, len(questions), row)

        try:
            _answer_all(pending, settings, resources, filters, workers, record, cancel)
        except KeyboardInterrupt:
            summary.interrupted = True
        if cancel is not None and cancel.is_set() and summary.new < len(pending):
            summary.interrupted = True

        rows = [done[q.id] for q in questions if q.id in done]
        write_output(output_path, rows)
        journal.remove_and_close()
    finally:
        journal.close()
    for r in rows:
        if r.get("error"):
            summary.errors += 1
        elif r.get("abstained"):
            summary.abstained += 1
        else:
            summary.answered += 1
    summary.missing = len(questions) - len(rows)
    summary.seconds = round(time.perf_counter() - t0, 2)
    return summary


def _answer_all(
    pending: list[BatchQuestion],
    settings: Settings,
    resources: Resources,
    filters: Filters | None,
    workers: int,
    record: Callable[[dict], None],
    cancel: threading.Event | None,
) -> None:
    """Ask the pending questions on a thread pool, at most 2*workers queued; rows are recorded by this thread."""
    queue = iter(pending)
    running: set[Future] = set()
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="quelle-batch")
    try:
        while True:
            while len(running) < 2 * workers and not (cancel is not None and cancel.is_set()):
                q = next(queue, None)
                if q is None:
                    break
                running.add(pool.submit(answer_row, q, settings, resources, filters))
            if not running:
                return
            if cancel is not None and cancel.is_set():
                for fut in running:
                    fut.cancel()  # only the queued ones; started questions finish and are recorded
            finished, running = wait(running, timeout=0.5, return_when=FIRST_COMPLETED)
            for fut in finished:
                if not fut.cancelled():
                    record(fut.result())
    except KeyboardInterrupt:
        # stop starting new questions; let the running ones finish and keep their answers
        for fut in running:
            fut.cancel()
        pool.shutdown(wait=True)
        for fut in running:
            if fut.done() and not fut.cancelled():
                record(fut.result())
        raise
    finally:
        pool.shutdown(wait=True)
