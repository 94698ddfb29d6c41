"""Passage embedding batches texts of like token length together; the vectors are those of the model itself."""

import numpy as np


def test_passage_vectors_equal_the_model_on_each_text_alone_whatever_the_batching(embedder):
    texts = [
        "Kurz.",
        "Alibaba baut neue Rechenzentren in Mexiko, Japan und Brasilien. " * 6,
        "Die Cloudsparte wuchs um 26 Prozent.",
        "Ein mittellanger Satz über das Wetter in Bayern am Wochenende.",
    ]
    calls = []
    vectors = embedder.embed_passages(texts, on_batch=calls.append)
    alone = np.stack([embedder.model.encode([t], normalize_embeddings=True)[0] for t in texts])
    assert vectors.shape == (4, embedder.dimension)
    assert np.allclose(vectors, alone, atol=1e-5)
    assert sum(calls) == 4


def test_batches_are_sorted_by_token_count_not_by_characters(embedder, monkeypatch):
    embedder.batch_size = 2
    texts = [
        "1234567890 1234567890 1234567890",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "ein zwei drei vier fünf sechs sieben acht",
        "x",
    ]
    seen = []
    real = embedder.model.encode
    monkeypatch.setattr(embedder.model, "encode", lambda batch, **kw: seen.append(batch) or real(batch, **kw))
    try:
        embedder.embed_passages(texts)
    finally:
        embedder.batch_size = 64
    tokens = [embedder.count_tokens(b) for b in seen]
    assert [len(b) for b in seen] == [2, 2]
    assert min(tokens[0]) >= max(tokens[1])
