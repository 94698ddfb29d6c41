"""A cold `quelle ask`: the model starts loading in the background while the store opens — only when the question
will be embedded (dense, hybrid), never for --mode bm25 — and is loaded once."""

from __future__ import annotations

import importlib
import threading

from typer.testing import CliRunner

from quelle.resources import Resources, preload_model
from vectorstore.embeddings import Embedder


class CountingEmbedder(Embedder):
    def __init__(self):
        super().__init__("bundled:all-MiniLM-L6-v2")
        self.loads = 0
        self.release = threading.Event()

    def _load(self):
        self.loads += 1
        self.release.wait(10)  # still loading when the main thread asks for it
        return object()


def test_preloading_loads_the_model_once_in_the_background():
    emb = CountingEmbedder()
    thread = preload_model(emb)
    assert thread.daemon and thread.is_alive()  # the caller goes on while the model loads
    waiter = threading.Thread(target=lambda: emb.model)  # the first real use waits for the same load
    waiter.start()
    emb.release.set()
    thread.join(10), waiter.join(10)
    assert emb.loads == 1 and emb._model is not None


def test_a_failing_preload_is_left_to_the_first_use_to_report():
    class Broken(CountingEmbedder):
        def _load(self):
            self.loads += 1
            raise RuntimeError("no model here")

    emb = Broken()
    preload_model(emb).join(10)
    assert emb.loads == 1 and emb._model is None  # the first real use tries again and raises its own error


def test_the_cli_preloads_only_for_questions_it_embeds(demo_store, monkeypatch):
    cli = importlib.import_module("quelle.cli.app")
    asked = []

    def fake_open(cls, s, embedder=None, preload=False):
        asked.append(preload)
        return Resources(s, demo_store.embedder, demo_store.index)

    monkeypatch.setattr(Resources, "open", classmethod(fake_open))
    monkeypatch.setattr(cli.State, "open_resources", None)
    monkeypatch.setattr(cli.State, "data_dir", None)
    env = {"QUELLE_DATA_DIR": str(demo_store.settings.data_dir), "QUELLE_LLM": "extractive"}
    for mode in ("bm25", "hybrid", "dense"):
        got = CliRunner().invoke(cli.app, ["ask", "--mode", mode, "Wo plant Alibaba Rechenzentren?"], env=env)
        assert got.exit_code == 0, got.stderr
    assert asked == [False, True, True]
