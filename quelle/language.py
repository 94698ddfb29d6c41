"""Which language a question is in (German or English), for prompts, stemming and abstention text."""

from __future__ import annotations

import re

_WORD = re.compile(r"[a-zäöüß]+")
_DE = {"der", "die", "das", "und", "ist", "wo", "wer", "wie", "was", "wann", "welche", "welcher", "welches",
       "nicht", "ein", "eine", "den", "dem", "des", "mit", "von", "für", "auf", "im", "zu", "sich", "hat",
       "wurde", "warum", "wieso", "viele", "plant", "sind", "es", "er", "sie", "ich", "nach", "bei", "über"}
_EN = {"the", "and", "is", "where", "who", "how", "what", "when", "which", "not", "a", "an", "of", "with",
       "for", "on", "to", "has", "was", "were", "why", "many", "does", "did", "are", "it", "he", "she", "in",
       "from", "about", "by", "do"}


def detect_language(text: str, default: str = "de") -> str:
    """'de' or 'en' by function words and umlauts; German when unsure (German-first app)."""
    words = _WORD.findall(text.lower())
    de = sum(w in _DE for w in words) + 2 * sum(ch in "äöüß" for ch in text.lower())
    en = sum(w in _EN for w in words)
    if en > de:
        return "en"
    if de > en:
        return "de"
    return default
