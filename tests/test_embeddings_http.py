"""Issue 31: embeddings from an OpenAI-compatible server (`openai:<model>`), a static sentence-transformers model,
prefixes, the store that knows its model, and asking while the embedding server is down."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import DEMO_ARTICLES
from embeddings_server import EmbeddingsServer

QUESTIONS = [
    "Wo baut Alibaba neue Rechenzentren?",
    "Wer gewann das Pokal-Viertelfinale?",
    "Wie teuer sind Mieten in den Großstädten?",
    "Wann startet die Rakete?",
]


@pytest.fixture
def server(embedder):
    with EmbeddingsServer(embedder.model) as srv:
        yield srv


def http_settings(settings, srv, **more):
    return settings.with_(
        **{"embedding_model": "openai:minilm", "embedding_base_url": srv.base_url, "embedding_retries": 2, **more}
    )


def http_embedder(settings, srv, **more):
    from vectorstore.embeddings import create_embedder

    e = create_embedder(http_settings(settings, srv, **more))
    e.backoff = 0.01
    return e


def test_the_registry_chooses_the_embedder_by_name(settings, server):
    from vectorstore.embeddings import Embedder, HttpEmbedder, create_embedder, embedder_kinds

    assert {"bundled:", "sentence-transformers:", "openai:"} <= set(embedder_kinds())
    assert type(create_embedder(settings)) is Embedder
    e = create_embedder(http_settings(settings, server))
    assert isinstance(e, HttpEmbedder) and e.remote_model == "minilm" and e.base_url == server.base_url
    # the base URL and key default to the OpenAI settings
    e = create_embedder(settings.with_(embedding_model="openai:x", openai_base_url="http://127.0.0.1:9/v1"))
    assert e.base_url == "http://127.0.0.1:9/v1"


def test_http_vectors_are_the_models_and_batches_are_halved_when_too_large(settings, server, embedder):
    e = http_embedder(settings, server, embed_batch_size=8)
    server.max_batch = 3
    texts = [f"Satz Nummer {i} über das Wetter in Bayern." for i in range(10)]
    seen = []
    got = e.embed_passages(texts, on_batch=seen.append)
    assert np.allclose(got, embedder.embed_passages(texts), atol=1e-5)
    assert sum(seen) == 10 and max(server.batches) <= 3
    assert e.dimension == embedder.dimension
    # queries are cached: the second time asks no server
    calls = server.calls
    assert np.allclose(e.embed_query("Wetter"), e.embed_query("Wetter"))
    assert server.calls == calls + 1


def test_one_vector_per_token_is_mean_pooled_and_other_shapes_are_refused(settings, server, embedder):
    from vectorstore.embeddings import EmbeddingError

    texts = ["Alibaba baut Rechenzentren in Brasilien.", "Der Verein gewann das Viertelfinale."]
    e = http_embedder(settings, server)
    server.script = ["pertoken"]  # as llama_cpp.server answers for a generative GGUF (no pooling)
    assert np.allclose(e.embed_passages(texts), embedder.embed_passages(texts), atol=1e-5)
    server.script = ["matrix3d"]
    with pytest.raises(EmbeddingError, match="shape"):
        e.embed_passages(texts)


def test_429_with_retry_after_and_500_are_retried(settings, server):
    e = http_embedder(settings, server)
    server.script = [429, 500, "ok"]
    assert e.embed_passages(["Ein Satz."]).shape == (1, 384)
    assert server.calls == 3


def test_timeout_and_a_server_that_stays_down_are_unavailable(settings, server):
    from vectorstore.embeddings import EmbeddingUnavailable

    e = http_embedder(settings, server, embedding_timeout=0.3, embedding_retries=1)
    server.delay = 1.0
    server.script = ["timeout", "timeout"]
    with pytest.raises(EmbeddingUnavailable, match="embedding server unreachable: " + server.base_url):
        e.embed_passages(["Ein Satz."])
    server.script = [500, 500]
    with pytest.raises(EmbeddingUnavailable, match="HTTP 500"):
        e.embed_passages(["Ein Satz."])


def test_wrong_dimension_and_a_short_answer_are_clear_errors(settings, server):
    from vectorstore.embeddings import EmbeddingError

    e = http_embedder(settings, server)
    e.embed_passages(["Erst ein richtiger."])
    server.script = ["wrongdim"]
    with pytest.raises(EmbeddingError, match="dimension 16, earlier ones had 384"):
        e.embed_passages(["Ein Satz."])
    server.script = ["short"]
    with pytest.raises(EmbeddingError, match="returned 1 vectors for 2 texts"):
        e.embed_passages(["Ein Satz.", "Noch einer."])


def test_a_store_refuses_vectors_of_another_dimension(settings, server, embedder):
    from quelle.library import Library
    from quelle.resources import Resources
    from vectorstore.store import StoreError

    res = Resources.open(settings, embedder=embedder)
    Library(res).ingest([DEMO_ARTICLES / "alibaba-ki-offensive.md"])
    assert res.store.collection.metadata["embedding_dimension"] == 384
    with pytest.raises(StoreError, match="dimension 16 .* dimension 384"):
        res.store.upsert(["x"], np.ones((1, 16), dtype=np.float32), ["x"], [{"article_id": "x"}])


def test_parity_the_server_gives_the_same_top_5_as_the_model_in_process(tmp_path, settings, server, embedder):
    from quelle.library import Library
    from quelle.resources import Resources

    local = Resources.open(settings, embedder=embedder)
    Library(local).ingest([DEMO_ARTICLES])
    hs = http_settings(settings.with_(data_dir=tmp_path / "http"), server)
    remote = Resources.open(hs)
    report = Library(remote).ingest([DEMO_ARTICLES])
    assert report.count("failed") == 0
    assert remote.store.collection.metadata["embedding_model"] == "openai:minilm"
    assert remote.index.count() == local.index.count()
    for q in QUESTIONS:
        a = [p.chunk_id for p in local.index.retrieve(q, 5, "dense")]
        b = [p.chunk_id for p in remote.index.retrieve(q, 5, "dense")]
        assert a == b, q


def test_server_down_ask_falls_back_to_bm25_and_ingest_stops_then_resumes(tmp_path, settings, server):
    from quelle.answering.pipeline import ask
    from quelle.library import Library
    from quelle.resources import Resources
    from vectorstore.embeddings import EmbeddingUnavailable

    hs = http_settings(settings, server, embedding_retries=0)
    res = Resources.open(hs)
    res.embedder.backoff = 0.01
    Library(res).ingest([DEMO_ARTICLES / "alibaba-ki-offensive.md"])
    server.script = [503] * 50
    passages = res.index.retrieve(QUESTIONS[0], 5, "hybrid")
    assert passages and res.index.fallback_note.startswith("embedding server unreachable: " + server.base_url)
    assert all(p.extra["fallback"] == res.index.fallback_note for p in passages)
    answer = ask(QUESTIONS[0], hs, resources=res)  # never a crash: the lexical side answers
    assert answer.retrieved and not answer.abstained
    # … and says so: a flag and the reason (issue 31 item 4)
    assert "embedding_unavailable" in answer.flags and answer.fallback.startswith("embedding server unreachable")
    # ingest stops with the server named; what was stored is not embedded again
    with pytest.raises(EmbeddingUnavailable, match=server.base_url):
        Library(res).ingest([DEMO_ARTICLES])
    server.script = []
    before = len(server.inputs)
    report = Library(res).ingest([DEMO_ARTICLES])
    assert report.count("unchanged") == 1 and report.count("added") == 7
    assert not any("Alibaba" in t[:40] for t in server.inputs[before:])
    assert res.index.retrieve(QUESTIONS[0], 5, "hybrid") and res.index.fallback_note is None


def _static_model(path, dim=24):
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.models import StaticEmbedding
    from transformers import AutoTokenizer

    from vectorstore.embeddings import bundled_model_path

    tok = AutoTokenizer.from_pretrained(bundled_model_path())
    weights = np.random.default_rng(0).normal(size=(tok.vocab_size, dim)).astype(np.float32) * 3  # not normalised
    model = SentenceTransformer(modules=[StaticEmbedding(tok, embedding_weights=weights)], device="cpu")
    model.save(str(path))
    return str(path)


def test_a_static_model_with_e5_prefixes_and_another_dimension_ingests_and_answers(tmp_path, settings):
    from quelle.library import Library
    from quelle.resources import Resources
    from vectorstore.embeddings import DEFAULT_MAX_TOKENS

    path = _static_model(tmp_path / "static")
    s = settings.with_(embedding_model=path, query_prefix="query: ", passage_prefix="passage: ")
    res = Resources.open(s)
    assert res.embedder.max_tokens == DEFAULT_MAX_TOKENS  # its max_seq_length is infinite
    assert res.embedder.prefix_tokens() > 0
    report = Library(res).ingest([DEMO_ARTICLES])
    assert report.count("failed") == 0, report.files
    assert res.store.collection.metadata["embedding_dimension"] == 24
    vec = res.embedder.embed_query("Alibaba")
    assert vec.shape == (24,) and abs(float(np.linalg.norm(vec)) - 1) < 1e-5
    assert res.index.retrieve(QUESTIONS[0], 5, "hybrid")
    assert Resources.open(s.with_(embedding_max_tokens=64)).embedder.max_tokens == 64


def test_a_store_opened_with_another_model_names_both_and_the_fix(tmp_path, settings, embedder):
    from quelle.library import Library
    from quelle.resources import Resources
    from vectorstore.store import StoreError

    Library(Resources.open(settings, embedder=embedder)).ingest([DEMO_ARTICLES / "alibaba-ki-offensive.md"])
    path = _static_model(tmp_path / "static")
    with pytest.raises(StoreError) as got:
        Resources.open(settings.with_(embedding_model=path))
    msg = str(got.value)
    assert "bundled:all-MiniLM-L6-v2" in msg and path in msg and "quelle reembed" in msg


def test_a_store_without_a_recorded_model_is_adopted_when_the_dimension_fits(tmp_path, settings, embedder):
    from quelle.library import Library
    from quelle.resources import Resources
    from vectorstore.store import StoreError, forget_persistent_client

    res = Resources.open(settings, embedder=embedder)
    Library(res).ingest([DEMO_ARTICLES / "alibaba-ki-offensive.md"])
    meta = {
        k: v for k, v in res.store.collection.metadata.items() if k not in ("embedding_model", "embedding_dimension")
    }
    res.store.collection.modify(metadata=meta)
    c = res.store.client.get_collection("quelle")
    assert "embedding_model" not in (c.metadata or {})
    forget_persistent_client(str(settings.data_dir / "chroma"))
    with pytest.raises(StoreError, match="dimension 384.*dimension 24"):
        Resources.open(settings.with_(embedding_model=_static_model(tmp_path / "static")))
    forget_persistent_client(str(settings.data_dir / "chroma"))
    again = Resources.open(settings, embedder=embedder)
    assert again.store.collection.metadata["embedding_model"] == "bundled:all-MiniLM-L6-v2"
    assert again.store.collection.metadata["embedding_dimension"] == 384


def test_quelle_ingest_with_the_embedding_server_down_names_it(tmp_path, quelle_cli):
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        "QUELLE_EMBEDDING_MODEL": "openai:minilm",
        "QUELLE_EMBEDDING_BASE_URL": f"http://127.0.0.1:{port}/v1",
        "QUELLE_EMBEDDING_RETRIES": "0",
    }
    result = quelle_cli("ingest", DEMO_ARTICLES, data_dir=tmp_path / "index", env=env, check=False)
    assert result.exit_code == 1
    assert f"embedding server unreachable: http://127.0.0.1:{port}/v1" in result.stderr
    assert "quelle ingest" in result.stderr


def test_a_loaded_embedder_is_reused_only_for_the_same_model_server_and_prefixes(tmp_path, settings, server, embedder):
    from quelle.resources import Resources

    assert Resources.open(settings, embedder=embedder).embedder is embedder
    assert Resources.open(settings.with_(query_prefix="query: "), embedder=embedder).embedder is not embedder
    settings = settings.with_(data_dir=tmp_path / "http")
    first = Resources.open(http_settings(settings, server)).embedder
    again = Resources.open(http_settings(settings, server), embedder=first).embedder
    assert again is first
    other = Resources.open(
        http_settings(settings, server).with_(embedding_base_url="http://127.0.0.1:9/v1"), embedder=first
    )
    assert other.embedder is not first and other.embedder.base_url == "http://127.0.0.1:9/v1"


def test_a_server_that_answers_wrongly_also_leaves_asking_to_the_lexical_side(tmp_path, settings, server):
    from quelle.library import Library
    from quelle.resources import Resources

    res = Resources.open(http_settings(settings, server))
    Library(res).ingest([DEMO_ARTICLES / "alibaba-ki-offensive.md"])
    server.script = [401]
    res.embedder._cache.clear()
    assert res.index.retrieve(QUESTIONS[0], 3, "dense")
    assert res.index.fallback_note.startswith("embedding failed: embedding server " + server.base_url + " answered 401")
