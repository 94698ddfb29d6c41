"""Quelle: questions answered from your news articles, every claim cited."""

__version__ = "0.1.0"
