"""The Artikel page's upload: the editor role checked first, then the one upload core (quelle/uploads.py: safe
names, allowed types, size limit, temp folder, Library.ingest, a result per file) with its refusals worded in the
UI's language."""

from __future__ import annotations

from typing import Callable, Protocol

from quelle.library import Library
from quelle.ui.access import require_editor
from quelle.i18n import text as t
from quelle.uploads import TOO_LARGE, Incoming, Refusal, UploadResult, safe_filename
from quelle.uploads import ingest_uploads as ingest_incoming

__all__ = ["Upload", "UploadResult", "ingest_uploads", "refusal_text", "safe_filename"]


class Upload(Protocol):
    """What st.file_uploader hands over (UploadedFile) — and what tests pass instead."""

    name: str

    def getvalue(self) -> bytes: ...


def refusal_text(refusal: Refusal, language: str) -> str:
    if refusal.code == TOO_LARGE:
        return t("too_large", language, size=refusal.size_mb, limit=refusal.limit_mb)
    return t("unsupported_type", language, suffix=refusal.suffix or "(none)", types=", ".join(refusal.types))


def ingest_uploads(
    library: Library,
    uploads: list[Upload],
    max_file_mb: float,
    language: str = "de",
    progress: Callable[[int, int, str], None] | None = None,
) -> list[UploadResult]:
    """Ingest the uploaded files, one result per upload. Editors only: the role is checked first (AccessDenied),
    whatever control led here."""
    require_editor()
    return ingest_incoming(
        library,
        [Incoming.from_bytes(u.name, u.getvalue()) for u in uploads],
        max_file_mb,
        lambda refusal: refusal_text(refusal, language),
        progress,
    )
