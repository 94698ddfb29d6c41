"""Turn German (and English) text into index terms: lower-case, umlaut/ß folding, stop words, stemming,
numbers kept whole ("9,2", "2021"), hyphenated compounds indexed both joined and in parts."""

from __future__ import annotations

import re
import threading
from functools import lru_cache

import Stemmer
from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_GERMAN

_TOKEN = re.compile(r"\d+(?:[.,:/]\d+)*|[^\W\d_]+(?:-[^\W\d_]+)*|[^\W_]+")
_FOLD = str.maketrans({"ß": "ss", "ä": "a", "ö": "o", "ü": "u", "à": "a", "á": "a", "é": "e", "è": "e"})
_QUESTION_WORDS = {"wo", "wann", "wer", "wie", "was", "welche", "welcher", "welches", "welchem", "welchen",
                   "warum", "wieso", "weshalb", "wieviel", "wieviele", "viel", "viele", "woher", "wohin",
                   "wem", "wen", "wessen", "who", "what", "when", "where", "which", "why", "how", "many", "much",
                   "gibt", "gab", "nennt", "genannt", "heißt", "heisst", "does", "did", "do"}
STOPWORDS = {w.translate(_FOLD) for w in set(STOPWORDS_GERMAN) | set(STOPWORDS_EN) | _QUESTION_WORDS}

_STEMMER_LANG = {"de": "german", "en": "english", "fr": "french", "es": "spanish", "it": "italian", "nl": "dutch"}
_local = threading.local()  # PyStemmer objects are not thread-safe


def _stemmer(language: str) -> Stemmer.Stemmer:
    cache = getattr(_local, "stemmers", None)
    if cache is None:
        cache = _local.stemmers = {}
    name = _STEMMER_LANG.get(language, "german")
    if name not in cache:
        cache[name] = Stemmer.Stemmer(name)
    return cache[name]


@lru_cache(maxsize=200_000)
def stem(word: str, language: str = "de") -> str:
    s = _stemmer(language).stemWord(word)
    if language == "de" and len(s) >= 7 and s.endswith("um"):  # Zentrum/Zentren, Museum/Museen
        s = s[:-2]
    return s


def analyze(text: str, language: str = "de") -> list[str]:
    """Index terms of a text (the same function for documents and queries)."""
    terms: list[str] = []
    for m in _TOKEN.finditer(text.lower()):
        tok = m.group()
        if tok[0].isdigit():
            terms.append(tok.rstrip(".,:/"))
            continue
        tok = tok.translate(_FOLD)
        if "-" in tok:
            parts = [p for p in tok.split("-") if p]
            joined = "".join(parts)
            terms.append(stem(joined, language))
            terms.extend(stem(p, language) for p in parts if p not in STOPWORDS and len(p) > 1)
            continue
        if tok in STOPWORDS or len(tok) < 2:
            continue
        terms.append(stem(tok, language))
    return terms


def content_terms(text: str, language: str = "de") -> list[str]:
    """Distinct terms of a question, in order."""
    seen: dict[str, None] = {}
    for t in analyze(text, language):
        seen.setdefault(t, None)
    return list(seen)


NGRAM = 4


def char_ngrams(terms: list[str], n: int = NGRAM) -> list[str]:
    """Character n-grams of word terms (numbers excluded): matches compound parts and inflected variants
    that stemming misses ("Rechenzentren"/"Zentren", "Cloudsparte"/"Sparte")."""
    return [t[i : i + n] for t in terms if len(t) > n and not t[0].isdigit() for i in range(len(t) - n + 1)]
