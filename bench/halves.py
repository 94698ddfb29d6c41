"""Compare two `quelle eval` runs on the two article halves (the split of bench/fit_answer.py and bench/bands.py).

    .venv/bin/python bench/halves.py out/news-before/results.jsonl out/news-after/results.jsonl [--lang de]

Per half (crc32 of the article id, mod 2): answerable questions, answer_contains of the shown answer, of the first
sentence alone, answerable abstained, hit@1, and unanswerable questions abstained / given a sure answer; then the
questions whose first-sentence result or abstention changed. A rule is kept when neither half loses.
"""

from __future__ import annotations

import argparse
import json
import zlib
from pathlib import Path

from bands import article_of  # the same split as bench/bands.py (this folder is on the path when run as a script)


def load(path: Path, lang: str) -> dict[str, dict]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if lang:
        rows = [r for r in rows if (r.get("lang") or "de") == lang]
    return {str(r["id"]): r for r in rows}


def figures(rows: list[dict]) -> dict:
    a = [r for r in rows if not r["unanswerable"]]
    u = [r for r in rows if r["unanswerable"]]

    def share(xs):
        return round(sum(xs) / len(xs), 3) if xs else None

    return {
        "n": len(a),
        "contains": share([float(r.get("answer_contains") or 0) for r in a]),
        "first": share([float(r.get("answer_contains_first") or 0) for r in a]),
        "abstained": share([bool(r["abstained"]) for r in a]),
        "hit@1": share([r.get("hit_rank") == 1 for r in a]),
        "unanswerable": f"{sum(bool(r['abstained']) for r in u)} abstained, "
        f"{sum((r.get('band') or ('none' if r['abstained'] else 'sure')) == 'sure' for r in u)} sure of {len(u)}",
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("before", type=Path)
    ap.add_argument("after", type=Path)
    ap.add_argument("--lang", default="de", help="only rows of this gold `lang` ('' for all)")
    a = ap.parse_args()
    before, after = load(a.before, a.lang), load(a.after, a.lang)
    ids = [i for i in before if i in after]
    half = {i: zlib.crc32(article_of(before[i]).encode()) % 2 for i in ids}
    for h in (0, 1):
        part = [i for i in ids if half[i] == h]
        print(f"half {h}: before {figures([before[i] for i in part])}")
        print(f"        after  {figures([after[i] for i in part])}")
    for i in ids:
        x, y = before[i], after[i]
        if x.get("answer_contains_first") != y.get("answer_contains_first") or x["abstained"] != y["abstained"]:
            print(
                f"  {i} (half {half[i]}): first {x.get('answer_contains_first')} -> {y.get('answer_contains_first')}, "
                f"abstained {x['abstained']} -> {y['abstained']}: {x['question'][:80]}"
            )


if __name__ == "__main__":
    main()
