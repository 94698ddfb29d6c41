"""News feeds (issue 17) against a real HTTP server on a loopback port: RSS/Atom, sitemaps, single pages;
conditional GET, new/updated/unchanged/failed, fallbacks, bad input, politeness, stop between entries."""

from __future__ import annotations

import gzip
import threading
import time

import pytest

from quelle.feeds import (
    FeedSettings,
    RegistryError,
    Syncer,
    add_feed,
    open_registry,
    parse_interval,
    remove_feed,
    targets,
)
from quelle.feeds.articles import article_id_for, with_lead
from quelle.feeds.fetch import canonical_url
from quelle.feeds.parse import ParseError, parse_document
from tests.feed_server import FeedServer, Route, article_html, atom, http_date, item, rss, sitemap, sitemap_index
from tests.ingest_fixtures import write_pdf

FAST = FeedSettings(rate=0, timeout=5, max_entries=200)

STORIES = {
    "waermespeicher": (
        "Freiburg baut Wärmespeicher am Rhein",
        "2026-03-14",
        [
            "Die Stadtwerke Freiburg bauen einen Wärmespeicher mit 40.000 Kubikmetern Wasser am Rhein.",
            "Der Speicher soll im Winter 2028 in Betrieb gehen und 12.000 Haushalte mit Wärme versorgen.",
            "Die Kosten liegen nach Angaben des Unternehmens bei 62 Millionen Euro.",
        ],
    ),
    "tramlinie": (
        "Neue Tramlinie nach Gundelfingen",
        "2026-03-15",
        [
            "Die Verkehrs-AG plant eine neue Tramlinie nach Gundelfingen mit sieben Haltestellen.",
            "Der Bau beginnt im Herbst, die ersten Bahnen sollen im Jahr 2029 fahren.",
            "Anwohner fordern einen besseren Lärmschutz an der Strecke durch den Ort.",
        ],
    ),
    "buchmesse": (
        "Rekord bei der Kinderbuchmesse",
        "2026-03-16",
        [
            "Die Kinderbuchmesse in Offenburg zählte am Wochenende 31.000 Besucherinnen und Besucher.",
            "Das ist ein Rekord, teilte die Messegesellschaft am Sonntagabend mit.",
            "Im nächsten Jahr soll die Messe um eine dritte Halle wachsen.",
        ],
    ),
}


def serve_story(srv: FeedServer, slug: str, **kw) -> Route:
    title, date, paragraphs = STORIES[slug]
    return srv.page(f"/artikel/{slug}", article_html(title, paragraphs, date=date, **kw))


def news_site(srv: FeedServer, slugs=tuple(STORIES)) -> str:
    for slug in slugs:
        serve_story(srv, slug)
    srv.route("/feed.xml", rss([item(f"/artikel/{s}", STORIES[s][0]) for s in slugs]), "application/rss+xml")
    return srv.url("/feed.xml")


def run(library, registry, names=None, settings=FAST, **kw):
    return Syncer(library, registry, settings, **kw).run(targets(registry, names))


@pytest.fixture
def registry(library):
    reg = open_registry(library.settings)
    yield reg
    reg.close()


@pytest.fixture
def srv():
    with FeedServer() as server:
        yield server


def by_url(library) -> dict[str, dict]:
    return {a["url"]: a for a in library.articles()}


# --- the main path: first sync, unchanged, updated, new, 404 ---------------------------------------------------


def test_first_sync_ingests_the_articles_with_titles_dates_urls_and_ids_from_the_url(library, registry, srv):
    add_feed(registry, library.settings, news_site(srv), feed_settings=FAST)
    report = run(library, registry)
    assert report.summary() == {"new": 3, "updated": 0, "unchanged": 0, "failed": 0}
    assert report.ok and not report.interrupted
    stored = by_url(library)
    for slug, (title, date, paragraphs) in STORIES.items():
        url = srv.url(f"/artikel/{slug}")
        a = stored[url]
        assert a["title"] == title and a["date"] == date and a["source"] == "Stadtkurier"
        assert a["article_id"] == article_id_for(url) and a["article_id"].startswith(f"127-0-0-1-{slug}-")
        assert a["sources"] == [url]
    text = " ".join(c.text for c in library.r.store.iter_chunks())
    assert "40.000 Kubikmetern" in text and "Impressum" not in text  # the article, not the page's furniture
    [feed] = registry.feeds()
    assert feed.status == "ok" and feed.articles == 3 and feed.last_sync
    ua = srv.log[-1][2].get("User-Agent", "")
    assert ua.startswith("Quelle/") and any(ch.isdigit() for ch in ua)


def test_second_sync_of_an_unchanged_feed_costs_one_304_and_fetches_no_page(library, registry, srv):
    add_feed(registry, library.settings, news_site(srv), feed_settings=FAST)
    run(library, registry)
    srv.reset_counts()
    report = run(library, registry)
    assert report.summary() == {"new": 0, "updated": 0, "unchanged": 3, "failed": 0}
    assert srv.hits["/feed.xml"] == 1 and srv.full["/feed.xml"] == 0  # answered 304
    assert sum(srv.hits.values()) == 1  # no page, and robots.txt is remembered for a day
    assert report.feeds[0].status == "not_modified"


def test_an_updated_entry_is_updated_a_new_one_added_and_the_others_not_fetched(library, registry, srv):
    url = news_site(srv, ("waermespeicher", "tramlinie"))
    add_feed(registry, library.settings, url, feed_settings=FAST)
    run(library, registry)
    before = by_url(library)
    # the tram story changes (page and entry date), the book fair story is new
    title, date, paragraphs = STORIES["tramlinie"]
    srv.page(
        "/artikel/tramlinie", article_html(title, paragraphs[:2] + ["Der Gemeinderat stimmt im Mai ab."], date=date)
    )
    serve_story(srv, "buchmesse")
    srv.route(
        "/feed.xml",
        rss(
            [
                item("/artikel/buchmesse", "Buchmesse"),
                item("/artikel/waermespeicher", STORIES["waermespeicher"][0]),  # as before
                item("/artikel/tramlinie", "Tramlinie", date="Tue, 17 Mar 2026 09:00:00 +0100"),
            ]
        ),
        "application/rss+xml",
    )
    srv.reset_counts()
    report = run(library, registry)
    statuses = {e.url.rsplit("/", 1)[-1]: e.status for e in report.feeds[0].entries}
    assert statuses == {"buchmesse": "new", "tramlinie": "updated"}
    assert report.summary() == {"new": 1, "updated": 1, "unchanged": 1, "failed": 0}
    assert srv.hits["/artikel/waermespeicher"] == 0 and srv.hits["/artikel/tramlinie"] == 1
    after = by_url(library)
    tram = srv.url("/artikel/tramlinie")
    assert after[tram]["article_id"] == before[tram]["article_id"]  # same id, new content
    assert len(after) == 3
    chunks = [c.text for c in library.r.store.iter_chunks() if c.meta["article_id"] == after[tram]["article_id"]]
    assert any("stimmt im Mai ab" in c for c in chunks) and not any("Lärmschutz" in c for c in chunks)


def test_a_404_entry_is_reported_and_the_rest_goes_on(library, registry, srv):
    serve_story(srv, "waermespeicher")
    srv.route("/kaputt", b"boom", "text/plain", status=500)
    srv.route(
        "/feed.xml",
        rss(
            [
                item("/artikel/fehlt", "Gibt es nicht"),
                item("/kaputt", "Serverfehler"),
                item("/artikel/waermespeicher", "Wärmespeicher"),
            ]
        ),
        "application/rss+xml",
    )
    add_feed(registry, library.settings, srv.url("/feed.xml"), feed_settings=FAST)
    report = run(library, registry)
    failed = {e.url.rsplit("/", 1)[-1]: e.message for e in report.feeds[0].entries if e.status == "failed"}
    assert failed == {"fehlt": "HTTP 404 Not Found", "kaputt": "HTTP 500 Internal Server Error"}
    assert report.summary()["new"] == 1 and report.ok
    # failures of the server are tried again on the next pass (the feed itself answers 304)
    srv.reset_counts()
    again = run(library, registry)
    assert srv.hits["/artikel/fehlt"] == 1 and srv.hits["/artikel/waermespeicher"] == 0
    assert again.summary() == {"new": 0, "updated": 0, "unchanged": 1, "failed": 2}


# --- fallbacks, metadata from the feed, odd entries -------------------------------------------------------


def test_feed_full_text_is_used_when_the_page_fails_or_has_no_text_and_says_so(library, registry, srv):
    full = (
        "<p>Der Gemeinderat hat den Haushalt mit 1,2 Milliarden Euro beschlossen.</p>"
        "<p>Die Opposition stimmte dagegen und kritisierte die neuen Schulden.</p>"
    )
    srv.page(
        "/artikel/leer", "<html><head><title>Leer</title></head><body><nav><a href='/'>Start</a></nav></body></html>"
    )
    srv.route(
        "/feed.xml",
        rss(
            [
                item("/artikel/weg", "Haushalt beschlossen", content=full, date="Wed, 18 Mar 2026 10:00:00 +0100"),
                item(
                    "/artikel/leer",
                    "Video: Die Sitzung",
                    content="<p>Die Sitzung dauerte sieben Stunden und endete nach Mitternacht.</p>",
                ),
                item("/artikel/auch-weg", "Ohne Volltext", summary="Nur ein kurzer Anreißer."),
            ],
            title="Rathausblatt",
        ),
        "application/rss+xml",
    )
    add_feed(registry, library.settings, srv.url("/feed.xml"), feed_settings=FAST)
    report = run(library, registry)
    entries = {e.url.rsplit("/", 1)[-1]: e for e in report.feeds[0].entries}
    assert entries["weg"].status == "new" and "HTTP 404" in entries["weg"].message
    assert "feed's full text" in entries["weg"].message
    assert entries["leer"].status == "new" and "no article text" in entries["leer"].message
    assert entries["auch-weg"].status == "failed" and entries["auch-weg"].message == "HTTP 404 Not Found"
    a = by_url(library)[srv.url("/artikel/weg")]
    assert a["title"] == "Haushalt beschlossen" and a["date"] == "2026-03-18" and a["source"] == "Rathausblatt"
    text = " ".join(c.text for c in library.r.store.iter_chunks() if c.meta["article_id"] == a["article_id"])
    assert "1,2 Milliarden Euro" in text and "<p>" not in text


def test_feed_metadata_fills_what_the_page_lacks(library, registry, srv):
    srv.page(
        "/artikel/ohne-meta",
        "<html><body><article><h1>Hafen wird ausgebaut</h1>"
        "<p>Der Rheinhafen in Kehl bekommt bis 2030 ein neues Containerterminal für 80 Millionen Euro.</p>"
        "<p>Die Arbeiten beginnen nach Angaben der Hafenverwaltung im kommenden Frühjahr.</p></article></body></html>",
    )
    summary = (
        "Kehl investiert in seine Zukunft als Logistikstandort und setzt dabei auf Bahn und Schiff statt Lastwagen."
    )
    srv.route(
        "/feed.xml",
        rss(
            [
                item(
                    "/artikel/ohne-meta",
                    "Hafen wird ausgebaut",
                    summary=summary,
                    date="Thu, 19 Mar 2026 23:30:00 +0100",
                )
            ],
            title="Ortenau-Bote",
        ),
        "application/rss+xml",
    )
    add_feed(registry, library.settings, srv.url("/feed.xml"), feed_settings=FAST)
    run(library, registry)
    a = by_url(library)[srv.url("/artikel/ohne-meta")]
    assert a["date"] == "2026-03-19"  # the feed's date, in its own time zone
    assert a["source"] == "Ortenau-Bote"
    text = " ".join(c.text for c in library.r.store.iter_chunks())
    assert text.startswith("Kehl investiert")  # the teaser the page lacked leads the text


def test_with_lead_keeps_out_short_cut_off_and_known_summaries():
    text = "Der Rheinhafen in Kehl bekommt bis 2030 ein neues Containerterminal für 80 Millionen Euro."
    assert with_lead(text, "Kurz.") == text
    assert with_lead(text, "Kehl investiert in seine Zukunft als Logistikstandort und setzt dabei auf …") == text
    assert with_lead(text, "Der Rheinhafen in Kehl bekommt bis 2030 ein neues Containerterminal für viel Geld.") == text


def test_entry_without_link_fails_once_with_a_reason(library, registry, srv):
    serve_story(srv, "tramlinie")
    srv.route(
        "/feed.xml", rss([item(None, "Eintrag ohne Link"), item("/artikel/tramlinie", "Tram")]), "application/rss+xml"
    )
    add_feed(registry, library.settings, srv.url("/feed.xml"), feed_settings=FAST)
    report = run(library, registry)
    [bad] = [e for e in report.feeds[0].entries if e.status == "failed"]
    assert bad.message == "the entry has no link" and bad.title == "Eintrag ohne Link"
    assert report.summary()["new"] == 1


def test_a_pdf_page_is_read_with_the_pdf_loader(library, registry, srv, tmp_path):
    pdf = write_pdf(
        tmp_path / "bericht.pdf",
        [
            [
                "Jahresbericht der Stadtwerke",
                "Die Stadtwerke haben im Jahr 2025 einen Gewinn von 18 Millionen Euro erzielt.",
                "Der Umsatz stieg um sieben Prozent auf 410 Millionen Euro.",
            ]
        ],
        title="Jahresbericht 2025",
    )
    srv.route("/berichte/jahresbericht.pdf", pdf.read_bytes(), "application/pdf")
    srv.route("/feed.xml", rss([item("/berichte/jahresbericht.pdf", "Jahresbericht")]), "application/rss+xml")
    add_feed(registry, library.settings, srv.url("/feed.xml"), feed_settings=FAST)
    report = run(library, registry)
    [e] = report.feeds[0].entries
    assert e.status == "new" and "PDF" in e.message
    a = by_url(library)[srv.url("/berichte/jahresbericht.pdf")]
    assert a["title"] == "Jahresbericht 2025"
    assert "18 Millionen Euro" in " ".join(c.text for c in library.r.store.iter_chunks())


def test_redirects_gzip_and_tracking_parameters_give_one_article_under_its_canonical_url(library, registry, srv):
    title, date, paragraphs = STORIES["waermespeicher"]
    srv.page("/artikel/waermespeicher", article_html(title, paragraphs, date=date), gzip=True)
    srv.route("/r/1", location=srv.url("/artikel/waermespeicher?utm_source=rss"), status=301)
    srv.route(
        "/feed.xml",
        rss([item("/r/1", title), item("/artikel/waermespeicher?utm_medium=feed", title)]),
        "application/rss+xml",
        gzip=True,
    )
    add_feed(registry, library.settings, srv.url("/feed.xml"), feed_settings=FAST)
    report = run(library, registry)
    entries = report.feeds[0].entries
    assert [e.status for e in entries] == ["new", "unchanged"]
    assert "the same article as another entry" in entries[1].message
    [a] = library.articles()
    assert a["url"] == srv.url("/artikel/waermespeicher") and a["article_id"] == article_id_for(a["url"])
    assert any("gzip" in h.get("Accept-Encoding", "") for _, _, h in srv.log)


def test_the_same_text_under_two_urls_is_stored_once(library, registry, srv):
    title, date, paragraphs = STORIES["buchmesse"]
    srv.page("/artikel/buchmesse", article_html(title, paragraphs, date=date))
    srv.page("/partner/buchmesse-rekord", article_html(title, paragraphs, date=date, site="Partnerblatt"))
    srv.route(
        "/feed.xml",
        rss([item("/artikel/buchmesse", title), item("/partner/buchmesse-rekord", title)]),
        "application/rss+xml",
    )
    add_feed(registry, library.settings, srv.url("/feed.xml"), feed_settings=FAST)
    report = run(library, registry)
    first, second = report.feeds[0].entries
    assert first.status == "new" and second.status == "unchanged" and "duplicate of" in second.message
    assert second.article_id == first.article_id == article_id_for(srv.url("/artikel/buchmesse"))
    [a] = library.articles()
    assert a["sources"] == [srv.url("/artikel/buchmesse"), srv.url("/partner/buchmesse-rekord")]
    assert registry.feeds()[0].articles == 1


def test_canonical_url_normalises_and_drops_tracking():
    assert canonical_url("HTTP://Example.ORG:80/a/b?utm_source=x&id=3&fbclid=1#top") == "http://example.org/a/b?id=3"
    assert canonical_url("https://example.org") == "https://example.org/"
    assert article_id_for("https://www.example.org/2026/03/alibaba-ki-offensive.html").startswith(
        "example-org-alibaba-ki-offensive-"
    )


# --- other kinds: Atom, sitemaps, a single page ----------------------------------------------------------


def test_atom_feed(library, registry, srv):
    for slug in ("waermespeicher", "tramlinie"):
        serve_story(srv, slug)
    srv.route(
        "/atom.xml",
        atom(
            [
                (srv.url("/artikel/waermespeicher"), "Wärme", "2026-03-14T08:00:00Z"),
                ("/artikel/tramlinie", "Tram", "2026-03-15T08:00:00Z"),
            ]
        ),
        "application/atom+xml",
    )
    got = add_feed(registry, library.settings, srv.url("/atom.xml"), feed_settings=FAST)
    assert got.feed.kind == "feed" and got.feed.name == "Atom-Kurier"
    assert run(library, registry).summary()["new"] == 2


def test_sitemap_index_with_a_news_sitemap_and_a_gzipped_sitemap(library, registry, srv):
    for slug in STORIES:
        serve_story(srv, slug)
    srv.route(
        "/sitemap-news.xml",
        sitemap(
            [
                (srv.url("/artikel/waermespeicher"), "2026-03-14T08:00:00+01:00"),
                (srv.url("/artikel/tramlinie"), "2026-03-15"),
            ],
            news=True,
        ),
        "application/xml",
    )
    srv.route(
        "/sitemap-2026.xml.gz",
        gzip.compress(sitemap([(srv.url("/artikel/buchmesse"), "2026-03-16")]).encode()),
        "application/x-gzip",
    )
    srv.route(
        "/sitemap.xml",
        sitemap_index([srv.url("/sitemap-news.xml"), srv.url("/sitemap-2026.xml.gz")]),
        "application/xml",
    )
    got = add_feed(registry, library.settings, srv.url("/sitemap.xml"), feed_settings=FAST)
    assert got.feed.kind == "sitemap"
    report = run(library, registry)
    assert report.summary() == {"new": 3, "updated": 0, "unchanged": 0, "failed": 0}
    assert by_url(library)[srv.url("/artikel/tramlinie")]["title"] == "Neue Tramlinie nach Gundelfingen"
    srv.reset_counts()
    again = run(library, registry)
    assert again.summary()["unchanged"] == 3
    assert srv.full == {}  # index and both sitemaps answered 304; no page fetched


def test_a_single_article_url_is_checked_with_a_conditional_get_each_pass(library, registry, srv):
    title, date, paragraphs = STORIES["buchmesse"]
    route = serve_story(srv, "buchmesse")
    route.etag, route.last_modified = False, http_date(1_773_650_000)  # only Last-Modified
    got = add_feed(registry, library.settings, srv.url("/artikel/buchmesse"), feed_settings=FAST)
    assert got.feed.kind == "page" and got.feed.name == title
    assert run(library, registry).summary()["new"] == 1
    srv.reset_counts()
    again = run(library, registry)
    assert again.summary() == {"new": 0, "updated": 0, "unchanged": 1, "failed": 0}
    assert srv.hits["/artikel/buchmesse"] == 1 and srv.full["/artikel/buchmesse"] == 0
    [(_, _, headers)] = [x for x in srv.log if x[1] == "/artikel/buchmesse"]
    assert headers.get("If-Modified-Since") == route.last_modified
    # the article deleted from the store: the page is fetched in full again, not trusted to a 304
    library.delete(library.articles()[0]["article_id"])
    assert run(library, registry).summary()["new"] == 1


def test_sync_of_urls_that_are_not_stored(library, registry, srv):
    url = news_site(srv, ("waermespeicher",))
    serve_story(srv, "tramlinie")
    report = run(library, registry, names=[url, srv.url("/artikel/tramlinie")])
    assert [f.kind for f in report.feeds] == ["feed", "page"]
    assert report.summary()["new"] == 2 and registry.feeds() == []


# --- bad input: a clear line per URL, the rest continues -------------------------------------------------


def test_bad_feeds_each_fail_with_a_clear_reason_and_the_good_one_is_synced(library, registry, srv):
    import socket

    good = news_site(srv, ("waermespeicher",))
    srv.route("/langsam.xml", rss([]), "application/rss+xml", delay=3)
    srv.route("/weg.xml", b"gone", "text/plain", status=410)
    srv.route("/fehler.xml", b"oops", "text/plain", status=500)
    srv.page(
        "/seite.xml",
        "<!DOCTYPE html><html><head><link rel='alternate' type='application/rss+xml' "
        "href='/feed.xml'></head><body><p>Startseite</p></body></html>",
    )
    srv.route("/kaputt.xml", "<?xml version='1.0'?><rss><channel><title>x</title><<<&&&", "application/rss+xml")
    srv.route("/anderes.xml", "<?xml version='1.0'?><kml><Document/></kml>", "application/xml")
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    bad = {
        f"http://127.0.0.1:{closed}/feed.xml": "connection refused",
        "http://gibt-es-nicht.invalid/feed.xml": "DNS lookup failed",
        srv.url("/langsam.xml"): "timed out after 1 s",
        srv.url("/nirgends.xml"): "HTTP 404 Not Found",
        srv.url("/weg.xml"): "HTTP 410 Gone",
        srv.url("/fehler.xml"): "HTTP 500 Internal Server Error",
        srv.url("/seite.xml"): "HTML where XML was expected",
        srv.url("/kaputt.xml"): "malformed XML",
        srv.url("/anderes.xml"): "neither an RSS/Atom feed nor a sitemap (root element <kml>)",
    }
    for url in bad:
        add_feed(registry, library.settings, url, kind="feed")
    add_feed(registry, library.settings, good, feed_settings=FAST)
    report = run(library, registry, settings=FAST.with_(timeout=1))
    results = {f.url: f for f in report.feeds}
    for url, reason in bad.items():
        assert results[url].status == "failed", (url, results[url])
        assert reason in results[url].message, (url, results[url].message)
    assert "announces the feed " + srv.url("/feed.xml") in results[srv.url("/seite.xml")].message
    assert results[good].status == "ok" and report.summary()["new"] == 1 and report.ok
    listed = {f.url: f for f in registry.feeds()}
    assert listed[srv.url("/weg.xml")].status == "failed" and "410" in listed[srv.url("/weg.xml")].message


def test_every_feed_failing_makes_the_report_not_ok(library, registry, srv):
    add_feed(registry, library.settings, srv.url("/nirgends.xml"), kind="feed")
    report = run(library, registry)
    assert not report.ok and report.feeds[0].message == "HTTP 404 Not Found"


def test_add_refuses_what_it_cannot_read_unless_a_kind_is_given(library, registry, srv):
    with pytest.raises(RegistryError, match="HTTP 404 Not Found.*--kind"):
        add_feed(registry, library.settings, srv.url("/nirgends.xml"), feed_settings=FAST)
    with pytest.raises(RegistryError, match="not an http"):
        add_feed(registry, library.settings, "ftp://example.org/feed.xml")
    assert registry.feeds() == []


def test_a_feed_of_10000_entries_is_worked_off_max_entries_per_pass(library, registry, srv):
    n = 10_000

    def page(path: str):
        if path.startswith("/gen/"):
            i = int(path.rsplit("/", 1)[1])
            return Route(
                article_html(
                    f"Meldung {i}",
                    [f"Die Meldung Nummer {i} berichtet über den Bau von {i + 3} neuen Radwegen im Landkreis."],
                ).encode()
            )
        return None

    srv.generate = page
    srv.route("/gross.xml", rss([item(f"/gen/{i}", f"Meldung {i}") for i in range(n)]), "application/rss+xml")
    add_feed(registry, library.settings, srv.url("/gross.xml"), feed_settings=FAST)
    limited = FAST.with_(max_entries=3)
    first = run(library, registry, settings=limited)
    assert first.summary()["new"] == 3 and first.feeds[0].deferred == n - 3
    assert any("9,997 more new or changed entries" in note for note in first.feeds[0].notes)
    srv.reset_counts()
    second = run(library, registry, settings=limited)  # the feed answers 304; the backlog goes on
    assert srv.full.get("/gross.xml", 0) == 0
    assert second.summary() == {"new": 3, "updated": 0, "unchanged": 3, "failed": 0}
    assert sorted(a["title"] for a in library.articles()) == [f"Meldung {i}" for i in (0, 1, 2, 3, 4, 5)]


# --- politeness -------------------------------------------------------------------------------------------


def test_robots_txt_is_honoured(library, registry, srv):
    serve_story(srv, "waermespeicher")
    srv.page(
        "/intern/geheim", article_html("Geheim", ["Dieser Text darf nicht abgerufen werden, sagt die robots.txt."])
    )
    srv.route("/robots.txt", "User-agent: *\nDisallow: /intern/\n", "text/plain")
    srv.route(
        "/feed.xml",
        rss([item("/intern/geheim", "Geheim"), item("/artikel/waermespeicher", "Wärme")]),
        "application/rss+xml",
    )
    add_feed(registry, library.settings, srv.url("/feed.xml"), feed_settings=FAST)
    report = run(library, registry)
    [bad] = [e for e in report.feeds[0].entries if e.status == "failed"]
    assert bad.message == "blocked by the site's robots.txt"
    assert srv.hits["/intern/geheim"] == 0 and report.summary()["new"] == 1
    srv.route("/robots.txt", "User-agent: Quelle\nDisallow: /\n", "text/plain")
    cached = run(library, registry, names=[srv.url("/artikel/waermespeicher")])  # the day-old copy still applies
    assert cached.ok and srv.hits["/robots.txt"] == 1
    assert not run(library, registry, names=[srv.url("/artikel/waermespeicher")], settings=FAST.with_(robots_ttl=0)).ok
    assert srv.hits["/robots.txt"] == 2


def test_at_most_rate_requests_per_second_per_host(library, registry, srv):
    for slug in STORIES:
        serve_story(srv, slug)
    srv.route("/feed.xml", rss([item(f"/artikel/{s}", s) for s in STORIES]), "application/rss+xml")
    add_feed(registry, library.settings, srv.url("/feed.xml"), feed_settings=FAST)
    srv.reset_counts()
    run(library, registry, settings=FAST.with_(rate=4, robots_ttl=0))
    times = [t for t, path, _ in srv.log]
    assert len(times) == 5  # robots.txt, feed, three pages
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert min(gaps) >= 0.2, gaps  # 1/4 s apart, less a little for the clock


def test_the_size_limit_applies_to_pages(resources, registry, srv):
    from quelle.library import Library
    from quelle.resources import Resources

    small = Library(Resources.open(resources.settings.with_(max_file_mb=0.002), embedder=resources.embedder))
    title, date, paragraphs = STORIES["waermespeicher"]
    srv.page("/artikel/gross", article_html(title, paragraphs * 40, date=date))
    srv.route("/feed.xml", rss([item("/artikel/gross", title)]), "application/rss+xml")
    report = Syncer(small, registry, FAST).run(targets(registry, [srv.url("/feed.xml")]))
    [e] = report.feeds[0].entries
    assert e.status == "failed" and "the limit is 0.0 MB (QUELLE_MAX_FILE_MB)" in e.message


# --- stopping, registry -------------------------------------------------------------------------------------


def test_a_stop_ends_the_pass_between_entries_and_the_next_pass_finishes(library, registry, srv):
    news_site(srv)
    add_feed(registry, library.settings, srv.url("/feed.xml"), feed_settings=FAST)
    stop = threading.Event()

    def progress(what, done, total, label):
        if what == "entries" and done == 2:
            stop.set()

    first = run(library, registry, progress=progress, stop=stop)
    assert first.interrupted and first.summary()["new"] == 2
    assert registry.feeds()[0].status == "interrupted"
    second = run(library, registry)
    assert second.summary() == {"new": 1, "updated": 0, "unchanged": 2, "failed": 0}
    assert len(library.articles()) == 3


def test_feeds_add_list_remove_keeps_or_deletes_articles(library, registry, srv):
    url = news_site(srv, ("waermespeicher", "tramlinie"))
    srv.route("/zweiter.xml", rss([item("/artikel/tramlinie", "Tram")], title="Zweiter Feed"), "application/rss+xml")
    first = add_feed(registry, library.settings, url, feed_settings=FAST)
    assert first.feed.name == "Stadtkurier – Nachrichten" and not first.existed
    assert add_feed(registry, library.settings, url, feed_settings=FAST).existed
    second = add_feed(registry, library.settings, srv.url("/zweiter.xml"), name="Zweiter", feed_settings=FAST)
    with pytest.raises(RegistryError, match="taken"):
        add_feed(registry, library.settings, srv.url("/zweiter.xml?x=1"), name="zweiter", kind="feed")
    run(library, registry)
    counts = {f.name: f.articles for f in registry.feeds()}
    assert counts == {"Stadtkurier – Nachrichten": 2, "Zweiter": 1}
    assert registry.find("zweiter").url == second.feed.url
    # removing the first feed with its articles keeps the tram story, which the second feed also carries
    removed, deleted = remove_feed(registry, "Stadtkurier – Nachrichten", library)
    assert deleted == [article_id_for(srv.url("/artikel/waermespeicher"))]
    assert [a["url"] for a in library.articles()] == [srv.url("/artikel/tramlinie")]
    remove_feed(registry, second.feed.url)  # without the library: the articles stay
    assert len(library.articles()) == 1 and registry.feeds() == []
    with pytest.raises(RegistryError, match="no stored feed"):
        remove_feed(registry, "Zweiter")


# --- parsing units ----------------------------------------------------------------------------------------


def test_parse_document_kinds():
    base = "http://127.0.0.1/"
    doc = parse_document(rss([item("/a", "A & B", content="<p>x</p>")]).encode(), base + "feed.xml")
    assert doc.kind == "feed" and doc.entries[0].link == "http://127.0.0.1/a" and doc.entries[0].title == "A & B"
    assert doc.entries[0].date == "2026-03-16"
    assert parse_document(sitemap([("http://x/a", "2026-01-01")]).encode(), base).kind == "sitemap"
    assert parse_document(sitemap_index(["http://x/s.xml"]).encode(), base).children == ["http://x/s.xml"]
    assert parse_document(b"<!doctype html><html><body>x</body></html>", base).kind == "html"
    with pytest.raises(ParseError, match="malformed XML"):
        parse_document(b"<?xml version='1.0'?><rss><channel><<<", base)
    lenient = parse_document(b"<rss><channel><item><title>A</title><link>http://x/a</link></item><item>&&& <b>", base)
    assert lenient.entries and "read leniently" in lenient.notes[0]


def test_parse_interval():
    assert parse_interval("15m") == 900 and parse_interval("90s") == 90 and parse_interval("1h30m") == 5400
    for bad in ("", "15", "abc", "0s", "5m3"):
        with pytest.raises(ValueError):
            parse_interval(bad)


def test_sitemap_entries_newest_first():
    doc = parse_document(
        sitemap([("http://x/alt", "2025-01-01"), ("http://x/neu", "2026-03-01"), ("http://x/ohne", "")]).encode(),
        "http://x/sitemap.xml",
    )
    assert [e.link.rsplit("/", 1)[1] for e in doc.entries] == ["neu", "alt", "ohne"]


def test_http_date_helper_is_rfc_1123():
    assert http_date(0).endswith("GMT") and time.gmtime(0).tm_year == 1970
