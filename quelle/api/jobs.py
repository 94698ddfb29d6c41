"""Batch jobs: an uploaded question file is answered by run_batch (the same as `quelle batch`) in a worker
thread, one job at a time; its questions, state (`job.json`) and result file are kept under DATA_DIR/api-batch/<id>/.

Jobs outlive the server: a restarted API finds the finished ones (status, summary, result) and queues the ones that
were queued or running again — run_batch resumes from its journal, so the questions answered before the restart are
not asked again. A job's request options (k, mode, filters) are stored, not its settings: they are resolved again
against the restarted server's settings, as for a new request.

The question file is kept as `questions<suffix>` in the job's folder, but every error names it by its upload name
(`name`, kept in job.json), and a job's `error` never shows the server's folders.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from quelle.batch import InputError, OutputError, read_questions, run_batch
from quelle.batch.questions import upload_name
from quelle.resources import Resources
from quelle.settings import Settings
from quelle.uploads import without_folder
from vectorstore.filters import Filters

MEDIA_TYPES = {"jsonl": "application/x-ndjson", "csv": "text/csv; charset=utf-8"}
STATE = "job.json"
log = logging.getLogger(__name__)
# the request options of a job (k, mode, filters as sent) -> the settings and filters to answer it with
Resolve = Callable[[dict], "tuple[Settings, Filters | None]"]


@dataclass
class BatchJob:
    id: str
    folder: Path
    input_path: Path
    format: str  # jsonl | csv
    total: int
    status: str = "queued"  # queued | running | done | failed | cancelled
    done: int = 0
    created: float = field(default_factory=time.time)
    finished: float | None = None
    summary: dict | None = None
    error: str | None = None
    options: dict = field(default_factory=dict)  # the request's k, mode and filters, as sent
    name: str = ""  # the question file's upload name: what errors call it
    cancel: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def output_path(self) -> Path:
        return self.folder / f"answers.{self.format}"

    def to_dict(self) -> dict:
        d = {
            "id": self.id,
            "status": self.status,
            "done": self.done,
            "total": self.total,
            "format": self.format,
            "created": round(self.created, 3),
            "finished": round(self.finished, 3) if self.finished else None,
            "summary": self.summary,
            "error": self.error,
            "result": None,
        }
        if self.status == "done":
            d["result"] = f"/v1/batch/{self.id}/result"
        return d

    def save(self) -> None:
        """Write the job's state next to its files (atomically: a crash leaves the old or the new state)."""
        state = {k: v for k, v in self.to_dict().items() if k != "result"}
        state.update(
            created=self.created,
            finished=self.finished,
            options=self.options,
            input=self.input_path.name,
            name=self.name,
        )
        tmp = self.folder / f".{STATE}.tmp"
        tmp.write_text(json.dumps(state, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self.folder / STATE)

    @classmethod
    def load(cls, folder: Path) -> "BatchJob":
        """The job saved in `folder` (ValueError/OSError/KeyError when its state is unreadable)."""
        d = json.loads((folder / STATE).read_text(encoding="utf-8"))
        if d["id"] != folder.name or d["format"] not in MEDIA_TYPES:
            raise ValueError(f"{folder / STATE}: not the state of job {folder.name}")
        return cls(
            d["id"],
            folder,
            folder / Path(d["input"]).name,
            d["format"],
            int(d["total"]),
            status=d["status"],
            done=int(d.get("done") or 0),
            created=float(d["created"]),
            finished=d.get("finished"),
            summary=d.get("summary"),
            error=d.get("error"),
            options=dict(d.get("options") or {}),
            name=str(d.get("name") or ""),
        )


class BatchJobs:
    """The app's batch jobs (their state and files on disk, see the module docstring). Jobs run one after another:
    CPU is shared with the questions the API answers meanwhile. `resolve` turns a stored job's request options into
    settings and filters when a restarted server takes up an unfinished job."""

    def __init__(self, root: Path, resources: Resources, resolve: Resolve | None = None):
        self.root = Path(root)
        self.resources = resources
        self.resolve = resolve
        self.jobs: dict[str, BatchJob] = {}
        self._lock = threading.Lock()
        self._stopping = False
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="quelle-api-batch")
        self._restore()

    def _restore(self) -> None:
        """Take up the jobs of an earlier server: finished ones as they were, unfinished ones queued again (oldest
        first). A folder without a state is a deleted job's leftover and goes; one whose state cannot be read is left
        alone and named in the log."""
        if not self.root.is_dir():
            return
        found = []
        for folder in sorted(p for p in self.root.iterdir() if p.is_dir()):
            if not (folder / STATE).exists():  # a job deleted while it ran, or an upload that never became a job
                shutil.rmtree(folder, ignore_errors=True)
                continue
            try:
                found.append(BatchJob.load(folder))
            except (OSError, ValueError, KeyError, TypeError) as e:
                log.warning("batch job folder %s skipped (left as it is): %s", folder, e)
        for job in sorted(found, key=lambda j: j.created):
            self.jobs[job.id] = job
            if job.status in ("queued", "running"):
                job.status = "queued"
                try:
                    settings, filters = self.resolve(job.options) if self.resolve else (self.resources.settings, None)
                except Exception as e:  # noqa: BLE001 - e.g. a filtered article that is gone: the job fails, not the app
                    job.status, job.error, job.finished = "failed", f"{type(e).__name__}: {e}", time.time()
                    job.save()
                    continue
                self._pool.submit(self._run, job, settings, filters)

    def submit(
        self,
        filename_suffix: str,
        data: bytes,
        fmt: str,
        settings: Settings,
        filters: Filters | None,
        options: dict | None = None,
        name: str | None = None,
    ) -> BatchJob:
        """Store the question file, check it (InputError names the file by its upload `name` and the line) and queue
        the job."""
        job_id = uuid.uuid4().hex
        folder = self.root / job_id
        folder.mkdir(parents=True)
        input_path = folder / f"questions{filename_suffix}"
        label = upload_name(name) or input_path.name
        input_path.write_bytes(data)
        try:
            questions = read_questions(input_path, label)
        except InputError as e:
            shutil.rmtree(folder, ignore_errors=True)
            raise InputError(without_folder(str(e), folder)) from None
        if not questions:
            shutil.rmtree(folder, ignore_errors=True)
            raise InputError(f"{label}: the file holds no questions")
        job = BatchJob(job_id, folder, input_path, fmt, total=len(questions), options=dict(options or {}), name=label)
        job.save()
        with self._lock:
            self.jobs[job_id] = job
        self._pool.submit(self._run, job, settings, filters)
        return job

    def get(self, job_id: str) -> BatchJob | None:
        with self._lock:
            return self.jobs.get(job_id)

    def remove(self, job_id: str) -> BatchJob | None:
        """Cancel a queued or running job (running questions finish) and delete its files."""
        with self._lock:
            job = self.jobs.pop(job_id, None)
        if job is not None:
            job.cancel.set()
            if job.status not in ("queued", "running"):
                shutil.rmtree(job.folder, ignore_errors=True)
            else:  # its worker deletes the files; without a state a restarted server does not take it up again
                (job.folder / STATE).unlink(missing_ok=True)
        return job

    def _run(self, job: BatchJob, settings: Settings, filters: Filters | None) -> None:
        if job.cancel.is_set():
            if self._stopping and job.id in self.jobs:  # the server stops: the job waits for the next one
                return
            job.status, job.finished = "cancelled", time.time()
            shutil.rmtree(job.folder, ignore_errors=True)
            return
        job.status = "running"
        job.save()

        def progress(done: int, total: int, row) -> None:
            job.done, job.total = done, total

        try:
            summary = run_batch(
                job.input_path,
                job.output_path,
                settings,
                self.resources,
                filters=filters,
                progress=progress,
                cancel=job.cancel,
                input_name=job.name or job.input_path.name,
            )
            job.summary = summary.to_dict()
            job.summary.pop("output", None)  # a server path: the result is at /v1/batch/{id}/result
            job.status = "cancelled" if summary.interrupted else "done"
        except (InputError, OutputError) as e:  # the job's folder is the server's: its files by their names
            job.status, job.error = "failed", without_folder(str(e), job.folder)
        except Exception as e:  # noqa: BLE001 - the job fails, the server goes on
            job.status, job.error = "failed", without_folder(f"{type(e).__name__}: {e}", job.folder)
        if job.id not in self.jobs:  # removed while running
            shutil.rmtree(job.folder, ignore_errors=True)
            return
        if job.status == "cancelled" and self._stopping:
            job.status = "queued"  # stopped by the server's shutdown, not by its owner: resumed after a restart
        else:
            job.finished = time.time()
        job.save()

    def shutdown(self) -> None:
        """Stop: the running job stops after the questions in flight; it and the queued ones stay on disk as queued."""
        with self._lock:
            self._stopping = True
            for job in self.jobs.values():
                job.cancel.set()
        self._pool.shutdown(wait=True, cancel_futures=True)
