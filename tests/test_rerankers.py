"""Issue 31 item 3: the optional second-stage reranker (QUELLE_RERANKER, vectorstore/rerankers.py). A tiny
CrossEncoder made in the test from the bundled MiniLM's files (its head is untrained: the scores mean nothing, the
test checks the plumbing), scripted /rerank servers on loopback in both request shapes, a server that is down, and
an eval run with `--config reranker=...`. Off by default: nothing changes without it."""

from __future__ import annotations

import json
import shutil
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.conftest import DEMO
from tests.servers import free_port

QUESTION = "Wo plant Alibaba neue Rechenzentren?"


# --- helpers -------------------------------------------------------------------------------------------------------
def reversed_scores(n: int) -> list[float]:
    """The scripted servers' scores: the later a passage came, the higher (the first stage's order reversed)."""
    return [round((i + 1) / n, 6) for i in range(n)]


class ScriptedRerank:
    """A /rerank server on loopback speaking one request shape: "tei" ({query, texts} → [{index, score}]) or
    "cohere" ({model, query, documents, top_n} → {results: [{index, relevance_score}]}, best first, as Jina and
    Cohere answer). A body of the other shape gets a 422, as such servers answer it. Records every request. With
    `key`, it answers 401 to a request without that Bearer token (as Jina, Cohere or a TEI started with a key do)."""

    def __init__(self, shape: str, key: str | None = None):
        self.shape, self.requests, self.auth = shape, [], []  # auth: the Authorization header of every request
        self.key = key  # when set, a request without `Authorization: Bearer <key>` gets a 401
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                outer.requests.append((self.path, body))
                outer.auth.append(self.headers.get("Authorization"))
                if outer.key and self.headers.get("Authorization") != f"Bearer {outer.key}":
                    return self.answer(401, {"error": "invalid api key"})
                texts = body.get("texts") if outer.shape == "tei" else body.get("documents")
                if self.path.rstrip("/").split("/")[-1] != "rerank":
                    return self.answer(404, {"error": "not found"})
                if not isinstance(texts, list) or (outer.shape == "cohere" and "model" not in body):
                    return self.answer(422, {"error": "unprocessable"})
                scores = reversed_scores(len(texts))
                if outer.shape == "tei":
                    rows = [{"index": i, "score": s} for i, s in enumerate(scores)]
                    return self.answer(200, sorted(rows, key=lambda r: -r["score"]))
                rows = [
                    {"index": i, "relevance_score": s, "document": {"text": t}}
                    for i, (s, t) in enumerate(zip(scores, texts))
                ]
                rows = sorted(rows, key=lambda r: -r["relevance_score"])[: body.get("top_n") or len(rows)]
                return self.answer(200, {"id": "x", "results": rows})

            def answer(self, status, payload):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self):
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def opened(demo_store, embedder, **changes):
    from quelle.resources import Resources

    return Resources.open(demo_store.settings.with_(**changes), embedder=embedder)


def first_stage(demo_store, k: int):
    s = demo_store.settings
    return demo_store.index.retrieve(QUESTION, k, s.retrieval_mode, None, s.hybrid_dense_weight, "de", s.rerank)


def search(res, k: int = 5):
    s = res.settings
    return res.index.retrieve(QUESTION, k, s.retrieval_mode, None, s.hybrid_dense_weight, "de", s.rerank)


# --- the registry and the settings ------------------------------------------------------------------------------
def test_settings_name_the_reranker_and_refuse_unknown_kinds(tmp_path):
    from pydantic import ValidationError

    from quelle.settings import Settings
    from vectorstore import rerankers

    s = Settings(data_dir=tmp_path)
    assert s.reranker is None and s.rerank_top_n == 30 and s.rerank == 0.5  # off; the evidence share unchanged
    assert Settings(data_dir=tmp_path, reranker="  ").reranker is None
    assert Settings(data_dir=tmp_path, reranker="http:http://127.0.0.1:9").reranker == "http:http://127.0.0.1:9"
    for bad in ("bge-reranker", "onnx:/models/x", "http:", "cross-encoder:  "):
        with pytest.raises(ValidationError) as e:
            Settings(data_dir=tmp_path, reranker=bad)
        assert "reranker" in str(e.value)
    with pytest.raises(ValidationError):
        Settings(data_dir=tmp_path, rerank_top_n=0)
    assert {"cross-encoder", "http"} <= set(rerankers.kinds())
    with pytest.raises(rerankers.RerankerError, match="shape must be"):
        rerankers.HttpReranker("http://127.0.0.1:9#shape=grpc")


def test_without_a_reranker_nothing_changes(demo_store, embedder):
    res = opened(demo_store, embedder)
    assert res.index.retriever.reranker is None
    got = search(res, 5)
    assert [(p.chunk_id, p.score) for p in got] == [(p.chunk_id, p.score) for p in first_stage(demo_store, 5)]
    assert not any(key in p.extra for p in got for key in ("rerank_score", "before_rerank", "rerank_fallback"))


def test_a_registered_kind_is_used_by_name(demo_store, embedder):
    from vectorstore import rerankers

    class ByLength:
        def __init__(self, target):
            self.name = f"by-length:{target}"

        def scores(self, query, texts):
            return [float(len(t)) for t in texts]  # raw numbers beyond [0, 1]: squashed for `score`

    rerankers.register("by-length", ByLength)
    res = opened(demo_store, embedder, reranker="by-length:x", rerank_top_n=8)
    got = search(res, 12)
    top = got[:8]
    assert [p.extra["rerank_score"] for p in top] == sorted((p.extra["rerank_score"] for p in top), reverse=True)
    assert all(0.0 <= p.score <= 1.0 and p.extra["reranker"] == "by-length" for p in top)
    assert {p.chunk_id for p in top} == {p.chunk_id for p in first_stage(demo_store, 8)}  # the same top N, reordered
    rest = got[8:]  # below the top N: the evidence stage's order, under the reranked ones
    assert [p.chunk_id for p in rest] == [p.chunk_id for p in first_stage(demo_store, 12)[8:]]
    assert all("rerank_score" not in p.extra and p.score <= top[-1].score for p in rest)


# --- a CrossEncoder --------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tiny_cross_encoder(tmp_path_factory):
    """A CrossEncoder from the bundled MiniLM's files with a fresh one-label head, saved to a folder (offline)."""
    import torch
    from sentence_transformers import CrossEncoder

    from vectorstore.embeddings import bundled_model_path

    torch.manual_seed(31)
    folder = tmp_path_factory.mktemp("cross-encoder") / "tiny"
    CrossEncoder(bundled_model_path(), num_labels=1, device="cpu").save(str(folder))
    return folder


def passage_text(p) -> str:
    return f"{p.meta['title']}\n{p.text}" if p.meta.get("title") else p.text


def test_cross_encoder_orders_the_top_n_by_its_scores(demo_store, embedder, tiny_cross_encoder):
    from sentence_transformers import CrossEncoder

    res = opened(demo_store, embedder, reranker=f"cross-encoder:{tiny_cross_encoder}")
    got = search(res, 5)
    model = CrossEncoder(str(tiny_cross_encoder), device="cpu")
    pool = first_stage(demo_store, 30)  # what the reranker reads: the evidence stage's top 30
    predicted = {p.chunk_id: float(s) for p, s in zip(pool, model.predict([(QUESTION, passage_text(p)) for p in pool]))}
    expected = sorted(pool, key=lambda p: -predicted[p.chunk_id])[:5]
    assert [p.chunk_id for p in got] == [p.chunk_id for p in expected]
    assert [p.score for p in got] == pytest.approx([predicted[p.chunk_id] for p in expected], abs=1e-5)
    assert all(p.extra["reranker"] == "cross-encoder" and "before_rerank" in p.extra for p in got)


def test_cross_encoder_scores_show_in_ask_json(demo_store, quelle_cli, tiny_cross_encoder):
    from sentence_transformers import CrossEncoder

    r = quelle_cli(
        "ask",
        "--json",
        QUESTION,
        data_dir=demo_store.settings.data_dir,
        env={"QUELLE_RERANKER": f"cross-encoder:{tiny_cross_encoder}", "QUELLE_LLM": "extractive"},
    )
    a = json.loads(r.stdout)
    assert a["citations"]
    model = CrossEncoder(str(tiny_cross_encoder), device="cpu")
    for c in a["citations"]:  # each citation's score is the reranker's score of its passage
        text = f"{c['title']}\n{c['text']}" if c["title"] else c["text"]
        assert c["score"] == pytest.approx(float(model.predict([(QUESTION, text)])[0]), abs=1e-4)


# --- a /rerank server -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", ["tei", "cohere"])
def test_http_reranker_in_both_request_shapes(demo_store, embedder, shape):
    from vectorstore import rerankers

    with ScriptedRerank(shape) as server:
        spec = f"http:{server.base}" + ("#model=rr-test" if shape == "cohere" else "")
        res = opened(demo_store, embedder, reranker=spec, rerank_top_n=10)
        got = search(res, 5)
        pool = first_stage(demo_store, 10)
        assert [p.chunk_id for p in got] == [p.chunk_id for p in reversed(pool)][:5]  # the server's order
        assert [p.score for p in got] == reversed_scores(10)[::-1][:5]
        assert [p.extra["rerank_score"] for p in got] == [p.score for p in got]
        path, body = server.requests[-1]
        assert path == "/rerank" and body["query"] == QUESTION
        if shape == "tei":
            assert len(server.requests) == 1 and len(body["texts"]) == 10
        else:  # tried the TEI body first (422), then the Jina/Cohere body; the shape that worked is kept
            assert [("texts" in b, "documents" in b) for _, b in server.requests] == [(True, False), (False, True)]
            assert body["model"] == "rr-test" and body["top_n"] == 10
            search(res, 5)
            assert "documents" in server.requests[-1][1] and len(server.requests) == 3
        assert rerankers.create(spec).shape == shape


def test_http_reranker_with_a_documented_shape_and_a_v1_base(demo_store, embedder):
    with ScriptedRerank("cohere") as server:
        spec = f"http:{server.base}/v1#shape=cohere&model=jina-reranker-test"
        got = search(opened(demo_store, embedder, reranker=spec), 5)
        assert [path for path, _ in server.requests] == ["/v1/rerank"]  # one request: the shape was given
        assert got[0].extra["reranker"] == "http"


def test_http_reranker_sends_the_api_key_as_a_bearer_token(demo_store, embedder, monkeypatch):
    from pydantic import SecretStr

    from quelle.settings import Settings

    key = "rr-secret-4711"
    with ScriptedRerank("cohere", key=key) as server:
        spec = f"http:{server.base}#model=rr-test"
        got = search(opened(demo_store, embedder, reranker=spec, reranker_api_key=SecretStr(key), rerank_top_n=10))
        assert server.auth == [f"Bearer {key}"] * 2  # both bodies tried with the key (TEI: 422, then Cohere)
        assert [p.chunk_id for p in got] == [p.chunk_id for p in reversed(first_stage(demo_store, 10))][:5]
        assert got[0].extra["reranker"] == "http" and "rerank_fallback" not in got[0].extra
        # the setting comes from QUELLE_RERANKER_API_KEY and is never shown
        monkeypatch.setenv("QUELLE_RERANKER_API_KEY", key)
        s = Settings(data_dir=demo_store.settings.data_dir, reranker=spec)
        assert s.reranker_api_key.get_secret_value() == key and key not in repr(s)
        monkeypatch.delenv("QUELLE_RERANKER_API_KEY")
        # without the key (the default: none): no header, the server refuses, the first stage's order is kept
        n = len(server.requests)
        got = search(opened(demo_store, embedder, reranker=spec, rerank_top_n=10))
        assert server.auth[n:] == [None]  # refused once: a 401 is no question of the body's shape
        assert [p.chunk_id for p in got] == [p.chunk_id for p in first_stage(demo_store, 5)]
        note = got[0].extra["rerank_fallback"]
        assert "HTTP 401" in note and "QUELLE_RERANKER_API_KEY" in note and key not in note


def test_a_reranker_kind_without_a_key_is_refused_with_one(demo_store, embedder):
    from vectorstore import rerankers

    with pytest.raises(rerankers.RerankerError, match="QUELLE_RERANKER_API_KEY"):
        rerankers.create("cross-encoder:bundled:x", api_key="k")


def test_a_reranker_that_is_down_keeps_the_first_stage_order_with_a_note(demo_store, embedder, caplog):
    spec = f"http:http://127.0.0.1:{free_port()}"  # nothing listens there
    res = opened(demo_store, embedder, reranker=spec)
    t0 = time.monotonic()
    with caplog.at_level("WARNING"):
        got = search(res, 5)
    assert time.monotonic() - t0 < 10
    expected = first_stage(demo_store, 5)
    assert [(p.chunk_id, p.score) for p in got] == [(p.chunk_id, p.score) for p in expected]
    note = got[0].extra["rerank_fallback"]
    assert "did not answer" in note and "/rerank" in note and all(p.extra["rerank_fallback"] == note for p in got)
    assert "first stage's order is kept" in caplog.text
    again = search(res, 5)  # within the cool-down the server is not asked again; the same note
    assert again[0].extra["rerank_fallback"] == note


def test_ask_answers_when_the_reranker_is_down(demo_store, quelle_cli):
    r = quelle_cli(
        "ask",
        "--json",
        QUESTION,
        data_dir=demo_store.settings.data_dir,
        env={"QUELLE_RERANKER": f"http:http://127.0.0.1:{free_port()}", "QUELLE_LLM": "extractive"},
    )
    answer = json.loads(r.stdout)
    assert "Brasilien, Frankreich und den Niederlanden" in answer["answer"]
    # the answer says the reranker was down: a flag and the reason (issue 31 item 4)
    assert "reranker_unavailable" in answer["flags"] and "/rerank" in answer["fallback"]


# --- an eval configuration ------------------------------------------------------------------------------------------
def test_eval_config_reranker(demo_store, quelle_cli, tmp_path):
    data = tmp_path / "index"
    shutil.copytree(demo_store.settings.data_dir, data)
    out = tmp_path / "out"
    with ScriptedRerank("tei") as server:
        r = quelle_cli(
            "eval",
            str(DEMO / "gold.jsonl"),
            "--json",
            "--limit",
            "3",
            "--report",
            str(out),
            "--config",
            "plain=top_k=5",
            "--config",
            f"rr=reranker=http:{server.base},rerank_top_n=10",
            data_dir=data,
            env={"QUELLE_LLM": "extractive"},
        )
        asked = {body["query"] for _, body in server.requests}
    metrics = json.loads(r.stdout)
    assert set(metrics["configs"]) == {"plain", "rr"}
    assert metrics["configs"]["rr"]["changes"]["reranker"] == f"http:{server.base}"
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 6
    questions = [row["question"] for row in rows if row["config"] == "rr"]
    assert set(questions) <= asked  # every question of the configuration went through the reranker
    assert not [row for row in rows if row.get("error")]
