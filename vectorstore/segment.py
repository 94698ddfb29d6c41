"""One immutable piece of the lexical index: two bm25s indices (stemmed words, character 4-grams of them) over a
set of chunks, plus the per-chunk fields the filters need. Written once, memory-mapped when read back."""

from __future__ import annotations

import json
import math
import os
import shutil
import uuid
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Iterable

import bm25s
import numpy as np

from vectorstore.analysis import analyze, char_ngrams

BM25_PARAMS = {"k1": 1.2, "b": 0.75}
ROWS = "rows.json"
SIGNATURES = "signatures.json"  # read only when the index is compared with the store
KINDS = ("words", "grams")


def lexical_text(meta: dict, text: str) -> str:
    """What the lexical index sees of a chunk: its article title, then its text."""
    title = meta.get("title") or ""
    return f"{title}\n{text}" if title else text


def signature(meta: dict) -> str:
    """Everything about a stored chunk that its index row depends on (text via the article's content hash)."""
    return "|".join(
        str(meta.get(k) or "")
        for k in ("content_hash", "language", "article_id", "source", "date_int", "chunk_index", "title")
    )


def lucene_idf(df: int, n: int) -> float:
    """bm25s' default ("lucene") idf; each segment's stored scores carry it for the segment's own df and n."""
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


@lru_cache(maxsize=500_000)
def _term_grams(term: str) -> tuple[str, ...]:
    """char_ngrams of one term (a document's grams are its terms' grams in order), computed once per term."""
    return tuple(char_ngrams([term]))


def term_postings(index: bm25s.BM25) -> tuple:
    """(indptr, indices, data): bm25s' score matrix, one column of document scores per term id (CSC). bm25s keeps
    it in `BM25.scores` without documenting the layout: this is the one place that reads it, and
    tests/test_library_privates.py fails when an upgrade changes it."""
    scores = index.scores
    return scores["indptr"], scores["indices"], scores["data"]


def _bm25(docs: list[list[str]]) -> bm25s.BM25:
    index = bm25s.BM25(**BM25_PARAMS)
    index.index(docs, show_progress=False)
    return index


class Segment:
    def __init__(self, name: str, rows: dict, words: bm25s.BM25, grams: bm25s.BM25, folder: Path | None = None):
        """`rows` without "signatures": they are read from `folder` when a sync first needs them (a question never
        does: at a million chunks they are ~150 MB that an answering process need not hold)."""
        self.name = name
        self.ids: list[str] = rows["ids"]
        self._signatures: list[str] | None = rows.get("signatures")
        self._folder = folder
        self.article = np.array(rows["article_id"], dtype=object)
        self.source = np.array(rows["source"], dtype=object)
        self.date = np.array(rows["date_int"], dtype=np.int64)
        self.index = {"words": words, "grams": grams}
        self._df = {kind: np.diff(np.asarray(term_postings(ix)[0])) for kind, ix in self.index.items()}

    def __len__(self) -> int:
        return len(self.ids)

    @cached_property
    def position(self) -> dict[str, int]:
        """chunk id -> row (built once per segment and process: segments never change)."""
        return {cid: i for i, cid in enumerate(self.ids)}

    @cached_property
    def article_rows(self) -> dict[str, list[int]]:
        """article id -> its rows (a write's sync looks at the rows of the articles it touched)."""
        out: dict[str, list[int]] = {}
        for i, a in enumerate(self.article):
            out.setdefault(a, []).append(i)
        return out

    @property
    def signatures(self) -> list[str]:
        if self._signatures is None:
            got = json.loads((self._folder / SIGNATURES).read_text(encoding="utf-8"))
            if len(got) != len(self.ids):
                raise ValueError(f"{self._folder / SIGNATURES}: {len(got)} signatures for {len(self.ids)} rows")
            self._signatures = got
        return self._signatures

    @classmethod
    def build(cls, chunks: Iterable) -> "Segment":
        """Index StoredChunk-like objects (chunk_id, text, meta)."""
        rows = {"ids": [], "signatures": [], "article_id": [], "source": [], "date_int": []}
        words = []
        for ch in chunks:
            rows["ids"].append(ch.chunk_id)
            rows["signatures"].append(signature(ch.meta))
            rows["article_id"].append(ch.meta.get("article_id", ""))
            rows["source"].append(ch.meta.get("source", ""))
            rows["date_int"].append(int(ch.meta.get("date_int") or 0))
            words.append(analyze(lexical_text(ch.meta, ch.text), ch.meta.get("language") or "de") or ["\u0000"])
        grams = [[g for term in t for g in _term_grams(term)] or ["\u0000"] for t in words]
        return cls(uuid.uuid4().hex[:12], rows, _bm25(words), _bm25(grams))

    # --- persistence ---------------------------------------------------------------------------------------
    def save(self, directory: Path) -> None:
        """Write into directory/seg-<name>, atomically (a half-written segment is never seen)."""
        final = directory / f"seg-{self.name}"
        if final.exists():
            return
        tmp = directory / f".tmp-{self.name}-{uuid.uuid4().hex[:6]}"
        tmp.mkdir(parents=True)
        for kind, ix in self.index.items():
            ix.save(str(tmp / kind), show_progress=False)
        rows = {
            "ids": self.ids,
            "article_id": list(self.article),
            "source": list(self.source),
            "date_int": [int(d) for d in self.date],
        }
        (tmp / ROWS).write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
        (tmp / SIGNATURES).write_text(json.dumps(self.signatures, ensure_ascii=False), encoding="utf-8")
        try:
            os.replace(tmp, final)
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

    @classmethod
    def load(cls, directory: Path, name: str) -> "Segment":
        """Read a saved segment; the score arrays are memory-mapped (only the postings a query touches are read)."""
        path = directory / f"seg-{name}"
        rows = json.loads((path / ROWS).read_text(encoding="utf-8"))  # segments saved before 2026-12-06: with
        if "signatures" not in rows and not (path / SIGNATURES).is_file():  # their signatures in rows.json
            raise ValueError(f"{path}: {SIGNATURES} is missing")
        words, grams = (bm25s.BM25.load(str(path / kind), mmap=True, show_progress=False) for kind in KINDS)
        return cls(name, rows, words, grams, folder=path)

    # --- scoring -------------------------------------------------------------------------------------------
    def df(self, kind: str, term: str) -> int:
        tid = self.index[kind].vocab_dict.get(term)
        return int(self._df[kind][tid]) if tid is not None and tid < len(self._df[kind]) else 0

    def add_scores(self, out: np.ndarray, kind: str, idf: dict[str, float], counts: dict[str, int]) -> None:
        """out += BM25 of the query terms (with multiplicity `counts`), each term's idf replaced by the whole
        index's `idf[term]`: a segment's stored score is idf_segment * tf-part, so it is rescaled per term."""
        ix = self.index[kind]
        n = len(self.ids)
        indptr, indices, data = term_postings(ix)
        for term, count in counts.items():
            tid = ix.vocab_dict.get(term)
            if tid is None:
                continue
            a, b = int(indptr[tid]), int(indptr[tid + 1])
            if a == b:
                continue
            own = lucene_idf(b - a, n)
            out[np.asarray(indices[a:b])] += np.asarray(data[a:b], dtype=np.float32) * np.float32(
                count * idf[term] / own
            )
