"""Who may use the app: local by default; for shared use a password per role (reader, editor).

The core (`Access`, `is_network_host`, `fail_delay`) is plain Python and unit-tested; the Streamlit layer below
it shows the login form, keeps the role in the session until „Abmelden“ and re-checks it for every editor action
(`require_editor()`), so an action refuses a reader even when its control is never rendered.

Roles: no password configured -> everyone is editor (a single-user tool on 127.0.0.1, as before). With passwords,
the reader password gives READER (ask, browse articles, batch/eval), the editor password EDITOR (also upload, delete,
feeds). Secrets come from the environment (QUELLE_*) or Streamlit's secrets.toml; they are compared in constant time
(hmac.compare_digest over SHA-256 digests, so neither the length nor the content leaks through timing) and never
logged or shown.

DNS rebinding (issue 28): without a password every session is an editor, so a page on a foreign name that re-binds
to 127.0.0.1 must not get one. `host_allowed` is the rule — a loopback name, an address literal (never a rebound
name), or a name the operator configured (QUELLE_HOST, server.address, server.allowedHosts); any port — and
`gate()` applies it to the Host of the session's websocket request before anything renders, on every page (the
role check of the editor actions too). With a password the login is the protection, so any Host is served.

`python -m quelle.ui.access` is the preflight `make run` runs before Streamlit: it exits 2 with a message when the
host is a network address and neither a password nor QUELLE_ALLOW_OPEN is set.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import sys
import threading
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping
from urllib.parse import urlsplit

from pydantic import SecretStr

from quelle.settings import Settings

READER, EDITOR = "reader", "editor"
ROLE_KEY = "quelle_role"  # session_state key; no widget uses it, so a browser cannot set it
SECRET_KEYS = ("QUELLE_READER_PASSWORD", "QUELLE_EDITOR_PASSWORD", "QUELLE_ALLOW_OPEN", "QUELLE_HOST")
LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}

_FAILED = threading.Lock()  # failed logins wait one after the other, across all sessions of the process


class AccessDenied(PermissionError):
    """An editor action was attempted without the editor role."""


def is_network_host(host: str | None) -> bool:
    """True unless `host` is a loopback address. None/"" is Streamlit's default: every interface."""
    name = (host or "").strip().strip("[]").lower()
    if not name:
        return True
    if name in LOOPBACK_NAMES:
        return False
    try:
        return not ipaddress.ip_address(name).is_loopback
    except ValueError:
        return True  # a host name: it may resolve to any interface


def _host_name(host_header: str | None) -> str | None:
    """The name in a Host header (`name`, `name:port`, `1.2.3.4:port`, `[::1]:port`), lower case, without
    brackets and a trailing dot; None for anything malformed (user info, a path, a bad port)."""
    value = (host_header or "").strip()
    if not value or any(c in value for c in "/?#@\\ \t"):
        return None
    try:
        parts = urlsplit(f"//{value}")
        parts.port  # noqa: B018 — raises ValueError for a port that is not a number in 0..65535
    except ValueError:
        return None
    name = (parts.hostname or "").rstrip(".")
    return name or None


def _is_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        return False


def _matches(name: str, pattern: str) -> bool:
    """Streamlit's server.allowedHosts patterns: an exact name, `*.example.org` (its subdomains) or `*` (any)."""
    pattern = pattern.strip().lower().strip("[]").rstrip(".")
    if pattern == "*":
        return True
    if pattern.startswith("*."):
        return name.endswith(pattern[1:])
    return bool(pattern) and name == pattern


def host_allowed(host_header: str | None, trusted: Iterable[str] = ()) -> bool:
    """May a request with this Host reach the app without a password? Yes for a loopback name (localhost, …), any
    address literal (127.0.0.0/8, ::1, or another: a browser sends one only for the address it connected to, so it
    cannot be a re-bound name) and the names in `trusted` (exact, `*.domain` or `*`); the port does not matter.
    No for every other name — a DNS-rebinding page's — and for a missing or malformed Host."""
    name = _host_name(host_header)
    if name is None:
        return False
    if name in LOOPBACK_NAMES or _is_address(name):
        return True
    return any(_matches(name, pattern) for pattern in trusted)


def _secret(value: Any) -> SecretStr | None:
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if value is None or str(value) == "":
        return None
    return SecretStr(str(value))


def _truthy(value: Any) -> bool:
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


def fail_delay(seconds: float, sleep: Callable[[float], None] = time.sleep) -> None:
    """The cost of a failed login: `seconds`, serialised across sessions so parallel guessing gains nothing."""
    if seconds > 0:
        with _FAILED:
            sleep(seconds)


@dataclass(frozen=True)
class Access:
    """What this process allows. Build it with `Access.from_settings` (env + secrets.toml)."""

    host: str | None = "127.0.0.1"  # where the server listens (the more exposed of QUELLE_HOST and server.address)
    reader_password: SecretStr | None = field(default=None, repr=False)
    editor_password: SecretStr | None = field(default=None, repr=False)
    allow_open: bool = False
    login_delay: float = 1.0
    trusted_hosts: tuple[str, ...] = ()  # names besides loopback the app answers to without a password

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        secrets: Mapping[str, Any] | None = None,
        server_address: str | None | bool = False,
        allowed_hosts: Iterable[str] = (),
    ) -> "Access":
        """Settings (environment) first, then the same names in `secrets` (secrets.toml). `server_address` is the
        address Streamlit binds to (None: all interfaces); False when unknown (the preflight before Streamlit).
        QUELLE_HOST, `server_address` and `allowed_hosts` (Streamlit's server.allowedHosts) name the hosts the
        operator chose: served without a password (wildcard addresses such as 0.0.0.0 name no host)."""
        secrets = secrets or {}
        reader = _secret(settings.reader_password) or _secret(secrets.get("QUELLE_READER_PASSWORD"))
        editor = _secret(settings.editor_password) or _secret(secrets.get("QUELLE_EDITOR_PASSWORD"))
        allow_open = settings.allow_open or _truthy(secrets.get("QUELLE_ALLOW_OPEN", ""))
        host = settings.host
        if "host" not in settings.model_fields_set and secrets.get("QUELLE_HOST"):
            host = str(secrets["QUELLE_HOST"])
        configured = [host, server_address if isinstance(server_address, str) else ""]
        trusted = tuple(h for h in configured if h and not _is_wildcard(h)) + tuple(allowed_hosts or ())
        if server_address is not False and is_network_host(server_address) and not is_network_host(host):
            host = server_address or "0.0.0.0"  # Streamlit listens wider than QUELLE_HOST says: that counts
        return cls(
            host=host,
            reader_password=reader,
            editor_password=editor,
            allow_open=allow_open,
            login_delay=settings.login_delay,
            trusted_hosts=trusted,
        )

    @property
    def protected(self) -> bool:
        """A password is configured: nobody gets in without logging in."""
        return bool(self.reader_password or self.editor_password)

    @property
    def exposed(self) -> bool:
        return is_network_host(self.host)

    @property
    def open_on_network(self) -> bool:
        """Reachable from the network without a password (only with allow_open): show the warning banner."""
        return self.exposed and not self.protected

    def serves_host(self, host_header: str | None) -> bool:
        """May a request with this Host header use the app? With a password always (the login decides, and a
        password is what serving under any name — a proxy's domain — needs); without one only `host_allowed`."""
        return self.protected or host_allowed(host_header, self.trusted_hosts)

    def startup_refused(self) -> bool:
        """On a network address without a password, unless allow_open says so on purpose."""
        return self.exposed and not self.protected and not self.allow_open

    def check_password(self, given: str) -> str | None:
        """The role this password opens, or None. Both passwords are always compared, in constant time."""
        given_digest = _digest(given or "")
        matches = {}
        for role, secret in ((EDITOR, self.editor_password), (READER, self.reader_password)):
            expected = _digest(secret.get_secret_value()) if secret else _digest("\0unset")
            matches[role] = hmac.compare_digest(given_digest, expected) and secret is not None and bool(given)
        if matches[EDITOR]:
            return EDITOR
        return READER if matches[READER] else None

    def role(self, session_role: str | None) -> str | None:
        """The effective role: EDITOR when nothing is protected, else the session's role if its password is
        (still) configured, else None (not logged in)."""
        if not self.protected:
            return EDITOR
        if session_role == EDITOR and self.editor_password:
            return EDITOR
        if session_role == READER and self.reader_password:
            return READER
        return None


def _is_wildcard(host: str) -> bool:
    name = host.strip().strip("[]")
    return not name or (_is_address(name) and ipaddress.ip_address(name).is_unspecified)


def can_edit(role: str | None) -> bool:
    return role == EDITOR


def check_editor(role: str | None, message: str = "editor role required") -> None:
    if not can_edit(role):
        raise AccessDenied(message)


def secrets_from_files(paths: list[str | Path]) -> dict[str, Any]:
    """The root-level values of Streamlit's secrets.toml files (later files win, as in Streamlit)."""
    merged: dict[str, Any] = {}
    for p in paths:
        path = Path(p)
        if path.is_file():
            with path.open("rb") as f:
                merged.update(tomllib.load(f))
    return merged


# ---------------------------------------------------------------- Streamlit layer


def _streamlit_secrets() -> dict[str, Any]:
    import streamlit as st

    try:
        return {k: st.secrets[k] for k in SECRET_KEYS if k in st.secrets}
    except Exception:  # no secrets.toml (StreamlitSecretNotFoundError) or an unreadable one
        return {}


def current() -> Access:
    """This process's access rules: environment, secrets.toml, the address Streamlit listens on and the hosts its
    server.allowedHosts names."""
    import streamlit as st

    return Access.from_settings(
        Settings(), _streamlit_secrets(), st.get_option("server.address"), st.get_option("server.allowedHosts") or ()
    )


def request_headers() -> Mapping[str, str]:
    """The headers of the request that opened this session (the websocket's); empty when there is none — AppTest
    runs the script in-process, without a browser and so without any request."""
    import streamlit as st

    return st.context.headers


def foreign_host(access: Access) -> str | None:
    """The Host header of this session's request if the app must not serve it (see `Access.serves_host`), else
    None. A session without any request headers (AppTest, no browser) is not refused: rebinding needs a browser,
    and a browser's websocket always carries a Host (HTTP/1.1 requires it)."""
    headers = request_headers()
    if not headers:
        return None
    host = headers.get("Host")
    return None if access.serves_host(host) else (host or "")


def current_role(access: Access | None = None) -> str | None:
    import streamlit as st

    access = access or current()
    if foreign_host(access) is not None:
        return None  # a re-bound name: not even the editor role of the open app
    if not access.protected:
        return EDITOR
    return access.role(st.session_state.get(ROLE_KEY))


def require_editor() -> None:
    """The server-side check before every editor action (upload, delete, feeds): raises AccessDenied."""
    from quelle.i18n import text as t
    from quelle.ui.state import language

    check_editor(current_role(), t("access_denied", language()))


def login(password: str, access: Access | None = None, sleep: Callable[[float], None] = time.sleep) -> str | None:
    """Check the password; on success remember the role in the session, on failure wait login_delay."""
    import streamlit as st

    access = access or current()
    role = access.check_password(password)
    if role is None:
        st.session_state.pop(ROLE_KEY, None)
        fail_delay(access.login_delay, sleep)
        return None
    st.session_state[ROLE_KEY] = role
    return role


def logout() -> None:
    """Forget the role and everything the session holds (chat, results) and the URL's parameters (a stored chat's
    id): the next person at this browser starts fresh. The language choice stays."""
    import streamlit as st

    for key in list(st.session_state.keys()):
        if key != "lang":
            del st.session_state[key]
    st.query_params.clear()


# The refusal of a foreign Host (kept here until quelle/i18n.py takes it over as „access_host_refused“).
HOST_REFUSED = {
    "de": "Quelle antwortet nicht unter dieser Adresse: Die Seite wurde über „{host}“ aufgerufen. Ohne Passwort "
    "antwortet Quelle nur unter einer lokalen Adresse (http://127.0.0.1 oder http://localhost) oder einem Namen, "
    "den der Betrieb eingetragen hat (QUELLE_HOST, server.address, server.allowedHosts) — so kann keine fremde "
    "Webseite (DNS-Rebinding) Artikel lesen, hochladen oder löschen. Für den Zugriff unter anderen Namen: "
    "Passwörter setzen (QUELLE_READER_PASSWORD, QUELLE_EDITOR_PASSWORD).",
    "en": "Quelle does not answer at this address: the page was opened as “{host}”. Without a password Quelle "
    "answers only on a local address (http://127.0.0.1 or http://localhost) or a name the operator configured "
    "(QUELLE_HOST, server.address, server.allowedHosts), so that no foreign web page (DNS rebinding) can read, "
    "upload or delete articles. To serve other names, set passwords (QUELLE_READER_PASSWORD, "
    "QUELLE_EDITOR_PASSWORD).",
}


def host_refusal(host: str, lang: str) -> str:
    """The refusal for `host` (only its name is shown, and only if it is a well-formed one)."""
    name = _host_name(host)
    shown = name if name and all(c.isalnum() or c in ".-:" for c in name) else "?"
    return HOST_REFUSED.get(lang, HOST_REFUSED["de"]).format(host=shown[:100])


def host_label(host: str | None, lang: str) -> str:
    from quelle.i18n import text as t

    return host if host and host not in {"0.0.0.0", "::"} else t("access_all_interfaces", lang, host=host or "0.0.0.0")


def gate(pages: list | None = None) -> str:
    """Before anything else: refuse to run open on the network, show the login form until a role is known, warn
    when open on purpose. Returns the role; stops the script run otherwise. `pages` (the app's st.Page list) are
    registered hidden while the login form shows, so a link to a page (/articles) leads there after the login."""
    import streamlit as st

    from quelle.i18n import text as t
    from quelle.ui.state import language, language_picker

    access = current()
    lang = language()
    if access.startup_refused():
        st.error(t("access_refused", lang, host=host_label(access.host, lang)), icon=":material/block:")
        st.stop()
    refused = foreign_host(access)
    if refused is not None:
        st.error(host_refusal(refused, lang), icon=":material/block:")
        st.stop()
    if access.open_on_network:
        st.warning(t("access_open_banner", lang, host=host_label(access.host, lang)), icon=":material/warning:")
    role = current_role(access)
    if role is not None:
        return role
    if pages:
        st.navigation(pages, position="hidden")  # keeps the requested page; none of them runs
    with st.sidebar:
        language_picker()
    lang = language()
    st.title("Quelle")
    st.caption(t("tagline", lang))
    st.subheader(t("login_title", lang))
    st.write(t("login_intro", lang))
    with st.form("login_form", clear_on_submit=True):
        password = st.text_input(t("login_password", lang), type="password", key="login_password")
        submitted = st.form_submit_button(t("login_button", lang), type="primary", icon=":material/login:")
    if submitted:
        if login(password, access):
            st.rerun()
        st.error(t("login_failed", lang))
    st.stop()
    raise AssertionError("unreachable")  # st.stop() ends the run


def account_box(role: str) -> None:
    """In the sidebar when passwords are configured: who is signed in and „Abmelden“."""
    import streamlit as st

    from quelle.i18n import text as t
    from quelle.ui.state import language

    if not current().protected:
        return
    lang = language()
    with st.sidebar:
        st.divider()
        st.caption(t("signed_in_as", lang, role=t(f"role_{role}", lang)))
        if st.button(t("logout", lang), key="logout", icon=":material/logout:"):
            logout()
            st.rerun()


def preflight(host: str | None = None, out=sys.stderr) -> int:
    """`make run` before Streamlit starts: 2 with a message when the app would be open on the network."""
    import streamlit as st

    from quelle.i18n import text as t

    settings = Settings() if host is None else Settings(host=host)
    access = Access.from_settings(settings, secrets_from_files(st.get_option("secrets.files")))
    if access.startup_refused():
        print(t("access_refused", "de", host=host_label(access.host, "de")), file=out)
        return 2
    if access.open_on_network:
        print(t("access_open_banner", "de", host=host_label(access.host, "de")), file=out)
    return 0


if __name__ == "__main__":
    sys.exit(preflight(sys.argv[1] if len(sys.argv) > 1 else None))
