"""Bad input files (tests/robustness/bad_inputs.py): each one ingests cleanly or fails with a clear message naming
the file; nothing stored before changes; the lexical index stays in step with the store."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bad_inputs import CASES, Case, _german
from checks import ROOT, assert_clear_message, assert_lexical_in_step, cli_env, record, snapshot

FAILING = [c for c in CASES if c.expect in ("failed", "skipped")]
INGESTED = [c for c in CASES if c.expect not in ("failed", "skipped")]
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


@pytest.fixture(scope="module")
def store(tmp_path_factory, embedder):
    """One store for the module holding a known article before any bad input arrives."""
    from quelle.library import Library
    from quelle.resources import Resources
    from quelle.settings import Settings

    folder = tmp_path_factory.mktemp("robust-store")
    s = Settings(data_dir=folder / "index", llm="extractive")
    res = Resources.open(s, embedder=embedder)
    (folder / "base").mkdir()
    base = folder / "base" / "grundstein.txt"
    base.write_text(
        "---\ntitle: Grundstein\ndate: 2025-03-01\nsource: Stadtanzeiger\n---\n" + _german("Grundstein Rathaus"),
        encoding="utf-8",
    )
    report = Library(res).ingest([base])
    assert report.count("added") == 1
    return res


def _library(res, case: Case):
    from quelle.library import Library

    lib = Library(res)
    if case.settings:
        lib.settings = res.settings.with_(**case.settings)
    return lib


@pytest.mark.parametrize("case", FAILING, ids=[c.kind for c in FAILING])
def test_bad_file_fails_with_a_clear_message_and_touches_nothing(case, store, tmp_path):
    if case.needs_non_root and IS_ROOT:
        pytest.skip("running as root: chmod 000 does not stop root from reading (case covered for other users)")
    before = snapshot(store)
    path = case.make(tmp_path)
    t0 = time.perf_counter()
    report = _library(store, case).ingest([path])
    seconds = time.perf_counter() - t0
    assert report.files, "the file was not reported at all"
    f = report.files[0]
    assert f.status == case.expect, (f.status, f.message)
    assert re.search(case.problem, f.message), f.message
    assert_clear_message(f.message)
    assert (
        Path(f.path).name in {path.name} | {p.name for p in path.iterdir()}
        if path.is_dir()
        else Path(f.path).name == path.name
    )  # the message names the file
    assert snapshot(store) == before  # nothing stored before changed, nothing was added
    assert_lexical_in_step(store)
    assert seconds < 20, f"took {seconds:.1f} s"
    record(
        "ingest", case.kind, f.status, seconds=round(seconds, 2), lost_chunks=len(set(before) - set(snapshot(store)))
    )


@pytest.fixture(scope="module")
def ingested(store, tmp_path_factory):
    """All the cases that must ingest, made in one folder each and ingested in one run (one embedding pass)."""
    root = tmp_path_factory.mktemp("robust-ok")
    before = snapshot(store)
    paths = {}
    for i, case in enumerate(INGESTED):
        folder = root / f"case{i:02d}"
        folder.mkdir()
        paths[case.kind] = (folder, case.make(folder))
    report = _library(store, INGESTED[0]).ingest([p for _, p in paths.values()])
    return report, paths, before, snapshot(store)


@pytest.mark.parametrize("case", INGESTED, ids=[c.kind for c in INGESTED])
def test_odd_but_valid_file_is_ingested_cleanly(case, ingested, store):
    report, paths, before, after = ingested
    folder, path = paths[case.kind]
    results = [f for f in report.files if f.path.startswith(str(folder))]
    statuses = sorted(f.status for f in results)
    assert statuses == (["added", "duplicate"] if case.expect == "duplicate" else ["added"]), [
        (f.status, f.message) for f in results
    ]
    if case.problem:
        assert re.search(case.problem, results[0].message), results[0].message
    ids = {a for f in results for a in f.articles}
    texts = [text for aid, _, text in after.values() if aid in ids]
    assert texts, "no chunks stored"
    titles = [(store.store.article_head(a) or {}).get("title", "") for a in ids]
    joined = "\n".join(titles + texts)
    for needle in case.contains:
        assert needle in joined
    for needle in case.absent:
        assert needle not in joined
    assert max(len(t) for t in texts) < 20_000  # chunks stay passage-sized whatever the input
    record("ingest", case.kind, statuses[-1] if case.expect == "duplicate" else "added")


def test_valid_files_among_bad_ones_lose_and_double_nothing(ingested, store):
    report, paths, before, after = ingested
    assert {cid: v for cid, v in after.items() if cid in before} == before  # old chunks untouched
    assert len(after) == store.store.count() and len(set(after)) == len(after)
    new_articles = {a for f in report.files if f.status == "added" for a in f.articles}
    assert {aid for aid, _, _ in after.values()} == {aid for aid, _, _ in before.values()} | new_articles
    assert_lexical_in_step(store)


def test_ingesting_the_same_odd_files_again_changes_nothing(ingested, store):
    report, paths, before, after = ingested
    from quelle.library import Library

    again = Library(store).ingest([p for _, p in paths.values()])
    assert again.count("added") == again.count("updated") == 0, again.files
    assert snapshot(store) == after


def test_a_real_50_mb_file_is_refused_by_size_before_it_is_read(store, tmp_path):
    from quelle.library import Library

    big = tmp_path / "fuenfzig-mb.txt"
    line = (_german("Fünfzig Megabyte") + "\n").encode()
    with open(big, "wb") as fh:
        fh.write(line * (52_000_000 // len(line)))
    assert big.stat().st_size > 50_000_000
    before = snapshot(store)
    t0 = time.perf_counter()
    report = Library(store).ingest([big])  # default QUELLE_MAX_FILE_MB = 50
    seconds = time.perf_counter() - t0
    f = report.files[0]
    assert f.status == "failed"
    assert "the limit is 50.0 MB (QUELLE_MAX_FILE_MB)" in f.message
    assert seconds < 2.0
    assert snapshot(store) == before
    record("ingest", "50 MB text file (real)", "failed", seconds=round(seconds, 2))


def test_a_sparse_50_gb_file_is_refused_instantly(store, tmp_path):
    """The size is checked from the file system, before a byte is read."""
    from quelle.library import Library

    huge = tmp_path / "sparse.txt"
    with open(huge, "wb") as fh:
        fh.truncate(50 * 1024**3)
    t0 = time.perf_counter()
    f = Library(store).ingest([huge]).files[0]
    assert f.status == "failed" and "QUELLE_MAX_FILE_MB" in f.message
    assert time.perf_counter() - t0 < 1.0
    record("ingest", "sparse 50 GB file", "failed")


def test_article_char_limit_comes_from_settings(store, tmp_path):
    from quelle.library import Library

    lib = Library(store)
    lib.settings = store.settings.with_(max_article_chars=500)
    path = tmp_path / "lang.txt"
    path.write_text(_german("Zeichenlimit") * 10, encoding="utf-8")
    f = lib.ingest([path]).files[0]
    assert f.status == "failed"
    assert re.search(r"has [\d,]+ characters; the limit is 500 \(QUELLE_MAX_ARTICLE_CHARS\)", f.message)
    record("ingest", "article over QUELLE_MAX_ARTICLE_CHARS", "failed")


def test_a_long_line_without_spaces_is_chunked_in_bounded_time_and_size(embedder):
    """One 'word' of 300,000 characters: WordPiece makes it a single [UNK]; chunks must still stay small."""
    from ingest.chunking import chunk_article
    from ingest.models import Article

    text = ("Donaudampfschifffahrtsgesellschaftskapitän" * 8000)[:300_000]
    article = Article(article_id="zeile", title="Zeile", text=text, language="de")
    t0 = time.perf_counter()
    chunks = chunk_article(article, embedder, 180, 1)
    seconds = time.perf_counter() - t0
    assert seconds < 30
    assert "".join(c.text for c in chunks) == text  # nothing lost, nothing repeated (no spaces to overlap on)
    assert max(len(c.text) for c in chunks) <= 180 * 24
    record("ingest", "300,000-character word (chunking)", "added", seconds=round(seconds, 2))


def test_cli_reports_every_bad_file_on_one_line_without_a_traceback(tmp_path):
    folder = tmp_path / "schlecht"
    folder.mkdir()
    made = []
    for i, case in enumerate(FAILING):
        if case.needs_non_root and IS_ROOT or case.settings:
            continue
        sub = folder / f"f{i:02d}"
        sub.mkdir()
        made.append(case.make(sub))
    env = cli_env(tmp_path / "index")
    proc = subprocess.run(
        [sys.executable, "-m", "quelle", "ingest", str(folder)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
    )
    assert proc.returncode != 0  # every file failed
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = proc.stderr.splitlines()
    for path in made:
        shown = [str(p) for p in ([*path.rglob("*")] if path.is_dir() else [path])]
        label = "übersprungen" if path.suffix == ".exe" else "Fehler"  # folders: unknown types are skipped
        assert any(ln.startswith(f"{label}: {s}: ") for s in shown for ln in lines), (path, proc.stderr[-3000:])
    assert lines[-1].startswith("Fehler: ")  # the closing one-line reason
    assert "added: 0" in proc.stderr
    record("cli", "folder of bad files", "exit %d" % proc.returncode)


def test_cli_on_an_empty_folder_says_so(tmp_path):
    empty = tmp_path / "ordner.txt"  # a folder that looks like a file
    empty.mkdir()
    env = cli_env(tmp_path / "index")
    proc = subprocess.run(
        [sys.executable, "-m", "quelle", "ingest", str(empty)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
    )
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == f"Fehler: nothing was ingested: no files found in {empty}"
