"""A real uvicorn serving a Quelle API app on a free loopback port, in a thread of the test process (so it can
share the session's loaded embedding model).

    with ApiServer(create_app(settings, resources)) as srv:
        httpx.post(srv.url("/v1/ask"), json={...})
"""

from __future__ import annotations

import threading
import time

from tests.servers import free_port


class ApiServer:
    def __init__(self, app, startup_seconds: float = 120.0):
        import uvicorn

        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", access_log=False, timeout_graceful_shutdown=5
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name=f"uvicorn-{self.port}", daemon=True)
        self.startup_seconds = startup_seconds

    def url(self, path: str) -> str:
        return self.base + path

    def __enter__(self) -> "ApiServer":
        self.thread.start()
        deadline = time.monotonic() + self.startup_seconds
        while not self.server.started:
            if not self.thread.is_alive():
                raise RuntimeError("the API server did not start (see the log above)")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the API server did not start within {self.startup_seconds:.0f} s")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


def writable_store(demo_store, tmp_path_factory, embedder, name: str, **changes):
    """Resources over a writable copy of the session's demo store (which stays read-only), settings changed."""
    import shutil

    from quelle.resources import Resources

    folder = tmp_path_factory.mktemp(name) / "index"
    shutil.copytree(demo_store.settings.data_dir, folder)
    return Resources.open(demo_store.settings.with_(data_dir=folder, **changes), embedder=embedder)


def serving(store, **changes) -> ApiServer:
    """An ApiServer for the store's app, its settings changed (`api_key=…`): use as a context manager."""
    from quelle.api import create_app

    settings = store.settings.with_(**changes) if changes else store.settings
    return ApiServer(create_app(settings, store))
