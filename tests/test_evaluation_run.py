"""Evaluations end to end: the demo gold file over a real store, side-by-side configs, SQuAD stores, the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import DEMO, ROOT
from quelle.evaluation.gold import read_gold
from quelle.evaluation.report import PLOTS, html_report, write_report
from quelle.evaluation.runner import (
    ANSWER_KEYS,
    METRIC_KEYS,
    ConfigError,
    EvalConfig,
    EvalResult,
    parse_config,
    run_evaluation,
)

PNG = b"\x89PNG\r\n\x1a\n"


def _articles(resources):
    from quelle.evaluation.corpus import articles_from_store

    return lambda: articles_from_store(resources.store)


def test_eval_over_the_demo_gold_file_writes_every_metric_rows_report_and_plots(demo_store, tmp_path):
    questions = read_gold(DEMO / "gold.jsonl")
    out = tmp_path / "report"
    out.mkdir()
    result = run_evaluation(
        questions,
        [EvalConfig("standard", demo_store.settings)],
        demo_store,
        _articles(demo_store),
        out / "results.jsonl",
    )
    paths = write_report(result, out)

    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert set(METRIC_KEYS) <= set(metrics)
    assert metrics["n"] == len(questions)
    for key in (
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
    ):
        assert 0.0 <= metrics[key] <= 1.0, key
    assert metrics["retrieval_hit@1"] >= 0.7 and metrics["retrieval_hit@10"] >= 0.8  # questions about these articles
    assert metrics["answer_contains"] > 0.3
    assert 0 < metrics["latency_ms_p50"] <= metrics["latency_ms_p95"]
    assert len(metrics["retrieval_hit@k"]) == 10

    rows = [json.loads(line) for line in (out / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == [q.id for q in questions]
    for r in rows:
        assert {
            "question",
            "gold",
            "answer",
            "citations",
            "em",
            "f1",
            "answer_contains",
            "hit_rank",
            "latency_ms",
        } <= set(r)
    assert all(r["backend"] == "extractive" for r in rows)
    ranks = [r["hit_rank"] for r in rows if not r["unanswerable"]]
    assert ranks and all(r is None or 1 <= r <= 10 for r in ranks)
    for k in (1, 5, 10):  # the metrics are the rows' ranks counted
        share = sum(r is not None and r <= k for r in ranks) / len(ranks)
        assert metrics[f"retrieval_hit@{k}"] == pytest.approx(share, abs=5e-5)  # metrics.json rounds to 4 places
        assert metrics["retrieval_hit@k"][k - 1] == metrics[f"retrieval_hit@{k}"]
    # issue 14: the answer's sentences, span and confidence travel into the rows; the new figures into metrics
    assert set(ANSWER_KEYS) <= set(metrics)
    answered = [r for r in rows if not r["abstained"] and not r["unanswerable"]]
    assert answered
    for r in answered:
        assert r["n_sentences"] == len(r["sentences"]) >= 1 and r["sentences"][0] in r["answer"]
        assert r["answer_contains_first"] <= r["answer_contains"] and r["span_f1"] is not None
        if r["answer_span"] is not None:  # the span is the cited passage's text at its offsets
            span = r["answer_span"]
            cited = next(c for c in r["citations"] if c["n"] == span["citation"])
            assert cited["text"][span["start"] : span["end"]] == span["text"]
    assert 0.0 <= metrics["answer_contains_first_answerable"] <= metrics["answer_contains_answerable"]
    assert metrics["slices"]["lang"]["de"]["n"] == len(questions)

    for name in ("report.md", "report.html", *PLOTS.values()):
        assert (out / name).is_file() and (out / name).stat().st_size > 0, name
    for name in PLOTS.values():
        assert (out / name).read_bytes().startswith(PNG)
    page = (out / "report.html").read_text(encoding="utf-8")
    assert page.count("data:image/png;base64,") == 3 and 'src="http' not in page and '.png"' not in page
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "| retrieval_hit@5 |" in md and "schlimmsten Fehler" in md
    assert "| answer_contains_first_answerable |" in md and "| span_f1_answerable |" in md
    assert f"| lang=de | {len(questions)} |" in md
    assert "answer_contains_first_answerable" in page and "lang=de" in page
    assert paths["report.html"] == out / "report.html"


def test_two_configs_run_side_by_side_in_one_report(demo_store, tmp_path):
    questions = read_gold(DEMO / "gold.jsonl")[:6]
    configs = [
        parse_config("k1=top_k=1,retrieval_mode=bm25", demo_store.settings),
        parse_config("lc=pipeline=langchain", demo_store.settings),
    ]
    assert configs[0].settings.top_k == 1 and configs[0].settings.retrieval_mode == "bm25"
    result = run_evaluation(questions, configs, demo_store, _articles(demo_store), tmp_path / "results.jsonl")
    write_report(result, tmp_path)

    assert {r["backend"] for r in result.rows["lc"]} == {"langchain-baseline"}
    assert {r["backend"] for r in result.rows["k1"]} == {"extractive"}
    for r in result.rows["k1"]:  # top_k=1: an answer cites the single retrieved passage, the ranking has 10
        assert len(r["citations"]) <= 1 and len(r["retrieved"]) == 10
    for r in result.rows["lc"]:  # the baseline's answer is its top chunk (1000 characters at most)
        assert not r["abstained"] and len(r["answer"]) <= 1000 + len(" [1]") and len(r["retrieved"]) == 10
        assert r["citations"][0]["end"] - r["citations"][0]["start"] == len(r["citations"][0]["text"])
        # its one "sentence" is the whole top chunk; it has no span
        assert r["sentences"] == [r["citations"][0]["text"]] and r["answer_span"] is None and not r["has_span"]
        assert r["answer_contains_first"] == r["answer_contains"] and r["span_f1"] == 0.0

    metrics = json.loads((tmp_path / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["config"] == "k1" and set(metrics["configs"]) == {"k1", "lc"}
    for m in metrics["configs"].values():
        assert set(METRIC_KEYS) <= set(m) and m["n"] == 6
    assert metrics["configs"]["lc"]["changes"] == {"pipeline": "langchain"}
    lines = (tmp_path / "results.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(x)["config"] for x in lines] == ["k1"] * 6 + ["lc"] * 6
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "| Metrik | k1 | lc |" in md


def test_langchain_baseline_spans_point_into_the_article_text(demo_store):
    from quelle.evaluation.langchain_baseline import LangChainBaseline

    articles = _articles(demo_store)()
    texts = {a.article_id: a.text for a in articles}
    baseline = LangChainBaseline(articles, demo_store.embedder)
    try:
        hits = baseline.search("Wo plant Alibaba neue Rechenzentren?", 10)
    finally:
        baseline.close()
    assert len(hits) == 10 and baseline.chunks > len(articles)
    for h in hits:
        assert texts[h.article_id][h.start : h.end] == h.text
    assert any("Brasilien" in h.text for h in hits[:3])


def test_ctrl_c_keeps_the_rows_done_so_far(demo_store, tmp_path):
    questions = read_gold(DEMO / "gold.jsonl")[:5]

    def interrupt_after_two(name, done, total):
        if done == 2:
            raise KeyboardInterrupt

    result = run_evaluation(
        questions,
        [EvalConfig("bm25", demo_store.settings.with_(retrieval_mode="bm25"))],
        demo_store,
        _articles(demo_store),
        tmp_path / "results.jsonl",
        interrupt_after_two,
    )
    assert result.interrupted
    lines = (tmp_path / "results.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(x)["id"] for x in lines] == [q.id for q in questions[:2]]
    assert result.metrics["bm25"]["n"] == 2 and result.metrics_json()["interrupted"] is True


def test_squad_articles_go_to_an_isolated_store_that_a_second_run_reuses(tmp_path, embedder):
    from test_evaluation_inputs import squad_v2

    from quelle.evaluation.squad import load_squad
    from quelle.evaluation.squad_store import squad_store_dir
    from quelle.library import Library
    from quelle.resources import Resources
    from quelle.settings import Settings

    path = tmp_path / "mini.json"
    path.write_text(json.dumps(squad_v2(), ensure_ascii=False), encoding="utf-8")
    base = Settings(data_dir=tmp_path / "main" / "index", llm="extractive")
    store_dir = squad_store_dir(base, path)
    assert store_dir.parent == (tmp_path / "main").resolve() and store_dir.name.startswith("eval-mini-")
    assert squad_store_dir(base, path) == store_dir
    assert squad_store_dir(base.with_(chunk_tokens=64), path) != store_dir  # other chunks, other store

    squad = load_squad(path)
    s = base.with_(data_dir=store_dir)
    res = Resources.open(s, embedder=embedder)
    first = Library(res).add_articles(squad.articles)
    assert first.summary()["added"] == 2 and first.chunks_written >= 2
    chunks = res.store.count()
    again = Library(Resources.open(s, embedder=embedder)).add_articles(load_squad(path).articles)
    assert again.summary()["unchanged"] == 2 and again.chunks_written == 0 and res.store.count() == chunks
    assert not (tmp_path / "main" / "index").exists()  # the user's own store is untouched

    result = run_evaluation(squad.questions, [EvalConfig("standard", s)], res, lambda: squad.articles)
    rows = {r["id"]: r for r in result.rows["standard"]}
    assert rows["r1"]["hit_rank"] is not None and rows["z1"]["hit_rank"] is not None
    assert rows["r3"]["unanswerable"] and rows["r3"]["hit_rank"] is None
    assert result.metrics["standard"]["n_unanswerable"] == 1


def test_report_html_escapes_article_and_answer_text(tmp_path):
    row = {
        "config": "c",
        "id": "x<1>",
        "question": "Was <b>fett</b>?",
        "gold": ["<script>alert(1)</script>"],
        "source": "",
        "unanswerable": False,
        "gold_spans": [],
        "answer": "<img src=x onerror=alert(2)> [1]",
        "abstained": False,
        "backend": "extractive",
        "em": 0.0,
        "f1": 0.0,
        "answer_contains": 0.0,
        "correct": False,
        "hit_rank": None,
        "citation_correct": None,
        "latency_ms": 5.0,
        "error": None,
        "citations": [{"title": "<i>T</i>", "start": 0, "end": 9, "text": "<script>x</script>"}],
        "retrieved": [],
    }
    from quelle.evaluation.runner import summarize
    from quelle.settings import Settings

    result = EvalResult([EvalConfig("c", Settings(data_dir=tmp_path))], {"c": [row]}, {"c": summarize([row])})
    for name, draw in (("metrics", "plot_metrics"), ("hit_at_k", "plot_hit_at_k"), ("latency", "plot_latency")):
        from quelle.evaluation import report

        getattr(report, draw)(result, tmp_path / f"{name}.png")
    page = html_report(result, "T", {k: tmp_path / f"{k}.png" for k in PLOTS})
    assert "<script>" not in page and "<img src=x" not in page and "<b>fett" not in page and "<i>T</i>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&lt;img src=x onerror=alert(2)&gt;" in page


def _span_result(tmp_path) -> EvalResult:
    """Two hand-made rows: two candidates with an (HTML-laden) span, and a near-miss unanswerable answered."""
    from quelle.evaluation.gold import GoldQuestion
    from quelle.evaluation.runner import Outcome, score_row, summarize
    from quelle.settings import Settings

    sentences = ["Die <i>Aktie</i> legte zu.", "Sie stieg um <b>9*2</b> Prozent."]
    passage = {"n": 1, "title": "T", "start": 0, "end": 60, "text": " ".join(sentences)}
    wrong = score_row(
        GoldQuestion("w", "Um wie viel?", ["14 Prozent"], extra={"kind": "wie viel", "lang": "en"}),
        Outcome(
            f"Mögliche Antworten: {sentences[0]} [1] {sentences[1]} [1]",
            False,
            "extractive",
            [passage],
            [],
            5.0,
            sentences=sentences,
            confidence=0.4,
            answer_span={"text": "<b>9*2</b>", "start": 39, "end": 49, "citation": 1},
        ),
        "c",
    )
    nearly = score_row(
        GoldQuestion("u", "Wie hoch ist die Zugspitze?", [], unanswerable=True, extra={"near_miss": True}),
        Outcome(
            "Die Zugspitze ist hoch. [1]",
            False,
            "extractive",
            [passage],
            [],
            5.0,
            sentences=["Die Zugspitze ist hoch."],
        ),
        "c",
    )
    return EvalResult(
        [EvalConfig("c", Settings(data_dir=tmp_path))], {"c": [wrong, nearly]}, {"c": summarize([wrong, nearly])}
    )


def test_reports_show_the_answer_span_in_bold_escaped_and_the_new_tables(tmp_path):
    from quelle.evaluation.report import markdown_report

    result = _span_result(tmp_path)
    assert result.metrics["c"]["two_candidate_rate"] == 0.5 and result.metrics["c"]["span_rate"] == 1.0

    md = markdown_report(result, "T")
    assert "Sie stieg um **&lt;b&gt;9\\*2&lt;/b&gt;** Prozent." in md  # bold span; its "*" and tags escaped
    assert "<b>" not in md and "<i>" not in md
    assert "| two_candidate_rate | 0.500 |" in md and "| span_rate | 1.000 |" in md
    assert "| lang=de | 1 |" in md and "| lang=en | 1 |" in md and "| kind=wie viel | 1 |" in md
    assert "| near_miss=true | 1 |" in md

    from quelle.evaluation import report

    for name, draw in (("metrics", "plot_metrics"), ("hit_at_k", "plot_hit_at_k"), ("latency", "plot_latency")):
        getattr(report, draw)(result, tmp_path / f"{name}.png")
    page = html_report(result, "T", {k: tmp_path / f"{k}.png" for k in PLOTS})
    assert '<b class="span">&lt;b&gt;9*2&lt;/b&gt;</b> Prozent.' in page
    assert "<b>9*2</b>" not in page and "<i>Aktie</i>" not in page
    assert "<td>near_miss=true</td>" in page and "<td>two_candidate_rate</td>" in page


def _show_report_page(folder: str) -> None:  # an AppTest script: runs on its own, imports inside
    from pathlib import Path

    from quelle.ui.evaluation import show_report

    show_report(Path(folder), "de")


def test_evaluation_page_shows_the_answer_figures_and_the_slices_of_a_report(tmp_path):
    from streamlit.testing.v1 import AppTest

    write_report(_span_result(tmp_path), tmp_path / "report")
    at = AppTest.from_function(_show_report_page, args=(str(tmp_path / "report"),), default_timeout=60).run()
    assert not at.exception, at.exception
    shown = {m.label: m.value for m in at.metric}
    assert shown["answer_contains_first_answerable"] == "0.000" and shown["span_rate"] == "1.000"
    assert shown["two_candidate_rate"] == "0.500" and shown["span_f1_answerable"] == "0.000"
    slices = at.dataframe[1].value
    assert list(slices["Teilmenge"]) == ["lang=de", "lang=en", "kind=wie viel", "near_miss=true"]
    assert list(slices["n"]) == [1, 1, 1, 1] and slices["unanswerable_abstained"].iloc[3] == 0.0
    assert "Teilmengen" in [h.value for h in at.subheader]


@pytest.mark.parametrize(
    "spec, problem",
    [
        ("nur-ein-name", "expected NAME=KEY=VALUE"),
        ("a=top_k", "is not KEY=VALUE"),
        ("a=farbe=blau", "unknown setting farbe"),
        ("a=top_k=null", "top_k"),
        ("a=pipeline=haystack", "pipeline must be one of"),
    ],
)
def test_bad_config_specs_say_what_is_wrong(tmp_path, spec, problem):
    from quelle.settings import Settings

    with pytest.raises(ConfigError) as e:
        parse_config(spec, Settings(data_dir=tmp_path))
    assert problem in str(e.value)


def _cli(*args, data_dir):
    env = {**os.environ, "QUELLE_DATA_DIR": str(data_dir), "QUELLE_LLM": "extractive"}
    return subprocess.run(
        [sys.executable, "-m", "quelle", *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=600
    )


def test_cli_eval_json_prints_the_metrics_and_writes_the_report(demo_store, tmp_path):
    out = tmp_path / "out"
    p = _cli(
        "eval",
        str(DEMO / "gold.jsonl"),
        "--json",
        "--limit",
        "4",
        "--report",
        str(out),
        "--config",
        "bm25=retrieval_mode=bm25",
        "--config",
        "lc=pipeline=langchain",
        data_dir=demo_store.settings.data_dir,
    )
    assert p.returncode == 0, p.stderr
    metrics = json.loads(p.stdout)
    assert set(METRIC_KEYS) <= set(metrics) and metrics["n"] == 4 and set(metrics["configs"]) == {"bm25", "lc"}
    assert metrics == json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert len((out / "results.jsonl").read_text(encoding="utf-8").splitlines()) == 8
    assert (out / "report.html").is_file() and (out / "hit_at_k.png").is_file()


def test_cli_eval_rejects_bad_input_with_a_clear_message(tmp_path):
    p = _cli("eval", data_dir=tmp_path / "index")
    assert p.returncode != 0 and "GOLD" in p.stderr and "--squad" in p.stderr
    p = _cli("eval", str(tmp_path / "fehlt.jsonl"), data_dir=tmp_path / "index")
    assert p.returncode != 0 and "fehlt.jsonl: no such file" in p.stderr
    gold = tmp_path / "g.jsonl"
    gold.write_text('{"question": "Wo?", "answers": ["Köln"]}\n', encoding="utf-8")
    p = _cli("eval", str(gold), "--config", "x=top_k", data_dir=tmp_path / "index")
    assert p.returncode != 0 and "is not KEY=VALUE" in p.stderr
    p = _cli("eval", str(gold), data_dir=tmp_path / "leer")
    assert p.returncode != 0 and "holds no articles" in p.stderr


def test_a_question_that_cannot_be_asked_is_recorded_as_an_error_and_the_run_goes_on(demo_store):
    from quelle.evaluation.gold import GoldQuestion

    questions = [GoldQuestion("zu-lang", "Wo " * 1500, ["Köln"]), read_gold(DEMO / "gold.jsonl")[0]]
    result = run_evaluation(
        questions,
        [EvalConfig("bm25", demo_store.settings.with_(retrieval_mode="bm25"))],
        demo_store,
        _articles(demo_store),
    )
    bad, good = result.rows["bm25"]
    assert "QuestionError" in bad["error"] and bad["answer_contains"] == 0.0 and not bad["correct"]
    assert good["error"] is None and good["retrieved"]
    assert result.metrics["bm25"]["errors"] == 1 and result.metrics["bm25"]["n"] == 2
