"""`quelle feeds add|list|remove` and `quelle sync` as a user runs them, against a loopback HTTP server: the issue's
„done when“ (add, sync, ask cites the URL), exit codes, `--every` stopped by Ctrl-C, Ctrl-C and kill -9 mid-pass."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.feed_server import FeedServer, Route, article_html, item, rss
from tests.test_feeds import STORIES, news_site


def env_for(data_dir: Path, **extra) -> dict:
    return {
        **os.environ,
        "QUELLE_DATA_DIR": str(data_dir),
        "QUELLE_FEED_RATE": "0",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "COLUMNS": "250",
        **extra,
    }


@pytest.fixture
def cli(quelle_cli):
    """The commands in-process (tests/conftest.py quelle_cli; an exception fails the test with its traceback);
    Ctrl-C and kill -9 below need real processes (popen_sync)."""

    def run(*args, data_dir: Path, check: bool = True):
        return quelle_cli(*args, data_dir=data_dir, check=check, env={"QUELLE_FEED_RATE": "0", "COLUMNS": "250"})

    return run


def last_line(stderr: str) -> str:
    return stderr.strip().splitlines()[-1]


@pytest.fixture
def srv():
    with FeedServer() as server:
        yield server


def test_feeds_add_sync_ask_cites_the_url_list_remove(srv, tmp_path, cli):
    d = tmp_path / "idx"
    url = news_site(srv)
    added = cli("feeds", "add", url, data_dir=d)
    assert "Hinzugefügt: Stadtkurier – Nachrichten (RSS/Atom)" in added.stderr
    first = cli("sync", data_dir=d)
    assert last_line(first.stderr) == "new: 3 · updated: 0 · unchanged: 0 · failed: 0"
    assert "Stadtkurier – Nachrichten (RSS/Atom): neu: 3" in first.stderr

    answer = json.loads(
        cli(
            "ask", "Wie viele Kubikmeter Wasser fasst der Wärmespeicher der Stadtwerke Freiburg?", "--json", data_dir=d
        ).stdout
    )
    top = answer["citations"][0]
    assert top["url"] == srv.url("/artikel/waermespeicher")
    assert top["title"] == "Freiburg baut Wärmespeicher am Rhein" and top["date"] == "2026-03-14"
    assert "40.000" in answer["answer"]

    again = cli("sync", data_dir=d)
    assert last_line(again.stderr) == "new: 0 · updated: 0 · unchanged: 3 · failed: 0"
    [listed] = json.loads(cli("feeds", "list", "--json", data_dir=d).stdout)
    assert listed["name"] == "Stadtkurier – Nachrichten" and listed["url"] == url and listed["kind"] == "feed"
    assert listed["articles"] == 3 and listed["status"] == "not_modified" and listed["last_sync"]
    assert listed["last_summary"] == {"new": 0, "updated": 0, "unchanged": 3, "failed": 0}
    table = cli("feeds", "list", data_dir=d).stdout
    assert "Stadtkurier" in table and "RSS/Atom" in table

    removed = cli("feeds", "remove", "Stadtkurier – Nachrichten", "--delete-articles", data_dir=d)
    assert "3 Artikel gelöscht" in removed.stderr
    assert json.loads(cli("stats", "--json", data_dir=d).stdout)["articles"] == 0
    assert json.loads(cli("feeds", "list", "--json", data_dir=d).stdout) == []


def test_exit_codes_and_clear_messages(srv, tmp_path, cli):
    d = tmp_path / "idx"
    none = cli("sync", data_dir=d, check=False)
    assert none.exit_code != 0 and "no feeds stored" in none.stderr
    refused = cli("feeds", "add", srv.url("/nirgends.xml"), data_dir=d, check=False)
    assert refused.exit_code != 0 and "HTTP 404 Not Found" in refused.stderr and "--kind" in refused.stderr
    bad_interval = cli("sync", "--every", "bald", data_dir=d, check=False)
    assert bad_interval.exit_code != 0 and "not an interval" in bad_interval.stderr
    unknown = cli("sync", "gibt-es-nicht", data_dir=d, check=False)
    assert unknown.exit_code != 0 and "no stored feed named 'gibt-es-nicht'" in unknown.stderr

    cli("feeds", "add", srv.url("/nirgends.xml"), "--kind", "feed", "--name", "Kaputt", data_dir=d)
    all_failed = cli("sync", data_dir=d, check=False)
    assert all_failed.exit_code != 0
    assert f"Fehler: {srv.url('/nirgends.xml')}: HTTP 404 Not Found" in all_failed.stderr
    assert "every feed failed" in all_failed.stderr

    cli("feeds", "add", news_site(srv, ("tramlinie",)), data_dir=d)
    some_failed = cli("sync", data_dir=d)  # the pass ran: exit 0, the broken feed still reported
    assert f"Fehler: {srv.url('/nirgends.xml')}: HTTP 404 Not Found" in some_failed.stderr
    assert last_line(some_failed.stderr) == "new: 1 · updated: 0 · unchanged: 0 · failed: 0"
    only = cli("sync", "Kaputt", data_dir=d, check=False)  # the one named feed failed
    assert only.exit_code != 0


class Reader:
    """Collects a process's stderr lines in a thread, so the test can wait for a line without blocking."""

    def __init__(self, stream):
        self.lines: list[str] = []
        self.thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self.thread.start()

    def _read(self, stream):
        for line in stream:
            self.lines.append(line)

    def wait_for(self, text: str, timeout: float = 240) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(text in line for line in self.lines):
                return
            time.sleep(0.05)
        raise AssertionError(f"no line with {text!r} in:\n{''.join(self.lines)[-3000:]}")

    @property
    def text(self) -> str:
        return "".join(self.lines)


def popen_sync(data_dir: Path, *args) -> tuple[subprocess.Popen, Reader]:
    p = subprocess.Popen(
        [sys.executable, "-m", "quelle", "sync", *args],
        env=env_for(data_dir),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    return p, Reader(p.stderr)


def test_sync_every_keeps_syncing_until_ctrl_c_and_stops_cleanly(srv, tmp_path, cli):
    d = tmp_path / "idx"
    cli("feeds", "add", news_site(srv, ("waermespeicher", "buchmesse")), data_dir=d)
    srv.reset_counts()
    p, out = popen_sync(d, "--every", "1s")
    try:
        out.wait_for("new: 2 · updated: 0 · unchanged: 0 · failed: 0")
        out.wait_for("unchanged: 2 · failed: 0", timeout=60)  # a second pass came round by itself
        p.send_signal(signal.SIGINT)
        assert p.wait(timeout=60) == 0
    finally:
        if p.poll() is None:
            p.kill()
    out.thread.join(timeout=10)
    assert "Beendet." in out.text and "Traceback" not in out.text
    assert srv.full["/feed.xml"] == 1  # every later pass cost one 304


def test_ctrl_c_during_a_pass_stops_between_articles_and_the_next_sync_finishes(srv, tmp_path, cli):
    d = tmp_path / "idx"
    slugs = list(STORIES)
    for slug in slugs:
        title, date, paragraphs = STORIES[slug]
        srv.page(f"/artikel/{slug}", article_html(title, paragraphs, date=date), delay=1.0)
    srv.route("/feed.xml", rss([item(f"/artikel/{s}", STORIES[s][0]) for s in slugs]), "application/rss+xml")
    cli("feeds", "add", srv.url("/feed.xml"), data_dir=d)
    p, out = popen_sync(d)
    try:
        deadline = time.monotonic() + 240
        while srv.hits["/artikel/waermespeicher"] == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        p.send_signal(signal.SIGINT)
        assert p.wait(timeout=120) == 130
    finally:
        if p.poll() is None:
            p.kill()
    out.thread.join(timeout=10)
    assert "Stoppe nach dem laufenden Artikel" in out.text and "Abgebrochen" in out.text
    assert "Traceback" not in out.text
    done = int(out.text.split("new: ")[-1].split(" ")[0])
    assert 1 <= done < 3
    rest = cli("sync", data_dir=d)
    assert last_line(rest.stderr) == f"new: {3 - done} · updated: 0 · unchanged: {done} · failed: 0"
    assert len(json.loads(cli("list", "--json", data_dir=d).stdout)) == 3


def stored_rows(data_dir: Path) -> int:
    db = data_dir / "chroma" / "chroma.sqlite3"
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.2) as con:
            return con.execute("SELECT count(*) FROM embeddings").fetchone()[0]
    except sqlite3.Error:
        return 0


def snapshot(data_dir: Path, embedder) -> dict:
    from quelle.resources import Resources
    from quelle.settings import Settings

    res = Resources.open(Settings(data_dir=data_dir, llm="extractive"), embedder=embedder)
    got = res.store.collection.get(include=["documents", "metadatas"])
    return {
        cid: (m.get("article_id"), m.get("content_hash"), m.get("url"), m.get("title"), doc)
        for cid, doc, m in zip(got["ids"], got["documents"], got["metadatas"])
    }


@pytest.mark.slow
def test_kill_9_during_sync_then_the_same_sync_equals_one_clean_sync(srv, tmp_path, embedder, cli):
    n = 40  # three batches of ingest

    def page(path: str):
        if path.startswith("/gen/"):
            i = int(path.rsplit("/", 1)[1])
            return Route(
                article_html(
                    f"Meldung {i}",
                    [
                        f"Die Meldung Nummer {i} berichtet über den Bau von {i + 3} neuen Radwegen im Landkreis.",
                        f"Der Kreistag hat dafür {i * 7 + 11} Millionen Euro bereitgestellt.",
                    ],
                ).encode(),
                delay=0.02,
            )
        return None

    srv.generate = page
    srv.route("/feed.xml", rss([item(f"/gen/{i}", f"Meldung {i}") for i in range(n)]), "application/rss+xml")
    clean_dir, crash_dir = tmp_path / "clean", tmp_path / "crash"
    for d in (clean_dir, crash_dir):
        cli("feeds", "add", srv.url("/feed.xml"), data_dir=d)
    cli("sync", data_dir=clean_dir)
    clean = snapshot(clean_dir, embedder)
    assert len({v[0] for v in clean.values()}) == n

    killed_at = None
    for _ in range(3):  # the kill must land after the first write and before the last
        p = subprocess.Popen(
            [sys.executable, "-m", "quelle", "sync"],
            env=env_for(crash_dir),
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 240
        while p.poll() is None and time.monotonic() < deadline:
            rows = stored_rows(crash_dir)
            if rows > 0:
                p.send_signal(signal.SIGKILL)
                killed_at = rows
                break
            time.sleep(0.01)
        p.wait(timeout=30)
        if killed_at is not None and p.returncode == -signal.SIGKILL and killed_at < len(clean):
            break
        killed_at = None
    assert killed_at is not None, "could not kill the sync while it was writing"
    rerun = cli("sync", data_dir=crash_dir)
    assert "failed: 0" in last_line(rerun.stderr)
    assert snapshot(crash_dir, embedder) == clean  # nothing doubled, nothing lost
    [feed] = json.loads(cli("feeds", "list", "--json", data_dir=crash_dir).stdout)
    assert feed["articles"] == n
