"""Metric functions against hand-computed cases (MLQA-style German normalisation)."""

from __future__ import annotations

import pytest

from quelle.evaluation.gold import GoldQuestion, GoldSpan
from quelle.evaluation.metrics import (best_of, contains, exact_match, f1_score, hit_at_k, mean_reciprocal_rank,
                                       normalize_answer, percentile)
from quelle.evaluation.runner import Outcome, answer_text, is_relevant, score_row, summarize


def test_normalisation_drops_german_articles_punctuation_and_folds_spaces():
    assert normalize_answer("Die Aktie stieg um 9,2 %.") == "aktie stieg um 92"
    assert normalize_answer("„Über“ den   Börsengang — des Jahres") == "über börsengang jahres"
    assert normalize_answer("The Bundestag (Berlin)") == "bundestag berlin"
    assert normalize_answer("Dieser Einstieg") == "dieser einstieg"  # articles only as whole words


def test_umlauts_are_kept_not_folded():
    assert normalize_answer("Größe") == "größe"
    assert exact_match("Müller", "müller") == 1.0
    assert exact_match("Müller", "Mueller") == 0.0


def test_exact_match_ignores_case_articles_and_punctuation():
    assert exact_match("der Bundestag!", "Bundestag") == 1.0
    assert exact_match("9,2 %", "9,2") == 1.0  # "%" is punctuation, the comma too: both become "92"
    assert exact_match("9,2 Prozent", "9,2") == 0.0


def test_f1_counts_token_overlap():
    # pred [um, 92, prozent], gold [92, prozent]: precision 2/3, recall 1 -> 0.8
    assert f1_score("um 9,2 Prozent", "9,2 Prozent") == pytest.approx(0.8)
    # pred [brasilien, und, frankreich], gold [brasilien, frankreich, und, niederlanden]: p 1, r 3/4 -> 6/7
    assert f1_score("Brasilien und Frankreich", "Brasilien, Frankreich und den Niederlanden") == pytest.approx(6 / 7)
    assert f1_score("Köln", "Bonn") == 0.0
    assert f1_score("", "Bonn") == 0.0


def test_contains_matches_whole_tokens_after_normalisation():
    assert contains("Die Aktie legte um 9,2 % zu.", "9,2 %")
    assert contains("Die Aktie legte um 9,2 Prozent zu [1].", "9,2 Prozent")
    assert not contains("Im Jahr 1992 begann es.", "92")
    assert not contains("Irgendein Text", "die")  # an answer that normalises to nothing is never contained


def test_best_of_takes_the_best_acceptable_answer():
    assert best_of(f1_score, "26 Prozent", ["ein Viertel", "26 Prozent"]) == 1.0
    assert best_of(f1_score, "26 Prozent", []) == 0.0


def test_hit_at_k_and_mrr():
    ranks = [1, 3, None, 2]
    assert hit_at_k(ranks, 1) == 0.25
    assert hit_at_k(ranks, 3) == 0.75
    assert hit_at_k(ranks, 10) == 0.75
    assert mean_reciprocal_rank(ranks) == pytest.approx((1 + 1 / 3 + 0 + 1 / 2) / 4)
    assert hit_at_k([], 5) is None and mean_reciprocal_rank([]) is None


def test_percentiles_interpolate():
    assert percentile([40, 10, 30, 20], 50) == 25
    assert percentile([10, 20, 30, 40], 95) == pytest.approx(38.5)
    assert percentile([], 50) is None


def test_answer_text_drops_citation_markers():
    assert answer_text("Die Aktie stieg um 9,2 Prozent [1]. Mehr dazu [1, 2]") == "Die Aktie stieg um 9,2 Prozent. Mehr dazu"


def test_relevance_by_span_and_by_text_with_source():
    span_q = GoldQuestion("a", "Wie viele?", ["180 Millionen Tonnen"], spans=[GoldSpan("rhein", 100, 120)])
    assert is_relevant(span_q, {"article_id": "rhein", "start": 50, "end": 150, "text": ""})
    assert not is_relevant(span_q, {"article_id": "rhein", "start": 110, "end": 150, "text": "180 Millionen Tonnen"})
    assert not is_relevant(span_q, {"article_id": "mosel", "start": 0, "end": 500, "text": ""})
    text_q = GoldQuestion("b", "Wie stark?", ["9,2 Prozent"], source="Alibaba KI-Offensive")
    passage = {"article_id": "alibaba", "title": "Alibaba KI-Offensive", "text": "Die Aktie stieg um 9,2 Prozent."}
    assert is_relevant(text_q, passage)
    assert not is_relevant(text_q, {**passage, "article_id": "other", "title": "Anderes"})


def _outcome(answer, abstained=False, citations=(), ranking=()):
    return Outcome(answer, abstained, "extractive", list(citations), list(ranking), 12.0)


def test_rows_and_summary_score_answerable_and_unanswerable_questions():
    q1 = GoldQuestion("q1", "Um wie viel stieg die Aktie?", ["9,2 Prozent"], source="alibaba")
    q2 = GoldQuestion("q2", "Wie hoch ist die Zugspitze?", [], unanswerable=True)
    q3 = GoldQuestion("q3", "Wer gewann?", ["Hanne Sievers"], source="buchmesse", extra={"kategorie": "Kultur"})
    hit = {"article_id": "alibaba", "title": "", "start": 0, "end": 40, "text": "Die Aktie stieg um 9,2 Prozent."}
    rows = [
        score_row(q1, _outcome("Die Aktie stieg um 9,2 Prozent. [1]", citations=[hit], ranking=[{**hit, "article_id": "x"}, hit]), "c"),
        score_row(q2, _outcome("In den Artikeln finde ich dazu keine Angabe.", abstained=True), "c"),
        score_row(q3, _outcome("In den Artikeln finde ich dazu keine Angabe.", abstained=True), "c"),
    ]
    assert rows[0]["answer_contains"] == 1.0 and rows[0]["hit_rank"] == 2 and rows[0]["citation_correct"] is True
    assert rows[1]["em"] == 1.0 and rows[1]["correct"]
    assert rows[2]["f1"] == 0.0 and rows[2]["hit_rank"] is None and rows[2]["kategorie"] == "Kultur"
    m = summarize(rows)
    assert m["n"] == 3 and m["n_answerable"] == 2 and m["n_unanswerable"] == 1
    assert m["answer_contains"] == round(2 / 3, 4)  # metrics are rounded to 4 places
    assert m["retrieval_hit@1"] == 0.0 and m["retrieval_hit@5"] == 0.5 and m["mrr"] == 0.25
    assert m["citation_accuracy"] == 1.0
    assert m["unanswerable_abstained"] == 1.0 and m["answerable_abstained"] == 0.5
    assert m["latency_ms_p50"] == 12.0
