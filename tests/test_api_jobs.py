"""API batch jobs outlive the server (quelle.api.jobs): finished jobs keep their state and result, unfinished ones are
taken up again by the next server, deleted ones stay deleted; over a copy of the demo store."""

from __future__ import annotations

import json
import shutil
import time

import httpx
import pytest

from quelle.api.jobs import STATE, BatchJob, BatchJobs
from tests.api_server import ApiServer

QUESTIONS = (
    "Wo plant Alibaba neue Rechenzentren?\n"
    "Wie viel mehr Geld verlangt Verdi für die Beschäftigten im kommunalen Nahverkehr?\n"
    "Von welchem Weltraumbahnhof aus ist die Kranich-1 gestartet?\n"
)


@pytest.fixture
def store(demo_store, tmp_path, embedder):
    from quelle.resources import Resources

    folder = tmp_path / "index"
    shutil.copytree(demo_store.settings.data_dir, folder)
    return Resources.open(demo_store.settings.with_(data_dir=folder), embedder=embedder)


def _wait(jobs_or_http, job_id: str, seconds: float = 300) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if isinstance(jobs_or_http, BatchJobs):
            state = jobs_or_http.get(job_id).to_dict()
        else:
            state = jobs_or_http.get(f"/v1/batch/{job_id}").json()
        if state["status"] not in ("queued", "running"):
            return state
        time.sleep(0.2)
    raise AssertionError(f"batch job {job_id} still running")


def test_a_finished_job_and_its_result_survive_a_restart_and_a_deleted_one_stays_deleted(store):
    from quelle.api import create_app

    with ApiServer(create_app(store.settings, store)) as srv, httpx.Client(base_url=srv.base, timeout=120) as http:
        r = http.post("/v1/batch", files={"file": ("fragen.txt", QUESTIONS.encode())}, data={"format": "csv"})
        assert r.status_code == 202, r.text
        kept = r.json()["id"]
        before = _wait(http, kept)
        assert before["status"] == "done" and before["done"] == 3
        result = http.get(before["result"]).text
        gone = http.post("/v1/batch", files={"file": ("zwei.txt", QUESTIONS.encode())}).json()["id"]
        _wait(http, gone)
        assert http.delete(f"/v1/batch/{gone}").json()["deleted"] is True

    with ApiServer(create_app(store.settings, store)) as srv, httpx.Client(base_url=srv.base, timeout=120) as http:
        after = http.get(f"/v1/batch/{kept}").json()
        assert after == before  # status, counts, summary, times and the result URL as they were
        again = http.get(after["result"])
        assert again.status_code == 200 and again.text == result and "Brasilien" in again.text
        assert http.get(f"/v1/batch/{gone}").status_code == 404


def test_a_job_stopped_by_the_server_is_resumed_by_the_next_one(store):
    root = store.settings.data_dir / "api-batch"
    many = "".join(f"Frage {i}: Wo plant Alibaba neue Rechenzentren?\n" for i in range(120))
    first = BatchJobs(root, store)
    job = first.submit(".txt", many.encode(), "jsonl", store.settings, None, {"k": 3})
    first.shutdown()  # stops after the questions in flight: the job waits on disk, unfinished
    saved = json.loads((root / job.id / STATE).read_text(encoding="utf-8"))
    assert saved["status"] == "queued" and saved["options"] == {"k": 3} and saved["done"] < 120

    asked = []
    second = BatchJobs(root, store, resolve=lambda options: (asked.append(options) or store.settings, None))
    try:
        state = _wait(second, job.id)
    finally:
        second.shutdown()
    assert asked == [{"k": 3}]  # the stored request options were resolved again
    assert state["status"] == "done" and state["done"] == state["total"] == 120, state
    rows = [json.loads(line) for line in (root / job.id / "answers.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 120 and len({row["id"] for row in rows}) == 120  # every question once, none twice


def test_an_unreadable_job_state_is_left_alone_and_leftovers_without_state_go(store):
    root = store.settings.data_dir / "api-batch"
    broken = root / "kaputt"
    broken.mkdir(parents=True)
    (broken / STATE).write_text("{nicht json", encoding="utf-8")
    leftover = root / "rest"
    leftover.mkdir()
    (leftover / "questions.txt").write_text("Wo?\n", encoding="utf-8")
    jobs = BatchJobs(root, store)
    try:
        assert jobs.jobs == {}
        assert (broken / STATE).read_text(encoding="utf-8") == "{nicht json"  # nothing stored is lost
        assert not leftover.exists()
    finally:
        jobs.shutdown()


def test_a_job_whose_options_no_longer_resolve_fails_with_the_reason(store):
    root = store.settings.data_dir / "api-batch"
    folder = root / "a"
    folder.mkdir(parents=True)
    (folder / "questions.txt").write_text("Wo plant Alibaba neue Rechenzentren?\n", encoding="utf-8")
    BatchJob(
        "a", folder, folder / "questions.txt", "jsonl", 1, status="running", options={"filters": {"article": ["weg"]}}
    ).save()

    def resolve(options):
        raise ValueError(f"article: no article '{options['filters']['article'][0]}' in the store")

    jobs = BatchJobs(root, store, resolve=resolve)
    try:
        job = jobs.get("a")
        assert job.status == "failed" and "weg" in job.error
        assert json.loads((folder / STATE).read_text(encoding="utf-8"))["status"] == "failed"
    finally:
        jobs.shutdown()
