"""Where a SQuAD file's articles are stored for evaluation: an isolated store next to the main one.

`<parent of QUELLE_DATA_DIR>/eval-<file stem>-<12 hex>` where the hex digest covers the file's bytes and the
settings that shape the stored chunks (embedding model, prefixes, chunk budget, overlap). The same file with
the same settings always maps to the same folder, so a second run finds every article unchanged (content
hashes) and embeds nothing; the user's own store is never touched.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from ingest.text import slugify
from quelle.evaluation.squad import file_digest
from quelle.settings import Settings

STORE_KEYS = ("embedding_model", "query_prefix", "passage_prefix", "chunk_tokens", "chunk_overlap_sentences")


def squad_store_dir(settings: Settings, squad_file: Path) -> Path:
    h = hashlib.sha256(file_digest(Path(squad_file), 64).encode())
    for key in STORE_KEYS:
        h.update(f"|{key}={getattr(settings, key)}".encode())
    base = Path(settings.data_dir).resolve().parent
    return base / f"eval-{slugify(Path(squad_file).stem, 40)}-{h.hexdigest()[:12]}"
