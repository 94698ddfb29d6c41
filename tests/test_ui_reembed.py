"""Issue 31: the app opened on a store that was built with another embedding model, driven headlessly with AppTest —
everyone sees both models and the fix, editors get „Neu einbetten“ (the core of `quelle reembed` with a progress
bar): a run that breaks off keeps its work and the old vectors, the next run goes on from there and switches, and the
app then answers with the configured model."""

from __future__ import annotations

import pytest
from conftest import DEMO_ARTICLES
from test_access_ui import EDITOR_PW, PROTECTED, READER_PW, login
from test_embeddings_http import _static_model
from test_reembed import Failing
from test_ui_apptest import ask, open_app, texts, unescape

QUESTION = "Wo plant Alibaba neue Rechenzentren?"
BUNDLED = "bundled:all-MiniLM-L6-v2"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for k in ("QUELLE_HOST", "QUELLE_READER_PASSWORD", "QUELLE_EDITOR_PASSWORD", "QUELLE_ALLOW_OPEN"):
        monkeypatch.delenv(k, raising=False)
    for k in ("QUELLE_EMBEDDING_MODEL", "QUELLE_QUERY_PREFIX", "QUELLE_PASSAGE_PREFIX"):
        monkeypatch.delenv(k, raising=False)  # the app runs with the bundled model


@pytest.fixture
def static_store(tmp_path, settings):
    """The demo articles in a store built with a tiny static model (24 dimensions) made from the bundled files."""
    from quelle.library import Library
    from quelle.resources import Resources

    path = _static_model(tmp_path / "static")
    s = settings.with_(embedding_model=path)
    res = Resources.open(s)
    assert Library(res).ingest([DEMO_ARTICLES]).count("failed") == 0
    before = [p.chunk_id for p in res.index.retrieve(QUESTION, 5, "dense")]
    return s, res.index.count(), before


def reopen(settings):
    from quelle.resources import Resources
    from vectorstore.store import forget_persistent_client

    forget_persistent_client(str(settings.data_dir / "chroma"))
    return Resources.open(settings)


def test_an_editor_re_embeds_from_the_error_view_resuming_a_broken_run(monkeypatch, static_store):
    import quelle.reembed as rm
    import vectorstore.reembed as vr
    from vectorstore.embeddings import create_embedder

    old, total, before = static_store
    at = open_app(monkeypatch, old.data_dir)
    shown = unescape(texts(at))
    assert old.embedding_model in shown and BUNDLED in shown and "quelle reembed" in shown  # both models, the fix
    assert len(at.chat_input) == 0 and not at.metric  # nothing answers with the wrong model
    assert at.button(key="reembed_button").label == "Neu einbetten"
    assert f"alle {total} Passagen" in shown

    # the first run breaks off after two pages (a server that went down)
    monkeypatch.setattr(vr, "PAGE", 8)
    monkeypatch.setattr(rm, "create_embedder", lambda s: Failing(create_embedder(s), pages=2))
    at.button(key="reembed_button").click().run()
    assert not at.exception, at.exception
    assert any("Neu einbetten ist abgebrochen" in e.value for e in at.error), texts(at)
    assert len(at.chat_input) == 0
    # not switched: the old model's store is whole and answers as before
    res = reopen(old)
    assert res.store.name == "quelle" and res.index.count() == total
    assert [p.chunk_id for p in res.index.retrieve(QUESTION, 5, "dense")] == before

    # the next page run says how far it got; the action goes on from there and switches
    monkeypatch.setattr(rm, "create_embedder", create_embedder)
    at.run()
    assert f"schon 16 von {total} Passagen" in unescape(texts(at))
    calls = []
    real = rm.reembed_store
    monkeypatch.setattr(rm, "reembed_store", lambda *a: calls.append(real(*a)) or calls[-1])
    at.button(key="reembed_button").click().run()
    assert not at.exception, at.exception
    [report] = calls
    assert report.switched and report.kept == 16 and report.embedded == total - 16
    done = f"Neu eingebettet mit „{BUNDLED}“: {total} Passagen. Der Bestand nutzt jetzt das neue Modell."
    assert [unescape(s.value) for s in at.success] == [done]
    assert not at.error and len(at.chat_input) == 1
    assert {m.label: m.value for m in at.metric}["Passagen"] == str(total)
    assert BUNDLED in texts(at)  # the sidebar names the model the store now uses
    at = ask(at, QUESTION)
    assert "Brasilien" in unescape(at.chat_message[-1].markdown[0].value)
    # the old model is refused now, with the fix named
    from vectorstore.store import StoreError

    with pytest.raises(StoreError, match="quelle reembed"):
        reopen(old)


def test_readers_see_the_error_but_no_action_editors_get_it(monkeypatch, static_store):
    old, total, _ = static_store
    at = open_app(monkeypatch, old.data_dir, **PROTECTED)
    at = login(at, READER_PW)
    shown = unescape(texts(at))
    assert old.embedding_model in shown and BUNDLED in shown
    assert "Neu einbetten kann nur die Redaktion" in shown
    assert not [b for b in at.button if b.key == "reembed_button"]
    assert len(at.chat_input) == 0
    at = open_app(monkeypatch, old.data_dir, **PROTECTED)
    at = login(at, EDITOR_PW)
    assert at.button(key="reembed_button").label == "Neu einbetten"
    assert reopen(old).store.name == "quelle"  # looking changes nothing


def test_the_app_opens_and_answers_while_the_embedding_server_is_down(monkeypatch, settings, embedder):
    from embeddings_server import EmbeddingsServer

    from quelle.library import Library
    from quelle.resources import Resources

    with EmbeddingsServer(embedder.model) as srv:
        s = settings.with_(embedding_model="openai:minilm", embedding_base_url=srv.base_url)
        files = [DEMO_ARTICLES / "alibaba-ki-offensive.md", DEMO_ARTICLES / "leipziger-buchmesse.md"]
        assert Library(Resources.open(s)).ingest(files).count("failed") == 0
    # the server is gone: the app still opens (its warm-up question is skipped) and answers from the lexical side
    env = {"QUELLE_EMBEDDING_MODEL": "openai:minilm", "QUELLE_EMBEDDING_BASE_URL": srv.base_url}
    at = open_app(monkeypatch, s.data_dir, QUELLE_EMBEDDING_RETRIES="0", **env)
    assert len(at.chat_input) == 1 and not at.error
    at = ask(at, QUESTION)
    assert "Brasilien" in unescape(at.chat_message[-1].markdown[0].value)
    answer = at.session_state.messages[-1]["answer"]
    assert "embedding_unavailable" in answer["flags"] and srv.base_url in answer["fallback"]
