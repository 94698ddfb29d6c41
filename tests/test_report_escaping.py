"""report.md shows hostile gold text as text (issue 28 leftover): a question, answer, id, slice value or config name
holding a Markdown image, a link or HTML renders — with markdown-it, as a Markdown viewer would — without any image
but the report's own plots and without any link. The escaper is the chat export's (quelle.feedback.chats.md_text)."""

from __future__ import annotations

import json
import re

from markdown_it import MarkdownIt

from quelle.evaluation.corpus import articles_from_store
from quelle.evaluation.gold import read_gold
from quelle.evaluation.report import PLOTS, write_report
from quelle.evaluation.runner import EvalConfig, run_evaluation

HOSTILE_ROWS = [
    {  # a gold question as a colleague (or a rated chat question) might hand it over
        "id": "x`![i](http://evil.example/id.png)",
        "question": "Wo plant Alibaba ![x](http://evil.example/t.png) neue Rechenzentren? "
        "<img src=http://evil.example/h.png> [klick](http://evil.example/l) <http://evil.example/auto>",
        "answers": ["![a](http://evil.example/a.png)", "<a href='http://evil.example/b'>b</a>"],
        "kind": "![k](http://evil.example/k.png)",
        "lang": "<img src=http://evil.example/lang.png>",
    },
    {  # line breaks must not start a heading or a list; a javascript: link stays text
        "id": "q2",
        "question": "# Überschrift\n- Liste ![y](http://evil.example/y.png)\n1. [z](javascript:alert(1))",
        "answers": ["[z](javascript:alert(1))"],
    },
]


def test_report_md_shows_hostile_gold_text_as_text(demo_store, tmp_path):
    gold = tmp_path / "gold.jsonl"
    gold.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in HOSTILE_ROWS) + "\n", encoding="utf-8")
    questions = read_gold(gold)
    config = EvalConfig("![c](http://evil.example/c.png)", demo_store.settings)
    out = tmp_path / "report"
    out.mkdir()
    result = run_evaluation(
        questions, [config], demo_store, lambda: articles_from_store(demo_store.store), out / "results.jsonl"
    )
    assert sum(not r.get("correct") for r in result.rows[config.name]) == 2  # both are shown as failures
    write_report(result, out, title="Bericht ![t](http://evil.example/title.png)")

    md = (out / "report.md").read_text(encoding="utf-8")
    page = MarkdownIt("commonmark").enable("table").render(md)

    images = re.findall(r"<img\b[^>]*>", page)
    assert sorted(re.search(r'src="([^"]*)"', i)[1] for i in images) == sorted(PLOTS.values())
    assert not re.search(r"<a\b", page) and not re.search(r"<[^>]*\bhref=", page)  # no link at all
    assert (
        page.count("<h1>") == 1
        and "<ol" not in page
        and page.count("<ul>") == md.count("\n\n- ") + (md.startswith("- "))
    )
    # the hostile text is there, as text
    assert "Wo plant Alibaba ![x](http://evil.example/t.png) neue Rechenzentren?" in page
    assert "&lt;img src=http://evil.example/h.png&gt;" in page
    assert "# Überschrift - Liste ![y](http://evil.example/y.png) 1. [z](javascript:alert(1))" in page
    assert "![a](http://evil.example/a.png)" in page and "x`![i](http://evil.example/id.png)" in page
    assert "kind=![k](http://evil.example/k.png)" in page
    assert "Bericht ![t](http://evil.example/title.png)" in page and "![c](http://evil.example/c.png)" in page
