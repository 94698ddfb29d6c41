"""Text clean-up shared by all loaders: NFC, no control characters, tidy whitespace."""

from __future__ import annotations

import re
import unicodedata

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060\ufeff\ufffe\u00ad]")
_LINE_SEPARATORS = re.compile(r"[\u2028\u2029\x85]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_MANY_NEWLINES = re.compile(r"\n{3,}")


def normalise_text(text: str) -> str:
    """NFC; control characters, BOMs and soft hyphens removed; runs of spaces folded; at most one blank line."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _LINE_SEPARATORS.sub("\n", text)
    text = _CONTROL.sub("", text)
    text = _SPACES.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    text = _MANY_NEWLINES.sub("\n\n", text)
    return text.strip()


def slugify(value: str, max_len: int = 60) -> str:
    """A readable, stable id from a file name or title: 'Alibaba KI-Offensive' -> 'alibaba-ki-offensive'."""
    value = unicodedata.normalize("NFKD", value.replace("ß", "ss"))
    value = value.encode("ascii", "ignore").decode("ascii").lower()
    value = re.sub(r"[^a-z0-9]+", "-", value).strip("-")
    return value[:max_len].strip("-") or "article"


_LIGATURES = str.maketrans(
    {"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl", "\ufb05": "st", "\ufb06": "st"}
)
_QUOTE_PAIRS = ((",,", "„"), ("``", "“"), ("''", "”"), ("<<", "«"), (">>", "»"))
# a word broken at a line end: 'Rechen-\nzentrum' -> 'Rechenzentrum'; 'CDU-\nPolitiker' keeps its hyphen
_HYPHEN_BREAK = re.compile(r"(\w)[-\u2010\u00ad]\n[ \t]*(\w)")


def normalise_quotes(text: str) -> str:
    """Typewriter stand-ins for typographic quotes (',,' '``' "''" '<<' '>>') and ligatures (ﬁ ﬂ) made real."""
    text = text.translate(_LIGATURES)
    for old, new in _QUOTE_PAIRS:
        text = text.replace(old, new)
    return text


def join_hyphenation(text: str) -> str:
    """Undo line-end hyphenation: joined without the hyphen before a lower-case letter, with it otherwise."""

    def fix(m: re.Match) -> str:
        left, right = m.group(1), m.group(2)
        return left + right if right.islower() and not left.isdigit() else left + "-" + right

    return _HYPHEN_BREAK.sub(fix, text)
