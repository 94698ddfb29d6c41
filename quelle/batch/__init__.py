"""Batch question files: questions in (.txt / .csv / .jsonl), answers out (.jsonl / .csv); durable and resumable.

Public API (stable; used by the CLI `quelle batch` and the Streamlit batch page):

    read_questions(path) -> list[BatchQuestion]
        .txt   one question per line; blank lines and lines starting with '#' are skipped
        .csv   a `question` (or `frage`) column, optional `id`; delimiter , ; tab or | (the header's); other
               columns carried
        .jsonl one object per line: {"question" (or "frage"): ..., "id"?: ..., ...}; other keys carried
        Decoding, CSV dialect and column names are those of gold files too (quelle.question_files).
        A question without an id gets a stable one: "q-" + sha256(line number, question)[:12]. A broken line
        (bad JSON, wrong field count, bad quoting, undecodable bytes, duplicate id) raises InputError naming
        the file and its line. An empty question is not a broken line: it becomes a row with an `error`.

    run_batch(input_path, output_path, settings, resources, filters=None, workers=None, restart=False,
              retry_errors=False, progress=None, cancel=None) -> BatchSummary
        Answers every question of `input_path` with quelle.answering.pipeline.ask() (the same function and the same shared
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
    has error "LLM fallback: <reason>", so it counts as an error and --retry-errors asks it again; so does a row
    answered while the embedding server or the reranker was down ("model server: <reason>").

    Output rows: id, question, answer, abstained, confidence_band (sure/unsure/none), citations [{n, article_id,
    title, date, source}], backend,
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

from quelle.batch.journal import Journal, journal_path
from quelle.batch.output import CITATION_FIELDS, OUTPUT_FIELDS, OUTPUT_FORMATS, OutputError, read_output, write_output
from quelle.batch.questions import INPUT_FORMATS, BatchQuestion, InputError, read_questions, stable_id
from quelle.batch.runner import BatchSummary, ProgressFn, answer_row, default_workers, run_batch

__all__ = [
    "BatchQuestion",
    "BatchSummary",
    "CITATION_FIELDS",
    "INPUT_FORMATS",
    "InputError",
    "Journal",
    "OUTPUT_FIELDS",
    "OUTPUT_FORMATS",
    "OutputError",
    "ProgressFn",
    "answer_row",
    "default_workers",
    "journal_path",
    "read_output",
    "read_questions",
    "run_batch",
    "stable_id",
    "write_output",
]
