"""Issue 31 item 5: the OpenAI-compatible face satisfies real clients. Every completion has `usage` (simonw's `llm
--no-stream` fails on "'NoneType' object has no attribute 'model_dump'" without it); a stream sends it in one last
chunk with empty choices when `stream_options.include_usage` is set. A real uvicorn on loopback over a copy of the
demo store; the official `openai` client, LangChain's ChatOpenAI and simonw's `llm` CLI (plain, streamed, a `-c`
follow-up)."""

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


# --- simonw's `llm` CLI (pinned in requirements.txt), in-process through its click runner --------------------------
def llm_cli(user_dir, *args):
    """`llm ARGS` with its own config and log database in `user_dir` (LLM_USER_PATH); the click Result."""
    from click.testing import CliRunner
    from llm.cli import cli

    env = {"LLM_USER_PATH": str(user_dir), "OPENAI_API_KEY": None, "OPENAI_BASE_URL": None, "LLM_MODEL": None}
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


@pytest.fixture
def llm_home(server, tmp_path):
    """An llm user folder whose extra-openai-models.yaml names Quelle's endpoint as the model `quelle`."""
    (tmp_path / "extra-openai-models.yaml").write_text(
        f"- model_id: quelle\n  model_name: quelle\n  api_base: {server.url('/v1')}\n", encoding="utf-8"
    )
    return tmp_path


def llm_logs(user_dir) -> list[dict]:
    import json

    r = llm_cli(user_dir, "logs", "--json", "-n", "0")
    assert r.exit_code == 0, r.output
    return json.loads(r.output)


def test_llm_cli_plain_completion_logs_the_usage(llm_home):
    r = llm_cli(llm_home, "-m", "quelle", "--no-stream", QUESTION)
    assert r.exit_code == 0, r.output  # failed before `usage`: 'NoneType' object has no attribute 'model_dump'
    assert "Brasilien" in r.output and "[1]" in r.output
    [logged] = llm_logs(llm_home)
    assert logged["model"] == "quelle" and logged["response"].strip() == r.output.strip()
    assert logged["input_tokens"] == counted(QUESTION) and logged["output_tokens"] == counted(logged["response"])


def test_llm_cli_streams_and_continues_the_conversation_with_c(llm_home):
    r = llm_cli(llm_home, "-m", "quelle", QUESTION)  # streaming: llm asks for stream_options.include_usage
    assert r.exit_code == 0, r.output
    assert "Brasilien" in r.output
    follow = llm_cli(llm_home, "-c", "Und wo hat sie ihren Hauptsitz?")  # the history goes with the question
    assert follow.exit_code == 0, follow.output
    assert "Hangzhou" in follow.output
    first, second = sorted(llm_logs(llm_home), key=lambda x: x["datetime_utc"])
    assert first["conversation_id"] == second["conversation_id"] and second["model"] == "quelle"
    assert first["input_tokens"] == counted(QUESTION) and first["output_tokens"] == counted(first["response"])
    # the follow-up's prompt is the whole conversation: both questions and the first answer
    assert second["input_tokens"] == sum(
        counted(x) for x in (QUESTION, first["response"], "Und wo hat sie ihren Hauptsitz?")
    )
