"""Issue 31 item 5: the OpenAI-compatible face satisfies real clients. Every completion has `usage` (simonw's `llm
--no-stream` fails on "'NoneType' object has no attribute 'model_dump'" without it); a stream sends it in one last
chunk with empty choices when `stream_options.include_usage` is set. A real uvicorn on loopback over a copy of the
demo store; the official `openai` client, LangChain's ChatOpenAI when installed, `llm` when installed."""

from __future__ import annotations

import importlib.util
import shutil

import httpx
import pytest

from tests.api_server import ApiServer

QUESTION = "Wo plant Alibaba neue Rechenzentren?"


@pytest.fixture(scope="module")
def server(demo_store, tmp_path_factory, embedder):
    from quelle.api import create_app
    from quelle.resources import Resources

    folder = tmp_path_factory.mktemp("usage") / "index"
    shutil.copytree(demo_store.settings.data_dir, folder)
    store = Resources.open(demo_store.settings.with_(data_dir=folder), embedder=embedder)
    with ApiServer(create_app(store.settings, store)) as srv:
        yield srv


def client(srv):
    from openai import OpenAI

    return OpenAI(base_url=srv.url("/v1"), api_key="unused", max_retries=0, timeout=120)


def counted(text: str) -> int:
    from quelle.api.openai_compat import count_tokens

    return count_tokens([text])


def test_plain_completion_has_usage_counted_by_the_bundled_tokenizer(server):
    resp = client(server).chat.completions.create(model="quelle", messages=[{"role": "user", "content": QUESTION}])
    content = resp.choices[0].message.content
    u = resp.usage
    assert u is not None and u.model_dump()["total_tokens"] == u.prompt_tokens + u.completion_tokens
    assert u.prompt_tokens == counted(QUESTION) > 0
    assert u.completion_tokens == counted(content) > 10


def test_prompt_tokens_count_every_message(server):
    messages = [
        {"role": "system", "content": "Antworte kurz."},
        {"role": "user", "content": "Was plant Alibaba?"},
        {"role": "assistant", "content": "Neue Rechenzentren."},
        {"role": "user", "content": QUESTION},
    ]
    resp = client(server).chat.completions.create(model="quelle", messages=messages)
    assert resp.usage.prompt_tokens == sum(counted(m["content"]) for m in messages)


def test_stream_with_include_usage_ends_with_a_usage_chunk_without_choices(server):
    c = client(server)
    chunks = list(
        c.chat.completions.create(
            model="quelle",
            stream=True,
            stream_options={"include_usage": True},
            messages=[{"role": "user", "content": QUESTION}],
        )
    )
    last = chunks[-1]
    assert last.choices == [] and last.usage is not None
    assert all(ch.usage is None for ch in chunks[:-1])
    text = "".join(ch.choices[0].delta.content or "" for ch in chunks if ch.choices)
    plain = c.chat.completions.create(model="quelle", messages=[{"role": "user", "content": QUESTION}])
    assert text == plain.choices[0].message.content
    assert last.usage.model_dump() == plain.usage.model_dump()
    assert sum(1 for ch in chunks if ch.choices and ch.choices[0].finish_reason == "stop") == 1


def test_stream_without_include_usage_is_unchanged(server):
    with httpx.stream(
        "POST",
        server.url("/v1/chat/completions"),
        json={"model": "quelle", "stream": True, "messages": [{"role": "user", "content": QUESTION}]},
        timeout=120,
    ) as r:
        lines = [line for line in r.iter_lines() if line.startswith("data: ")]
    assert lines[-1] == "data: [DONE]"
    assert all('"usage"' not in line for line in lines)
    assert '"finish_reason": "stop"' in lines[-2]


@pytest.mark.skipif(importlib.util.find_spec("langchain_openai") is None, reason="langchain_openai not installed")
def test_langchain_chat_openai_reads_the_usage_plain_and_streamed(server):
    from langchain_openai import ChatOpenAI

    llm = ChatOpenAI(model="quelle", base_url=server.url("/v1"), api_key="unused", max_retries=0, timeout=120)
    msg = llm.invoke(QUESTION)
    assert "Brasilien" in msg.content
    meta = msg.usage_metadata
    assert meta["input_tokens"] == counted(QUESTION) and meta["output_tokens"] == counted(msg.content)
    assert meta["total_tokens"] == meta["input_tokens"] + meta["output_tokens"]

    streaming = ChatOpenAI(
        model="quelle", base_url=server.url("/v1"), api_key="unused", max_retries=0, timeout=120, stream_usage=True
    )
    total = None
    for piece in streaming.stream(QUESTION):
        total = piece if total is None else total + piece
    assert total.content == msg.content
    assert total.usage_metadata["total_tokens"] == meta["total_tokens"]


@pytest.mark.skipif(importlib.util.find_spec("llm") is None, reason="simonw's llm is not installed")
def test_llm_cli_no_stream(server, tmp_path, monkeypatch):  # pragma: no cover - only where `llm` is installed
    import subprocess
    import sys

    (tmp_path / "extra-openai-models.yaml").write_text(
        f"- model_id: quelle\n  model_name: quelle\n  api_base: {server.url('/v1')}\n  api_key_name: none\n",
        encoding="utf-8",
    )
    env = {"LLM_USER_PATH": str(tmp_path), "PATH": "", "LLM_OPENAI_SHOW_RESPONSES": ""}
    r = subprocess.run(
        [sys.executable, "-m", "llm", "-m", "quelle", "--no-stream", "--key", "unused", QUESTION],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
    )
    assert r.returncode == 0, r.stderr
    assert "Brasilien" in r.stdout
