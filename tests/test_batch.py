"""Batch question files: three input formats, the same answers as ask(), durable resume, order with workers."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from quelle.answering.pipeline import ask
from quelle.batch import InputError, Journal, OutputError, journal_path, read_output, read_questions, run_batch
from tests.conftest import DEMO, ROOT

GOLD = DEMO / "gold.jsonl"


def gold_questions() -> list[dict]:
    return [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]


def jsonl_rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def csv_rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


# --- reading question files --------------------------------------------------------------------------------


def test_txt_skips_blank_lines_and_comments_and_gives_stable_ids_per_line(tmp_path):
    f = tmp_path / "fragen.txt"
    f.write_text(
        "# Briefing Montag\n\nWo plant Alibaba neue Rechenzentren?\n  \nWo plant Alibaba neue Rechenzentren?\n"
        "Wer gewann das Pokalspiel?\n",
        encoding="utf-8",
    )
    qs = read_questions(f)
    assert [(q.line, q.question) for q in qs] == [
        (3, "Wo plant Alibaba neue Rechenzentren?"),
        (5, "Wo plant Alibaba neue Rechenzentren?"),
        (6, "Wer gewann das Pokalspiel?"),
    ]
    assert len({q.id for q in qs}) == 3  # the same question on two lines: two ids
    assert [q.id for q in read_questions(f)] == [q.id for q in qs]  # stable across reads


def test_csv_with_semicolons_keeps_given_ids_and_carries_other_columns(tmp_path, demo_store):
    f = tmp_path / "fragen.csv"
    f.write_text(
        "id;question;ressort;answer\nw1;Wo plant Alibaba neue Rechenzentren?;Wirtschaft;Brasilien\n"
        ";Um wie viel Prozent legte die Alibaba-Aktie zu?;Börse;9,2\n",
        encoding="utf-8",
    )
    out = tmp_path / "antworten.csv"
    summary = run_batch(f, out, demo_store.settings, demo_store)
    rows = csv_rows(out)
    assert summary.total == 2 and summary.errors == 0
    assert list(rows[0])[:10] == [
        "id",
        "question",
        "answer",
        "abstained",
        "confidence_band",
        "citations",
        "backend",
        "model",
        "latency_ms",
        "error",
    ]
    assert rows[0]["id"] == "w1" and rows[1]["id"].startswith("q-")
    assert [r["ressort"] for r in rows] == ["Wirtschaft", "Börse"]
    assert [r["input_answer"] for r in rows] == ["Brasilien", "9,2"]  # an input column named like an output field
    assert "Brasilien" in rows[0]["answer"]
    cites = json.loads(rows[0]["citations"])
    assert cites[0]["article_id"] == "alibaba-ki-offensive" and set(cites[0]) == {
        "n",
        "article_id",
        "title",
        "date",
        "source",
    }
    assert rows[0]["abstained"] == "false" and float(rows[0]["latency_ms"]) > 0


def test_jsonl_carries_extra_keys_into_jsonl_output(tmp_path, demo_store):
    f = tmp_path / "fragen.jsonl"
    f.write_text("\n".join(json.dumps(g, ensure_ascii=False) for g in gold_questions()[:3]) + "\n", encoding="utf-8")
    out = tmp_path / "antworten.jsonl"
    run_batch(f, out, demo_store.settings, demo_store)
    rows = jsonl_rows(out)
    assert [r["id"] for r in rows] == ["demo-01", "demo-02", "demo-03"]
    assert rows[0]["answers"] == ["Brasilien, Frankreich und den Niederlanden"]  # carried as JSON, not a string
    assert rows[0]["source"] == "alibaba-ki-offensive"
    assert isinstance(rows[0]["abstained"], bool) and rows[0]["citations"][0]["n"] == 1


@pytest.mark.parametrize(
    "name,content,expected",
    [
        ("f.jsonl", '{"question": "Wo?"}\n\n{"question": "Wer?"\n', "f.jsonl: line 3: not valid JSON"),
        ("f.jsonl", '{"question": "Wo?"}\n["Wer?"]\n', "f.jsonl: line 2: expected a JSON object"),
        ("f.jsonl", '{"frage_text": "Wo?"}\n', 'f.jsonl: line 1: no "question" field'),
        (
            "f.jsonl",
            '{"id": "a", "question": "Wo?"}\n{"id": "a", "question": "Wer?"}\n',
            "f.jsonl: line 2: id 'a' is already used on line 1",
        ),
        ("f.csv", "id,question\n1,Wo?\n2,Wer?,zu viel\n", "f.csv: line 3: 3 fields, the header has 2"),
        ("f.csv", 'id,question\n1,"Wo?\n', "f.csv: line 2: broken CSV"),
        ("f.csv", "id,frage_text\n1,Wo?\n", "f.csv: line 1: no 'question' column"),
        ("f.csv", "id;Frage\n1;Wo?\n1;Wer?\n", "f.csv: line 3: id '1' is already used on line 2"),
        ("f.xlsx", "x", "unsupported question file type '.xlsx'"),
    ],
)
def test_a_broken_input_line_is_reported_with_file_and_line(tmp_path, name, content, expected):
    f = tmp_path / name
    f.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as e:
        read_questions(f)
    assert expected in str(e.value)


def test_undecodable_bytes_are_reported_with_their_line(tmp_path):
    f = tmp_path / "f.txt"
    f.write_bytes("Wo?\nWer?\n".encode() + "Größe?\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"f.txt: line 3: not valid UTF-8"):
        read_questions(f)


def test_cli_reports_a_broken_line_without_a_traceback(tmp_path, demo_store):
    f = tmp_path / "fragen.jsonl"
    f.write_text('{"question": "Wo?"}\n{"question": 5}\n', encoding="utf-8")
    p = run_cli("batch", str(f), "-o", str(tmp_path / "a.jsonl"), data_dir=demo_store.settings.data_dir, check=False)
    assert p.returncode != 0 and "Traceback" not in p.stderr
    assert "fragen.jsonl: line 2" in p.stderr


# --- answers -----------------------------------------------------------------------------------------------


def test_batch_answers_equal_ask_for_every_demo_question(tmp_path, demo_store):
    out = tmp_path / "antworten.csv"
    summary = run_batch(GOLD, out, demo_store.settings, demo_store)
    rows = csv_rows(out)
    gold = gold_questions()
    assert [r["id"] for r in rows] == [g["id"] for g in gold]
    assert summary.answered + summary.abstained == len(gold) and summary.errors == 0 and summary.answered >= 20
    for row, g in zip(rows, gold):
        a = ask(g["question"], demo_store.settings, resources=demo_store)
        assert row["answer"] == a.answer, g["id"]
        assert row["abstained"] == ("true" if a.abstained else "false")
        assert json.loads(row["citations"]) == [
            {"n": c.n, "article_id": c.article_id, "title": c.title, "date": c.date, "source": c.source}
            for c in a.citations
        ]
        assert row["backend"] == a.backend == "extractive"


def test_an_invalid_question_becomes_an_error_row_and_the_run_goes_on(tmp_path, demo_store):
    f = tmp_path / "fragen.jsonl"
    f.write_text(
        '{"id": "ok1", "question": "Wo plant Alibaba neue Rechenzentren?"}\n'
        '{"id": "leer", "question": ""}\n'
        '{"id": "lang", "question": "' + "Wer? " * 1000 + '"}\n'
        '{"id": "datum", "question": "Wo plant Alibaba neue Rechenzentren?", "filter_since": "gestern"}\n'
        '{"id": "ok2", "question": "Welche US-Investorin hat erstmals seit 2021 wieder Alibaba-Aktien gekauft?"}\n',
        encoding="utf-8",
    )
    out = tmp_path / "a.jsonl"
    summary = run_batch(f, out, demo_store.settings, demo_store)
    rows = {r["id"]: r for r in jsonl_rows(out)}
    assert list(rows) == ["ok1", "leer", "lang", "datum", "ok2"]
    assert "empty" in rows["leer"]["error"] and rows["leer"]["answer"] == ""
    assert "limit" in rows["lang"]["error"]
    assert "since" in rows["datum"]["error"] and "gestern" in rows["datum"]["error"]
    assert rows["ok1"]["error"] == "" and "Brasilien" in rows["ok1"]["answer"]
    assert rows["ok2"]["error"] == "" and "Cathie Wood" in rows["ok2"]["answer"]
    assert summary.errors == 3 and summary.answered == 2


def test_a_per_question_filter_column_narrows_that_question_only(tmp_path, demo_store):
    f = tmp_path / "fragen.csv"
    f.write_text(
        "id,question,filter_article\n"
        "a,Wo plant Alibaba neue Rechenzentren?,dfb-pokal-viertelfinale\n"
        "b,Wo plant Alibaba neue Rechenzentren?,\n",
        encoding="utf-8",
    )
    out = tmp_path / "a.jsonl"
    run_batch(f, out, demo_store.settings, demo_store)
    a, b = jsonl_rows(out)
    assert all(c["article_id"] == "dfb-pokal-viertelfinale" for c in a["citations"]) and "Brasilien" not in a["answer"]
    assert b["citations"][0]["article_id"] == "alibaba-ki-offensive"


def test_parallel_workers_give_the_same_answers_in_input_order(tmp_path, demo_store):
    """Extractive backend with 4 threads on one shared Resources (catches thread-unsafe components)."""
    one, four = tmp_path / "one.jsonl", tmp_path / "four.jsonl"
    run_batch(GOLD, one, demo_store.settings, demo_store, workers=1)
    completion: list[str] = []
    summary = run_batch(
        GOLD,
        four,
        demo_store.settings,
        demo_store,
        workers=4,
        progress=lambda done, total, row: row and completion.append(row["id"]),
    )
    assert summary.workers == 4 and sorted(completion) == sorted(g["id"] for g in gold_questions())
    strip = lambda rows: [{k: v for k, v in r.items() if k != "latency_ms"} for r in rows]  # noqa: E731
    assert strip(jsonl_rows(four)) == strip(jsonl_rows(one))


# --- durability and resume ---------------------------------------------------------------------------------


def write_txt(path: Path, n: int) -> list[str]:
    qs = [g["question"] for g in gold_questions()]
    lines = [qs[i % len(qs)] for i in range(n)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return lines


def test_partial_last_journal_line_is_repaired_and_done_rows_are_kept(tmp_path, demo_store):
    f = tmp_path / "fragen.txt"
    write_txt(f, 8)
    out = tmp_path / "a.jsonl"
    done = []
    cancel = threading.Event()

    def progress(n, total, row):
        if row:
            done.append(row)
            if len(done) == 3:
                cancel.set()

    first = run_batch(f, out, demo_store.settings, demo_store, progress=progress, cancel=cancel)
    assert first.interrupted and 3 <= first.new < 8 and first.missing == 8 - first.new  # a started one finishes
    assert [r["id"] for r in jsonl_rows(out)] == [r["id"] for r in done]
    # as a kill -9 leaves it: the rows in the journal, OUTPUT not yet rewritten, half a row at the end
    j = journal_path(out)
    j.write_bytes(out.read_bytes() + b'{"id": "q-abc", "question": "Wo pla')
    out.unlink()
    second = run_batch(f, out, demo_store.settings, demo_store)
    rows = jsonl_rows(out)
    assert second.repaired == 1 and second.resumed == first.new and second.new == 8 - first.new
    assert not j.exists()
    assert [r["id"] for r in rows] == [q.id for q in read_questions(f)]
    assert [r for r in rows if r["id"] in {d["id"] for d in done}] == done  # kept as written, not asked again


def test_partial_last_line_of_an_output_file_is_dropped_and_asked_again(tmp_path, demo_store):
    f = tmp_path / "fragen.txt"
    write_txt(f, 4)
    out = tmp_path / "a.jsonl"
    run_batch(f, out, demo_store.settings, demo_store)
    full = jsonl_rows(out)
    data = out.read_bytes()
    out.write_bytes(data[: data.rindex(b"\n", 0, len(data) - 1) + 10])  # 3 rows and a torn 4th
    assert len(read_output(out)) == 3
    summary = run_batch(f, out, demo_store.settings, demo_store)
    rows = jsonl_rows(out)
    assert summary.new == 1 and summary.resumed == 3
    assert [r["id"] for r in rows] == [q.id for q in read_questions(f)]
    assert rows[:3] == full[:3] and rows[3]["answer"] == full[3]["answer"]


def test_rerun_of_a_finished_batch_asks_nothing_and_restart_asks_everything(tmp_path, demo_store):
    f = tmp_path / "fragen.csv"
    f.write_text("id,question\na,Wo plant Alibaba neue Rechenzentren?\nb,\n", encoding="utf-8")
    out = tmp_path / "a.csv"
    first = run_batch(f, out, demo_store.settings, demo_store)
    before = out.read_bytes()
    again = run_batch(f, out, demo_store.settings, demo_store)
    assert (first.new, again.new, again.resumed) == (2, 0, 2) and out.read_bytes() == before
    retried = run_batch(f, out, demo_store.settings, demo_store, retry_errors=True)
    assert retried.new == 1 and [r["id"] for r in csv_rows(out)] == ["a", "b"]  # the error row, replaced in place
    restarted = run_batch(f, out, demo_store.settings, demo_store, restart=True)
    assert restarted.new == 2 and restarted.resumed == 0 and len(csv_rows(out)) == 2


def test_questions_added_to_the_input_are_answered_in_their_place(tmp_path, demo_store):
    f = tmp_path / "fragen.csv"
    f.write_text(
        "id,question\na,Wo plant Alibaba neue Rechenzentren?\nc,Wer gewann das Pokalspiel?\n", encoding="utf-8"
    )
    out = tmp_path / "a.jsonl"
    run_batch(f, out, demo_store.settings, demo_store)
    f.write_text(
        "id,question\na,Wo plant Alibaba neue Rechenzentren?\nb,Welche US-Investorin kaufte Alibaba-Aktien?\n"
        "c,Wer gewann das Pokalspiel?\n",
        encoding="utf-8",
    )
    summary = run_batch(f, out, demo_store.settings, demo_store)
    assert summary.new == 1 and [r["id"] for r in jsonl_rows(out)] == ["a", "b", "c"]


def test_an_output_that_is_not_a_batch_output_is_not_overwritten(tmp_path, demo_store):
    f = tmp_path / "fragen.txt"
    write_txt(f, 1)
    out = tmp_path / "notizen.jsonl"
    out.write_text("meine Notizen\n", encoding="utf-8")
    with pytest.raises(OutputError, match="notizen.jsonl: line 1: not a Quelle batch output"):
        run_batch(f, out, demo_store.settings, demo_store)
    assert out.read_text(encoding="utf-8") == "meine Notizen\n"
    with pytest.raises(OutputError, match="unsupported output type '.xlsx'"):
        run_batch(f, tmp_path / "a.xlsx", demo_store.settings, demo_store)


def test_a_second_run_on_the_same_output_is_refused_while_one_runs(tmp_path, demo_store):
    f = tmp_path / "fragen.txt"
    write_txt(f, 1)
    out = tmp_path / "a.jsonl"
    held = Journal(journal_path(out))
    try:
        with pytest.raises(OutputError, match="another batch run"):
            run_batch(f, out, demo_store.settings, demo_store)
    finally:
        held.remove_and_close()
    assert run_batch(f, out, demo_store.settings, demo_store).new == 1


def run_cli(*args, data_dir, check=True, **kw):
    env = {**os.environ, "QUELLE_DATA_DIR": str(data_dir)}
    p = subprocess.run(
        [sys.executable, "-m", "quelle", *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=600, **kw
    )
    if check:
        assert p.returncode == 0, p.stderr
    return p


def test_kill_9_part_way_then_rerun_answers_every_question_exactly_once_in_input_order(tmp_path, demo_store):
    data_dir = demo_store.settings.data_dir
    f = tmp_path / "fragen.txt"
    write_txt(f, 120)
    out = tmp_path / "antworten.jsonl"
    journal = journal_path(out)
    env = {**os.environ, "QUELLE_DATA_DIR": str(data_dir)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "quelle", "batch", str(f), "-o", str(out)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 300
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if journal.exists() and journal.read_bytes().count(b"\n") >= 5:
                break
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, "the batch finished before it could be killed"
    assert not out.exists()
    survived = [json.loads(line) for line in journal.read_bytes().split(b"\n") if line.strip().endswith(b"}")]
    assert 5 <= len(survived) < 120

    p = run_cli("batch", str(f), "-o", str(out), data_dir=data_dir)
    rows = jsonl_rows(out)
    ids = [q.id for q in read_questions(f)]
    assert [r["id"] for r in rows] == ids  # every question exactly once, in input order
    assert not journal.exists()
    by_id = {r["id"]: r for r in rows}
    assert all(by_id[r["id"]] == r for r in survived)  # rows from the killed run kept, not asked again
    assert f"aus früherem Lauf: {len(survived)}" in p.stderr and f"neu: {120 - len(survived)}" in p.stderr

    # the same answers as `quelle ask` for the same question and settings
    for row in (rows[0], rows[len(survived) + 1]):
        asked = json.loads(run_cli("ask", row["question"], "--json", data_dir=data_dir).stdout)
        assert row["answer"] == asked["answer"] and row["abstained"] == asked["abstained"]
        assert row["citations"] == [
            {k: c[k] for k in ("n", "article_id", "title", "date", "source")} for c in asked["citations"]
        ]


# --- LLM backend: parallel workers, input order, LLM faults --------------------------------------------------


def test_llm_workers_answer_in_parallel_keep_input_order_and_record_an_llm_fault(tmp_path, demo_store):
    from tests.fake_openai import FakeOpenAI, Reply

    gold = gold_questions()[:8]
    f = tmp_path / "fragen.jsonl"
    f.write_text(
        "\n".join(json.dumps({"id": g["id"], "question": g["question"]}, ensure_ascii=False) for g in gold),
        encoding="utf-8",
    )
    broken = gold[2]["id"]

    def reply(request):  # the first questions answer slowest, so they finish last; one question's LLM fails
        prompt = json.dumps(request["messages"], ensure_ascii=False)
        i = next(i for i, g in enumerate(gold) if g["question"] in prompt)
        if gold[i]["id"] == broken:
            return Reply(status=500)
        return Reply(text=f"Antwort {gold[i]['id']} laut Quelle [1].", delay=0.2 * (len(gold) - i))

    completion: list[str] = []
    with FakeOpenAI(replies=[reply]) as srv:
        s = demo_store.settings.with_(
            llm="openai", openai_api_key="test", openai_base_url=srv.base_url, llm_backoff_initial=0.01, llm_retries=1
        )
        out = tmp_path / "antworten.csv"
        summary = run_batch(
            f, out, s, demo_store, progress=lambda done, total, row: row and completion.append(row["id"])
        )
        rows = csv_rows(out)
        same = ask(gold[0]["question"], s, resources=demo_store)  # the chat's answer for the same settings
    assert rows[0]["answer"] == same.answer and rows[0]["model"] == same.model and same.backend == "openai"
    assert summary.workers == 4  # the default for an LLM backend
    assert [r["id"] for r in rows] == [g["id"] for g in gold]  # the file is in input order ...
    assert completion != [g["id"] for g in gold]  # ... although the answers finished in another order
    for r in rows:
        if r["id"] == broken:
            assert r["error"].startswith("LLM fallback:") and r["backend"] == "extractive"
        else:
            assert r["error"] == "" and r["backend"] == "openai" and f"Antwort {r['id']}" in r["answer"]
    assert summary.errors == 1 and summary.answered == len(gold) - 1
