"""Who „er“ and „das Unternehmen“ are: a sentence whose subject points back to an entity named before it."""

from __future__ import annotations


import re


from ingest.lexicon import (
    DEMONSTRATIVES_DE,
    ENTITY_PRONOUNS_DE,
    NOMINATIVE_ARTICLES_DE,
)
from reader.names import is_person_noun, is_proper


# --- who „er“ and „das Unternehmen“ are ------------------------------------------------------------------------
# class nouns a definite description of an organisation or a person opens with („Das Unternehmen“, „Der Konzern“)
_REFERRING_NOUNS = frozenset(
    "unternehmen konzern firma start-up startup hersteller anbieter gruppe holding verein klub club partei bank "
    "sender verlag label autobauer händler betreiber mannschaft team gerät smartphone".split()
)
_SUBJECT_PRONOUNS = frozenset(ENTITY_PRONOUNS_DE)
_DEFINITE = frozenset((*NOMINATIVE_ARTICLES_DE, *DEMONSTRATIVES_DE))
_AGED = re.compile(r"\d+-[jJ]ährige[rn]?")


def anaphoric_subject(sentence: str) -> bool:
    """The sentence opens with a subject that points back to an entity named before it: „Er“, „Sie“, or a definite
    description — „Das Unternehmen“, „Der Konzern“, „Die 31-Jährige“, „Der Trainer“ (an article with a class noun of
    an organisation, a person noun or an age)."""
    words = sentence.split(maxsplit=3)
    if not words:
        return False
    first = words[0].strip("„“\"'(").lower()
    if first in _SUBJECT_PRONOUNS:
        return True
    if first not in _DEFINITE or len(words) < 2:
        return False
    noun = words[1].strip(".,;:!?„“\"'()")
    if not noun[:1].isupper() and not _AGED.fullmatch(noun):
        return False
    if len(words) > 2 and words[2][:1].isupper() and is_proper(words[2].strip(".,;:!?„“\"'()")):
        return False  # an apposition names the entity here: „Der 21-jährige Otto Warmbier“, „Das Start-up Nordstern“
    return (
        noun.lower() in _REFERRING_NOUNS
        or bool(_AGED.fullmatch(noun))
        or (not is_proper(noun) and is_person_noun(noun))
    )
