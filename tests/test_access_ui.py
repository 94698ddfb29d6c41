"""Who may use the app, driven headlessly with AppTest: the login gate, roles, „Abmelden“, the server-side role
check of the editor actions, the refusal to run open on the network and the warning banner."""

from __future__ import annotations

import shutil

import pytest
from streamlit.testing.v1 import AppTest

from tests.test_ui_apptest import GOOD, TIMEOUT, ask, open_app, texts, unescape

READER_PW, EDITOR_PW = "lesen-Kiel-2025", "redaktion-Kiel-2025"
PROTECTED = {"QUELLE_READER_PASSWORD": READER_PW, "QUELLE_EDITOR_PASSWORD": EDITOR_PW, "QUELLE_LOGIN_DELAY": "0"}


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for k in (
        "QUELLE_HOST",
        "QUELLE_READER_PASSWORD",
        "QUELLE_EDITOR_PASSWORD",
        "QUELLE_ALLOW_OPEN",
        "QUELLE_LOGIN_DELAY",
    ):
        monkeypatch.delenv(k, raising=False)


@pytest.fixture
def own_store(tmp_path, demo_store):
    """A copy of the demo store that a test may delete from."""
    target = tmp_path / "index"
    shutil.copytree(demo_store.settings.data_dir, target)
    return target


def login(at: AppTest, password: str) -> AppTest:
    at.text_input(key="login_password").input(password)
    at.button[0].click().run()  # the form's „Anmelden“
    assert not at.exception, at.exception
    return at


def to_articles(at: AppTest) -> AppTest:
    at.switch_page("quelle/ui/pages/articles.py").run()
    assert not at.exception, at.exception
    return at


def button_labels(at: AppTest) -> list[str]:
    return [b.label for b in at.button]


def test_without_passwords_on_localhost_the_chat_works_as_before(monkeypatch, demo_store):
    at = open_app(monkeypatch, demo_store.settings.data_dir)
    assert len(at.chat_input) == 1
    assert "Anmelden" not in button_labels(at) and "Abmelden" not in button_labels(at)
    assert not any(x.key == "login_password" for x in at.text_input)
    assert not at.warning and not at.error  # no banner on localhost
    at = ask(at, "Wo plant Alibaba neue Rechenzentren?")
    assert "Brasilien" in unescape(at.chat_message[-1].markdown[0].value)
    at = to_articles(at)
    assert len(at.get("file_uploader")) == 1 and at.button(key="delete_button").label == "Löschen"


def test_with_passwords_nothing_but_the_login_form_shows(monkeypatch, demo_store):
    at = open_app(monkeypatch, demo_store.settings.data_dir, **PROTECTED)
    assert len(at.chat_input) == 0
    assert [s.value for s in at.subheader] == ["Anmelden"]
    assert at.text_input(key="login_password").label == "Passwort"
    assert not at.metric  # no sidebar statistics, no store opened for a stranger
    at = to_articles(at)  # another page is no way around the gate
    assert len(at.chat_input) == 0 and not at.get("file_uploader") and not at.dataframe
    assert [s.value for s in at.subheader] == ["Anmelden"]


def test_a_wrong_password_is_refused(monkeypatch, demo_store):
    at = open_app(monkeypatch, demo_store.settings.data_dir, **PROTECTED)
    at = login(at, "lesen-kiel-2025")  # wrong case
    assert [e.value for e in at.error] == ["Falsches Passwort."]
    assert len(at.chat_input) == 0 and "quelle_role" not in at.session_state
    at = login(at, "")
    assert [e.value for e in at.error] == ["Falsches Passwort."] and len(at.chat_input) == 0


def test_a_failed_login_waits_the_configured_delay(monkeypatch, demo_store):
    import time

    at = open_app(monkeypatch, demo_store.settings.data_dir, **{**PROTECTED, "QUELLE_LOGIN_DELAY": "0.6"})
    started = time.monotonic()
    login(at, "falsch")
    assert time.monotonic() - started >= 0.6
    started = time.monotonic()
    login(at, READER_PW)
    assert len(at.chat_input) == 1


def test_reader_can_ask_and_browse_but_sees_no_upload_delete_or_feed_controls(monkeypatch, demo_store):
    at = open_app(monkeypatch, demo_store.settings.data_dir, **PROTECTED)
    at = login(at, READER_PW)
    assert len(at.chat_input) == 1
    assert "Angemeldet: Lesen" in texts(at)
    at = ask(at, "Wo plant Alibaba neue Rechenzentren?")
    assert "Brasilien" in unescape(at.chat_message[-1].markdown[0].value)
    at = to_articles(at)
    assert not at.get("file_uploader")
    labels = button_labels(at)
    for editor_only in ("Hinzufügen", "Löschen", "Feed hinzufügen", "Jetzt aktualisieren", "Entfernen"):
        assert editor_only not in labels, labels
    assert not any(s.key == "delete_pick" for s in at.selectbox)
    assert "Lesezugriff" in texts(at)
    table = at.dataframe[0].value  # browsing still works
    assert "Alibaba erhöht KI-Investitionen und kooperiert mit Nvidia" in list(table["Titel"])


def test_editor_sees_upload_delete_and_feeds_and_can_delete(monkeypatch, own_store):
    at = open_app(monkeypatch, own_store, **PROTECTED)
    at = login(at, EDITOR_PW)
    assert "Angemeldet: Redaktion" in texts(at)
    at = to_articles(at)
    assert len(at.get("file_uploader")) == 1
    assert "Feed hinzufügen" in button_labels(at)
    at.selectbox(key="delete_pick").set_value("alibaba-ki-offensive")
    at.button(key="delete_button").click().run()
    assert not at.exception, at.exception
    assert "Gelöscht" in unescape(texts(at))
    assert "alibaba-ki-offensive" not in list(at.dataframe[0].value["ID"])


def test_editor_upload_works_behind_the_login(monkeypatch, tmp_path):
    at = open_app(monkeypatch, tmp_path / "index", **PROTECTED)
    at = login(at, EDITOR_PW)
    at = to_articles(at)
    at.get("file_uploader")[0].set_value([("seilbahn.md", GOOD, "text/plain")])
    [submit] = [b for b in at.button if b.label == "Hinzufügen"]
    submit.click().run()
    assert not at.exception, at.exception
    assert any("seilbahn.md" in unescape(m.value) and "hinzugefügt" in m.value for m in at.markdown)


def test_abmelden_forgets_the_role_and_the_chat(monkeypatch, demo_store):
    at = open_app(monkeypatch, demo_store.settings.data_dir, **PROTECTED)
    at = login(at, READER_PW)
    at = ask(at, "Wo plant Alibaba neue Rechenzentren?")
    at.button(key="logout").click().run()
    assert not at.exception, at.exception
    assert len(at.chat_input) == 0 and [s.value for s in at.subheader] == ["Anmelden"]
    assert "quelle_role" not in at.session_state and "messages" not in at.session_state
    at = login(at, READER_PW)
    assert len(at.chat_message) == 0  # the next person starts with an empty chat


def test_login_page_speaks_english_too(monkeypatch, demo_store):
    at = open_app(monkeypatch, demo_store.settings.data_dir, **PROTECTED)
    at.radio(key="lang").set_value("en").run()
    assert [s.value for s in at.subheader] == ["Sign in"]
    at = login(at, "wrong")
    assert [e.value for e in at.error] == ["Wrong password."]
    at = login(at, EDITOR_PW)
    assert "Signed in: editor" in texts(at) and at.button(key="logout").label == "Sign out"


def test_passwords_from_secrets_toml(monkeypatch, demo_store):
    monkeypatch.setenv("QUELLE_DATA_DIR", str(demo_store.settings.data_dir))
    monkeypatch.setenv("QUELLE_LLM", "extractive")
    monkeypatch.setenv("QUELLE_LOGIN_DELAY", "0")
    from tests.test_ui_apptest import APP

    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.secrets["QUELLE_READER_PASSWORD"] = "aus-secrets-toml"
    at.run()
    assert len(at.chat_input) == 0
    at = login(at, "aus-secrets-toml")
    assert len(at.chat_input) == 1 and "Angemeldet: Lesen" in texts(at)
    assert "aus-secrets-toml" not in texts(at)


def _delete_directly(article_id: str, password: str) -> None:
    """A script that logs in and then calls the delete action itself — no button, no rendered control."""
    import streamlit as st

    from quelle.ui import access, articles, state

    access.login(password)
    try:
        st.success(articles.delete_article(state.library(), article_id, "de"))
    except access.AccessDenied as e:
        st.error(str(e))


def test_the_delete_action_refuses_a_reader_even_when_called_directly(monkeypatch, own_store):
    from quelle.resources import Resources
    from quelle.settings import Settings

    for k, v in {**PROTECTED, "QUELLE_DATA_DIR": str(own_store), "QUELLE_LLM": "extractive"}.items():
        monkeypatch.setenv(k, v)
    at = AppTest.from_function(_delete_directly, args=("alibaba-ki-offensive", READER_PW), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    assert at.session_state["quelle_role"] == "reader"
    assert [e.value for e in at.error] == [
        "Nicht erlaubt: Hochladen, Löschen und Feeds sind der Rolle „Redaktion“ vorbehalten."
    ]

    def ids() -> set[str]:
        return {a["article_id"] for a in Resources.open(Settings(data_dir=own_store)).store.list_articles()}

    assert "alibaba-ki-offensive" in ids()
    at = AppTest.from_function(_delete_directly, args=("alibaba-ki-offensive", EDITOR_PW), default_timeout=TIMEOUT)
    at.run()  # the same call as editor does delete: the refusal above is the role check, not a broken action
    assert not at.exception, at.exception
    assert "Gelöscht" in unescape(at.success[0].value)
    assert "alibaba-ki-offensive" not in ids()


def test_upload_action_refuses_a_reader_when_called_directly(monkeypatch, tmp_path):
    def upload_directly(password: str) -> None:
        import streamlit as st

        from quelle.ui import access, state
        from quelle.ui.uploads import ingest_uploads

        class File:
            name = "seilbahn.md"

            def getvalue(self):
                return b"Die Stadt Wuppertal baut eine Seilbahn."

        access.login(password)
        try:
            ingest_uploads(state.library(), [File()], 50.0)
            st.success("ingested")
        except access.AccessDenied as e:
            st.error(str(e))

    for k, v in {**PROTECTED, "QUELLE_DATA_DIR": str(tmp_path / "index"), "QUELLE_LLM": "extractive"}.items():
        monkeypatch.setenv(k, v)
    at = AppTest.from_function(upload_directly, args=(READER_PW,), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    assert "Redaktion" in at.error[0].value and not at.success
    at = AppTest.from_function(upload_directly, args=(EDITOR_PW,), default_timeout=TIMEOUT)
    at.run()
    assert [s.value for s in at.success] == ["ingested"]


def test_network_host_without_password_refuses_to_start(monkeypatch, demo_store):
    at = open_app(monkeypatch, demo_store.settings.data_dir, QUELLE_HOST="0.0.0.0")
    [error] = at.error
    assert error.value.startswith("Quelle startet nicht: Die App ist im Netzwerk erreichbar (0.0.0.0")
    assert "QUELLE_ALLOW_OPEN=1" in error.value
    assert len(at.chat_input) == 0 and not at.metric and not at.text_input


def test_allow_open_on_the_network_shows_the_warning_banner(monkeypatch, demo_store):
    at = open_app(monkeypatch, demo_store.settings.data_dir, QUELLE_HOST="0.0.0.0", QUELLE_ALLOW_OPEN="1")
    assert at.warning[0].value.startswith("Offen im Netzwerk: Quelle ist ohne Passwort erreichbar (0.0.0.0")
    assert len(at.chat_input) == 1
    at = to_articles(at)
    assert at.warning[0].value.startswith("Offen im Netzwerk")  # on every page


def test_network_host_with_passwords_asks_for_the_login(monkeypatch, demo_store):
    at = open_app(monkeypatch, demo_store.settings.data_dir, QUELLE_HOST="0.0.0.0", **PROTECTED)
    assert not at.error and not at.warning
    assert [s.value for s in at.subheader] == ["Anmelden"] and len(at.chat_input) == 0
