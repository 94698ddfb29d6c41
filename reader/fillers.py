from __future__ import annotations


import re
from functools import lru_cache


from ingest.lexicon import (
    ARTICLES_EN,
    CARDINALS_DE,
    CARDINALS_EN,
    DEFINITE_ARTICLES_DE,
    FRACTIONS_DE,
    FRACTIONS_EN,
    MIXED_NUMBERS_DE,
    MONTHS,
    MULTIPLIERS_DE,
    MULTIPLIERS_EN,
    NOT_DATES_IN_TEXT,
    NUMBER_SUFFIXES_DE,
    PERCENT_WORDS,
    PLACE_PREPOSITIONS_DE,
    PLACE_PREPOSITIONS_EN,
    SCALE_ABBREVIATIONS_DE,
    SCALE_WORDS_DE,
    SCALE_WORDS_EN,
    SEASONS,
    UNITS_CLOCK,
    UNITS_DURATION,
    UNITS_LENGTH,
    UNITS_MONEY,
    UNITS_SPEED,
    UNITS_TEMPERATURE,
    UNITS_WEIGHT,
    WEEKDAYS,
)
from reader.kinds import DATE, NAME, NUMBER, PLACE, REASON, ROLE, WHICH
from reader.names import country_names, is_named_compound, is_person_noun, is_proper, unknown_word


# --- fillers -------------------------------------------------------------------------------------------------
def _alternation(words) -> str:
    """A regex alternation of words (from ingest/lexicon.py), the longest first."""
    return "|".join(re.escape(w) for w in sorted(dict.fromkeys(words), key=len, reverse=True))


# number words (ingest/lexicon.py): a German number is written in one word of its parts („dreiundzwanzig“,
# „zweieinhalb“) and may end in -mal/-fach/-stellig; ein alone is the article, no number
_NUMBER_PARTS = _alternation((*CARDINALS_DE, "und", *MIXED_NUMBERS_DE))
_NUMBER_HEADS = _alternation((*(w for w in CARDINALS_DE if w != "ein"), *MIXED_NUMBERS_DE))
_NUMBER_WORD = re.compile(
    rf"(?:{_NUMBER_PARTS})*(?:{_NUMBER_HEADS})(?:{_alternation(NUMBER_SUFFIXES_DE)})?|"
    + _alternation(
        (
            *MULTIPLIERS_DE,
            *SCALE_WORDS_DE,
            *FRACTIONS_DE,
            *PERCENT_WORDS,
            *CARDINALS_EN,
            *SCALE_WORDS_EN,
            *FRACTIONS_EN,
            *MULTIPLIERS_EN,
        )
    ),
    re.I,
)
# words that scale the number before them (a number span takes them: „fünf Millionen“, „15,5 Mio. Euro“)
SCALE_WORD = re.compile(_alternation((*SCALE_WORDS_DE, *SCALE_ABBREVIATIONS_DE)), re.I)
_NUMBER_TOKEN = re.compile(r"\d+(?:[.,:]\d+)*(?:\s?%)?|[^\W\d_]+", re.U)
# month, weekday and season words in running text (ingest/lexicon.py), without those that are other words too
_MONTH_WORDS = tuple(w for w in MONTHS if w not in NOT_DATES_IN_TEXT)
_MONTHS = _alternation(_MONTH_WORDS)
_WEEKDAYS = _alternation(WEEKDAYS)
_SEASONS = _alternation(w for w in SEASONS if w not in NOT_DATES_IN_TEXT)
# words that measure what their number counts (time, money, distance, weight, speed, temperature, clock time):
# „21.45 Uhr“ or „drei Tagen“ count no spectators (percentages may: „62 Prozent der Wähler“), nor does the day of a
# date („2. Jänner“)
MEASURES = (
    UNITS_DURATION
    + UNITS_MONEY
    + UNITS_LENGTH
    + UNITS_WEIGHT
    + UNITS_SPEED
    + UNITS_TEMPERATURE
    + UNITS_CLOCK
    + _MONTH_WORDS
)
_DATE = re.compile(
    rf"\b\d{{1,2}}\.\s?(?:{_MONTHS})\.?(?:\s+\d{{4}})?\b|\b(?:{_MONTHS})\s+\d{{4}}\b|\b\d{{1,2}}\.\s?\d{{1,2}}\.(?:\s?\d{{2,4}})?|"
    rf"\b(?:{_MONTHS})\b|\b(?:{_WEEKDAYS})\b|\b(?:1[5-9]\d\d|20\d\d)(?:er)?\b|\b\d{{1,2}}\.\s?jahrhundert\b|"
    rf"\b(?:vorjahr|vormonat|vorwoche|wochenende|gestern|heute|morgen|anfang|ende|mitte|{_SEASONS})\b",
    re.I,
)
_REASON = re.compile(
    r"\b(?:weil|da|denn|wegen|aufgrund|auf\s+grund|angesichts|infolge|grund|gründe|deshalb|daher|"
    r"darum|deswegen|weshalb|sodass|damit|um\b[^.]{1,80}\bzu|because|due\s+to|since|as\s+a\s+result|"
    r"owing|reason)\b",
    re.I,
)


_CAP_WORD = re.compile(r"[A-ZÄÖÜ][\w'’\-]*\w|[A-ZÄÖÜ]", re.U)
_PLACE_PREPS = frozenset((*PLACE_PREPOSITIONS_DE, *PLACE_PREPOSITIONS_EN))
_ARTICLES = frozenset((*DEFINITE_ARTICLES_DE, *ARTICLES_EN))


def _cap_runs(piece: str) -> list[list[tuple[int, int]]]:
    """Runs of capitalised words separated by single spaces (word offsets); the sentence's first word only when it is
    itself a name."""
    runs: list[list[tuple[int, int]]] = []
    first = _first_word(piece)
    for m in _CAP_WORD.finditer(piece):
        if m.start() > 0 and (piece[m.start() - 1].isalnum() or piece[m.start() - 1] in "-_"):
            continue
        if runs and piece[runs[-1][-1][1] : m.start()] == " ":
            runs[-1].append((m.start(), m.end()))
        else:
            runs.append([(m.start(), m.end())])
    out = []
    for run in runs:
        if run[0][0] == first and not is_proper(piece[run[0][0] : run[0][1]]):
            run = run[1:]
        if run:
            out.append(run)
    return out


def _name_runs(piece: str) -> list[tuple[int, int]]:
    """Runs of capitalised words that hold at least one proper name, from the first name to the last."""
    out = []
    for run in _cap_runs(piece):
        names = [i for i, (s, e) in enumerate(run) if is_proper(piece[s:e])]
        if names:
            last = names[-1]
            # a word the lemma table does not know after a name is its surname („Florian Silbereisen“), even
            # when it reads as a compound of known words
            while last + 1 < len(run) and unknown_word(piece[run[last + 1][0] : run[last + 1][1]]):
                last += 1
            out.append((run[names[0]][0], run[last][1]))
    return out


_DATELINE = re.compile(r"\s*(?:\([^)]{1,20}\)\s*)?[–—-]\s")


def _person_runs(piece: str) -> list[tuple[int, int]]:
    """Name runs that can name a person or organisation: without a dateline and without the leading or trailing
    compounds of a name and a common noun („ÖVP-Chef Reinhold Mitterlehner“ -> „Reinhold Mitterlehner“)."""
    out = []
    for s, e in _name_runs(piece):
        if s == _first_word(piece) and _DATELINE.match(piece, e):
            continue
        words = [(m.start() + s, m.end() + s) for m in re.finditer(r"\S+", piece[s:e])]
        while words and is_named_compound(piece[words[0][0] : words[0][1]]):
            words.pop(0)
        while words and is_named_compound(piece[words[-1][0] : words[-1][1]]):
            words.pop()
        if words:
            out.append((words[0][0], words[-1][1]))
    return out


def _place_spans(piece: str) -> list[tuple[int, int]]:
    """Names that follow a place preposition („in Ulm“, „aus dem Iran“, „nach Bad Ischl“, „in der Hafenstadt
    Mohammedia“) and country names anywhere („darf Südafrika nicht verlassen“)."""
    out = []
    countries = country_names()
    for run in _cap_runs(piece):
        before = piece[max(0, run[0][0] - 30) : run[0][0]].split()
        while before and before[-1].lower() in _ARTICLES:
            before.pop()
        if before and before[-1].lower() in _PLACE_PREPS:
            names = [i for i, (s, e) in enumerate(run) if is_proper(piece[s:e])]
            if names:
                out.append((run[names[0]][0], run[names[-1]][1]))
                continue
        out.extend((s, e) for s, e in run if piece[s:e].strip(".-'’") in countries)
    return out


def _number_spans(text: str) -> list[tuple[int, int]]:
    """Numbers in digits or words; digits glued to letters name a thing, not a quantity („Galaxy S6“, „U6“), and
    numbers next to each other are one („fünf Millionen“, „15,5 Millionen“)."""
    out: list[tuple[int, int]] = []
    for m in _NUMBER_TOKEN.finditer(text):
        tok = m.group()
        if tok[0].isdigit() and (
            (m.start() > 0 and text[m.start() - 1].isalpha()) or text[m.end() : m.end() + 1].isupper()
        ):  # „U6“, „Galaxy S6“ and „3D-Druck“, „5G“, „4K“ name things
            continue
        if tok[0].isdigit() or _NUMBER_WORD.fullmatch(tok):
            if out and text[out[-1][1] : m.start()] == " " and SCALE_WORD.fullmatch(tok):
                out[-1] = (out[-1][0], m.end())
            else:
                out.append((m.start(), m.end()))
    return out


def fillers(text: str, kind: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Character spans in text[start:end] (offsets into `text`) that could fill an answer of this kind."""
    end = len(text) if end is None else end
    return [(s + start, e + start) for s, e in _fillers(text[start:end], kind)]


@lru_cache(maxsize=100_000)
def _fillers(piece: str, kind: str) -> tuple[tuple[int, int], ...]:
    """fillers() of one sentence, remembered (the same passages come back question after question)."""
    spans: list[tuple[int, int]] = []
    if kind == NUMBER:
        spans = _number_spans(piece)
    elif kind == DATE:  # parts of one date next to each other are one: „Ende Jänner“, „Herbst 1990“
        for m in _DATE.finditer(piece):
            if spans and piece[spans[-1][1] : m.start()] in (" ", " des Jahres "):
                spans[-1] = (spans[-1][0], m.end())
            else:
                spans.append((m.start(), m.end()))
    elif kind == PLACE:
        spans = _place_spans(piece)
    elif kind == NAME:
        spans = _person_runs(piece)
    elif kind == WHICH:  # „Welcher Chip“ -> „Snapdragon-810-Chip“: a name, also in front of a common noun
        spans = _name_runs(piece)
    elif kind == REASON:
        spans = [(m.start(), m.end()) for m in _REASON.finditer(piece)]
    elif kind == ROLE:  # „als Pressefotograf“, „ist von Beruf Lehrerin“: a person noun after als / von Beruf
        spans = [m.span(1) for m in _ROLE.finditer(piece) if is_person_noun(m.group(1))]
    return tuple(spans)


_ROLE = re.compile(r"\b(?:als|von\s+Beruf|works\s+as\s+an?)\s+(?:[a-zäöü][\w-]*\s+)?([A-ZÄÖÜ][\w-]+)", re.U)


def _first_word(piece: str) -> int:
    m = re.search(r"\w", piece)
    return m.start() if m else 0
