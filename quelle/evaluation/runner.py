"""Run gold questions through one or more configurations and score every answer.

Answers come from the same `quelle.answering.pipeline.ask()` the chat uses, with one `Resources` reused for all
questions of a configuration. Retrieval is scored on a ranking of 10 passages fetched with the same
retriever, the same standalone question, mode, dense weight and language that `ask()` used — a separate
call, because `ask()` retrieves only `top_k` passages and hit@10 needs ten; the answer itself is always
produced with the configured `top_k`. The retrieval time of that extra call is not in the latency.

`pipeline=langchain` in a configuration swaps the whole pipeline for the LangChain default recipe
(see langchain_baseline.py) over the same articles.

Answer-shape scores (issue 14), per answerable row and averaged over answerable questions only:
- `answer_contains_first`: the gold answer in the *first* answer sentence alone. The extractive answerer may
  show up to two candidate sentences ("Mögliche Antworten"); `answer_contains` scores the whole shown answer,
  this one the more likely candidate, so a second sentence never buys score silently.
- `span_em` / `span_f1`: EM/F1 of `Answer.answer_span.text` (best over the gold answers); 0 when the answer
  has no span or abstained. `span_rate`: the share of answered answerable questions that carry a span.
- `two_candidate_rate`: the share of answered questions (no abstention, no error) the extractive answerer
  answered with two or more candidate sentences.
- `slices`: the main figures per subgroup of gold fields carried in the rows (see `slices()`).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ingest.models import Article
from quelle.answering import registry
from quelle.answering.citations import strip_markers
from quelle.evaluation.gold import GoldQuestion
from quelle.evaluation.metrics import (
    best_of,
    contains,
    exact_match,
    f1_score,
    first_hit_rank,
    hit_at_k,
    mean_reciprocal_rank,
    percentile,
    rate,
)
from quelle.resources import Resources
from quelle.settings import Settings

RANK_DEPTH = 10  # passages ranked per question for hit@k / MRR
PIPELINES = ("quelle", "langchain")
METRIC_KEYS = (
    "n",
    "em",
    "f1",
    "answer_contains",
    "retrieval_hit@1",
    "retrieval_hit@5",
    "retrieval_hit@10",
    "mrr",
    "citation_accuracy",
    "unanswerable_abstained",
    "answerable_abstained",
    "latency_ms_p50",
    "latency_ms_p95",
)
# answer-shape figures of issue 14 (after METRIC_KEYS in tables; all over answerable questions but the two rates)
ANSWER_KEYS = (
    "answer_contains_answerable",
    "answer_contains_first_answerable",
    "span_em_answerable",
    "span_f1_answerable",
    "span_rate",
    "two_candidate_rate",
)
SLICE_KEYS = (
    "n",
    "answer_contains",
    "answer_contains_first",
    "answerable_abstained",
    "unanswerable_abstained",
    "retrieval_hit@1",
    "retrieval_hit@5",
)
MAIN_LANGUAGE = "de"  # the language of gold rows without a `lang` field

ProgressFn = Callable[[str, int, int], None]  # (config name, done, total)


class ConfigError(ValueError):
    """A --config value cannot be used; the message says which part and why."""


@dataclass
class EvalConfig:
    name: str
    settings: Settings
    pipeline: str = "quelle"
    changes: dict = field(default_factory=dict)


def parse_config(spec: str, base: Settings) -> EvalConfig:
    """'NAME=KEY=VALUE,KEY=VALUE' -> a configuration: base.with_(**changes); `pipeline=` picks the pipeline."""
    name, sep, rest = spec.partition("=")
    name = name.strip()
    if not sep or not name or not rest.strip():
        raise ConfigError(f"--config '{spec}': expected NAME=KEY=VALUE[,KEY=VALUE...], e.g. bm25=retrieval_mode=bm25")
    changes: dict[str, str] = {}
    for item in rest.split(","):
        key, sep, value = item.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or not key:
            raise ConfigError(f"--config '{spec}': '{item}' is not KEY=VALUE")
        changes[key] = value.strip()
    pipeline = changes.pop("pipeline", "quelle")
    if pipeline not in PIPELINES:
        raise ConfigError(f"--config '{spec}': pipeline must be one of {', '.join(PIPELINES)}, not '{pipeline}'")
    unknown = sorted(k for k in changes if k not in Settings.model_fields)
    if unknown:
        raise ConfigError(
            f"--config '{spec}': unknown setting {', '.join(unknown)} (known: "
            f"{', '.join(sorted(Settings.model_fields))}, pipeline)"
        )
    try:
        settings = base.with_(**changes)
    except Exception as e:  # pydantic ValidationError: name the field and the problem
        errors = getattr(e, "errors", None)
        detail = "; ".join(f"{'.'.join(map(str, x['loc']))}: {x['msg']}" for x in errors()) if errors else str(e)
        raise ConfigError(f"--config '{spec}': {detail}") from e
    return EvalConfig(
        name=name,
        settings=settings,
        pipeline=pipeline,
        changes={**changes, **({"pipeline": pipeline} if pipeline != "quelle" else {})},
    )


# --- relevance ----------------------------------------------------------------------------------------------
def source_matches(source: str, passage: dict) -> bool:
    s = source.casefold().strip()
    return s in (str(passage.get("article_id", "")).casefold(), str(passage.get("title", "")).casefold().strip())


def is_relevant(q: GoldQuestion, passage: dict) -> bool:
    """A passage answers the question: it covers a gold span of the gold article; without spans, it contains a
    gold answer (and comes from the gold `source`, when one is given)."""
    if q.spans:
        return any(
            passage.get("article_id") == s.article_id
            and passage.get("start", 0) <= s.start
            and s.end <= passage.get("end", 0)
            for s in q.spans
        )
    if q.source and not source_matches(q.source, passage):
        return False
    return any(contains(passage.get("text", ""), a) for a in q.answers)


def answer_text(answer: str) -> str:
    """The answer without citation markers like [1] or [1, 2]."""
    return strip_markers(answer).strip()


# --- one question --------------------------------------------------------------------------------------------
@dataclass
class Outcome:
    answer: str
    abstained: bool
    backend: str
    citations: list[dict]
    ranking: list[dict]
    latency_ms: float
    error: str | None = None
    sentences: list[str] = field(default_factory=list)  # the answer's sentences (candidates), in order shown
    answer_span: dict | None = None  # {text, start, end, citation}: the short answer inside cited passage n
    confidence: float | None = None
    confidence_band: str = ""  # sure / unsure / none (quelle.answering.types.BANDS); "" for the LangChain baseline


def band_of(out: Outcome) -> str:
    """The answer's confidence band; an answer without one (the LangChain baseline) is sure unless it abstained."""
    return out.confidence_band or ("none" if out.abstained or out.error else "sure")


def first_sentence(out: Outcome) -> str:
    """The first sentence of the shown answer (without markers); the whole answer when it lists none."""
    for s in out.sentences:
        if answer_text(s):
            return answer_text(s)
    return answer_text(out.answer)


def is_two_candidates(out: Outcome) -> bool:
    """A verbatim answerer (the extractive reader) showed two (or more) candidate sentences instead of one
    answer."""
    return (
        not out.abstained
        and not out.error
        and registry.capabilities(out.backend).verbatim
        and sum(1 for s in out.sentences if s.strip()) >= 2
    )


def newest_fact(q: GoldQuestion, out: Outcome) -> float | None:
    """Issue 20, for gold rows with an `as_of`: 1 when the first answer sentence holds a gold answer (the newest fact
    as of that date, or the one of the period the question names) and none of the row's `outdated` values; None
    for rows without `as_of`."""
    if not q.extra.get("as_of") or q.unanswerable:
        return None
    first = first_sentence(out) if not (out.abstained or out.error) else ""
    outdated = q.extra.get("outdated") or []
    outdated = [outdated] if isinstance(outdated, str) else outdated
    ok = bool(first) and any(contains(first, a) for a in q.answers) and not any(contains(first, o) for o in outdated)
    return float(ok)


def score_row(q: GoldQuestion, out: Outcome, config: str) -> dict:
    pred = "" if out.abstained or out.error else answer_text(out.answer)
    row = {
        "config": config,
        "id": q.id,
        "question": q.question,
        "gold": q.answers,
        "source": q.source,
        "unanswerable": q.unanswerable,
        "gold_spans": [[s.article_id, s.start, s.end] for s in q.spans],
        "answer": out.answer,
        "abstained": out.abstained,
        "backend": out.backend,
    }
    if q.unanswerable:
        ok = float(out.abstained and not out.error)
        row.update(
            em=ok,
            f1=ok,
            answer_contains=ok,
            correct=bool(ok),
            hit_rank=None,
            citation_correct=None,
            answer_contains_first=None,
            span_em=None,
            span_f1=None,
            has_span=None,
        )
    else:
        em = best_of(exact_match, pred, q.answers) if pred else 0.0
        f1 = best_of(f1_score, pred, q.answers) if pred else 0.0
        hit = any(contains(pred, a) for a in q.answers) if pred else False
        rank = first_hit_rank(is_relevant(q, p) for p in out.ranking[:RANK_DEPTH])
        cited = any(is_relevant(q, c) for c in out.citations) if hit else None
        first = first_sentence(out) if pred else ""
        hit_first = any(contains(first, a) for a in q.answers) if first else False
        span = (out.answer_span or {}).get("text", "") if pred else ""
        span_em = best_of(exact_match, span, q.answers) if span else 0.0
        span_f1 = best_of(f1_score, span, q.answers) if span else 0.0
        row.update(
            em=em,
            f1=round(f1, 4),
            answer_contains=float(hit),
            correct=hit,
            hit_rank=rank,
            citation_correct=cited,
            answer_contains_first=float(hit_first),
            span_em=span_em,
            span_f1=round(span_f1, 4),
            has_span=bool(span),
        )
    row["newest_fact"] = newest_fact(q, out)
    row.update(
        sentences=list(out.sentences),
        n_sentences=len(out.sentences),
        answer_span=out.answer_span,
        confidence=None if out.confidence is None else round(float(out.confidence), 4),
        two_candidates=is_two_candidates(out),
        band=band_of(out),
    )
    row.update(
        latency_ms=round(out.latency_ms, 1),
        error=out.error,
        citations=out.citations,
        retrieved=[
            {k: p[k] for k in ("article_id", "start", "end", "score", "chunk_id") if k in p}
            for p in out.ranking[:RANK_DEPTH]
        ],
    )
    for k, v in q.extra.items():  # unknown gold fields travel along; a clash with a score keeps both
        row[k if k not in row else f"gold_{k}"] = v
    return row


def summarize(rows: list[dict]) -> dict:
    """metrics.json for one configuration (every key of METRIC_KEYS, plus a few more)."""
    answerable = [r for r in rows if not r["unanswerable"]]
    unanswerable = [r for r in rows if r["unanswerable"]]
    ranks = [r["hit_rank"] for r in answerable]
    right = [r for r in answerable if r["correct"]]
    latencies = [r["latency_ms"] for r in rows if not r.get("error")]

    def mean(key, subset):
        return sum(r[key] for r in subset) / len(subset) if subset else None

    m = {
        "n": len(rows),
        "em": mean("em", rows),
        "f1": mean("f1", rows),
        "answer_contains": mean("answer_contains", rows),
        "retrieval_hit@1": hit_at_k(ranks, 1),
        "retrieval_hit@5": hit_at_k(ranks, 5),
        "retrieval_hit@10": hit_at_k(ranks, 10),
        "mrr": mean_reciprocal_rank(ranks),
        "citation_accuracy": rate([bool(r["citation_correct"]) for r in right]),
        "unanswerable_abstained": rate([r["abstained"] for r in unanswerable]),
        "answerable_abstained": rate([r["abstained"] for r in answerable]),
        "latency_ms_p50": percentile(latencies, 50),
        "latency_ms_p95": percentile(latencies, 95),
        "n_answerable": len(answerable),
        "n_unanswerable": len(unanswerable),
        "em_answerable": mean("em", answerable),
        "f1_answerable": mean("f1", answerable),
        "answer_contains_answerable": mean("answer_contains", answerable),
        "retrieval_hit@k": [hit_at_k(ranks, k) for k in range(1, RANK_DEPTH + 1)] if ranks else [],
        "errors": sum(1 for r in rows if r.get("error")),
        **dated(rows),
        **answer_shape(rows),
        "slices": slices(rows),
    }
    return {k: _tidy(k, v) for k, v in m.items()}


def dated(rows: list[dict]) -> dict:
    """Issue 20: `newest_fact` — the share of gold rows with an `as_of` answered with the newest fact — and their
    number `n_dated`; nothing when no row has an `as_of`."""
    scored = [r["newest_fact"] for r in rows if r.get("newest_fact") is not None]
    return {"newest_fact": sum(scored) / len(scored), "n_dated": len(scored)} if scored else {}


def _tidy(k, v):
    if k == "retrieval_hit@k":
        return [round(x, 4) for x in v]
    if isinstance(v, dict):
        return {kk: _tidy(kk, vv) for kk, vv in v.items()}
    return round(v, 1 if k.startswith("latency") else 4) if isinstance(v, float) else v


def _mean(key: str, rows: list[dict]) -> float | None:
    """The mean of `key` over the rows that have a value for it (None when none has); rows written before a
    key existed (an older results.jsonl) simply do not count."""
    values = [float(r[key]) for r in rows if r.get(key) is not None]
    return sum(values) / len(values) if values else None


def answered(r: dict) -> bool:
    return not r["abstained"] and not r.get("error")


def answer_shape(rows: list[dict]) -> dict:
    """The ANSWER_KEYS figures of one configuration's rows."""
    answerable = [r for r in rows if not r["unanswerable"]]
    return {
        "answer_contains_first_answerable": _mean("answer_contains_first", answerable),
        "span_em_answerable": _mean("span_em", answerable),
        "span_f1_answerable": _mean("span_f1", answerable),
        "span_rate": rate([bool(r.get("has_span")) for r in answerable if answered(r)]),
        "two_candidate_rate": rate([bool(r.get("two_candidates")) for r in rows if answered(r)]),
        **band_figures(rows),
    }


def band_figures(rows: list[dict]) -> dict:
    """Issue 30, honest uncertainty: `sure_answer_contains_answerable` — answerable questions answered *sure* and
    right (a sure answer shows one sentence: right when it holds the gold answer), over all answerable —,
    `sure_precision` — right among the sure answers to answerable questions —, `unanswerable_not_sure` — unanswerable questions given no sure answer —, `answerable_none` —
    answerable questions in band none —, and `bands`: per band, the answerable questions (right ones among them) and
    the unanswerable ones. Rows written before bands existed count by their abstention."""
    answerable = [r for r in rows if not r["unanswerable"]]
    unanswerable = [r for r in rows if r["unanswerable"]]

    def band(r: dict) -> str:
        return r.get("band") or ("none" if r["abstained"] or r.get("error") else "sure")

    sure = [r for r in answerable if band(r) == "sure"]
    right = sum(float(r.get("answer_contains_first") or 0) for r in sure)  # a sure answer is its first sentence
    return {
        "sure_answer_contains_answerable": right / len(answerable) if answerable else None,
        "sure_precision": right / len(sure) if sure else None,
        "unanswerable_not_sure": rate([band(r) != "sure" for r in unanswerable]),
        "answerable_none": rate([band(r) == "none" for r in answerable]),
        "bands": {
            b: {
                "answerable": sum(1 for r in answerable if band(r) == b),
                "answerable_right": sum(1 for r in answerable if band(r) == b and r.get("answer_contains_first")),
                "unanswerable": sum(1 for r in unanswerable if band(r) == b),
            }
            for b in ("sure", "unsure", "none")
        },
    }


def _flag(value) -> bool:
    """A gold flag as written in JSON or CSV (true/"true"/"ja"/1); anything else is false."""
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "yes", "ja", "y", "wahr", "x"}
    return bool(value)


def _slice(rows: list[dict]) -> dict:
    """The SLICE_KEYS figures of a subgroup: answer_contains(_first) and answerable_abstained over its answerable
    rows, unanswerable_abstained over its unanswerable rows, hit@k over its answerable rows (None: no such rows)."""
    answerable = [r for r in rows if not r["unanswerable"]]
    unanswerable = [r for r in rows if r["unanswerable"]]
    ranks = [r.get("hit_rank") for r in answerable]
    return {
        "n": len(rows),
        "n_answerable": len(answerable),
        "n_unanswerable": len(unanswerable),
        "answer_contains": _mean("answer_contains", answerable),
        "answer_contains_first": _mean("answer_contains_first", answerable),
        "span_f1": _mean("span_f1", answerable),
        "answerable_abstained": rate([r["abstained"] for r in answerable]),
        "unanswerable_abstained": rate([r["abstained"] for r in unanswerable]),
        **{k: v for k, v in band_figures(rows).items() if k != "bands"},
        "retrieval_hit@1": hit_at_k(ranks, 1),
        "retrieval_hit@5": hit_at_k(ranks, 5),
    }


def _group(rows: list[dict], key) -> dict[str, list[dict]]:
    groups: dict[str, list[dict]] = {}
    for r in rows:
        groups.setdefault(key(r), []).append(r)
    return dict(sorted(groups.items()))


def slices(rows: list[dict]) -> dict:
    """Figures of subgroups by gold fields carried in the rows (GoldQuestion.extra):
    - `lang`: all rows by their `lang` field; rows without one count as MAIN_LANGUAGE ("de");
    - `kind`: answerable rows by their `kind` (question type), when the gold file gives kinds; answerable rows
      without one go to "(ohne)";
    - `near_miss`: unanswerable rows by their `near_miss` flag ("true"/"false", absent = false), when any
      unanswerable row has that field.
    Each slice: n (n_answerable, n_unanswerable), answer_contains, answer_contains_first, span_f1 and
    answerable_abstained over its answerable rows, unanswerable_abstained over its unanswerable rows,
    retrieval_hit@1/@5. A field the gold file does not use gives no entry."""
    out: dict[str, dict] = {}
    if rows:
        out["lang"] = {
            k: _slice(g)
            for k, g in _group(
                rows, lambda r: str(r.get("lang") or MAIN_LANGUAGE).strip().lower() or MAIN_LANGUAGE
            ).items()
        }
    answerable = [r for r in rows if not r["unanswerable"]]
    if any(r.get("kind") not in (None, "") for r in answerable):
        out["kind"] = {
            k: _slice(g) for k, g in _group(answerable, lambda r: str(r.get("kind") or "(ohne)").strip()).items()
        }
    unanswerable = [r for r in rows if r["unanswerable"]]
    if any("near_miss" in r for r in unanswerable):
        out["near_miss"] = {
            k: _slice(g)
            for k, g in _group(unanswerable, lambda r: "true" if _flag(r.get("near_miss")) else "false").items()
        }
    return out


# --- pipelines -----------------------------------------------------------------------------------------------
class QuellePipeline:
    """ask() with the configuration's settings, plus a depth-10 ranking from the same retriever."""

    def __init__(self, config: EvalConfig, resources: Resources):
        self.settings = config.settings
        self.resources = resources

    def run(self, q: GoldQuestion) -> Outcome:
        from quelle.answering.pipeline import ask

        t0 = time.perf_counter()
        try:
            s = self.settings
            if q.extra.get("as_of"):  # issue 20: the gold row's reference date („aktuell“ as of that day)
                s = s.with_(as_of=str(q.extra["as_of"]))
            a = ask(q.question, s, resources=self.resources)
            latency = (time.perf_counter() - t0) * 1000
            passages = self.resources.index.retrieve(
                a.standalone_question or q.question,
                RANK_DEPTH,
                s.retrieval_mode,
                None,
                s.hybrid_dense_weight,
                a.language,
                rerank=s.rerank,
            )
        except Exception as e:  # one failing question never stops the run; it is recorded and scored wrong
            return Outcome("", False, "error", [], [], (time.perf_counter() - t0) * 1000, f"{type(e).__name__}: {e}")
        ranking = [
            {
                "chunk_id": p.chunk_id,
                "article_id": p.meta.get("article_id", ""),
                "title": p.meta.get("title", ""),
                "start": int(p.meta.get("start", 0)),
                "end": int(p.meta.get("end", 0)),
                "score": round(float(p.score), 4),
                "text": p.text,
            }
            for p in passages
        ]
        citations = [
            {
                "n": c.n,
                "chunk_id": c.chunk_id,
                "article_id": c.article_id,
                "title": c.title,
                "start": c.start,
                "end": c.end,
                "score": c.score,
                "text": c.text,
                "highlights": [list(h) for h in c.highlights],
            }
            for c in a.citations
        ]
        span = a.answer_span
        span = {"text": span.text, "start": span.start, "end": span.end, "citation": span.citation} if span else None
        return Outcome(
            a.answer,
            a.abstained,
            a.backend,
            citations,
            ranking,
            latency,
            sentences=[x.text for x in a.sentences],
            answer_span=span,
            confidence=a.confidence,
            confidence_band=a.confidence_band,
        )

    def close(self) -> None:
        pass


class LangChainPipeline:
    def __init__(self, config: EvalConfig, resources: Resources, articles: list[Article]):
        from quelle.evaluation.langchain_baseline import LangChainBaseline

        self.baseline = LangChainBaseline(articles, resources.embedder)

    def run(self, q: GoldQuestion) -> Outcome:
        from quelle.evaluation.langchain_baseline import BACKEND

        t0 = time.perf_counter()
        hits = self.baseline.search(q.question, RANK_DEPTH)
        latency = (time.perf_counter() - t0) * 1000
        ranking = [
            {
                "chunk_id": f"{h.article_id}@{h.start}",
                "article_id": h.article_id,
                "title": h.title,
                "start": h.start,
                "end": h.end,
                "score": round(h.score, 4),
                "text": h.text,
            }
            for h in hits
        ]
        citations = [{**ranking[0], "n": 1, "highlights": []}] if ranking else []
        answer = f"{hits[0].text} [1]" if hits else ""
        return Outcome(
            answer, not hits, BACKEND, citations, ranking, latency, sentences=[hits[0].text] if hits else []
        )  # one "sentence": the whole top chunk; no span

    def close(self) -> None:
        self.baseline.close()


# --- the run -------------------------------------------------------------------------------------------------
@dataclass
class EvalResult:
    configs: list[EvalConfig]
    rows: dict[str, list[dict]]
    metrics: dict[str, dict]
    interrupted: bool = False
    meta: dict = field(default_factory=dict)

    def metrics_json(self) -> dict:
        """The first configuration's metrics at the top level; every configuration under 'configs'."""
        first = self.configs[0].name
        out = {**self.metrics[first], "config": first}
        if len(self.configs) > 1:
            out["configs"] = {c.name: {**self.metrics[c.name], "changes": c.changes} for c in self.configs}
        if self.meta:
            out["run"] = self.meta
        if self.interrupted:
            out["interrupted"] = True
        return out


def run_evaluation(
    questions: list[GoldQuestion],
    configs: list[EvalConfig],
    resources: Resources,
    articles: Callable[[], list[Article]],
    results_path: Path | None = None,
    progress: ProgressFn | None = None,
) -> EvalResult:
    """Every configuration over the same questions. Rows go to `results_path` (JSON lines) as they are made,
    so an interruption (Ctrl-C) keeps the rows done so far; the result is then marked interrupted."""
    result = EvalResult(configs=configs, rows={c.name: [] for c in configs}, metrics={})
    sink = open(results_path, "w", encoding="utf-8") if results_path else None
    corpus: list[Article] | None = None
    try:
        for config in configs:
            pipeline = None
            try:
                if config.pipeline == "langchain":
                    corpus = corpus if corpus is not None else articles()
                    pipeline = LangChainPipeline(config, resources, corpus)
                else:
                    res = (
                        resources
                        if resources.compatible_with(config.settings)
                        else Resources.open(config.settings, embedder=resources.embedder)
                    )
                    pipeline = QuellePipeline(config, res)
                rows = result.rows[config.name]
                if questions:
                    pipeline.run(questions[0])  # warm-up (lazy loads, index sync): not in the latency figures
                for i, q in enumerate(questions):
                    row = score_row(q, pipeline.run(q), config.name)
                    rows.append(row)
                    if sink:
                        sink.write(json.dumps(row, ensure_ascii=False) + "\n")
                        sink.flush()
                    if progress:
                        progress(config.name, i + 1, len(questions))
            finally:
                if pipeline is not None:
                    pipeline.close()
    except KeyboardInterrupt:
        result.interrupted = True
    finally:
        if sink:
            sink.close()
    result.configs = [c for c in configs if result.rows[c.name]] or configs[:1]
    result.metrics = {c.name: summarize(result.rows[c.name]) for c in result.configs}
    return result
