"""`quelle watch export`: every watch with its settings and all its versions (both answers, citations, dates,
delivery state) as one JSON document — what `quelle watch list --json` prints, with a header."""

from __future__ import annotations

from quelle.watch.store import WatchStore, now

FORMAT = "quelle-watches/1"


def export(store: WatchStore) -> dict:
    watches = store.watches()
    return {
        "format": FORMAT,
        "exported": now(),
        "watches": [w.to_dict() for w in watches],
        "versions": sum(len(w.versions) for w in watches),
    }
