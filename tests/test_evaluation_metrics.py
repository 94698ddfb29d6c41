"""Metric functions against hand-computed cases (MLQA-style German normalisation)."""

from __future__ import annotations

import pytest

from quelle.evaluation.gold import GoldQuestion, GoldSpan
from quelle.evaluation.metrics import (
    best_of,
    contains,
    exact_match,
    f1_score,
    hit_at_k,
    mean_reciprocal_rank,
    normalize_answer,
    percentile,
)
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
    assert (
        answer_text("Die Aktie stieg um 9,2 Prozent [1]. Mehr dazu [1, 2]")
        == "Die Aktie stieg um 9,2 Prozent. Mehr dazu"
    )


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
        score_row(
            q1,
            _outcome("Die Aktie stieg um 9,2 Prozent. [1]", citations=[hit], ranking=[{**hit, "article_id": "x"}, hit]),
            "c",
        ),
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


# --- answer sentences, answer spans, slices (issue 14) ----------------------------------------------------------


def _shaped(answer, sentences, span=None, abstained=False, backend="extractive", confidence=None):
    return Outcome(
        answer, abstained, backend, [], [], 10.0, sentences=list(sentences), answer_span=span, confidence=confidence
    )


TWO = ["Das Stadtfest in Ulm war ein voller Erfolg.", "Rund 80.000 Gäste feierten an drei Tagen."]
VISITORS = GoldQuestion("v", "Wie viele Besucher kamen zum Stadtfest in Ulm?", ["80.000"])


def test_answer_contains_first_scores_the_first_of_two_candidates_alone():
    second_right = score_row(VISITORS, _shaped(f"Mögliche Antworten: {TWO[0]} [1] {TWO[1]} [2]", TWO), "c")
    first_right = score_row(VISITORS, _shaped(f"{TWO[1]} [1] {TWO[0]} [2]", TWO[::-1]), "c")
    # the whole shown answer holds the gold answer either way; the first sentence only when it is the right one
    assert second_right["answer_contains"] == 1.0 and second_right["answer_contains_first"] == 0.0
    assert first_right["answer_contains"] == 1.0 and first_right["answer_contains_first"] == 1.0
    assert second_right["n_sentences"] == 2 and second_right["two_candidates"] is True
    assert second_right["sentences"] == TWO
    m = summarize([second_right, first_right])
    assert m["answer_contains_answerable"] == 1.0
    assert m["answer_contains_first_answerable"] == 0.5
    assert m["two_candidate_rate"] == 1.0


def test_answer_contains_first_is_not_computed_from_the_whole_answer():
    # would be 1.0 if the first-sentence score looked at the whole answer (or at the answer's first 100 chars)
    row = score_row(
        GoldQuestion("p", "Um wie viel stieg die Aktie?", ["9,2 Prozent"]),
        _shaped(
            "Alibaba baut Rechenzentren. [1] Die Aktie stieg um 9,2 Prozent. [1]",
            ["Alibaba baut Rechenzentren. [1]", "Die Aktie stieg um 9,2 Prozent. [1]"],
        ),
        "c",
    )
    assert row["answer_contains"] == 1.0
    assert row["answer_contains_first"] == 0.0
    assert summarize([row])["answer_contains_first_answerable"] == 0.0


def test_a_single_sentence_answer_and_one_without_listed_sentences_score_their_whole_text():
    one = score_row(VISITORS, _shaped(f"{TWO[1]} [1]", [TWO[1]]), "c")
    unlisted = score_row(VISITORS, _shaped(f"{TWO[1]} [1]", []), "c")  # e.g. an older backend
    assert one["answer_contains_first"] == 1.0 and one["two_candidates"] is False and one["n_sentences"] == 1
    assert unlisted["answer_contains_first"] == 1.0 and unlisted["n_sentences"] == 0
    # an LLM answer of two sentences is prose, not two candidates
    llm = score_row(VISITORS, _shaped(f"{TWO[0]} [1] {TWO[1]} [1]", TWO, backend="openai"), "c")
    assert llm["two_candidates"] is False and llm["answer_contains_first"] == 0.0
    assert summarize([one, llm])["two_candidate_rate"] == 0.0


def test_span_exact_match_and_f1_are_the_best_over_the_gold_answers():
    q = GoldQuestion("s", "Um wie viel stieg die Aktie?", ["9,2 Prozent", "9,2"])
    sentence = "Die Aktie stieg um 9,2 Prozent."
    exact = score_row(
        q,
        _shaped(
            f"{sentence} [1]",
            [sentence],
            span={"text": "9,2 Prozent", "start": 19, "end": 30, "citation": 1},
            confidence=0.81234,
        ),
        "c",
    )
    wider = score_row(
        q,
        _shaped(f"{sentence} [1]", [sentence], span={"text": "um 9,2 Prozent", "start": 16, "end": 30, "citation": 1}),
        "c",
    )
    wrong = score_row(
        q, _shaped(f"{sentence} [1]", [sentence], span={"text": "Aktie", "start": 4, "end": 9, "citation": 1}), "c"
    )
    none = score_row(q, _shaped(f"{sentence} [1]", [sentence]), "c")
    abstained = score_row(
        q, _shaped("Keine Angabe.", [], span={"text": "9,2", "start": 0, "end": 3, "citation": 1}, abstained=True), "c"
    )
    assert (exact["span_em"], exact["span_f1"], exact["has_span"]) == (1.0, 1.0, True)
    assert exact["confidence"] == 0.8123 and exact["answer_span"]["citation"] == 1
    # "um 9,2 Prozent" -> [um, 92, prozent] vs "9,2 Prozent" -> [92, prozent]: p 2/3, r 1 -> 0.8; vs "9,2": 0.5
    assert wider["span_em"] == 0.0 and wider["span_f1"] == pytest.approx(0.8)
    assert (wrong["span_em"], wrong["span_f1"], wrong["has_span"]) == (0.0, 0.0, True)
    assert (none["span_em"], none["span_f1"], none["has_span"]) == (0.0, 0.0, False)
    assert (abstained["span_em"], abstained["span_f1"], abstained["has_span"]) == (0.0, 0.0, False)
    unanswerable = score_row(
        GoldQuestion("u", "Wie hoch ist die Zugspitze?", [], unanswerable=True),
        _shaped(
            "Die Zugspitze ist hoch. [1]",
            ["Die Zugspitze ist hoch."],
            span={"text": "hoch", "start": 16, "end": 20, "citation": 1},
        ),
        "c",
    )
    assert unanswerable["span_em"] is None and unanswerable["span_f1"] is None
    assert unanswerable["has_span"] is None and unanswerable["answer_contains_first"] is None

    m = summarize([exact, wider, wrong, none, abstained, unanswerable])
    assert m["span_em_answerable"] == 0.2  # 1 of the 5 answerable rows; the unanswerable one is not averaged
    assert m["span_f1_answerable"] == round((1.0 + 0.8) / 5, 4)
    assert m["span_rate"] == 0.75  # 3 of the 4 answered answerable rows carry a span
    assert m["answer_contains_first_answerable"] == 0.8
    assert m["two_candidate_rate"] == 0.0


def _row(qid, contains=True, unanswerable=False, abstained=False, rank=1, **extra):
    q = GoldQuestion(
        qid,
        f"Frage {qid}?",
        [] if unanswerable else ["80.000"],
        unanswerable=unanswerable,
        spans=[] if unanswerable else [GoldSpan("a", 0, 10)],
        extra=extra,
    )
    sentence = "Rund 80.000 Gäste kamen." if contains else "Das Fest war ein Erfolg."
    ranking = [{"article_id": "b", "start": 0, "end": 10, "text": ""}] * ((rank or 11) - 1) + [
        {"article_id": "a", "start": 0, "end": 10, "text": ""}
    ]
    out = Outcome(
        "Keine Angabe." if abstained else f"{sentence} [1]",
        abstained,
        "extractive",
        [],
        ranking,
        5.0,
        sentences=[] if abstained else [sentence],
    )
    return score_row(q, out, "c")


def test_slices_by_language_kind_and_near_miss():
    rows = [
        _row("d1", kind="wie viel"),
        _row("d2", contains=False, rank=3, kind="wie viel"),
        _row("d3", abstained=True, rank=None, kind="wer", lang="de"),
        _row("e1", kind="wie viel", lang="en"),
        _row("e2", contains=False, rank=7, kind="wer", lang="EN"),
        _row("u1", unanswerable=True, abstained=True, kind="unanswerable", near_miss=True),
        _row("u2", unanswerable=True, kind="unanswerable", near_miss=True),
        _row("u3", unanswerable=True, abstained=True, kind="unanswerable", near_miss=False),
        _row("u4", unanswerable=True, abstained=True, kind="unanswerable", near_miss="ja", lang="en"),
    ]
    s = summarize(rows)["slices"]
    assert set(s) == {"lang", "kind", "near_miss"}

    de, en = s["lang"]["de"], s["lang"]["en"]  # rows without lang count as German; "EN" is "en"
    assert (de["n"], de["n_answerable"], de["n_unanswerable"]) == (6, 3, 3)
    assert de["answer_contains"] == round(1 / 3, 4) and de["answer_contains_first"] == round(1 / 3, 4)
    assert de["answerable_abstained"] == round(1 / 3, 4) and de["unanswerable_abstained"] == round(2 / 3, 4)
    assert de["retrieval_hit@1"] == round(1 / 3, 4) and de["retrieval_hit@5"] == round(2 / 3, 4)
    assert (en["n"], en["n_answerable"], en["n_unanswerable"]) == (3, 2, 1)
    assert en["answer_contains"] == 0.5 and en["unanswerable_abstained"] == 1.0
    assert en["retrieval_hit@1"] == 0.5 and en["retrieval_hit@5"] == 0.5

    assert set(s["kind"]) == {"wie viel", "wer"}  # answerable rows only: no "unanswerable" kind
    how_many, who = s["kind"]["wie viel"], s["kind"]["wer"]
    assert how_many["n"] == 3 and how_many["answer_contains"] == round(2 / 3, 4)
    assert how_many["retrieval_hit@1"] == round(2 / 3, 4) and how_many["retrieval_hit@5"] == 1.0
    assert who["n"] == 2 and who["answer_contains"] == 0.0 and who["answerable_abstained"] == 0.5
    assert who["unanswerable_abstained"] is None

    near, far = s["near_miss"]["true"], s["near_miss"]["false"]
    assert near["n"] == 3 and near["unanswerable_abstained"] == round(2 / 3, 4)  # "ja" from a CSV counts as true
    assert far["n"] == 1 and far["unanswerable_abstained"] == 1.0
    assert near["answer_contains"] is None and near["retrieval_hit@1"] is None


def test_slices_leave_out_fields_the_gold_file_does_not_use_and_old_rows_still_summarize():
    rows = [_row("d1"), _row("d2", contains=False), _row("u1", unanswerable=True, abstained=True)]
    s = summarize(rows)["slices"]
    assert set(s) == {"lang"} and s["lang"]["de"]["n"] == 3 and s["lang"]["de"]["answer_contains"] == 0.5
    # a row of a results.jsonl written before issue 14 has none of the new fields
    old = {
        k: v
        for k, v in rows[0].items()
        if k
        not in {
            "answer_contains_first",
            "span_em",
            "span_f1",
            "has_span",
            "sentences",
            "n_sentences",
            "answer_span",
            "confidence",
            "two_candidates",
        }
    }
    m = summarize([old, rows[1]])
    assert m["answer_contains_answerable"] == 0.5 and m["answer_contains_first_answerable"] == 0.0
    assert m["span_rate"] == 0.0 and m["slices"]["lang"]["de"]["n"] == 2
