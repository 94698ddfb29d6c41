"""The „Feeds“ section of the Artikel page, driven headlessly with Streamlit's AppTest against a loopback server:
add a feed, „Jetzt aktualisieren“ with progress and results, the feed table, remove with its articles."""

from __future__ import annotations

from tests.feed_server import FeedServer, item, rss
from tests.test_feeds import STORIES, serve_story
from tests.test_ui_apptest import open_app, unescape


def texts(at) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [x.value for x in at.success]
    parts += [x.value for x in at.warning] + [x.value for x in at.info] + [x.value for x in at.error]
    return unescape("\n".join(parts))


def click(at, label: str):
    [button] = [b for b in at.button if b.label == label]
    button.click().run()
    assert not at.exception, at.exception
    return at


def test_feeds_section_adds_syncs_lists_and_removes(monkeypatch, tmp_path):
    with FeedServer() as srv:
        for slug in ("waermespeicher", "tramlinie"):
            serve_story(srv, slug)
        srv.route(
            "/feed.xml",
            rss(
                [item(f"/artikel/{s}", STORIES[s][0]) for s in ("waermespeicher", "tramlinie")]
                + [item("/artikel/fehlt", "Fehlt <script>alert(1)</script>")]
            ),
            "application/rss+xml",
        )
        at = open_app(monkeypatch, tmp_path / "index", QUELLE_FEED_RATE="0")
        at.switch_page("quelle/ui/pages/articles.py").run()
        assert not at.exception, at.exception
        assert "Noch keine Feeds gespeichert." in texts(at)

        at.text_input(key="feed_url").set_value(srv.url("/feed.xml"))
        at = click(at, "Feed hinzufügen")
        assert "Hinzugefügt: Stadtkurier – Nachrichten (RSS/Atom)" in texts(at)

        at = click(at, "Jetzt aktualisieren")
        shown = texts(at)
        assert "Fertig: neu 2 · aktualisiert 0 · unverändert 0 · fehlgeschlagen 1" in shown
        assert f"{srv.url('/artikel/fehlt')}: HTTP 404 Not Found" in shown
        table = at.dataframe[0].value
        row = table.iloc[0]
        assert row["Name"] == "Stadtkurier – Nachrichten" and row["Artikel"] == 2 and row["Art"] == "RSS/Atom"
        assert row["Status"] == "ok" and row["Letzte Synchronisierung"] != "noch nie"
        assert row["Letzter Durchgang"] == "neu 2 · fehlgeschlagen 1"
        titles = set(at.dataframe[1].value["Titel"])  # the article list below shows the new articles
        assert {"Freiburg baut Wärmespeicher am Rhein", "Neue Tramlinie nach Gundelfingen"} <= titles

        at = click(at, "Jetzt aktualisieren")
        assert "Fertig: neu 0 · aktualisiert 0 · unverändert 2 · fehlgeschlagen 1" in texts(at)
        assert at.dataframe[0].value.iloc[0]["Status"] == "unverändert (304)"

        at.selectbox(key="feed_remove_pick").set_value(srv.url("/feed.xml"))
        at.checkbox(key="feed_remove_articles").check()
        at.button(key="feed_remove_button").click().run()
        assert not at.exception, at.exception
        shown = texts(at)
        assert "Entfernt: Stadtkurier – Nachrichten · 2 Artikel gelöscht" in shown
        assert "Noch keine Feeds gespeichert." in shown


def test_adding_a_bad_url_shows_the_reason(monkeypatch, tmp_path):
    with FeedServer() as srv:
        at = open_app(monkeypatch, tmp_path / "index", QUELLE_FEED_RATE="0")
        at.switch_page("quelle/ui/pages/articles.py").run()
        at.text_input(key="feed_url").set_value(srv.url("/nirgends.xml"))
        at = click(at, "Feed hinzufügen")
        assert any("HTTP 404 Not Found" in unescape(e.value) for e in at.error)
        at.text_input(key="feed_url").set_value("")
        at = click(at, "Feed hinzufügen")
        assert "Bitte eine URL eingeben." in texts(at)
