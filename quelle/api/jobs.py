"""Batch jobs: an uploaded question file is answered by run_batch (the same as `quelle batch`) in a worker
thread, one job at a time; its progress and result file are kept under DATA_DIR/api-batch/<id>/."""

from __future__ import annotations

import shutil
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from quelle.batch import InputError, OutputError, read_questions, run_batch
from quelle.resources import Resources
from quelle.settings import Settings
from vectorstore.filters import Filters

MEDIA_TYPES = {"jsonl": "application/x-ndjson", "csv": "text/csv; charset=utf-8"}


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


class BatchJobs:
    """The app's batch jobs (in memory; their files on disk). Jobs run one after another: CPU is shared with the
    questions the API answers meanwhile."""

    def __init__(self, root: Path, resources: Resources):
        self.root = Path(root)
        self.resources = resources
        self.jobs: dict[str, BatchJob] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="quelle-api-batch")

    def submit(
        self, filename_suffix: str, data: bytes, fmt: str, settings: Settings, filters: Filters | None
    ) -> BatchJob:
        """Store the question file, check it (InputError names the line) and queue the job."""
        job_id = uuid.uuid4().hex
        folder = self.root / job_id
        folder.mkdir(parents=True)
        input_path = folder / f"questions{filename_suffix}"
        input_path.write_bytes(data)
        try:
            questions = read_questions(input_path)
        except InputError:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        if not questions:
            shutil.rmtree(folder, ignore_errors=True)
            raise InputError(f"{input_path.name}: the file holds no questions")
        job = BatchJob(job_id, folder, input_path, fmt, total=len(questions))
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
        return job

    def _run(self, job: BatchJob, settings: Settings, filters: Filters | None) -> None:
        if job.cancel.is_set():
            job.status, job.finished = "cancelled", time.time()
            shutil.rmtree(job.folder, ignore_errors=True)
            return
        job.status = "running"

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
            )
            job.summary = summary.to_dict()
            job.summary.pop("output", None)  # a server path: the result is at /v1/batch/{id}/result
            job.status = "cancelled" if summary.interrupted else "done"
        except (InputError, OutputError) as e:
            job.status, job.error = "failed", str(e)
        except Exception as e:  # noqa: BLE001 - the job fails, the server goes on
            job.status, job.error = "failed", f"{type(e).__name__}: {e}"
        job.finished = time.time()
        if job.id not in self.jobs:  # removed while running
            shutil.rmtree(job.folder, ignore_errors=True)

    def shutdown(self) -> None:
        with self._lock:
            for job in self.jobs.values():
                job.cancel.set()
        self._pool.shutdown(wait=True, cancel_futures=True)
