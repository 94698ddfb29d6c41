"""What each role may reach of the data behind the app (AppTest and the pure checks): report folders on the
Evaluation page (a reader only inside the data dir or its own session's reports; paths resolved, links not
followed out), stored chats bound to their owner by a key in the URL (a foreign id opens nothing when passwords
are set), and „Alle Bewertungen und Chats löschen“ (editors, with a confirmation, the core of `quelle feedback
clear`)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from quelle.feedback.chats import ChatStore, new_session_id
from quelle.feedback.store import UP, Feedback, FeedbackStore
from quelle.ui.access import EDITOR, READER
from quelle.ui.evaluation import ReportRefused, report_file, report_folder
from tests.test_access_ui import EDITOR_PW, PROTECTED, READER_PW, clean_env, login  # noqa: F401 (autouse fixture)
from tests.test_ui_apptest import APP, TIMEOUT, ask, open_app, texts, unescape

QUESTION = "Wo plant Alibaba neue Rechenzentren?"
REFUSED = "Nicht erlaubt: Mit der Rolle „Lesen“ lassen sich nur Berichte im Datenordner"


@pytest.fixture
def data_dir(tmp_path, demo_store):
    target = tmp_path / "index"
    shutil.copytree(
        demo_store.settings.data_dir, target, ignore=shutil.ignore_patterns("feedback.sqlite3*", "chat-secret")
    )
    return target


def make_report(folder: Path, n: int = 7) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "metrics.json").write_text(json.dumps({"n": n, "answer_contains": 0.5}), encoding="utf-8")
    (folder / "report.md").write_text("# Bericht\n", encoding="utf-8")
    return folder


def to_evaluation(at: AppTest) -> AppTest:
    at.switch_page("quelle/ui/pages/evaluation.py").run()
    assert not at.exception, at.exception
    return at


def open_folder(at: AppTest, path) -> AppTest:
    at.text_input(key="eval_folder").input(str(path))
    next(b for b in at.button if b.label in ("Öffnen", "Open")).click().run()
    assert not at.exception, at.exception
    return at


# --- report folders ---------------------------------------------------------------------------------------------


def test_report_folder_rules(tmp_path):
    data = tmp_path / "data"
    inside, outside = make_report(data / "berichte" / "r1"), make_report(tmp_path / "elsewhere")
    assert report_folder(str(inside), READER, data) == inside.resolve()
    assert report_folder(f"{data}/berichte/../berichte/r1/", READER, data) == inside.resolve()
    for raw in (outside, f"{data}/../elsewhere", "/etc", "~"):  # outside, by path, by traversal, by ~
        with pytest.raises(ReportRefused) as refused:
            report_folder(str(raw), READER, data)
        assert refused.value.key == "eval_refused_reader"
    (data / "link").symlink_to(outside, target_is_directory=True)  # a link inside the data dir to elsewhere
    with pytest.raises(ReportRefused):
        report_folder(str(data / "link"), READER, data)
    assert report_folder(str(outside), READER, data, [str(outside)]) == outside.resolve()  # this session's own
    assert report_folder(str(outside), EDITOR, data) == outside.resolve()  # an editor chooses any folder
    assert report_folder(f"{data}/../elsewhere", EDITOR, data) == outside.resolve()  # … resolved
    with pytest.raises(ReportRefused) as refused:
        report_folder(str(tmp_path / "nichts"), EDITOR, data)
    assert refused.value.key == "eval_no_folder"
    with pytest.raises(ReportRefused):  # a file is not a report folder
        report_folder(str(inside / "metrics.json"), EDITOR, data)

    secret = tmp_path / "geheim.txt"
    secret.write_text("{}", encoding="utf-8")
    (inside / "report.html").symlink_to(secret)  # a report file that points out of its folder is not read
    assert report_file(inside, "report.html") is None and report_file(inside, "metrics.json")
    assert report_file(inside, "../geheim.txt") is None and report_file(inside, "report.md")


def test_reader_opens_reports_only_inside_the_data_dir(monkeypatch, data_dir, tmp_path):
    outside = make_report(tmp_path / "fremd", n=3)
    inside = make_report(data_dir / "berichte" / "woche", n=11)
    at = to_evaluation(login(open_app(monkeypatch, data_dir, **PROTECTED), READER_PW))
    assert "Datenordner" in at.text_input(key="eval_folder").help

    for path in (outside, "/etc", f"{data_dir}/../fremd"):
        at = open_folder(at, path)
        assert any(REFUSED in unescape(e.value) for e in at.error), texts(at)
        assert "eval_report" not in at.session_state and not at.get("dataframe")[1:]
    at = open_folder(at, inside)
    assert not at.error and at.session_state.eval_report == str(inside.resolve())
    assert any(unescape(c.value) == str(inside.resolve()) for c in at.caption)
    assert "Kennzahlen" in [s.value for s in at.subheader]  # the report is shown

    at.session_state["eval_own_reports"] = [str(outside)]  # a report this session's run wrote
    at = open_folder(at, outside)
    assert not at.error and at.session_state.eval_report == str(outside.resolve())


def test_editor_may_choose_a_folder_but_it_is_checked(monkeypatch, data_dir, tmp_path):
    outside = make_report(tmp_path / "fremd")
    at = to_evaluation(login(open_app(monkeypatch, data_dir, **PROTECTED), EDITOR_PW))
    at = open_folder(at, f"{data_dir}/../fremd")
    assert not at.error and at.session_state.eval_report == str(outside.resolve())
    at = open_folder(at, tmp_path / "gibt-es-nicht")
    assert [unescape(e.value) for e in at.error] == [f"Kein Ordner: {(tmp_path / 'gibt-es-nicht').resolve()}"]
    assert "eval_report" not in at.session_state
    at = open_folder(at, "/etc")  # a folder without metrics.json: nothing read from it
    assert any("metrics.json fehlt" in unescape(w.value) for w in at.warning)


# --- stored chats bound to their owner --------------------------------------------------------------------------


def start(monkeypatch, data_dir: Path, query: dict, password: str | None = READER_PW) -> AppTest:
    for k, v in PROTECTED.items():
        if password:
            monkeypatch.setenv(k, v)
        else:
            monkeypatch.delenv(k, raising=False)
    for k, v in {"QUELLE_DATA_DIR": str(data_dir), "QUELLE_LLM": "extractive"}.items():
        monkeypatch.setenv(k, v)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update(query)
    at.run()
    assert not at.exception, at.exception
    return login(at, password) if password else at


def param(at: AppTest, name: str) -> str:
    value = at.query_params[name]
    return value[0] if isinstance(value, list) else value


def test_a_chat_id_from_another_session_does_not_open_the_chat(monkeypatch, data_dir):
    owner = ask(login(open_app(monkeypatch, data_dir, **PROTECTED), READER_PW), QUESTION)
    sid, key = owner.session_state.chat_session, param(owner, "key")
    assert param(owner, "chat") == sid and key == ChatStore(FeedbackStore(data_dir)).key(sid)
    stored = ChatStore(FeedbackStore(data_dir)).load(sid)
    assert len(stored) == 2

    for query in ({"chat": sid}, {"chat": sid, "key": "0" * 32}, {"chat": sid, "key": key[:-1]}):
        other = start(monkeypatch, data_dir, query)
        assert len(other.chat_message) == 0 and other.session_state.chat_session != sid
        assert [unescape(i.value) for i in other.info] == [
            "Dieser Chat gehört zu einer anderen Sitzung und wird nicht geöffnet; ein neuer Chat beginnt."
        ]
        assert param(other, "chat") != sid  # a new id of its own in the URL
    other = ask(other, "Und wo hat sie ihren Hauptsitz?")  # the foreign session's chat is stored elsewhere
    assert ChatStore(FeedbackStore(data_dir)).load(sid) == stored

    reloaded = start(monkeypatch, data_dir, {"chat": sid, "key": key}, EDITOR_PW)  # the owner's URL
    assert [m.name for m in reloaded.chat_message] == ["user", "assistant"] and not reloaded.info
    assert unescape(reloaded.chat_message[0].markdown[0].value) == QUESTION

    # without passwords (one person on 127.0.0.1) the id alone restores the chat, as before
    local = start(monkeypatch, data_dir, {"chat": sid}, password=None)
    assert [m.name for m in local.chat_message] == ["user", "assistant"]
    assert param(local, "key") == key  # … and the URL gains the key, so it keeps working with passwords


def test_chat_keys(tmp_path):
    chats = ChatStore(FeedbackStore(tmp_path / "d"))
    sid, other = new_session_id(), new_session_id()
    key = chats.key(sid)
    assert len(key) == 32 and key == chats.key(sid) and key != chats.key(other)
    assert (tmp_path / "d" / "chat-secret").stat().st_mode & 0o077 == 0  # the secret: owner only
    chats.save(sid, [{"role": "user", "content": "x"}])
    assert chats.load_owned(sid, key) == [{"role": "user", "content": "x"}]
    assert chats.load_owned(sid, chats.key(other)) is None and chats.load_owned(sid, None) is None
    assert chats.load_owned(sid, [key]) is not None  # a repeated URL parameter arrives as a list
    assert ChatStore(FeedbackStore(tmp_path / "e")).key(sid) != key  # another data dir, another secret
    with pytest.raises(ValueError):
        chats.key("../../etc/passwd")


# --- deleting all feedback from the UI --------------------------------------------------------------------------


def rate_one(data_dir: Path) -> None:
    store = FeedbackStore(data_dir)
    sid = new_session_id()
    store.rate(
        Feedback(
            id=new_session_id(),
            rating=UP,
            question=QUESTION,
            session_id=sid,
            answer={"question": QUESTION, "answer": "In Brasilien.", "abstained": False, "citations": []},
        )
    )
    ChatStore(store).save(sid, [{"role": "user", "content": QUESTION}])


def test_clear_all_feedback_with_a_confirmation(monkeypatch, data_dir):
    rate_one(data_dir)
    at = to_evaluation(open_app(monkeypatch, data_dir))  # no passwords: one person, every right
    at.button(key="fb_clear").click().run()
    assert any("Alle 1 Bewertungen und 1 gespeicherten Chats" in unescape(w.value) for w in at.warning)
    at.button(key="fb_clear_cancel").click().run()
    assert FeedbackStore(data_dir).records() and "fb_clear_yes" not in [b.key for b in at.button]

    at.button(key="fb_clear").click().run()
    at.button(key="fb_clear_yes").click().run()
    assert not at.exception, at.exception
    assert [unescape(s.value) for s in at.success] == ["Gelöscht: 1 Bewertung(en), 1 Chat(s)."]
    assert FeedbackStore(data_dir).records() == [] and FeedbackStore(data_dir).chat_count() == 0
    assert "fb_clear" not in [b.key for b in at.button]  # nothing left to delete

    at.radio(key="lang").set_value("en").run()
    rate_one(data_dir)
    at.run()
    assert at.button(key="fb_clear").label == "Delete all ratings and chats"


def test_only_an_editor_may_clear_when_passwords_are_set(monkeypatch, data_dir):
    rate_one(data_dir)
    at = to_evaluation(login(open_app(monkeypatch, data_dir, **PROTECTED), READER_PW))
    assert "fb_clear" not in [b.key for b in at.button]
    assert "fb_run" not in [b.key for b in at.button]  # another session's rating: not a reader's to see or run
    at = to_evaluation(login(open_app(monkeypatch, data_dir, **PROTECTED), EDITOR_PW))
    assert at.button(key="fb_clear").label == "Alle Bewertungen und Chats löschen"


def _clear_directly(password: str) -> None:
    import streamlit as st

    from quelle.settings import Settings
    from quelle.ui import access
    from quelle.ui.evaluation import clear_feedback

    access.login(password)
    try:
        st.success(str(clear_feedback(Settings().data_dir)))
    except access.AccessDenied as e:
        st.error(str(e))


def test_the_clear_action_refuses_a_reader_even_when_called_directly(monkeypatch, data_dir):
    rate_one(data_dir)
    for k, v in {**PROTECTED, "QUELLE_DATA_DIR": str(data_dir)}.items():
        monkeypatch.setenv(k, v)
    at = AppTest.from_function(_clear_directly, args=(READER_PW,), default_timeout=TIMEOUT)
    at.run()
    assert [e.value for e in at.error] == [
        "Nicht erlaubt: Bewertungen und Chats löschen darf nur die Rolle „Redaktion“."
    ]
    assert len(FeedbackStore(data_dir).records()) == 1
    at = AppTest.from_function(_clear_directly, args=(EDITOR_PW,), default_timeout=TIMEOUT)
    at.run()
    assert [s.value for s in at.success] == ["(1, 1)"] and FeedbackStore(data_dir).records() == []
