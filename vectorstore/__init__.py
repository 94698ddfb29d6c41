"""Embeddings, the Chroma store, the lexical index and retrieval over both."""
