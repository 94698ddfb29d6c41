"""A cheaper dense side, measured inside the fusion (issue 32, item 2): passage hit@1 / hit@5 of the hybrid ranking
with the bundled MiniLM and with another embedding model (e.g. a model2vec static model distilled from it), on the
news-de development set and XQuAD-de, per half of the articles (crc32 of the gold article id, mod 2: bench/halves.py).

    .venv/bin/python bench/dense_side.py --model /tmp/embedlater-m2v-st --work /tmp/embedlater-dense

news-de: the MiniLM store (--newsde-store, read only) is copied twice and one copy re-embedded with --model
(vectorstore.reembed: the same chunks, only the vectors differ). XQuAD-de: its articles are ingested with MiniLM
once, then the same. Both rankings as ask() retrieves: the first stage (hybrid fusion, QUELLE_HYBRID_DENSE_WEIGHT) and
with the evidence stage (QUELLE_RERANK). Prints a table and, as its last line, one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
import zlib
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from quelle.evaluation.gold import read_gold  # noqa: E402
from quelle.evaluation.runner import is_relevant  # noqa: E402
from quelle.evaluation.squad import load_squad  # noqa: E402
from quelle.library import Library  # noqa: E402
from quelle.resources import Resources  # noqa: E402
from quelle.settings import Settings  # noqa: E402
from vectorstore.embeddings import Embedder  # noqa: E402

SHARED = ROOT.parent / "shared" / "eval-data"
MINILM = "bundled:all-MiniLM-L6-v2"


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def ranks(res: Resources, questions, stage: float) -> dict[str, int | None]:
    """Question id -> 1-based rank of the first relevant passage in the top 5 (None: not there)."""
    s = res.settings
    out = {}
    for q in questions:
        got = res.index.retrieve(q.question, 5, "hybrid", None, s.hybrid_dense_weight, "de", stage)
        hits = [is_relevant(q, {"text": p.text, **p.meta}) for p in got]
        out[q.id] = next((i + 1 for i, h in enumerate(hits) if h), None)
    return out


def article_of(q) -> str:
    return q.spans[0].article_id if q.spans else q.source


def per_half(questions, got: dict[str, int | None]) -> dict:
    out = {}
    for h in (0, 1):
        part = [q for q in questions if zlib.crc32(article_of(q).encode()) % 2 == h]
        r = [got[q.id] for q in part]
        out[f"half{h}"] = {
            "n": len(part),
            "hit@1": round(sum(x == 1 for x in r) / len(r), 4),
            "hit@5": round(sum(x is not None for x in r) / len(r), 4),
        }
    return out


def measure(res: Resources, questions) -> dict:
    rerank = res.settings.rerank
    t = time.perf_counter()
    out = {"first_stage": per_half(questions, ranks(res, questions, 0.0))}
    out["with_evidence"] = per_half(questions, ranks(res, questions, rerank))
    out["seconds"] = round(time.perf_counter() - t, 1)
    return out


def two_stores(model: str, embedder: Embedder, minilm: Embedder, store: Path, work: Path, name: str):
    """(MiniLM resources, the other model's resources) over the same chunks: `store` copied twice, the second copy
    re-embedded with `model` (vectorstore.reembed)."""
    from vectorstore.reembed import reembed_store
    from vectorstore.store import forget_persistent_client

    mine, copy = work / f"{name}-minilm", work / f"{name}-model"
    if not mine.exists():  # the given store is only read: both sides work on copies
        shutil.copytree(store, mine)
    base = Settings(data_dir=mine, llm="extractive")
    if not copy.exists():
        log(f"{name}: re-embedding a copy with {model} …")
        shutil.copytree(mine, copy)
        t = time.perf_counter()
        report = reembed_store(base.with_(data_dir=copy, embedding_model=model), embedder)
        log(f"  re-embedded {report.total} chunks in {time.perf_counter() - t:.0f} s")
    for d in (mine, copy):
        forget_persistent_client(str(d / "chroma"))
    return (
        Resources.open(base, embedder=minilm),
        Resources.open(base.with_(data_dir=copy, embedding_model=model), embedder=embedder),
    )


def compare(name: str, pair, questions) -> dict:
    out = {"questions": len(questions)}
    for side, res in zip(("minilm", "model"), pair):
        log(f"{name}: {side} …")
        out[side] = measure(res, questions)
    return out


def newsde(model: str, embedder: Embedder, minilm: Embedder, store: Path, work: Path) -> dict:
    qs = [q for q in read_gold(SHARED / "news-de" / "questions.jsonl") if not q.unanswerable]
    qs = [q for q in qs if (q.extra.get("lang") or "de") == "de"]
    return compare("news-de", two_stores(model, embedder, minilm, store, work, "newsde"), qs)


def xquad(model: str, embedder: Embedder, minilm: Embedder, work: Path, every: int = 1) -> dict:
    squad = load_squad(SHARED / "xquad" / "xquad.de.json")
    built = work / "xquad-built"
    if not built.exists():
        res = Resources.open(Settings(data_dir=built, llm="extractive"), embedder=minilm)
        t = time.perf_counter()
        Library(res).add_articles(squad.articles)
        log(f"xquad-de: stored {res.index.count()} chunks in {time.perf_counter() - t:.0f} s")
    questions = squad.questions[::every]  # every n-th question (--every), the first included
    return compare("xquad-de", two_stores(model, embedder, minilm, built, work, "xquad"), questions)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, help="the other embedding model (a local sentence-transformers folder)")
    ap.add_argument("--work", type=Path, required=True, help="where the copies and stores go")
    ap.add_argument("--newsde-store", type=Path, default=Path("/tmp/newsde"), help="the MiniLM news-de store")
    ap.add_argument("--every", type=int, default=1, help="XQuAD-de: every n-th question only (3: 397 of 1,190)")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    minilm, other = Embedder(MINILM), Embedder(args.model)
    figures: dict = {"model": args.model, "xquad_every": args.every}
    if args.newsde_store.exists():
        figures["news_de"] = newsde(args.model, other, minilm, args.newsde_store, args.work)
        log(json.dumps(figures["news_de"]))
    figures["xquad_de"] = xquad(args.model, other, minilm, args.work, args.every)
    for name in ("news_de", "xquad_de"):
        for stage in ("first_stage", "with_evidence"):
            for h in ("half0", "half1"):
                if name not in figures:
                    continue
                a, b = figures[name]["minilm"][stage][h], figures[name]["model"][stage][h]
                print(
                    f"{name:<9}{stage:<14}{h}  n {a['n']:>4}  hit@1 {a['hit@1']:.3f} -> {b['hit@1']:.3f}  "
                    f"hit@5 {a['hit@5']:.3f} -> {b['hit@5']:.3f}"
                )
    print(json.dumps(figures, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
