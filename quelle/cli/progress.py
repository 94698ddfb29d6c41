"""tqdm progress bars on stderr for the CLI's long runs (ingest, sync): one bar per kind of work, hidden when stderr
is not a terminal, closed at the end."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Callable, Iterator


@contextmanager
def bars(labels: dict[str, tuple[str, str]]) -> Iterator[Callable[..., None]]:
    """Yields update(what, done, total, description=None); `labels[what]` = (bar title, unit). Unknown kinds are
    shown under their own name."""
    from tqdm import tqdm

    shown: dict[str, tqdm] = {}

    def update(what: str, done: int, total: int, description: str | None = None) -> None:
        if what not in shown:
            desc, unit = labels.get(what, (what, what))
            shown[what] = tqdm(
                total=total,
                desc=desc,
                unit=unit,
                disable=None,
                file=sys.stderr,
                position=len(shown),
                leave=True,
                dynamic_ncols=True,
            )
        bar = shown[what]
        if description:
            bar.set_description(description, refresh=False)
        bar.total = max(total, done)
        bar.n = done
        bar.refresh()

    try:
        yield update
    finally:
        for bar in shown.values():
            bar.close()
