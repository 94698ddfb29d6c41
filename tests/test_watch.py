"""Watched questions (issue 33 part 1) end to end: a dated story fed in three syncs from a loopback feed produces
exactly the versions that changed the fact (none for a re-worded copy); a webhook receiver on loopback gets each
change once, retried after a 500; new process objects on the same data dir (a restart) lose nothing."""

from __future__ import annotations

import pytest

from quelle.feeds import FeedSettings, Syncer, add_feed, open_registry, targets
from quelle.library import Library
from quelle.resources import Resources
from quelle.settings import Settings
from quelle.watch import webhook
from quelle.watch.check import check, watch_settings
from quelle.watch.store import FAILED, SENT, WatchStore
from tests.feed_server import FeedServer
from tests.watch_helpers import QUESTION, Receiver, publish

FAST = FeedSettings(rate=0, timeout=5, max_entries=200)


def restart(data_dir, embedder) -> Library:
    """New process objects on the same data dir: the store is opened as a new process opens it."""
    from vectorstore.store import forget_persistent_client

    forget_persistent_client(str(data_dir / "chroma"))
    return Library(Resources.open(Settings(data_dir=data_dir, llm="extractive"), embedder=embedder))


def sync(library: Library, url: str):
    with open_registry(library.settings) as registry:
        return Syncer(library, registry, FAST).run(targets(registry, [url]))


@pytest.fixture
def fast_retries(monkeypatch):
    monkeypatch.setattr(webhook, "BACKOFF", (0.01, 0.01))


def test_three_syncs_of_a_dated_story_make_exactly_the_versions_that_changed_the_fact(tmp_path, embedder, fast_retries):
    data_dir = tmp_path / "index"
    library = restart(data_dir, embedder)
    store = WatchStore(data_dir)
    with FeedServer() as srv, Receiver(fail_first=1) as hook:
        url = publish(srv, [])
        with open_registry(library.settings) as registry:
            add_feed(registry, library.settings, url, feed_settings=FAST)
        w = store.add(QUESTION, watch_settings(library.settings), "sync", hook.url)
        check(store, w, library.r)  # version 1: nothing about it yet
        assert [v.fact["state"] for v in store.require(w.id).versions] == ["none"]

        publish(srv, ["erdbeben-12"])
        report = sync(library, url)
        assert report.summary()["new"] == 2  # the filler and the first report
        assert library.watch_report.summary()["changed"] == 1

        library = restart(data_dir, embedder)  # a restart between two syncs
        publish(srv, ["erdbeben-12", "erdbeben-35"])
        sync(library, url)

        library = restart(data_dir, embedder)
        before = library.r.index.revision
        publish(srv, ["erdbeben-12", "erdbeben-35", "erdbeben-opfer-kopie"])
        report = sync(library, url)
        assert report.summary()["new"] == 1 and library.r.index.revision != before  # the store changed …
        assert library.watch_report.checked == [w.id] and library.watch_report.changed == []  # … the fact did not

        versions = WatchStore(data_dir).require(w.id).versions  # a new store object: what another process reads
        assert [(v.n, v.reason, v.fact["value"], v.fact["date"]) for v in versions] == [
            (1, "first", "", ""),
            (2, "answered", "12", "2026-03-10"),
            (3, "value", "35", "2026-03-11"),
        ]
        v2, v3 = versions[1], versions[2]
        assert v3.previous["answer"] == v2.answer["answer"] and "12 Menschen" in v3.previous["answer"]
        assert "35" in v3.answer["answer"]
        assert v3.cause["title"] == "Erdbeben: Zahl der Toten steigt auf 35" and v3.cause["date"] == "2026-03-11"
        assert v3.cause["url"] == srv.url("/artikel/erdbeben-35")
        assert all(c["article_id"] and c["date"] for v in versions[1:] for c in v.answer["citations"])
        # the webhook: each change once, in order, the first POST of version 2 answered 500 and retried
        assert hook.statuses == [500, 204, 204]
        assert hook.delivered() == [f"{w.id}-2", f"{w.id}-3"]
        assert hook.bodies[1]["version"]["answer"]["answer"] == v2.answer["answer"]
        assert [v.delivery for v in versions] == ["", SENT, SENT] and versions[1].attempts == 2

        # a sync that changes nothing asks nothing and sends nothing
        checks = WatchStore(data_dir).require(w.id).checks
        sync(library, url)
        assert library.watch_report is None and WatchStore(data_dir).require(w.id).checks == checks
        assert len(hook.bodies) == 3


def test_a_webhook_that_keeps_failing_stays_pending_and_is_sent_once_after_the_next_check(
    tmp_path, library, fast_retries
):
    from ingest.models import Article

    store = WatchStore(library.settings.data_dir)
    with Receiver(fail_first=3) as hook:  # every attempt of the first run fails
        w = store.add(QUESTION, watch_settings(library.settings), "sync", hook.url)
        check(store, w, library.r)
        library.add_articles(
            [Article("e1", "Erdbeben", "Bei dem Erdbeben in Kahramanmaras starben 12 Menschen.", "2026-03-10")]
        )
        [v] = [v for v in store.require(w.id).versions if v.n == 2]
        assert v.delivery == "pending" and v.attempts == 3 and "500" in v.delivery_error
        library.add_articles(
            [Article("e2", "Erdbeben", "Die Zahl der Toten in Kahramanmaras ist auf 35 gestiegen.", "2026-03-11")]
        )
        versions = store.require(w.id).versions
        assert [v.delivery for v in versions] == ["", SENT, SENT]
        assert hook.statuses == [500, 500, 500, 204, 204]
        assert hook.delivered() == [f"{w.id}-2", f"{w.id}-3"]


def test_a_webhook_to_an_address_the_feeds_may_not_reach_is_refused_before_any_connection(library, monkeypatch):
    from ingest.models import Article

    monkeypatch.setenv("QUELLE_FEED_ALLOW_HOSTS", "")  # the feeds' rule: no loopback unless allowed
    store = WatchStore(library.settings.data_dir)
    with Receiver() as hook:
        w = store.add(QUESTION, watch_settings(library.settings), "sync", hook.url)
        check(store, w, library.r)
        library.add_articles(
            [Article("e1", "Erdbeben", "Bei dem Erdbeben in Kahramanmaras starben 12 Menschen.", "2026-03-10")]
        )
        v = store.require(w.id).versions[-1]
        assert v.n == 2 and v.delivery == FAILED and "not public" in v.delivery_error and v.attempts == 1
        assert hook.bodies == []


def test_cadences_manual_and_an_interval_are_not_checked_after_every_pass(library):
    from ingest.models import Article

    store = WatchStore(library.settings.data_dir)
    every = {e: store.add(QUESTION, watch_settings(library.settings), e) for e in ("sync", "manual", "1d")}
    for w in every.values():
        check(store, w, library.r)
    library.add_articles([Article("e1", "Erdbeben", "Bei dem Erdbeben in Kahramanmaras starben 12 Menschen.")])
    assert library.watch_report.checked == [every["sync"].id]
    assert [len(store.require(w.id).versions) for w in every.values()] == [2, 1, 1]


def test_one_process_at_a_time_delivers_a_change(tmp_path, monkeypatch):
    import threading

    from quelle.watch import store as store_module
    from quelle.watch.fact import Fact, reason

    store = WatchStore(tmp_path / "index")
    with Receiver() as hook:
        w = store.add(QUESTION, {"backend": "extractive"}, "sync", hook.url)
        for value in ("12", "35"):
            store.record(w.id, Fact("answer", value, "2026-03-10"), reason, {"answer": value}, lambda why: None, "r")
        [v2] = [v for v in store.require(w.id).versions if v.delivery == "pending"]
        assert store.claim(w.id, 2) and not store.claim(w.id, 2)  # taken: a second process skips it
        monkeypatch.setattr(store_module, "STALE_CLAIM_S", 0)
        assert store.claim(w.id, 2)  # a claim whose process died is taken over
        store.delivered(w.id, 2, "pending", 0)
        monkeypatch.setattr(store_module, "STALE_CLAIM_S", 600)
        runs = [
            threading.Thread(target=webhook.deliver_pending, args=(WatchStore(tmp_path / "index"),)) for _ in range(4)
        ]
        for t in runs:
            t.start()
        for t in runs:
            t.join()
        assert hook.delivered() == [f"{w.id}-2"] and len(hook.bodies) == 1
        assert store.require(w.id).versions[1].delivery == SENT
