"""Files in, clean articles and sentence-aware chunks out. No storage here."""

from ingest.models import Article, Chunk, IngestError

__all__ = ["Article", "Chunk", "IngestError"]
