"""The articles a store holds, rebuilt from their chunks (for pipelines that index the same articles anew)."""

from __future__ import annotations

from collections import defaultdict

from ingest.models import Article
from vectorstore.index import Index


def articles_from_store(index: Index) -> list[Article]:
    """Each stored article with its text put back together from its chunks' character spans.

    Chunks are exact slices of the article text and cover it up to the whitespace between sentences, so the
    rebuilt text has the same character offsets; a gap between chunks is filled with spaces.
    """
    pieces: dict[str, list[tuple[int, str]]] = defaultdict(list)
    heads: dict[str, dict] = {}
    for c in index.iter_chunks():
        aid = c.meta.get("article_id", "")
        pieces[aid].append((int(c.meta.get("start", 0)), c.text))
        if aid not in heads or int(c.meta.get("chunk_index", 0)) == 0:
            heads[aid] = c.meta
    articles = []
    for aid in sorted(pieces):
        parts = sorted(pieces[aid])
        size = max(start + len(text) for start, text in parts)
        buf = [" "] * size
        for start, text in parts:
            buf[start : start + len(text)] = text
        m = heads[aid]
        articles.append(
            Article(
                article_id=aid,
                title=m.get("title", ""),
                text="".join(buf),
                date=m.get("date", ""),
                source=m.get("source", ""),
                url=m.get("url", ""),
                path=m.get("path", ""),
                language=m.get("language", ""),
            )
        )
    return articles
