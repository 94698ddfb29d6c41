"""Asking a watched question again: with the settings it was added with, through the same ask() every face uses,
and keeping a new version only when the answer's fact changed (quelle/watch/fact.py).

`watch_settings()` is what a watch keeps of the request that added it; `ask_watch()` turns it back into settings and
filters; `check()` asks and records; `check_all()` checks the chosen (or the due) watches and then delivers the
webhooks of what changed (quelle/watch/webhook.py)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Callable

from quelle.feedback.store import request_settings
from quelle.watch import cadence
from quelle.watch.fact import cause, fact_of, reason
from quelle.watch.store import Version, Watch, WatchStore

log = logging.getLogger("quelle.watch")
QUOTE_CHARS = 400


def watch_settings(settings, filters=None, time_aware: bool = True) -> dict:
    """What a watch keeps of the request that added it (the settings that shape an answer, as feedback keeps)."""
    return {
        **request_settings(settings, filters),
        "time_aware": time_aware,
        "as_of": settings.as_of.isoformat() if settings.as_of else None,
    }


def request_of(kept: dict, base):
    """(settings, filters or None, time_aware) of a watch, on top of `base` (the checking process's settings: its
    data dir, store and models)."""
    from vectorstore.filters import Filters

    changes = {"retrieval_mode": kept.get("mode") or base.retrieval_mode, "top_k": kept.get("k") or base.top_k}
    changes["llm"] = kept.get("backend") or base.llm
    if kept.get("model"):
        changes["llm_model"] = kept["model"]
    changes["as_of"] = kept.get("as_of")
    f = kept.get("filters") or {}
    filters = Filters.make(f.get("article_ids"), f.get("sources"), f.get("since"), f.get("until"))
    return base.with_(**changes), (filters if filters else None), kept.get("time_aware", True)


def compact(answer: dict) -> dict:
    """What a version keeps of an answer (Answer.to_dict()): text, span, band, and each citation with its article
    id, title, date, source, URL and the cited sentences."""
    span = answer.get("answer_span") or None
    return {
        "answer": answer.get("answer", ""),
        "answer_span": span,
        "abstained": bool(answer.get("abstained")),
        "confidence_band": answer.get("confidence_band", ""),
        "confidence": answer.get("confidence"),
        "backend": answer.get("backend", ""),
        "model": answer.get("model", ""),
        "sentences": [
            {"text": s.get("text", ""), "citations": s.get("citations", [])} for s in answer.get("sentences") or []
        ],
        "citations": [_citation(c) for c in answer.get("citations") or []],
    }


def _citation(c: dict) -> dict:
    text = c.get("text", "")
    quote = " … ".join(text[s:e] for s, e in c.get("highlights") or []) or text
    return {
        "n": c.get("n"),
        "article_id": c.get("article_id", ""),
        "title": c.get("title", ""),
        "date": c.get("date", ""),
        "source": c.get("source", ""),
        "url": c.get("url", ""),
        "text": quote[:QUOTE_CHARS],
    }


@dataclass
class CheckReport:
    checked: list[str] = field(default_factory=list)  # watch ids asked
    changed: list[Version] = field(default_factory=list)  # new versions (first versions included)
    failed: dict[str, str] = field(default_factory=dict)  # watch id -> why the question could not be asked
    delivered: int = 0  # webhook posts that succeeded
    undelivered: int = 0  # webhook posts still pending or given up

    def summary(self) -> dict:
        return {
            "checked": len(self.checked),
            "changed": len(self.changed),
            "failed": len(self.failed),
            "delivered": self.delivered,
            "undelivered": self.undelivered,
        }


def record_answer(store: WatchStore, watch: Watch, answer: dict, revision: str) -> Version | None:
    """Record an answer already given (the chat's, when „Beobachten“ is pressed) or just asked."""
    kept = compact(answer)
    return store.record(watch.id, fact_of(kept), reason, kept, lambda why: cause(kept, why), revision)


def check(store: WatchStore, watch: Watch, resources) -> Version | None:
    """Ask `watch` again with its settings; a new version when the fact changed, else None. A question that cannot
    be asked is recorded as the watch's last error (and raised)."""
    from quelle.answering.pipeline import ask

    revision = resources.index.revision
    try:
        settings, filters, time_aware = request_of(watch.settings, resources.settings)
        answer = ask(watch.question, settings, resources=resources, filters=filters, time_aware=time_aware)
    except Exception as e:
        store.record(watch.id, None, reason, {}, None, revision, error=f"{type(e).__name__}: {e}")
        raise
    return record_answer(store, watch, answer.to_dict(), revision)


Progress = Callable[[int, int, str], None]  # (done, total, question)


def check_all(
    resources,
    ids: list[str] | None = None,
    *,
    due_only: bool = False,
    progress: Progress | None = None,
    deliver: bool = True,
) -> CheckReport:
    """Check the watches named by `ids` (all when None; only the due ones with `due_only`), then deliver the
    webhooks of every pending version. One question that fails never stops the others."""
    store = WatchStore.of(resources.settings)
    report = CheckReport()
    if not store.exists():
        return report
    watches = store.watches()
    if ids is not None:
        watches = [w for w in watches if w.id in set(ids)]
    if due_only:
        at = dt.datetime.now(dt.timezone.utc)
        watches = [w for w in watches if cadence.due(w.every, w.last_checked, at)]
    for i, w in enumerate(watches):
        if progress:
            progress(i, len(watches), w.question)
        try:
            version = check(store, w, resources)
        except Exception as e:  # recorded on the watch; the next one is asked
            log.warning("watch %s: %s", w.id, e)
            report.failed[w.id] = f"{type(e).__name__}: {e}"
            continue
        report.checked.append(w.id)
        if version is not None:
            report.changed.append(version)
    if progress:
        progress(len(watches), len(watches), "")
    if deliver:
        from quelle.watch.webhook import deliver_pending

        report.delivered, report.undelivered = deliver_pending(store)
    return report
