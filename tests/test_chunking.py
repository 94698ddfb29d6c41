"""Chunks are whole sentences, exact slices of the article, and never exceed the model's token limit."""

import pytest

from ingest.chunking import chunk_article
from ingest.models import Article
from ingest.sentences import split_sentences


def _article(text, title="Titel"):
    return Article(article_id="a", title=title, text=text)


def test_german_sentences_split_at_sentence_ends_not_abbreviations():
    text = "Dr. Müller sagte z. B., dass die Aktie um 9,2 % stieg. Am 24. November 2026 folgte mehr. Warum?"
    assert split_sentences(text) == [
        "Dr. Müller sagte z. B., dass die Aktie um 9,2 % stieg.",
        "Am 24. November 2026 folgte mehr.",
        "Warum?",
    ]


def test_chunks_are_exact_slices_with_offsets_and_metadata(embedder):
    text = " ".join(f"Satz Nummer {i} handelt von Rechenzentren in Brasilien und Frankreich." for i in range(60))
    art = Article(article_id="x", title="T", text=text, date="2026-01-02", source="S")
    chunks = chunk_article(art, embedder, budget=60, overlap=1)
    assert len(chunks) > 3
    for i, c in enumerate(chunks):
        assert c.text == text[c.start : c.end]
        assert (c.article_id, c.index, c.title, c.date, c.source) == ("x", i, "T", "2026-01-02", "S")
        assert c.chunk_id == f"x::{i:05d}"


def test_no_chunk_exceeds_the_model_token_limit_even_with_endless_sentences(embedder):
    endless = "Rechenzentrumsinfrastrukturinvestitionsprogramm " * 400  # one 'sentence' of thousands of tokens
    text = "Kurz. " + endless + "Ende. " + "Noch ein ganz normaler Satz. " * 50
    chunks = chunk_article(_article(text), embedder, budget=embedder.max_tokens, overlap=1)
    counts = embedder.count_tokens([c.text for c in chunks])
    assert max(counts) <= embedder.max_tokens == 254
    covered = "".join(c.text for c in chunks)
    assert "Ende." in covered and "Kurz." in covered


def test_consecutive_chunks_share_one_sentence(embedder):
    text = " ".join(f"Das ist der Satz mit der Nummer {i} im Text." for i in range(40))
    chunks = chunk_article(_article(text), embedder, budget=50, overlap=1)
    for a, b in zip(chunks, chunks[1:]):
        last_sentence_of_a = split_sentences(a.text)[-1]
        assert b.text.startswith(last_sentence_of_a)


def test_a_passage_split_again_gives_the_same_sentences_without_splitting_again(monkeypatch):
    import ingest.sentences as sentences

    text = "Alibaba baut Rechenzentren in Mexiko. Die Investition beträgt 53 Milliarden Yuan. Am 21. Mai begann es."
    first = sentences.passage_sentence_spans(text, "de")
    assert first == sentences.sentence_spans(text, "de") and len(first) == 3
    monkeypatch.setattr(sentences, "sentence_spans", lambda *a: pytest.fail("split again"))
    assert sentences.passage_sentence_spans(text, "de") == first
