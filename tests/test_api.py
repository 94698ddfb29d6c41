"""The HTTP API (issue 18) as a client sees it: a real uvicorn on a free loopback port over a copy of the demo
store; the official `openai` client, httpx, the CLI in-process for comparison."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.api_server import ApiServer, serving, writable_store
from tests.conftest import DEMO

QUESTION = "Wo plant Alibaba neue Rechenzentren?"
ALIBABA = "alibaba-ki-offensive"
KEY = "test-schluessel-4711"


@pytest.fixture(scope="module")
def store(demo_store, tmp_path_factory, embedder):
    """A writable copy of the demo store, with small upload limits."""
    return writable_store(demo_store, tmp_path_factory, embedder, "api", max_file_mb=1.0, api_max_upload_mb=2.0)


@pytest.fixture(scope="module")
def server(store):
    with serving(store) as srv:
        yield srv


@pytest.fixture(scope="module")
def keyed_server(store):
    with serving(store, api_key=KEY) as srv:
        yield srv


@pytest.fixture(scope="module")
def http(server):
    with httpx.Client(base_url=server.base, timeout=120) as client:
        yield client


def openai_client(srv, key="unused"):
    from openai import OpenAI

    return OpenAI(base_url=srv.url("/v1"), api_key=key, max_retries=0, timeout=120)


def without_timings(d: dict) -> dict:
    return {k: v for k, v in d.items() if k != "timings_ms"}


def assert_error(r: httpx.Response, status: int, *words: str) -> dict:
    """A 4xx with a JSON error naming the problem, never a traceback."""
    assert r.status_code == status, r.text
    assert "Traceback" not in r.text
    body = r.json()
    message = body["error"]["message"]
    for w in words:
        assert w in message, message
    return body


# --- the OpenAI-compatible face ---------------------------------------------------------------------------------


def test_openai_client_lists_the_quelle_model(server):
    assert [m.id for m in openai_client(server).models.list()] == ["quelle"]


def test_openai_client_chat_completion_answers_with_sources(server):
    resp = openai_client(server).chat.completions.create(
        model="quelle", messages=[{"role": "user", "content": QUESTION}]
    )
    content = resp.choices[0].message.content
    answer, _, sources = content.partition("\n\n**Quellen**\n")
    assert "Brasilien, Frankreich und den Niederlanden" in answer and "[1]" in answer
    assert "- [1] Alibaba erhöht KI-Investitionen und kooperiert mit Nvidia, 2025-09-24" in sources
    assert "https://example.org/demo/alibaba-ki-offensive" in sources
    assert resp.choices[0].finish_reason == "stop" and resp.model == "quelle"
    full = resp.model_extra["quelle"]  # the whole answer JSON rides along; standard clients ignore it
    assert full["answer"] == answer and full["citations"][0]["article_id"] == ALIBABA
    assert full["answer_span"]["text"] == "Brasilien, Frankreich und den Niederlanden"


def test_openai_client_streams_the_same_answer(server):
    client = openai_client(server)
    plain = client.chat.completions.create(model="quelle", messages=[{"role": "user", "content": QUESTION}])
    chunks = list(
        client.chat.completions.create(model="quelle", stream=True, messages=[{"role": "user", "content": QUESTION}])
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == plain.choices[0].message.content
    assert "Brasilien" in text and "**Quellen**" in text and "alibaba-ki-offensive" in text
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop"
    assert last.model_extra["quelle"]["citations"][0]["article_id"] == ALIBABA
    assert sum(1 for c in chunks if c.choices[0].finish_reason) == 1


def test_chat_history_makes_a_follow_up_standalone(server):
    client = openai_client(server)
    first = client.chat.completions.create(model="quelle", messages=[{"role": "user", "content": QUESTION}])
    follow = client.chat.completions.create(
        model="quelle",
        messages=[
            {"role": "system", "content": "Du bist hilfreich."},
            {"role": "user", "content": QUESTION},
            {"role": "assistant", "content": first.choices[0].message.content},
            {"role": "user", "content": [{"type": "text", "text": "Und wo hat sie ihren Hauptsitz?"}]},
        ],
    )
    full = follow.model_extra["quelle"]
    assert full["question"] == "Und wo hat sie ihren Hauptsitz?"
    assert "Alibaba" in full["standalone_question"]
    assert "Hangzhou" in full["answer"], full["answer"]


def test_chat_completion_refuses_unknown_model_and_non_user_last_message(server, http):
    from openai import NotFoundError

    with pytest.raises(NotFoundError, match="gpt-4"):
        openai_client(server).chat.completions.create(model="gpt-4", messages=[{"role": "user", "content": "Wo?"}])
    r = http.post(
        "/v1/chat/completions",
        json={
            "model": "quelle",
            "messages": [{"role": "user", "content": QUESTION}, {"role": "assistant", "content": "…"}],
        },
    )
    assert_error(r, 400, "last message", "user")
    assert_error(http.post("/v1/chat/completions", json={"model": "quelle", "messages": []}), 400, "messages")


# --- /v1/ask ------------------------------------------------------------------------------------------------------


def cli_ask_json(data_dir, *args) -> dict:
    from typer.testing import CliRunner

    from quelle.cli import app

    result = CliRunner().invoke(app, ["--data-dir", str(data_dir), "ask", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_ask_equals_quelle_ask_json(http, store):
    got = http.post("/v1/ask", json={"question": QUESTION})
    assert got.status_code == 200
    api = got.json()
    cli = cli_ask_json(store.settings.data_dir, QUESTION)
    assert without_timings(api) == without_timings(cli)
    assert set(api["timings_ms"]) == {"retrieve", "answer", "total"}
    assert "Brasilien" in api["answer"] and api["citations"][0]["article_id"] == ALIBABA and not api["abstained"]


def test_ask_with_options_and_filters_equals_the_cli(http, store):
    question = "Wie stark stieg die Aktie?"
    body = {
        "question": question,
        "k": 3,
        "mode": "bm25",
        "filters": {"source": "Wirtschaftsdienst Demo", "since": "2025-01-01", "until": "2025-12-31"},
    }
    api = http.post("/v1/ask", json=body).json()
    cli = cli_ask_json(
        store.settings.data_dir,
        question,
        "-k",
        "3",
        "--mode",
        "bm25",
        "--source",
        "Wirtschaftsdienst Demo",
        "--since",
        "2025-01-01",
        "--until",
        "2025-12-31",
    )
    assert without_timings(api) == without_timings(cli)
    assert api["citations"] and all(c["source"] == "Wirtschaftsdienst Demo" for c in api["citations"])
    only = http.post("/v1/ask", json={"question": QUESTION, "filters": {"article": "energiewende-windkraft"}}).json()
    assert only["citations"] == [] or {c["article_id"] for c in only["citations"]} == {"energiewende-windkraft"}


def sse_events(text: str) -> list[tuple[str, dict]]:
    events = []
    for block in text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((fields["event"], json.loads(fields["data"])))
    return events


def test_ask_stream_sends_tokens_then_one_final_event_with_the_whole_json(http):
    plain = http.post("/v1/ask", json={"question": QUESTION}).json()
    r = http.post("/v1/ask", json={"question": QUESTION, "stream": True})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    events = sse_events(r.text)
    kinds = [k for k, _ in events]
    assert kinds[-1] == "answer" and kinds.count("answer") == 1 and set(kinds[:-1]) == {"token"}
    final = events[-1][1]
    assert without_timings(final) == without_timings(plain)
    assert "".join(d["text"] for k, d in events if k == "token") == final["answer"]
    assert "Brasilien" in final["answer"]


def test_thirty_concurrent_asks_all_answer(http, server):
    gold = [json.loads(line) for line in (DEMO / "gold.jsonl").read_text(encoding="utf-8").splitlines()]
    gold = [gold[i] for i in (0, 4, 11, 20, 23)]  # four articles
    expected = {g["question"]: http.post("/v1/ask", json={"question": g["question"]}).json()["answer"] for g in gold}
    for g in gold:  # each answer holds its gold answer
        assert any(a in expected[g["question"]] for a in g["answers"]), (g, expected[g["question"]])
    questions = [g["question"] for g in gold] * 6

    def one(q):
        with httpx.Client(base_url=server.base, timeout=300) as c:
            r = c.post("/v1/ask", json={"question": q})
            return q, r.status_code, r.json()

    with ThreadPoolExecutor(30) as pool:
        results = list(pool.map(one, questions))
    assert len(results) == 30
    for q, status, body in results:
        assert status == 200, body
        assert body["answer"] == expected[q]  # the same answer as asked alone: no interference between requests
    assert {q for q, _, _ in results} == set(expected)


# --- bad requests: 4xx JSON naming the problem ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "body, status, words",
    [
        ('{"question": "Wo', 400, ["malformed JSON"]),
        ('{"question": "   "}', 400, ["question", "empty"]),
        (json.dumps({"question": "Wo " * 1000}), 400, ["question", "limit", "2,000"]),
        ('{"question": "Wo?", "filters": {"since": "gestern"}}', 400, ["since", "gestern", "not a date"]),
        ('{"question": "Wo?", "filters": {"since": "2025-12-01", "until": "2025-01-01"}}', 400, ["after"]),
        ('{"question": "Wo?", "filters": {"article": "gibt-es-nicht"}}', 404, ["gibt-es-nicht"]),
        ('{"question": "Wo?", "k": 0}', 400, ["k"]),
        ('{"question": "Wo?", "mode": "magic"}', 400, ["mode"]),
        ('{"frage": "Wo?"}', 400, ["question: is required", "frage: is not a known field"]),
        ("[1, 2]", 400, ["body"]),
    ],
)
def test_bad_ask_requests_get_a_clear_4xx(http, body, status, words):
    r = http.post("/v1/ask", content=body, headers={"Content-Type": "application/json"})
    assert_error(r, status, *words)


def test_oversized_bodies_are_refused(http, server):
    r = http.post("/v1/ask", content=b"{" + b" " * 1_100_000 + b"}", headers={"Content-Type": "application/json"})
    assert_error(r, 413, "request body", "limit")

    def chunked():  # no Content-Length: counted while it is read
        for _ in range(12):
            yield b" " * 100_000

    r = http.post("/v1/ask", content=chunked(), headers={"Content-Type": "application/json"})
    assert_error(r, 413, "request body")
    r = http.post("/v1/articles", files=[("files", ("gross.txt", b"a" * 2_100_000))])
    assert_error(r, 413, "request body", "QUELLE_API_MAX_UPLOAD_MB")
    r = http.post("/v1/articles", files=[("files", ("gross.txt", b"Wort " * 260_000))])
    body = assert_error(r, 413, "gross.txt", "limit", "QUELLE_MAX_FILE_MB")
    assert body["files"][0]["status"] == "failed"


def test_unknown_routes_and_methods_answer_in_json(http):
    assert_error(http.get("/v1/nichts"), 404, "/v1/nichts")
    assert_error(http.put("/v1/ask", json={}), 405, "PUT")
    assert http.get("/healthz").json() == {"status": "ok"}
    assert "/v1/chat/completions" in http.get("/openapi.json").json()["paths"]
    assert http.get("/docs").status_code == 200


# --- articles ----------------------------------------------------------------------------------------------------

NEW_ARTICLE = """---
title: "Kleinhausen baut Wasserstoffkraftwerk"
date: 2025-11-03
source: "Lokalanzeiger Test"
url: "https://example.org/test/kleinhausen"
---

Die Stadtwerke Kleinhausen bauen ein Wasserstoffkraftwerk am Hafen von Emden. Die Anlage soll ab 2028 rund
40.000 Haushalte mit Strom versorgen. Der Bau kostet nach Angaben der Stadtwerke 180 Millionen Euro.
"""


def test_upload_ask_delete_round_trip(http):
    question = "Wo bauen die Stadtwerke Kleinhausen ein Wasserstoffkraftwerk?"
    before = http.get("/v1/stats").json()
    r = http.post(
        "/v1/articles",
        files=[
            ("files", ("kleinhausen.md", NEW_ARTICLE.encode(), "text/markdown")),
            ("files", ("programm.exe", b"MZ\x90\x00", "application/octet-stream")),
        ],
    )
    assert r.status_code == 200, r.text
    good, bad = r.json()["files"]
    assert good["name"] == "kleinhausen.md" and good["status"] == "added" and good["chunks"] >= 1
    assert bad["status"] == "failed" and ".exe" in bad["message"]
    (article_id,) = good["articles"]
    assert http.get("/v1/stats").json()["articles"] == before["articles"] + 1
    listed = http.get("/v1/articles", params={"limit": 1000}).json()
    assert article_id in {a["article_id"] for a in listed["articles"]} and listed["total"] == before["articles"] + 1
    # the same file again: unchanged, not a copy
    again = http.post("/v1/articles", files=[("files", ("kleinhausen.md", NEW_ARTICLE.encode()))]).json()
    assert again["files"][0]["status"] == "unchanged"

    answer = http.post("/v1/ask", json={"question": question}).json()
    assert "Emden" in answer["answer"] and answer["citations"][0]["article_id"] == article_id
    filtered = http.post("/v1/ask", json={"question": question, "filters": {"article": article_id}}).json()
    assert "Emden" in filtered["answer"]

    r = http.delete(f"/v1/articles/{article_id}")
    assert r.status_code == 200 and r.json()["deleted_chunks"] == good["chunks"]
    assert http.get("/v1/stats").json() == before
    after = http.post("/v1/ask", json={"question": question}).json()
    assert article_id not in {c["article_id"] for c in after["citations"]}
    assert_error(http.delete(f"/v1/articles/{article_id}"), 404, article_id)


def test_articles_are_paged(http):
    total = http.get("/v1/stats").json()["articles"]
    first = http.get("/v1/articles", params={"limit": 3}).json()
    rest = http.get("/v1/articles", params={"offset": 3, "limit": 100}).json()
    assert first["total"] == total == len(first["articles"]) + len(rest["articles"]) and len(first["articles"]) == 3
    ids = [a["article_id"] for a in first["articles"] + rest["articles"]]
    assert len(set(ids)) == total and ALIBABA in ids
    assert set(first["articles"][0]) == {"article_id", "group", "title", "date", "source", "url", "chunks", "sources"}
    assert_error(http.get("/v1/articles", params={"limit": 0}), 400, "limit")


def test_upload_of_only_unsupported_or_broken_files_is_refused(http):
    assert_error(http.post("/v1/articles", files=[("files", ("bild.exe", b"MZ"))]), 415, "bild.exe", ".exe")
    r = http.post("/v1/articles", files=[("files", ("leer.txt", b""))])
    body = assert_error(r, 422, "leer.txt")
    assert body["files"][0]["status"] == "failed"
    assert_error(http.post("/v1/articles", data={"x": "1"}), 400, "files")


# --- batch jobs --------------------------------------------------------------------------------------------------


def wait_for_job(http, job_id, seconds=300) -> list[dict]:
    seen = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        state = http.get(f"/v1/batch/{job_id}").json()
        seen.append(state)
        if state["status"] not in ("queued", "running"):
            return seen
        time.sleep(0.2)
    raise AssertionError(f"batch job still running: {seen[-1]}")


def test_batch_job_upload_progress_result(http):
    questions = (
        "Wo plant Alibaba neue Rechenzentren?\n# ein Kommentar\n"
        "Wie viel mehr Geld verlangt Verdi für die Beschäftigten im kommunalen Nahverkehr?\n"
        "Von welchem Weltraumbahnhof aus ist die Kranich-1 gestartet?\n"
    )
    r = http.post("/v1/batch", files={"file": ("fragen.txt", questions.encode())}, data={"format": "jsonl"})
    assert r.status_code == 202, r.text
    job = r.json()
    assert (
        job["total"] == 3
        and job["status"] in ("queued", "running", "done")
        and job["result"] is None
        or job["status"] == "done"
    )
    states = wait_for_job(http, job["id"])
    assert all(0 <= s["done"] <= s["total"] == 3 for s in states)
    final = states[-1]
    assert final["status"] == "done" and final["done"] == 3, final
    assert final["summary"]["total"] == 3 and final["summary"]["answered"] == 3
    result = http.get(final["result"])
    assert result.status_code == 200 and result.headers["content-type"].startswith("application/x-ndjson")
    rows = [json.loads(line) for line in result.text.splitlines()]
    assert [row["question"] for row in rows] == [q for q in questions.splitlines() if not q.startswith("#")]
    assert "Brasilien" in rows[0]["answer"] and "350 Euro" in rows[1]["answer"] and "Andøya" in rows[2]["answer"]
    assert rows[0]["citations"][0]["article_id"] == ALIBABA and not any(row["error"] for row in rows)
    assert http.delete(f"/v1/batch/{job['id']}").json()["deleted"] is True
    assert_error(http.get(f"/v1/batch/{job['id']}"), 404, job["id"])


def test_batch_csv_result_and_bad_question_files(http):
    r = http.post(
        "/v1/batch",
        files={"file": ("fragen.jsonl", b'{"id": "a", "question": "Wo plant Alibaba neue Rechenzentren?"}\n')},
        data={"format": "csv", "k": "3"},
    )
    assert r.status_code == 202, r.text
    final = wait_for_job(http, r.json()["id"])[-1]
    assert final["status"] == "done", final
    result = http.get(final["result"])
    assert result.headers["content-type"].startswith("text/csv") and "Brasilien" in result.text
    assert_error(
        http.post("/v1/batch", files={"file": ("fragen.jsonl", b'{"question": "Wo?"}\n{kaputt\n')}), 400, "line 2"
    )
    assert_error(http.post("/v1/batch", files={"file": ("fragen.pdf", b"%PDF-1.4")}), 415, "fragen.pdf")
    assert_error(
        http.post("/v1/batch", files={"file": ("fragen.txt", b"Wo?\n")}, data={"format": "xlsx"}), 400, "format", "xlsx"
    )
    assert_error(
        http.post("/v1/batch", files={"file": ("fragen.txt", b"Wo?\n")}, data={"since": "morgen"}), 400, "since"
    )
    assert_error(http.get("/v1/batch/gibt-es-nicht"), 404, "gibt-es-nicht")


# --- access --------------------------------------------------------------------------------------------------------


def test_api_key_is_required_everywhere_but_healthz(keyed_server):
    from openai import AuthenticationError

    with httpx.Client(base_url=keyed_server.base, timeout=120) as c:
        assert c.get("/healthz").status_code == 200
        for method, path in (
            ("GET", "/v1/stats"),
            ("GET", "/v1/articles"),
            ("GET", "/v1/models"),
            ("POST", "/v1/ask"),
            ("DELETE", f"/v1/articles/{ALIBABA}"),
            ("GET", "/docs"),
        ):
            r = c.request(method, path, json={"question": QUESTION} if method == "POST" else None)
            assert_error(r, 401, "API key")
            assert r.headers["www-authenticate"] == "Bearer"
        wrong = c.get("/v1/stats", headers={"Authorization": "Bearer falsch"})
        assert_error(wrong, 401, "wrong")
        assert_error(c.get("/v1/stats", headers={"Authorization": KEY}), 401)  # no Bearer scheme
        ok = c.get("/v1/stats", headers={"Authorization": f"Bearer {KEY}"})
        assert ok.status_code == 200 and ok.json()["articles"] >= 8
        listed = c.get("/v1/articles", headers={"Authorization": f"Bearer {KEY}"}).json()["articles"]
        assert ALIBABA in {a["article_id"] for a in listed}  # the refused DELETE above deleted nothing
    with pytest.raises(AuthenticationError):
        openai_client(keyed_server, "falsch").models.list()
    resp = openai_client(keyed_server, KEY).chat.completions.create(
        model="quelle", messages=[{"role": "user", "content": QUESTION}]
    )
    assert "Brasilien" in resp.choices[0].message.content


def test_without_a_key_only_loopback_is_served(store):
    from quelle.api.serve import ServeError, check_host

    assert check_host("127.0.0.1", store.settings) == "127.0.0.1"
    assert check_host("localhost", store.settings) == "127.0.0.1"
    with pytest.raises(ServeError, match="QUELLE_API_KEY"):
        check_host("0.0.0.0", store.settings)
    assert check_host("0.0.0.0", store.settings.with_(api_key=KEY)) == "0.0.0.0"


def test_serve_refuses_a_public_host_without_a_key(store, monkeypatch):
    from typer.testing import CliRunner

    from quelle.cli import app

    monkeypatch.delenv("QUELLE_API_KEY", raising=False)
    result = CliRunner().invoke(app, ["--data-dir", str(store.settings.data_dir), "serve", "--host", "0.0.0.0"])
    assert result.exit_code != 0
    assert "QUELLE_API_KEY" in result.output and "127.0.0.1" in result.output and "Traceback" not in result.output


# --- request log ---------------------------------------------------------------------------------------------------


def test_request_log_lines_have_no_question_unless_asked(store, caplog):
    from quelle.api import create_app

    caplog.set_level("INFO", logger="quelle.api")
    for log_questions in (False, True):
        caplog.clear()
        with ApiServer(create_app(store.settings, store, log_questions=log_questions)) as srv:
            assert httpx.post(srv.url("/v1/ask"), json={"question": QUESTION}, timeout=120).status_code == 200
            httpx.get(srv.url("/v1/nichts"), timeout=30)
        lines = [
            json.loads(r.getMessage())
            for r in caplog.records
            if r.name == "quelle.api" and r.getMessage().startswith("{")
        ]
        ask_line = next(line for line in lines if line["path"] == "/v1/ask")
        assert ask_line["method"] == "POST" and ask_line["status"] == 200 and ask_line["latency_ms"] > 0
        assert any(line["path"] == "/v1/nichts" and line["status"] == 404 for line in lines)
        assert ("question" in ask_line) is log_questions
        if log_questions:
            assert ask_line["question"] == QUESTION
        assert QUESTION not in caplog.text or log_questions
