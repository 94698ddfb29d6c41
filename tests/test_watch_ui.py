"""The „Beobachten“ button in the chat and the „Beobachtet“ page, driven headlessly with AppTest: the chat's answer
becomes version 1, an ingest that changes the fact adds version 2, the page shows it as „Neu“ with the citation that
caused it and the dated history; a second visit no longer calls it new; readers see the page but cannot change it."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ingest.models import Article
from quelle.library import Library
from quelle.resources import Resources
from quelle.settings import Settings
from quelle.watch.store import WatchStore

APP = str(Path(__file__).resolve().parents[1] / "app.py")
QUESTION = "Wie viele Tote gibt es nach dem Erdbeben in Kahramanmaras?"
FIRST = Article(
    "erdbeben-12",
    "Erdbeben: mindestens 12 Tote",
    "Bei dem Erdbeben in der Provinz Kahramanmaras sind mindestens 12 Menschen ums Leben gekommen.",
    "2026-03-10",
    "Stadtkurier",
)
SECOND = Article(
    "erdbeben-35",
    "Erdbeben: Zahl der Toten steigt auf 35",
    "Die Zahl der Toten nach dem Erdbeben in der Provinz Kahramanmaras ist auf 35 gestiegen.",
    "2026-03-11",
    "Stadtkurier",
    url="https://example.org/erdbeben-35",
)


def open_app(monkeypatch, data_dir: Path, **env) -> AppTest:
    monkeypatch.setenv("QUELLE_DATA_DIR", str(data_dir))
    monkeypatch.setenv("QUELLE_LLM", "extractive")
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    assert not at.exception, at.exception
    return at


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [x.value for x in at.info]
    return "\n".join(parts).replace("\\", "")


@pytest.fixture
def data_dir(tmp_path, embedder):
    folder = tmp_path / "index"
    Library(Resources.open(Settings(data_dir=folder, llm="extractive"), embedder=embedder)).add_articles([FIRST])
    return folder


def test_watch_from_the_chat_then_the_page_shows_what_changed(monkeypatch, data_dir, embedder):
    at = open_app(monkeypatch, data_dir)
    at.chat_input[0].set_value(QUESTION).run()
    message = at.session_state.messages[-1]
    assert "12 Menschen" in message["answer"]["answer"]
    at.button(key=f"watch_{message['id']}").click().run()
    assert not at.exception, at.exception
    [w] = WatchStore(data_dir).watches()
    assert w.question == QUESTION and [v.n for v in w.versions] == [1]
    assert w.versions[0].answer["answer"] == message["answer"]["answer"]  # the chat's answer, not asked again
    assert w.settings["backend"] == "extractive" and w.settings["k"] == message["request"]["k"]
    assert "Beobachtet:" in texts(at)
    # a follow-up is watched as the standalone question it was answered as (a watch has no chat)
    at.chat_input[0].set_value("Und wie viele Verletzte?").run()
    follow = at.session_state.messages[-1]
    at.button(key=f"watch_{follow['id']}").click().run()
    [followed] = [x for x in WatchStore(data_dir).watches() if x.id != w.id]
    assert followed.question == follow["answer"]["standalone_question"] != "Und wie viele Verletzte?"
    assert "Kahramanmaras" in followed.question
    WatchStore(data_dir).remove(followed.id)

    # a sync or upload elsewhere (another process) changes the fact
    Library(Resources.open(Settings(data_dir=data_dir, llm="extractive"), embedder=embedder)).add_articles([SECOND])
    assert [v.n for v in WatchStore(data_dir).require(w.id).versions] == [1, 2]

    at.switch_page("quelle/ui/pages/watch.py").run()
    assert not at.exception, at.exception
    page = texts(at)
    assert "Neu seit Ihrem letzten Besuch: 1" in page and "Neu: 1" in page
    assert "Geändert durch:" in page and "Erdbeben: Zahl der Toten steigt auf 35" in page
    assert "(https://example.org/erdbeben-35)" in page  # the causing citation links to its report
    assert "Version 2 · gefunden" in page and "neuer Wert · Wert: 35 · Stand: 2026-03-11" in page
    assert "Version 1 · gefunden" in page and "erste Antwort · Wert: 12 · Stand: 2026-03-10" in page
    assert page.index("Version 2") < page.index("Version 1")  # newest first
    at.run()  # a rerun in the same visit keeps „Neu“
    assert "Neu: 1" in texts(at)

    again = open_app(monkeypatch, data_dir)  # the next visit: already seen
    again.switch_page("quelle/ui/pages/watch.py").run()
    assert "Neu seit Ihrem letzten Besuch: 0" in texts(again) and "Neu: 1" not in texts(again)
    again.button(key="watch_check").click().run()  # „Jetzt prüfen“: nothing changed
    assert not again.exception, again.exception
    assert len(WatchStore(data_dir).require(w.id).versions) == 2 and WatchStore(data_dir).require(w.id).checks == 3
    again.button(key=f"watch_rm_{w.id}").click().run()
    assert WatchStore(data_dir).watches() == []


def test_readers_see_the_page_but_cannot_add_check_or_remove(monkeypatch, data_dir, embedder):
    from quelle.watch.check import check, watch_settings

    store = WatchStore(data_dir)
    w = store.add(QUESTION, watch_settings(Settings(data_dir=data_dir, llm="extractive")))
    check(store, w, Resources.open(Settings(data_dir=data_dir, llm="extractive"), embedder=embedder))
    monkeypatch.setenv("QUELLE_LOGIN_DELAY", "0")
    at = open_app(monkeypatch, data_dir, QUELLE_READER_PASSWORD="lesen-123", QUELLE_EDITOR_PASSWORD="schreiben-456")
    at.text_input(key="login_password").input("lesen-123")
    at.button[0].click().run()  # the form's „Anmelden“
    assert not at.exception, at.exception
    at.chat_input[0].set_value(QUESTION).run()
    message = at.session_state.messages[-1]
    assert not [b for b in at.button if b.key == f"watch_{message['id']}"]  # no „Beobachten“ for readers
    at.switch_page("quelle/ui/pages/watch.py").run()
    assert QUESTION in texts(at) and "12 Menschen" in texts(at)
    assert not [b for b in at.button if b.key in ("watch_check", f"watch_rm_{w.id}")]
