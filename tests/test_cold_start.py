"""A cold `quelle ask` loads the embedding model only when the question needs it (dense and hybrid embed it; bm25
does not), and once. (Loading it in a background thread while the store opens was tried and taken back: no gain
measured, docs/performance.md „Cold start“.)"""

from __future__ import annotations

import importlib

from quelle.resources import Resources
from vectorstore.embeddings import Embedder
from vectorstore.index import Index


class CountingEmbedder(Embedder):
    """The bundled model (the session's, already loaded), counting how often it is loaded."""

    def __init__(self, real: Embedder):
        super().__init__(real.name)
        self.real = real
        self.loads = 0

    def _load(self):
        self.loads += 1
        return self.real.model


def test_the_model_is_loaded_only_for_questions_that_embed_and_once(demo_store, embedder, quelle_cli, monkeypatch):
    cli = importlib.import_module("quelle.cli.app")
    counting = CountingEmbedder(embedder)
    monkeypatch.setattr(cli.State, "open_resources", lambda s: Resources(s, counting, Index.open(s, counting)))
    data_dir = demo_store.settings.data_dir
    env = {"QUELLE_LLM": "extractive"}
    got = quelle_cli("ask", "--mode", "bm25", "Wo plant Alibaba neue Rechenzentren?", data_dir=data_dir, env=env)
    assert "Brasilien" in got.stdout and counting.loads == 0  # answered without the model
    quelle_cli("ask", "Wo plant Alibaba neue Rechenzentren?", data_dir=data_dir, env=env)
    quelle_cli("ask", "--mode", "dense", "Wann ist die Buchmesse?", data_dir=data_dir, env=env)
    assert counting.loads == 1
