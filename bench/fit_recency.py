"""Fit the recency half-life (quelle/timeaware/reports.py HALF_LIFE_DAYS) and the report lag (quelle/timeaware/
answers.py REPORT_LAG_DAYS) on the fit stories of data/dated and report them on the held-out stories (issue 20: „decay
measured, not guessed“; the regression of the first version: a question's date is the event time, the report comes
after it).

    .venv/bin/python bench/fit_recency.py [--data-dir /tmp/dated] [--json out.json] [--half-life 90]

The dated corpus (data/dated/articles: 8 stories of 4 articles each, 2024–2025, plus 5 event-time stories whose
articles report the previous period's figures) is ingested into DATA_DIR (default /tmp/dated; idempotent). Gold rows
(data/dated/gold_fit.jsonl: 4 + 3 stories, 22 rows; gold_heldout.jsonl: 4 + 2 other stories, 21 rows; event-time rows
carry "kind": "event_time") carry `as_of`, the answer valid on that date (or for the period asked), and the
`outdated` values. Scores per configuration:

- `newest_fact`: the first answer sentence holds the gold answer and none of the outdated values (quelle eval's
  metric of the same name);
- `mrr_newest`: 1 / rank of the gold article among the passages the answer was read from (0 when absent) — the
  continuous part of the objective, since the conflict rule alone often finds the newest report anyway.

Configurations: `before` (time words ignored: the answer as before issue 20), `cut` (the reference date and date
filters, no decay, no conflict rule), `decay=H` (+ the decay with half-life H days, no conflict rule), `full=H`
(+ the conflict rule). 1. H on all fit rows by (newest_fact of full, newest_fact of decay, mrr_newest of decay); on a
tie the longest half-life (the mildest change to relevance ranking); `--half-life` skips this grid. 2. The lag L on
the fit rows that name a period (they alone are affected), everything on, H fitted: by (newest_fact, mrr_newest); on a
tie the shortest lag (the narrowest window).

Result (2026-11, the tree's extractive reader): H = 90 d, L = 45 d. Lag grid (10 fit rows with a period,
newest_fact): 0 d 0.4, 7 d 0.4, 14 d 0.6, 21 d 0.7, 30 d 0.9, 45/60/90 d 1.0, 120 d 0.9, 180 d 0.8, 365 d 0.8.
newest_fact fit before/cut/decay/full 0.500/0.591/0.909/1.000; held-out 0.381/0.667/0.952/1.000 (the first 4
held-out stories alone 1.000; held-out rows with a period 0.556 with lag 0 → 1.000 with 45 d). The demo set
(`quelle --data-dir /tmp/demoidx eval data/demo/gold.jsonl`): answer_contains_first_answerable 0.731 with lag 0 →
0.808 (as before issue 20).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from quelle.answering.pipeline import ask  # noqa: E402
from quelle.evaluation.gold import read_gold  # noqa: E402
from quelle.evaluation.runner import Outcome, newest_fact  # noqa: E402
from quelle.library import Library  # noqa: E402
from quelle.resources import Resources  # noqa: E402
from quelle.settings import Settings  # noqa: E402
from quelle.timeaware import answers, reports  # noqa: E402
from quelle.timeaware.dates import question_dates  # noqa: E402

GRID = [7, 14, 30, 60, 90, 180, 365, 730, 1825, 3650]
LAG_GRID = [0, 7, 14, 21, 30, 45, 60, 90, 120, 180, 365]
DATED = ROOT / "data" / "dated"


def run(questions, settings, res, half_life, conflicts: bool, time_aware: bool = True, lag: int | None = None) -> dict:
    saved_h, saved_c, saved_l = reports.HALF_LIFE_DAYS, answers.conflicting, answers.REPORT_LAG_DAYS
    reports.HALF_LIFE_DAYS = half_life
    if lag is not None:
        answers.REPORT_LAG_DAYS = lag
    if not conflicts:
        answers.conflicting = lambda found: []
    try:
        scores, ranks = [], []
        for q in questions:
            s = settings.with_(as_of=q.extra["as_of"])
            a = ask(q.question, s, resources=res, time_aware=time_aware)
            out = Outcome(a.answer, a.abstained, a.backend, [], [], 0.0, sentences=[x.text for x in a.sentences])
            scores.append(newest_fact(q, out))
            order = list(dict.fromkeys(p.article_id for p in a.retrieved))
            ranks.append(1.0 / (order.index(q.source) + 1) if q.source in order else 0.0)
        if not questions:
            return {}
        return {
            "newest_fact": round(sum(scores) / len(scores), 4),
            "mrr_newest": round(sum(ranks) / len(ranks), 4),
            "n": len(questions),
            "wrong": [q.id for q, x in zip(questions, scores) if not x],
        }
    finally:
        reports.HALF_LIFE_DAYS, answers.conflicting, answers.REPORT_LAG_DAYS = saved_h, saved_c, saved_l


def dated_period(q) -> bool:
    """The gold row's question names a period (a date filter applies, so the report lag matters)."""
    return question_dates(q.question, dt.date.fromisoformat(q.extra["as_of"])) is not None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-dir", default="/tmp/dated")
    ap.add_argument("--json", default=None)
    ap.add_argument("--half-life", type=float, default=None, help="skip the half-life grid, use this one")
    args = ap.parse_args()
    settings = Settings(data_dir=Path(args.data_dir), llm="extractive")
    res = Resources.open(settings)
    Library(res).ingest([DATED / "articles"])
    fit, held = read_gold(DATED / "gold_fit.jsonl"), read_gold(DATED / "gold_heldout.jsonl")
    # 1. the half-life, on all fit rows (it acts on current-state questions only)
    table = {}
    for h in [args.half_life] if args.half_life else GRID:
        table[h] = {"decay": run(fit, settings, res, h, conflicts=False), "full": run(fit, settings, res, h, True)}
        print(f"fit  H={h:>5}: decay {table[h]['decay']}  full {table[h]['full']}", file=sys.stderr)
    best = max(
        table,
        key=lambda h: (
            table[h]["full"]["newest_fact"],
            table[h]["decay"]["newest_fact"],
            table[h]["decay"]["mrr_newest"],
            h,
        ),
    )
    # 2. the report lag, on the fit rows that name a period (it acts on those only), with the fitted half-life
    fit_p, held_p = [q for q in fit if dated_period(q)], [q for q in held if dated_period(q)]
    lags = {lag: run(fit_p, settings, res, best, True, lag=lag) for lag in LAG_GRID}
    for lag, r in lags.items():
        print(f"fit  lag={lag:>4}: {r}", file=sys.stderr)
    lag = min(LAG_GRID, key=lambda x: (-lags[x]["newest_fact"], -lags[x]["mrr_newest"], x))
    held_old = [q for q in held if q.extra.get("kind") != "event_time"]
    report = {
        "half_life_days": best,
        "report_lag_days": lag,
        "fit": {
            "before": run(fit, settings, res, None, True, time_aware=False),
            "cut": run(fit, settings, res, None, False, lag=lag),
            "decay": table[best]["decay"],
            "full": run(fit, settings, res, best, True, lag=lag),
            "grid": {h: table[h] for h in table},
            "lag_grid": lags,
        },
        "heldout": {
            "before": run(held, settings, res, None, True, time_aware=False),
            "cut": run(held, settings, res, None, False, lag=lag),
            "decay": run(held, settings, res, best, False, lag=lag),
            "full": run(held, settings, res, best, True, lag=lag),
            "full_no_lag": run(held, settings, res, best, True, lag=0),
            "periods_full": run(held_p, settings, res, best, True, lag=lag),
            "periods_no_lag": run(held_p, settings, res, best, True, lag=0),
            "first_stories_full": run(held_old, settings, res, best, True, lag=lag),
        },
    }
    for name, r in report["heldout"].items():
        print(f"held-out {name:>18}: {r}", file=sys.stderr)
    text = json.dumps(report, ensure_ascii=False)
    if args.json:
        Path(args.json).write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
