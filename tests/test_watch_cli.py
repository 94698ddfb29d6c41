"""`quelle watch` in-process (typer's CliRunner): add, list --json with versions, a `quelle ingest` that changes the
fact adds a version (the hook), check, export, remove, replay, and bad input named."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import write_article

QUESTION = "Wie viele Tote gibt es nach dem Erdbeben in Kahramanmaras?"
STORY = Path(__file__).resolve().parents[1] / "data" / "watch" / "erdbeben.json"


def test_watch_add_list_ingest_check_export_remove(quelle_cli, tmp_path):
    data = tmp_path / "index"
    docs = tmp_path / "docs"
    write_article(
        docs,
        "erdbeben-12.md",
        "Bei dem Erdbeben in der Provinz Kahramanmaras sind mindestens 12 Menschen ums Leben gekommen.",
        title="Erdbeben: mindestens 12 Tote",
        date="2026-03-10",
    )
    first = quelle_cli("ingest", docs, data_dir=data)
    assert "Beobachtete Fragen" not in first.stderr  # nothing watched yet
    added = quelle_cli("watch", "add", QUESTION, "--every", "sync", "-k", "3", data_dir=data)
    assert "Beobachtet:" in added.stdout and "12 Menschen" in added.stdout
    [w] = json.loads(quelle_cli("watch", "list", "--json", data_dir=data).stdout)
    assert w["question"] == QUESTION and w["every"] == "sync" and w["settings"]["k"] == 3
    assert [v["n"] for v in w["versions"]] == [1] and w["versions"][0]["fact"]["value"] == "12"

    more = tmp_path / "more"
    write_article(
        more,
        "erdbeben-35.md",
        "Die Zahl der Toten nach dem Erdbeben in der Provinz Kahramanmaras ist auf 35 gestiegen.",
        title="Erdbeben: Zahl der Toten steigt auf 35",
        date="2026-03-11",
    )
    ingested = quelle_cli("ingest", more, data_dir=data)  # the store changed: the watch is asked again
    assert "Beobachtete Fragen: 1 geprüft · 1 neue Version(en) (quelle watch list)" in ingested.stderr
    [w] = json.loads(quelle_cli("watch", "list", "--json", data_dir=data).stdout)
    v2 = w["versions"][1]
    assert v2["n"] == 2 and v2["reason"] == "value" and "35" in v2["answer"]["answer"] and v2["found"]
    assert v2["previous"]["answer"] == w["versions"][0]["answer"]["answer"]
    assert v2["cause"]["title"] == "Erdbeben: Zahl der Toten steigt auf 35" and v2["cause"]["date"] == "2026-03-11"
    assert {c["date"] for c in v2["answer"]["citations"]} == {"2026-03-11"}

    table = quelle_cli("watch", "list", data_dir=data, env={"COLUMNS": "250"}).stdout
    assert w["id"] in table and "35" in table
    checked = quelle_cli("watch", "check", data_dir=data)
    assert "1 geprüft · 0 neue Version(en)" in checked.stderr

    out = tmp_path / "watches.json"
    quelle_cli("watch", "export", "--out", out, data_dir=data)
    exported = json.loads(out.read_text(encoding="utf-8"))
    assert exported["format"] == "quelle-watches/1" and exported["versions"] == 2
    assert exported["watches"][0]["versions"][1]["answer"]["answer"] == v2["answer"]["answer"]

    quelle_cli("watch", "remove", w["id"], data_dir=data)
    assert json.loads(quelle_cli("watch", "list", "--json", data_dir=data).stdout) == []


def test_bad_input_is_named(quelle_cli, tmp_path):
    data = tmp_path / "index"
    bad = quelle_cli("watch", "add", QUESTION, "--every", "stündlich", data_dir=data, check=False)
    assert bad.exit_code == 1 and "--every: 'stündlich' is not an interval" in bad.stderr
    bad = quelle_cli("watch", "add", QUESTION, "--webhook", "ftp://x", data_dir=data, check=False)
    assert bad.exit_code == 1 and "webhook: 'ftp://x' is not an http(s) URL" in bad.stderr
    bad = quelle_cli("watch", "remove", "nope", data_dir=data, check=False)
    assert bad.exit_code == 1 and "no watched question with id 'nope'" in bad.stderr
    bad = quelle_cli("watch", "check", "nope", data_dir=data, check=False)
    assert bad.exit_code == 1 and "no watched question with id 'nope'" in bad.stderr
    assert json.loads(quelle_cli("watch", "list", "--json", data_dir=data).stdout) == []  # nothing half-stored


def test_watch_replay_prints_the_story_run(quelle_cli, tmp_path):
    got = json.loads(quelle_cli("watch", "replay", STORY, "--json", data_dir=tmp_path / "index").stdout)
    assert got["right"] == got["total"] == 5
    assert [v["reason"] for v in got["versions"]] == ["first", "answered", "value", "value"]
    assert not (tmp_path / "index").exists()  # replayed in a temporary store
    table = quelle_cli("watch", "replay", STORY, data_dir=tmp_path / "index", env={"COLUMNS": "250"}).stdout
    assert "5/5 Schritte richtig" in table


def test_quelle_sync_asks_the_watches_again_and_says_so(quelle_cli, tmp_path):
    from tests.feed_server import FeedServer
    from tests.watch_helpers import publish

    data = tmp_path / "index"
    with FeedServer() as srv:
        url = publish(srv, [])
        quelle_cli("feeds", "add", url, data_dir=data)
        quelle_cli("watch", "add", QUESTION, data_dir=data)
        publish(srv, ["erdbeben-12"])
        synced = quelle_cli("sync", "--rate", "0", data_dir=data)
    assert "Beobachtete Fragen: 1 geprüft · 1 neue Version(en)" in synced.stderr
    [w] = json.loads(quelle_cli("watch", "list", "--json", data_dir=data).stdout)
    assert [v["reason"] for v in w["versions"]] == ["first", "answered"] and w["versions"][1]["fact"]["value"] == "12"
