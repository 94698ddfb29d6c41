"""Chroma server mode: QUELLE_CHROMA_URL points Quelle at a real `chroma run` (started here on a free localhost
port); several processes share it and each one's lexical index follows the server's contents."""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

import pytest

from quelle.answering.pipeline import ask
from quelle.library import Library
from quelle.resources import Resources
from quelle.settings import Settings
from tests.conftest import DEMO_ARTICLES, write_article
from tests.servers import free_port, http_ok, running


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory):
    chroma = Path(sys.executable).parent / "chroma"
    assert chroma.exists(), f"the chroma CLI (part of the chromadb package) is missing at {chroma}"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("chroma-server") / "server.log"
    cmd = [str(chroma), "run", "--path", str(log.parent / "data"), "--host", "127.0.0.1", "--port", str(port)]
    heartbeat = f"{url}/api/v2/heartbeat"
    with running(cmd, lambda: http_ok(heartbeat), log, what=f"chroma run on {url}", timeout=90, poll=0.3):
        yield url


@pytest.fixture
def server_settings(tmp_path, chroma_url):
    """A fresh collection on the shared server for every test."""
    return Settings(
        data_dir=tmp_path / "a", chroma_url=chroma_url, collection=f"t{uuid.uuid4().hex[:10]}", llm="extractive"
    )


def _ids(passages):
    return [p.meta["article_id"] for p in passages]


def test_ingest_ask_delete_through_the_server(server_settings, embedder, tmp_path):
    res = Resources.open(server_settings, embedder=embedder)
    lib = Library(res)
    report = lib.ingest([DEMO_ARTICLES / "alibaba-ki-offensive.md", DEMO_ARTICLES / "leipziger-buchmesse.md"])
    assert report.summary()["added"] == 2
    stats = lib.stats()
    assert stats["articles"] == 2 and stats["chunks"] > 2 and stats["data_dir"] == server_settings.chroma_url
    assert not (server_settings.data_dir / "chroma").exists()  # nothing of the store is kept locally

    answer = ask("Wo plant Alibaba neue Rechenzentren?", server_settings, resources=res)
    assert not answer.abstained
    assert answer.citations[0].article_id == "alibaba-ki-offensive"
    assert "Brasilien" in answer.answer

    again = lib.ingest([DEMO_ARTICLES / "alibaba-ki-offensive.md"])
    assert again.summary()["unchanged"] == 1

    n = lib.delete("alibaba-ki-offensive")
    assert n > 0
    assert [a["article_id"] for a in lib.articles()] == ["leipziger-buchmesse"]
    for mode in ("dense", "bm25", "hybrid"):
        assert set(_ids(res.retriever.retrieve("Alibaba Rechenzentren Buchmesse", 10, mode=mode))) == {
            "leipziger-buchmesse"
        }
    after = ask("Wo plant Alibaba neue Rechenzentren?", server_settings, resources=res)
    assert all(c.article_id != "alibaba-ki-offensive" for c in after.citations)


def test_a_second_process_sees_what_the_first_ingested(server_settings, embedder, tmp_path):
    # two Resources with their own lexical folders, as two processes on two machines would have
    first = Resources.open(server_settings, embedder=embedder)
    second_settings = server_settings.with_(data_dir=tmp_path / "b")
    second = Resources.open(second_settings, embedder=embedder)
    Library(first).ingest([DEMO_ARTICLES / "leipziger-buchmesse.md"])
    assert second.retriever.retrieve("Buchmesse Leipzig", 1, mode="bm25")  # built from the server's contents

    folder = tmp_path / "neu"
    write_article(
        folder,
        "fusion.md",
        "Der Kernfusionsreaktor Wendelstein erreichte im Versuch eine Plasmadauer "
        "von 43 Sekunden. Die Forscher in Greifswald sprechen von einem Rekord.",
        title="Rekord beim Stellarator",
        date="2026-03-02",
        source="Wissenschaft",
    )
    Library(first).ingest([folder])

    q = "Wie lange hielt das Plasma im Wendelstein-Stellarator?"
    assert _ids(second.retriever.retrieve(q, 1, mode="bm25")) == ["fusion"]
    assert "fusion" in _ids(second.retriever.retrieve(q, 3, mode="dense"))
    answer = ask(q, second_settings, resources=second)
    assert answer.citations and answer.citations[0].article_id == "fusion"
    assert "43 Sekunden" in answer.answer

    Library(first).delete("fusion")
    assert "fusion" not in _ids(second.retriever.retrieve(q, 5, mode="bm25"))
    assert "fusion" not in _ids(second.retriever.retrieve(q, 5, mode="hybrid"))


def test_lexical_index_is_kept_apart_per_server(tmp_path):
    local = Settings(data_dir=tmp_path)
    one = local.with_(chroma_url="http://127.0.0.1:8000")
    other = local.with_(chroma_url="http://127.0.0.1:8001")
    dirs = {local.lexical_dir, one.lexical_dir, other.lexical_dir, one.with_(collection="x").lexical_dir}
    assert len(dirs) == 4
    assert one.lexical_dir == local.with_(chroma_url="http://127.0.0.1:8000/").lexical_dir
