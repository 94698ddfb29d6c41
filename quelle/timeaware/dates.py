"""Dates in a question → a TimeFilter (since, until, the words it was read from), relative to a reference date.

Two layers:

1. Our own small grammar (`_GRAMMAR`) for what dateparser 1.5 does not read (measured in
   tests/test_timeaware_dates.py, the column `dateparser`): direction words („seit Januar“, „bis März“, „vor 2016“,
   „nach 2020“, since/until/before/after), ranges („zwischen März und Mai 2025“, „von 2020 bis 2023“), seasons
   („im Sommer 2024“), quarters and halves („im ersten Quartal 2025“, Q1 2025), „Anfang/Mitte/Ende 2024“, „im Jahr
   2023“ (dateparser reads the article „die“ as Dienstag there), „in den letzten drei Monaten“, and a calendar
   period for every expression: a year filters the whole year, „im März 2016“ the month, „letzte Woche“ Monday to
   Sunday — dateparser's `search_dates` returns one point in time.
2. dateparser's `search_dates` (German and English) for any date expression the grammar did not cover (other
   spellings: „Sept. 2024“, "on 3rd May 2016" …); a match counts only when it holds a digit or a calendar word
   (so „die“, „am“, „now“ are no dates), and its period (day, week, month, year) comes from dateparser's
   `DateDataParser.get_date_data`.

Without a reference date the grammar uses today. Everything is calendar arithmetic on `datetime.date`.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from ingest.lexicon import (
    CALENDAR_UNITS,
    CARDINALS_DE,
    CARDINALS_EN,
    EIN_FORMS_DE,
    INDEFINITE_ARTICLES_EN,
    MONTHS,
    SEASONS,
    WEEKDAYS,
)

# months, weekdays, seasons, number words and calendar units come from ingest/lexicon.py; an article counts one
# here („vor einem Jahr“, "a year ago")
NUMBERS = {**dict.fromkeys(EIN_FORMS_DE + INDEFINITE_ARTICLES_EN, 1), **CARDINALS_DE, **CARDINALS_EN}
ORDINALS = {
    "erste": 1,
    "ersten": 1,
    "first": 1,
    "1.": 1,
    "zweite": 2,
    "zweiten": 2,
    "second": 2,
    "2.": 2,
    "dritte": 3,
    "dritten": 3,
    "third": 3,
    "3.": 3,
    "vierte": 4,
    "vierten": 4,
    "fourth": 4,
    "4.": 4,
    "letzte": 4,
    "letzten": 4,
    "last": 4,
}
UNITS = CALENDAR_UNITS


@dataclass(frozen=True)
class TimeFilter:
    """The date range a question asks about, and the words of the question it was read from."""

    since: str | None  # ISO date, inclusive; None: open
    until: str | None
    from_text: str
    start: int = 0  # where from_text sits in the question (the first expression when there are several)
    end: int = 0

    def to_dict(self) -> dict:
        return {"since": self.since, "until": self.until, "from_text": self.from_text}


def report_window(period: TimeFilter, lag_days: float, cap: dt.date | None = None) -> TimeFilter:
    """The publication dates of the articles that can report on a question's period. In news the date of a question
    is the time of the event, and the report comes after it („Wie viele Wohnungen wurden 2025 fertiggestellt?“ is
    answered in January 2026): an article can report on a period from the period's start until `lag_days` after its
    end — since = period start, until = period end + lag (an open end stays open; „bis Ende Oktober“ is a bound on
    the event, so its publication bound is the end of October + lag). `cap`: no later than this date (an explicit
    reference date; the articles after it are left out anyway). The words it was read from stay the period's."""
    until = period.until
    if until:
        end = dt.date.fromisoformat(until) + dt.timedelta(days=int(lag_days))
        if cap and end > cap:
            end = cap
        until = end.isoformat()
    return TimeFilter(period.since, until, period.from_text, period.start, period.end)


@dataclass
class _Match:
    start: int
    end: int
    first: dt.date  # the period's first and last day
    last: dt.date
    text: str
    open_end: bool = False  # „seit Januar“: until the reference date
    open_start: bool = False  # „bis März“, „vor 2016“
    source: str = "grammar"
    range: bool = False  # two expressions joined: „von 2020 bis 2023“


# --- calendar arithmetic ----------------------------------------------------------------------------------------
def month_end(y: int, m: int) -> dt.date:
    return dt.date(y, m, calendar.monthrange(y, m)[1])


def add_months(d: dt.date, n: int) -> dt.date:
    m = d.month - 1 + n
    y, m = d.year + m // 12, m % 12 + 1
    return dt.date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


def _year(y: int) -> tuple[dt.date, dt.date]:
    return dt.date(y, 1, 1), dt.date(y, 12, 31)


def _month(y: int, m: int) -> tuple[dt.date, dt.date]:
    return dt.date(y, m, 1), month_end(y, m)


def _past_month_year(m: int, ref: dt.date) -> int:
    """The year of the most recent month `m` up to the reference date (this year's, or last year's when later)."""
    return ref.year if m <= ref.month else ref.year - 1


def _past_day(m: int, d: int, ref: dt.date) -> dt.date | None:
    for y in (ref.year, ref.year - 1):
        try:
            day = dt.date(y, m, d)
        except ValueError:
            continue
        if day <= ref:
            return day
    return None


def _number(word: str) -> int | None:
    w = word.lower()
    return int(w) if w.isdigit() else NUMBERS.get(w)


# --- the grammar ------------------------------------------------------------------------------------------------
_M = "|".join(sorted(MONTHS, key=len, reverse=True))
_W = "|".join(sorted(WEEKDAYS, key=len, reverse=True))
_N = r"\d{1,3}|" + "|".join(sorted(NUMBERS, key=len, reverse=True))
_U = "|".join(sorted(UNITS, key=len, reverse=True))
_S = "|".join(sorted(SEASONS, key=len, reverse=True))
_Y = r"(?:19|20)\d\d"
_PART = {"anfang": 0, "beginning": 0, "early": 0, "mitte": 1, "middle": 1, "mid": 1, "ende": 2, "end": 2, "late": 2}
_ART = r"(?:(?:im|am|in|an|um|zu|vom|von|ab|seit|bis|im\s+laufe\s+de[sr]|during|in\s+the|on|on\s+the|of)\s+)?"


def _rx(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.I | re.U)


# each rule: (regex, function(match, ref) -> (first, last) | None); tried in order, longest-first by construction
def _r_iso(m, ref):
    y, mo, d = int(m["y"]), int(m["mo"]), int(m["d"])
    day = dt.date(y, mo, d)
    return day, day


def _r_numeric_day(m, ref):
    d, mo = int(m["d"]), int(m["mo"])
    if m["y"]:
        y = int(m["y"])
        y = y + 2000 if y < 100 else y
        day = dt.date(y, mo, d)
    else:
        day = _past_day(mo, d, ref)
    return (day, day) if day else None


def _r_day_month(m, ref):
    d, mo = int(m["d"]), MONTHS[m["mon"].lower().rstrip(".")]
    day = dt.date(int(m["y"]), mo, d) if m["y"] else _past_day(mo, d, ref)
    return (day, day) if day else None


def _r_month_day_en(m, ref):
    mo, d = MONTHS[m["mon"].lower().rstrip(".")], int(m["d"])
    day = dt.date(int(m["y"]), mo, d) if m["y"] else _past_day(mo, d, ref)
    return (day, day) if day else None


def _r_part(m, ref):
    part = _PART[m["part"].lower()]
    if m["mon"]:
        mo = MONTHS[m["mon"].lower().rstrip(".")]
        y = int(m["y"]) if m["y"] else _past_month_year(mo, ref)
        first, last = _month(y, mo)
        bounds = [(1, 10), (11, 20), (21, last.day)][part]
        return first.replace(day=bounds[0]), first.replace(day=bounds[1])
    y = int(m["y"])
    return [
        (dt.date(y, 1, 1), dt.date(y, 4, 30)),
        (dt.date(y, 5, 1), dt.date(y, 8, 31)),
        (dt.date(y, 9, 1), dt.date(y, 12, 31)),
    ][part]


def _r_season(m, ref):
    start = SEASONS[m["season"].lower()]
    if m["y"]:
        y = int(m["y"])
    else:  # the most recent one that has begun
        y = ref.year if (start < 12 and ref.month >= start) or (start == 12 and ref.month == 12) else ref.year - 1
        if start == 12 and ref.month < 3:
            y = ref.year - 1
    first = dt.date(y, start, 1)
    return first, add_months(first, 3) - dt.timedelta(days=1)


def _r_quarter(m, ref):
    q = ORDINALS.get((m["ord"] or "").lower()) or int(m["qn"])
    y = int(m["y"]) if m["y"] else ref.year
    first = dt.date(y, 3 * (q - 1) + 1, 1)
    return first, add_months(first, 3) - dt.timedelta(days=1)


def _r_half(m, ref):
    h = 1 if (m["ord"] or "").lower() in ("erste", "ersten", "first", "1.") else 2
    y = int(m["y"]) if m["y"] else ref.year
    return (dt.date(y, 1, 1), dt.date(y, 6, 30)) if h == 1 else (dt.date(y, 7, 1), dt.date(y, 12, 31))


def _r_month_year(m, ref):
    return _month(int(m["y"]), MONTHS[m["mon"].lower().rstrip(".")])


def _r_year(m, ref):
    return _year(int(m["y"]))


def _r_month(m, ref):
    mo = MONTHS[m["mon"].lower().rstrip(".")]
    return _month(_past_month_year(mo, ref), mo)


def _r_relative_day(m, ref):
    back = {"heute": 0, "today": 0, "gestern": 1, "yesterday": 1, "vorgestern": 2}[m["w"].lower()]
    day = ref - dt.timedelta(days=back)
    return day, day


def _week(ref: dt.date, back: int) -> tuple[dt.date, dt.date]:
    monday = ref - dt.timedelta(days=ref.weekday()) - dt.timedelta(weeks=back)
    return monday, monday + dt.timedelta(days=6)


def _r_this_last(m, ref):
    last = m["which"].lower() not in ("diese", "dieser", "diesen", "dieses", "this", "laufenden", "laufende")
    unit = UNITS.get(m["unit"].lower(), "year")
    if unit == "week":
        return _week(ref, 1 if last else 0)
    if unit == "month":
        first = add_months(ref.replace(day=1), -1 if last else 0)
        return first, month_end(first.year, first.month)
    return _year(ref.year - 1 if last else ref.year)


def _r_ago(m, ref):
    n = _number(m["n"])
    unit = UNITS[m["unit"].lower()]
    if n is None:
        return None
    if unit == "day":
        day = ref - dt.timedelta(days=n)
        return day, day
    if unit == "week":
        return _week(ref, n)
    if unit == "month":
        first = add_months(ref.replace(day=1), -n)
        return first, month_end(first.year, first.month)
    return _year(ref.year - n)


def _r_last_n(m, ref):
    n = _number(m["n"]) if m["n"] else 1
    unit = UNITS[m["unit"].lower()]
    if n is None:
        return None
    if unit == "day":
        return ref - dt.timedelta(days=n), ref
    if unit == "week":
        return ref - dt.timedelta(weeks=n), ref
    if unit == "month":
        return add_months(ref, -n), ref
    return add_months(ref, -12 * n), ref


def _r_vorjahr(m, ref):
    return _year(ref.year - 1)


def _r_heuer(m, ref):
    return _year(ref.year)


def _r_weekday(m, ref):
    wd = WEEKDAYS[m["wd"].lower()]
    back = (ref.weekday() - wd) % 7 or 7  # the most recent one before the reference date
    day = ref - dt.timedelta(days=back)
    return day, day


_GRAMMAR: list[tuple[re.Pattern, object]] = [
    (_rx(rf"\b(?P<y>{_Y})-(?P<mo>\d\d)-(?P<d>\d\d)\b"), _r_iso),
    (_rx(rf"\b(?:am\s+|on\s+)?(?P<d>[0-3]?\d)\.\s?(?P<mo>[01]?\d)\.(?:\s?(?P<y>{_Y}|\d\d)\b)?"), _r_numeric_day),
    (
        _rx(
            rf"\b(?:am\s+|on\s+(?:the\s+)?)?(?P<d>[0-3]?\d)(?:\.|st|nd|rd|th)?\s?(?:of\s+)?(?P<mon>{_M})\b\.?"
            rf"(?:,?\s+(?P<y>{_Y})\b)?"
        ),
        _r_day_month,
    ),
    (
        _rx(rf"\b(?:on\s+)?(?P<mon>{_M})\.?\s+(?P<d>[0-3]?\d)(?:st|nd|rd|th)?\b(?!\.\d)(?:,?\s+(?P<y>{_Y})\b)?"),
        _r_month_day_en,
    ),
    (
        _rx(
            rf"\b(?:(?:zu|im|in\s+the)\s+)?(?P<part>anfang|mitte|ende|beginning|middle|end|early|mid|late)"
            rf"(?:\s+of)?[\s-]+(?:(?P<mon>{_M})\.?(?:\s+(?P<y>{_Y}))?|(?P<y2>{_Y}))\b"
        ),
        None,
    ),  # resolved below
    (
        _rx(
            rf"\b{_ART}(?P<season>{_S})"
            rf"(?:\s+(?:of\s+)?(?P<y>{_Y}))?\b"
        ),
        _r_season,
    ),
    (
        _rx(
            rf"\b{_ART}(?:(?P<ord>erste[nm]?|zweite[nm]?|dritte[nm]?|vierte[nm]?|letzte[nm]?|first|second|third|fourth|"
            rf"last|[1-4]\.)\s+(?:quartal|quarter)|q(?P<qn>[1-4]))(?:\s+(?:of\s+)?(?P<y>{_Y}))?\b"
        ),
        _r_quarter,
    ),
    (
        _rx(
            rf"\b{_ART}(?P<ord>erste[nm]?|zweite[nm]?|first|second|1\.|2\.)\s+(?:halbjahr|jahreshälfte|half)"
            rf"(?:\s+(?:of\s+)?(?P<y>{_Y}))?\b"
        ),
        _r_half,
    ),
    (_rx(rf"\b{_ART}(?P<mon>{_M})\.?\s+(?P<y>{_Y})\b"), _r_month_year),
    (
        _rx(
            rf"\b{_ART}(?:(?:de[mn]|the)\s+)?(?:jahr(?:e|es)?\s+|year\s+)?(?P<y>{_Y})\b(?!\s*[-–/]?\s*\d)"
            r"(?!\s*(?:(?-i:[A-ZÄÖÜ])|%|€|\$|prozent|percent|euro|dollar|menschen|mal\b))"
        ),
        _r_year,
    ),
    (_rx(r"\b(?P<w>heute|today|gestern|yesterday|vorgestern)\b"), _r_relative_day),
    (
        _rx(
            r"\b(?:(?:in|im|in\s+der|in\s+den|am)\s+)?(?P<which>letzte[nrs]?|vergangene[nrs]?|vorige[nrs]?|diese[nrs]?|"
            r"laufende[nrs]?|last|this)\s+(?P<unit>woche|monat|jahr|week|month|year)\b"
        ),
        _r_this_last,
    ),
    (_rx(rf"\b(?:vor\s+(?P<n>{_N})\s+(?P<unit>{_U})\b)"), _r_ago),
    (_rx(rf"\b(?P<n>{_N})\s+(?P<unit>{_U})\s+ago\b"), _r_ago),
    (
        _rx(
            rf"\b(?:in|während|within|over|during)\s+(?:den|der|the)\s+(?:letzten|vergangenen|past|last)\s+"
            rf"(?:(?P<n>{_N})\s+)?(?P<unit>{_U})\b"
        ),
        _r_last_n,
    ),
    (_rx(r"\b(?:im\s+)?vorjahr\b|\bim\s+vergangenen\s+jahr\b"), _r_vorjahr),
    (_rx(r"\bheuer\b"), _r_heuer),
    (_rx(rf"\b(?:(?:am|letzten|vergangenen|vorigen|on|last)\s+)(?P<wd>{_W})\b"), _r_weekday),
    (
        _rx(
            rf"\b(?:(?:im|in|seit|bis|ab|since|until|till|from|by|zwischen|between|von|vom|und|and)\s+)(?P<mon>{_M})\b(?!\.?\s*\d)"
        ),
        _r_month,
    ),
]

_PART_RULE = _GRAMMAR[4][0]
# direction words right before an expression
_SINCE = _rx(r"(?:\b(?:seit|ab|since|from|nach|after|starting)\s+(?:de[mnr]\s+|the\s+)?)$")
_UNTIL = _rx(r"(?:\b(?:bis|until|till|up\s+to|through|bis\s+zu[mr]?|before|vor)\s+(?:de[mnr]\s+|the\s+)?)$")
_RANGE_GAP = _rx(r"^\s*(?:bis(?:\s+zu[mr]?)?|und|to|and|until|–|-)\s*$")
_RANGE_LEAD = _rx(r"(?:\b(?:zwischen|von|vom|from|between)\s+)$")


def _grammar(question: str, ref: dt.date) -> list[_Match]:
    taken = [False] * len(question)
    out: list[_Match] = []
    for i, (rx, rule) in enumerate(_GRAMMAR):
        for m in rx.finditer(question):
            if any(taken[m.start() : m.end()]):
                continue
            try:
                if rx is _PART_RULE:
                    y = m["y"] or m["y2"]
                    if not m["mon"] and not y:
                        continue
                    got = _r_part(_PartMatch(m, y), ref)
                else:
                    got = rule(m, ref)
            except (ValueError, KeyError):
                continue
            if not got:
                continue
            out.append(_Match(m.start(), m.end(), got[0], got[1], m.group().strip()))
            for k in range(m.start(), m.end()):
                taken[k] = True
    return sorted(out, key=lambda x: x.start)


class _PartMatch:
    """A match of the Anfang/Mitte/Ende rule seen through the names _r_part reads."""

    def __init__(self, m: re.Match, y: str | None):
        self.m, self.y = m, y

    def __getitem__(self, key):
        return self.y if key == "y" else self.m[key]


# --- dateparser -------------------------------------------------------------------------------------------------
_CALENDAR_WORD = _rx(
    rf"\d|\b(?:{_M}|{_W}|heute|gestern|vorgestern|morgen|woche|monat|jahr|today|yesterday|week|"
    r"month|year|ago)\b"
)
_WORDY = _rx(rf"\b(?:{_M}|{_W}|heute|gestern|vorgestern|woche|monat|jahr|today|yesterday|week|month|year|ago)\b")
_NUMERIC_DATE = _rx(r"\d{1,4}[./-]\d{1,2}")


@lru_cache(maxsize=1)
def _date_data_parser():
    from dateparser.date import DateDataParser

    return DateDataParser(languages=["de", "en"], settings={"PREFER_DATES_FROM": "past"})


def dateparser_matches(question: str, ref: dt.date) -> list[tuple[str, dt.date, str]]:
    """dateparser's own reading of the question: (matched text, date, period) for each match that holds a digit or
    a calendar word. Exposed so the tests can show what the library alone covers."""
    from dateparser.search import search_dates

    base = dt.datetime.combine(ref, dt.time(12))
    found = (
        search_dates(question, languages=["de", "en"], settings={"RELATIVE_BASE": base, "PREFER_DATES_FROM": "past"})
        or []
    )
    out = []
    for text, when in found:
        # a bare number is no date here (the grammar reads years, with guards against „2000 Euro“)
        if not _CALENDAR_WORD.search(text) or not (_WORDY.search(text) or _NUMERIC_DATE.search(text)):
            continue
        data = _date_data_parser().get_date_data(text.strip(" ?!.,"), date_formats=None)
        period = data.period if data and data.date_obj else "day"
        out.append((text, when.date(), period or "day"))
    return out


def _from_dateparser(question: str, ref: dt.date, taken: list[_Match]) -> list[_Match]:
    masked = list(question)
    for m in taken:
        masked[m.start : m.end] = " " * (m.end - m.start)
    text = "".join(masked)
    if not _CALENDAR_WORD.search(text):
        return []
    out = []
    pos = 0
    for found, day, period in dateparser_matches(text, ref):
        at = text.find(found, pos)
        if at < 0:
            continue
        pos = at + len(found)
        if period == "year":
            first, last = _year(day.year)
        elif period == "month":
            first, last = _month(day.year, day.month)
        elif period == "week":
            first, last = _week(day, 0)
        else:
            first = last = day
        out.append(_Match(at, at + len(found), first, last, found.strip(), source="dateparser"))
    return out


# --- putting it together ----------------------------------------------------------------------------------------
def question_dates(question: str, as_of: dt.date | None = None, use_dateparser: bool = True) -> TimeFilter | None:
    """The date range the question names, or None when it names none. `as_of`: the reference date (today)."""
    ref = as_of or dt.date.today()
    matches = _grammar(question, ref)
    if use_dateparser:
        matches = sorted(matches + _from_dateparser(question, ref, matches), key=lambda x: x.start)
    if not matches:
        return None
    merged = _ranges(question, matches)
    for m in merged:
        if not m.range:
            _direction(question, m)
    since = min(m.first for m in merged if not m.open_start) if any(not m.open_start for m in merged) else None
    until = None if any(m.open_end for m in merged) else max(m.last for m in merged)
    if since and until and since > until:
        since, until = until, since
    text = " … ".join(m.text for m in merged)
    return TimeFilter(
        since.isoformat() if since else None,
        until.isoformat() if until else None,
        text,
        merged[0].start,
        merged[-1].end,
    )


def _ranges(question: str, matches: list[_Match]) -> list[_Match]:
    """„zwischen März und Mai 2025“, „von 2020 bis 2023“, "from 2020 to 2023": two expressions become one range."""
    out: list[_Match] = []
    for m in matches:
        prev = out[-1] if out else None
        gap = question[prev.end : m.start] if prev else ""
        second = m.text.split()[0].lower() if m.text else ""
        if (
            prev
            and not prev.range
            and (_RANGE_GAP.match(gap) or (not gap.strip() and second in ("bis", "until", "till")))
        ):
            lead = _RANGE_LEAD.search(question[max(0, prev.start - 12) : prev.start])
            if (
                lead
                or prev.text.split()[0].lower() in ("von", "vom", "from", "zwischen", "between")
                or "bis" in gap.lower()
                or second == "bis"
            ):
                first = prev.first
                if not re.search(_Y, prev.text) and re.search(_Y, m.text) and first.year != m.last.year:
                    first = first.replace(year=m.last.year)  # „zwischen März und Mai 2025“: the year is said once
                start = prev.start - len(lead.group()) if lead else prev.start
                out[-1] = _Match(
                    start, m.end, first, m.last, question[start : m.end].strip(), source=prev.source, range=True
                )
                continue
        out.append(m)
    return out


def _direction(question: str, m: _Match) -> None:
    """Direction words before (or at the start of) an expression: „seit Januar“ (open end), „bis März“, „vor 2016“
    (open start), „nach 2020“ (from the day after)."""
    before = question[max(0, m.start - 20) : m.start]
    lead = re.search(r"(\S+)\s+$", before)
    lead_word = lead.group(1).lower() if lead else ""
    own = m.text.split()[0].lower() if m.text else ""
    is_ago = bool(re.match(r"vor\s+\D", m.text, re.I))  # „vor zwei Jahren“ is a period, not „before“
    if own in ("seit", "ab", "since", "from") or lead_word in ("seit", "ab", "since", "from", "nach", "after"):
        if lead_word in ("nach", "after"):
            m.first = m.last + dt.timedelta(days=1)
        m.open_end = True
    elif (own in ("bis", "until", "till") or lead_word in ("bis", "until", "till", "before", "vor")) and not is_ago:
        if lead_word in ("vor", "before") or own == "vor":
            m.last = m.first - dt.timedelta(days=1)
        m.open_start = True
    else:
        return
    if lead and own not in ("seit", "ab", "since", "from", "bis", "until", "till"):
        m.start -= len(lead.group())
    m.text = question[m.start : m.end].strip()


def spans_of(question: str, tf: TimeFilter | None) -> list[tuple[int, int]]:
    """Where the filter's words are in the question (to leave them out of the search words)."""
    if tf is None:
        return []
    out = []
    for part in tf.from_text.split(" … "):
        at = question.find(part)
        if at >= 0:
            out.append((at, at + len(part)))
    return out
