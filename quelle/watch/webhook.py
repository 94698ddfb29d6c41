"""The optional webhook of a watch: each new version (not the first: that is where the question starts) is POSTed
as JSON to the URL the editor set, once.

Outbound rules are the feeds' (quelle/feeds/fetch.py `Fetcher.post_json`): an http(s) URL whose addresses are
public unless QUELLE_FEED_ALLOW_HOSTS allows them, the connection pinned to the checked addresses, one deadline
(QUELLE_FETCH_DEADLINE_S), no redirects followed. A delivery is tried up to ATTEMPTS times with a pause between
(BACKOFF); a version still undelivered after a server error or a network failure stays pending and is tried again
after the next check, until MAX_ATTEMPTS in all; a refusal (an internal address, a 4xx, a redirect) is final.
A version is marked sent only after a 2xx answer, and one process at a time claims a delivery (WatchStore.claim: a
`quelle watch check` and a sync finishing at once do not both send), so a receiver gets each change once (and
`id` — "<watch>-<n>" — lets it drop a repeat should its 2xx be lost on the way back)."""

from __future__ import annotations

import json
import logging
import time
from typing import Callable

from quelle.watch.store import FAILED, PENDING, SENT, Version, Watch, WatchStore

log = logging.getLogger("quelle.watch")
ATTEMPTS = 3  # per delivery run
BACKOFF = (0.5, 2.0)  # seconds before the 2nd and 3rd attempt
MAX_ATTEMPTS = 12  # in all, over several checks


def payload(watch: Watch, version: Version) -> dict:
    return {
        "id": f"{watch.id}-{version.n}",
        "event": "watch.changed",
        "watch": {"id": watch.id, "question": watch.question, "every": watch.every},
        "version": version.to_dict(),
    }


def _fetcher():
    from quelle.feeds.fetch import Fetcher
    from quelle.feeds.settings import FeedSettings

    fs = FeedSettings()
    return Fetcher(timeout=fs.timeout, rate=0, respect_robots=False, allow_hosts=fs.allow_hosts, deadline=fs.deadline)


def deliver_pending(store: WatchStore, sleep: Callable[[float], None] = time.sleep) -> tuple[int, int]:
    """POST every pending version, oldest first; (delivered, still pending or given up)."""
    from quelle.feeds.fetch import FetchError

    todo = store.pending()
    if not todo:
        return 0, 0
    sent = failed = 0
    with _fetcher() as fetcher:
        for watch, version in todo:
            if not store.claim(watch.id, version.n):  # another process is delivering it
                continue
            body = json.dumps(payload(watch, version), ensure_ascii=False).encode("utf-8")
            tries, error, final = 0, "", False
            while tries < ATTEMPTS:
                if tries:
                    sleep(BACKOFF[min(tries - 1, len(BACKOFF) - 1)])
                tries += 1
                try:
                    fetcher.post_json(watch.webhook, body)
                    error = ""
                    break
                except FetchError as e:
                    error, final = e.reason, not e.retry
                    log.warning("webhook of watch %s, version %s: %s", watch.id, version.n, e.reason)
                    if final:
                        break
            if not error:
                store.delivered(watch.id, version.n, SENT, tries)
                sent += 1
                continue
            failed += 1
            given_up = final or version.attempts + tries >= MAX_ATTEMPTS
            store.delivered(watch.id, version.n, FAILED if given_up else PENDING, tries, error)
    return sent, failed
