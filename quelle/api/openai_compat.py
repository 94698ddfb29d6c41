"""The OpenAI-compatible face: GET /v1/models lists `quelle`; POST /v1/chat/completions answers the last user
message with ask() (earlier turns are the history), plain or streamed. The content is the answer with its [n]
markers and a „Quellen“ list; the whole answer JSON (as `quelle ask --json`) rides along in an extra `quelle`
field that standard clients ignore."""

from __future__ import annotations

import json
import time
import uuid

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from quelle.answering.types import Answer
from quelle.api.asking import answer, answer_stream, prepare
from quelle.api.errors import ApiError, error_body
from quelle.api.schemas import ChatMessage, ChatRequest

MODEL = "quelle"
SOURCES_HEADING = {"de": "Quellen", "en": "Sources"}

router = APIRouter(tags=["OpenAI-compatible"])


def sources_markdown(a: Answer) -> str:
    """The sources block appended to the content: a Markdown list of [n] title, date, url."""
    if not a.citations:
        return ""
    lines = []
    for c in a.citations:
        line = f"- [{c.n}] {c.title or c.article_id}"
        if c.date:
            line += f", {c.date}"
        if c.url:
            line += f" – {c.url}"
        lines.append(line)
    return f"\n\n**{SOURCES_HEADING.get(a.language, SOURCES_HEADING['de'])}**\n" + "\n".join(lines)


def strip_sources(content: str) -> str:
    """An earlier assistant turn without the sources block we appended (the history is the answers)."""
    for heading in SOURCES_HEADING.values():
        i = content.rfind(f"\n\n**{heading}**\n")
        if i >= 0:
            return content[:i]
    return content


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
        return {
            "id": cid,
            "object": "chat.completion",
            "created": created,
            "model": MODEL,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": a.answer + sources_markdown(a)},
                    "finish_reason": "stop",
                    "logprobs": None,
                }
            ],
            "quelle": a.to_dict(),
        }

    def chunk(delta: dict, finish: str | None = None, **extra) -> str:
        payload = {
            "id": cid,
            "object": "chat.completion.chunk",
            "created": created,
            "model": MODEL,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
            **extra,
        }
        return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"

    async def events():
        yield chunk({"role": "assistant", "content": ""})
        streamed: list[str] = []
        async for kind, value in answer_stream(q, state.resources, state.tasks):
            if kind == "token":
                streamed.append(value)
                yield chunk({"content": value})
            elif kind == "answer":
                shown = "".join(streamed)
                if shown.strip() != value.answer:  # e.g. the LLM failed mid-way and the extractive answer came
                    yield chunk({"content": ("\n\n" if shown.strip() else "") + value.answer})
                sources = sources_markdown(value)
                if sources:
                    yield chunk({"content": sources})
                yield chunk({}, "stop", quelle=value.to_dict())
            else:
                yield f"data: {json.dumps(error_body(500, f'the answer failed ({type(value).__name__})'))}\n\n"
        yield "data: [DONE]\n\n"

    return StreamingResponse(
        events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    )
