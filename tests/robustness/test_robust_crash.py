"""Crash safety: `kill -9` of `quelle ingest` part-way through, then the same ingest again, gives exactly the store a
clean ingest gives. Two ingests at once are serialised by the file lock, the waiting one says so on stderr."""

from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from checks import ROOT, assert_lexical_in_step, cli_env, record, snapshot

WORDS = (
    "Stadtrat Haushalt Brücke Schule Hafen Bahnhof Klinik Museum Radweg Kläranlage Feuerwehr Bibliothek "
    "Stadion Theater Rathaus Straßenbahn Windpark Freibad Marktplatz Kita"
).split()


def write_corpus(folder: Path, n: int = 30, seed: int = 7, prefix: str = "artikel") -> Path:
    """n German articles of a few chunks each, every one different."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        topic = f"{rng.choice(WORDS)} {i}"
        sentences = [
            f"Der Bericht Nummer {i * 100 + j} über {topic} nennt {rng.randint(2, 900)} Millionen Euro "
            f"für {rng.choice(WORDS)} und {rng.choice(WORDS)} im Jahr {rng.randint(2020, 2030)}."
            for j in range(10)
        ]
        (folder / f"{prefix}-{i:02d}.txt").write_text(
            f"---\ntitle: {topic}\ndate: 2025-{1 + i % 12:02d}-{1 + i % 28:02d}\nsource: Testzeitung\n---\n"
            + " ".join(sentences),
            encoding="utf-8",
        )
    return folder


def stored_rows(data_dir: Path) -> int:
    """Chunks in the store, read straight from Chroma's SQLite file (read-only; the ingest keeps writing)."""
    db = data_dir / "chroma" / "chroma.sqlite3"
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.2) as con:
            return con.execute("SELECT count(*) FROM embeddings").fetchone()[0]
    except sqlite3.Error:
        return 0


def open_store(data_dir: Path, embedder):
    from quelle.resources import Resources
    from quelle.settings import Settings

    return Resources.open(Settings(data_dir=data_dir, llm="extractive"), embedder=embedder)


def state(res) -> tuple[dict, dict]:
    """(chunks by id, chunk count by article) — what must match a clean ingest."""
    chunks = snapshot(res)
    per_article: dict[str, int] = {}
    for aid, _, _ in chunks.values():
        per_article[aid] = per_article.get(aid, 0) + 1
    return chunks, per_article


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return write_corpus(tmp_path_factory.mktemp("crash-corpus") / "artikel")


@pytest.fixture(scope="module")
def clean(corpus, tmp_path_factory, embedder):
    """The reference: the same folder ingested once without interruption."""
    from quelle.library import Library

    res = open_store(tmp_path_factory.mktemp("clean") / "index", embedder)
    report = Library(res).ingest([corpus])
    assert report.count("added") == 30
    return state(res)


def _ingest_cmd(folder: Path) -> list[str]:
    return [sys.executable, "-m", "quelle", "ingest", str(folder)]


def test_kill_9_during_ingest_then_rerun_gives_the_clean_store(corpus, clean, tmp_path, embedder):
    clean_chunks, clean_articles = clean
    total = len(clean_chunks)
    killed_at = None
    for attempt in range(3):  # the kill must land while chunks are being written; rarely the run is too quick
        data_dir = tmp_path / f"index{attempt}"
        proc = subprocess.Popen(
            _ingest_cmd(corpus), env=cli_env(data_dir), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 240
        while proc.poll() is None and time.monotonic() < deadline:
            n = stored_rows(data_dir)
            if n > 0:
                proc.send_signal(signal.SIGKILL)
                killed_at = n
                break
            time.sleep(0.01)
        proc.wait(timeout=30)
        if killed_at is not None and proc.returncode == -signal.SIGKILL:
            break
        killed_at = None
    assert killed_at is not None, "could not kill the ingest while it was writing"
    rerun = subprocess.run(
        _ingest_cmd(corpus), env=cli_env(data_dir), cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert "Traceback" not in rerun.stderr
    res = open_store(data_dir, embedder)
    chunks, per_article = state(res)
    assert per_article == clean_articles  # same articles, same chunk count each
    assert chunks == clean_chunks  # same chunk ids, texts and versions: nothing lost, nothing doubled
    assert_lexical_in_step(res)
    record(
        "crash",
        "kill -9 during ingest, then rerun",
        "recovered",
        chunks_at_kill=killed_at,
        chunks=total,
        lost_chunks=len(set(clean_chunks) - set(chunks)),
        extra_chunks=len(set(chunks) - set(clean_chunks)),
    )


def test_two_ingests_at_once_are_serialised_by_the_lock(tmp_path, embedder):
    """The test holds the lock, starts two `quelle ingest` of the same folder, sees both wait, then lets go."""
    from filelock import FileLock

    folder = write_corpus(tmp_path / "artikel", n=4, seed=11)
    data_dir = tmp_path / "index"
    data_dir.mkdir()
    lock = FileLock(str(data_dir / ".ingest.lock"))
    lock.acquire()
    logs = [tmp_path / "a.err", tmp_path / "b.err"]
    procs = []
    try:
        for log in logs:
            procs.append(
                subprocess.Popen(
                    _ingest_cmd(folder),
                    env=cli_env(data_dir),
                    cwd=ROOT,
                    stdout=subprocess.DEVNULL,
                    stderr=open(log, "w"),
                )
            )
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and not all(
            "Warte auf ein anderes Ingest" in log.read_text() for log in logs
        ):
            assert all(p.poll() is None for p in procs), [log.read_text()[-1000:] for log in logs]
            time.sleep(0.2)
        assert all("Warte auf ein anderes Ingest (Sperre)…" in log.read_text() for log in logs)
        assert stored_rows(data_dir) == 0  # nothing written while another holds the lock
    finally:
        lock.release()
    for p in procs:
        assert p.wait(timeout=600) == 0
    outs = [log.read_text() for log in logs]
    assert all("Traceback" not in o for o in outs)
    summaries = sorted(o.strip().splitlines()[-1] for o in outs)
    # one of them added the four articles, the other found them unchanged
    assert summaries[0].startswith("added: 0 · updated: 0 · unchanged: 4"), summaries
    assert summaries[1].startswith("added: 4 · updated: 0 · unchanged: 0"), summaries
    res = open_store(data_dir, embedder)
    _, per_article = state(res)
    assert len(per_article) == 4 and len(snapshot(res)) == res.store.count()
    assert_lexical_in_step(res)
    record("crash", "two ingest processes at once", "serialised")
