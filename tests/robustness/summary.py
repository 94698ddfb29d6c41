"""Run the torture suite and print the "Reliability" numbers of docs/performance.md from that run.

    .venv/bin/python tests/robustness/summary.py          # prints a Markdown block

Every test records the bad inputs it tried (checks.record -> $QUELLE_ROBUSTNESS_LOG, one JSON line each); the
pytest result counts crashes: a failed test is a crash or a wrong outcome.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "tally.jsonl"
        t0 = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/robustness"],
            cwd=ROOT,
            env={**os.environ, "QUELLE_ROBUSTNESS_LOG": str(log)},
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - t0
        rows = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()] if log.exists() else []
    closing = next((ln for ln in reversed(proc.stdout.splitlines()) if re.search(r"\d+ (passed|failed)", ln)), "")
    counts = {k: int(n) for n, k in re.findall(r"(\d+) (passed|failed|skipped|error)", closing)}
    groups = Counter(r["group"] for r in rows)
    lost = sum(r.get("lost_chunks", 0) for r in rows)
    extra = sum(r.get("extra_chunks", 0) for r in rows)
    crash = next((r for r in rows if r["group"] == "crash" and "chunks_at_kill" in r), None)
    conc = next((r for r in rows if "answers" in r), None)
    print(
        f"Run on {datetime.date.today().isoformat()} (`.venv/bin/python tests/robustness/summary.py`, "
        f"{seconds:.0f} s): **{len(rows)} bad inputs and situations tried** — "
        + ", ".join(f"{n} {g}" for g, n in sorted(groups.items()))
        + "."
    )
    print(
        f"pytest: {counts.get('passed', 0)} passed, {counts.get('failed', 0) + counts.get('error', 0)} failed, "
        f"{counts.get('skipped', 0)} skipped → **{counts.get('failed', 0) + counts.get('error', 0)} crashes, "
        f"{lost} lost chunks, {extra} doubled chunks**."
    )
    if crash:
        print(
            f"`kill -9` landed after {crash['chunks_at_kill']} of {crash['chunks']} chunks; the rerun gave the clean "
            "store exactly (same article ids, chunk counts, chunk ids, lexical index in step)."
        )
    if conc:
        print(
            f"Concurrency: {conc['answers']} answers from 8 threads, {conc['answers_while_writing']} of them while "
            f"another process was writing, {conc['errors']} exceptions."
        )
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
