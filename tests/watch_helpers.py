"""Shared by the watch tests (issue 33): a dated earthquake story served as a loopback feed in three syncs, and a
webhook receiver on loopback that can answer 500 first."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.feed_server import FeedServer, article_html, item, rss

QUESTION = "Wie viele Tote gibt es nach dem Erdbeben in Kahramanmaras?"

# slug -> (title, date, site, paragraphs); the third is a re-worded copy of the second (another outlet, same day)
STORY = {
    "erdbeben-12": (
        "Erdbeben: mindestens 12 Tote",
        "2026-03-10",
        "Stadtkurier",
        [
            "Bei dem Erdbeben in der Provinz Kahramanmaras sind nach Angaben der Behörden mindestens 12 Menschen "
            "ums Leben gekommen.",
            "Rettungskräfte suchen weiter nach Verschütteten. Viele Häuser in der Altstadt sind eingestürzt.",
        ],
    ),
    "erdbeben-35": (
        "Erdbeben: Zahl der Toten steigt auf 35",
        "2026-03-11",
        "Stadtkurier",
        [
            "Die Zahl der Toten nach dem Erdbeben in der Provinz Kahramanmaras ist auf 35 gestiegen.",
            "Das teilte der Katastrophenschutz am Mittwoch mit. Hunderte Menschen verbrachten die Nacht in "
            "Notunterkünften.",
        ],
    ),
    "erdbeben-opfer-kopie": (
        "Zahl der Erdbebenopfer steigt auf 35",
        "2026-03-11",
        "Landeszeitung",
        [
            "Nach dem Erdbeben in der Provinz Kahramanmaras ist die Zahl der Todesopfer auf 35 gestiegen, teilte "
            "der Katastrophenschutz am Mittwoch mit.",
            "In Notunterkünften verbrachten Hunderte Menschen die Nacht.",
        ],
    ),
}
FILLER = (
    "waermespeicher",
    "Freiburg baut Wärmespeicher am Rhein",
    "2026-03-10",
    "Stadtkurier",
    ["Die Stadtwerke Freiburg bauen einen Wärmespeicher mit 40.000 Kubikmetern Wasser am Rhein."],
)


def publish(srv: FeedServer, slugs: list[str]) -> str:
    """Serve the story's first `slugs` (and the filler) and a feed listing them; the feed's URL."""
    entries = [FILLER[0], *slugs]
    for slug in entries:
        title, date, site, paragraphs = FILLER[1:] if slug == FILLER[0] else STORY[slug]
        srv.page(f"/artikel/{slug}", article_html(title, paragraphs, date=date, site=site))
    titles = {FILLER[0]: FILLER[1], **{s: v[0] for s, v in STORY.items()}}
    srv.route("/feed.xml", rss([item(f"/artikel/{s}", titles[s]) for s in entries]), "application/rss+xml")
    return srv.url("/feed.xml")


class Receiver:
    """A webhook receiver on a free loopback port: records every POST body; answers the first `fail_first` POSTs
    with HTTP 500, the rest with 204."""

    def __init__(self, fail_first: int = 0, host: str = "127.0.0.1"):
        self.bodies: list[dict] = []
        self.statuses: list[int] = []
        self.fail_first = fail_first
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status = 500 if len(receiver.statuses) < receiver.fail_first else 204
                receiver.bodies.append(json.loads(body))
                receiver.statuses.append(status)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://{host}:{self.httpd.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> "Receiver":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def delivered(self) -> list[str]:
        """The ids of the changes answered with 2xx, in order."""
        return [b["id"] for b, s in zip(self.bodies, self.statuses) if s < 300]
