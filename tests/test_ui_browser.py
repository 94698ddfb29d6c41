"""The real thing: `streamlit run app.py` driven by Chromium through Playwright.

Needs Debian's Chromium at /usr/bin/chromium (`apt-get install -y chromium`); `.ci/run` installs it. Without it
the tests skip (on CI they fail instead, so a missing browser cannot pass silently).
"""

from __future__ import annotations

import contextlib
import functools
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.servers import chromium, free_port, http_ok, new_page, running

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path(os.environ.get("QUELLE_CHROMIUM", "/usr/bin/chromium"))
# The README's screenshot is refreshed only on request (QUELLE_UPDATE_SCREENSHOT=1); otherwise the test writes
# its screenshot under test-artifacts/ so a test run leaves the tracked file alone.
SCREENSHOT = (
    ROOT / "docs" / "screenshot-chat.png"
    if os.environ.get("QUELLE_UPDATE_SCREENSHOT")
    else ROOT / "test-artifacts" / "screenshot-chat.png"
)
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
ANSWER_TIMEOUT_MS = 180_000
STREAMLIT_STARTUP_S = 120

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _require_browser():
    hint = "install it with `sudo apt-get install -y chromium` (Debian/Ubuntu) to run the browser tests"
    problem = None
    if not CHROMIUM.exists():
        problem = f"Chromium not found at {CHROMIUM}; {hint}"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = "the Python package playwright is missing (pip install -r requirements.txt)"
    if problem:
        if os.environ.get("CI"):
            pytest.fail(problem + " — CI must run the browser tests (.ci/run installs Chromium)")
        pytest.skip(problem)


def demo_env(data_dir, *unset: str) -> dict:
    """The environment of the app over the store at `data_dir`: extractive answers, offline, no telemetry, without
    OPENAI_API_KEY (nor the variables `unset`)."""
    env = {
        **os.environ,
        "QUELLE_DATA_DIR": str(data_dir),
        "QUELLE_LLM": "extractive",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "ANONYMIZED_TELEMETRY": "False",
    }
    for k in ("OPENAI_API_KEY", *unset):
        env.pop(k, None)
    return env


def ingest_demo(env: dict) -> None:
    """`quelle ingest` of the demo corpus into the store that `env` (see demo_env) names."""
    subprocess.run(
        [sys.executable, "-m", "quelle", "ingest", str(ROOT / "data" / "demo" / "articles")],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=600,
    )


def streamlit_healthy(url: str) -> bool:
    """Does the Streamlit server at `url` (http://host:port) answer its health check?"""
    return http_ok(url + "/_stcore/health", expect=b"ok")


@contextlib.contextmanager
def streamlit(env: dict, log_path, *extra: str):
    """`streamlit run app.py` from the project folder (so its .streamlit/config.toml applies) on a free port, with
    the options `extra`; yields the port once the server is healthy (the test fails if it is not within
    STREAMLIT_STARTUP_S)."""
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "app.py",
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        *extra,
    ]
    ready = functools.partial(streamlit_healthy, f"http://127.0.0.1:{port}")
    with running(cmd, ready, log_path, what="streamlit", timeout=STREAMLIT_STARTUP_S, cwd=ROOT, env=env):
        yield port


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A Streamlit server on a free port over a temp store holding the demo corpus."""
    _require_browser()
    env = demo_env(tmp_path_factory.mktemp("browser") / "index")
    ingest_demo(env)
    log = tmp_path_factory.mktemp("log") / "streamlit.log"
    with streamlit(env, log, "--server.address", "127.0.0.1", "--server.fileWatcherType", "none") as port:
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def browser(server):
    with chromium(CHROMIUM, CHROMIUM_ARGS) as b:
        yield b


@pytest.fixture
def page(browser):
    with new_page(browser) as pg:
        pg.dialogs = []
        pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
        yield pg


def ask(page, question: str):
    box = page.get_by_test_id("stChatInputTextArea")
    box.wait_for(timeout=ANSWER_TIMEOUT_MS)
    before = page.get_by_test_id("stChatMessage").count()
    box.fill(question)
    box.press("Enter")
    answer = page.get_by_test_id("stChatMessage").nth(before + 1)
    answer.wait_for(timeout=ANSWER_TIMEOUT_MS)
    # the answer is complete when the retrieval status has finished and its caption with the timing shows
    answer.locator("[data-testid='stCaptionContainer']").last.wait_for(timeout=ANSWER_TIMEOUT_MS)
    page.wait_for_load_state("networkidle")
    return answer


def test_chat_answers_with_the_three_countries_and_opens_the_alibaba_source(server, page):
    page.goto(server)
    answer = ask(page, "Wo plant Alibaba neue Rechenzentren?")
    for country in ("Brasilien", "Frankreich", "Niederlanden"):
        answer.get_by_text(country).first.wait_for(timeout=30_000)
    title = "Alibaba erhöht KI-Investitionen und kooperiert mit Nvidia"
    source = answer.get_by_test_id("stExpander").filter(has_text=title)
    source.locator("summary").click()
    passage = source.get_by_text("plant Alibaba neue Rechenzentren in Brasilien")
    passage.wait_for(state="visible", timeout=30_000)
    assert source.get_by_text(title).is_visible()
    assert source.locator("a[href='https://example.org/demo/alibaba-ki-offensive']").is_visible()
    page.wait_for_timeout(500)
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=False)
    assert SCREENSHOT.stat().st_size > 10_000


HOSTILE = (
    "---\ntitle: 'Sicherheitstest <b>fett</b>'\nsource: Testquelle\ndate: 2025-03-01\n---\n\n"
    "Die Stadtverwaltung Musterhausen prüft ihre Webseite mit <script>alert(1)</script> und "
    "<img src=x onerror=alert(2)> sowie [Link](javascript:alert(3)) gegen Angriffe.\n"
)


def test_uploaded_article_markup_is_shown_as_text_and_never_runs(server, page):
    page.goto(server + "/articles")
    page.locator("input[type=file]").set_input_files(
        files=[{"name": "angriff.md", "mimeType": "text/markdown", "buffer": HOSTILE.encode()}]
    )
    page.get_by_text("angriff.md").first.wait_for(timeout=30_000)
    page.get_by_test_id("stBaseButton-primaryFormSubmit").click()
    page.get_by_text("hinzugefügt").first.wait_for(timeout=ANSWER_TIMEOUT_MS)
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Chat").click()
    answer = ask(page, "Womit prüft die Stadtverwaltung Musterhausen ihre Webseite?")
    answer.get_by_test_id("stExpander").first.locator("summary").click()
    page.wait_for_timeout(1000)
    shown = answer.inner_text()
    assert "<script>alert(1)</script>" in shown
    assert "<img src=x onerror=alert(2)>" in shown
    assert "[Link](javascript:alert(3))" in shown
    assert "Sicherheitstest <b>fett</b>" in shown
    assert page.dialogs == []
    assert page.locator("img[src='x']").count() == 0
    assert page.locator("a[href^='javascript']").count() == 0
    assert page.locator("[data-testid='stChatMessage'] script").count() == 0
    assert page.locator("[data-testid='stChatMessage'] b").count() == 0
