"""One small module per file format. Each exposes `load(source) -> list[Article]`; ingest/loaders.py picks one."""
