"""The evaluation of watched questions: a dated story replayed step by step (issue 33 item 3).

A story file (JSON) names a question and the steps of a story, each a list of articles and whether the fact should
change with it:

    {"question": "…", "as_of": "2026-03-12",
     "steps": [{"label": "…", "expect": "change" | "same", "articles": [{"id", "title", "date", "source", "text"}]}]}

`replay()` adds the watch to an empty store, then ingests each step through the Library — so each step goes through
the same hook a sync pass does — and reads which versions the watch got. A step is right when it produced a new
version exactly when `expect` says "change". `quelle watch replay STORY.json` prints the table; docs/watch.md shows
the bundled story (data/watch/erdbeben.json)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ingest.models import Article


class StoryError(ValueError):
    """A story file that cannot be read; the message names the file and the problem."""


@dataclass
class StepResult:
    label: str
    expect: str
    version: dict | None  # the new version's n, reason, value, date, cause (None: no new version)

    @property
    def right(self) -> bool:
        return (self.version is not None) == (self.expect == "change")


@dataclass
class Replay:
    question: str
    steps: list[StepResult] = field(default_factory=list)
    versions: list[dict] = field(default_factory=list)  # every version in order (the first included)

    @property
    def right(self) -> int:
        return sum(s.right for s in self.steps)

    def to_dict(self) -> dict:
        return {
            "question": self.question,
            "steps": [
                {"label": s.label, "expect": s.expect, "version": s.version, "right": s.right} for s in self.steps
            ],
            "right": self.right,
            "total": len(self.steps),
            "versions": self.versions,
        }


def load_story(path: Path) -> dict:
    try:
        story = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise StoryError(f"{path}: cannot be read as JSON ({e})") from None
    if not isinstance(story, dict) or not str(story.get("question", "")).strip() or not story.get("steps"):
        raise StoryError(f"{path}: needs a 'question' and a list of 'steps'")
    for i, step in enumerate(story["steps"], 1):
        if step.get("expect") not in ("change", "same") or not step.get("articles"):
            raise StoryError(f"{path}: step {i} needs 'expect' (change or same) and 'articles'")
    return story


def _article(a: dict) -> Article:
    return Article(
        article_id=a["id"],
        title=a.get("title", ""),
        text=a["text"],
        date=a.get("date", ""),
        source=a.get("source", ""),
        url=a.get("url", ""),
        path=a.get("url") or f"story:{a['id']}",
    )


def _row(v) -> dict:
    c = v.cause or {}
    return {
        "n": v.n,
        "reason": v.reason,
        "value": v.fact.get("value", ""),
        "date": v.fact.get("date", ""),
        "cause": {k: c.get(k) for k in ("article_id", "title", "date", "source")} if c else None,
        "answer": v.answer.get("answer", ""),
    }


def replay(story: dict, resources) -> Replay:
    """Replay `story` into the (empty) store of `resources`; the versions its watch got, step by step."""
    from quelle.library import Library
    from quelle.watch.check import check, watch_settings
    from quelle.watch.store import WatchStore

    settings = resources.settings
    if story.get("as_of"):
        settings = settings.with_(as_of=story["as_of"])
    store = WatchStore.of(resources.settings)
    watch = store.add(story["question"], watch_settings(settings), "sync")
    check(store, watch, resources)  # version 1: the empty store's answer
    library = Library(resources)
    result = Replay(story["question"])
    for i, step in enumerate(story["steps"], 1):
        before = len(store.require(watch.id).versions)
        library.add_articles([_article(a) for a in step["articles"]])  # the hook checks the watch
        versions = store.require(watch.id).versions
        new = versions[before:]
        result.steps.append(
            StepResult(step.get("label") or f"Schritt {i}", step["expect"], _row(new[-1]) if new else None)
        )
    result.versions = [_row(v) for v in store.require(watch.id).versions]
    return result
