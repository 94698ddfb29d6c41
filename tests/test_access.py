"""Who may use the app (quelle/ui/access.py): the plain-Python core — hosts, passwords, roles, the failed-login
delay, secrets.toml and the `make run` preflight."""

from __future__ import annotations

import io
import threading
import time

import pytest
from pydantic import SecretStr

from quelle.settings import Settings
from quelle.ui.access import (
    EDITOR,
    READER,
    Access,
    AccessDenied,
    can_edit,
    check_editor,
    fail_delay,
    is_network_host,
    preflight,
    secrets_from_files,
)

ACCESS_ENV = (
    "QUELLE_HOST",
    "QUELLE_READER_PASSWORD",
    "QUELLE_EDITOR_PASSWORD",
    "QUELLE_ALLOW_OPEN",
    "QUELLE_LOGIN_DELAY",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for k in ACCESS_ENV:
        monkeypatch.delenv(k, raising=False)


def both(**kw) -> Access:
    return Access(reader_password=SecretStr("lesen-123"), editor_password=SecretStr("redaktion-456"), **kw)


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.1.1", "localhost", "::1", "[::1]", " LOCALHOST "])
def test_loopback_hosts_are_local(host):
    assert is_network_host(host) is False


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "10.0.0.5", "quelle.example.org", "", None])
def test_everything_else_is_the_network(host):
    assert is_network_host(host) is True  # None/"" is Streamlit's own default: all interfaces


def test_settings_default_to_local_and_no_password():
    s = Settings()
    assert s.host == "127.0.0.1" and s.reader_password is None and s.editor_password is None
    assert s.allow_open is False and s.login_delay == 1.0
    a = Access.from_settings(s)
    assert not a.exposed and not a.protected and not a.startup_refused()
    assert a.role(None) == EDITOR  # a single-user tool on localhost: everything allowed, as before


def test_settings_read_the_environment_and_keep_passwords_secret(monkeypatch):
    monkeypatch.setenv("QUELLE_HOST", "0.0.0.0")
    monkeypatch.setenv("QUELLE_READER_PASSWORD", "lesen-123")
    monkeypatch.setenv("QUELLE_EDITOR_PASSWORD", "redaktion-456")
    monkeypatch.setenv("QUELLE_ALLOW_OPEN", "1")
    monkeypatch.setenv("QUELLE_LOGIN_DELAY", "0.25")
    s = Settings()
    assert s.host == "0.0.0.0" and s.allow_open is True and s.login_delay == 0.25
    assert s.reader_password.get_secret_value() == "lesen-123"
    a = Access.from_settings(s)
    for shown in (repr(s), str(s), repr(a), str(a), repr(s.with_(top_k=3))):
        assert "lesen-123" not in shown and "redaktion-456" not in shown
    assert a.check_password("redaktion-456") == EDITOR


def test_each_password_opens_its_role_and_nothing_else():
    a = both()
    assert a.protected
    assert a.check_password("lesen-123") == READER
    assert a.check_password("redaktion-456") == EDITOR
    for wrong in ("", "lesen-12", "lesen-1234", "LESEN-123", "redaktion-456 ", "\0unset"):
        assert a.check_password(wrong) is None, wrong


def test_only_an_editor_password_means_no_reader_login():
    a = Access(editor_password=SecretStr("redaktion-456"))
    assert a.check_password("redaktion-456") == EDITOR
    assert a.check_password("") is None
    assert a.role(READER) is None  # a stale reader role does not survive a configuration without readers


def test_only_a_reader_password_makes_everyone_a_reader():
    a = Access(reader_password=SecretStr("lesen-123"))
    assert a.check_password("lesen-123") == READER
    assert a.role(EDITOR) is None and a.role(READER) == READER


def test_the_same_password_for_both_roles_gives_the_editor_role():
    a = Access(reader_password=SecretStr("gleich"), editor_password=SecretStr("gleich"))
    assert a.check_password("gleich") == EDITOR


def test_empty_passwords_count_as_unset(monkeypatch):
    monkeypatch.setenv("QUELLE_READER_PASSWORD", "")
    a = Access.from_settings(Settings(host="0.0.0.0"))
    assert not a.protected and a.startup_refused()


def test_the_session_role_counts_only_when_protected_and_known():
    a = both()
    assert a.role(None) is None and a.role("admin") is None
    assert a.role(READER) == READER and a.role(EDITOR) == EDITOR


def test_editor_actions_refuse_readers_and_anonymous():
    assert can_edit(EDITOR) and not can_edit(READER) and not can_edit(None)
    check_editor(EDITOR)
    for role in (READER, None, "admin"):
        with pytest.raises(AccessDenied, match="Redaktion"):
            check_editor(role, "nur Redaktion")


def test_a_network_host_without_password_is_refused_unless_allowed_on_purpose():
    assert Access(host="0.0.0.0").startup_refused()
    assert Access(host="192.168.1.20").startup_refused()
    assert not Access(host="127.0.0.1").startup_refused()
    opened = Access(host="0.0.0.0", allow_open=True)
    assert not opened.startup_refused() and opened.open_on_network  # the banner shows
    protected = both(host="0.0.0.0")
    assert not protected.startup_refused() and not protected.open_on_network


def test_streamlit_listening_wider_than_quelle_host_counts():
    assert Access.from_settings(Settings(), server_address="0.0.0.0").startup_refused()
    assert Access.from_settings(Settings(), server_address=None).startup_refused()  # Streamlit's default: all
    assert not Access.from_settings(Settings(), server_address="127.0.0.1").startup_refused()
    assert Access.from_settings(Settings(host="0.0.0.0"), server_address="127.0.0.1").exposed  # the wider one


def test_secrets_toml_supplies_what_the_environment_does_not(tmp_path, monkeypatch):
    (tmp_path / "a.toml").write_text('QUELLE_READER_PASSWORD = "aus-datei"\nQUELLE_HOST = "0.0.0.0"\n')
    (tmp_path / "b.toml").write_text('QUELLE_EDITOR_PASSWORD = "redaktion-datei"\n')
    secrets = secrets_from_files([tmp_path / "a.toml", tmp_path / "fehlt.toml", tmp_path / "b.toml"])
    a = Access.from_settings(Settings(), secrets)
    assert a.host == "0.0.0.0" and a.check_password("aus-datei") == READER
    assert a.check_password("redaktion-datei") == EDITOR
    monkeypatch.setenv("QUELLE_READER_PASSWORD", "aus-umgebung")
    monkeypatch.setenv("QUELLE_HOST", "127.0.0.1")
    a = Access.from_settings(Settings(), secrets)  # the environment wins
    assert a.host == "127.0.0.1"
    assert a.check_password("aus-umgebung") == READER and a.check_password("aus-datei") is None


def test_a_failed_login_waits_and_failures_wait_one_after_the_other():
    slept = []
    fail_delay(0.75, slept.append)
    fail_delay(0, slept.append)
    assert slept == [0.75]
    inside, overlap = [0], []

    def slow(seconds):
        inside[0] += 1
        overlap.append(inside[0])
        time.sleep(seconds)
        inside[0] -= 1

    threads = [threading.Thread(target=fail_delay, args=(0.05, slow)) for _ in range(4)]
    started = time.monotonic()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert overlap == [1, 1, 1, 1]  # never two at once
    assert time.monotonic() - started >= 0.2


def test_preflight_refuses_an_open_network_host_with_a_clear_message(monkeypatch):
    out = io.StringIO()
    assert preflight("0.0.0.0", out) == 2
    message = out.getvalue()
    assert "Quelle startet nicht" in message and "QUELLE_READER_PASSWORD" in message
    assert "QUELLE_ALLOW_OPEN=1" in message and "0.0.0.0" in message
    assert preflight("127.0.0.1", io.StringIO()) == 0
    monkeypatch.setenv("QUELLE_EDITOR_PASSWORD", "redaktion-456")
    out = io.StringIO()
    assert preflight("0.0.0.0", out) == 0 and out.getvalue() == ""
    assert "redaktion-456" not in out.getvalue()
    monkeypatch.delenv("QUELLE_EDITOR_PASSWORD")
    monkeypatch.setenv("QUELLE_ALLOW_OPEN", "1")
    out = io.StringIO()
    assert preflight("0.0.0.0", out) == 0 and "Offen im Netzwerk" in out.getvalue()


def test_make_run_binds_to_loopback_unless_host_is_given():
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    env_free = {k: v for k, v in __import__("os").environ.items() if k not in ("HOST", "QUELLE_HOST")}

    def dry(*args, **env):
        out = subprocess.run(
            ["make", "-n", "run", *args], cwd=root, capture_output=True, text=True, env={**env_free, **env}
        ).stdout
        [line] = [ln for ln in out.splitlines() if "streamlit run app.py" in ln]
        [check] = [ln for ln in out.splitlines() if "-m quelle.ui.access" in ln]
        return line, check

    line, check = dry()
    assert "--server.address 127.0.0.1" in line and check.startswith("QUELLE_HOST=127.0.0.1 ")
    line, check = dry("HOST=0.0.0.0")
    assert "--server.address 0.0.0.0" in line and check.startswith("QUELLE_HOST=0.0.0.0 ")
    line, _ = dry(QUELLE_HOST="192.168.1.20")
    assert "--server.address 192.168.1.20" in line


def test_plain_streamlit_run_from_the_project_binds_to_loopback():
    import tomllib
    from pathlib import Path

    config = tomllib.loads((Path(__file__).resolve().parents[1] / ".streamlit" / "config.toml").read_text())
    assert config["server"]["address"] == "127.0.0.1"
