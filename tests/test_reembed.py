"""Issue 31 item 2: `quelle reembed` embeds every stored chunk again with the configured model — resumable after a
failure or kill -9, the old vectors answering until the new set is complete, then one switch."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from conftest import DEMO_ARTICLES, ROOT
from test_chroma_server import chroma_url  # noqa: F401 (the fixture)
from test_embeddings_http import _static_model

QUESTION = "Wo baut Alibaba neue Rechenzentren?"


@pytest.fixture
def built(settings, embedder, tmp_path):
    """A demo store built with the bundled model, and the path of a tiny static model to move to."""
    from quelle.library import Library
    from quelle.resources import Resources

    res = Resources.open(settings, embedder=embedder)
    assert Library(res).ingest([DEMO_ARTICLES]).count("failed") == 0
    return res, _static_model(tmp_path / "static")


def _fresh(settings, embedder=None):
    from quelle.resources import Resources
    from vectorstore.store import forget_persistent_client

    forget_persistent_client(str(settings.data_dir / "chroma"))
    return Resources.open(settings, embedder=embedder)


class Failing:
    """The new model, failing like a server that goes down after `pages` pages."""

    def __init__(self, inner, pages):
        self.inner, self.pages = inner, pages
        self.name = inner.name

    def embed_passages(self, texts, on_batch=None):
        from vectorstore.embeddings import EmbeddingUnavailable

        if self.pages == 0:
            raise EmbeddingUnavailable("embedding server unreachable: http://127.0.0.1:9/v1 (scripted)")
        self.pages -= 1
        return self.inner.embed_passages(texts, on_batch)


def test_reembed_fails_half_way_the_old_vectors_answer_then_it_resumes_and_switches(
    settings, embedder, built, monkeypatch
):
    import quelle.reembed as rm
    import vectorstore.reembed as vr
    from vectorstore.embeddings import EmbeddingUnavailable, create_embedder
    from vectorstore.store import StoreError

    res, path = built
    total = res.index.count()
    before = [p.chunk_id for p in res.index.retrieve(QUESTION, 5, "dense")]
    new = settings.with_(embedding_model=path)
    monkeypatch.setattr(vr, "PAGE", 8)
    with pytest.raises(EmbeddingUnavailable):
        rm.reembed(new, embedder=Failing(create_embedder(new), pages=2))
    # not switched: the bundled model's store answers as before, the new model is refused
    old = _fresh(settings, embedder)
    assert old.store.name == "quelle" and old.index.count() == total
    assert [p.chunk_id for p in old.index.retrieve(QUESTION, 5, "dense")] == before
    with pytest.raises(StoreError, match="quelle reembed"):
        _fresh(new)
    # resumed: the 16 chunks embedded before are kept
    seen = []
    report = rm.reembed(new, progress=lambda done, n: seen.append((done, n)))
    assert report.switched and report.kept == 16 and report.embedded == total - 16
    assert seen[0] == (16, total) and seen[-1] == (total, total)
    moved = _fresh(new)
    assert moved.store.name == rm.target_name("quelle", path) and moved.index.count() == total
    assert moved.store.collection.metadata["embedding_dimension"] == 24
    assert moved.index.retrieve(QUESTION, 5, "hybrid")
    ids = {c.chunk_id for c in moved.index.iter_chunks()}
    assert len(ids) == total
    names = {c.name for c in moved.store.client.list_collections()}
    assert "quelle" not in names  # the old vectors are gone: never a store of mixed vectors
    # a process still on the old model follows the switch and is told what to do
    with pytest.raises(StoreError, match="quelle reembed"):
        _fresh(settings, embedder)
    # nothing to do a second time
    assert not rm.reembed(new).switched


def test_reembed_killed_with_sigkill_resumes_complete_and_consistent(settings, built):
    from quelle.reembed import reembed, target_name

    res, path = built
    total = res.index.count()
    script = textwrap.dedent(
        f"""
        import os, signal, sys
        sys.path.insert(0, {str(ROOT)!r})
        import quelle.reembed as rm
        import vectorstore.reembed as vr
        from quelle.settings import Settings
        from vectorstore.embeddings import create_embedder
        s = Settings(data_dir={str(settings.data_dir)!r}, llm="extractive", embedding_model={path!r})
        e = create_embedder(s)
        real, pages = e.embed_passages, [0]
        def embed(texts, on_batch=None):
            if pages[0] == 3:
                os.kill(os.getpid(), signal.SIGKILL)
            pages[0] += 1
            return real(texts, on_batch)
        e.embed_passages = embed
        vr.PAGE = 5
        rm.reembed(s, embedder=e)
        """
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, timeout=300)
    assert done.returncode == -9, done.stderr.decode()[-2000:]
    # the old collection is still the active one and whole
    old = _fresh(settings, res.embedder)
    assert old.store.name == "quelle" and old.index.count() == total
    report = reembed(settings.with_(embedding_model=path))
    assert report.switched and report.kept == 15 and report.embedded == total - 15
    moved = _fresh(settings.with_(embedding_model=path))
    assert moved.store.name == target_name("quelle", path) and moved.index.count() == total
    got = moved.store.collection.get(include=["embeddings"])
    assert len(got["ids"]) == total and np.asarray(got["embeddings"]).shape == (total, 24)


def test_reembed_is_a_cli_command(settings, embedder, built, quelle_cli):
    res, path = built
    result = quelle_cli(
        "reembed", "--json", data_dir=settings.data_dir, env={"QUELLE_EMBEDDING_MODEL": path}, check=True
    )
    assert '"switched": true' in result.stdout
    result = quelle_cli("stats", data_dir=settings.data_dir, env={"QUELLE_EMBEDDING_MODEL": None}, check=False)
    assert result.exit_code != 0 and "quelle reembed" in result.stderr


def test_reembed_through_a_chroma_server_switches_every_process(tmp_path, embedder, chroma_url):  # noqa: F811
    import uuid

    from quelle.library import Library
    from quelle.reembed import reembed, target_name
    from quelle.resources import Resources
    from quelle.settings import Settings
    from vectorstore.store import StoreError

    s = Settings(
        data_dir=tmp_path / "a", chroma_url=chroma_url, collection=f"t{uuid.uuid4().hex[:10]}", llm="extractive"
    )
    res = Resources.open(s, embedder=embedder)
    Library(res).ingest([DEMO_ARTICLES / "alibaba-ki-offensive.md", DEMO_ARTICLES / "leipziger-buchmesse.md"])
    total = res.index.count()
    path = _static_model(tmp_path / "static")
    new = s.with_(embedding_model=path, data_dir=tmp_path / "b")
    report = reembed(new)
    assert report.switched and report.total == total
    moved = Resources.open(new)
    assert moved.store.name == target_name(s.collection, path) and moved.index.count() == total
    assert moved.index.retrieve(QUESTION, 3, "hybrid")
    with pytest.raises(StoreError, match="quelle reembed"):  # the process on the old model follows and is told
        res.index.retrieve(QUESTION, 3, "dense")
