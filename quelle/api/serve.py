"""`quelle serve`: the API under uvicorn, one process (one model and store), loopback only without an API key.

Without a key two layers keep it local: the socket is bound to 127.0.0.1 (check_host), and every request must
name this server in its Host (127.0.0.0/8, localhost or [::1] with the server's port) and carry no Origin of
another site (quelle.api.middleware.LoopbackOnly) — a DNS-rebound name or a form on any web page reaches the
socket, not the API. With a key the key is the protection (any host, any Host header)."""

from __future__ import annotations

import ipaddress
import logging
import sys

from quelle.settings import Settings

LOOPBACK = "127.0.0.1"


class ServeError(ValueError):
    """The server cannot start as asked (the message says why and what to do)."""


def check_host(host: str, settings: Settings) -> str:
    """The address to bind: without QUELLE_API_KEY only 127.0.0.1 (localhost / other loopback names map to it)."""
    from quelle.api.app import api_key

    if api_key(settings):
        return host
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ServeError(
            f"--host {host}: without QUELLE_API_KEY the API listens on {LOOPBACK} only (anyone who "
            "reaches it could read and delete your articles). Set QUELLE_API_KEY to serve other hosts."
        )
    return LOOPBACK


def _logging() -> None:
    logger = logging.getLogger("quelle.api")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.propagate = False
    logger.setLevel(logging.INFO)


def serve(
    settings: Settings, host: str = LOOPBACK, port: int = 8080, log_questions: bool = False, resources=None, say=print
) -> None:
    """Open the store, then serve until Ctrl-C. Raises ServeError for a host that needs a key, StoreError for a
    store that cannot be opened."""
    import uvicorn

    from quelle.api.app import api_key, create_app
    from quelle.resources import Resources

    bind = check_host(host, settings)
    if resources is None:
        resources = Resources.open(settings)  # a bad store fails here, with its message, before the server starts
    _logging()
    if api_key(settings):
        say(f"Quelle API on http://{bind}:{port} (API key required: Authorization: Bearer …; docs /docs)")
    else:
        say(
            f"Quelle API on http://{LOOPBACK}:{port} (docs /docs) – no QUELLE_API_KEY set: listening on {LOOPBACK} "
            f"only, without authentication; it answers requests for {LOOPBACK}:{port} or localhost:{port}, never "
            "web pages of other sites"
        )
    if log_questions:
        say("--log-questions: question texts are written to the request log")
    app = create_app(settings, resources, log_questions=log_questions)
    uvicorn.run(app, host=bind, port=port, access_log=False, log_level="info", timeout_graceful_shutdown=10)
