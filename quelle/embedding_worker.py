"""Embedding later (issue 32): the worker that gives chunks stored without vectors (`quelle ingest` stores them first,
searchable lexically at once: Library.ingest(defer_embedding=True)) their vectors.

How pending chunks are held: in the store itself, each with the metadata flag `embedding_pending` and a placeholder
vector (vectorstore/store.py: Chroma needs a vector per record). So every reader that works from the store — the
lexical index's sync, the article list, unchanged-file detection, the evidence stage, other processes on a shared
Chroma server — sees them with no second place to look, and the dense side drops them (ChunkStore.query) until
their real vector is written; the hybrid fusion scores them by the lexical side alone (vectorstore/retrieve.py).

The worker takes the pending chunks page by page (PAGE), embeds a page exactly as ingest would have (title, then the
chunk: vectorstore.reembed.embedding_input) and writes the vectors under the ingest lock through the index's write
protocol (the revision moves: other processes see them). A page is written only for chunks still stored as they
were read (an ingest may have replaced an article meanwhile). Killed at any point (kill -9), nothing is lost: the
chunks written have their vector, the others still carry the flag, and the next run goes on with them. One worker
at a time (`.embed.lock` next to the store); a second one returns at once (WorkerBusy).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from filelock import FileLock, Timeout

from quelle.resources import Resources
from vectorstore.reembed import embedding_input

PAGE = 1024  # chunks embedded per step: as many as ingest embeds at once (library.EMBED_GROUP), what a kill loses

Progress = Callable[[int, int], None]  # (embedded, total)


class WorkerBusy(RuntimeError):
    """Another embedding worker runs on this store."""


@dataclass
class EmbedReport:
    embedded: int = 0  # chunks this run gave vectors
    skipped: int = 0  # chunks replaced or deleted while they were embedded (their new version is embedded anew)
    pending: int = 0  # chunks still waiting when the run ended (stopped early, or another ingest added some)

    def summary(self) -> dict:
        return dict(self.__dict__)


def embedding_progress(index) -> tuple[int, int]:
    """(chunks embedded, chunks stored) of the index: what the Artikel page and `quelle stats` show."""
    total = index.count()
    return total - index.pending_count(), total


def worker_lock(settings) -> FileLock:
    path = Path(settings.data_dir)
    path.mkdir(parents=True, exist_ok=True)
    return FileLock(str(path / ".embed.lock"))


def start_background(settings) -> int:
    """Start `quelle embed --quiet` as a process of its own (it outlives the command that starts it), its output
    appended to `<data_dir>/embed.log`; its pid. A second one started meanwhile returns at once (WorkerBusy)."""
    import subprocess
    import sys

    log = Path(settings.data_dir) / "embed.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "quelle.cli.app", "--data-dir", str(settings.data_dir), "embed", "--quiet"],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            start_new_session=True,
        )
    return proc.pid


def embed_pending(
    resources: Resources,
    progress: Progress | None = None,
    stop: Callable[[], bool] | None = None,
    page: int = PAGE,
    wait: bool = False,
) -> EmbedReport:
    """Embed every pending chunk (also those an ingest adds while this runs). `stop()` is asked between pages;
    `wait`: wait for another worker to finish instead of raising WorkerBusy."""
    lock = worker_lock(resources.settings)
    try:
        lock.acquire(timeout=-1 if wait else 0)
    except Timeout:
        raise WorkerBusy(f"another embedding worker runs on {resources.index.location}") from None
    try:
        return _run(resources, progress, stop or (lambda: False), page)
    finally:
        lock.release()


def _run(resources: Resources, progress: Progress | None, stop: Callable[[], bool], page: int) -> EmbedReport:
    from quelle.library import Library

    index, report = resources.index, EmbedReport()
    total = index.pending_count()
    if progress:
        progress(0, total)
    idle = 0  # pages in a row that wrote nothing: the store changes under us faster than we embed
    while not stop() and idle < 3:
        chunks = index.pending_chunks(page)
        if not chunks:
            break
        seen = [report.embedded + report.skipped]

        def on_batch(n: int) -> None:
            seen[0] += n
            if progress:
                progress(min(seen[0], total), total)

        vectors = resources.embedder.embed_passages([embedding_input(c.text, c.meta) for c in chunks], on_batch)
        with Library(resources).lock():  # no ingest rewrites these articles while their vectors are written
            written = index.write_embeddings(chunks, vectors)
        report.embedded += written
        report.skipped += len(chunks) - written
        idle = idle + 1 if written == 0 else 0
        total = report.embedded + report.skipped + index.pending_count()
        if progress:
            progress(report.embedded + report.skipped, total)
    report.pending = index.pending_count()
    return report
