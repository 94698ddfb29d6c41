"""Citation parsing, renumbering (streamed or whole), sentence splitting and the support check."""

from __future__ import annotations

import random

import pytest

from quelle.answering.citations import (
    SUPPORT_THRESHOLD,
    CitationRewriter,
    check_support,
    cited_numbers,
    lexical_support,
    parse_marker,
    rewrite_citations,
    split_cited_sentences,
    strip_markers,
    support_score,
)


@pytest.mark.parametrize(
    "inner,numbers",
    [
        ("1", [1]),
        ("1, 3", [1, 3]),
        ("2-4", [2, 3, 4]),
        ("4–2", [2, 3, 4]),
        ("1; 3-4", [1, 3, 4]),
        ("Quelle 2", [2]),
        ("1 und 2", [1, 2]),
        ("1-1000", [1, 1000]),
    ],
)
def test_marker_forms_are_parsed(inner, numbers):
    assert parse_marker(inner) == numbers


def test_a_finished_answer_is_read_back_and_stripped_by_the_one_marker_module():
    rw = rewrite_citations("Die Aktie stieg um 9,2 Prozent [3]. Mehr dazu [2-3] und [Quelle 1].", n_sources=3)
    assert rw.text == "Die Aktie stieg um 9,2 Prozent [1]. Mehr dazu [1, 2] und [3]."
    assert cited_numbers(rw.text) == [1, 2, 3]
    assert strip_markers(rw.text) == "Die Aktie stieg um 9,2 Prozent. Mehr dazu und."
    assert cited_numbers("kein Marker [a] [ 1x]") == [] and strip_markers("") == ""


def test_ui_evaluation_and_feedback_use_the_citation_module():
    """One home: the UI, evaluation and feedback strip and read markers through quelle.answering.citations."""
    from quelle.evaluation import runner
    from quelle.feedback import export
    from quelle.ui import render

    assert render.cited_numbers is cited_numbers and render.strip_markers is strip_markers
    assert runner.strip_markers is strip_markers and export.strip_markers is strip_markers
    assert render.cited_sources({"answer": "A [2]. B [2, 1].", "citations": [{"n": 1}, {"n": 2}, {"n": 3}]}) == [
        {"n": 1},
        {"n": 2},
    ]


def test_numbers_without_a_source_are_removed_counted_and_the_rest_renumbered():
    rw = rewrite_citations("A [3]. B [1, 3] und C [2-4]. D [7]. E [0, 9].", n_sources=4)
    assert rw.text == "A [1]. B [1, 2] und C [1, 3, 4]. D. E."
    assert rw.order == [3, 1, 2, 4] and rw.removed == 3


def test_brackets_that_are_not_citations_stay_as_written():
    text = "Der Sprecher [des Konzerns] sagte [sinngemäß], das Array a[i] bleibt [1]."
    assert rewrite_citations(text, 2).text == text


def test_streaming_in_any_chunks_gives_the_same_text_as_rewriting_at_once():
    text = (
        "Alibaba baut Rechenzentren [2]. Die Aktie stieg [1, 5] um 9,2 Prozent [3-4]. Erfunden [12]. "
        "Klammer [Anm.] und [Quelle 4] und [1 und 2]. Ende [9]"
    )
    whole = rewrite_citations(text, 5)
    rng = random.Random(7)
    for _ in range(200):
        cuts = sorted(rng.sample(range(1, len(text)), rng.randint(1, 40)))
        rw = CitationRewriter(5)
        shown = "".join(rw.feed(text[a:b]) for a, b in zip([0] + cuts, cuts + [len(text)])) + rw.finish()
        assert shown == whole.text == rw.text
        assert (rw.order, rw.removed) == (whole.order, whole.removed)


def test_sentences_carry_the_citations_written_after_them():
    sentences = split_cited_sentences(
        "Alibaba baut in Brasilien [1]. Die Aktie stieg. [2] Nvidia liefert Chips [1, 2]."
    )
    assert [(s.text, s.citations) for s in sentences] == [
        ("Alibaba baut in Brasilien.", [1]),
        ("Die Aktie stieg.", [2]),
        ("Nvidia liefert Chips.", [1, 2]),
    ]


def test_lexical_support_counts_stems_and_requires_numbers_exactly():
    passage = "Die Alibaba-Aktie schloss in Hongkong 9,2 Prozent im Plus."
    assert lexical_support("Die Aktie von Alibaba stieg in Hongkong um 9,2 Prozent.", [passage]) > 0.7
    assert lexical_support("Die Aktie stieg um 12 Prozent.", [passage]) < lexical_support(
        "Die Aktie stieg um 9,2 Prozent.", [passage]
    )


def test_support_check_accepts_a_paraphrase_and_rejects_an_unrelated_claim(embedder):
    passage = (
        "Für den weiteren Ausbau plant Alibaba neue Rechenzentren in Brasilien, Frankreich und den "
        "Niederlanden. In Hongkong schloss die Alibaba-Aktie 9,2 Prozent im Plus."
    )
    sentences = split_cited_sentences(
        "Alibaba will in Brasilien und Frankreich neue Rechenzentren bauen [1]. "
        "Der Bundestag beschloss ein neues Tempolimit auf Autobahnen [1]. "
        "Ohne Quelle behauptet."
    )
    checked = check_support(sentences, {1: passage}, embedder.embed_passages)
    assert [s.supported for s in checked.sentences] == [True, False, False]
    ((s, e),) = checked.highlights[1]
    assert passage[s:e].startswith("Für den weiteren Ausbau")


def test_support_score_combines_both_signals_against_the_measured_threshold():
    assert support_score(1.0, 1.0) >= SUPPORT_THRESHOLD > support_score(0.0, 0.1)
