"""The CLI as a user runs it: subprocesses, exit codes, JSON on stdout."""

import json
import os
import subprocess
import sys

from tests.conftest import DEMO_ARTICLES, ROOT


def run(*args, data_dir, check=True):
    env = {**os.environ, "QUELLE_DATA_DIR": str(data_dir)}
    p = subprocess.run([sys.executable, "-m", "quelle", *args], capture_output=True, text=True, env=env, cwd=ROOT,
                       timeout=600)
    if check:
        assert p.returncode == 0, p.stderr
    return p


def test_cli_ingest_ask_json_list_stats_delete(tmp_path):
    d = tmp_path / "idx"
    run("ingest", str(DEMO_ARTICLES), data_dir=d)
    p = run("ask", "Wo plant Alibaba neue Rechenzentren?", "--json", data_dir=d)
    obj = json.loads(p.stdout)
    assert {"question", "answer", "abstained", "backend", "citations", "timings_ms"} <= set(obj)
    assert set(obj["timings_ms"]) >= {"retrieve", "answer", "total"}
    c = obj["citations"][0]
    assert {"n", "article_id", "title", "date", "source", "text", "start", "end", "score"} <= set(c)
    assert c["article_id"] == "alibaba-ki-offensive" and "Brasilien" in obj["answer"]

    stats = json.loads(run("stats", "--json", data_dir=d).stdout)
    assert set(stats) == {"articles", "chunks", "embedding_model", "data_dir"}
    assert stats["articles"] == len(list(DEMO_ARTICLES.glob("*.md")))
    listed = json.loads(run("list", "--json", data_dir=d).stdout)
    assert "alibaba-ki-offensive" in {a["article_id"] for a in listed}

    run("delete", "alibaba-ki-offensive", data_dir=d)
    assert json.loads(run("stats", "--json", data_dir=d).stdout)["articles"] == stats["articles"] - 1
    again = run("delete", "alibaba-ki-offensive", data_dir=d, check=False)
    assert again.returncode != 0 and "alibaba-ki-offensive" in again.stderr


def test_cli_reingest_reports_unchanged(tmp_path):
    d = tmp_path / "idx"
    run("ingest", str(DEMO_ARTICLES), data_dir=d)
    p = run("ingest", str(DEMO_ARTICLES), data_dir=d)
    assert "unchanged: " + str(len(list(DEMO_ARTICLES.glob("*.md")))) in p.stderr


def test_cli_ingest_of_a_missing_path_fails_with_a_clear_message(tmp_path):
    p = run("ingest", str(tmp_path / "gibt-es-nicht.txt"), data_dir=tmp_path / "idx", check=False)
    assert p.returncode != 0
    assert "gibt-es-nicht.txt" in p.stderr and "no such file" in p.stderr
    assert "Traceback" not in p.stderr


def test_cli_ask_with_bad_date_filter_fails_with_a_clear_message(tmp_path):
    p = run("ask", "Wo?", "--since", "gestern", data_dir=tmp_path / "idx", check=False)
    assert p.returncode != 0 and "since" in p.stderr and "Traceback" not in p.stderr
