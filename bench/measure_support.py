"""Measure the per-sentence support check of quelle/answering/citations.py on XQuAD-de and pick its weight and threshold.

For every question: the gold-answer sentence (the paragraph sentence holding the answer) and a "claim"
(question + gold answer, lexically like an LLM paraphrase). Supported pairs: each vs its own paragraph.
Unsupported: each vs a paragraph of another article (and, reported separately, another paragraph of the
same article). Weight/threshold are fit on even-numbered questions and reported on odd ones.

    .venv/bin/python bench/measure_support.py [--xquad /work/shared/eval-data/xquad/xquad.de.json]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingest.sentences import sentence_spans  # noqa: E402
from quelle.answering.citations import lexical_support, passage_units  # noqa: E402
from quelle.evaluation.squad import load_squad  # noqa: E402
from vectorstore.embeddings import Embedder  # noqa: E402

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "eval-data" / "xquad" / "xquad.de.json"


def load(path: Path):
    """Paragraphs (article index, text) and, per question, its first answer and the sentence holding it; read by
    Quelle's one SQuAD reader (quelle.evaluation.squad)."""
    squad = load_squad(path)
    paragraphs, first = [], {}  # first: article_id -> index of its first paragraph in `paragraphs`
    for ai, art in enumerate(squad.articles):
        first[art.article_id] = len(paragraphs)
        paragraphs.extend((ai, ctx) for ctx in squad.paragraphs[art.article_id])
    items, spans_of = [], {}
    for q in squad.questions:
        if not q.spans:
            continue
        span = q.spans[0]
        i, offset = squad.paragraph_of(span)
        pi = first[span.article_id] + i
        ai, ctx = paragraphs[pi]
        start = span.start - offset
        spans = spans_of.setdefault(pi, sentence_spans(ctx, "de"))
        gold = next((ctx[s:e] for s, e in spans if s <= start < e), None)
        if gold:
            items.append({"q": q.question, "a": ctx[start : span.end - offset], "gold": gold, "p": pi, "art": ai})
    return paragraphs, items


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--xquad", type=Path, default=DEFAULT)
    ap.add_argument("--limit", type=int, default=0)
    args = ap.parse_args()
    rng = random.Random(0)
    paragraphs, items = load(args.xquad)
    if args.limit:
        items = items[: args.limit]
    by_art: dict[int, list[int]] = {}
    for pi, (ai, _) in enumerate(paragraphs):
        by_art.setdefault(ai, []).append(pi)
    for it in items:
        it["claim"] = f"{it['q'].rstrip('?').strip()}: {it['a']}."
        other_art = rng.choice([a for a in by_art if a != it["art"]])
        it["neg_other"] = rng.choice(by_art[other_art])
        same = [p for p in by_art[it["art"]] if p != it["p"]]
        it["neg_same"] = rng.choice(same) if same else None

    emb = Embedder("bundled:all-MiniLM-L6-v2")
    units = [passage_units([t], "de") for _, t in paragraphs]
    flat = [u for us in units for u in us]
    print(f"{len(items)} questions, {len(paragraphs)} paragraphs, {len(flat)} units; embedding...", file=sys.stderr)
    uvec = emb.embed_passages(flat)
    blocks, pos = [], 0
    for us in units:
        blocks.append(uvec[pos : pos + len(us)])
        pos += len(us)
    cvec = emb.embed_passages([it["claim"] for it in items])
    gvec = emb.embed_passages([it["gold"] for it in items])

    def pair(text, vec, p):
        return lexical_support(text, [paragraphs[p][1]], "de"), float(np.max(blocks[p] @ vec))

    rows = []  # (split, kind, label, lex, emb)
    for i, it in enumerate(items):
        split = "fit" if i % 2 == 0 else "test"
        rows.append((split, "claim", 1, *pair(it["claim"], cvec[i], it["p"])))
        rows.append((split, "claim", 0, *pair(it["claim"], cvec[i], it["neg_other"])))
        rows.append((split, "gold", 1, *pair(it["gold"], gvec[i], it["p"])))
        rows.append((split, "gold", 0, *pair(it["gold"], gvec[i], it["neg_other"])))
        if it["neg_same"] is not None:
            rows.append((split, "claim_same", 0, *pair(it["claim"], cvec[i], it["neg_same"])))
    R = np.array([(r[2], r[3], r[4]) for r in rows])
    split = np.array([r[0] for r in rows])
    kind = np.array([r[1] for r in rows])

    def bal_acc(mask, w, t):
        y, lex, e = R[mask, 0], R[mask, 1], R[mask, 2]
        pred = (w * lex + (1 - w) * e) >= t
        tpr = float(np.mean(pred[y == 1])) if (y == 1).any() else float("nan")
        tnr = float(np.mean(~pred[y == 0])) if (y == 0).any() else float("nan")
        return (tpr + tnr) / 2, tpr, tnr

    fit = (split == "fit") & (kind == "claim")
    test = (split == "test") & (kind == "claim")
    thresholds = np.round(np.arange(0.0, 1.0001, 0.01), 2)
    best = max(((bal_acc(fit, w, t)[0], w, t) for w in np.round(np.arange(0, 1.0001, 0.1), 1) for t in thresholds))
    _, w, t = best
    lex_only = max((bal_acc(fit, 1.0, t2)[0], t2) for t2 in thresholds)
    emb_only = max((bal_acc(fit, 0.0, t2)[0], t2) for t2 in thresholds)
    out = {
        "questions": len(items),
        "weight": float(w),
        "threshold": float(t),
        "test_claim": bal_acc(test, w, t),
        "test_lexical_only": bal_acc(test, 1.0, lex_only[1]),
        "test_embedding_only": bal_acc(test, 0.0, emb_only[1]),
        "gold_sentence": bal_acc(kind == "gold", w, t),
        "claim_vs_same_article_rejected": bal_acc((kind == "claim_same") | ((kind == "claim") & (R[:, 0] == 1)), w, t)[
            2
        ],
    }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
