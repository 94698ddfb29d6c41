"""Answer and retrieval scores: SQuAD-style EM/F1 with MLQA's German normalisation, containment, hit@k, MRR.

Normalisation follows MLQA's evaluation script (mlqa_evaluation_v1.py) for German: lower-case, remove every
Unicode punctuation character (categories P*, plus ASCII punctuation), remove articles, fold whitespace.
MLQA removes the German articles for German; we remove German *and* English articles, since German news
text quotes English names and questions may be asked in either language.
"""

from __future__ import annotations

import re
import string
import sys
import unicodedata
from collections import Counter
from functools import lru_cache
from typing import Iterable, Sequence


@lru_cache(maxsize=1)
def _punctuation() -> frozenset[str]:
    chars = {chr(i) for i in range(sys.maxunicode + 1) if unicodedata.category(chr(i)).startswith("P")}
    return frozenset(chars | set(string.punctuation))


_ARTICLES = re.compile(r"\b(ein|eine|einen|einem|eines|einer|der|die|das|den|dem|des|a|an|the)\b")


def normalize_answer(text: str) -> str:
    """MLQA-style normalisation: lower, no punctuation, no (German/English) articles, single spaces."""
    punct = _punctuation()
    text = unicodedata.normalize("NFC", text or "").lower()
    text = "".join(ch for ch in text if ch not in punct)
    text = _ARTICLES.sub(" ", text)
    return " ".join(text.split())


def answer_tokens(text: str) -> list[str]:
    return normalize_answer(text).split()


def exact_match(prediction: str, gold: str) -> float:
    return float(normalize_answer(prediction) == normalize_answer(gold))


def f1_score(prediction: str, gold: str) -> float:
    """Token-overlap F1 of SQuAD (bag of normalised tokens)."""
    pred, ref = answer_tokens(prediction), answer_tokens(gold)
    if not pred or not ref:
        return float(pred == ref)
    common = Counter(pred) & Counter(ref)
    same = sum(common.values())
    if same == 0:
        return 0.0
    precision, recall = same / len(pred), same / len(ref)
    return 2 * precision * recall / (precision + recall)


def contains(haystack: str, gold: str) -> bool:
    """The normalised gold answer appears in the normalised text as a whole-token sequence
    ("92" is in "um 92 prozent", not in "1992"). An answer that normalises to nothing is never contained."""
    g = normalize_answer(gold)
    if not g:
        return False
    return f" {g} " in f" {normalize_answer(haystack)} "


def best_of(metric, prediction: str, golds: Sequence[str]) -> float:
    """The best score against any of the acceptable answers (0 when there are none)."""
    return max((float(metric(prediction, g)) for g in golds), default=0.0)


def first_hit_rank(hits: Iterable[bool]) -> int | None:
    """1-based rank of the first relevant item, None when none is relevant."""
    for rank, hit in enumerate(hits, start=1):
        if hit:
            return rank
    return None


def hit_at_k(ranks: Sequence[int | None], k: int) -> float | None:
    """Share of questions whose first relevant passage is within the top k (None for no questions)."""
    if not ranks:
        return None
    return sum(1 for r in ranks if r is not None and r <= k) / len(ranks)


def mean_reciprocal_rank(ranks: Sequence[int | None]) -> float | None:
    if not ranks:
        return None
    return sum(1.0 / r for r in ranks if r) / len(ranks)


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (numpy's default), None for no values."""
    if not values:
        return None
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def rate(flags: Sequence[bool]) -> float | None:
    return sum(1 for f in flags if f) / len(flags) if flags else None
