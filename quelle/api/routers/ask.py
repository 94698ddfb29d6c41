"""POST /v1/ask: the JSON of `quelle ask --json`, or Server-Sent Events while the answer is written."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from quelle.api.asking import answer, answer_stream, prepare
from quelle.api.errors import error_body
from quelle.api.schemas import AskRequest

router = APIRouter(tags=["questions"])


@router.post("/v1/ask")
async def ask_route(body: AskRequest, request: Request):
    """Exactly the JSON of `quelle ask --json`; with `"stream": true` Server-Sent Events: `token` events
    ({"text": …}), then one `answer` event with the whole JSON (or one `error` event)."""
    state = request.app.state
    history = [m.model_dump() for m in body.history or []]
    q = prepare(body.question, body, history, state.settings, state.resources)
    if state.log_questions:
        request.state.question = body.question
    if not body.stream:
        return (await run_in_threadpool(answer, q, state.resources)).to_dict()

    async def events():
        async for kind, value in answer_stream(q, state.resources, state.tasks):
            if kind == "token":
                yield _sse("token", {"text": value})
            elif kind == "answer":
                yield _sse("answer", value.to_dict())
            else:
                yield _sse("error", error_body(500, f"the answer failed ({type(value).__name__})"))

    return StreamingResponse(
        events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    )


def _sse(event: str, data: dict) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"
