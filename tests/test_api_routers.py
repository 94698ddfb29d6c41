"""The API's routes by resource (issue 29 item 6): one APIRouter each for the OpenAI-compatible face, health, ask,
articles and batch jobs, put together in quelle/api/app.py with every path, method and status code of before and
the route → body-limit table (UPLOAD_ROUTES) pointing at real upload routes."""

from __future__ import annotations

from quelle.api.app import ROUTERS, UPLOAD_ROUTES, create_app
from quelle.settings import Settings

# (method, path, status code) of every API route, by router, in the order the app matches them
EXPECTED = [
    [("GET", "/v1/models", 200), ("GET", "/v1/models/{model_id}", 200), ("POST", "/v1/chat/completions", 200)],
    [("GET", "/healthz", 200)],
    [("POST", "/v1/ask", 200)],
    [
        ("GET", "/v1/articles", 200),
        ("POST", "/v1/articles", 200),
        ("DELETE", "/v1/articles/{article_id}", 200),
        ("GET", "/v1/stats", 200),
    ],
    [
        ("POST", "/v1/batch", 202),
        ("GET", "/v1/batch/{job_id}", 200),
        ("GET", "/v1/batch/{job_id}/result", 200),
        ("DELETE", "/v1/batch/{job_id}", 200),
    ],
    [
        ("GET", "/v1/watches", 200),
        ("POST", "/v1/watches", 201),
        ("POST", "/v1/watches/check", 200),
        ("GET", "/v1/watches/{watch_id}", 200),
        ("POST", "/v1/watches/{watch_id}/check", 200),
        ("DELETE", "/v1/watches/{watch_id}", 200),
    ],
]


def _routes(router) -> list[tuple[str, str, int]]:
    return [(m, r.path, r.status_code or 200) for r in router.routes for m in sorted(r.methods)]


def test_one_router_per_resource_with_every_path_method_and_status():
    assert [_routes(r) for r in ROUTERS] == EXPECTED


def test_the_app_serves_the_routers_in_order_and_the_upload_table_names_upload_routes(tmp_path):
    app = create_app(Settings(data_dir=tmp_path / "index"))
    schema = app.openapi()
    served = [(m.upper(), path) for path, ops in schema["paths"].items() for m in ops]
    assert sorted(served) == sorted((m, p) for routes in EXPECTED for m, p, _ in routes)
    assert list(schema["paths"])[:4] == ["/v1/models", "/v1/models/{model_id}", "/v1/chat/completions", "/healthz"]
    assert schema["paths"]["/v1/batch"]["post"]["responses"].keys() >= {"202"}
    uploads = {(m, p) for m, p, _ in EXPECTED[3] + EXPECTED[4]}
    assert UPLOAD_ROUTES == {("POST", "/v1/articles"), ("POST", "/v1/batch")} and UPLOAD_ROUTES <= uploads
    # the middleware order: RequestLog first, then the access check, then the body limit
    assert [m.cls.__name__ for m in app.user_middleware] == ["RequestLog", "LoopbackOnly", "BodyLimit"]
