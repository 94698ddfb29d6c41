"""/v1/watches: watched questions (issue 33) — list, add, get one with its versions, remove, check now.

The same core as `quelle watch` (quelle/watch): a watch is asked again after every ingest or sync pass that changes
the store (POST /v1/articles included); these routes add, read and check them. Errors have the API's one shape
(quelle/api/errors.py); access is the API's (a key, or loopback only: quelle/api/middleware.py)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from quelle.api.asking import prepare
from quelle.api.errors import ApiError
from quelle.api.schemas import AskOptions
from quelle.watch.check import check, check_all, watch_settings
from quelle.watch.store import Watch, WatchError, WatchStore

router = APIRouter(tags=["watches"])


class WatchRequest(AskOptions):
    """A question to watch, with the options of /v1/ask (k, mode, filters) it is asked with each time."""

    question: str = Field(..., examples=["Wie viele Tote gibt es nach dem Erdbeben?"])
    every: str = Field("sync", description="sync (after each changing sync or ingest), manual, or 1h, 1d …")
    webhook: str | None = Field(None, description="POST each change as JSON to this URL (feeds' outbound rules)")
    time_aware: bool = Field(True, description="read the question's time words (false: `quelle ask --no-time`)")


class CheckRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ids: list[str] | None = Field(None, description="only these watches (default: all)")
    due: bool = Field(False, description="only the watches whose `every` is due")


def _store(request: Request) -> WatchStore:
    return WatchStore.of(request.app.state.settings)


def _summary(w: Watch) -> dict:
    d = w.to_dict()
    d["versions"] = len(w.versions)
    d["latest"] = w.latest.to_dict() if w.latest else None
    return d


def _find(store: WatchStore, watch_id: str) -> Watch:
    w = store.get(watch_id)
    if w is None:
        raise ApiError(
            404,
            f"watch_id: no watched question with id '{watch_id}' (see GET /v1/watches)",
            "watch_id",
            "unknown_watch",
        )
    return w


@router.get("/v1/watches")
def list_watches(request: Request) -> dict:
    """Every watch: its question, settings, cadence, webhook, last check, number of versions and the latest."""
    return {"watches": [_summary(w) for w in _store(request).watches()]}


@router.post("/v1/watches", status_code=201)
def add_watch(body: WatchRequest, request: Request) -> dict:
    """Watch a question: asked now (version 1), then again after each sync or ingest that changes the store."""
    state = request.app.state
    q = prepare(body.question, body, None, state.settings, state.resources)
    store = _store(request)
    try:
        w = store.add(q.text, watch_settings(q.settings, q.filters, body.time_aware), body.every, body.webhook)
    except WatchError as e:
        param = "webhook" if str(e).startswith("webhook") else "every" if str(e).startswith("--every") else "question"
        raise ApiError(400, str(e).replace("--every", "every", 1), param, "invalid_watch") from None
    try:
        check(store, w, state.resources)
    except Exception:  # noqa: BLE001 - recorded as the watch's last_error, shown in the answer
        pass
    return _find(store, w.id).to_dict()


@router.post("/v1/watches/check")
def check_watches(request: Request, body: CheckRequest | None = None) -> dict:
    """Ask the watches again now (all, `ids`, or only the due ones); the new versions and the webhook tally."""
    body = body or CheckRequest()
    store = _store(request)
    known = {w.id for w in store.watches()}
    unknown = [i for i in body.ids or [] if i not in known]
    if unknown:
        raise ApiError(
            404, f"ids: no watched question with id '{unknown[0]}' (see GET /v1/watches)", "ids", "unknown_watch"
        )
    report = check_all(request.app.state.resources, body.ids, due_only=body.due)
    return {**report.summary(), "versions": [v.to_dict() for v in report.changed], "errors": report.failed}


@router.get("/v1/watches/{watch_id}")
def get_watch(watch_id: str, request: Request) -> dict:
    """One watch with all its versions (both answers, their citations and dates, the citation that caused it)."""
    return _find(_store(request), watch_id).to_dict()


@router.post("/v1/watches/{watch_id}/check")
def check_watch(watch_id: str, request: Request) -> dict:
    """Ask one watch again now; `version` is the new version, or null when the fact did not change."""
    store = _store(request)
    _find(store, watch_id)
    report = check_all(request.app.state.resources, [watch_id])
    if watch_id in report.failed:
        raise ApiError(
            422, f"watch_id: the question could not be asked: {report.failed[watch_id]}", "watch_id", "check_failed"
        )
    return {
        "version": report.changed[0].to_dict() if report.changed else None,
        "watch": _summary(_find(store, watch_id)),
    }


@router.delete("/v1/watches/{watch_id}")
def remove_watch(watch_id: str, request: Request) -> dict:
    """Stop watching; its versions are deleted with it (GET it first to keep them)."""
    store = _store(request)
    _find(store, watch_id)
    store.remove(watch_id)
    return {"id": watch_id, "removed": True}
