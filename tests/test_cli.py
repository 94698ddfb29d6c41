"""The CLI: exit codes, JSON on stdout, messages on stderr. In-process through typer's CliRunner (tests/conftest.py
`quelle_cli`, the model loaded once); one real `python -m quelle` run checks the entry point and the process."""

import json
import os
import subprocess
import sys

from tests.conftest import DEMO_ARTICLES, ROOT

N_DEMO = len(list(DEMO_ARTICLES.glob("*.md")))


def test_python_m_quelle_ingests_and_answers_as_json_in_a_real_process(tmp_path):
    env = {**os.environ, "QUELLE_DATA_DIR": str(tmp_path / "idx")}

    def run(*args):
        p = subprocess.run(
            [sys.executable, "-m", "quelle", *args], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600
        )  # not the repo: the bundled prompts and model are found anyway
        assert p.returncode == 0, p.stderr
        return p

    assert f"added: {N_DEMO}" in run("ingest", str(DEMO_ARTICLES)).stderr
    obj = json.loads(run("ask", "Wo plant Alibaba neue Rechenzentren?", "--json").stdout)
    assert obj["citations"][0]["article_id"] == "alibaba-ki-offensive" and "Brasilien" in obj["answer"]
    assert ROOT.is_dir()


def test_cli_ingest_ask_json_list_stats_delete(tmp_path, quelle_cli):
    d = tmp_path / "idx"
    quelle_cli("ingest", DEMO_ARTICLES, data_dir=d)
    p = quelle_cli("ask", "Wo plant Alibaba neue Rechenzentren?", "--json", data_dir=d)
    obj = json.loads(p.stdout)
    assert {"question", "answer", "abstained", "backend", "citations", "timings_ms"} <= set(obj)
    assert set(obj["timings_ms"]) >= {"retrieve", "answer", "total"}
    assert obj["abstained"] is False and obj["backend"] == "extractive"
    c = obj["citations"][0]
    assert {"n", "article_id", "title", "date", "source", "text", "start", "end", "score"} <= set(c)
    assert c["article_id"] == "alibaba-ki-offensive" and "Brasilien" in obj["answer"]

    stats = json.loads(quelle_cli("stats", "--json", data_dir=d).stdout)
    assert set(stats) == {"articles", "chunks", "embedding_pending", "embedding_model", "data_dir"}
    assert stats["articles"] == N_DEMO and stats["chunks"] >= N_DEMO
    listed = json.loads(quelle_cli("list", "--json", data_dir=d).stdout)
    assert len(listed) == N_DEMO and "alibaba-ki-offensive" in {a["article_id"] for a in listed}

    quelle_cli("delete", "alibaba-ki-offensive", data_dir=d)
    assert json.loads(quelle_cli("stats", "--json", data_dir=d).stdout)["articles"] == N_DEMO - 1
    again = quelle_cli("delete", "alibaba-ki-offensive", data_dir=d, check=False)
    assert again.exit_code != 0 and "alibaba-ki-offensive" in again.stderr


def test_cli_reingest_reports_unchanged(tmp_path, quelle_cli):
    d = tmp_path / "idx"
    quelle_cli("ingest", DEMO_ARTICLES, data_dir=d)
    p = quelle_cli("ingest", DEMO_ARTICLES, data_dir=d)
    assert f"unchanged: {N_DEMO}" in p.stderr and "added: 0" in p.stderr


def test_cli_ingest_of_a_missing_path_fails_with_a_clear_message(tmp_path, quelle_cli):
    p = quelle_cli("ingest", tmp_path / "gibt-es-nicht.txt", data_dir=tmp_path / "idx", check=False)
    assert p.exit_code != 0
    assert "gibt-es-nicht.txt" in p.stderr and "no such file" in p.stderr


def test_cli_ask_with_bad_date_filter_fails_with_a_clear_message(tmp_path, quelle_cli):
    p = quelle_cli("ask", "Wo?", "--since", "gestern", data_dir=tmp_path / "idx", check=False)
    assert p.exit_code != 0 and "since" in p.stderr and p.stdout == ""
