"""Real-world files in: HTML news pages, PDF, DOCX, JSON/JSONL/CSV dumps, odd encodings. Each format keeps its
text and metadata, and a question about it is answered with a citation naming title, date (and PDF page)."""

import json

import pytest

from ingest.loaders import load, load_file
from ingest.models import IngestError
from quelle.answering.pipeline import ask
from quelle.library import Library
from quelle.resources import Resources
from quelle.settings import Settings
from tests.ingest_fixtures import (
    BEES_PARAGRAPHS,
    BRIDGE_PAGES,
    CLUTTER,
    CSV_DUMP,
    ENGLISH_TEXT,
    FERRY_ROWS,
    NEWS_PAGE,
    TRAM_TEXT,
    write_docx,
    write_pdf,
)

FERRY_FIELDS = {"text": "body", "title": "headline", "date": "published", "source": "outlet"}


def make_folder(folder):
    """One file per format (plus encodings); returns the folder."""
    (folder / "web").mkdir(parents=True)
    (folder / "web" / "hafen.html").write_text(NEWS_PAGE, encoding="utf-8")
    write_pdf(folder / "bruecke.pdf", BRIDGE_PAGES, author="Lena Krause")
    write_docx(folder / "bienen.docx", "Bienen in der Stadt", BEES_PARAGRAPHS)
    (folder / "inseln.jsonl").write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in FERRY_ROWS) + "\n", encoding="utf-8"
    )
    (folder / "sport.csv").write_bytes(CSV_DUMP.encode("cp1252"))
    (folder / "tram.txt").write_bytes(TRAM_TEXT.encode("cp1252"))
    (folder / "harbour.md").write_bytes(ENGLISH_TEXT.encode("utf-16"))
    return folder


@pytest.fixture(scope="module")
def mixed(tmp_path_factory, embedder):
    folder = make_folder(tmp_path_factory.mktemp("mixed"))
    s = Settings(data_dir=tmp_path_factory.mktemp("mixed-index") / "index", llm="extractive")
    res = Resources.open(s, embedder=embedder)
    report = Library(res).ingest(
        [folder], fields={"text": "body", "title": "headline", "date": "published", "source": "outlet"}
    )
    return folder, s, res, report


# --- formats, one by one ----------------------------------------------------------------------------------------
def test_html_news_page_keeps_the_article_and_its_metadata_without_nav_ads_comments_or_cookie_banner(tmp_path):
    p = tmp_path / "hafen.html"
    p.write_text(NEWS_PAGE, encoding="utf-8")
    (art,) = load_file(p)
    assert art.title == "Hafen Hamburg baut Containerterminal aus"
    assert (art.date, art.author, art.source, art.url) == (
        "2026-03-12",
        "Jana Petersen",
        "Nordkurier Digital",
        "https://nordkurier.example/wirtschaft/hafen-terminal",
    )
    assert art.text.startswith("Der Hamburger Hafen investiert 480 Millionen Euro")
    assert "Baggerung" in art.text and art.language == "de"
    assert [w for w in CLUTTER if w in art.text] == []


def test_html_page_without_an_article_is_a_clear_error_and_a_short_article_is_kept(tmp_path):
    menu = tmp_path / "menu.html"
    menu.write_text(
        "<html><body><nav><a href='/'>Start</a> <a href='/p'>Politik</a></nav>"
        "<div class='cookie-banner'>Wir nutzen Cookies.</div></body></html>",
        encoding="utf-8",
    )
    with pytest.raises(IngestError, match="menu.html: no article text found in the HTML page"):
        load_file(menu)
    short = tmp_path / "kurz.html"
    short.write_text(
        "<html><head><title>Haushalt beschlossen</title></head><body>"
        "<p>Der Rat hat heute den Haushalt beschlossen.</p></body></html>",
        encoding="utf-8",
    )
    (art,) = load_file(short)
    assert (art.title, art.text) == ("Haushalt beschlossen", "Der Rat hat heute den Haushalt beschlossen.")


def test_pdf_keeps_page_numbers_joins_hyphenated_words_and_normalises_quotes(tmp_path):
    p = write_pdf(tmp_path / "bruecke.pdf", BRIDGE_PAGES, author="Lena Krause")
    (art,) = load_file(p)
    assert art.title == "Neue Brücke über den Rhein in Duisburg"
    assert (art.date, art.author, art.language) == ("2026-05-14", "Lena Krause", "de")
    assert "beschlossen. Nach Angaben" in art.text and "310 Millionen Euro" in art.text
    assert "„Wir haben lange auf diese Entscheidung gewartet“, sagte der Oberbürgermeister." in art.text
    assert "Seite 1 von 2" not in art.text and "Seite 2" not in art.text  # page furniture dropped
    # wrapped lines are one paragraph, not one sentence per line
    assert "entlasten. Der Stadtrat stimmte" in art.text
    assert [n for _, n in art.pages] == [1, 2]
    page2 = art.pages[1][0]
    assert art.text[page2:].startswith("Die Bauarbeiten an der Rheinbrücke beginnen im Frühjahr 2027.")
    assert art.page_at(art.text.index("Stadtrat")) == 1 and art.page_at(art.text.index("Herbst 2030")) == 2


def test_pdf_title_comes_from_its_properties_when_set(tmp_path):
    p = write_pdf(tmp_path / "b.pdf", BRIDGE_PAGES, title="Rheinbrücke beschlossen")
    (art,) = load_file(p)
    assert art.title == "Rheinbrücke beschlossen"
    assert art.text.startswith("Neue Brücke über den Rhein in Duisburg")


def test_scanned_pdf_without_text_layer_is_reported_as_such(tmp_path):
    p = write_pdf(tmp_path / "scan.pdf", [[], [], []])
    with pytest.raises(IngestError, match=r"scanned PDF without a text layer \(3 pages"):
        load_file(p)


def test_broken_pdf_is_a_clear_error(tmp_path):
    p = tmp_path / "kaputt.pdf"
    p.write_bytes(b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\n%%EOF garbage")
    with pytest.raises(IngestError) as e:
        load_file(p)
    assert "kaputt.pdf" in str(e.value)


def test_docx_title_from_first_heading_date_from_dateline(tmp_path):
    p = write_docx(tmp_path / "bienen.docx", "Bienen in der Stadt", BEES_PARAGRAPHS)
    (art,) = load_file(p)
    assert (art.title, art.date, art.author) == ("Bienen in der Stadt", "2026-06-02", "")  # template author dropped
    assert "400 Bienenvölker" in art.text and "Bienen in der Stadt" not in art.text


def test_docx_title_from_document_properties(tmp_path):
    p = write_docx(tmp_path / "x.docx", "", BEES_PARAGRAPHS, core_title="Stadtimker ernten acht Tonnen Honig")
    (art,) = load_file(p)
    assert art.title == "Stadtimker ernten acht Tonnen Honig"
    assert art.text.startswith("Berlin, 2. Juni 2026\nAuf den Dächern")


def test_jsonl_dump_with_mapped_fields_gives_one_article_per_line(tmp_path):
    p = tmp_path / "inseln.jsonl"
    p.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in FERRY_ROWS) + "\n{kaputt\n", encoding="utf-8")
    got = load(p, fields=FERRY_FIELDS)
    a, b = got.articles
    assert (a.title, a.date, a.source, a.url) == (
        "Fähre nach Helgoland fällt aus",
        "2026-02-03",
        "Inselbote",
        "https://inselbote.example/faehre",
    )
    assert a.text.startswith("Wegen eines Sturms") and b.date == "2026-03-04"
    assert a.article_id != b.article_id
    assert any("line 3" in n for n in got.notes)  # the broken line is reported, the others are kept


def test_json_list_and_known_field_names_need_no_mapping(tmp_path):
    p = tmp_path / "export.json"
    rows = [
        {
            "Title": "Neue Radwege",
            "Content": "<p>Die Stadt Bonn baut <b>zwölf Kilometer</b> Radwege.</p>",
            "Date": "2026-01-05T09:00:00Z",
            "Source": {"name": "Bonner Blatt"},
            "id": "bonn-radwege",
        }
    ]
    p.write_text(json.dumps({"articles": rows}), encoding="utf-8")
    (art,) = load_file(p)
    assert (art.article_id, art.title, art.date, art.source) == (
        "bonn-radwege",
        "Neue Radwege",
        "2026-01-05",
        "Bonner Blatt",
    )
    assert art.text == "Die Stadt Bonn baut zwölf Kilometer Radwege."


def test_a_mapped_field_missing_from_the_dump_names_the_field_and_what_is_there(tmp_path):
    p = tmp_path / "inseln.jsonl"
    p.write_text(json.dumps({"kopf": "Fähre fällt aus", "langtext": "Die Fähre fällt aus."}), encoding="utf-8")
    with pytest.raises(IngestError, match="field 'text_de' \\(for text\\) not found; the file has: kopf, langtext"):
        load_file(p, fields={"text": "text_de"})
    (art,) = load_file(p, fields={"text": "langtext", "title": "kopf"})
    assert (art.title, art.text) == ("Fähre fällt aus", "Die Fähre fällt aus.")


def test_csv_dump_in_cp1252_with_semicolons_and_mapped_fields(tmp_path):
    p = tmp_path / "sport.csv"
    p.write_bytes(CSV_DUMP.encode("cp1252"))
    a, b = load_file(p, fields={"title": "Schlagzeile", "text": "Inhalt", "source": "Medium"})
    assert (a.title, a.date, a.source) == ("Marathon in München", "2025-10-12", "Sportblatt")
    assert "24.000 Läuferinnen" in a.text and b.title == "Hallenbad öffnet wieder" and b.date == "2025-11-20"


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252", "utf-16", "utf-8-sig"])
def test_text_in_other_encodings_is_decoded(tmp_path, encoding):
    text = TRAM_TEXT if encoding != "latin-1" else TRAM_TEXT.replace("„", '"').replace("“", '"')
    p = tmp_path / "tram.txt"
    p.write_bytes(text.encode(encoding))
    (art,) = load_file(p)
    assert art.title == "Straßenbahn in Würzburg"
    assert art.text.startswith("Die Würzburger Straßenbahn fährt ab März öfter.")
    assert "\ufeff" not in art.text + art.title


def test_control_characters_are_stripped(tmp_path):
    p = tmp_path / "c.txt"
    p.write_bytes("Titel\n\nDer Rat\x00 tagt\x07 am Montag\u200b im Rathaus.\x85Dann wird gewählt.".encode("utf-8"))
    (art,) = load_file(p)
    assert art.text == "Der Rat tagt am Montag im Rathaus.\nDann wird gewählt."


def test_format_is_chosen_by_content_not_only_by_extension(tmp_path):
    pdf = write_pdf(tmp_path / "eigentlich-pdf.txt", BRIDGE_PAGES)
    html = tmp_path / "seite"
    html.write_text(NEWS_PAGE, encoding="utf-8")
    assert load(pdf).format == "pdf" and load(html).format == "html"
    assert load(html).articles[0].title == "Hafen Hamburg baut Containerterminal aus"


def test_language_is_detected_per_article_and_front_matter_dates_normalised(tmp_path):
    p = tmp_path / "harbour.md"
    p.write_bytes(ENGLISH_TEXT.encode("utf-16"))
    (art,) = load_file(p)
    assert (art.language, art.date, art.title) == ("en", "2026-11-24", "Harbour bridge closes for repairs")


@pytest.mark.parametrize(
    "value,iso",
    [
        ("24. November 2026", "2026-11-24"),
        ("24.11.2026", "2026-11-24"),
        ("3. März 2025", "2025-03-03"),
        ("Nov 24, 2026", "2026-11-24"),
        ("24 November 2026", "2026-11-24"),
        ("2026-11-24T08:30:00+01:00", "2026-11-24"),
        ("Tue, 24 Nov 2026 10:00:00 +0100", "2026-11-24"),
        ("Mo, 24.11.26 14:30 Uhr", "2026-11-24"),
        ("11/24/2026", "2026-11-24"),
        ("03/04/2026", "2026-04-03"),
        ("November 2026", "2026-11"),
        ("gestern", ""),
    ],
)
def test_dates_are_normalised_to_iso_8601(value, iso):
    from ingest.dates import normalise_date

    assert normalise_date(value) == iso


# --- the whole path: folder in, questions answered with the right citation ------------------------------------------
def test_mixed_folder_ingests_every_format(mixed):
    _, _, res, report = mixed
    assert report.summary()["failed"] == 0, report.files
    assert report.summary()["added"] == 7
    meta = {m["article_id"]: m for m in res.store.list_articles()}
    assert meta["harbour"]["language"] == "en" and meta["hafen"]["language"] == "de"
    assert meta["bruecke"]["author"] == "Lena Krause"


@pytest.mark.parametrize(
    "question,title,date,page,needle",
    [
        (
            "Auf wie viele Standardcontainer im Jahr steigt die Kapazität des Terminals?",
            "Hafen Hamburg baut Containerterminal aus",
            "2026-03-12",
            None,
            "2,4 Millionen",
        ),
        (
            "Wann beginnen die Bauarbeiten an der Rheinbrücke in Duisburg?",
            "Neue Brücke über den Rhein in Duisburg",
            "2026-05-14",
            2,
            "Frühjahr 2027",
        ),
        ("Wie viele Bienenvölker leben auf den Dächern von Berlin?", "Bienen in der Stadt", "2026-06-02", None, "400"),
        ("Warum fällt die Fähre nach Helgoland aus?", "Fähre nach Helgoland fällt aus", "2026-02-03", None, "Sturms"),
        (
            "Wie viele Läuferinnen und Läufer sind beim München-Marathon gestartet?",
            "Marathon in München",
            "2025-10-12",
            None,
            "24.000",
        ),
        (
            "Auf wie viele Minuten wird der Takt der Würzburger Straßenbahn verkürzt?",
            "Straßenbahn in Würzburg",
            "",
            None,
            "zehn Minuten",
        ),
        (
            "Why will the harbour bridge in Portsmouth close?",
            "Harbour bridge closes for repairs",
            "2026-11-24",
            None,
            "rust",
        ),
    ],
)
def test_questions_about_each_format_are_answered_with_the_right_citation(mixed, question, title, date, page, needle):
    _, s, res, _ = mixed
    answer = ask(question, s, resources=res)
    assert not answer.abstained, answer.answer
    c = answer.citations[0]
    assert (c.title, c.date, c.page) == (title, date, page)
    assert needle in c.text  # the cited passage holds the fact asked for


def test_pdf_citation_on_page_one(mixed):
    _, s, res, _ = mixed
    answer = ask("Wie viel kostet die neue Rheinbrücke in Duisburg?", s, resources=res)
    assert "310 Millionen Euro" in " ".join(c.text for c in answer.citations)
    assert answer.citations[0].page == 1
