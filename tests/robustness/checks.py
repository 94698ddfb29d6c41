"""What every torture test asserts about the store and about messages."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

# a message that is a bare Python exception ("KeyError: 'x'") or a traceback is a crash, not an explanation
_CRASHY = re.compile(r"^\s*[A-Z]\w*(Error|Exception)\b|Traceback \(most recent call last\)")


def snapshot(resources) -> dict[str, tuple[str, str, str]]:
    """chunk_id -> (article_id, content_hash, text) of everything stored."""
    got = resources.store.collection.get(include=["documents", "metadatas"])
    return {
        cid: (m.get("article_id", ""), m.get("content_hash", ""), doc or "")
        for cid, doc, m in zip(got["ids"], got["documents"], got["metadatas"])
    }


def assert_lexical_in_step(resources) -> None:
    resources.retriever.sync_lexical()
    lexical = resources.retriever.lexical
    assert len(lexical) == resources.store.count()
    assert set(lexical.ids) == set(resources.store.collection.get(include=[])["ids"])


def assert_clear_message(message: str) -> None:
    assert message.strip(), "no message"
    assert not _CRASHY.search(message), f"a crash, not an explanation: {message!r}"


ROOT = Path(__file__).resolve().parents[2]


def record(group: str, kind: str, outcome: str, **extra) -> None:
    """Tally one bad input tried (for tests/robustness/summary.py): a JSON line appended to
    $QUELLE_ROBUSTNESS_LOG when that is set, nothing otherwise."""
    target = os.environ.get("QUELLE_ROBUSTNESS_LOG")
    if target:
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(
                json.dumps({"group": group, "input": kind, "outcome": outcome, **extra}, ensure_ascii=False) + "\n"
            )


def cli_env(data_dir: Path, **extra: str) -> dict:
    env = {
        **os.environ,
        "QUELLE_DATA_DIR": str(data_dir),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "COLUMNS": "300",
        **extra,
    }
    return env
