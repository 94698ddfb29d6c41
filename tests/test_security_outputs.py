"""Issue 28 (items 4, 7, 8, 10): what Quelle writes for others to open.

- CSV cells that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR first) get a leading `'` in
  every face that writes CSV — `quelle batch`, the API's batch result, the Stapel page's download and the tables
  the pages show (Streamlit offers them as CSV too) — and come back verbatim when an output is resumed; JSONL stays
  verbatim.
- The Markdown chat export turns untrusted text into text: no image, heading, HTML or link from a title, question,
  passage or answer; the only links are the article URLs, http(s) and percent-encoded.
- A reader sees (and exports, and evaluates) only the ratings of their own browser session; editors see all.
- No server path of an upload (its temp folder) is stored or shown, and the report-folder refusal names what the
  user typed, not the resolved server path.
"""

from __future__ import annotations

import csv
import html
import io
import json
import shutil
from pathlib import Path

import httpx
import pytest
from streamlit.testing.v1 import AppTest

from quelle.feedback.chats import chat_markdown
from quelle.feedback.store import UP, FeedbackStore
from tests.test_access_ui import EDITOR_PW, PROTECTED, READER_PW, clean_env, login  # noqa: F401 (autouse fixture)
from tests.test_api_jobs import _wait
from tests.test_ui_apptest import ask, open_app, texts, unescape, upload

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
HOSTILE_ARTICLE = (
    "---\ntitle: Werk der Hostil AG\ndate: 2025-05-02\nsource: Testblatt\n---\n\n"
    '=WEBSERVICE("http://x/?a") Die Hostil AG baut ihr neues Werk in Kiel.\n\n'
    "+cmd Die Hostil AG beschäftigt 500 Menschen.\n\n"
    "@SUM(1) Der Umsatz der Hostil AG stieg 2024 stark.\n\n"
    "-2+3 Millionen Euro kostet das Werk der Hostil AG.\n"
)
# (id, question, a carried column): ids, questions and extra cells that a spreadsheet would run
HOSTILE_QUESTIONS = [
    ("h1", "Wo baut die Hostil AG ihr neues Werk?", "-5"),
    ("@h2", "Wie viele Menschen beschäftigt die Hostil AG?", "+cmd|' /C calc'!A0"),
    ("h3", '=HYPERLINK("http://x","Wie viel kostet das Werk der Hostil AG?")', "\tTab"),
    ("-h4", "@SUM(1) Wie entwickelte sich der Umsatz der Hostil AG?", "'=schon zitiert"),
]


@pytest.fixture(scope="module")
def hostile_store(tmp_path_factory, embedder):
    """A store holding one article whose sentences begin with formula triggers."""
    from quelle.library import Library
    from quelle.resources import Resources
    from quelle.settings import Settings

    root = tmp_path_factory.mktemp("hostile")
    (root / "artikel").mkdir()
    (root / "artikel" / "hostil.md").write_text(HOSTILE_ARTICLE, encoding="utf-8")
    res = Resources.open(Settings(data_dir=root / "index", llm="extractive"), embedder=embedder)
    assert Library(res).ingest([root / "artikel"]).count("added") == 1
    return res


def question_file(folder: Path) -> Path:
    path = folder / "fragen.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow(["id", "question", "note"])
        w.writerows(HOSTILE_QUESTIONS)
    return path


def csv_cells(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def jsonl(data: bytes) -> list[dict]:
    return [json.loads(line) for line in data.decode("utf-8").splitlines() if line.strip()]


def assert_opens_as_text(rows: list[dict], verbatim: list[dict]) -> None:
    """Every cell of the CSV rows is text to a spreadsheet; the quoted cells are the verbatim values plus `'`."""
    from quelle.batch.output import spreadsheet_text

    assert rows and len(rows) == len(verbatim)
    for row in rows:
        for key, cell in row.items():
            assert not cell.startswith(TRIGGERS), (key, cell)
    by_id = {str(r["id"]): r for r in verbatim}
    for row in rows:
        plain = by_id[spreadsheet_text(row["id"])]
        for key in ("id", "question", "answer", "note"):
            want = str(plain[key])
            assert row[key] == ("'" + want if want.startswith(TRIGGERS) or want.startswith("'=") else want), key
    answers = [str(r["answer"]) for r in verbatim]
    assert any(a.startswith('=WEBSERVICE("http://x/?a")') for a in answers), answers  # the article's sentence
    assert any(a.startswith("+cmd") for a in answers), answers


def assert_verbatim(rows: list[dict]) -> None:
    assert [(r["id"], r["question"], r["note"]) for r in rows] == HOSTILE_QUESTIONS


# --- 1. formula injection ---------------------------------------------------------------------------------------


def test_spreadsheet_safe_quotes_the_owasp_triggers_and_reads_back_verbatim():
    from quelle.batch.output import spreadsheet_safe, spreadsheet_text

    for value in ('=HYPERLINK("http://x")', "+cmd", "-2+3", "@SUM(1)", "\tx", "\rx", "-5", "'=x", "''+y"):
        safe = spreadsheet_safe(value)
        assert safe == "'" + value and spreadsheet_text(safe) == value
    for value in ("Brasilien", "'zitiert", "", "5", "a=b", " =x"):
        assert spreadsheet_safe(value) == value and spreadsheet_text(value) == value
    assert spreadsheet_safe(-0.5) == -0.5 and spreadsheet_safe(3) == 3  # numbers stay numbers
    assert spreadsheet_safe(None) is None and spreadsheet_safe(True) is True


def test_cli_batch_csv_cells_open_as_text_and_jsonl_stays_verbatim(tmp_path, hostile_store, quelle_cli):
    questions = question_file(tmp_path)
    data_dir = hostile_store.settings.data_dir
    quelle_cli("batch", questions, "-o", tmp_path / "antworten.jsonl", data_dir=data_dir)
    verbatim = jsonl((tmp_path / "antworten.jsonl").read_bytes())
    assert_verbatim(verbatim)

    out = tmp_path / "antworten.csv"
    quelle_cli("batch", questions, "-o", out, data_dir=data_dir)
    written = out.read_bytes()
    assert_opens_as_text(csv_cells(written), verbatim)

    again = quelle_cli("batch", questions, "-o", out, data_dir=data_dir)  # resumed from the CSV: nothing asked
    assert out.read_bytes() == written, again.stdout  # the quoted ids are found again; nothing quoted twice
    from quelle.batch import read_output

    assert [(r["id"], r["question"], r["note"]) for r in read_output(out)] == HOSTILE_QUESTIONS


def test_api_batch_result_csv_cells_open_as_text_and_jsonl_stays_verbatim(tmp_path, hostile_store):
    from quelle.api import create_app
    from tests.api_server import ApiServer

    body = question_file(tmp_path).read_bytes()
    app = create_app(hostile_store.settings, hostile_store)
    with ApiServer(app) as srv, httpx.Client(base_url=srv.base, timeout=120) as http:
        results = {}
        for fmt in ("jsonl", "csv"):
            r = http.post("/v1/batch", files={"file": ("fragen.csv", body)}, data={"format": fmt})
            assert r.status_code == 202, r.text
            state = _wait(http, r.json()["id"])
            assert state["status"] == "done", state
            results[fmt] = http.get(state["result"]).content
    verbatim = jsonl(results["jsonl"])
    assert_verbatim(verbatim)
    assert_opens_as_text(csv_cells(results["csv"]), verbatim)


def test_stapel_page_download_and_table_open_as_text(monkeypatch, tmp_path, hostile_store):
    at = open_app(monkeypatch, hostile_store.settings.data_dir)
    at.switch_page("quelle/ui/pages/batch.py").run()
    at.file_uploader[0].set_value(("fragen.csv", question_file(tmp_path).read_bytes(), "text/csv"))
    at.radio(key="batch_format").set_value(".csv")
    at.button[0].click().run()
    assert not at.exception, at.exception
    result = at.session_state.batch_result
    rows = csv_cells(result["data"])
    from quelle.batch.output import spreadsheet_text

    assert [spreadsheet_text(r["question"]) for r in rows] == [q for _, q, _ in HOSTILE_QUESTIONS]
    for row in rows:
        assert not any(cell.startswith(TRIGGERS) for cell in row.values()), row
    assert rows[2]["question"].startswith("'=HYPERLINK(")
    # the table on the page (Streamlit offers it as a CSV download of its own)
    for row in result["rows"]:
        assert not any(str(v).startswith(TRIGGERS) for v in row.values() if isinstance(v, str)), row
    assert result["rows"][2]["question"] == "'" + HOSTILE_QUESTIONS[2][1]


# --- 2. the Markdown chat export --------------------------------------------------------------------------------

ARTICLE_URL = "https://example.org/artikel (1)?q=a b"
EVIL = "http://evil.example"
HOSTILE_MESSAGES = [
    {
        "role": "user",
        "content": f"Frage **fett** _kursiv_ `code` ~~weg~~\n# Eingeschleust\n![q]({EVIL}/q.png) [k]({EVIL}/q)",
    },
    {
        "role": "assistant",
        "content": "",
        "answer": {
            "answer": f"Antwort ![a]({EVIL}/a.png) <img src=x onerror=alert(1)> [1]\n===\n## Kopf\n- Liste\n"
            f"1. eins\n    Code\n[x]: {EVIL}/ref\n[x] <{EVIL}/auto> www.evil.example mail@evil.example",
            "abstained": False,
            "citations": [
                {
                    "n": 1,
                    "article_id": "a",
                    "title": f"![t]({EVIL}/t.png) Titel\n# Titelkopf",
                    "date": "2025-05-02\n## Datum",
                    "source": f"[Quelle]({EVIL}/s)",
                    "page": 3,
                    "url": ARTICLE_URL,
                    "text": f"Satz eins.\n# Passagenkopf\n> zitat\n![p]({EVIL}/p.png)\n---\n<script>x</script>\n"
                    f"{EVIL}/nackt evil.example",
                    "highlights": [],
                },
                {"n": 2, "article_id": "b", "title": "Zwei", "url": "javascript:alert(1)", "text": "x"},
                {"n": 3, "article_id": "c", "title": "Drei", "url": 'https://example.org/x"><img src=y>', "text": "y"},
                {"n": 4, "article_id": "d", "title": "Vier", "url": "https://example.org/a\n# b", "text": "z"},
            ],
        },
    },
    {"role": "user", "content": "Zweite Frage ![z](http://evil.example/z.png)"},
]


def tokens(markdown: str):
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    stack = list(md.parse(markdown))
    while stack:
        tok = stack.pop(0)
        yield tok
        stack[:0] = tok.children or []


def test_markdown_export_renders_untrusted_text_as_text():
    from markdown_it import MarkdownIt

    md = chat_markdown(HOSTILE_MESSAGES, "de", "2026-01-01 10:00")
    toks = list(tokens(md))
    kinds = {t.type for t in toks}
    forbidden = {"image", "html_block", "html_inline", "code_block", "fence", "table_open", "hr", "s_open"}
    assert not kinds & (forbidden | {"bullet_list_open", "ordered_list_open", "code_inline", "em_open"})
    headings = [t.tag for t in toks if t.type == "heading_open"]
    assert headings == ["h1", "h2", "h2"]  # the title and one per question: none from user text
    links = [t.attrGet("href") for t in toks if t.type == "link_open"]
    assert links == [  # only the articles' own http(s) URLs, percent-encoded
        "https://example.org/artikel%20%281%29?q=a%20b",
        "https://example.org/x%22%3E%3Cimg%20src=y%3E",
    ]
    assert EVIL not in md and "www.evil" not in md and "mail@evil" not in md  # nothing for a GFM autolinker

    rendered = html.unescape(MarkdownIt("commonmark").render(md))
    # the text is all still there, readable, as text
    for visible in (
        f"![q]({EVIL}/q.png)",
        f"![t]({EVIL}/t.png) Titel # Titelkopf",
        "# Passagenkopf",
        "<script>x</script>",
        f"[Quelle]({EVIL}/s)",
        "javascript:alert(1)",
    ):
        assert visible in rendered, visible
    assert "Satz eins." in md and "`code` ~~weg~~ # Eingeschleust" in rendered  # sentence ends plain; one line


def test_markdown_export_keeps_the_plain_case_readable():
    messages = [
        {"role": "user", "content": "Wo plant Alibaba neue Rechenzentren?"},
        {
            "role": "assistant",
            "answer": {
                "answer": "In Brasilien, Frankreich und den Niederlanden. [1]",
                "abstained": False,
                "citations": [
                    {
                        "n": 1,
                        "title": "Alibaba erhöht KI-Investitionen",
                        "date": "2025-09-24",
                        "source": "Demo-Nachrichten",
                        "url": "https://example.org/demo/alibaba-ki-offensive",
                        "text": "Alibaba plant neue Rechenzentren in Brasilien.",
                    }
                ],
            },
        },
    ]
    md = chat_markdown(messages, "de")
    assert "## 1. Frage: Wo plant Alibaba neue Rechenzentren?" in md
    assert (
        "[1] Alibaba erhöht KI-Investitionen (2025-09-24, Demo-Nachrichten) – "
        "<https://example.org/demo/alibaba-ki-offensive>" in md
    )
    assert "> Alibaba plant neue Rechenzentren in Brasilien." in md


# --- 3. a reader sees only their own session's ratings ---------------------------------------------------------

QUESTION = "Wo plant Alibaba neue Rechenzentren?"
OTHER = '=HYPERLINK("http://x","Wer gewann das Pokalspiel?")'


@pytest.fixture
def data_dir(tmp_path, demo_store):
    target = tmp_path / "index"
    shutil.copytree(
        demo_store.settings.data_dir, target, ignore=shutil.ignore_patterns("feedback.sqlite3*", "chat-secret")
    )
    return target


def rate(at: AppTest, question: str) -> AppTest:
    at = ask(at, question)
    at.feedback(key=f"fb_{at.session_state.messages[-1]['id']}").set_value(UP).run()
    assert not at.exception, at.exception
    return at


def evaluation_table(at: AppTest) -> list[str]:
    """The questions the Evaluation page's ratings table lists (as the table holds them)."""
    at.switch_page("quelle/ui/pages/evaluation.py").run()
    assert not at.exception, at.exception
    frame = next(d.value for d in at.dataframe if "Frage" in list(d.value.columns))
    return list(frame["Frage"])


def test_a_reader_sees_only_the_ratings_of_their_own_session(monkeypatch, data_dir):
    first = rate(login(open_app(monkeypatch, data_dir, **PROTECTED), READER_PW), QUESTION)
    second = rate(login(open_app(monkeypatch, data_dir, **PROTECTED), READER_PW), OTHER)
    first.button(key="new_chat").click().run()  # a new chat in the same browser session: still its own
    first = rate(first, "Wie viel mehr Geld verlangt Verdi?")
    assert len(FeedbackStore(data_dir).records()) == 3

    assert evaluation_table(first) == [QUESTION, "Wie viel mehr Geld verlangt Verdi?"]
    assert any("2 Bewertungen (👍 2 · 👎 0)" in unescape(m.value) for m in first.markdown), texts(first)
    assert evaluation_table(second) == ["'" + OTHER]  # its own only, and as text for a spreadsheet
    assert any("1 Bewertungen (👍 1 · 👎 0)" in unescape(m.value) for m in second.markdown), texts(second)

    editor = login(open_app(monkeypatch, data_dir, **PROTECTED), EDITOR_PW)
    assert sorted(evaluation_table(editor)) == sorted([QUESTION, "Wie viel mehr Geld verlangt Verdi?", "'" + OTHER])
    monkeypatch.delenv("QUELLE_READER_PASSWORD")
    monkeypatch.delenv("QUELLE_EDITOR_PASSWORD")
    assert len(evaluation_table(open_app(monkeypatch, data_dir))) == 3  # no passwords: everyone is editor


def test_visible_ratings_rule():
    from quelle.feedback.store import Feedback
    from quelle.ui.access import EDITOR, READER
    from quelle.ui.evaluation import visible_ratings

    records = [Feedback(id=str(i), rating=UP, question="q", answer={}, session_id=s) for i, s in enumerate("aab")]
    assert [r.id for r in visible_ratings(records, READER, {"a"})] == ["0", "1"]
    assert [r.id for r in visible_ratings(records, READER, set())] == []
    assert [r.id for r in visible_ratings(records, EDITOR, set())] == ["0", "1", "2"]
    assert [r.id for r in visible_ratings(records, None, {"a", "b"})] == []  # not logged in: nothing


# --- 4. server paths ---------------------------------------------------------------------------------------------

ARTICLE = (
    "---\ntitle: Neue Seilbahn für Wuppertal\ndate: 2025-05-02\nsource: Lokalblatt Test\n---\n\n"
    "Die Stadt Wuppertal baut eine Seilbahn vom Hauptbahnhof zur Universität. Die Bauzeit beträgt zwei Jahre.\n"
)


def assert_no_temp_path(value) -> None:
    text = json.dumps(value, ensure_ascii=False)
    assert "quelle-upload-" not in text and "/tmp" not in text, text


def test_an_article_uploaded_through_the_api_is_stored_under_its_upload_name(tmp_path, embedder):
    from quelle.api import create_app
    from quelle.resources import Resources
    from quelle.settings import Settings
    from tests.api_server import ApiServer

    res = Resources.open(Settings(data_dir=tmp_path / "index", llm="extractive"), embedder=embedder)
    with ApiServer(create_app(res.settings, res)) as srv, httpx.Client(base_url=srv.base, timeout=120) as http:
        r = http.post("/v1/articles", files=[("files", ("../Seilbahn Bericht.md", ARTICLE.encode()))])
        assert r.status_code == 200, r.text
        assert_no_temp_path(r.json())
        [article] = http.get("/v1/articles").json()["articles"]
    assert article["sources"] == ["Seilbahn Bericht.md"]
    assert_no_temp_path(article)
    [stored] = res.index.list_articles()
    assert stored["path"] == "Seilbahn Bericht.md"
    assert_no_temp_path(stored)


def test_an_article_uploaded_in_the_app_is_stored_under_its_upload_name(monkeypatch, tmp_path):
    from quelle.library import Library
    from quelle.resources import Resources
    from quelle.settings import Settings

    at = upload(open_app(monkeypatch, tmp_path / "index"), ("seilbahn.md", ARTICLE.encode()))
    at = upload(at, ("kopie.md", ARTICLE.encode()))  # the same text again: a second source of that article
    assert "quelle-upload-" not in texts(at)
    res = Resources.open(Settings(data_dir=tmp_path / "index", llm="extractive"))
    [article] = Library(res).articles()
    assert article["sources"] == ["seilbahn.md", "kopie.md"]
    assert_no_temp_path(res.index.list_articles())


def test_a_failed_upload_names_the_file_not_its_temp_folder(tmp_path):
    from quelle.library import FileResult, IngestReport
    from quelle.uploads import Incoming, ingest_uploads

    class Failing:
        def ingest(self, paths, progress=None, names=None):
            report = IngestReport()
            for p in paths:
                report.files.append(FileResult(names[str(p)], "failed", message=f"OSError: cannot read {p}"))
            return report

    [result] = ingest_uploads(Failing(), [Incoming.from_bytes("a.md", b"x")], 1.0)
    assert result.status == "failed" and result.message == "OSError: cannot read a.md"


def test_the_report_folder_refusal_names_what_was_typed(monkeypatch, data_dir, tmp_path):
    from tests.test_access_data import make_report, open_folder, to_evaluation

    outside = make_report(tmp_path / "fremd")
    at = to_evaluation(login(open_app(monkeypatch, data_dir, **PROTECTED), READER_PW))
    for typed, resolved in ((f"{data_dir}/../fremd", outside.resolve()), ("~", Path.home().resolve())):
        at = open_folder(at, typed)
        [error] = [unescape(e.value) for e in at.error]
        assert error.startswith("Nicht erlaubt:") and error.endswith(f"({typed})."), error
        assert str(resolved) not in error.replace(typed, ""), error
    at = open_folder(at, "berichte/../nichts")  # relative to the server's folder: refused, named as typed
    assert [unescape(e.value) for e in at.error][0].endswith("(berichte/../nichts).")


def test_a_broken_question_or_gold_file_is_named_by_its_name_not_its_temp_folder(monkeypatch, tmp_path, demo_store):
    at = open_app(monkeypatch, demo_store.settings.data_dir)
    at.switch_page("quelle/ui/pages/batch.py").run()
    at.file_uploader[0].set_value(("fragen.jsonl", b'{"question": "Wo?"}\n{"question": 5}\n', "application/json"))
    at.button[0].click().run()
    [error] = [unescape(e.value) for e in at.error]
    assert "fragen.jsonl: line 2" in error and "quelle-batch-" not in error and "/tmp" not in error, error

    at.switch_page("quelle/ui/pages/evaluation.py").run()
    at.file_uploader[0].set_value(("gold.jsonl", b'{"question": "Wo?"}\n{"frage": 1}\n', "application/json"))
    at.button[0].click().run()
    assert not at.exception, at.exception
    [error] = [unescape(e.value) for e in at.error]
    assert "gold.jsonl" in error and "quelle-gold-" not in error and "/tmp" not in error, error
