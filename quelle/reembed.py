"""`quelle reembed`: embed every stored chunk again with the configured model (issue 31, docs/models.md). The work is
vectorstore/reembed.py (a second collection filled page by page, resumable, then one switch); this takes the
ingest lock and makes the embedder from settings."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from filelock import FileLock

from vectorstore.embeddings import Embedder, create_embedder
from vectorstore.reembed import ReembedReport, ReembedStatus, reembed_status, reembed_store, target_name

__all__ = ["ReembedReport", "ReembedStatus", "reembed", "reembed_status", "target_name"]


def reembed(
    settings,
    embedder: Embedder | None = None,
    progress: Callable[[int, int], None] | None = None,
    lock_timeout: float = -1,
) -> ReembedReport:
    """Re-embed every chunk of the store named by settings with settings.embedding_model. `progress(done, total)`
    after each page. Raises EmbeddingError/EmbeddingUnavailable when the model fails (the work done so far is kept
    for the next run). Waits for a running ingest (the ingest lock)."""
    embedder = embedder or create_embedder(settings)
    Path(settings.data_dir).mkdir(parents=True, exist_ok=True)
    with FileLock(str(Path(settings.data_dir) / ".ingest.lock"), timeout=lock_timeout):
        return reembed_store(settings, embedder, progress)
