"""Dense, BM25 and hybrid retrieval over the store; the same filters on both sides.

Hybrid: the top 50 of each side are pooled; every pooled chunk gets both scores (the dense similarity of
lexical-only hits is computed from their stored vectors), dense min-max normalised, lexical already in
[0, 1]; fused = w * dense + (1 - w) * lexical. Weighted score fusion instead of plain RRF because the
bundled English model is weak on German (plain RRF lowers hit@1). w = 0.2 (QUELLE_HYBRID_DENSE_WEIGHT),
measured on every third XQuAD-de question (397): bm25 hit@1 0.851 / hit@5 0.972 / MRR 0.902;
hybrid w=0.2 hit@1 0.869 / hit@5 0.975 / MRR 0.913; dense alone hit@5 0.71 (all 1,190 questions).

Chunks not embedded yet (stored by `quelle ingest` before their vectors, quelle/embedding_worker.py) are never
dense hits; when the lexical side pools one, its fused score is its normalised lexical score alone
(_fused_lexical_for_waiting). With no chunk waiting the fusion is exactly the one above.

Second stage (`rerank` > 0, default 0.5 = QUELLE_RERANK): the top RERANK_DEPTH passages are read sentence by
sentence with reader.evidence (the answerer's scorer, answer slots included); a passage's score becomes
(1 - rerank) * first stage + rerank * its best sentence, then each chunk gets ARTICLE_CREDIT of its article's best
score. Measured with the lemma terms (news-de development set, 80 German answerable questions / all 1,190 XQuAD-de
questions, passage-level hit@1 / hit@5): first stage alone 0.562 / 0.825 and 0.861 / 0.976; + evidence (cov and
context only, 0.3) 0.600 / 0.838 and 0.866 / 0.975; + answer slots (0.5) 0.625 / 0.887 and 0.865 / 0.976;
+ article credit 0.5: 0.625 / 0.900 and 0.865 / 0.976; with the final answer weights (retrieval and article
features at 1.0) 0.613 / 0.900 and 0.871 / 0.978. Shares 0.7 and more lost on both sets. The stage reads a sentence
without the reader's `retrieval` feature (STAGE_WEIGHTS): that feature is the passage's first-stage score, which the
fusion holds already. Without it (2026-11-26, `quelle eval`, docs/experiments.md): news-de German answers 0.638 ->
0.663 (first sentence 0.575 -> 0.588; offline on halves by article: shown 0.605 / 0.667 -> 0.632 / 0.690), hit@1
0.638 -> 0.650, one unanswerable question more answered (6 -> 5 of 12 abstain); XQuAD-de answers 0.762 -> 0.759, hit@1
0.863 -> 0.864, hit@5 0.979 -> 0.978. Dropping the `article` feature as well lifted news-de hit@1 to 0.700 but made
the reader's passage prior lift off-topic passages (docs/experiments.md: tried and left out).

Optional reranker (QUELLE_RERANKER, off by default; vectorstore/rerankers.py, docs/models.md „Reranker“): a model
that reads question and passage together (a cross-encoder or a /rerank server) orders the top QUELLE_RERANK_TOP_N
(30) again, by its score alone. It follows the evidence stage, not instead of it: the evidence stage decides which
passages reach the top N when N is smaller than the depth, and the passages below the top N keep its order; inside the
top N the reranker's order replaces it, because a mix of the two scores has no common scale to weigh them by (a
cross-encoder's probability vs. a heuristic sum) and nothing measured to fit a share on. The passage's `score` becomes
the reranker's (squashed into [0, 1] with the logistic function when it reports raw logits), so citations and
`retrieved` in `--json` show it, and the reader's retrieval feature (score relative to the best) reads it; `extra`
keeps `rerank_score` (as reported), `before_rerank` (the evidence stage's score) and `reranker`. A reranker that
cannot answer (server down) leaves the order as it was and marks every passage `extra["rerank_fallback"]` (the reason;
also logged).
"""

from __future__ import annotations

import logging
import math
import threading
from dataclasses import dataclass, field

import numpy as np

from vectorstore.embeddings import Embedder
from reader.evidence import WEIGHTS, passage_input, question_view, score_sentences
from vectorstore.filters import Filters
from vectorstore.groups import one_per_group
from vectorstore.lexical import LexicalIndex
from vectorstore.published import PublishedIndex, fetch_published
from vectorstore.rerankers import RerankerUnavailable
from vectorstore.rerankers import create as create_reranker
from vectorstore.segment import signature
from reader.question import Question, as_question
from vectorstore.store import PENDING_KEY, ChunkStore, StoredChunk

CANDIDATES = 50  # per side, before fusion
# first-stage passages the second stage reads: 30 and 50 give the same hit@1/hit@5 on news-de (86 answerable) and
# an XQuAD-de sample (298), and the reader's first sentence right 0.550 / 0.780 vs 0.550 / 0.777; 20 lost news-de
# hit@5 (0.907 -> 0.895). 30 reads 40 % fewer sentences per question (2026-11-26, /tmp analysis over cached top-50s).
RERANK_DEPTH = 30
RERANK_SLOTS = True  # the answer-slot features take part (they lifted news-de hit@1 0.600 -> 0.625)
ARTICLE_CREDIT = 0.5  # share of its article's best score a chunk gets (news-de hit@5 0.887 -> 0.900)
# a sentence as the stage reads it: without its passage's first-stage score, which the fusion already counts
STAGE_WEIGHTS = {**WEIGHTS, "retrieval": 0.0}
RERANK_TOP_N = 30  # passages the optional reranker reads (QUELLE_RERANK_TOP_N)

log = logging.getLogger(__name__)


@dataclass
class Write:
    """One write to the store: the lexical index's revision before it, the revision it set, the articles it touched."""

    before: str | None
    mine: str
    articles: set[str] = field(default_factory=set)


@dataclass
class Passage:
    chunk_id: str
    text: str
    meta: dict
    score: float  # the score the ranking used (fused for hybrid)
    dense: float | None = None
    lexical: float | None = None
    extra: dict = field(default_factory=dict)


def _minmax(values: np.ndarray) -> np.ndarray:
    if values.size == 0:
        return values
    lo, hi = float(values.min()), float(values.max())
    if hi - lo < 1e-9:
        return np.ones_like(values) if hi > 0 else np.zeros_like(values)
    return (values - lo) / (hi - lo)


def _fused_lexical_for_waiting(d: np.ndarray, lx: np.ndarray, w: float, waiting: np.ndarray) -> np.ndarray:
    """Fusion while some pooled chunks wait for their vector (quelle/embedding_worker.py): embedded chunks are fused
    as always (dense min-max normalised over the embedded ones only); a waiting chunk's fused score is its
    normalised lexical score alone — both sides on the same [0, 1] scale, so a new article is neither lifted nor
    held back by the missing dense side (w * 0 would cost it up to w against embedded chunks)."""
    fused = lx.astype(np.float32).copy()
    done = ~waiting
    fused[done] = w * _minmax(d[done]) + (1 - w) * lx[done]
    return fused


class Retriever:
    """Owns the lexical index's sync with the store: rebuilt whenever the store's revision moved."""

    def __init__(
        self,
        store: ChunkStore,
        embedder: Embedder,
        lexical: LexicalIndex,
        reranker: str | None = None,
        rerank_top_n: int = RERANK_TOP_N,
        published: PublishedIndex | None = None,
        reranker_api_key: str | None = None,
    ):
        self.store = store
        self.published = published  # the index shared with other processes of a Chroma server, or None
        self.embedder = embedder
        self.lexical = lexical
        self.reranker = reranker or None  # a spec of vectorstore/rerankers.py (QUELLE_RERANKER); None: off
        self.rerank_top_n = rerank_top_n
        self.reranker_api_key = reranker_api_key  # QUELLE_RERANKER_API_KEY: sent as a Bearer token by http: rerankers
        self._lock = threading.Lock()
        self._writing: str | None = None  # the revision of this process's write in progress
        self.groups = None  # () -> vectorstore.groups.Groups of the store (set by vectorstore.index.Index)

    def sync_lexical(self, force: bool = False) -> bool:
        """Make the lexical index match the store; True when it had to be updated. Another process's update is
        read from disk; otherwise the index is compared with the store's listing and only the difference is
        indexed (see LexicalIndex.synced). `force`: compare even when the revisions agree."""
        with self._lock:
            revision = self.store.revision
            if not force and (self.lexical.revision == revision or revision == self._writing):
                return False  # in step, or our own write is under way: end_write brings it in step
            on_disk = LexicalIndex.load(self.lexical.directory, known=self.lexical.segments)
            if on_disk is not None and on_disk.revision == revision and not force:
                self.lexical = on_disk  # swapped in whole: threads searching the old one are not changed under them
                return False
            base = on_disk if on_disk is not None else self.lexical
            if self.published is not None and not force:  # another process published it (vectorstore/published.py)
                fetched = fetch_published(self.published, revision, base)
                if fetched is not None and fetched.revision == revision:
                    self.lexical = fetched
                    return True
                base = fetched or base
            self._sync(base, revision)
            self._publish()
            return True

    def _publish(self) -> None:
        """Publish this process's index for the others of a shared server (when QUELLE_LEXICAL_SHARED_DIR is set)."""
        if self.published is None:
            return
        try:
            self.published.publish(self.lexical)
        except OSError as e:  # the shared folder unreachable: this process still answers; the others rebuild
            log.warning("could not publish the lexical index to %s: %s", self.published.directory, e)

    def _sync(self, base: LexicalIndex, revision: str, articles: set[str] | None = None) -> None:
        listing = {cid: signature(meta) for cid, meta in self.store.listing(articles).items()}
        self.lexical = base.synced(listing, self.store.get_chunks, revision, scope=articles)

    # --- writes: the store's revision moves before and after; the index then indexes only what was written ----
    def begin_write(self) -> "Write":
        """Call before writing to the store (under the ingest lock): the index is brought in step first, so that
        afterwards only the articles written have to be indexed."""
        self.sync_lexical()
        write = Write(self.lexical.revision, self.store.bump_revision())
        self._writing = write.mine
        return write

    def end_write(self, write: "Write") -> None:
        """Call after the write, also when it failed half-way. Another process that wrote at the same time (only
        possible with a shared Chroma server) or an index out of step means a full comparison instead."""
        concurrent = self.store.revision != write.mine
        revision = self.store.bump_revision()
        with self._lock:
            self._writing = None
            if concurrent or self.lexical.revision not in (write.before, write.mine):
                self._sync(self.lexical, revision)
                self._publish()
                return
            self._sync(self.lexical, revision, write.articles)
            if len(self.lexical) != self.store.count():  # a write we did not see after all
                self._sync(self.lexical, revision)
            self._publish()

    def retrieve(
        self,
        query: Question | str,
        k: int,
        mode: str = "hybrid",
        filters: Filters | None = None,
        dense_weight: float = 0.2,
        language: str = "de",
        rerank: float = 0.0,
    ) -> list[Passage]:
        """The k best passages for a question (analysed: reader/question.py; a text is analysed here). `rerank` > 0: the first stage's top RERANK_DEPTH are ordered again by
        (1 - rerank) * first-stage score + rerank * their best sentence's evidence (reader.evidence). With a
        reranker (self.reranker) its scores order the top rerank_top_n after that (module docstring)."""
        question = as_question(query, language)  # analysed once, in ask() (reader/question.py)
        if k <= 0 or not question.text.strip():
            return []
        asked = question.text
        search = question.search  # „Austria's advertising industry“ also asks for „Österreich“
        query = search.text
        depth = max(k, RERANK_DEPTH) if rerank > 0 else k
        if self.groups and self.groups().has_copies:  # room for the copies one_per_group drops
            depth = max(depth, min(2 * k, CANDIDATES))
        if self.reranker:
            depth = max(depth, self.rerank_top_n)
        if mode == "dense":
            got = [self._passage(c, c.score, dense=c.score) for c in self._dense(query, depth, filters)]
        else:
            self.sync_lexical()
            lexical = self.lexical  # one index for the whole query, even if another thread swaps in a newer one
            if mode == "bm25":
                hits = lexical.search(query, depth, filters, language)
                chunks = self.store.get_chunks([cid for cid, _ in hits])
                score = dict(hits)
                got = [self._passage(c, score[c.chunk_id], lexical=score[c.chunk_id]) for c in chunks]
            else:
                got = self._hybrid(query, depth, filters, dense_weight, language, lexical)
        if rerank > 0 and len(got) > 1:
            got = self._rerank(search, got, rerank)
        if self.reranker and got:
            got = self._reranked(asked, got)
        # one passage per group of copies (vectorstore/groups.py); the groups as of the store the search just read
        return one_per_group(got, self.groups() if self.groups else None)[:k]

    def _reranked(self, query: str, passages: list[Passage]) -> list[Passage]:
        """The top rerank_top_n in the reranker's order (the question as asked, each passage with its title); the
        rest after them in their order. The reranker down: the order as it was, each passage marked."""
        top, rest = passages[: self.rerank_top_n], passages[self.rerank_top_n :]
        texts = [f"{p.meta.get('title', '')}\n{p.text}" if p.meta.get("title") else p.text for p in top]
        try:
            raw = create_reranker(self.reranker, self.reranker_api_key).scores(query, texts)
            if len(raw) != len(top):
                raise RerankerUnavailable(f"the reranker gave {len(raw)} scores for {len(top)} passages")
        except RerankerUnavailable as e:
            log.warning("reranker %s: %s; the first stage's order is kept", self.reranker, e)
            for p in passages:
                p.extra["rerank_fallback"] = str(e)
            return passages
        squash = any(not 0.0 <= x <= 1.0 for x in raw)  # raw logits: into [0, 1], the order unchanged
        shown = [1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, x)))) if squash else x for x in raw]
        order = sorted(range(len(top)), key=lambda i: -raw[i])  # stable: ties keep the earlier order
        kind = self.reranker.partition(":")[0]
        out = []
        for i in order:
            p = top[i]
            p.extra.update(rerank_score=round(raw[i], 6), before_rerank=p.score, reranker=kind)
            p.score = shown[i]
            out.append(p)
        if rest:  # below the reranked ones, in their order
            lowest = min(shown)
            scale = min(1.0, lowest / max(p.score for p in rest)) if max(p.score for p in rest) > 0 else 1.0
            for p in rest:
                p.extra["before_rerank"] = p.score
                p.score *= scale
        return out + rest

    def _rerank(self, question: Question, passages: list[Passage], share: float) -> list[Passage]:
        q = question_view(question, self.lexical.idf)
        inputs = [passage_input(p.text, p.meta, p.score) for p in passages]
        best = [0.0] * len(passages)
        for e in score_sentences(q, inputs, weights=STAGE_WEIGHTS, slots=RERANK_SLOTS, best_only=True):
            best[e.passage] = max(best[e.passage], e.score)
        top_first = max(p.score for p in passages) or 1.0
        top_best = max(best) or 1.0
        fused = [(1 - share) * p.score / top_first + share * b / top_best for p, b in zip(passages, best)]
        # a news story spreads over several chunks: each chunk also gets credit for its article's best chunk
        article_best: dict[str, float] = {}
        for p, f in zip(passages, fused):
            a = p.meta.get("article_id", "")
            article_best[a] = max(article_best.get(a, 0.0), f)
        fused = [
            (f + ARTICLE_CREDIT * article_best[p.meta.get("article_id", "")]) / (1 + ARTICLE_CREDIT)
            for p, f in zip(passages, fused)
        ]
        order = sorted(range(len(passages)), key=lambda i: -fused[i])
        out = []
        for i in order:
            p = passages[i]
            p.extra["first_stage"] = p.score
            p.extra["evidence"] = best[i]
            p.score = fused[i]
            out.append(p)
        return out

    def _dense(self, query: str, k: int, filters: Filters | None) -> list[StoredChunk]:
        return self.store.query(self.embedder.embed_query(query), k, filters)

    def _hybrid(self, query, k, filters, w, language, lexical: LexicalIndex | None = None) -> list[Passage]:
        lexical = lexical or self.lexical
        n = max(CANDIDATES, k)
        dense = {c.chunk_id: c for c in self._dense(query, n, filters)}
        lex_hits = dict(lexical.search(query, n, filters, language))
        missing = [cid for cid in lex_hits if cid not in dense]
        extra = self._with_similarity(query, missing)
        chunks = {**{c.chunk_id: c for c in extra}, **dense}
        if not chunks:
            return []
        ids = list(chunks)
        lex_all = lexical.score_of(query, ids, language)
        d = np.array([chunks[i].score for i in ids], dtype=np.float32)
        lx = np.array([lex_all.get(i, 0.0) for i in ids], dtype=np.float32)
        waiting = np.isnan(d)  # chunks not embedded yet (_with_similarity): the lexical side alone
        if waiting.any():
            fused = _fused_lexical_for_waiting(d, lx / lx.max() if lx.max() > 0 else lx, w, waiting)
        else:
            fused = w * _minmax(d) + (1 - w) * (lx / lx.max() if lx.max() > 0 else lx)
        order = np.argsort(-fused, kind="stable")[:k]
        return [
            self._passage(
                chunks[ids[i]], float(fused[i]), dense=None if waiting[i] else float(d[i]), lexical=float(lx[i])
            )
            for i in order
        ]

    def _with_similarity(self, query: str, ids: list[str]) -> list[StoredChunk]:
        if not ids:
            return []
        got = self.store.get_with_embeddings(ids)
        q = self.embedder.embed_query(query)
        out = []
        for cid, doc, meta, emb in zip(got["ids"], got["documents"], got["metadatas"], got["embeddings"]):
            if (meta or {}).get(PENDING_KEY):  # a placeholder vector: no similarity (NaN), see _hybrid
                out.append(StoredChunk(cid, doc or "", meta or {}, float("nan")))
                continue
            out.append(StoredChunk(cid, doc or "", meta or {}, float(np.dot(np.asarray(emb, dtype=np.float32), q))))
        return out

    @staticmethod
    def _passage(c: StoredChunk, score: float, dense=None, lexical=None) -> Passage:
        return Passage(c.chunk_id, c.text, c.meta, score, dense, lexical)
