"""The Streamlit app driven headlessly with AppTest: chat, sources, follow-ups, uploads, delete, abstention, safety."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from quelle.ui.render import cited_sources, marked_markdown, md_escape, safe_url
from quelle.ui.uploads import safe_filename

APP = str(Path(__file__).resolve().parents[1] / "app.py")
TIMEOUT = 180  # the first run of a test session loads the embedding model


def open_app(monkeypatch, data_dir: Path, **env) -> AppTest:
    monkeypatch.setenv("QUELLE_DATA_DIR", str(data_dir))
    monkeypatch.setenv("QUELLE_LLM", "extractive")
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    return at


def ask(at: AppTest, question: str) -> AppTest:
    at.chat_input[0].set_value(question).run()
    assert not at.exception, at.exception
    return at


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [x.value for x in at.info] + [x.value for x in at.warning] + [x.value for x in at.error]
    parts += [x.value for x in at.success]
    return "\n".join(parts)


def unescape(markdown: str) -> str:
    return markdown.replace("\\", "")


@pytest.fixture
def demo_app(monkeypatch, demo_store):
    return open_app(monkeypatch, demo_store.settings.data_dir)


@pytest.fixture
def empty_app(monkeypatch, tmp_path):
    return open_app(monkeypatch, tmp_path / "index")


def test_question_shows_cited_answer_with_highlighted_source(demo_app):
    at = ask(demo_app, "Wo plant Alibaba neue Rechenzentren?")
    assistant = at.chat_message[-1]
    assert assistant.name == "assistant"
    answer = unescape(assistant.markdown[0].value)
    for country in ("Brasilien", "Frankreich", "Niederlanden"):
        assert country in answer
    assert "[1]" in answer
    [source] = assistant.expander
    assert "Alibaba erhöht KI-Investitionen und kooperiert mit Nvidia" in unescape(source.label)
    assert "2025-09-24" in unescape(source.label) and unescape(source.label).startswith("[1]")
    body = [m.value for m in source.markdown]
    assert any("(https://example.org/demo/alibaba-ki-offensive)" in b for b in body), body  # a link
    highlighted = [b for b in body if ":orange-background[**" in b]
    assert highlighted and "Brasilien" in highlighted[0].split(":orange-background[**")[1]
    message = at.session_state.messages[-1]
    assert message["answer"]["citations"][0]["article_id"] == "alibaba-ki-offensive"


def test_sources_survive_a_rerun(demo_app):
    at = ask(demo_app, "Wo plant Alibaba neue Rechenzentren?")
    at.run()
    assert len(at.chat_message) == 2
    assert "Alibaba" in unescape(at.chat_message[-1].expander[0].label)


def test_follow_up_question_uses_the_chat_history(demo_app):
    at = ask(demo_app, "Wo plant Alibaba neue Rechenzentren?")
    at = ask(at, "Und wo hat sie ihren Hauptsitz?")
    assert len(at.chat_message) == 4
    last = at.session_state.messages[-1]["answer"]
    assert "Alibaba" in last["standalone_question"]  # the follow-up was asked with the history
    assert last["citations"][0]["article_id"] == "alibaba-ki-offensive"


def test_new_chat_clears_the_history(demo_app):
    at = ask(demo_app, "Wo plant Alibaba neue Rechenzentren?")
    at.button(key="new_chat").click().run()
    assert len(at.chat_message) == 0
    assert at.session_state.messages == []


def test_question_the_articles_cannot_answer_is_shown_as_abstention(demo_app):
    at = ask(demo_app, "Wer gewann die Fußball-Weltmeisterschaft der Frauen 1991?")
    assistant = at.chat_message[-1]
    # „1991“ matches no demo article: the dropped time filter is said first, then the abstention
    assert [unescape(i.value) for i in assistant.info] == [
        "Zum Zeitraum „1991“ (Meldungen 01.01.1991–14.02.1992) finde ich nichts; die Antwort gilt ohne diesen Zeitraum.",
        "In den Artikeln finde ich dazu keine Angabe.",
    ]
    assert len(assistant.expander) == 0  # no sources under an abstention


def test_filter_by_source_that_excludes_the_answer_abstains(demo_app):
    at = demo_app
    assert "Wirtschaftsdienst Demo" in at.multiselect(key="sources").options
    others = [o for o in at.multiselect(key="sources").options if o != "Wirtschaftsdienst Demo"]
    at.multiselect(key="sources").set_value(others[:1]).run()
    at = ask(at, "Wo plant Alibaba neue Rechenzentren?")
    cites = at.session_state.messages[-1]["answer"]["citations"]
    assert all(c["article_id"] != "alibaba-ki-offensive" for c in cites)


def test_sidebar_shows_collection_statistics_and_retrieval_options(demo_app, demo_store):
    at = demo_app
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Artikel"] == str(len(demo_store.store.list_articles()))
    assert metrics["Passagen"] == str(demo_store.store.count())
    assert "bundled:all-MiniLM-L6-v2" in texts(at)
    assert at.radio(key="mode").options == ["hybrid", "semantisch (dense)", "Stichwörter (BM25)"]
    at.radio(key="mode").set_value("bm25").run()
    at.slider(key="top_k").set_value(2).run()
    at = ask(at, "Wo plant Alibaba neue Rechenzentren?")
    assert (
        len(
            at.session_state.messages[-1]["answer"]["retrieved"]
            if "retrieved" in at.session_state.messages[-1]["answer"]
            else []
        )
        <= 2
    )
    assert at.session_state.request.settings.retrieval_mode == "bm25"
    assert at.session_state.request.settings.top_k == 2


def test_english_interface_can_be_switched_on(demo_app):
    at = demo_app
    at.radio(key="lang").set_value("en").run()
    assert at.button(key="new_chat").label == "New chat"
    assert "Passages" in [m.label for m in at.metric]


def test_rerun_after_a_question_loads_no_model(monkeypatch, tmp_path):
    from quelle import resources as resources_module

    opened = []
    real_open = resources_module.Resources.open.__func__

    def counting_open(cls, settings, embedder=None):
        opened.append(settings.data_dir)
        return real_open(cls, settings, embedder)

    monkeypatch.setattr(resources_module.Resources, "open", classmethod(counting_open))
    at = open_app(monkeypatch, tmp_path / "fresh-index")
    ask(at, "Wo plant Alibaba neue Rechenzentren?")
    at.run()
    at.run()
    assert opened == [tmp_path / "fresh-index"]


def upload(at: AppTest, *files: tuple[str, bytes]) -> AppTest:
    at.switch_page("quelle/ui/pages/articles.py").run()
    assert not at.exception, at.exception
    at.file_uploader[0].set_value([(name, data, "text/plain") for name, data in files])
    at.button[0].click().run()  # the form's submit button
    assert not at.exception, at.exception
    return at


GOOD = (
    "---\ntitle: Neue Seilbahn für Wuppertal\ndate: 2025-05-02\nsource: Lokalblatt Test\n---\n\n"
    "Die Stadt Wuppertal baut eine Seilbahn vom Hauptbahnhof zur Universität. Die Bauzeit beträgt zwei Jahre. "
    "Die Kosten liegen bei 80 Millionen Euro.\n"
).encode()


def test_upload_reports_each_file_and_the_article_can_be_asked_about(empty_app):
    at = upload(empty_app, ("seilbahn.md", GOOD), ("leer.txt", b"   \n"), ("bild.exe", b"MZ\x00\x01"))
    lines = [unescape(m.value) for m in at.markdown]
    assert any("seilbahn.md" in line and "hinzugefügt" in line for line in lines), lines
    assert any("leer.txt" in line and "fehlgeschlagen · " in line for line in lines), lines  # with the reason
    assert any("bild.exe" in line and "fehlgeschlagen" in line and "nicht unterstützt" in line for line in lines), lines
    at.switch_page("quelle/ui/pages/chat.py").run()
    at = ask(at, "Was baut die Stadt Wuppertal?")
    assert "Seilbahn vom Hauptbahnhof" in unescape(at.chat_message[-1].markdown[0].value)
    assert at.session_state.messages[-1]["answer"]["citations"][0]["article_id"] == "seilbahn"


def test_uploading_the_same_file_again_is_unchanged(empty_app):
    at = upload(empty_app, ("seilbahn.md", GOOD))
    at = upload(at, ("seilbahn.md", GOOD))
    lines = [unescape(m.value) for m in at.markdown]
    assert any("seilbahn.md" in line and "unverändert" in line for line in lines), lines
    assert at.metric[0].value == "1"


def test_upload_over_the_size_limit_fails_with_the_reason(monkeypatch, tmp_path):
    at = open_app(monkeypatch, tmp_path / "index", QUELLE_MAX_FILE_MB="0.001")
    at = upload(at, ("gross.txt", b"Ein Satz. " * 200))
    lines = [unescape(m.value) for m in at.markdown]
    assert any("gross.txt" in line and "fehlgeschlagen" in line and "QUELLE_MAX_FILE_MB" in line for line in lines), (
        lines
    )


def test_article_can_be_found_and_deleted(empty_app):
    at = upload(empty_app, ("seilbahn.md", GOOD))
    at.text_input(key="article_search").set_value("seilbahn").run()
    assert "1 von 1" in texts(at)
    at.selectbox(key="delete_pick").set_value("seilbahn")
    at.button(key="delete_button").click().run()
    assert not at.exception, at.exception
    assert "Gelöscht" in unescape(texts(at))
    assert at.metric[0].value == "0"
    assert "Keine Artikel" in texts(at)


HOSTILE = (
    "---\ntitle: 'Sicherheit <b>fett</b> [klick](javascript:alert(3))'\nsource: Testquelle\n---\n\n"
    "Die Stadtverwaltung Musterhausen prüft ihre Webseite mit <script>alert(1)</script> und "
    "<img src=x onerror=alert(2)> sowie [Link](javascript:alert(3)) und :red[rot] gegen Angriffe.\n"
).encode()


def test_article_markup_is_shown_as_text(empty_app):
    at = upload(empty_app, ("angriff.md", HOSTILE))
    at.switch_page("quelle/ui/pages/chat.py").run()
    at = ask(at, "Womit prüft die Stadtverwaltung Musterhausen ihre Webseite?")
    assistant = at.chat_message[-1]
    shown = [m.value for m in assistant.markdown] + [e.label for e in assistant.expander]
    joined = "\n".join(shown)
    for raw in ("<script>", "<img", "](javascript", ":red[", "<b>"):
        assert not re.search(r"(?<!\\)" + re.escape(raw), joined), raw  # only escaped forms reach the renderer
    plain = unescape(joined)
    for literal in ("<script>alert(1)</script>", "<img src=x onerror=alert(2)>", "[Link](javascript:alert(3))"):
        assert literal in plain


# --- the rendering helpers -------------------------------------------------------------------------------------


def test_md_escape_neutralises_markdown_and_html():
    escaped = md_escape("<script>x</script> **b** [l](u) :red[r] # h\n    code")
    assert "<" not in escaped.replace("\\<", "") and "[" not in escaped.replace("\\[", "")
    assert escaped.replace("\\", "") == "<script>x</script> **b** [l](u) :red[r] # h\ncode"


def test_highlight_marks_only_the_cited_span_and_escapes_inside_it():
    text = "Erster Satz. Zweiter *Satz* <b>hier</b>. Dritter."
    start = text.index("Zweiter")
    end = text.index(". Dritter") + 1
    out = marked_markdown(text, [(start, end)])
    assert out.startswith("Erster Satz\\. :orange-background[**Zweiter \\*Satz\\* \\<b\\>hier\\<\\/b\\>\\.**]")
    assert out.endswith(" Dritter\\.")


def test_highlight_spans_are_clipped_merged_and_split_at_line_breaks():
    out = marked_markdown("ab\ncd", [(1, 4), (0, 2), (3, 99)])
    assert out == ":orange-background[**ab**]\n:orange-background[**cd**]"


def test_only_http_urls_become_links():
    assert safe_url("https://example.org/a?b=1") == "https://example.org/a?b=1"
    for bad in ("javascript:alert(1)", "data:text/html,x", "https://x.org/a)b", "ftp://x", "", "https://"):
        assert safe_url(bad) is None


def test_unsupported_sentences_are_found_in_the_answer_despite_citation_markers():
    from quelle.ui.render import unsupported_spans

    answer = {
        "answer": "A ist wahr [1]. B ist falsch [1, 2]. C fehlt.",
        "sentences": [
            {"text": "A ist wahr.", "supported": True},
            {"text": "B ist falsch.", "supported": False},
            {"text": "Nirgends.", "supported": False},
        ],
    }
    spans, missing = unsupported_spans(answer)
    assert [answer["answer"][s:e] for s, e in spans] == ["B ist falsch [1, 2]."]
    assert missing == ["Nirgends."]


def test_only_cited_sources_are_listed_in_number_order():
    answer = {"answer": "A [2]. B [2, 3].", "citations": [{"n": 1}, {"n": 3}, {"n": 2}]}
    assert [c["n"] for c in cited_sources(answer)] == [2, 3]


def test_uploaded_file_names_cannot_leave_the_upload_folder():
    taken: set[str] = set()
    assert safe_filename("../../etc/passwd", taken) == "passwd"
    assert safe_filename("..\\..\\win.ini", taken) == "win.ini"
    assert safe_filename("/abs/path/artikel.md", taken) == "artikel.md"
    assert safe_filename(".hidden.md", taken) == "hidden.md"
    assert safe_filename("artikel.md", taken) == "artikel-2.md"
    assert safe_filename("Über uns; rm -rf *.TXT", taken) == "Über uns_ rm -rf.txt"
    assert safe_filename("..", taken) == "upload"
    assert safe_filename("a\x00b\nc.md", taken) == "abc.md"
    assert len(safe_filename("x" * 500 + ".md")) <= 120


# --- batch and evaluation pages ---------------------------------------------------------------------------------


def test_batch_page_answers_a_question_file_and_offers_the_download(demo_app):
    at = demo_app
    at.switch_page("quelle/ui/pages/batch.py").run()
    assert not at.exception, at.exception
    questions = "Wo plant Alibaba neue Rechenzentren?\n# Kommentar\nWer gewann die Fußball-WM der Frauen 1991?\n"
    at.file_uploader[0].set_value(("fragen.txt", questions.encode(), "text/plain"))
    at.radio(key="batch_format").set_value(".csv")
    at.button[0].click().run()
    assert not at.exception, at.exception
    result = at.session_state.batch_result
    assert result["summary"]["total"] == 2 and result["summary"]["answered"] == 1
    assert result["name"] == "fragen-antworten.csv"
    assert "Brasilien" in result["data"].decode("utf-8-sig")
    assert any("2 Fragen: 1 beantwortet" in s.value for s in at.success)
    assert at.get("download_button")


def test_evaluation_page_runs_gold_questions_and_shows_metrics_and_plots(demo_app):
    at = demo_app
    at.switch_page("quelle/ui/pages/evaluation.py").run()
    assert not at.exception, at.exception
    gold = (
        '{"id": "g1", "question": "Wo plant Alibaba neue Rechenzentren?", '
        '"answers": ["Brasilien, Frankreich und den Niederlanden"], "source": "alibaba-ki-offensive"}\n'
    )
    at.file_uploader[0].set_value(("gold.jsonl", gold.encode(), "application/json"))
    at.button[0].click().run(timeout=600)
    assert not at.exception, at.exception
    report = Path(at.session_state.eval_report)
    metrics = json.loads((report / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["n"] == 1 and metrics["answer_contains"] == 1.0
    assert all((report / name).is_file() for name in ("metrics.png", "hit_at_k.png", "latency.png", "report.html"))
    assert len(at.get("imgs")) >= 1 or len(at.get("image")) >= 1  # the plots are on the page


# --- with an LLM backend (a real OpenAI-protocol server on localhost: tests/fake_openai.py) ----------------------

QUESTION = "Wo plant Alibaba neue Rechenzentren?"
CLAIM = "Alibaba plant neue Rechenzentren in Brasilien, Frankreich und den Niederlanden"


def fake_openai():
    import fake_openai

    return fake_openai


def cites_source_with(template: str, needle: str = "Brasilien"):
    """A scripted LLM reply citing the prompt's source that contains `needle` as {k}."""

    def reply(request: dict) -> str:
        user = request["messages"][-1]["content"]
        for m in re.finditer(r'<quelle nr="(\d+)">(.*?)</quelle>', user, re.S):
            if needle in m.group(2):
                return template.format(k=m.group(1))
        raise AssertionError(f"no source with {needle!r} in the prompt")

    return reply


def llm_app(monkeypatch, data_dir: Path, srv) -> AppTest:
    return open_app(
        monkeypatch,
        data_dir,
        QUELLE_LLM="openai",
        OPENAI_BASE_URL=srv.base_url,
        OPENAI_API_KEY="sk-test",
        QUELLE_LLM_MODEL="fake-gpt",
        QUELLE_LLM_TIMEOUT="5",
        QUELLE_LLM_RETRIES="1",
        QUELLE_LLM_BACKOFF_INITIAL="0.01",
        QUELLE_LLM_BACKOFF_MAX="0.02",
    )


def test_llm_answer_is_streamed_and_shown_with_its_sources(monkeypatch, demo_store):
    with fake_openai().FakeOpenAI(replies=[cites_source_with(CLAIM + " [{k}].")]) as srv:
        at = ask(llm_app(monkeypatch, demo_store.settings.data_dir, srv), QUESTION)
        assert srv.requests[0]["stream"] is True  # the chat asked for tokens as they come
    answer = at.session_state.messages[-1]["answer"]
    assert (answer["backend"], answer["model"], answer["fallback"]) == ("openai", "fake-gpt", None)
    assistant = at.chat_message[-1]
    assert unescape(assistant.markdown[0].value) == CLAIM + " [1]."
    assert "Alibaba erhöht KI-Investitionen" in unescape(assistant.expander[0].label)
    assert len(assistant.warning) == 0
    assert any("openai · fake-gpt" in unescape(c.value) for c in assistant.caption)


def test_llm_fault_shows_the_fallback_notice_and_the_extractive_answer(monkeypatch, demo_store):
    with fake_openai().FakeOpenAI(replies=[500]) as srv:
        at = ask(llm_app(monkeypatch, demo_store.settings.data_dir, srv), QUESTION)
    assistant = at.chat_message[-1]
    [notice] = assistant.warning
    fallback = at.session_state.messages[-1]["answer"]["fallback"]
    assert fallback and unescape(notice.value) == "Hinweis: " + fallback
    assert "Brasilien" in unescape(assistant.markdown[0].value)
    assert at.session_state.messages[-1]["answer"]["backend"] == "extractive"


def test_unsupported_sentence_is_marked_and_explained(monkeypatch, demo_store):
    reply = cites_source_with(
        CLAIM + " [{k}]. Die Rechenzentren entstehen zudem auf dem Mond [{k}]. "
        "Der Konzern zahlt dafür eine Billion Euro an Elon Musk [{k}]."
    )
    with fake_openai().FakeOpenAI(replies=[reply]) as srv:
        at = ask(llm_app(monkeypatch, demo_store.settings.data_dir, srv), QUESTION)
    sentences = at.session_state.messages[-1]["answer"]["sentences"]
    assert [s["supported"] for s in sentences] == [True, False, False], sentences
    assistant = at.chat_message[-1]
    body = assistant.markdown[0].value
    assert ":red[Die Rechenzentren entstehen zudem auf dem Mond \\[1\\]\\." in body
    assert ":red[Der Konzern zahlt" in body
    assert not body.startswith(":red[")  # the supported sentence stays plain
    assert any("nicht belegt" in c.value for c in assistant.caption)


def test_two_candidates_render_as_a_list_with_the_text_still_escaped():
    from quelle.ui.render import candidate_list, marked_markdown

    text = "Mögliche Antworten:\n- Rund 80.000 Gäste *feierten*. [1]\n- Das Fest war <b>voll</b>. [2]"
    md = candidate_list(marked_markdown(text, [(text.index("80.000 Gäste"), text.index("80.000 Gäste") + 12)], "span"))
    lines = md.split("\n")
    assert lines[1].startswith("- ") and lines[2].startswith("- ")  # list items
    assert "**80\\.000 Gäste**" in lines[1]  # the span in bold
    assert "\\*feierten\\*" in lines[1] and "\\<b\\>" in lines[2]  # article text stays text
