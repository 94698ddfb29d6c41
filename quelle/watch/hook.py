"""The one call every face's write goes through: after an ingest or a sync pass, when the store's revision moved
(vectorstore/index.py: every write moves it), the due watched questions are asked again.

`quelle/library.py` calls `after_pass()` once per pass (`Library.one_pass()`: an ingest — CLI, the Artikel page,
POST /v1/articles — is one pass, a whole `quelle sync` run is one, however many batches it writes). A failure here
never fails the ingest: it is logged and recorded on the watch."""

from __future__ import annotations

import logging

from quelle.watch.check import CheckReport, check_all
from quelle.watch.store import WatchStore

log = logging.getLogger("quelle.watch")


def after_pass(resources, revision_before: str) -> CheckReport | None:
    """Check the due watches when the store changed since `revision_before`; None when nothing was to do."""
    try:
        if not WatchStore.of(resources.settings).exists() or resources.index.revision == revision_before:
            return None
        return check_all(resources, due_only=True)
    except Exception as e:  # the ingest is done and stored; a watch problem is not its failure
        log.warning("checking the watched questions failed: %s: %s", type(e).__name__, e)
        return None
