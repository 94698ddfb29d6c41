"""The tables on the Artikel page — the stored articles and the feeds — are downloadable as CSV through Streamlit's
table toolbar, which writes the cells as they are. Titles, sources and feed names come from files and the web, so
their cells are spreadsheet-safe like every CSV Quelle writes (issue 28 leftover): a cell starting with `=`, `+`,
`-`, `@`, tab or CR gets a leading `'`; numbers stay numbers. Driven headlessly with AppTest."""

from __future__ import annotations

from tests.feed_server import FeedServer, item, rss
from tests.test_feeds import STORIES, serve_story
from tests.test_ui_apptest import open_app, upload

FORMULA = '=HYPERLINK("http://x")'
ARTICLE = (
    f"---\ntitle: '{FORMULA}'\ndate: 2025-05-02\nsource: '@Quelle Test'\n---\n\n"
    "Die Stadt Wuppertal baut eine Seilbahn vom Hauptbahnhof zur Universität. Die Bauzeit beträgt zwei Jahre. "
    "Die Kosten liegen bei 80 Millionen Euro.\n"
).encode()


def _table(at, column: str):
    return next(d.value for d in at.dataframe if column in list(d.value.columns))


def test_article_table_cells_are_spreadsheet_safe(monkeypatch, tmp_path):
    at = upload(open_app(monkeypatch, tmp_path / "index"), ("formel.md", ARTICLE))
    row = _table(at, "Titel").iloc[0]
    assert row["Titel"] == "'" + FORMULA
    assert row["Quelle"] == "'@Quelle Test"
    assert row["Datum"] == "2025-05-02" and int(row["Passagen"]) >= 1  # plain values unchanged


def test_feed_table_cells_are_spreadsheet_safe(monkeypatch, tmp_path):
    with FeedServer() as srv:
        serve_story(srv, "tramlinie")
        srv.route(
            "/feed.xml",
            rss([item("/artikel/tramlinie", STORIES["tramlinie"][0])], title='=HYPERLINK("http://x","Feed")'),
            "application/rss+xml",
        )
        at = open_app(monkeypatch, tmp_path / "index", QUELLE_FEED_RATE="0")
        at.switch_page("quelle/ui/pages/articles.py").run()
        at.text_input(key="feed_url").set_value(srv.url("/feed.xml"))
        [button] = [b for b in at.button if b.label == "Feed hinzufügen"]
        button.click().run()
        assert not at.exception, at.exception
        row = _table(at, "Name").iloc[0]
        assert row["Name"] == '\'=HYPERLINK("http://x","Feed")'
        assert row["URL"] == srv.url("/feed.xml") and row["Artikel"] == 0
