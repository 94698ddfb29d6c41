"""Pack whole sentences into chunks that fit the embedding model's own token limit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Sequence

from ingest.models import Article, Chunk
from ingest.sentences import sentence_spans


class TokenSpans(Protocol):
    """What chunking needs from the embedding model's tokenizer."""

    def token_spans(self, texts: Sequence[str]) -> list[list[tuple[int, int]]]:
        """Character (start, end) of each token of each text, special tokens excluded."""


@dataclass
class _Unit:
    start: int
    end: int
    tokens: int


MAX_TOKEN_CHARS = 24  # a longer "token" is a word the tokenizer gave up on ([UNK]); counted per 24 characters


def _split_long_tokens(toks: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """WordPiece maps a word over 100 characters to one [UNK]: without this, a 10 MB line without spaces
    would be a single 'token' and one chunk of megabytes. Such spans count as one token per MAX_TOKEN_CHARS."""
    if all(b - a <= MAX_TOKEN_CHARS for a, b in toks):
        return toks
    out = []
    for a, b in toks:
        out.extend(
            (x, min(x + MAX_TOKEN_CHARS, b)) for x in range(a, b, MAX_TOKEN_CHARS)
        ) if b - a > MAX_TOKEN_CHARS else out.append((a, b))
    return out


def _units(article: Article, tokenizer: TokenSpans, budget: int) -> list[_Unit]:
    """Sentences as units; a sentence longer than the budget is cut at token boundaries (at a space when possible)."""
    spans = sentence_spans(article.text, article.language or "de")
    token_spans = (
        [_split_long_tokens(t) for t in tokenizer.token_spans([article.text[s:e] for s, e in spans])] if spans else []
    )
    units: list[_Unit] = []
    for (s, e), toks in zip(spans, token_spans):
        if len(toks) <= budget:
            units.append(_Unit(s, e, len(toks)))
            continue
        i = 0
        while i < len(toks):
            j = min(i + budget, len(toks))
            piece_start = s + toks[i][0]
            piece_end = s + toks[j - 1][1] if j == len(toks) else s + toks[j][0]
            if j < len(toks):
                space = article.text.rfind(" ", piece_start, piece_end)
                k = j
                if space > piece_start:
                    # step back to the last token that starts before that space
                    while k > i + 1 and s + toks[k - 1][0] >= space:
                        k -= 1
                    if k > i:
                        j = k
                        piece_end = s + toks[j][0]
            units.append(_Unit(piece_start, len(article.text[:piece_end].rstrip()), j - i))
            i = j
    return units


def chunk_article(article: Article, tokenizer: TokenSpans, budget: int, overlap: int = 1) -> list[Chunk]:
    """Chunks of whole sentences, each at most `budget` tokens, consecutive chunks sharing `overlap` sentences."""
    if budget < 1:
        raise ValueError("token budget must be positive")
    units = _units(article, tokenizer, budget)
    # PDFs: a chunk never crosses a page break, so its citation names the one page it is on
    page = [article.page_at(u.start) for u in units] if article.pages else [None] * len(units)
    groups: list[list[_Unit]] = []
    i = 0
    while i < len(units):
        j, used = i, 0
        while j < len(units) and used + units[j].tokens <= budget and page[j] == page[i]:
            used += units[j].tokens
            j += 1
        j = max(j, i + 1)
        groups.append(units[i:j])
        if j >= len(units):
            break
        i = j if page[j] != page[j - 1] else max(j - overlap, i + 1)
    # Token counts of a joined text can differ from the sum of its sentences for some tokenizers: check and trim.
    texts = [article.text[g[0].start : g[-1].end] for g in groups]
    for gi, toks in enumerate(tokenizer.token_spans(texts)):
        toks = _split_long_tokens(toks)
        while len(toks) > budget and len(groups[gi]) > 1:
            groups[gi] = groups[gi][:-1]
            toks = _split_long_tokens(
                tokenizer.token_spans([article.text[groups[gi][0].start : groups[gi][-1].end]])[0]
            )
    chunks = []
    for n, g in enumerate(groups):
        start, end = g[0].start, g[-1].end
        chunks.append(
            Chunk(
                chunk_id=f"{article.article_id}::{n:05d}",
                article_id=article.article_id,
                index=n,
                text=article.text[start:end],
                start=start,
                end=end,
                title=article.title,
                date=article.date,
                source=article.source,
                url=article.url,
                page=article.page_at(start),
                sentences=[(u.start - start, u.end - start) for u in g],
            )
        )
    return chunks
