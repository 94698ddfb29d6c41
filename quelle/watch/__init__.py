"""Watched questions (issue 33 part 1): a question that stays open is asked again after each ingest or sync pass
that changed the store, and a new version is kept when the answer's fact changed.

`store.py` (SQLite in the data dir), `fact.py` (the fact key: what counts as a change), `cadence.py` (`--every`),
`check.py` (asking again through ask(), recording), `hook.py` (the one call after a pass), `webhook.py` (POST a
change, the feeds' outbound rules), `export.py` (JSON export), `story.py` (the evaluation: a dated story replayed).
Faces: quelle/cli/watch.py, quelle/api/routers/watches.py, quelle/ui/watch.py. See docs/watch.md."""
