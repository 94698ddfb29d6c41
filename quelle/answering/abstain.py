"""The plain sentence Quelle says when the articles do not hold the answer."""

ABSTAIN_TEXT = {
    "de": "In den Artikeln finde ich dazu keine Angabe.",
    "en": "The articles don't say.",
}


def abstention(language: str) -> str:
    return ABSTAIN_TEXT.get(language, ABSTAIN_TEXT["de"])
