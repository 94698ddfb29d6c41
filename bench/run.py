"""Quelle performance benchmark: every figure is a ratio against a bare baseline measured in the same run.

    .venv/bin/python bench/run.py --quick          # < 5 minutes on 2 cores: ingest + query at 10k chunks
    .venv/bin/python bench/run.py                  # full: query at 1k..100k chunks, memory at 100k

Prints a table, writes bench/scaling.png (cost vs number of chunks) and, as its LAST line, one JSON object
with every figure. Corpus: XQuAD-de (read at run time from ../shared/eval-data/xquad/xquad.de.json or
--xquad; never committed). How the scale corpus is made is described in bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ingest.models import Article, Chunk  # noqa: E402
from ingest.sentences import split_sentences  # noqa: E402
from quelle.answering.pipeline import ask  # noqa: E402
from quelle.evaluation.squad import load_squad  # noqa: E402
from quelle.library import Library, embedding_text  # noqa: E402
from quelle.resources import Resources  # noqa: E402
from quelle.settings import Settings  # noqa: E402
from vectorstore.embeddings import Embedder  # noqa: E402
from vectorstore.store import chunk_metadata  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from archive_scale import DEFAULT_NEWS, measure_cold, measure_join, news_articles  # noqa: E402

DEFAULT_XQUAD = ROOT.parent / "shared" / "eval-data" / "xquad" / "xquad.de.json"
SOURCES = ["Tagesblatt", "Wirtschaftsdienst", "Abendpost", "Nordkurier Demo", "Rundschau"]
TARGETS = {
    "ingest_vs_encode": (">=", 0.9),
    "searchable_vs_encode": (">=", 5.0),
    "reingest_ratio": ("<=", 0.02),
    "ask_vs_bare_p50": ("<=", 3.0),
    "ask_vs_bare_p50_100k": ("<=", 3.0),
    "ask_p50_ms_100k": ("<=", 100.0),
    "peak_rss_mb_100k": ("<=", 2048.0),
    "cold_ask_s_10k": ("<=", 3.0),
    "join_s_10k": ("<=", 2.0),
    "cold_ask_s_100k": ("<=", 3.0),
    "join_s_100k": ("<=", 10.0),
    "ask_p50_ms_1m": ("<=", 150.0),
    "peak_rss_mb_1m": ("<=", 4096.0),
    "add_one_s_1m": ("<=", 2.0),
}
CHUNKS_PER_ARTICLE = 10
NEWS_ARTICLES_1M = 30  # news-de articles whose sentences join the million-chunk corpus (~740 sentences embedded)


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=np.float64), q)) if values else float("nan")


# --- corpus ---------------------------------------------------------------------------------------------
def load_xquad(path: Path):
    """(title, paragraphs) of every article and every question, read by Quelle's one SQuAD reader."""
    squad = load_squad(path)
    articles = [(a.title, squad.paragraphs[a.article_id]) for a in squad.articles]
    return articles, [q.question for q in squad.questions]


def write_articles(folder: Path, articles, n: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, (title, paragraphs) in enumerate(articles[:n]):
        p = folder / f"{i:03d}.txt"
        p.write_text(
            f"---\ntitle: {json.dumps(title, ensure_ascii=False)}\ndate: 2025-0{1 + i % 9}-15\n"
            f"source: XQuAD\n---\n\n" + "\n\n".join(paragraphs),
            encoding="utf-8",
        )
        paths.append(p)
    return paths


# --- 1. ingest vs bare encode -------------------------------------------------------------------------------
def bench_ingest(embedder: Embedder, articles, work: Path, n_articles: int) -> dict:
    folder = work / "ingest-articles"
    paths = write_articles(folder, articles, n_articles)
    # warm up every model the ingest path loads (embedder, language detector, sentence splitter, Chroma)
    warm = Resources.open(Settings(data_dir=work / "warm", llm="extractive"), embedder=embedder)
    Library(warm).ingest([write_articles(work / "warm-articles", articles[-1:], 1)[0]])

    settings = Settings(data_dir=work / "ingest-store", llm="extractive")
    res = Resources.open(settings, embedder=embedder)
    lib = Library(res)
    # the exact texts the ingest path embeds, chunked beforehand (chunking is part of ingest, not the baseline)
    from ingest.loaders import load

    texts = [embedding_text(a, c) for p in paths for a in load(p).articles for c in lib.chunk(a)]
    model = embedder.model

    def bare() -> float:
        t = time.perf_counter()
        model.encode(texts, batch_size=embedder.batch_size, normalize_embeddings=True, convert_to_numpy=True)
        return time.perf_counter() - t

    b1 = bare()
    t = time.perf_counter()
    report = lib.ingest([folder])
    t_ingest = time.perf_counter() - t
    b2 = bare()
    assert report.count("failed") == 0, [f for f in report.files if f.status == "failed"]
    n = res.index.count()
    t = time.perf_counter()
    again = lib.ingest([folder])
    t_reingest = time.perf_counter() - t
    assert again.count("unchanged") == len(paths) and res.index.count() == n
    bare_s = (b1 + b2) / 2
    return {
        "ingest_chunks": n,
        "ingest_s": t_ingest,
        "encode_s": bare_s,
        "encode_s_runs": [b1, b2],
        "ingest_chunks_per_s": n / t_ingest,
        "encode_chunks_per_s": len(texts) / bare_s,
        "ingest_vs_encode": (n / t_ingest) / (len(texts) / bare_s),
        "reingest_s": t_reingest,
        "reingest_ratio": t_reingest / t_ingest,
    }


# --- 1b. searchable at parse speed (issue 32): stored and indexed first, embedded after ---------------------------
def bench_searchable(embedder: Embedder, work: Path, encode_s: float, embed_after: bool = True) -> dict:
    """The same 48 articles as bench_ingest, `quelle ingest`'s way: Library.ingest(defer_embedding=True) into an
    empty store, then one lexical question per article (its title) until every article answers — against the bare
    encode of the same chunks measured by bench_ingest in this run. Then the embedding worker (what `quelle
    ingest` does next, or `quelle embed`): the time until the store is fully embedded (not in --quick: its budget)."""
    from quelle.embedding_worker import embed_pending

    folder = work / "ingest-articles"  # written by bench_ingest
    res = Resources.open(Settings(data_dir=work / "searchable-store", llm="extractive"), embedder=embedder)
    lib = Library(res)
    t = time.perf_counter()
    report = lib.ingest([folder], defer_embedding=True)
    stored_s = time.perf_counter() - t
    titles = {a["article_id"]: a["title"] for a in lib.articles()}
    missing = [a for a, title in titles.items() if a not in {p.meta["article_id"] for p in _lexical(res, title)}]
    searchable_s = time.perf_counter() - t
    assert report.count("failed") == 0 and not missing and len(titles) == report.count("added"), missing
    out = {
        "searchable_s": searchable_s,
        "searchable_store_s": stored_s,
        "searchable_vs_encode": encode_s / searchable_s,
    }
    if not embed_after:
        return out
    pending = res.index.pending_count()
    t = time.perf_counter()
    done = embed_pending(res)
    embed_s = time.perf_counter() - t
    assert done.pending == 0 and done.embedded == pending == res.index.count()
    return {**out, "embed_after_s": embed_s, "embedded_after_vs_encode": encode_s / (searchable_s + embed_s)}


def _lexical(res: Resources, question: str):
    return res.index.retrieve(question, 5, mode="bm25")


# --- 2. scale store: real German sentences recombined, vectors from real sentence embeddings ----------------
class ScaleCorpus:
    """Chunks of 3-7 XQuAD-de sentences drawn at random; a chunk's vector is the normalised sum of the real
    embeddings of its sentences plus a little noise (so near-duplicate chunks do not tie)."""

    def __init__(self, embedder: Embedder, articles, seed: int = 7, max_sentences: int | None = None):
        self.titles = [t for t, _ in articles]
        sents = [s for _, ps in articles for p in ps for s in split_sentences(p, "de") if len(s) > 20]
        self.sentences = sents[:max_sentences] if max_sentences else sents
        t = time.perf_counter()
        self.vectors = embedder.embed_passages(self.sentences)
        self.embed_s = time.perf_counter() - t
        self.rng = np.random.default_rng(seed)
        self.made = 0
        self.article_no = 0

    def articles(self, n_chunks: int):
        """(Article, chunks, vectors) for the next n_chunks chunks, CHUNKS_PER_ARTICLE per article."""
        while n_chunks > 0:
            i = self.article_no
            self.article_no += 1
            k = min(CHUNKS_PER_ARTICLE, n_chunks)
            picks = [
                self.rng.choice(len(self.sentences), size=int(self.rng.integers(3, 8)), replace=False) for _ in range(k)
            ]
            texts = [" ".join(self.sentences[j] for j in p) for p in picks]
            body = "\n\n".join(texts)
            title = f"{self.titles[i % len(self.titles)]} ({i})"
            art = Article(
                article_id=f"scale-{i:06d}",
                title=title,
                text=body,
                date=f"{2015 + i % 11}-{1 + i % 12:02d}-{1 + i % 28:02d}",
                source=SOURCES[i % len(SOURCES)],
                path=f"scale/{i:06d}.txt",
                language="de",
            )
            chunks, pos = [], 0
            for n, (tx, p) in enumerate(zip(texts, picks)):
                spans, at = [], 0  # the sentence spans ingest stores with each chunk (the answer step reads them)
                for j in p:
                    spans.append((at, at + len(self.sentences[j])))
                    at += len(self.sentences[j]) + 1
                chunks.append(
                    Chunk(
                        f"{art.article_id}::{n:05d}",
                        art.article_id,
                        n,
                        tx,
                        pos,
                        pos + len(tx),
                        title=title,
                        sentences=spans,
                    )
                )
                pos += len(tx) + 2
            vecs = np.stack([self.vectors[p].sum(axis=0) for p in picks])
            vecs += self.rng.normal(0, 0.02, vecs.shape).astype(np.float32)
            vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
            self.made += k
            n_chunks -= k
            yield art, chunks, vecs.astype(np.float32)


def grow_store(res: Resources, corpus: ScaleCorpus, n_new: int) -> float:
    """Add n_new chunks with the records ChunkStore.write_articles makes (ids, chunk_metadata, texts, vectors)
    through Index.bulk_add (the store's upsert, in its batches; new articles: nothing older to delete)."""
    t = time.perf_counter()

    def groups(size: int = 1000):
        ids, vecs, docs, metas = [], [], [], []
        for art, chunks, v in corpus.articles(n_new):
            ids.extend(c.chunk_id for c in chunks)
            docs.extend(c.text for c in chunks)
            metas.extend(chunk_metadata(art, c, len(chunks), [art.path]) for c in chunks)
            vecs.append(v)
            if len(ids) >= size:
                yield ids, np.concatenate(vecs), docs, metas
                ids, vecs, docs, metas = [], [], [], []
        if ids:
            yield ids, np.concatenate(vecs), docs, metas

    res.index.bulk_add(groups())
    return time.perf_counter() - t


def bench_queries(res: Resources, settings: Settings, questions: list[str], warmup: int) -> dict:
    """ask() (extractive, hybrid) vs bare (query embedding + Chroma query, top_k) on the same store;
    interleaved per question so both see the same machine load; each question is new to the query cache."""
    model, coll, k = res.embedder.model, res.index.store.collection, settings.top_k  # bare: Chroma itself
    ask_ms, bare_ms = [], []
    for i, q in enumerate(questions):
        t = time.perf_counter()
        ask(q, settings, resources=res)
        a = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        v = model.encode([q], normalize_embeddings=True, convert_to_numpy=True)[0]
        coll.query(query_embeddings=[v], n_results=k, include=["documents", "metadatas", "distances"])
        b = (time.perf_counter() - t) * 1000
        if i >= warmup:
            ask_ms.append(a)
            bare_ms.append(b)
    return {
        "ask_p50_ms": pct(ask_ms, 50),
        "ask_p95_ms": pct(ask_ms, 95),
        "bare_p50_ms": pct(bare_ms, 50),
        "bare_p95_ms": pct(bare_ms, 95),
        "ask_vs_bare_p50": pct(ask_ms, 50) / pct(bare_ms, 50),
        "ask_vs_bare_p95": pct(ask_ms, 95) / pct(bare_ms, 95),
        "questions": len(ask_ms),
    }


def bench_add_one(res: Resources, articles, work: Path) -> dict:
    """Ingest one new article into the big store (the real ingest path, lexical index kept in step) vs bare
    encode of its chunks: shows what a single write costs as the store grows."""
    folder = work / f"add-one-{res.index.count()}"
    title, paragraphs = articles[len(articles) // 2]
    folder.mkdir(parents=True)
    p = folder / "neu.txt"
    n = res.index.count()  # a new title and text at every size: never unchanged, never a duplicate
    p.write_text(
        f"---\ntitle: {json.dumps(f'{title} (neu {n})', ensure_ascii=False)}\n---\n\n"
        + "\n\n".join(paragraphs)
        + f"\n\nStand: {n} Abschnitte.",
        encoding="utf-8",
    )
    lib = Library(res)
    from ingest.loaders import load

    texts = [embedding_text(a, c) for a in load(p).articles for c in lib.chunk(a)]
    t = time.perf_counter()
    res.embedder.model.encode(texts, batch_size=res.embedder.batch_size, normalize_embeddings=True)
    bare = time.perf_counter() - t
    t = time.perf_counter()
    lib.ingest([p])
    took = time.perf_counter() - t
    return {"add_one_s": took, "add_one_encode_s": bare, "add_one_vs_encode": bare / took}


def full_lexical_build(res: Resources) -> float:
    """Seconds to build the whole lexical index from the store (what a new machine, or a lost index, costs)."""
    scratch = res.settings.lexical_dir.with_name("lexical-scratch")
    t = time.perf_counter()
    res.index.build_lexical(scratch)
    took = time.perf_counter() - t
    shutil.rmtree(scratch, ignore_errors=True)
    return took


# --- 3. memory: a fresh process that opens the store and answers -----------------------------------------------
def probe(data_dir: str, questions_file: str, bare: bool) -> None:
    """Child process: open the store, answer the questions, print peak RSS in MB."""
    qs = json.loads(Path(questions_file).read_text(encoding="utf-8"))
    settings = Settings(data_dir=Path(data_dir), llm="extractive")
    res = Resources.open(settings)
    for q in qs:
        if bare:
            v = res.embedder.model.encode([q], normalize_embeddings=True)[0]
            res.index.store.collection.query(query_embeddings=[v], n_results=settings.top_k)  # bare: Chroma itself
        else:
            ask(q, settings, resources=res)
    print(json.dumps({"peak_rss_mb": peak_rss_mb()}))


def peak_rss_mb() -> float:
    """This process's peak resident memory: VmHWM, which starts afresh at exec. (ru_maxrss does not: a child
    started by a big parent reports the parent's peak — the first full run's 3.4 GB "bare" figure was that.)"""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_rss(data_dir: Path, questions: list[str], work: Path) -> dict:
    qf = work / "probe-questions.json"
    qf.write_text(json.dumps(questions, ensure_ascii=False), encoding="utf-8")
    out = {}
    for name, bare in (("bare", True), ("ask", False)):
        cmd = [sys.executable, str(Path(__file__).resolve()), "--probe", str(data_dir), str(qf)] + (
            ["--bare"] if bare else []
        )
        t = time.perf_counter()
        got = subprocess.run(cmd, capture_output=True, text=True, check=True)
        out[f"{name}_open_and_answer_s"] = time.perf_counter() - t
        out[f"{name}_rss_mb"] = json.loads(got.stdout.strip().splitlines()[-1])["peak_rss_mb"]
    return {
        "peak_rss_mb": out["ask_rss_mb"],
        "bare_rss_mb": out["bare_rss_mb"],
        "rss_vs_bare": out["ask_rss_mb"] / out["bare_rss_mb"],
        "open_and_answer_s": out["ask_open_and_answer_s"],
        "bare_open_and_answer_s": out["bare_open_and_answer_s"],
    }


def headline_figures(res, settings, embedder, questions: list[str], work: Path, tag: str, runs: int) -> dict:
    """At the headline size (10k quick, 100k full; and 1M): peak memory of a fresh answering process, a cold
    `quelle ask` against a cold bare answer, and a second process joining the store through a Chroma server."""
    n = res.index.count()
    log(f"memory: a fresh process opens the {n:,}-chunk store and answers …")
    out = {f"{k}_{tag}": v for k, v in measure_rss(settings.data_dir, questions[:20], work).items()}
    log(f"cold start: `quelle ask` in a fresh process on the {n:,}-chunk store ({runs} runs) …")
    out.update({f"{k}_{tag}": v for k, v in measure_cold(settings.data_dir, questions[20:], runs).items()})
    if tag != "1m":
        log("joining: a second process opens the store through a Chroma server …")
        out.update({f"{k}_{tag}": v for k, v in measure_join(settings, embedder, work).items()})
    return out


# --- plot / table ----------------------------------------------------------------------------------------------
def plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = [r["chunks"] for r in rows]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(9, 3.4))
    a1.plot(n, [r["ask_p50_ms"] for r in rows], "o-", label="ask() p50")
    a1.plot(n, [r["bare_p50_ms"] for r in rows], "s--", label="bare embed+Chroma p50")
    a1.set_xscale("log"), a1.set_xlabel("chunks"), a1.set_ylabel("ms per question"), a1.legend()
    a1.set_title("query latency")
    built = [r for r in rows if r["lexical_build_s"] is not None]
    a2.plot(
        [r["chunks"] for r in built], [r["lexical_build_s"] for r in built], "o-", label="lexical index from scratch"
    )
    a2.plot(n, [r["lexical_sync_s"] for r in rows], "d:", label="lexical sync after a bulk write")
    a2.plot(n, [r["add_one_s"] for r in rows], "s-", label="ingest 1 article (all of it)")
    a2.plot(n, [r["add_one_encode_s"] for r in rows], "^--", label="bare encode of its chunks")
    a2.set_xscale("log"), a2.set_xlabel("chunks"), a2.set_ylabel("seconds"), a2.legend()
    a2.set_title("write cost")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def check(figures: dict) -> dict:
    ok = {}
    for key, (op, target) in TARGETS.items():
        if key in figures:
            ok[key] = figures[key] >= target if op == ">=" else figures[key] <= target
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="ingest + query at 10k chunks only (< 5 min)")
    ap.add_argument("--xquad", type=Path, default=DEFAULT_XQUAD)
    ap.add_argument("--keep", type=Path, help="keep the stores in this folder instead of a temp dir")
    ap.add_argument("--plot", type=Path, default=ROOT / "bench" / "scaling.png")
    ap.add_argument(
        "--million",
        action="store_true",
        help="full run, then on to 300k and 1M chunks (news-de sentences added to the corpus; hours here)",
    )
    ap.add_argument("--news", type=Path, default=DEFAULT_NEWS, help="news-de articles.jsonl (for --million)")
    ap.add_argument("--questions", type=int, help="questions timed per store size (default 30 quick, 100 full)")
    ap.add_argument("--skip-ingest", action="store_true", help="leave out the ingest figures (long scaling runs)")
    ap.add_argument("--progress", type=Path, help="write the figures so far to this file after every store size")
    ap.add_argument("--probe", nargs=2, help=argparse.SUPPRESS)
    ap.add_argument("--bare", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.probe:
        probe(*args.probe, bare=args.bare)
        return 0
    if not args.xquad.exists():
        msg = f"skipped: XQuAD-de not found at {args.xquad} (pass --xquad PATH to xquad.de.json)"
        print(msg)
        print(json.dumps({"skipped": msg}))
        return 0
    t_start = time.perf_counter()
    work = args.keep or Path(tempfile.mkdtemp(prefix="quelle-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    articles, questions = load_xquad(args.xquad)
    random.Random(3).shuffle(questions)
    embedder = Embedder("bundled:all-MiniLM-L6-v2")
    embedder.model
    figures: dict = {
        "date": date.today().isoformat(),
        "mode": "quick" if args.quick else "full",
        "cores": os.cpu_count(),
        "load_avg_start": round(os.getloadavg()[0], 1),
    }

    log("ingest …")
    if not args.skip_ingest:
        ing = bench_ingest(embedder, articles, work, 48)  # all of XQuAD-de (656 chunks): 12 articles were too noisy
        figures.update({k: v for k, v in ing.items() if not isinstance(v, list)})
        log("searchable first, embedded after …")
        figures.update(bench_searchable(embedder, work, ing["encode_s"], embed_after=not args.quick))

    log("scale corpus …")
    source = articles
    if args.million:  # the news-de articles join XQuAD-de's: a million chunks need more sentences to vary
        source = articles + news_articles(args.news)[:NEWS_ARTICLES_1M]
    corpus = ScaleCorpus(embedder, source, max_sentences=600 if args.quick else None)
    figures["scale_sentences_embedded"] = len(corpus.sentences)
    settings = Settings(data_dir=work / "scale-store", llm="extractive")
    res = Resources.open(settings, embedder=embedder)
    sizes = [1_000, 10_000] if args.quick else [1_000, 10_000, 30_000, 100_000]
    if args.million:
        sizes += [300_000, 1_000_000]
    headline = 10_000 if args.quick else 100_000  # where memory, cold start and joining are measured
    n_q = args.questions or (30 if args.quick else 100)
    rows, qi = [], 0
    for size in sizes:
        log(f"store → {size:,} chunks …")
        write_s = grow_store(res, corpus, size - res.index.count())
        t = time.perf_counter()
        res.index.sync_lexical(force=True)  # what any reader does after a bulk write it did not make
        sync_s = time.perf_counter() - t
        build_s = full_lexical_build(res) if size <= 100_000 else None  # ~10 min at 1M: the curve shows its growth
        qs = questions[qi : qi + n_q + 5]
        qi += n_q + 5
        row = {
            "chunks": size,
            "write_s": write_s,
            "lexical_sync_s": sync_s,
            "lexical_build_s": build_s,
            **bench_queries(res, settings, qs, warmup=5),
        }
        row.update(bench_add_one(res, articles, work))
        rows.append(row)
        log(
            f"  {row['chunks']:>7,} chunks: ask p50 {row['ask_p50_ms']:.1f} ms, bare p50 {row['bare_p50_ms']:.1f} ms, "
            f"lexical sync {sync_s:.1f} s / from scratch {build_s or float('nan'):.1f} s, "
            f"add one article {row['add_one_s']:.1f} s"
        )
        if size in (headline, 1_000_000):
            tag = "1m" if size == 1_000_000 else f"{size // 1000}k"
            extra = headline_figures(res, settings, embedder, questions[-60:], work, tag, runs=1 if args.quick else 3)
            figures.update(extra)
            if tag == "1m":
                figures.update({"ask_p50_ms_1m": row["ask_p50_ms"], "add_one_s_1m": row["add_one_s"]})
        if args.progress:
            args.progress.write_text(json.dumps({**figures, "scaling": rows}, default=str), encoding="utf-8")
    at10k = rows[sizes.index(10_000)]
    figures.update(
        {
            "ask_vs_bare_p50": at10k["ask_vs_bare_p50"],
            "ask_vs_bare_p95": at10k["ask_vs_bare_p95"],
            "ask_p50_ms": at10k["ask_p50_ms"],
            "ask_p95_ms": at10k["ask_p95_ms"],
            "bare_p50_ms": at10k["bare_p50_ms"],
            "bare_p95_ms": at10k["bare_p95_ms"],
            "add_one_s_10k": at10k["add_one_s"],
            "lexical_build_s_10k": at10k["lexical_build_s"],
        }
    )
    big = rows[sizes.index(headline)]
    tag = f"{headline // 1000}k"
    if tag == "100k":
        figures.update(
            {
                f"{k}_100k": big[k]
                for k in (
                    "ask_vs_bare_p50",
                    "ask_vs_bare_p95",
                    "ask_p50_ms",
                    "ask_p95_ms",
                    "bare_p50_ms",
                    "add_one_s",
                    "add_one_encode_s",
                    "lexical_build_s",
                    "lexical_sync_s",
                )
            }
        )
    figures["scaling"] = [{k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items()} for r in rows]
    plot(rows, args.plot)
    figures["total_s"] = time.perf_counter() - t_start
    figures["ok"] = check(figures)
    figures["load_avg_end"] = round(os.getloadavg()[0], 1)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)

    print(f"{'figure':<28}{'value':>12}  {'baseline (same run)':<34}{'target':>10}")
    lines = (
        []
        if args.skip_ingest
        else [
            ("ingest_vs_encode", figures["ingest_vs_encode"], f"encode {figures['encode_chunks_per_s']:.1f} chunks/s"),
            ("reingest_ratio", figures["reingest_ratio"], f"first ingest {figures['ingest_s']:.1f} s"),
            ("searchable_vs_encode", figures["searchable_vs_encode"], f"encode {figures['encode_s']:.1f} s"),
        ]
    )
    lines += [
        ("ask_vs_bare_p50 (10k)", figures["ask_vs_bare_p50"], f"bare p50 {figures['bare_p50_ms']:.1f} ms"),
        ("ask_vs_bare_p95 (10k)", figures["ask_vs_bare_p95"], f"bare p95 {figures['bare_p95_ms']:.1f} ms"),
        ("ask_p50_ms (10k)", figures["ask_p50_ms"], "absolute"),
        (f"peak_rss_mb ({tag})", figures[f"peak_rss_mb_{tag}"], f"bare process {figures[f'bare_rss_mb_{tag}']:.0f} MB"),
    ]
    if tag == "100k":
        lines += [
            (
                "ask_vs_bare_p50 (100k)",
                figures["ask_vs_bare_p50_100k"],
                f"bare p50 {figures['bare_p50_ms_100k']:.1f} ms",
            ),
            ("ask_p50_ms (100k)", figures["ask_p50_ms_100k"], "absolute"),
        ]
    lines += [
        (f"cold_ask_s ({tag})", figures[f"cold_ask_s_{tag}"], f"cold bare {figures[f'cold_bare_s_{tag}']:.1f} s"),
        (f"join_s ({tag})", figures[f"join_s_{tag}"], f"from scratch {big['lexical_build_s']:.1f} s"),
    ]
    if "ask_p50_ms_1m" in figures:
        lines += [
            ("ask_p50_ms (1m)", figures["ask_p50_ms_1m"], f"bare p50 {rows[-1]['bare_p50_ms']:.1f} ms"),
            ("peak_rss_mb (1m)", figures["peak_rss_mb_1m"], f"bare process {figures['bare_rss_mb_1m']:.0f} MB"),
            ("add_one_s (1m)", figures["add_one_s_1m"], f"its encode {rows[-1]['add_one_encode_s']:.2f} s"),
            ("cold_ask_s (1m)", figures["cold_ask_s_1m"], f"cold bare {figures['cold_bare_s_1m']:.1f} s"),
        ]
    targets = {
        "ingest_vs_encode": "≥ 0.9",
        "reingest_ratio": "≤ 0.02",
        "searchable_vs_encode": "≥ 5",
        "ask_vs_bare_p50 (10k)": "≤ 3",
        "ask_vs_bare_p50 (100k)": "≤ 3",
        "ask_p50_ms (100k)": "≤ 100",
        "peak_rss_mb (100k)": "≤ 2048",
        "cold_ask_s (10k)": "≤ 3",
        "cold_ask_s (100k)": "≤ 3",
        "join_s (10k)": "≤ 2",
        "join_s (100k)": "≤ 10",
        "ask_p50_ms (1m)": "≤ 150",
        "peak_rss_mb (1m)": "≤ 4096",
        "add_one_s (1m)": "≤ 2",
    }
    for name, value, base in lines:
        print(f"{name:<28}{value:>12.3f}  {base:<34}{targets.get(name, ''):>10}")
    print(
        f"{'chunks':>9} {'ask p50':>9} {'ask p95':>9} {'bare p50':>9} {'ratio':>6} {'lex build':>10} {'lex sync':>9} "
        f"{'add 1 art':>10} {'its encode':>10}"
    )
    for r in rows:
        print(
            f"{r['chunks']:>9,} {r['ask_p50_ms']:>7.1f}ms {r['ask_p95_ms']:>7.1f}ms {r['bare_p50_ms']:>7.1f}ms "
            f"{r['ask_vs_bare_p50']:>6.2f} {r['lexical_build_s'] or float('nan'):>9.2f}s {r['lexical_sync_s']:>8.2f}s "
            f"{r['add_one_s']:>9.2f}s {r['add_one_encode_s']:>9.2f}s"
        )
    print(
        f"plot: {args.plot}  ·  {figures['total_s']:.0f} s  ·  load average {figures['load_avg_start']} → "
        f"{figures['load_avg_end']} on {figures['cores']} cores"
    )
    print(json.dumps({k: (round(v, 4) if isinstance(v, float) else v) for k, v in figures.items()}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
