"""DNS rebinding (issue 28, item 3): without passwords the app serves only requests whose Host is a local name or
address, or one the operator configured; a page on a foreign name that re-binds to 127.0.0.1 sees a refusal.

Three levels: the rule itself (`host_allowed`, `Access.serves_host`), the gate under AppTest (the request's headers
stubbed, AppTest has none) and the real thing: Chromium maps rebind.evil.example to 127.0.0.1
(--host-resolver-rules), so http://rebind.evil.example:PORT/ reaches `streamlit run app.py` with a foreign Host.
"""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from quelle.settings import Settings
from quelle.ui import access as access_module
from quelle.ui.access import Access, host_allowed
from tests import test_access_browser

EVIL = "rebind.evil.example"

# the fixtures of the access browser tests: one demo store, the default server (no password) and the protected one
data_dir = test_access_browser.data_dir
default_server = test_access_browser.default_server
protected_server = test_access_browser.protected_server


# ---------------------------------------------------------------- the rule


@pytest.mark.parametrize(
    "host",
    [
        "localhost",
        "localhost:8501",
        "LocalHost:1",
        "localhost.",
        "127.0.0.1",
        "127.0.0.1:8501",
        "127.1.2.3:80",
        "[::1]",
        "[::1]:8501",
        "localhost.localdomain:8501",
        "ip6-localhost",
    ],
)
def test_loopback_names_and_addresses_are_served_on_any_port(host):
    assert host_allowed(host)


@pytest.mark.parametrize("host", ["192.168.1.20:8501", "10.0.0.5", "[fe80::1]:8501", "0.0.0.0:8501"])
def test_an_address_literal_is_served_it_cannot_be_a_rebound_name(host):
    assert host_allowed(host)


@pytest.mark.parametrize(
    "host",
    [
        EVIL,
        f"{EVIL}:8501",
        "evil.example",
        "localhost.evil.example",
        "127.0.0.1.evil.example:8501",
        "attacker.localhost.evil.example",
        "",
        None,
        "   ",
        "user@localhost",
        "localhost/x",
        "localhost:port",
        "localhost:99999",
        "[::1",
    ],
)
def test_foreign_or_malformed_hosts_are_refused(host):
    assert not host_allowed(host)


def test_names_the_operator_configured_are_served_including_streamlit_patterns():
    assert host_allowed("quelle.intern:8501", ["quelle.intern"])
    assert host_allowed("QUELLE.intern.", ["quelle.intern"])
    assert host_allowed("a.quelle.example", ["*.quelle.example"])
    assert not host_allowed("quelle.example", ["*.quelle.example"])
    assert not host_allowed("xquelle.example", ["*.quelle.example"])
    assert host_allowed(f"{EVIL}:1", ["*"])  # the operator said „any host“ on purpose
    assert not host_allowed(f"{EVIL}:1", ["quelle.intern", "0.0.0.0", ""])


def test_access_serves_foreign_hosts_only_with_passwords_or_when_configured():
    local = Access()
    assert local.serves_host("127.0.0.1:8501") and not local.serves_host(f"{EVIL}:8501")
    protected = Access(reader_password=SecretStr("lesen-123"))
    assert protected.serves_host(f"{EVIL}:8501")  # the login is the protection
    named = Access(host="quelle.intern", allow_open=True, trusted_hosts=("quelle.intern",))
    assert named.serves_host("quelle.intern:8501") and not named.serves_host(EVIL)


def test_from_settings_trusts_quelle_host_server_address_and_allowed_hosts_but_no_wildcard(monkeypatch):
    for k in ("QUELLE_HOST", "QUELLE_READER_PASSWORD", "QUELLE_EDITOR_PASSWORD", "QUELLE_ALLOW_OPEN"):
        monkeypatch.delenv(k, raising=False)
    a = Access.from_settings(Settings(host="quelle.intern"), {}, "0.0.0.0", ["news.example"])
    assert a.serves_host("quelle.intern") and a.serves_host("news.example:443")
    assert not a.serves_host("0.0.0.0.evil.example") and not a.serves_host(EVIL)
    b = Access.from_settings(Settings(), {}, "box.lan")
    assert b.serves_host("box.lan:8501") and not b.serves_host(EVIL)
    assert not Access.from_settings(Settings(), {}, None).serves_host(EVIL)


# ---------------------------------------------------------------- the gate, under AppTest


@pytest.fixture
def clean_env(monkeypatch):
    for k in ("QUELLE_HOST", "QUELLE_READER_PASSWORD", "QUELLE_EDITOR_PASSWORD", "QUELLE_ALLOW_OPEN"):
        monkeypatch.delenv(k, raising=False)


def with_host(monkeypatch, host: str) -> None:
    """The script run sees a websocket request with this Host (AppTest has no request, hence no headers)."""
    monkeypatch.setattr(access_module, "request_headers", lambda: {"Host": host, "Upgrade": "websocket"})


def test_a_foreign_host_gets_the_refusal_on_every_page(clean_env, monkeypatch, demo_store):
    from tests.test_ui_apptest import open_app

    with_host(monkeypatch, f"{EVIL}:8501")
    at = open_app(monkeypatch, demo_store.settings.data_dir)
    assert len(at.chat_input) == 0 and not at.get("file_uploader") and not at.metric and not at.button
    assert "rebind.evil.example" in at.error[0].value and "127.0.0.1" in at.error[0].value
    at.switch_page("quelle/ui/pages/articles.py").run()
    assert not at.exception, at.exception
    assert len(at.chat_input) == 0 and not at.get("file_uploader") and not at.dataframe and not at.button
    with pytest.raises(access_module.AccessDenied):
        access_module.require_editor()  # also the editor actions' own check says no


def test_no_request_a_local_host_and_a_protected_app_are_not_refused(clean_env, monkeypatch, demo_store):
    from tests.test_ui_apptest import open_app

    at = open_app(monkeypatch, demo_store.settings.data_dir)  # AppTest as such: no request, no headers
    assert len(at.chat_input) == 1 and not at.error
    with_host(monkeypatch, "localhost:8501")
    at = open_app(monkeypatch, demo_store.settings.data_dir)
    assert len(at.chat_input) == 1 and not at.error
    with_host(monkeypatch, f"{EVIL}:8501")
    at = open_app(monkeypatch, demo_store.settings.data_dir, QUELLE_READER_PASSWORD="lesen-Kiel-2025")
    assert [s.value for s in at.subheader] == ["Anmelden"] and not at.error  # the login form, as for anyone


# ---------------------------------------------------------------- the real thing: Streamlit and Chromium


@pytest.fixture(scope="module")
def rebinding_browser(data_dir):
    from tests.servers import chromium
    from tests.test_ui_browser import CHROMIUM, CHROMIUM_ARGS

    with chromium(CHROMIUM, [*CHROMIUM_ARGS, f"--host-resolver-rules=MAP {EVIL} 127.0.0.1"]) as b:
        yield b


@pytest.fixture
def rebinding_page(rebinding_browser):
    from tests.servers import new_page

    with new_page(rebinding_browser) as pg:
        yield pg


@pytest.mark.browser
@pytest.mark.slow
def test_a_rebound_name_is_refused_while_127_0_0_1_works_and_with_passwords_the_login_shows(
    default_server, protected_server, rebinding_page
):
    from tests.test_ui_browser import ANSWER_TIMEOUT_MS, ask

    page = rebinding_page
    for path in ("/", "/articles"):  # http://rebind.evil.example:PORT reaches the app with a foreign Host
        page.goto(f"http://{EVIL}:{default_server}{path}")
        page.get_by_text("Quelle antwortet nicht unter dieser Adresse").wait_for(timeout=ANSWER_TIMEOUT_MS)
        page.wait_for_load_state("networkidle")
        assert page.get_by_test_id("stChatInputTextArea").count() == 0
        assert page.locator("input[type=file]").count() == 0
        assert page.get_by_role("button", name="Löschen").count() == 0
        assert page.get_by_test_id("stSidebarNav").count() == 0
        assert page.get_by_text("Alibaba").count() == 0  # no article, no statistics

    # the same server, same browser, on its loopback address: as before
    page.goto(f"http://127.0.0.1:{default_server}")
    answer = ask(page, "Wo plant Alibaba neue Rechenzentren?")
    answer.get_by_text("Brasilien").first.wait_for(timeout=30_000)
    assert page.get_by_text("Quelle antwortet nicht unter dieser Adresse").count() == 0
    page.goto(f"http://localhost:{default_server}/articles")
    page.locator("input[type=file]").first.wait_for(state="attached", timeout=60_000)

    # with passwords the rebound name meets the login form, as anyone does (the login is the protection)
    page.goto(protected_server.replace("127.0.0.1", EVIL))
    page.get_by_role("heading", name="Anmelden").wait_for(timeout=ANSWER_TIMEOUT_MS)
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Quelle antwortet nicht unter dieser Adresse").count() == 0
    assert page.get_by_test_id("stChatInputTextArea").count() == 0
    assert page.locator("input[type=file]").count() == 0
