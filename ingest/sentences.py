"""German-aware sentence splitting (pysbd) that returns character spans into the original text."""

from __future__ import annotations

import re
import threading
from functools import lru_cache

import pysbd

_MAX_PARAGRAPH = 5_000  # longer paragraphs are cut at whitespace first: pysbd slows down on huge inputs
_NON_SPACE = re.compile(r"\S")


_local = threading.local()  # a pysbd Segmenter keeps per-call state: one per thread (batch workers, UI)


def _segmenter(language: str) -> pysbd.Segmenter:
    lang = language if language in pysbd.languages.LANGUAGE_CODES else "de"
    cache = getattr(_local, "segmenters", None)
    if cache is None:
        cache = _local.segmenters = {}
    if lang not in cache:
        cache[lang] = pysbd.Segmenter(language=lang, clean=False, char_span=True)
        # pysbd builds a regex per abbreviation it looks for (~1,600 for German): with Python's re cache of 512
        # they were compiled again for every paragraph (a third of the splitting time). The one use of a private
        # of `re`: tests/test_library_privates.py fails when Python stops reading it.
        re._MAXCACHE = max(getattr(re, "_MAXCACHE", 512), 4096)
    return cache[lang]


def _windows(start: int, end: int, text: str) -> list[tuple[int, int]]:
    """Cut an overlong paragraph into pieces of at most _MAX_PARAGRAPH characters, at whitespace when possible."""
    out = []
    while end - start > _MAX_PARAGRAPH:
        cut = text.rfind(" ", start + _MAX_PARAGRAPH // 2, start + _MAX_PARAGRAPH)
        if cut <= start:
            cut = start + _MAX_PARAGRAPH
        out.append((start, cut))
        start = cut
    out.append((start, end))
    return out


_TERMINAL = re.compile(r"[.!?…:;\"“”»«'‘’)\]]$")
_ORDINAL_END = re.compile(
    r"\b(am|im|vom|zum|zur|beim|der|die|das|dem|den|des|seit|bis|ab|und|oder|bzw|vor|nach)\s+\d{1,4}\.$", re.I
)


def _repair(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Undo pysbd's bad German splits: a piece without end punctuation ('ausgetragen am' | '21. und'),
    or an ordinal taken for a sentence end ('In der 112.' | 'Minute …', 'am 21.' | 'und 22. April')."""
    out: list[tuple[int, int]] = []
    for s, e in spans:
        if out:
            prev = text[out[-1][0] : out[-1][1]].rstrip()
            if not _TERMINAL.search(prev) or _ORDINAL_END.search(prev) or re.fullmatch(r"\d{1,4}\.", prev):
                out[-1] = (out[-1][0], e)
                continue
        out.append((s, e))
    return out


def sentence_spans(text: str, language: str = "de") -> list[tuple[int, int]]:
    """(start, end) of every sentence, whitespace trimmed. Line breaks always end a sentence (headings, lists)."""
    spans: list[tuple[int, int]] = []
    seg = _segmenter(language or "de")
    pos = 0
    for line in text.split("\n"):
        line_start = pos
        pos += len(line) + 1
        if not line.strip():
            continue
        for w_start, w_end in _windows(line_start, line_start + len(line), text):
            piece = text[w_start:w_end]
            try:
                parts = _repair(piece, [(s.start, s.end) for s in seg.segment(piece)])
            except Exception:  # pysbd can fail on odd input; the whole piece is then one sentence
                parts = [(0, len(piece))]
            for s, e in parts:
                sub = piece[s:e]
                m = _NON_SPACE.search(sub)
                if not m:
                    continue
                s += m.start()
                e = s + len(piece[s:e].rstrip())
                spans.append((w_start + s, w_start + e))
    return spans


@lru_cache(maxsize=4096)
def _remembered_spans(text: str, language: str) -> tuple[tuple[int, int], ...]:
    return tuple(sentence_spans(text, language))


def passage_sentence_spans(text: str, language: str = "de") -> list[tuple[int, int]]:
    """sentence_spans of a stored passage, remembered per process: answering splits the retrieved passages, and
    a conversation keeps retrieving the same ones (splitting was a third of an extractive answer's time)."""
    return list(_remembered_spans(text, language or "de"))


def split_sentences(text: str, language: str = "de") -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text, language)]
