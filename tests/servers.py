"""One home for the servers the tests start and the browser that drives them.

    port = free_port()
    with running([...], lambda: http_ok(f"http://127.0.0.1:{port}/health"), tmp / "server.log", what="the server"):
        ...  # the server answers on port; it is stopped when the block ends

- `free_port()`: a TCP port on 127.0.0.1 that was free a moment ago (the OS picked it).
- `http_ok(url, expect)`: does a GET answer 200 within 2 s (and, if `expect` is given, with exactly that body)?
- `running(cmd, ready, log_path, what=...)`: a subprocess whose output goes to `log_path`, waited for until
  `ready()` says yes; the test fails with the end of the log if the process exits or does not get ready in
  time. Terminated (killed if it will not stop in 20 s) when the block ends, however it ends.
- `chromium(executable, args)` and `new_page(browser)`: a headless Chromium launched through Playwright and a
  fresh German-locale page in its own context (the Playwright fixtures of the browser tests).
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

LOG_TAIL = 3000  # characters of a server's log shown when it does not start


def free_port() -> int:
    """A free TCP port on the loopback interface (bound and released, so another process could take it first)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_ok(url: str, expect: bytes | None = None) -> bool:
    """True if a GET of `url` answers HTTP 200 within 2 s — and, if `expect` is given, its body is exactly
    `expect`; False if nothing answers (any OSError, HTTP errors included)."""
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status == 200 and (expect is None or r.read() == expect)
    except OSError:
        return False


@contextlib.contextmanager
def running(
    cmd: Sequence[str],
    ready: Callable[[], bool],
    log_path: str | Path,
    *,
    what: str,
    timeout: float = 120.0,
    poll: float = 0.5,
    **popen_kwargs,
) -> Iterator[subprocess.Popen]:
    """Start `cmd` (stdout and stderr into `log_path`; `popen_kwargs` such as cwd= and env= go to Popen), poll
    `ready()` every `poll` seconds and yield the process once it returns True. If the process exits first, or
    `timeout` seconds pass, the test fails with „{what} did not start:“ and the last 3000 characters of the log.
    At the end the process is terminated, and killed if it has not exited 20 s later."""
    log_path = Path(log_path)
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, **popen_kwargs)
        try:
            deadline = time.monotonic() + timeout
            while not ready():
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"{what} did not start:\n" + log_path.read_text(errors="replace")[-LOG_TAIL:])
                time.sleep(poll)
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


@contextlib.contextmanager
def chromium(executable: str | Path, args: Sequence[str]):
    """A headless Chromium (the browser at `executable`, started with `args`) driven through Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(executable), headless=True, args=list(args))
        yield b
        b.close()


@contextlib.contextmanager
def new_page(browser):
    """A page in a fresh context of `browser` (1400×1000, locale de-DE); the context is closed afterwards."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="de-DE")
    yield context.new_page()
    context.close()
