"""Batch question files: questions in (.txt / .csv / .jsonl), answers out (.jsonl / .csv); durable and resumable.

Public API (stable; used by the CLI `quelle batch` and the Streamlit batch page):

    read_questions(path) -> list[BatchQuestion]
        .txt   one question per line; blank lines and lines starting with '#' are skipped
        .csv   a `question` (or `frage`) column, optional `id`; delimiter , ; or tab (sniffed); other columns carried
        .jsonl one object per line: {"question": ..., "id"?: ..., ...}; other keys carried
        A question without an id gets a stable one: "q-" + sha256(line number, question)[:12]. A broken line
        (bad JSON, wrong field count, bad quoting, undecodable bytes, duplicate id) raises InputError naming
        the file and its line. An empty question is not a broken line: it becomes a row with an `error`.

    run_batch(input_path, output_path, settings, resources, filters=None, workers=None, restart=False,
              retry_errors=False, progress=None, cancel=None) -> BatchSummary
        Answers every question of `input_path` with quelle.answer.ask() (the same function and the same shared
        Resources as the chat and `quelle ask`) and writes `output_path` (.jsonl or .csv, by extension).
        - `workers`: parallel questions (thread pool); default 4 for LLM backends, 1 for extractive.
        - `progress(done, total, row)` is called in the calling thread: once at the start (row=None, done = rows
          kept from an earlier run) and after each answered question (row = the output row just written, in
          completion order).
        - `cancel`: a threading.Event; when set, no new question starts, running ones finish and are written,
          OUTPUT is written with what is done and the summary says interrupted=True. Ctrl-C does the same.
        - `restart=True` throws away OUTPUT and its journal first; `retry_errors=True` answers again the
          questions whose earlier row has an error (the new row replaces the old one).
        Raises InputError (bad question file) and OutputError (bad OUTPUT name, OUTPUT not a batch output, or
        another batch is writing it); errors on single questions never raise, they are recorded in the row.

    An LLM fault makes ask() fall back to the extractive answer (like the chat); such a row keeps that answer and
    has error "LLM fallback: <reason>", so it counts as an error and --retry-errors asks it again.

    Output rows: id, question, answer, abstained, citations [{n, article_id, title, date, source}], backend,
    model, latency_ms, error, then the carried input columns (a carried column named like an output field is
    renamed input_<name>). In CSV, citations is a JSON string, abstained is true/false, the file is UTF-8 with
    BOM (so Excel shows umlauts).

How durability and resume work (the journal design):
    Each finished row is appended to the journal OUTPUT.partial (JSON lines, whatever OUTPUT's format), then
    flushed and fsync'ed, in completion order — a finished answer is never lost, and workers never wait for a
    slow question in front of them. When the run ends (complete, cancelled or Ctrl-C) OUTPUT is rewritten in
    input order (temp file, fsync, atomic rename) and the journal is deleted. On a rerun the questions already
    done are those in OUTPUT plus those in the journal; only the others are asked. A kill -9 can leave at most
    one partial journal line; it is truncated away (and any unreadable line with everything after it) before
    the run continues, so those questions are asked again, but they are not in OUTPUT, so no question ever
    appears twice. The journal is locked (flock) while a run owns it: a second run on the same OUTPUT fails
    clearly instead of duplicating work. Rows of questions no longer in INPUT are dropped from OUTPUT.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

from ingest.jsonlines import json_objects
from quelle.answer import ask
from quelle.resources import Resources
from quelle.settings import Settings
from vectorstore.filters import Filters

try:  # POSIX: lock the journal so two runs cannot write the same OUTPUT
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

OUTPUT_FIELDS = ("id", "question", "answer", "abstained", "citations", "backend", "model", "latency_ms", "error")
CITATION_FIELDS = ("n", "article_id", "title", "date", "source")
INPUT_FORMATS = (".txt", ".csv", ".jsonl", ".ndjson")
OUTPUT_FORMATS = (".jsonl", ".csv")
QUESTION_COLUMNS = ("question", "frage")
# Optional per-question filter columns; they narrow the search for that question only and override --source etc.
FILTER_COLUMNS = {"filter_source": "sources", "filter_article": "article_ids", "filter_since": "since",
                  "filter_until": "until"}

ProgressFn = Callable[[int, int, "dict | None"], None]  # (done, total, row just written or None)


class InputError(ValueError):
    """The question file cannot be read; the message names the file and the line."""


class OutputError(ValueError):
    """OUTPUT cannot be used (unsupported type, not a batch output, locked by another run)."""


@dataclass
class BatchQuestion:
    id: str
    question: str
    line: int  # 1-based line in the input file where the question starts
    extra: dict[str, Any] = field(default_factory=dict)  # carried input columns


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


# --- reading questions -------------------------------------------------------------------------------------

def stable_id(question: str, line: int) -> str:
    return "q-" + hashlib.sha256(f"{line}\n{question}".encode("utf-8")).hexdigest()[:12]


def read_questions(path: str | Path) -> list[BatchQuestion]:
    """All questions of a .txt, .csv or .jsonl file, in file order (see the module docstring)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in INPUT_FORMATS:
        raise InputError(f"{path}: unsupported question file type '{path.suffix}' (use .txt, .csv or .jsonl)")
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    text = _decode(path)
    problems: list[str] = []
    if suffix == ".txt":
        questions = _read_txt(text)
    elif suffix == ".csv":
        questions = _read_csv(path, text, problems)
    else:
        questions = _read_jsonl(text, problems)
    seen: dict[str, int] = {}
    for q in questions:
        if q.id in seen:
            problems.append(f"line {q.line}: id '{q.id}' is already used on line {seen[q.id]}")
        else:
            seen[q.id] = q.line
    if problems:
        shown = "; ".join(problems[:5]) + (f"; … ({len(problems) - 5} more)" if len(problems) > 5 else "")
        raise InputError(f"{path}: {shown}")
    if not questions:
        raise InputError(f"{path}: no questions in the file")
    return questions


def _decode(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[:e.start].count(b"\n") + 1
        raise InputError(f"{path}: line {line}: not valid UTF-8 (byte {data[e.start]:#04x}); save the file as UTF-8") \
            from None


def _read_txt(text: str) -> list[BatchQuestion]:
    out = []
    for n, raw in enumerate(text.splitlines(), start=1):
        q = raw.strip()
        if q and not q.startswith("#"):
            out.append(BatchQuestion(stable_id(q, n), q, n))
    return out


def _carry(extra: dict[str, Any]) -> dict[str, Any]:
    return {(f"input_{k}" if k in OUTPUT_FIELDS else k): v for k, v in extra.items()}


def _read_csv(path: Path, text: str, problems: list[str]) -> list[BatchQuestion]:
    first = text.split("\n", 1)[0]
    try:
        delimiter = csv.Sniffer().sniff(first, delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        raise InputError(f"{path}: line 1: no header row (a CSV needs a 'question' column)") from None
    names = [h.strip() for h in header]
    lower = [h.lower() for h in names]
    qcol = next((lower.index(c) for c in QUESTION_COLUMNS if c in lower), None)
    if qcol is None:
        raise InputError(f"{path}: line 1: no 'question' column (columns: {', '.join(names) or 'none'})")
    idcol = lower.index("id") if "id" in lower else None
    out: list[BatchQuestion] = []
    start = reader.line_num + 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            problems.append(f"line {start}: broken CSV ({e})")
            break  # after a quoting error the rest of the file cannot be trusted
        line, start = start, reader.line_num + 1
        if not record or all(not c.strip() for c in record):
            continue
        if len(record) != len(names):
            problems.append(f"line {line}: {len(record)} fields, the header has {len(names)}")
            continue
        q = record[qcol].strip()
        rid = record[idcol].strip() if idcol is not None else ""
        extra = {names[i]: v for i, v in enumerate(record) if i not in (qcol, idcol)}
        out.append(BatchQuestion(rid or stable_id(q, line), q, line, _carry(extra)))
    return out


def _read_jsonl(text: str, problems: list[str]) -> list[BatchQuestion]:
    out: list[BatchQuestion] = []
    for n, obj, problem in json_objects(text):
        if problem:
            problems.append(f"line {n}: {problem}")
            continue
        key = next((k for k in QUESTION_COLUMNS if k in obj), None)
        if key is None:
            problems.append(f"line {n}: no \"question\" field")
            continue
        q = obj.pop(key)
        if q is None:
            q = ""
        if not isinstance(q, str):
            problems.append(f"line {n}: \"question\" must be text, not {type(q).__name__}")
            continue
        rid = obj.pop("id", None)
        if rid is not None and not isinstance(rid, (str, int)) or isinstance(rid, bool):
            problems.append(f"line {n}: \"id\" must be text or a number")
            continue
        rid = str(rid).strip() if rid is not None else ""
        q = q.strip()
        out.append(BatchQuestion(rid or stable_id(q, n), q, n, _carry(obj)))
    return out


# --- answering one question --------------------------------------------------------------------------------

def default_workers(settings: Settings) -> int:
    return 1 if settings.llm == "extractive" else 4


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
        row.update(answer=a.answer, abstained=bool(a.abstained),
                   citations=[{k: getattr(c, k) for k in CITATION_FIELDS} for c in a.citations],
                   backend=a.backend, model=a.model or "",
                   # the LLM failed and ask() fell back to the extractive answer (as the chat does): keep the
                   # answer, record the fault (--retry-errors asks it again once the LLM is back)
                   error=f"LLM fallback: {a.fallback}" if a.fallback else "")
    except Exception as e:  # noqa: BLE001 - one question's failure must not stop the batch
        row.update(answer="", abstained=False, citations=[], backend=settings.llm or "",
                   model="" if settings.llm == "extractive" else settings.llm_model,
                   error=f"{type(e).__name__}: {e}")
    row["latency_ms"] = round((time.perf_counter() - t0) * 1000, 1)
    row = {k: row[k] for k in OUTPUT_FIELDS}
    row.update(q.extra)
    return row


# --- output files ------------------------------------------------------------------------------------------

def journal_path(output_path: str | Path) -> Path:
    p = Path(output_path)
    return p.with_name(p.name + ".partial")


def _check_output(output_path: Path, input_path: Path) -> None:
    if output_path.suffix.lower() not in OUTPUT_FORMATS:
        raise OutputError(f"{output_path}: unsupported output type '{output_path.suffix}' (use .jsonl or .csv)")
    if output_path.resolve() == input_path.resolve():
        raise OutputError(f"{output_path}: the output must not be the question file itself")
    if output_path.is_dir():
        raise OutputError(f"{output_path}: is a folder")


def read_output(path: str | Path) -> list[dict]:
    """The rows of an earlier OUTPUT (either format). A last line without its newline is dropped (partial)."""
    path = Path(path)
    if not path.exists():
        return []
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise OutputError(f"{path}: not a Quelle batch output (not UTF-8); use --restart or another file") from None
    partial = bool(text) and not text.endswith("\n")
    rows: list[dict] = []
    if path.suffix.lower() == ".csv":
        try:
            records = list(csv.DictReader(io.StringIO(text, newline=""), strict=True))
        except csv.Error as e:
            records = None
            if not partial:
                raise OutputError(f"{path}: not a Quelle batch output ({e}); use --restart or another file") from None
        if records is None:  # the broken part is the partial last record
            cut = text.rfind("\n") + 1
            records = list(csv.DictReader(io.StringIO(text[:cut], newline="")))
        elif partial and records:
            records.pop()
        for n, r in enumerate(records, start=2):
            if not r.get("id"):
                raise OutputError(f"{path}: line {n}: not a Quelle batch output (no id); use --restart or another file")
            rows.append(_from_csv(r))
        return rows
    lines = text.split("\n")
    if partial:
        lines.pop()
    for n, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError:
            obj = None
        if not isinstance(obj, dict) or not obj.get("id"):
            raise OutputError(f"{path}: line {n}: not a Quelle batch output row; use --restart or another file")
        rows.append(obj)
    return rows


def _from_csv(r: dict) -> dict:
    row = dict(r)
    row.pop(None, None)
    row["abstained"] = str(row.get("abstained", "")).lower() == "true"
    try:
        row["citations"] = json.loads(row.get("citations") or "[]")
    except json.JSONDecodeError:
        row["citations"] = []
    try:
        row["latency_ms"] = float(row.get("latency_ms") or 0)
    except ValueError:
        row["latency_ms"] = 0.0
    return row


def _csv_value(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (str, int, float)):
        return str(v)
    return json.dumps(v, ensure_ascii=False)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def write_output(path: Path, rows: list[dict]) -> None:
    """Write all rows atomically: a temp file next to OUTPUT, fsync, rename over OUTPUT."""
    tmp = path.with_name(f".{path.name}.tmp")
    if path.suffix.lower() == ".csv":
        columns = list(OUTPUT_FIELDS)
        for r in rows:
            columns += [k for k in r if k not in columns]
        with open(tmp, "w", encoding="utf-8-sig", newline="") as f:
            w = csv.writer(f)
            w.writerow(columns)
            for r in rows:
                w.writerow([_csv_value(r.get(c)) for c in columns])
            f.flush()
            os.fsync(f.fileno())
    else:
        with open(tmp, "w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
            f.flush()
            os.fsync(f.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


class Journal:
    """OUTPUT.partial: finished rows as JSON lines, appended + flushed + fsync'ed one by one, locked while open."""

    def __init__(self, path: Path):
        self.path = path
        self.f = open(path, "a+b")
        if fcntl is not None:
            try:
                fcntl.flock(self.f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                self.f.close()
                raise OutputError(f"{path}: another batch run is writing this output right now") from None

    def load(self) -> tuple[list[dict], int]:
        """The complete rows; a partial last line (a kill mid-write) or an unreadable line and everything after
        it is truncated away. Returns (rows, number of lines removed)."""
        self.f.seek(0)
        data = self.f.read()
        rows, good = [], 0
        pos = 0
        while pos < len(data):
            end = data.find(b"\n", pos)
            if end < 0:
                break
            try:
                obj = json.loads(data[pos:end].decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                break
            if not isinstance(obj, dict) or not obj.get("id"):
                break
            rows.append(obj)
            pos = good = end + 1
        tail = data[good:]
        removed = tail.count(b"\n") + (1 if tail and not tail.endswith(b"\n") else 0)
        if good < len(data):
            self.f.truncate(good)
            self.f.flush()
            os.fsync(self.f.fileno())
        return rows, removed

    def clear(self) -> None:
        self.f.truncate(0)
        self.f.flush()
        os.fsync(self.f.fileno())

    def append(self, row: dict) -> None:
        self.f.seek(0, os.SEEK_END)
        self.f.write((json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8"))
        self.f.flush()
        os.fsync(self.f.fileno())

    def remove_and_close(self) -> None:
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass
        self.close()

    def close(self) -> None:
        if not self.f.closed:
            self.f.close()


# --- the run -----------------------------------------------------------------------------------------------

def run_batch(input_path: str | Path, output_path: str | Path, settings: Settings, resources: Resources,
              filters: Filters | None = None, workers: int | None = None, restart: bool = False,
              retry_errors: bool = False, progress: ProgressFn | None = None,
              cancel: threading.Event | None = None) -> BatchSummary:
    """Answer every question of input_path into output_path; resume where an earlier run stopped."""
    t0 = time.perf_counter()
    input_path, output_path = Path(input_path), Path(output_path)
    _check_output(output_path, input_path)
    questions = read_questions(input_path)
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
        summary = BatchSummary(total=len(questions), resumed=len(questions) - len(pending), repaired=repaired,
                               dropped=dropped, workers=workers, output=str(output_path))
        finished = summary.resumed
        if progress:
            progress(finished, len(questions), None)
        if pending:  # load the model and sync the lexical index now, not inside the first question's latency
            resources.embedder.model
            resources.retriever.sync_lexical()

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


def _answer_all(pending: list[BatchQuestion], settings: Settings, resources: Resources, filters: Filters | None,
                workers: int, record: Callable[[dict], None], cancel: threading.Event | None) -> None:
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
