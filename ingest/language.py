"""Which language an article is written in (lingua, restricted to the languages Quelle can stem and split)."""

from __future__ import annotations

from functools import lru_cache

SUPPORTED = ("de", "en", "fr", "es", "it", "nl")
DEFAULT = "de"
_SAMPLE_CHARS = 4000  # the opening of an article is plenty to tell its language


@lru_cache(maxsize=1)
def _detector():
    """Built on first use only: six languages in low-accuracy mode (trigrams) take ~15 MB and 0.1 s to load,
    against ~180 MB and 2 s for all models; article-length texts do not need more."""
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    languages = [Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())) for code in SUPPORTED]
    return LanguageDetectorBuilder.from_languages(*languages).with_low_accuracy_mode().build()


def normalise_language(value) -> str:
    """'de', 'DE', 'de-DE', 'de_AT', 'German', 'Deutsch' -> 'de'; '' when not one of the supported languages."""
    v = str(value or "").strip().lower().replace("_", "-")
    if not v:
        return ""
    names = {"german": "de", "deutsch": "de", "english": "en", "englisch": "en", "french": "fr", "französisch": "fr",
             "spanish": "es", "spanisch": "es", "italian": "it", "italienisch": "it", "dutch": "nl",
             "niederländisch": "nl"}
    code = names.get(v, v.split("-")[0])
    return code if code in SUPPORTED else ""


def detect_language(text: str, default: str = DEFAULT) -> str:
    """ISO 639-1 code of the text's language among SUPPORTED; `default` when the text is too short to tell."""
    sample = (text or "")[:_SAMPLE_CHARS]
    if sum(ch.isalpha() for ch in sample) < 20:
        return default
    found = _detector().detect_language_of(sample)
    if found is None:
        return default
    return found.iso_code_639_1.name.lower()
