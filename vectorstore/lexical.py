"""BM25 (bm25s) over the same chunks as Chroma, in segments: a write adds a segment, it does not rebuild the index.

Two bm25s indices per segment: stemmed words, and character 4-grams of those stems (German compounds and
inflections). A chunk's lexical score is (1 - NGRAM_WEIGHT) * words + NGRAM_WEIGHT * grams, each divided by its best
score. Measured on XQuAD-de (656 chunks, 1,190 questions): words alone hit@5 0.954 / MRR 0.884; fused with
4-grams at 0.35: hit@5 0.969 / MRR 0.896 (4-grams in the same field instead: 0.956; 5- or 6-grams: worse).

Segments (as in Lucene): `synced()` compares the index with the store's listing (chunk id -> signature); rows of
chunks that are gone or changed are marked dead, new and changed chunks go into a new segment, and small
segments are merged (each merge re-reads its chunks' texts from the store). Scores use the idf of the whole index
(document frequencies summed over segments, dead rows included until their segment is merged, as Lucene does);
only the length normalisation uses a segment's own average length.
"""

from __future__ import annotations

import json
import math
import os
import shutil
from collections import Counter
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
from filelock import FileLock

from vectorstore.analysis import analyze, char_ngrams
from vectorstore.filters import Filters
from vectorstore.segment import Segment, lucene_idf

MANIFEST = "manifest.json"
FORMAT = 3  # 3: terms are stems of simplemma lemmas
NGRAM_WEIGHT = 0.35
MAX_SEGMENTS = 8  # beyond this many, small neighbours are merged
SEGMENT_CHUNKS = 20_000  # the largest segment: bounds the memory of building one and the cost of any merge
DEAD_SHARE = 0.5  # a segment more than half dead is rewritten
FETCH_BATCH = 2000

Fetch = Callable[[Sequence[str]], list]  # chunk ids -> StoredChunk-like objects (chunk_id, text, meta)


class LexicalIndex:
    """Segments plus, per segment, which rows are dead. Immutable once made: sync returns a new index, so threads
    searching the old one are never changed under them."""

    def __init__(
        self,
        directory: Path,
        segments: list[Segment] | None = None,
        dead: list[np.ndarray] | None = None,
        revision: str | None = None,
    ):
        self.directory = Path(directory)
        self.revision = revision
        self.segments = list(segments or [])
        self.dead = list(dead) if dead is not None else [np.zeros(len(s), dtype=bool) for s in self.segments]
        # nothing per chunk is built here (a write at a million chunks makes a new index): rows are found through
        # the segments' offsets, chunk ids through each segment's own (cached) position map
        self._offsets = np.cumsum([0] + [len(s) for s in self.segments])
        self._n_rows = int(self._offsets[-1])
        self._dead = np.concatenate(self.dead) if self.segments else np.zeros(0, dtype=bool)
        self._alive = self._n_rows - int(self._dead.sum())
        self._idf_cache: dict[tuple[str, str], float] = {}
        self._last: tuple[str, str, np.ndarray] | None = None  # (query, language, scores): hybrid asks twice

    def __len__(self) -> int:
        return self._alive

    @property
    def ids(self) -> list[str]:
        """The chunk ids of every live row."""
        return [cid for seg, gone in zip(self.segments, self.dead) for cid, g in zip(seg.ids, gone) if not g]

    def _row_id(self, row: int) -> str:
        j = int(np.searchsorted(self._offsets, row, side="right")) - 1
        return self.segments[j].ids[row - int(self._offsets[j])]

    def _row_of(self, chunk_id: str) -> int | None:
        """The live row of a chunk (newest segments first: an older version of it may be dead in an older one)."""
        for j in range(len(self.segments) - 1, -1, -1):
            r = self.segments[j].position.get(chunk_id)
            if r is not None and not self.dead[j][r]:
                return int(self._offsets[j]) + r
        return None

    # --- keeping in step with the store --------------------------------------------------------------------
    def synced(
        self, listing: dict[str, str], fetch: Fetch, revision: str, scope: set[str] | None = None
    ) -> "LexicalIndex":
        """A new index matching `listing` (stored chunk id -> signature), saved to disk. With `scope` (article
        ids) the listing covers only those articles and every other row is taken as unchanged."""
        dead = [d.copy() for d in self.dead]
        have: set[str] = set()
        for seg, gone in zip(self.segments, dead):
            rows = range(len(seg)) if scope is None else [i for a in scope for i in seg.article_rows.get(a, ())]
            for row in rows:
                if gone[row]:
                    continue
                cid = seg.ids[row]
                if listing.get(cid) != seg.signatures[row]:
                    gone[row] = True
                else:
                    have.add(cid)
        segments = list(self.segments)
        new = [cid for cid in listing if cid not in have]
        while new and segments and _mergeable(len(new), int((~dead[-1]).sum())):  # the newest segment would be
            seg, gone = segments.pop(), dead.pop()  # merged with the new one: build
            new = [cid for cid, g in zip(seg.ids, gone) if not g] + new  # them as one
        for built in _build(fetch, new):
            segments.append(built)
            dead.append(np.zeros(len(built), dtype=bool))
        segments, dead = _merge(segments, dead, fetch)
        index = LexicalIndex(self.directory, segments, dead, revision)
        index.save()
        return index

    # --- persistence ---------------------------------------------------------------------------------------
    def _lock(self) -> FileLock:
        self.directory.parent.mkdir(parents=True, exist_ok=True)
        return FileLock(str(self.directory.with_name(self.directory.name + ".lock")))

    def save(self) -> None:
        """Write new segments, then the manifest (atomically), then remove what no manifest names any more."""
        with self._lock():
            self.directory.mkdir(parents=True, exist_ok=True)
            for seg in self.segments:
                seg.save(self.directory)
            manifest = {
                "format": FORMAT,
                "revision": self.revision,
                "segments": [
                    {"name": s.name, "dead": np.flatnonzero(d).tolist()} for s, d in zip(self.segments, self.dead)
                ],
            }
            tmp = self.directory / f".{MANIFEST}.tmp"
            tmp.write_text(json.dumps(manifest), encoding="utf-8")
            os.replace(tmp, self.directory / MANIFEST)
            keep = {f"seg-{s.name}" for s in self.segments} | {MANIFEST}
            for p in self.directory.iterdir():
                if p.name not in keep:
                    shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)

    @classmethod
    def load(cls, directory: Path, known: Sequence[Segment] = ()) -> "LexicalIndex | None":
        """The persisted index, or None when there is none or it is unreadable (then it is rebuilt from the store).
        Segments never change once written: those in `known` (already loaded) are reused, not read again."""
        directory = Path(directory)
        if not (directory / MANIFEST).exists():
            return None
        try:
            with cls(directory)._lock():
                manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
                if manifest.get("format") != FORMAT:
                    return None
                segments, dead = [], []
                loaded = {s.name: s for s in known}
                for entry in manifest["segments"]:
                    seg = loaded.get(entry["name"]) or Segment.load(directory, entry["name"])
                    d = np.zeros(len(seg), dtype=bool)
                    d[entry["dead"]] = True
                    segments.append(seg)
                    dead.append(d)
        except (OSError, ValueError, KeyError, IndexError):
            return None
        return cls(directory, segments, dead, manifest["revision"])

    # --- search ------------------------------------------------------------------------------------------
    def _global_idf(self, kind: str, term: str) -> float:
        key = (kind, term)
        got = self._idf_cache.get(key)
        if got is None:
            df = sum(s.df(kind, term) for s in self.segments)
            got = self._idf_cache[key] = lucene_idf(df, self._n_rows) if df else 0.0
        return got

    def idf(self, term: str) -> float:
        """Inverse document frequency of a word term; unseen terms count as rare."""
        if not self._n_rows:
            return 1.0
        return self._global_idf("words", term) or math.log(1 + (self._n_rows + 0.5) / 0.5)

    def _scores(self, kind: str, terms: list[str]) -> np.ndarray:
        total = np.zeros(self._n_rows, dtype=np.float32)
        counts = Counter(terms)
        idf = {t: self._global_idf(kind, t) for t in counts}
        counts = {t: c for t, c in counts.items() if idf[t] > 0}
        if not counts:
            return total
        for seg, start in zip(self.segments, self._offsets):
            seg.add_scores(total[start : start + len(seg)], kind, idf, counts)
        total[self._dead] = 0.0
        top = float(total.max())
        return total / top if top > 0 else total

    def scores(self, query_terms: list[str]) -> np.ndarray:
        """Fused word + 4-gram BM25 score of every row (dead rows 0), in [0, 1]."""
        words = self._scores("words", query_terms)
        grams = self._scores("grams", char_ngrams(query_terms))
        return (1 - NGRAM_WEIGHT) * words + NGRAM_WEIGHT * grams

    def query_scores(self, query: str, language: str = "de") -> np.ndarray:
        """scores() of a query's terms, remembered for the last query (search and score_of of one question)."""
        last = self._last
        if last is not None and last[0] == query and last[1] == language:
            return last[2]
        s = self.scores(analyze(query, language))
        self._last = (query, language, s)
        return s

    def mask(self, filters: Filters | None) -> np.ndarray | None:
        if not filters or not self.segments:
            return None
        parts = [_segment_mask(s, filters) for s in self.segments]
        return np.concatenate(parts)

    def search(
        self, query: str, k: int, filters: Filters | None = None, language: str = "de"
    ) -> list[tuple[str, float]]:
        """Top k (chunk_id, bm25 score) with score > 0 among the chunks the filters allow."""
        if not len(self) or k <= 0:
            return []
        s = self.query_scores(query, language)
        m = self.mask(filters)
        if m is not None:
            s = np.where(m, s, 0.0)
        k = min(k, len(s))
        top = np.argpartition(-s, k - 1)[:k]
        top = top[np.argsort(-s[top], kind="stable")]
        return [(self._row_id(int(i)), float(s[i])) for i in top if s[i] > 0]

    def score_of(self, query: str, chunk_ids: list[str], language: str = "de") -> dict[str, float]:
        s = self.query_scores(query, language)
        rows = {cid: self._row_of(cid) for cid in chunk_ids}
        return {cid: float(s[r]) for cid, r in rows.items() if r is not None}


def _segment_mask(seg: Segment, filters: Filters) -> np.ndarray:
    m = np.ones(len(seg), dtype=bool)
    if filters.article_ids:
        m &= np.isin(seg.article, list(filters.article_ids))
    if filters.sources:
        m &= np.isin(seg.source, list(filters.sources))
    if filters.since:
        m &= seg.date >= Filters.as_int(filters.since, end=False)
    if filters.until:
        m &= (seg.date > 0) & (seg.date <= Filters.as_int(filters.until, end=True))
    return m


def _build(fetch: Fetch, ids: list[str]) -> list[Segment]:
    """Segments of at most SEGMENT_CHUNKS chunks over these ids (fewer if some are gone from the store by now)."""
    out = []
    for i in range(0, len(ids), SEGMENT_CHUNKS):
        part = ids[i : i + SEGMENT_CHUNKS]
        chunks = [c for j in range(0, len(part), FETCH_BATCH) for c in fetch(part[j : j + FETCH_BATCH])]
        if chunks:
            out.append(Segment.build(chunks))
    return out


def _mergeable(newer: int, older: int) -> bool:
    """Merge a segment into the one before it when it is at least half its size and the result is not too big."""
    return 2 * newer >= older and newer + older <= SEGMENT_CHUNKS


def _pick_merge(segments: list[Segment], dead: list[np.ndarray]) -> list[int] | None:
    """Which segments to merge next: a mostly dead one; the newest two when the newer is at least half the size of
    the older (sizes then halve from old to new: about log2(n) small segments, each chunk re-indexed about log2(n)
    times); the smallest neighbours when there are still too many. No merge makes a segment over SEGMENT_CHUNKS,
    so no single write re-indexes more than that."""
    alive = [int((~d).sum()) for d in dead]
    for i, (seg, a) in enumerate(zip(segments, alive)):
        if len(seg) and a < len(seg) * (1 - DEAD_SHARE):
            return [i]
    if len(segments) >= 2 and _mergeable(alive[-1], alive[-2]):
        return [len(segments) - 2, len(segments) - 1]
    pairs = [j for j in range(len(segments) - 1) if alive[j] + alive[j + 1] <= SEGMENT_CHUNKS]
    if len(segments) > MAX_SEGMENTS and pairs:
        i = min(pairs, key=lambda j: alive[j] + alive[j + 1])
        return [i, i + 1]
    return None


def _merge(segments: list[Segment], dead: list[np.ndarray], fetch: Fetch) -> tuple[list[Segment], list[np.ndarray]]:
    keep = [(s, d) for s, d in zip(segments, dead) if not d.all()]
    segments, dead = [s for s, _ in keep], [d for _, d in keep]
    while (pick := _pick_merge(segments, dead)) is not None:
        ids = [cid for i in pick for cid, gone in zip(segments[i].ids, dead[i]) if not gone]
        merged = _build(fetch, ids)  # fewer than asked if another process deleted some meanwhile
        segments[pick[0] : pick[-1] + 1] = merged
        dead[pick[0] : pick[-1] + 1] = [np.zeros(len(m), dtype=bool) for m in merged]
    return segments, dead
