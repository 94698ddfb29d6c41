"""Proper names, person nouns and country names in German (and English) text: what the fillers and the
evidence stage call a name."""

from __future__ import annotations


import re
import threading
from functools import lru_cache


from vectorstore.analysis import compound_parts


_PERSON_WORD = re.compile(
    r"(?:mann|frau|leute|chef|chefin|boss|person|premier|tochter|sohn|mutter|vater|bruder|schwester|kind)$", re.I
)
_UMLAUT = str.maketrans("aouAOU", "äöüÄÖÜ")


def known(word: str) -> bool:
    import simplemma

    return simplemma.is_known(word, lang="de")


@lru_cache(maxsize=10_000)
def is_person_noun(noun: str) -> bool:
    """A noun that names a person: it has a feminine form with -in that simplemma's German table knows (Trainer ->
    Trainerin, Arzt -> Ärztin; Triathletin is one), or so has its head („Schlagersänger“ -> Sängerin, „Ex-Nokia-Chef“,
    „Helferkoordinator“ -> Koordinatorin); not Element, Theater, Verlag, Computer (an ending such as -ent/-er/-or
    says little: Heizelement, Theater and Sektor have no Heizelementin). The feminine form needs its plural in -innen
    too: Termin, Benzin and Motor are no persons. Heads shorter than five letters count only as the whole word (no
    Zeugin inside „Werkzeug“)."""
    head = noun.split("-")[-1]
    if not head or not head[0].isalpha():
        return False
    if _PERSON_WORD.search(head):
        return True
    for i in [0, *range(1, len(head) - 4)]:
        tail = head[i].upper() + head[i + 1 :]
        if not known(tail):
            continue
        if tail.endswith("in") and len(tail) > 5 and _feminine(tail):
            return True
        last = max(tail.rfind(v) for v in "aouAOU")
        umlaut = tail[:last] + tail[last].translate(_UMLAUT) + tail[last + 1 :] if last >= 0 else tail
        if _feminine(tail + "in") or _feminine(umlaut + "in"):
            return True
    return False


def _feminine(word: str) -> bool:
    """A feminine person noun in -in: simplemma knows it and its plural in -innen (Trainerin, Trainerinnen; not
    Termin, Benzin or a Motorin without Motorinnen)."""
    return known(word) and known(word + "nen")


@lru_cache(maxsize=1)
def country_names() -> frozenset[str]:
    """German and English country names (babel's CLDR locale data, in its wheel)."""
    try:
        from babel import Locale
    except ImportError:  # pragma: no cover - babel is a dependency
        return frozenset()
    names: set[str] = set()
    for loc in ("de", "de_AT", "en"):
        names.update(n for n in Locale.parse(loc).territories.values() if n and n[0].isupper())
    return frozenset(names)


@lru_cache(maxsize=1)
def _english_to_german_countries() -> tuple[re.Pattern, dict[str, str]]:
    from babel import Locale

    en, de = Locale.parse("en").territories, Locale.parse("de").territories
    names = {en[c]: de[c] for c in en if c in de and c.isalpha() and en[c] != de[c] and en[c][0].isupper()}
    longest_first = sorted(names, key=len, reverse=True)
    return re.compile(r"\b(" + "|".join(re.escape(n) for n in longest_first) + r")(?:['’]s)?\b"), names


def german_country_names(text: str) -> list[str]:
    """The German names of the English country names in a text („Austria's“ -> Österreich; babel's CLDR data): an
    English question over German articles finds them by their German name."""
    pattern, names = _english_to_german_countries()
    return list(dict.fromkeys(names[m.group(1)] for m in pattern.finditer(text)))


def with_german_names(text: str, language: str) -> str:
    """A question in another language than German with the German names of its countries added (the one rule for
    the first stage, the evidence stage and the reader; adding twice adds nothing)."""
    if language == "de":
        return text
    names = [n for n in german_country_names(text) if n not in text.split()]
    return " ".join([text, *names]) if names else text


def is_country(name: str) -> bool:
    """The name of a country (babel's German and English names: „Marokko“, „Syrien“, „Austria“)."""
    return name.strip(".-'’") in country_names()


_TAGGER = None
_TAGGER_LOCK = threading.Lock()


def _tagger():
    """HanTa's German tagger (LGPL; its model ships in the wheel), loaded on first use (~0.3 s)."""
    global _TAGGER
    if _TAGGER is None:
        with _TAGGER_LOCK:
            if _TAGGER is None:
                from HanTa import HanoverTagger

                _TAGGER = HanoverTagger.HanoverTagger("morphmodel_ger.pgz")
    return _TAGGER


NE_MARGIN = 3.0  # a word is a name when HanTa's NE reading is within this log-probability of its best reading


@lru_cache(maxsize=200_000)
def is_proper(word: str) -> bool:
    """A capitalised word that is a proper name (person, place, organisation): an acronym, a country name (babel's
    CLDR data); a word of simplemma's German table that HanTa's lexicon reads as a name (NE) about as readily as
    anything else (Ulm, Andreas, Merkel); a word the table does not know and that is no compound of words it knows
    (Mogensen, Stenzel, Scorsese); or one that is such a compound but that HanTa reads as a name (Mariazell — but not
    Klimaschutzgesetz, Akkulaufzeit)."""
    word = word.strip(".-'’")
    if len(word) < 2 or not word[0].isupper():
        return False
    if word in country_names() or (word.isupper() and word.isalpha()):
        return True
    import simplemma

    parts = [p for p in word.split("-") if p]
    if len(parts) > 1:
        return any(is_proper(p) for p in parts if p[0].isupper())
    if not simplemma.is_known(word, lang="de") and (not word.isalpha() or not compound_parts(word)):
        return True
    return _reads_as_name(word)


def _reads_as_name(word: str) -> bool:
    """HanTa reads the word as a name (NE) about as readily as anything else. A look-up for the words of its corpus;
    for others its guesser costs a few milliseconds, remembered per word (is_proper's cache). Tried and left out:
    asking the guesser only after a place preposition, or skipping it for compounds HanTa never saw — a cold ask on
    news-de 846 -> 659 ms, but XQuAD-de answer_contains 0.752 -> 0.748 (news-de unchanged)."""
    readings = _tagger().tag_word(word)
    if not readings:
        return False
    best = float(readings[0][1])
    return any(tag == "NE" and float(lp) >= best - NE_MARGIN for tag, lp in readings[:3])


@lru_cache(maxsize=10_000)
def is_verb(word: str) -> bool:
    """HanTa's best reading of the word is a verb form („zahlte“, „kostet“; not „neue“, „mutmaßliche“)."""
    readings = _tagger().tag_word(word)
    return bool(readings) and readings[0][0].startswith(("VV", "VA", "VM"))


def unknown_word(word: str) -> bool:
    word = word.strip(".-'’")
    return word.isalpha() and not known(word)


def is_named_compound(word: str) -> bool:
    """A hyphenated common noun with a name in front: a German compound is what its last part is, so „Sachsen-Tatort“,
    „Volvo-Chef“, „ÖVP-Kandidatin“ name no one, while „Heinz-Christian“, „Ferrero-Waldner“ and „Al-Nusra-Front“ (two
    names in front) do."""
    parts = [p for p in word.strip(".-'’").split("-") if p]
    if len(parts) < 2 or not parts[-1][0].isupper():
        return False
    proper = [is_proper(p) for p in parts]
    return not proper[-1] and sum(proper) < 2
