"""The one call every face's write goes through: after an ingest or a sync pass, when the store's revision moved
(vectorstore/index.py: every write moves it), the due watched questions are asked again.

`quelle/library.py` calls `before_pass()` and `after_pass()` once per pass (`Library.one_pass()`: an ingest — CLI, the Artikel page,
POST /v1/articles — is one pass, a whole `quelle sync` run is one, however many batches it writes). A failure here
never fails the ingest: it is logged and recorded on the watch."""

from __future__ import annotations

import logging

from quelle.watch.check import CheckReport, check_all
from quelle.watch.store import WatchStore

log = logging.getLogger("quelle.watch")


def before_pass(resources) -> str | None:
    """The store's revision as a pass begins; None when nothing is watched (then the pass costs nothing more)."""
    try:
        return resources.index.revision if WatchStore.of(resources.settings).exists() else None
    except Exception as e:  # the pass itself will say what is wrong with the store
        log.warning("reading the store's revision failed: %s: %s", type(e).__name__, e)
        return None


def after_pass(resources, revision_before: str | None) -> CheckReport | None:
    """Check the due watches when the store changed since `revision_before`; None when nothing was to do."""
    if revision_before is None:
        return None
    try:
        if resources.index.revision == revision_before:
            return None
        return check_all(resources, due_only=True)
    except Exception as e:  # the ingest is done and stored; a watch problem is not its failure
        log.warning("checking the watched questions failed: %s: %s", type(e).__name__, e)
        return None
