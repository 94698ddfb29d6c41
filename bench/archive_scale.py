"""Archive-scale figures of bench/run.py (issue 32): a cold `quelle ask`, a second process joining a Chroma server
store, and the news-de sentences of the million-chunk corpus. Each is measured in fresh processes, as a user meets
it; bench/README.md describes the method."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_NEWS = ROOT.parent / "shared" / "eval-data" / "news-de" / "articles.jsonl"


def _env(**extra) -> dict:
    env = dict(os.environ)
    env.update(
        {
            "PYTHONPATH": str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "ANONYMIZED_TELEMETRY": "False",
            "QUELLE_LLM": "extractive",
        }
    )
    env.update(extra)
    return env


# --- cold start: `quelle ask` in a fresh process -----------------------------------------------------------------
def cold_ask(data_dir: Path, question: str) -> float:
    """Seconds of `quelle ask --json QUESTION` in a fresh process on the store in data_dir (interpreter start,
    imports, opening the store, the model, the answer)."""
    cmd = [sys.executable, "-c", "from quelle.cli.app import main; main()", "ask", "--json", question]
    t = time.perf_counter()
    got = subprocess.run(cmd, capture_output=True, text=True, env=_env(QUELLE_DATA_DIR=str(data_dir)), cwd=ROOT)
    took = time.perf_counter() - t
    if got.returncode != 0:
        raise RuntimeError(f"quelle ask failed ({got.returncode}): {got.stderr[-2000:]}")
    json.loads(got.stdout.strip().splitlines()[-1])  # a whole answer was printed
    return took


def cold_bare(data_dir: Path, question: str) -> float:
    """The same question answered bare in a fresh process: load the model, open Chroma, encode, query."""
    code = (
        "import sys, chromadb\n"
        "from chromadb.config import Settings\n"
        "from sentence_transformers import SentenceTransformer\n"
        "from vectorstore.embeddings import bundled_model_path\n"
        "m = SentenceTransformer(bundled_model_path(), device='cpu')\n"
        "c = chromadb.PersistentClient(path=sys.argv[1], settings=Settings(anonymized_telemetry=False))"
        ".get_collection('quelle')\n"
        "v = m.encode([sys.argv[2]], normalize_embeddings=True)[0]\n"
        "c.query(query_embeddings=[v], n_results=5)\n"
    )
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, str(data_dir / "chroma"), question], check=True, env=_env(), cwd=ROOT)
    return time.perf_counter() - t


def measure_cold(data_dir: Path, questions: list[str], runs: int) -> dict:
    """Median of `runs` cold asks and cold bare answers, interleaved (each question new to both)."""
    asks, bares = [], []
    for q in questions[:runs]:
        asks.append(cold_ask(data_dir, q))
        bares.append(cold_bare(data_dir, q))
    return {
        "cold_ask_s": statistics.median(asks),
        "cold_bare_s": statistics.median(bares),
        "cold_ask_runs": [round(a, 2) for a in asks],
        "cold_bare_runs": [round(b, 2) for b in bares],
    }


# --- joining a Chroma server store ----------------------------------------------------------------------------
def _wait(url: str, proc: subprocess.Popen, timeout: float = 120) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"chroma run exited ({proc.returncode})")
        try:
            with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"chroma run did not answer on {url} in {timeout} s")


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def measure_join(settings, embedder, work: Path) -> dict:
    """A Chroma server on a copy of the scale store; one process (this one) publishes its lexical index to a
    shared folder (QUELLE_LEXICAL_SHARED_DIR); a second, fresh process with an empty data dir opens the server
    store and gets the lexical index (join_s: Index.open + the first sync, imports excluded)."""
    from quelle.resources import Resources

    served = work / "join-server"
    shutil.rmtree(served, ignore_errors=True)
    shutil.copytree(settings.data_dir / "chroma", served)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    chroma = Path(sys.executable).parent / "chroma"
    log = open(work / "join-server.log", "w")
    proc = subprocess.Popen(
        [str(chroma), "run", "--path", str(served), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=_env(),
    )
    try:
        _wait(url, proc)
        shared = work / "join-shared"
        publisher = settings.with_(data_dir=work / "join-a", chroma_url=url, lexical_shared_dir=shared)
        # the publisher is the process that built the index: its folder holds the index of this very revision
        shutil.copytree(settings.lexical_dir, publisher.lexical_dir)
        res = Resources.open(publisher, embedder=embedder)
        t = time.perf_counter()
        assert res.index.publish_lexical(), "nothing published"
        publish_s = time.perf_counter() - t
        cmd = [sys.executable, str(Path(__file__).resolve()), "join", url, str(work / "join-b"), str(shared)]
        got = subprocess.run(cmd, capture_output=True, text=True, check=True, env=_env(), cwd=ROOT)
        child = json.loads(got.stdout.strip().splitlines()[-1])
        if child["chunks"] != res.index.count():
            raise RuntimeError(f"the joining process has {child['chunks']} chunks, the store {res.index.count()}")
        return {"join_s": child["join_s"], "join_fetch_s": child["sync_s"], "publish_s": publish_s}
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        for p in (served, work / "join-a", work / "join-b", work / "join-shared"):
            shutil.rmtree(p, ignore_errors=True)


def join_child(url: str, data_dir: str, shared: str) -> None:
    """Child process of measure_join: open the server store with an empty data dir and get its lexical index."""
    import chromadb  # noqa: F401  - imports are the process's start, not the join (the store imports it lazily)

    from quelle.resources import Resources
    from quelle.settings import Settings

    t = time.perf_counter()
    settings = Settings(data_dir=Path(data_dir), chroma_url=url, lexical_shared_dir=Path(shared), llm="extractive")
    res = Resources.open(settings)
    opened = time.perf_counter()
    res.index.sync_lexical()
    done = time.perf_counter()
    print(json.dumps({"join_s": done - t, "sync_s": done - opened, "chunks": res.index.lexical_count()}))


# --- the million-chunk corpus: news-de sentences ------------------------------------------------------------------
def news_articles(path: Path = DEFAULT_NEWS) -> list[tuple[str, list[str]]]:
    """(title, paragraphs) of the news-de articles, read at run time (never copied into the repository)."""
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                a = json.loads(line)
                out.append((a.get("title") or a.get("id", ""), [p for p in a["text"].split("\n") if p.strip()]))
    return out


if __name__ == "__main__":
    if sys.argv[1] == "join":
        join_child(*sys.argv[2:5])
