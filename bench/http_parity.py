"""Parity of the embedding seam (issue 31): the bundled all-MiniLM-L6-v2 in-process against the same model served over
a loopback OpenAI-compatible `/v1/embeddings` (`QUELLE_EMBEDDING_MODEL=openai:…`; the server is the one the tests
script, tests/embeddings_server.py, in a thread of this process), on news-de.

    .venv/bin/python bench/http_parity.py                 # a subset: the questions' articles + others, 160 articles
    .venv/bin/python bench/http_parity.py --articles 0    # all 1,028 articles (about 9,000 chunks)
    .venv/bin/python bench/http_parity.py --rounds 2      # each ingest twice, in the order A B B A

Each store is built from the same articles through `Library.ingest` (the path of `quelle ingest`), timed; every
news-de question is then asked with `ask()` (extractive, the default settings) against both stores. Figures (the
LAST line is one JSON object): `same_chunks` (both stores hold the same chunks), `same_top5` (questions whose 5 best
passages are the same chunks in the same order), `same_answers`, `hit@1`/`hit@5` for both (the source article
among the 1/5 best passages; answerable questions), chunks/s of both ingests and `ingest_ratio` = HTTP / in-process
(target ≥ 0.8; with --rounds 2 the mean of the two rounds). Corpus read at run time from
../shared/eval-data/news-de (or --news); never committed. Results: bench/README.md, docs/models.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from quelle.answering.pipeline import ask  # noqa: E402
from quelle.library import Library  # noqa: E402
from quelle.resources import Resources  # noqa: E402
from quelle.settings import Settings  # noqa: E402
from tests.embeddings_server import EmbeddingsServer  # noqa: E402
from vectorstore.embeddings import BUNDLED_PREFIX, Embedder, bundled_model_path, create_embedder  # noqa: E402

HTTP_MODEL = "openai:all-MiniLM-L6-v2"
TARGET = 0.8


def subset(articles: list[dict], questions: list[dict], n: int, seed: int = 7) -> list[dict]:
    """Every article a question is about (its source or near miss), then others drawn at random, n in all (0: all)."""
    if n <= 0 or n >= len(articles):
        return articles
    needed = {q.get("source") for q in questions} | {q.get("near_miss_of") for q in questions}
    chosen = [a for a in articles if a["id"] in needed]
    others = [a for a in articles if a["id"] not in needed]
    random.Random(seed).shuffle(others)
    chosen += others[: max(0, n - len(chosen))]
    keep = {a["id"] for a in chosen}
    return [a for a in articles if a["id"] in keep]  # in corpus order


def build(settings: Settings, embedder: Embedder, corpus: Path) -> tuple[Resources, float, int]:
    """Ingest the corpus file into an empty store; (resources, seconds, chunks)."""
    res = Resources.open(settings, embedder=embedder)
    t0 = time.perf_counter()
    report = Library(res).ingest([corpus])
    seconds = time.perf_counter() - t0
    failed = [f for f in report.files if f.status == "failed"]
    if failed:
        raise SystemExit(f"ingest failed: {failed[0].path}: {failed[0].message}")
    return res, seconds, res.index.count()


def chunks_of(res: Resources) -> dict[str, str]:
    return {c.chunk_id: c.text for c in res.index.iter_chunks()}


def answers(res: Resources, questions: list[dict]) -> list[dict]:
    out = []
    for q in questions:
        a = ask(q["question"], res.settings, resources=res)
        out.append(
            {
                "top5": [p.chunk_id for p in a.retrieved[:5]],
                "articles": [p.article_id for p in a.retrieved[:5]],
                "answer": a.answer,
            }
        )
    return out


def hits(rows: list[dict], questions: list[dict], k: int) -> float:
    scored = [(r, q) for r, q in zip(rows, questions) if q.get("source") and not q.get("unanswerable")]
    return round(sum(q["source"] in r["articles"][:k] for r, q in scored) / len(scored), 4)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--news", type=Path, default=ROOT.parent / "shared" / "eval-data" / "news-de")
    ap.add_argument("--articles", type=int, default=160, help="articles in the subset (0: all 1,028)")
    ap.add_argument("--rounds", type=int, default=1, choices=(1, 2), help="2: ingest A B B A")
    ap.add_argument("--keep", type=Path, help="keep the stores here")
    args = ap.parse_args()
    news = args.news if args.news.is_dir() else Path("/work/shared/eval-data/news-de")
    if not (news / "articles.jsonl").is_file():
        print(json.dumps({"skipped": f"news-de not found at {args.news}"}))
        return
    read = lambda name: [json.loads(x) for x in (news / name).read_text(encoding="utf-8").splitlines() if x.strip()]  # noqa: E731
    questions = read("questions.jsonl")
    chosen = subset(read("articles.jsonl"), questions, args.articles)
    work = Path(args.keep or tempfile.mkdtemp(prefix="quelle-http-parity-"))
    work.mkdir(parents=True, exist_ok=True)
    corpus = work / "news-de-subset.jsonl"  # a temporary copy for the run; never in the repo
    corpus.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in chosen), encoding="utf-8")
    warm = work / "warm.jsonl"
    warm.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in chosen[:4]), encoding="utf-8")

    from sentence_transformers import SentenceTransformer

    local = Embedder(BUNDLED_PREFIX + "all-MiniLM-L6-v2")
    local.model  # loaded before anything is timed
    load1 = os.getloadavg()[0]
    figures: dict = {"articles": len(chosen), "questions": len(questions), "rounds": args.rounds}
    with EmbeddingsServer(SentenceTransformer(bundled_model_path(), device="cpu")) as srv:
        base = Settings(data_dir=work / "x", llm="extractive", embedding_api_key=None)
        http = base.with_(embedding_model=HTTP_MODEL, embedding_base_url=srv.base_url)

        def settings_for(kind: str, name: str) -> tuple[Settings, Embedder]:
            if kind == "local":
                return base.with_(data_dir=work / name), local
            s = http.with_(data_dir=work / name)
            return s, create_embedder(s)

        for kind in ("local", "http"):  # warm-up: models, language detector, sentence splitter, Chroma, the client
            s, e = settings_for(kind, f"warm-{kind}")
            build(s, e, warm)
        order = ["local", "http"] if args.rounds == 1 else ["local", "http", "http", "local"]
        runs: dict[str, list[tuple[float, int]]] = {"local": [], "http": []}
        stores: dict[str, Resources] = {}
        for i, kind in enumerate(order):
            s, e = settings_for(kind, f"{kind}-{i}")
            res, seconds, n = build(s, e, corpus)
            runs[kind].append((seconds, n))
            stores.setdefault(kind, res)
            print(f"ingest {kind:5s} round {i}: {n} chunks in {seconds:.1f} s = {n / seconds:.1f} chunks/s", flush=True)
        requests = srv.calls

        a, b = stores["local"], stores["http"]
        figures["same_chunks"] = chunks_of(a) == chunks_of(b)
        ra, rb = answers(a, questions), answers(b, questions)
    load2 = os.getloadavg()[0]
    rate = {k: [n / s for s, n in v] for k, v in runs.items()}
    ratios = [h / loc for h, loc in zip(rate["http"], rate["local"])]  # pairs: (A, B) and, in round 2, (B, A)
    figures.update(
        chunks=runs["local"][0][1],
        same_top5=sum(x["top5"] == y["top5"] for x, y in zip(ra, rb)),
        same_answers=sum(x["answer"] == y["answer"] for x, y in zip(ra, rb)),
        hit1_local=hits(ra, questions, 1),
        hit1_http=hits(rb, questions, 1),
        hit5_local=hits(ra, questions, 5),
        hit5_http=hits(rb, questions, 5),
        chunks_per_s_local=[round(x, 1) for x in rate["local"]],
        chunks_per_s_http=[round(x, 1) for x in rate["http"]],
        ingest_ratio=round(sum(ratios) / len(ratios), 3),
        http_requests=requests,
        load_average=[round(load1, 2), round(load2, 2)],
    )
    figures["ok"] = bool(
        figures["same_chunks"]
        and figures["same_top5"] == len(questions)
        and figures["hit1_local"] == figures["hit1_http"]
        and figures["hit5_local"] == figures["hit5_http"]
        and figures["ingest_ratio"] >= TARGET
    )
    for k, v in figures.items():
        print(f"{k:20s} {v}")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
