"""8 threads asking on one shared Resources while another process ingests into the same store: no exception,
every answer valid (text, citations of stored articles, lexical index in step afterwards)."""

from __future__ import annotations

import subprocess
import sys
import threading

from checks import ROOT, assert_lexical_in_step, cli_env, record
from test_robust_crash import open_store, write_corpus

QUESTIONS = [
    "Wie viel kostet der Bericht über den Hafen?",
    "Was nennt der Bericht Nummer 105?",
    "Wo baut die Stadt eine Brücke?",
    "Welche Summe nennt der Bericht über die Klinik?",
    "Wann wird das Rathaus gebaut?",
    "Wie viele Millionen Euro für das Museum?",
    "Bericht Nummer 1203",
    "Straßenbahn Windpark Freibad",
]


def test_eight_threads_ask_while_another_process_ingests(tmp_path, embedder):
    from quelle.answering.pipeline import ask
    from quelle.library import Library

    data_dir = tmp_path / "index"
    res = open_store(data_dir, embedder)
    assert Library(res).ingest([write_corpus(tmp_path / "alt", n=6, seed=3, prefix="alt")]).count("added") == 6
    proc = subprocess.Popen(
        [sys.executable, "-m", "quelle", "ingest", str(write_corpus(tmp_path / "neu", n=12, seed=5, prefix="neu"))],
        env=cli_env(data_dir),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    answers, errors = [], []
    during = []  # questions asked while the other process had written part of its articles
    stop = threading.Event()
    ingest_started = threading.Event()  # the other process has bumped the store's revision: it is writing
    start_revision = res.store.revision

    def worker(i: int) -> None:
        n = 0
        while n < 3 or not stop.is_set():  # at least 3 questions each, then until the ingest ends
            writing = proc.poll() is None and ingest_started.is_set()
            try:
                answers.append(ask(QUESTIONS[(i + n) % len(QUESTIONS)], res.settings, resources=res))
                if writing:
                    during.append(n)
            except Exception as e:  # noqa: BLE001 — any exception is the failure this test looks for
                errors.append(f"{type(e).__name__}: {e}")
            n += 1
            if not ingest_started.is_set() and res.store.revision != start_revision:
                ingest_started.set()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    try:
        _, stderr = proc.communicate(timeout=600)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=600)
    assert proc.returncode == 0, stderr[-2000:]
    assert not errors, errors[:5]
    stored = {a["article_id"] for a in res.store.list_articles()}
    assert len(stored) == 18
    assert len(answers) >= 24
    for a in answers:
        assert a.answer.strip()
        assert all(c.article_id in stored and c.text for c in a.citations)
        assert all(1 <= n <= len(a.citations) for s in a.sentences for n in s.citations)
    assert sum(not a.abstained for a in answers) > 0
    assert_lexical_in_step(res)
    assert len(res.retriever.lexical) == res.store.count()
    record(
        "concurrency",
        "8 threads asking during an ingest process",
        "ok",
        answers=len(answers),
        answers_while_writing=len(during),
        errors=len(errors),
    )
    assert during, "no question was asked while the other process was writing"
    print(f"{len(answers)} answers, {len(during)} while the other process was writing")


def test_a_reader_process_sees_articles_another_process_ingested(tmp_path, embedder):
    """The app keeps its store open while `quelle ingest` runs in a terminal: dense search must find the new
    article afterwards (Chroma caches the vector index per process; the store reopens when the revision moves)."""
    from quelle.library import Library

    data_dir = tmp_path / "index"
    res = open_store(data_dir, embedder)
    assert Library(res).ingest([write_corpus(tmp_path / "alt", n=2, seed=1, prefix="alt")]).count("added") == 2
    res.retriever.retrieve("Bericht", 3, mode="dense")  # the reader has loaded its vector index
    new = tmp_path / "neu"
    new.mkdir()
    (new / "zeppelin.txt").write_text(
        "Zeppelinwerft\n\nDie Zeppelinwerft in Friedrichshafen baut ein Luftschiff "
        "für Forschungsflüge über dem Bodensee.",
        encoding="utf-8",
    )
    proc = subprocess.run(
        [sys.executable, "-m", "quelle", "ingest", str(new)],
        env=cli_env(data_dir),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    hits = res.retriever.retrieve("Luftschiff der Zeppelinwerft am Bodensee", 3, mode="dense")
    assert hits and hits[0].meta["article_id"] == "zeppelin"
    assert res.store.count() == len(res.store.collection.get(include=[])["ids"])
    assert_lexical_in_step(res)
    record("concurrency", "reader process sees another process's ingest", "ok")
