"""The lexical side at a million chunks without writing a million chunks to Chroma: the segments of a saved index
(e.g. the 10k store of `bench/run.py --quick --keep DIR`) copied N times under new chunk and article ids, then, in
this process: opening the index, scoring and searching real questions, and the lexical part of adding one article
(`LexicalIndex.synced` over its chunks: a new segment, the manifest saved), and joining through a shared folder
(the index published, then fetched into an empty folder: copied, checked, opened). Peak RSS is this process's.

    .venv/bin/python bench/lexical_million.py DIR/scale-store/lexical --copies 100 --work /tmp/lex1m

The copies share postings (every term's document frequency is multiplied by N), so scores differ from a real
1M-chunk index but the work per question — the postings a question touches, the arrays over every row — is that
of one. The merge policy would have made 20,000-chunk segments of the copies; they are left as they are (more,
smaller segments: per-segment costs are counted more often, not less). Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.run import DEFAULT_XQUAD, load_xquad, peak_rss_mb  # noqa: E402
from vectorstore import lexical as lexical_module  # noqa: E402
from vectorstore.lexical import MANIFEST, LexicalIndex  # noqa: E402
from vectorstore.published import PublishedIndex  # noqa: E402
from vectorstore.segment import ROWS, signature  # noqa: E402
from vectorstore.store import StoredChunk  # noqa: E402


def replicate(source: Path, work: Path, copies: int) -> int:
    manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    entries, rows_total = [], 0
    for k in range(copies):
        for entry in manifest["segments"]:
            name = f"{entry['name']}x{k:04d}"
            shutil.copytree(source / f"seg-{entry['name']}", work / f"seg-{name}")
            rows = json.loads((work / f"seg-{name}" / ROWS).read_text(encoding="utf-8"))
            rows["ids"] = [f"{cid}#{k}" for cid in rows["ids"]]
            rows["article_id"] = [f"{a}#{k}" for a in rows["article_id"]]
            (work / f"seg-{name}" / ROWS).write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
            entries.append({"name": name, "dead": entry["dead"]})
            rows_total += len(rows["ids"])
    out = {"format": manifest["format"], "revision": "replicated", "segments": entries}
    (work / MANIFEST).write_text(json.dumps(out), encoding="utf-8")
    return rows_total


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("source", type=Path, help="a saved lexical index folder")
    ap.add_argument("--copies", type=int, default=100)
    ap.add_argument("--work", type=Path, default=Path("/tmp/quelle-lexical-1m"))
    ap.add_argument("--xquad", type=Path, default=DEFAULT_XQUAD)
    ap.add_argument("--questions", type=int, default=100)
    args = ap.parse_args()
    t = time.perf_counter()
    rows = replicate(args.source, args.work, args.copies)
    print(f"{rows:,} rows in {args.work} ({time.perf_counter() - t:.0f} s)", file=sys.stderr)

    t = time.perf_counter()
    index = LexicalIndex.load(args.work)
    load_s = time.perf_counter() - t
    assert index is not None and len(index) == rows, "the replicated index did not load"
    articles, questions = load_xquad(args.xquad)
    ms, sample = [], index.ids[:: max(1, rows // 50)]  # hybrid also scores the dense side's hits
    for q in questions[: args.questions]:
        t = time.perf_counter()
        hits = index.search(q, 50)
        index.score_of(q, [cid for cid, _ in hits] + sample)
        ms.append((time.perf_counter() - t) * 1000)

    # the lexical part of adding one article: its chunks indexed, a new segment saved with the manifest
    title, paragraphs = articles[0]
    chunks = [
        StoredChunk(f"neu::{i:05d}", p, {"article_id": "neu", "title": title, "language": "de", "content_hash": "n"})
        for i, p in enumerate(paragraphs)
    ]
    lexical_module.MAX_SEGMENTS = 10**6  # no merges of the copies (see the docstring)
    t = time.perf_counter()
    grown = index.synced(
        {c.chunk_id: signature(c.meta) for c in chunks},
        lambda ids: [c for c in chunks if c.chunk_id in ids],
        "rev2",
        scope={"neu"},
    )
    add_s = time.perf_counter() - t
    assert len(grown) == rows + len(chunks)
    # joining through a shared folder (vectorstore/published.py): publish this index, fetch it into an empty folder
    shared = PublishedIndex(args.work.with_name(args.work.name + "-shared"))
    shutil.rmtree(shared.directory, ignore_errors=True)
    t = time.perf_counter()
    shared.publish(index)
    publish_s = time.perf_counter() - t
    joined_dir = args.work.with_name(args.work.name + "-joined")
    shutil.rmtree(joined_dir, ignore_errors=True)
    t = time.perf_counter()
    joined = shared.fetch(index.revision, joined_dir)
    fetch_s = time.perf_counter() - t
    assert len(joined) == len(index)
    figures = {
        "rows": rows,
        "publish_s": publish_s,
        "join_fetch_s": fetch_s,
        "segments": len(index.segments),
        "load_s": load_s,
        "lexical_p50_ms": statistics.median(ms),
        "lexical_p95_ms": sorted(ms)[int(0.95 * (len(ms) - 1))],
        "add_one_lexical_s": add_s,
        "peak_rss_mb": peak_rss_mb(),
        "index_mb": sum(p.stat().st_size for p in args.work.rglob("*") if p.is_file()) / 2**20,
    }
    print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in figures.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
