"""The evidence stage against the first stage on real questions (issue 32, item 5).

`ask()` with the sentence-evidence stage (QUELLE_RERANK=0.5, the default) against `ask()` without it (rerank 0), the
same news-de development questions. *Cold*: each mode in a fresh process of its own, every question once (the
passages' sentences, names and credits are analysed for the first time, as in a fresh `quelle ask`). *Warm*: one
process asks every question without and with the stage, then again, and the second pair counts (what a long-running
`quelle serve` or the app pays for questions over passages it has read before). Needs a news-de store (`quelle --data-dir /tmp/newsde ingest …/articles.jsonl`).

    .venv/bin/python bench/evidence_stage.py --store /tmp/newsde --questions ../shared/eval-data/news-de/questions.jsonl

Prints a table and, as the last line, one JSON object: `evidence_vs_first_stage_p50` / `_p95` (warm; targets ≤ 2 and
≤ 3) and the same keys with `_cold`.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path


def _pass(questions, settings, resources) -> list[float]:
    from quelle.answering.pipeline import ask

    out = []
    for q in questions:
        t = time.perf_counter()
        ask(q, settings, resources=resources)
        out.append((time.perf_counter() - t) * 1000)
    return out


def _pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p * (len(s) - 1))))]


def _cold(args, share: float) -> list[float]:
    """One cold pass in a fresh process."""
    cmd = [sys.executable, __file__, "--store", str(args.store), "--questions", str(args.questions)]
    out = subprocess.run([*cmd, "--limit", str(args.limit), "--cold", str(share)], capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--store", type=Path, required=True, help="data directory of a news-de store")
    ap.add_argument("--questions", type=Path, required=True, help="news-de questions.jsonl")
    ap.add_argument("--limit", type=int, default=40, help="questions asked (default 40)")
    ap.add_argument("--cold", type=float, default=None, help=argparse.SUPPRESS)  # one cold pass at this rerank
    args = ap.parse_args()
    from quelle.resources import Resources
    from quelle.settings import Settings

    if not args.questions.is_file():
        raise SystemExit(f"{args.questions}: no such file")
    rows = [json.loads(line) for line in args.questions.read_text(encoding="utf-8").splitlines() if line.strip()]
    questions = [r["question"] for r in rows][: args.limit]
    base = Settings(data_dir=args.store)
    resources = Resources.open(base)
    _pass(["Wo plant Alibaba neue Rechenzentren?"], base, resources)  # model, HanTa and the store opened
    without, with_stage = base.with_(rerank=0.0), base.with_(rerank=0.5)
    if args.cold is not None:
        print(json.dumps(_pass(questions, base.with_(rerank=args.cold), resources)))
        return
    cold = tuple(_cold(args, share) for share in (0.0, 0.5))
    _pass(questions, without, resources), _pass(questions, with_stage, resources)  # the first pair reads everything
    warm = (_pass(questions, without, resources), _pass(questions, with_stage, resources))
    figures = {}
    for name, (a, b) in (("_cold", cold), ("", warm)):
        for p, key in ((0.5, "p50"), (0.95, "p95")):
            figures[f"evidence_vs_first_stage_{key}{name}"] = round(_pct(b, p) / _pct(a, p), 2)
            figures[f"ask_{key}_ms_without{name}"] = round(_pct(a, p), 1)
            figures[f"ask_{key}_ms_with{name}"] = round(_pct(b, p), 1)
    figures["questions"] = len(questions)
    figures["ok"] = {
        "evidence_vs_first_stage_p50": figures["evidence_vs_first_stage_p50"] <= 2,
        "evidence_vs_first_stage_p95": figures["evidence_vs_first_stage_p95"] <= 3,
    }
    for k, v in figures.items():
        if k != "ok":
            print(f"{k:40} {v}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
