"""The OpenAI-compatible face: GET /v1/models lists `quelle`; POST /v1/chat/completions answers the last user
message with ask() (earlier turns are the history), plain or streamed. The content is the answer with its [n]
markers and a „Quellen“ list; the whole answer JSON (as `quelle ask --json`) rides along in an extra `quelle`
field that standard clients ignore.

Every completion carries `usage` (prompt, completion and total tokens), as real clients expect (simonw's `llm
--no-stream` fails without it): the answer's own numbers when its backend reported them (`Answer.usage`, when the
answering layer carries one), else an estimate counted with the bundled embedding model's tokenizer (its WordPiece
tokens: an estimate, not the count any particular LLM would bill). A stream sends it
when asked with `stream_options: {"include_usage": true}`: one last chunk with empty `choices` and the `usage`, before
`[DONE]` (as OpenAI does)."""

from __future__ import annotations

import functools
import json
import threading
import time
import uuid

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from quelle.answering.citations import also_text
from quelle.answering.types import Answer
from quelle.feedback.chats import article_link, md_text
from quelle.api.asking import answer, answer_stream, prepare
from quelle.api.errors import ApiError, error_body
from quelle.api.schemas import ChatMessage, ChatRequest
from quelle.i18n import every_language
from quelle.i18n import text as ui_text

MODEL = "quelle"

router = APIRouter(tags=["OpenAI-compatible"])


def sources_markdown(a: Answer) -> str:
    """The sources block appended to the content: a Markdown list of [n] title, date, url (and the other versions of
    a syndicated report: „auch bei: …“)."""
    if not a.citations:
        return ""
    lines = []
    for c in a.citations:  # titles, sources and URLs come from articles and feeds: escaped, no foreign markup
        line = f"- [{c.n}] {md_text(c.title or c.article_id)}"
        if c.date:
            line += f", {md_text(c.date)}"
        if c.url:
            link = article_link(c.url)
            line += f" – <{link}>" if link else f" – {md_text(c.url)}"
        if c.also:  # the other versions of a syndicated or updated report (docs/dedup.md)
            more = ui_text("also_more", a.language, n="{n}")
            also = [{**v, "source": md_text(v.get("source") or v.get("article_id", ""))} for v in c.also]
            line += " (" + ui_text("also_at", a.language, outlets=also_text(also, more=more)) + ")"
        lines.append(line)
    return f"\n\n**{ui_text('answer_sources', a.language)}**\n" + "\n".join(lines)


def strip_sources(content: str) -> str:
    """An earlier assistant turn without the sources block we appended (the history is the answers)."""
    for heading in every_language("answer_sources"):
        i = content.rfind(f"\n\n**{heading}**\n")
        if i >= 0:
            return content[:i]
    return content


@functools.lru_cache(maxsize=1)
def _tokenizer():
    """The bundled model's tokenizer (on disk, offline; loaded once)."""
    from transformers import AutoTokenizer

    from vectorstore.embeddings import bundled_model_path

    return AutoTokenizer.from_pretrained(bundled_model_path())


_tokenizer_lock = threading.Lock()  # a Rust tokenizer is not safe to call from several threads at once


def count_tokens(texts: list[str]) -> int:
    """Tokens in these texts by the bundled tokenizer (an estimate of what an LLM would count)."""
    texts = [t for t in texts if t]
    if not texts:
        return 0
    tok = _tokenizer()
    with _tokenizer_lock:
        return sum(len(ids) for ids in tok(texts, add_special_tokens=False, verbose=False)["input_ids"])


def usage(messages: list[ChatMessage], content: str, a: Answer | None = None) -> dict:
    """OpenAI's `usage`: the backend's numbers when the answer has them, else counted (an estimate): the prompt is
    every message's text, the completion the content returned."""
    given = getattr(a, "usage", None) if a is not None else None
    if (
        isinstance(given, dict)
        and given.get("prompt_tokens") is not None
        and given.get("completion_tokens") is not None
    ):
        prompt, completion = int(given["prompt_tokens"]), int(given["completion_tokens"])
    else:
        prompt, completion = count_tokens([m.text() for m in messages]), count_tokens([content])
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def include_usage(body: ChatRequest) -> bool:
    """`stream_options: {"include_usage": true}` (an extra field of the request)."""
    options = (body.model_extra or {}).get("stream_options")
    return isinstance(options, dict) and bool(options.get("include_usage"))


def question_and_history(messages: list[ChatMessage]) -> tuple[str, list[dict]]:
    """The last message is the question (it must be the user's); earlier user/assistant turns the history."""
    last = messages[-1]
    if last.role != "user":
        raise ApiError(
            400,
            f"messages: the last message must have role 'user' (it has '{last.role}')",
            "messages",
            "last_message_not_user",
        )
    history = []
    for m in messages[:-1]:
        if m.role in ("user", "assistant"):
            text = m.text()
            history.append({"role": m.role, "content": strip_sources(text) if m.role == "assistant" else text})
    return last.text(), history


@router.get("/v1/models")
def models() -> dict:
    """The one model: `quelle` (answers from the stored articles)."""
    return {"object": "list", "data": [{"id": MODEL, "object": "model", "created": 0, "owned_by": "quelle"}]}


@router.get("/v1/models/{model_id}")
def model(model_id: str) -> dict:
    if model_id != MODEL:
        raise ApiError(404, f"model: no model '{model_id}'; this server has only '{MODEL}'", "model", "model_not_found")
    return {"id": MODEL, "object": "model", "created": 0, "owned_by": "quelle"}


@router.post("/v1/chat/completions")
async def chat_completions(body: ChatRequest, request: Request):
    """A chat completion whose content is Quelle's answer with its sources."""
    if body.model != MODEL:
        raise ApiError(
            404, f"model: no model '{body.model}'; use '{MODEL}' (GET /v1/models)", "model", "model_not_found"
        )
    state = request.app.state
    text, history = question_and_history(body.messages)
    q = prepare(text, body.quelle, history, state.settings, state.resources)
    if state.log_questions:
        request.state.question = text
    cid, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
    if not body.stream:
        a = await run_in_threadpool(answer, q, state.resources)
        content = a.answer + sources_markdown(a)
        counted = await run_in_threadpool(usage, body.messages, content, a)
        return {
            "id": cid,
            "object": "chat.completion",
            "created": created,
            "model": MODEL,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": "stop",
                    "logprobs": None,
                }
            ],
            "usage": counted,
            "quelle": a.to_dict(),
        }

    with_usage = include_usage(body)

    def chunk(delta: dict | None, finish: str | None = None, **extra) -> str:
        payload = {
            "id": cid,
            "object": "chat.completion.chunk",
            "created": created,
            "model": MODEL,
            "choices": []
            if delta is None
            else [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
            **extra,
        }
        if with_usage and "usage" not in payload:
            payload["usage"] = None  # OpenAI: null on every chunk but the last when usage was asked for
        return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"

    async def events():
        yield chunk({"role": "assistant", "content": ""})
        streamed: list[str] = []  # everything sent as content: the completion the usage counts
        async for kind, value in answer_stream(q, state.resources, state.tasks):
            if kind == "token":
                streamed.append(value)
                yield chunk({"content": value})
            elif kind == "answer":
                shown = "".join(streamed)
                if shown.strip() != value.answer:  # e.g. the LLM failed mid-way and the extractive answer came
                    streamed.append(("\n\n" if shown.strip() else "") + value.answer)
                    yield chunk({"content": streamed[-1]})
                sources = sources_markdown(value)
                if sources:
                    streamed.append(sources)
                    yield chunk({"content": sources})
                yield chunk({}, "stop", quelle=value.to_dict())
                if with_usage:  # the last chunk: no choices, the usage
                    counted = await run_in_threadpool(usage, body.messages, "".join(streamed), value)
                    yield chunk(None, usage=counted)
            else:
                yield f"data: {json.dumps(error_body(500, f'the answer failed ({type(value).__name__})'))}\n\n"
        yield "data: [DONE]\n\n"

    return StreamingResponse(
        events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    )
