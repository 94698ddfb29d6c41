"""/v1/watches over a real uvicorn on loopback: add (version 1), an upload through POST /v1/articles that changes the
fact adds a version (the same hook as the CLI and sync), get one with its versions, list, check, remove, and the
API's error shape for bad input."""

from __future__ import annotations

import httpx
import pytest

from quelle.resources import Resources
from quelle.settings import Settings
from tests.api_server import serving

QUESTION = "Wie viele Tote gibt es nach dem Erdbeben in Kahramanmaras?"


def md(title: str, date: str, body: str) -> bytes:
    return f"---\ntitle: '{title}'\ndate: '{date}'\n---\n\n{body}\n".encode("utf-8")


@pytest.fixture
def api(tmp_path, embedder):
    store = Resources.open(Settings(data_dir=tmp_path / "index", llm="extractive"), embedder=embedder)
    with serving(store) as srv:
        yield srv


def upload(api, name: str, content: bytes) -> None:
    r = httpx.post(api.url("/v1/articles"), files=[("files", (name, content, "text/markdown"))], timeout=120)
    assert r.status_code == 200, r.text


def test_watches_add_upload_get_list_check_remove(api):
    upload(
        api,
        "erdbeben-12.md",
        md("Erdbeben: 12 Tote", "2026-03-10", "Bei dem Erdbeben in Kahramanmaras starben 12 Menschen."),
    )
    r = httpx.post(api.url("/v1/watches"), json={"question": QUESTION, "k": 3}, timeout=120)
    assert r.status_code == 201, r.text
    w = r.json()
    assert w["question"] == QUESTION and w["settings"]["k"] == 3 and w["every"] == "sync"
    assert [(v["n"], v["fact"]["value"]) for v in w["versions"]] == [(1, "12")]

    upload(
        api,
        "erdbeben-35.md",
        md(
            "Erdbeben: 35 Tote",
            "2026-03-11",
            "Die Zahl der Toten nach dem Erdbeben in Kahramanmaras ist auf 35 gestiegen.",
        ),
    )
    one = httpx.get(api.url(f"/v1/watches/{w['id']}"), timeout=30).json()
    v2 = one["versions"][1]
    assert v2["reason"] == "value" and "35" in v2["answer"]["answer"] and "12" in v2["previous"]["answer"]
    assert v2["cause"]["title"] == "Erdbeben: 35 Tote" and v2["cause"]["date"] == "2026-03-11"

    [listed] = httpx.get(api.url("/v1/watches"), timeout=30).json()["watches"]
    assert listed["id"] == w["id"] and listed["versions"] == 2 and listed["latest"]["n"] == 2

    again = httpx.post(api.url(f"/v1/watches/{w['id']}/check"), timeout=120).json()
    assert again["version"] is None and again["watch"]["checks"] == 3
    every = httpx.post(api.url("/v1/watches/check"), json={"ids": [w["id"]]}, timeout=120).json()
    assert every["checked"] == 1 and every["changed"] == 0 and every["versions"] == []

    gone = httpx.delete(api.url(f"/v1/watches/{w['id']}"), timeout=30)
    assert gone.status_code == 200 and gone.json() == {"id": w["id"], "removed": True}
    assert httpx.get(api.url("/v1/watches"), timeout=30).json() == {"watches": []}


@pytest.mark.parametrize(
    "body, status, param, message",
    [
        ({"question": QUESTION, "every": "stündlich"}, 400, "every", "every: 'stündlich' is not an interval"),
        ({"question": QUESTION, "webhook": "file:///etc"}, 400, "webhook", "is not an http(s) URL"),
        ({"question": "  "}, 400, "question", "question: the question is empty"),
        ({"question": QUESTION, "colour": "red"}, 400, "colour", "colour: is not a known field"),
    ],
)
def test_bad_watch_requests_are_named(api, body, status, param, message):
    r = httpx.post(api.url("/v1/watches"), json=body, timeout=60)
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert err["param"] == param and message in err["message"]
    assert httpx.get(api.url("/v1/watches"), timeout=30).json() == {"watches": []}  # nothing stored


def test_unknown_watch_ids_are_404(api):
    for method, path in (
        ("GET", "/v1/watches/nope"),
        ("DELETE", "/v1/watches/nope"),
        ("POST", "/v1/watches/nope/check"),
    ):
        r = httpx.request(method, api.url(path), timeout=30)
        assert r.status_code == 404 and r.json()["error"]["code"] == "unknown_watch", (method, path, r.text)
    r = httpx.post(api.url("/v1/watches/check"), json={"ids": ["nope"]}, timeout=30)
    assert r.status_code == 404 and r.json()["error"]["param"] == "ids"
