"""Turn German (and English) text into index terms: lower-case, umlaut/ß folding, stop words, lemma then stem,
numbers kept whole ("9,2", "2021"), hyphenated compounds indexed both joined and in parts.

A word's term is the Snowball stem of its simplemma lemma (German and English tables, MIT licence, in the wheel):
lemmas join what stems keep apart (stieg/gestiegen -> steigen, Gäste -> Gast, Rechenzentren -> Rechenzentrum,
Insassen -> Insasse), stems join what the lemma tables do not know. `token_terms` gives the same terms with
their character offsets, for the sentence-level evidence scorer."""

from __future__ import annotations

import re
import threading
from functools import lru_cache

import Stemmer
from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_GERMAN

from ingest.lexicon import QUESTION_FRAME_WORDS, QUESTION_WORDS_DE, QUESTION_WORDS_EN

_TOKEN = re.compile(r"\d+(?:[.,:/]\d+)*|[^\W\d_]+(?:-[^\W\d_]+)*|[^\W_]+")
_FOLD = str.maketrans({"ß": "ss", "ä": "a", "ö": "o", "ü": "u", "à": "a", "á": "a", "é": "e", "è": "e"})
_QUESTION_WORDS = {*QUESTION_WORDS_DE, *QUESTION_WORDS_EN, *QUESTION_FRAME_WORDS}  # ingest/lexicon.py
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
    return _stemmer(language).stemWord(word)


_LEMMA_LANGS = {"de", "en"}


@lru_cache(maxsize=400_000)
def _lemma(word: str, language: str) -> str:
    """simplemma's lemma of a lower-case word (its tables load on first use, ~3 s for German)."""
    import simplemma

    lemma = simplemma.lemmatize(word, lang=language)
    return lemma.lower() if lemma else word


def word_term(word: str, language: str = "de") -> str:
    """The index term of one lower-case word that is no stop word: stem of its lemma, umlauts folded."""
    if language in _LEMMA_LANGS and len(word) > 3:
        word = _lemma(word, language)
    return stem(word.translate(_FOLD), language)


def token_terms(text: str, language: str = "de") -> list[tuple[int, int, list[str]]]:
    """(start, end, terms) of every word of the text that yields index terms (a hyphenated compound yields its
    joined form and its parts); offsets into `text`."""
    out: list[tuple[int, int, list[str]]] = []
    for m in _TOKEN.finditer(text.lower()):
        tok = m.group()
        if tok[0].isdigit():
            out.append((m.start(), m.end(), [tok.rstrip(".,:/")]))
            continue
        if "-" in tok:
            parts = [p for p in tok.split("-") if p]
            terms = [word_term("".join(parts), language)]
            terms.extend(word_term(p, language) for p in parts if p.translate(_FOLD) not in STOPWORDS and len(p) > 1)
            out.append((m.start(), m.end(), terms))
            continue
        if tok.translate(_FOLD) in STOPWORDS or len(tok) < 2:
            continue
        out.append((m.start(), m.end(), [word_term(tok, language)]))
    return out


def analyze(text: str, language: str = "de") -> list[str]:
    """Index terms of a text (the same function for documents and queries)."""
    return [t for _, _, terms in token_terms(text, language) for t in terms]


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


_LINKS = ("", "s", "es", "n", "en", "e", "er")


@lru_cache(maxsize=200_000)
def compound_parts(word: str, language: str = "de") -> tuple[str, ...]:
    """Terms of a German compound's modifier and head, split where both are words of simplemma's German table
    (linking -s-/-es-/-n-/-en-/-e-/-er- allowed): Programmplatz -> (programm, platz), Akkulaufzeit -> (akku,
    laufzeit). () for words that are no such compound (or not German)."""
    if language != "de" or len(word) < 8 or not word.isalpha():
        return ()
    import simplemma

    w = word.lower()
    for i in range(3, len(w) - 3):  # the longest head first: the head decides what the compound is
        head = w[i:]
        if not (simplemma.is_known(head.capitalize(), lang="de") or simplemma.is_known(head, lang="de")):
            continue
        modifier = w[:i]
        for link in _LINKS:
            if link and not modifier.endswith(link):
                continue
            base = modifier[: len(modifier) - len(link)] if link else modifier
            if len(base) >= 4 and (
                simplemma.is_known(base.capitalize(), lang="de") or simplemma.is_known(base, lang="de")
            ):
                return (word_term(base, language), word_term(head, language))
    return ()


# --- word families: derivation, not inflection (issue 30) ------------------------------------------------------
# A term's family key: its stem with one derivational suffix taken off, so a verb and its nominalisation, an agent
# noun, an adjective and its -heit/-keit/-ität noun meet: kooperieren/Kooperation -> kooper, entwickeln/Entwicklung
# -> entwickl, leiten/Leitung -> leit, frei/Freiheit -> frei, produzieren/Produktion -> produz. The suffixes are
# those of German word formation (Duden-Grammatik, „Derivation“: -ung, -ion/-ation, -heit/-keit, -ität, -tum,
# -ieren); the strong verbs whose noun has another vowel (nehmen/Nahme, fliegen/Flug) are listed.
_FAMILY_SUFFIXES = (
    ("ierung", ""),
    ("ation", ""),
    ("ition", ""),
    ("ktion", "z"),
    ("ssion", "t"),
    ("ung", ""),
    ("heit", ""),
    ("keit", ""),
    ("itat", ""),
    ("tum", ""),
    ("ion", ""),
    ("i", ""),  # the stem of an -ieren verb: kooperi, investi, produzi
    ("el", "l"),  # entwickel -> entwickl
)
_ABLAUT = (
    ("nahm", "nehm"),
    ("gab", "geb"),
    ("flug", "flieg"),
    ("zug", "zieh"),
    ("schluss", "schliess"),
    ("griff", "greif"),
    ("wurf", "werf"),
    ("bruch", "brech"),
    ("stieg", "steig"),
    ("spruch", "sprech"),
    ("fahrt", "fahr"),
    ("schnitt", "schneid"),
    ("trag", "trag"),
)
FAMILY_MIN = 4  # a key shorter than this joins unrelated words


@lru_cache(maxsize=200_000)
def family(term: str) -> str:
    """The word-family key of an index term (see above); the term itself when no suffix applies."""
    if len(term) < FAMILY_MIN + 1 or term[0].isdigit():
        return term
    key = term
    for suffix, repl in _FAMILY_SUFFIXES:
        if term.endswith(suffix) and len(term) - len(suffix) + len(repl) >= FAMILY_MIN:
            key = term[: -len(suffix)] + repl
            break
    for noun, verb in _ABLAUT:
        if key.endswith(noun):
            return key[: -len(noun)] + verb
    return key
