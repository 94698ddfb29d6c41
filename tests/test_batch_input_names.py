"""A broken question file is named as the user gave it — the upload's name, or the path as typed — never by the
server path it was saved under (the API's job folder, the Stapel page's temp folder) (issue 28, item 10)."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from quelle.api.jobs import STATE, BatchJobs
from tests.api_server import ApiServer

BROKEN = '{"question": "Wo plant Alibaba neue Rechenzentren?"}\n{"question": "Wer?"\n'


def _no_server_path(message: str, *folders) -> None:
    assert "/tmp" not in message and "api-batch" not in message and "questions.jsonl" not in message, message
    for folder in folders:
        assert str(folder) not in message, message


def test_api_names_a_broken_upload_by_its_upload_name(resources):
    from quelle.api import create_app

    settings = resources.settings
    with ApiServer(create_app(settings, resources)) as srv, httpx.Client(base_url=srv.base, timeout=60) as http:
        r = http.post("/v1/batch", files={"file": ("Meine Fragen (2).jsonl", BROKEN.encode())})
        assert r.status_code == 400, r.text
        message = r.json()["error"]["message"]
        assert message.startswith("file: Meine Fragen (2).jsonl: line 2: not valid JSON"), message
        _no_server_path(message, settings.data_dir)
        deep = http.post("/v1/batch", files={"file": ("tief.jsonl", b'{"question": "Wo?"}\n' + b"[" * 200_000)})
        assert deep.status_code == 400, deep.text  # not a 500: a line nested too deeply is a broken line
        assert deep.json()["error"]["message"].startswith("file: tief.jsonl: line 2: not valid JSON (nested too deeply")


def test_a_stored_job_that_fails_when_run_is_named_by_its_upload_name(resources):
    """A job taken up again after a restart whose question file no longer reads: its error names the upload."""
    root = resources.settings.data_dir / "api-batch"
    folder = root / "0123456789abcdef0123456789abcdef"
    folder.mkdir(parents=True)
    (folder / "questions.jsonl").write_text(BROKEN, encoding="utf-8")
    state = {"id": folder.name, "status": "queued", "done": 0, "total": 2, "format": "jsonl", "created": time.time()}
    state.update(finished=None, summary=None, error=None, options={}, input="questions.jsonl", name="fragen-mai.jsonl")
    (folder / STATE).write_text(json.dumps(state), encoding="utf-8")
    jobs = BatchJobs(root, resources)
    try:
        deadline = time.monotonic() + 60
        while jobs.get(folder.name).status in ("queued", "running") and time.monotonic() < deadline:
            time.sleep(0.1)
        job = jobs.get(folder.name).to_dict()
    finally:
        jobs.shutdown()
    assert job["status"] == "failed"
    assert job["error"].startswith("fragen-mai.jsonl: line 2: not valid JSON"), job["error"]
    _no_server_path(job["error"], root)


def test_the_stapel_page_names_a_broken_upload_by_its_upload_name(resources, monkeypatch):
    from quelle.batch import InputError
    from quelle.ui import batch as page
    from quelle.ui import state

    monkeypatch.setattr(state, "resources", lambda: resources)
    request = state.Request(settings=resources.settings, filters=None)
    with pytest.raises(InputError) as e:
        page.answer_file("Meine Fragen (2).jsonl", BROKEN.encode(), ".jsonl", request, "de")
    assert str(e.value).startswith("Meine Fragen (2).jsonl: line 2: not valid JSON"), str(e.value)
    _no_server_path(str(e.value), resources.settings.data_dir)


def test_the_cli_names_the_question_file_as_typed(tmp_path, monkeypatch):
    from quelle.batch import InputError, read_questions

    (tmp_path / "ordner").mkdir()
    (tmp_path / "ordner" / "fragen.jsonl").write_text(BROKEN, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError) as e:
        read_questions("ordner/fragen.jsonl")
    assert str(e.value).startswith("ordner/fragen.jsonl: line 2: not valid JSON"), str(e.value)
