"""Who may use the app, in the real thing: `streamlit run app.py` driven by Chromium (see tests/test_ui_browser.py).

Two servers over one demo store: the default (no password, no --server.address: the project's .streamlit/config.toml
decides) — the chat works as before and the server is not reachable on the machine's other interface; and one with
reader/editor passwords — nothing but the login form until a password is accepted, a wrong one refused, a reader
without upload/delete, an editor with them, „Abmelden“.
"""

from __future__ import annotations

import contextlib
import re
import socket
import subprocess

import pytest

from tests.servers import chromium, new_page
from tests.test_ui_browser import (
    ANSWER_TIMEOUT_MS,
    CHROMIUM,
    CHROMIUM_ARGS,
    _require_browser,
    ask,
    demo_env,
    ingest_demo,
    streamlit,
    streamlit_healthy,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

READER_PW, EDITOR_PW = "lesen-Kiel-2025", "redaktion-Kiel-2025"


def other_interface_address() -> str | None:
    """An IPv4 address of this machine that is not loopback (None if it has none)."""
    candidates = []
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect(("192.0.2.1", 9))  # no packet is sent; the kernel picks the outgoing interface
        candidates.append(s.getsockname()[0])
    with contextlib.suppress(OSError, FileNotFoundError, subprocess.SubprocessError):
        out = subprocess.run(["ip", "-4", "-o", "addr"], capture_output=True, text=True, timeout=10).stdout
        candidates += re.findall(r"inet (\d+\.\d+\.\d+\.\d+)/", out)
    return next((a for a in candidates if not a.startswith("127.") and a != "0.0.0.0"), None)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    _require_browser()
    path = tmp_path_factory.mktemp("access-browser") / "index"
    ingest_demo(base_env(path))
    return path


def base_env(data_dir) -> dict:
    """demo_env without any access setting of the environment this runs in."""
    return demo_env(
        data_dir,
        "QUELLE_HOST",
        "QUELLE_READER_PASSWORD",
        "QUELLE_EDITOR_PASSWORD",
        "QUELLE_ALLOW_OPEN",
        "STREAMLIT_SERVER_ADDRESS",
    )


@pytest.fixture(scope="module")
def default_server(data_dir, tmp_path_factory):
    with streamlit(base_env(data_dir), tmp_path_factory.mktemp("log") / "default.log") as port:
        yield port


@pytest.fixture(scope="module")
def protected_server(data_dir, tmp_path_factory):
    env = {
        **base_env(data_dir),
        "QUELLE_READER_PASSWORD": READER_PW,
        "QUELLE_EDITOR_PASSWORD": EDITOR_PW,
        "QUELLE_LOGIN_DELAY": "0.3",
    }
    with streamlit(env, tmp_path_factory.mktemp("log") / "protected.log", "--server.address", "127.0.0.1") as port:
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def browser(data_dir):
    with chromium(CHROMIUM, CHROMIUM_ARGS) as b:
        yield b


@pytest.fixture
def page(browser):
    with new_page(browser) as pg:
        yield pg


def test_default_server_listens_on_loopback_only(default_server):
    other = other_interface_address()
    if other is None:
        pytest.skip("this machine has no non-loopback IPv4 address to try the server on")
    # the other interface does accept connections (a listener on all interfaces is reachable there) ...
    with socket.socket() as probe:
        probe.bind(("0.0.0.0", 0))
        probe.listen()
        with socket.create_connection((other, probe.getsockname()[1]), timeout=5):
            pass
    # ... but the Streamlit server started like `streamlit run app.py` is not
    assert streamlit_healthy(f"http://127.0.0.1:{default_server}")
    with pytest.raises(OSError):
        socket.create_connection((other, default_server), timeout=5).close()
    assert not streamlit_healthy(f"http://{other}:{default_server}")


def test_default_server_without_password_chats_as_before(default_server, page):
    page.goto(f"http://127.0.0.1:{default_server}")
    answer = ask(page, "Wo plant Alibaba neue Rechenzentren?")
    for country in ("Brasilien", "Frankreich", "Niederlanden"):
        answer.get_by_text(country).first.wait_for(timeout=30_000)
    assert page.get_by_role("button", name="Abmelden").count() == 0
    assert page.locator("input[type=password]").count() == 0


def login(page, password: str) -> None:
    field = page.locator("input[type=password]")
    field.wait_for(timeout=ANSWER_TIMEOUT_MS)
    field.fill(password)
    page.get_by_test_id("stBaseButton-primaryFormSubmit").click()


def test_chat_input_absent_until_login_and_wrong_password_refused(protected_server, page):
    page.goto(protected_server)
    page.get_by_role("heading", name="Anmelden").wait_for(timeout=ANSWER_TIMEOUT_MS)
    assert page.get_by_test_id("stChatInputTextArea").count() == 0
    assert page.get_by_text("Alibaba").count() == 0  # no article, no sidebar statistics
    login(page, "lesen-kiel-2025")
    page.get_by_text("Falsches Passwort.").wait_for(timeout=30_000)
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("stChatInputTextArea").count() == 0
    assert page.locator("input[type=password]").input_value() == ""
    page.goto(protected_server + "/articles")  # another page is no way around it
    page.get_by_role("heading", name="Anmelden").wait_for(timeout=30_000)
    assert page.locator("input[type=file]").count() == 0


def test_reader_asks_but_sees_no_upload_or_delete(protected_server, page):
    page.goto(protected_server)
    login(page, READER_PW)
    answer = ask(page, "Wo plant Alibaba neue Rechenzentren?")
    answer.get_by_text("Brasilien").first.wait_for(timeout=30_000)
    page.get_by_text("Angemeldet: Lesen").wait_for(timeout=30_000)
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Artikel").click()
    page.get_by_text("Lesezugriff: Hochladen, Löschen und Feeds verwalten kann nur die Redaktion.").wait_for(
        timeout=60_000
    )
    page.get_by_test_id("stDataFrame").first.wait_for(timeout=60_000)
    page.wait_for_load_state("networkidle")
    assert page.locator("input[type=file]").count() == 0
    assert page.get_by_role("button", name="Löschen").count() == 0
    assert page.get_by_role("button", name="Feed hinzufügen").count() == 0
    page.get_by_role("button", name="Abmelden").click()
    page.get_by_role("heading", name="Anmelden").wait_for(timeout=30_000)
    assert page.get_by_test_id("stChatInputTextArea").count() == 0


def test_editor_sees_upload_and_delete(protected_server, page):
    page.goto(protected_server + "/articles")
    login(page, EDITOR_PW)
    page.get_by_text("Angemeldet: Redaktion").wait_for(timeout=60_000)
    page.get_by_role("button", name="Löschen").wait_for(timeout=60_000)
    # the page renders in steps: wait for the upload field and the feed form before counting
    page.locator("input[type=file]").first.wait_for(state="attached", timeout=60_000)
    page.get_by_role("button", name="Feed hinzufügen").wait_for(timeout=60_000)
    assert page.locator("input[type=file]").count() == 1
    assert page.get_by_role("button", name="Feed hinzufügen").count() == 1
    assert page.get_by_text("Lesezugriff").count() == 0
