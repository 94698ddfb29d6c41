"""Gold files (jsonl/csv) and SQuAD v1.1/v2.0 files become questions; bad input names the file and the problem."""

from __future__ import annotations

import json

import pytest

from quelle.evaluation.gold import GoldError, read_gold
from quelle.evaluation.squad import load_squad

P0 = (
    "Der Rhein ist eine der verkehrsreichsten Wasserstraßen Europas. Im Jahr 2023 transportierten Binnenschiffe "
    "rund 180 Millionen Tonnen Güter auf dem Fluss."
)
P1 = "Die Mosel mündet bei Koblenz in den Rhein; das Deutsche Eck erinnert daran."
P2 = "Der Hafen Duisburg gilt als größter Binnenhafen der Welt. Dort legen jährlich rund 20.000 Schiffe an."
P3 = "Der Zoologische Garten Berlin wurde 1844 eröffnet und ist der älteste Zoo Deutschlands."


def squad_v2() -> dict:
    return {
        "version": "v2.0",
        "data": [
            {
                "title": "Rhein_Schifffahrt",
                "paragraphs": [
                    {
                        "context": P0,
                        "qas": [
                            {
                                "id": "r1",
                                "question": "Wie viele Tonnen Güter wurden 2023 auf dem Rhein transportiert?",
                                "is_impossible": False,
                                "answers": [{"text": "180 Millionen Tonnen", "answer_start": P0.index("180")}],
                            }
                        ],
                    },
                    {"context": P1, "qas": []},
                    {
                        "context": P2,
                        "qas": [
                            {
                                "id": "r2",
                                "question": "Welcher Hafen gilt als größter Binnenhafen der Welt?",
                                "is_impossible": False,
                                "answers": [
                                    {"text": "Duisburg", "answer_start": P2.index("Duisburg")},
                                    {"text": "Hafen Duisburg", "answer_start": P2.index("Hafen Duisburg")},
                                ],
                            },
                            {
                                "id": "r3",
                                "question": "Wie hoch ist die Zugspitze?",
                                "is_impossible": True,
                                "answers": [],
                                "plausible_answers": [{"text": "20.000", "answer_start": P2.index("20.000")}],
                            },
                        ],
                    },
                ],
            },
            {
                "title": "Berliner_Zoo",
                "paragraphs": [
                    {
                        "context": P3,
                        "qas": [
                            {
                                "id": "z1",
                                "question": "Wann wurde der Berliner Zoo eröffnet?",
                                "answers": [{"text": "1844", "answer_start": 3}],
                            }
                        ],
                    }
                ],
            },  # offset is wrong
        ],
    }


def test_squad_v2_titles_become_articles_with_gold_spans_in_article_offsets(tmp_path):
    path = tmp_path / "mini.json"
    path.write_text(json.dumps(squad_v2(), ensure_ascii=False), encoding="utf-8")
    s = load_squad(path)
    assert [a.title for a in s.articles] == ["Rhein Schifffahrt", "Berliner Zoo"]
    rhein = s.articles[0]
    assert rhein.text == P0 + "\n\n" + P1 + "\n\n" + P2  # paragraphs in order, the distractor kept
    assert s.distractor_paragraphs == 1
    by_id = {q.id: q for q in s.questions}
    assert list(by_id) == ["r1", "r2", "r3", "z1"]
    texts = {a.article_id: a.text for a in s.articles}
    for qid in ("r1", "r2", "z1"):
        q = by_id[qid]
        assert not q.unanswerable and q.spans
        for span in q.spans:
            assert texts[span.article_id][span.start : span.end] in q.answers
    assert by_id["r2"].answers == ["Duisburg", "Hafen Duisburg"] and len(by_id["r2"].spans) == 2
    assert by_id["r3"].unanswerable and by_id["r3"].answers == [] and by_id["r3"].spans == []
    assert s.misaligned_answers == 1  # z1's answer_start was wrong: found by searching the paragraph
    assert by_id["z1"].spans[0].start == P3.index("1844")
    # the paragraphs the benchmarks read (bench/run.py, bench/measure_support.py) come from the same reader
    assert s.paragraphs == {rhein.article_id: [P0, P1, P2], s.articles[1].article_id: [P3]}
    assert s.paragraph_of(by_id["r2"].spans[0]) == (2, len(P0) + len(P1) + 4)
    assert s.paragraph_of(by_id["r1"].spans[0]) == (0, 0)


def test_squad_v1_without_is_impossible(tmp_path):
    data = squad_v2()
    data["version"] = "1.1"
    for art in data["data"]:
        for para in art["paragraphs"]:
            para["qas"] = [q for q in para["qas"] if not q.get("is_impossible")]
            for q in para["qas"]:
                q.pop("is_impossible", None)
    path = tmp_path / "v1.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    s = load_squad(path)
    assert len(s.questions) == 3 and not any(q.unanswerable for q in s.questions)


@pytest.mark.parametrize(
    "content, problem",
    [
        ("{not json", "not valid JSON"),
        ('{"version": "1.1"}', "not a SQuAD file"),
        ('{"data": [{"title": "T", "paragraphs": [{"qas": []}]}]}', "data[0].paragraphs[0]: 'context' is missing"),
        (
            '{"data": [{"title": "T", "paragraphs": [{"context": "x", "qas": [{"id": "1", "question": "Q?", '
            '"answers": []}]}]}]}',
            "has no answers and is not marked is_impossible",
        ),
    ],
)
def test_bad_squad_files_name_the_file_and_the_problem(tmp_path, content, problem):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(GoldError) as e:
        load_squad(path)
    assert str(path) in str(e.value) and problem in str(e.value)


def test_gold_csv_with_pipe_separated_answers_and_extra_columns(tmp_path):
    path = tmp_path / "gold.csv"
    path.write_text(
        "id,question,answers,source,unanswerable,kategorie\n"
        'c1,"Wo plant Alibaba neue Rechenzentren, laut Artikel?",Brasilien|Frankreich | Niederlande,alibaba,,Wirtschaft\n'
        "c2,Wie hoch ist die Zugspitze?,,,ja,Geografie\n",
        encoding="utf-8",
    )
    qs = read_gold(path)
    assert [q.id for q in qs] == ["c1", "c2"]
    assert qs[0].question == "Wo plant Alibaba neue Rechenzentren, laut Artikel?"
    assert qs[0].answers == ["Brasilien", "Frankreich", "Niederlande"] and qs[0].source == "alibaba"
    assert qs[0].extra == {"kategorie": "Wirtschaft"} and not qs[0].unanswerable
    assert qs[1].unanswerable and qs[1].answers == []


def test_gold_csv_with_semicolons(tmp_path):
    path = tmp_path / "gold.csv"
    path.write_text("question;answers\nWer führt Nordstern Orbital?;Lena Marquardt|Marquardt\n", encoding="utf-8")
    (q,) = read_gold(path)
    assert q.answers == ["Lena Marquardt", "Marquardt"] and q.id == "q0001"


def test_gold_files_accept_the_german_column_names(tmp_path):
    csv_path = tmp_path / "gold.csv"
    csv_path.write_text(
        "ID;Frage;Antworten;Quelle;Unbeantwortbar\n"
        'g1;"Wer führt Nordstern Orbital; laut Bericht?";Lena Marquardt|Marquardt;nordstern;nein\n'
        "g2;Wie hoch ist die Zugspitze?;;;ja\n",
        encoding="utf-8",
    )
    jsonl_path = tmp_path / "gold.jsonl"
    rows = [
        {
            "id": "g1",
            "frage": "Wer führt Nordstern Orbital; laut Bericht?",
            "antwort": ["Lena Marquardt", "Marquardt"],
            "quelle": "nordstern",
        },
        {"id": "g2", "frage": "Wie hoch ist die Zugspitze?", "unbeantwortbar": True},
    ]
    jsonl_path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    for path in (csv_path, jsonl_path):
        q1, q2 = read_gold(path)
        assert (q1.id, q1.question, q1.answers, q1.source, q1.unanswerable) == (
            "g1",
            "Wer führt Nordstern Orbital; laut Bericht?",
            ["Lena Marquardt", "Marquardt"],
            "nordstern",
            False,
        )
        assert (q2.id, q2.answers, q2.unanswerable, q1.extra, q2.extra) == ("g2", [], True, {}, {})


def test_one_csv_dialect_rule_for_question_gold_and_article_files():
    from ingest.delimited import sniff_delimiter

    assert sniff_delimiter("id;question;note\n1;a,b,c;x") == ";"
    assert sniff_delimiter('"Frage, kurz, knapp";id\nWo?;1') == ";"
    assert sniff_delimiter("question\tanswers\n") == "\t" and sniff_delimiter("title|text\n") == "|"
    assert sniff_delimiter("question\nWo; wann, wie?") == ","


def test_gold_jsonl_reads_the_demo_file():
    from conftest import DEMO

    qs = read_gold(DEMO / "gold.jsonl")
    assert len(qs) >= 15 and sum(q.unanswerable for q in qs) >= 2
    assert all(q.answers for q in qs if not q.unanswerable)


@pytest.mark.parametrize(
    "name, content, problem",
    [
        ("g.jsonl", '{"question": "Wo?", "answers": ["Köln"]}\n{broken\n', "line 2: not valid JSON"),
        ("g.jsonl", '{"question": "Wo?"}\n', "line 1: no answers given"),
        ("g.jsonl", '{"answers": ["Köln"]}\n', "line 1: 'question' is missing"),
        (
            "g.jsonl",
            '{"question": "Wo?", "answers": ["Köln"], "unanswerable": "vielleicht"}\n',
            "'unanswerable' must be",
        ),
        ("g.csv", "frage_text,antwort\nWo?,Köln\n", "needs a 'question' (or 'frage') column"),
        (
            "g.csv",
            "frage,antwort\nWo liegt Köln?,\udce4\n",
            "line 2: not valid UTF-8 (byte 0xe4); save the file as UTF-8",
        ),
        ("g.txt", "Wo?\n", "unknown gold file type"),
        ("g.jsonl", "", "contains no questions"),
    ],
)
def test_bad_gold_files_name_the_file_and_the_problem(tmp_path, name, content, problem):
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8", "surrogateescape"))
    with pytest.raises(GoldError) as e:
        read_gold(path)
    assert str(path) in str(e.value) and problem in str(e.value)
