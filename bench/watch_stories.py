"""Watched questions over a real store (issue 33, the evaluation): stories built from a gold question file.

For each question whose gold answer holds a number that its source article states, two steps are replayed through
quelle.watch.story.replay (the same Library → hook → check path as a sync):
  1. a syndicated copy of the source article (another outlet, another id, its first sentence cut unless it holds
     the answer, the same date)            → expected: no new version;
  2. an update: the source article with the figure changed (another id, a later date, „Update:“ title)
                                           → expected: a new version with the new value.
The store is a COPY the script makes (`--store` is read only). Prints one JSON line at the end.

    .venv/bin/python bench/watch_stories.py --store /tmp/newsde \\
        --questions ../shared/eval-data/news-de/questions.jsonl --articles ../shared/eval-data/news-de/articles.jsonl
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def changed(figure: str) -> str:
    """Another figure of the same spelling: 74 -> 149, 3,5 -> 7,5."""
    head, sep, tail = figure.partition(",") if "," in figure else (figure, "", "")
    digits = head.replace(".", "")
    return f"{int(digits) * 2 + 1}{sep}{tail}"


def stories(questions: list[dict], articles: dict[str, dict], limit: int) -> list[dict]:
    out = []
    for q in questions:
        art = articles.get(q.get("source", ""))
        figures = [m.group(0) for a in q.get("answers") or [] for m in NUMBER.finditer(a)]
        if not art or not figures or figures[0] not in art["text"]:
            continue
        figure = figures[0]
        sentences = re.split(r"(?<=[.!?])\s+", art["text"])
        copy = (
            " ".join(sentences[1:]) if figure not in sentences[0] and len(sentences) > 2 else " ".join(sentences[:-1])
        )
        if figure not in copy:
            continue
        new = changed(figure)
        base = {"date": art.get("date", ""), "source": art.get("source", "")}  # the copy: the original's day
        out.append(
            {
                "question": q["question"],
                "id": q["id"],
                "figure": figure,
                "new": new,
                "original": {**base, "id": art["id"], "title": art["title"], "text": art["text"]},
                "steps": [
                    {
                        "label": "copy",
                        "expect": "same",
                        "articles": [
                            {
                                **base,
                                "id": f"{art['id']}-kopie",
                                "source": "Agentur-Kopie",
                                "url": f"https://example.net/{art['id']}",
                                "title": art["title"],
                                "text": copy,
                            }
                        ],
                    },
                    {
                        "label": "update",
                        "expect": "change",
                        "articles": [
                            {
                                "id": f"{art['id']}-update",
                                "date": "2026-12-01",
                                "source": art.get("source", ""),
                                "title": "Update: " + art["title"],
                                "text": art["text"].replace(figure, new),
                            }
                        ],
                    },
                ],
            }
        )
        if len(out) >= limit:
            break
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", type=Path, required=True, help="a built news-de store (copied, never written)")
    ap.add_argument("--questions", type=Path, required=True)
    ap.add_argument("--articles", type=Path, required=True)
    ap.add_argument("--limit", type=int, default=20)
    ap.add_argument(
        "--current",
        action="store_true",
        help="experiment: ask each question as a current-state question („… aktuell?“), which the time-aware stage "
        "answers from the newest report",
    )
    args = ap.parse_args()

    from quelle.resources import Resources
    from quelle.settings import Settings
    from quelle.watch.fact import numbers
    from quelle.watch.story import replay
    from quelle.watch.store import WatchStore

    questions = [json.loads(line) for line in args.questions.read_text(encoding="utf-8").splitlines() if line.strip()]
    articles = {a["id"]: a for a in map(json.loads, args.articles.read_text(encoding="utf-8").splitlines()) if a}
    chosen = stories(questions, articles, args.limit)
    if args.current:
        for s in chosen:
            s["question"] = s["question"].rstrip(" ?") + " aktuell?"
    with tempfile.TemporaryDirectory(prefix="watch-stories-") as tmp:
        data = Path(tmp) / "index"
        shutil.copytree(args.store, data)
        res = Resources.open(Settings(data_dir=data, llm="extractive"))
        rows, t0 = [], time.perf_counter()
        for s in chosen:
            run = replay(s, res)
            first = run.versions[0]
            copy_step, update_step = run.steps
            rows.append(
                {
                    "id": s["id"],
                    "first_value_right": numbers(s["figure"])[0] in (first["value"] or "").split(),
                    "copy_quiet": copy_step.version is None,
                    "update_found": update_step.version is not None,
                    "update_value_right": bool(update_step.version)
                    and numbers(s["new"])[0] in (update_step.version["value"] or "").split(),
                    "update_cause": (update_step.version or {}).get("cause", {}) or {},
                }
            )
            for w in WatchStore.of(
                res.settings
            ).watches():  # one watch at a time: the next story's hook asks only its own
                WatchStore.of(res.settings).remove(w.id)
            print(json.dumps(rows[-1], ensure_ascii=False), file=sys.stderr)
        seconds = time.perf_counter() - t0
    right = [r for r in rows if r["first_value_right"]]
    summary = {
        "stories": len(rows),
        "first_answer_right": len(right),
        "copy_quiet": sum(r["copy_quiet"] for r in rows),
        "update_found": sum(r["update_found"] for r in rows),
        "update_value_right": sum(r["update_value_right"] for r in rows),
        "of_first_right": {
            "copy_quiet": sum(r["copy_quiet"] for r in right),
            "update_found": sum(r["update_found"] for r in right),
            "update_value_right": sum(r["update_value_right"] for r in right),
        },
        "seconds": round(seconds, 1),
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
