"""Add, update and delete articles: ingest into the index (vectorstore.index: Chroma store and lexical index,
kept in step by its write protocol)."""

from __future__ import annotations

import hashlib
import json
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from filelock import FileLock, Timeout

from ingest.chunking import chunk_article
from ingest.language import detect_language as detect_article_language
from ingest.loaders import Loaded, find_files, load
from ingest.models import Article, Chunk, IngestError
from quelle.resources import Resources
from vectorstore.embeddings import EmbeddingError
from vectorstore.index import Write

EMBED_GROUP = 1024  # chunks queued across articles before they are embedded (sorted by length) and written


@dataclass
class FileResult:
    path: str
    status: str  # added | updated | unchanged | duplicate | failed | skipped
    articles: list[str] = field(default_factory=list)
    chunks: int = 0
    message: str = ""


@dataclass
class IngestReport:
    files: list[FileResult] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    @property
    def chunks_written(self) -> int:
        return sum(f.chunks for f in self.files if f.status in ("added", "updated"))

    @property
    def ok(self) -> bool:
        return any(f.status in ("added", "updated", "unchanged", "duplicate") for f in self.files)

    def summary(self) -> dict:
        return {s: self.count(s) for s in ("added", "updated", "unchanged", "duplicate", "failed", "skipped")}


ProgressFn = Callable[[str, int, int], None]  # (what, done, total)


class Library:
    def __init__(self, resources: Resources):
        self.r = resources
        self.settings = resources.settings
        self._in_pass = False  # inside one_pass(): inner writes are part of the outer pass
        self.watch_report = None  # what the watched questions' check after the last pass found (quelle/watch)

    # --- ingest ---------------------------------------------------------------------------------------
    def lock(self) -> FileLock:
        path = Path(self.settings.data_dir)
        path.mkdir(parents=True, exist_ok=True)
        return FileLock(str(path / ".ingest.lock"))

    def ingest(
        self,
        paths: list[Path],
        progress: ProgressFn | None = None,
        on_wait: Callable[[], None] | None = None,
        fields: dict[str, str] | None = None,
        names: dict[str, str] | None = None,
        defer_embedding: bool = False,
    ) -> IngestReport:
        """Files and folders in. `fields` maps article fields to a dump's own names ({'text': 'body'}).
        `progress` gets ('files', done, total) per file and ('chunks', embedded, queued) while embedding.
        `names` maps a file's path to the name it is recorded under — its articles' `path` and entry in `sources`,
        its FileResult — instead of the path (an upload's name, not the server's temp folder).
        `defer_embedding`: store the chunks without vectors (searchable lexically at once, `embedding_pending` in
        stats); quelle/embedding_worker.py embeds them after."""
        return self._locked(lambda: self._ingest(paths, progress, fields, names or {}, defer_embedding), on_wait)

    def add_articles(
        self,
        articles: list[Article],
        progress: ProgressFn | None = None,
        on_wait: Callable[[], None] | None = None,
        defer_embedding: bool = False,
    ) -> IngestReport:
        """Ingest Articles built in memory (e.g. from a SQuAD file) by the same path as files: chunk, embed in
        batches, skip unchanged ones by content hash. One FileResult per article, named by its path or id."""
        units = [(a.path or f"article:{a.article_id}", lambda a=a: [a]) for a in articles]
        return self._locked(
            lambda: self._ingest_units(IngestReport(), units, progress, "articles", defer_embedding), on_wait
        )

    @contextmanager
    def one_pass(self):
        """Writes inside are one pass (an ingest; a whole sync run): when it ends and the store's revision moved,
        the due watched questions are asked again, once (quelle/watch/hook.py)."""
        from quelle.watch import hook

        if self._in_pass:
            yield
            return
        self._in_pass = True
        before = hook.before_pass(self.r)
        try:
            yield
        finally:
            self._in_pass = False
        self.watch_report = hook.after_pass(self.r, before)

    def _locked(self, work: Callable[[], IngestReport], on_wait: Callable[[], None] | None) -> IngestReport:
        with self.one_pass():
            return self._under_lock(work, on_wait)

    def _under_lock(self, work: Callable[[], IngestReport], on_wait: Callable[[], None] | None) -> IngestReport:
        lock = self.lock()
        try:
            lock.acquire(timeout=0.5)
        except Timeout:
            if on_wait:
                on_wait()
            lock.acquire()
        try:
            return work()
        finally:
            lock.release()

    def _ingest(
        self,
        paths: list[Path],
        progress: ProgressFn | None,
        fields: dict[str, str] | None = None,
        names: dict[str, str] | None = None,
        defer_embedding: bool = False,
    ) -> IngestReport:
        report = IngestReport()
        files, errors = find_files(list(paths))
        names = names or {}
        for e in errors:
            status = "skipped" if e.problem.startswith("skipped") else "failed"
            report.files.append(FileResult(names.get(e.path, e.path), status, message=e.problem))
        max_bytes = int(self.settings.max_file_mb * 1_000_000)

        def load_as(f: Path, name: str | None) -> Loaded:
            got = load(f, fields, max_bytes, self.settings.max_article_chars)
            for art in got.articles if name else ():
                art.path = name
            return got

        units = [(names.get(str(f), str(f)), lambda f=f: load_as(f, names.get(str(f)))) for f in files]
        return self._ingest_units(report, units, progress, "files", defer_embedding)

    def _ingest_units(
        self,
        report: IngestReport,
        units: list[tuple[str, Callable[[], list[Article] | Loaded]]],
        progress: ProgressFn | None,
        what: str,
        defer_embedding: bool = False,
    ) -> IngestReport:
        """The one write path: each unit (a file, or one in-memory article) yields Articles when loaded."""
        pending: list[tuple[FileResult, Article, list[Chunk]]] = []
        self._run = _Run(progress, defer_embedding)
        try:
            for i, (name, load_unit) in enumerate(units):
                self._ingest_unit(report, name, load_unit, pending, last=i == len(units) - 1)
                if progress:
                    progress(what, i + 1, len(units))
        finally:
            if self._run.write is not None:  # the index learns what was written, also after a failure half-way
                self.r.index.end_write(self._run.write)
        return report

    def _ingest_unit(self, report: IngestReport, name: str, load_unit, pending: list, last: bool) -> None:
        """Load one unit, queue its new or changed articles, and write the queue when it is full (or at the end)."""
        f = Path(name)
        result = FileResult(name, "unchanged")
        report.files.append(result)
        try:
            got = load_unit()
            articles, notes = (got.articles, got.notes) if isinstance(got, Loaded) else (got, [])
            result.message = "; ".join(notes)
            self._check_limits(f, articles)
            for art in articles:
                art.article_id, head, complete = self._claim_id(art)
                result.articles.append(art.article_id)
                if head and head.get("content_hash") == art.content_hash and complete:
                    self._run.seen(art, json.loads(head.get("sources") or "[]"))
                    continue
                if head is None and self._record_duplicate(art, result):
                    continue
                art.language = art.language or detect_article_language(f"{art.title}\n{art.text}")  # only when new
                chunks = self.chunk(art)
                if not chunks:
                    raise IngestError(str(f), "no text to index")
                self._run.seen(art, [self._source_name(art)] + self._kept_sources(head, art), pending=True)
                result.status = "updated" if head or result.status == "updated" else "added"
                pending.append((result, art, chunks))
        except IngestError as e:
            result.status, result.message = "failed", e.problem
        except Exception as e:  # one bad file never stops the run
            result.status, result.message = "failed", f"{type(e).__name__}: {e}"
        if result.status == "failed":  # nothing of a failed file is written, nothing stored is touched
            pending[:] = [p for p in pending if p[0] is not result]
        self._run.queued += sum(len(c) for r, _, c in pending if r is result)
        if sum(len(c) for _, _, c in pending) >= EMBED_GROUP or last:
            self._write(pending)
            pending.clear()

    def _check_limits(self, path: Path, articles: list[Article]) -> None:
        for a in articles:
            if len(a.text) > self.settings.max_article_chars:
                raise IngestError(
                    str(path),
                    f"article '{a.title[:60]}' has {len(a.text):,} characters; the limit is "
                    f"{self.settings.max_article_chars:,} (QUELLE_MAX_ARTICLE_CHARS)",
                )

    def _claim_id(self, article: Article) -> tuple[str, dict | None, bool]:
        """The article's id, unless another file already holds it (then a suffix from this file's path), with what
        the store holds under that id (Index.article_status)."""
        head, complete = self.r.index.article_status(article.article_id)
        if not head or not article.path or head.get("path") in ("", article.path) or not Path(head["path"]).exists():
            return article.article_id, head, complete
        suffix = hashlib.sha1(str(Path(article.path).resolve()).encode()).hexdigest()[:6]
        article_id = f"{article.article_id}-{suffix}"
        return (article_id, *self.r.index.article_status(article_id))

    def chunk(self, article: Article) -> list[Chunk]:
        emb = self.r.embedder
        budget = min(self.settings.chunk_tokens, emb.max_tokens) - emb.prefix_tokens() - self._title_tokens(article)
        return chunk_article(article, emb, max(budget, 16), self.settings.chunk_overlap_sentences)

    def _title_tokens(self, article: Article) -> int:
        return self.r.embedder.count_tokens([article.title + "\n"])[0] if article.title else 0

    # --- duplicates: the same text from another file is stored once, with every file in its `sources` -------
    @staticmethod
    def _source_name(article: Article) -> str:
        return article.path or article.source or article.article_id

    @staticmethod
    def _kept_sources(head: dict | None, article: Article) -> list[str]:
        """Other files recorded for an article whose text did not change (a new title keeps its duplicates)."""
        if not head or head.get("text_hash") != article.text_hash:
            return []
        return [s for s in json.loads(head.get("sources") or "[]") if s != Library._source_name(article)]

    def _record_duplicate(self, art: Article, result: FileResult) -> bool:
        """True when another article already holds this exact text: this file is added to its sources instead."""
        original = self._run.by_text.get(art.text_hash)
        if original is None or original[0] == art.article_id:
            head = self.r.index.find_by_text_hash(art.text_hash, exclude_article_id=art.article_id)
            if head is None:
                return False
            original = (head["article_id"], json.loads(head.get("sources") or "[]"), False)
            self._run.by_text[art.text_hash] = original
        article_id, sources, pending = original
        name = self._source_name(art)
        result.articles[-1] = article_id
        note = f"duplicate of '{article_id}' (same text)"
        result.message = "; ".join(m for m in (result.message, note) if m)
        if name in sources:
            return True  # recorded in an earlier run
        sources.append(name)
        if not pending:
            self.r.index.update_sources(article_id, sources)
        if result.status == "unchanged":
            result.status = "duplicate"
        return True

    def _write(self, pending: list[tuple[FileResult, Article, list[Chunk]]]) -> None:
        if not pending:
            return
        if self._run.write is None:  # begun at the first write: re-ingesting unchanged files writes nothing
            self._run.write = self.r.index.begin_write()
        self._run.write.articles.update(art.article_id for _, art, _ in pending)
        if self._run.defer:  # stored now, embedded later (quelle/embedding_worker.py)
            vectors, store = None, self.r.index.write_pending
        else:
            vectors = self._embed([embedding_text(a, c) for _, a, chunks in pending for c in chunks])
            store = self.r.index.write_articles
        items, pos = [], 0
        for _, art, chunks in pending:
            part = None if vectors is None else vectors[pos : pos + len(chunks)]
            items.append((art, chunks, part, self._run.sources_of(art)))
            pos += len(chunks)
        try:
            store(items)
            stored = [(result, item) for (result, _, _), item in zip(pending, items)]
        except EmbeddingError:  # a new store's first pending write asks the model its dimension: the server is down
            raise
        except Exception:  # find the article Chroma refuses: the others are stored one by one
            stored = []
            for (result, _, _), item in zip(pending, items):
                try:
                    store([item])
                    stored.append((result, item))
                except Exception as e:
                    result.status, result.message = "failed", f"could not store: {e}"
        for result, (art, chunks, _, _) in stored:
            self._run.written(art)
            result.chunks += len(chunks)

    def _embed(self, texts: list[str]):
        """Embed the whole group at once (batches of like length), the progress bar moving with each batch."""

        def done(n: int) -> None:
            self._run.embedded += n
            self._run.report_chunks()

        return self.r.embedder.embed_passages(texts, on_batch=done)

    # --- other operations ---------------------------------------------------------------------------------
    def delete(self, article_id: str) -> int:
        with self.lock(), self.r.index.writing({article_id}):
            return self.r.index.delete_article(article_id)

    def has_article(self, article_id: str) -> bool:
        return self.r.index.has_article(article_id)

    def articles(self) -> list[dict]:
        """Every stored article, newest first; `group`: its near-duplicate group (its own id when it has no copy)."""
        out = []
        groups = self.r.index.groups()
        for m in self.r.index.list_articles():
            out.append(
                {
                    "article_id": m["article_id"],
                    "group": groups.group_of(m["article_id"]),
                    "title": m.get("title", ""),
                    "date": m.get("date", ""),
                    "source": m.get("source", ""),
                    "url": m.get("url", ""),
                    "chunks": m.get("n_chunks", 0),
                    "sources": json.loads(m.get("sources") or "[]"),
                }
            )
        return out

    def groups(self) -> list[dict]:
        """Near-duplicate groups of two or more articles (syndicated or updated copies, docs/dedup.md):
        [{"group": id, "articles": [article ids, the representative — the earliest version — first]}]."""
        return self.r.index.group_listing()

    def regroup(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Group the stored articles that were stored without a signature (before near-duplicate groups existed):
        `quelle regroup`. Returns how many were signed."""
        with self.lock(), self.r.index.writing() as write:
            n = self.r.index.regroup(progress)
            write.articles.clear()  # metadata only: the lexical index has nothing to re-index
        return n

    def stats(self) -> dict:
        return {
            "articles": len(self.r.index.list_articles()),
            "chunks": self.r.index.count(),
            "embedding_pending": self.r.index.pending_count(),  # stored, not embedded yet (embedding_worker.py)
            "embedding_model": self.r.embedder.name,
            "data_dir": str(self.r.index.location),
        }


class _Run:
    """Book-keeping of one ingest run: chunk progress and which text each article stored in this run has."""

    def __init__(self, progress: ProgressFn | None, defer: bool = False):
        self.progress = progress
        self.defer = defer  # store chunks without vectors: the embedding worker embeds them after
        self.queued = 0
        self.embedded = 0
        self.by_text: dict[str, tuple[str, list[str], bool]] = {}  # text_hash -> (article_id, sources, pending)
        self.write: Write | None = None  # the index write this run began (Index.begin_write)

    def seen(self, art: Article, sources: list[str], pending: bool = False) -> None:
        self.by_text[art.text_hash] = (art.article_id, list(dict.fromkeys(sources)), pending)

    def sources_of(self, art: Article) -> list[str] | None:
        got = self.by_text.get(art.text_hash)
        return got[1] if got and got[0] == art.article_id else None

    def written(self, art: Article) -> None:
        got = self.by_text.get(art.text_hash)
        if got and got[0] == art.article_id:
            self.by_text[art.text_hash] = (got[0], got[1], False)

    def report_chunks(self) -> None:
        if self.progress:
            self.progress("chunks", self.embedded, max(self.queued, self.embedded))


def embedding_text(article: Article, chunk: Chunk) -> str:
    """What the embedding model sees of a chunk: the article title as context, then the chunk."""
    return f"{article.title}\n{chunk.text}" if article.title else chunk.text
