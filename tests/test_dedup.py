"""Near-duplicate groups (issue 33 part 2, vectorstore/groups.py): syndicated and updated copies of one report form
one group at ingest; retrieval, citations, time-aware answers and the listings treat the group as one report."""

from __future__ import annotations

import json

import pytest

from tests.dedup_story import COPIES, OTHERS, write_story
from vectorstore.groups import Groups, Member, decode, encode, one_per_group, representative, signature

COPY_IDS = sorted(name.removesuffix(".md") for name, *_ in COPIES)
OTHER_IDS = sorted(name.removesuffix(".md") for name, *_ in OTHERS)


@pytest.fixture
def story(tmp_path, library):
    files = write_story(tmp_path / "story")
    report = library.ingest([tmp_path / "story"])
    assert report.summary()["added"] == len(files), report.files
    return library


def groups_of(library) -> dict[str, list[str]]:
    return {row["group"]: sorted(row["articles"]) for row in library.groups()}


def test_five_copies_form_one_group_and_the_two_other_reports_stay_apart(story):
    groups = groups_of(story)
    assert list(groups.values()) == [COPY_IDS]
    by_article = {a["article_id"]: a["group"] for a in story.articles()}
    assert len({by_article[a] for a in COPY_IDS}) == 1
    assert {by_article[a] for a in OTHER_IDS} == set(OTHER_IDS)  # each its own group
    # the representative — listed first — is the earliest version (ties: the longest text)
    (row,) = story.groups()
    assert row["articles"][0] == "agentur"


def test_top_five_passages_hold_three_different_reports_not_five_copies(story):
    passages = story.r.index.retrieve("Wie viele Menschen wurden beim Erdrutsch bei Talheim verletzt?", 5, rerank=0.5)
    articles = [p.meta["article_id"] for p in passages]
    assert len(set(articles) & set(COPY_IDS)) == 1, articles
    assert set(OTHER_IDS) <= set(articles), articles
    copy = next(p for p in passages if p.meta["article_id"] in COPY_IDS)
    others = {a["article_id"] for a in copy.extra["also"]}
    assert others == set(COPY_IDS) - {copy.meta["article_id"]}
    assert copy.extra["first_published"] == "2026-03-02"
    assert {a["source"] for a in copy.extra["also"]} <= {s for _, s, *_ in COPIES}


def test_the_answer_cites_the_other_outlets_and_dates(story):
    from quelle.answering.pipeline import ask

    answer = ask("Wie viele Menschen wurden beim Erdrutsch bei Talheim verletzt?", story.settings, resources=story.r)
    cited = [c for c in answer.citations if c.article_id in COPY_IDS]
    assert cited, answer.to_dict()
    c = cited[0]
    assert c.first_published == "2026-03-02"
    assert len(c.also) == 4 and all(a["date"] and a["source"] for a in c.also)
    d = answer.to_dict()
    assert any(len(x["also"]) == 4 for x in d["citations"])  # `quelle ask --json` and the API print to_dict()


def test_deleting_one_copy_keeps_the_others_grouped_and_elects_a_new_representative(story):
    (row,) = story.groups()
    assert row["articles"][0] == "agentur"  # the representative: the earliest version
    assert story.delete("agentur") > 0
    (row,) = story.groups()
    rest = [a for a in COPY_IDS if a != "agentur"]
    assert sorted(row["articles"]) == rest
    # the new representative: the earliest of the rest (Tagesblatt and Nordkurier of 03-03: the longer one)
    assert row["articles"][0] == "tagesblatt"
    # the group is named after its first article ingested; deleting that one renames it after the representative,
    # in every chunk stored: a new process sees it too
    named = row["group"]
    if named != "tagesblatt":
        story.delete(named)
        rest.remove(named)
    (row,) = story.groups()
    assert row["group"] == "tagesblatt" and sorted(row["articles"]) == rest
    heads = {m["article_id"]: m for m in story.r.index.list_articles()}
    assert {heads[a]["group"] for a in rest} == {"tagesblatt"}


def test_restart_and_an_incremental_ingest_keep_the_groups(tmp_path, settings, embedder, monkeypatch):
    import vectorstore.index
    from quelle.library import Library
    from quelle.resources import Resources
    from vectorstore.store import forget_persistent_client

    files = write_story(tmp_path / "first", COPIES[:2] + OTHERS)
    Library(Resources.open(settings, embedder=embedder)).ingest(list(files.values()))
    forget_persistent_client(str(settings.data_dir / "chroma"))  # a new process: the state is read from the store
    lib = Library(Resources.open(settings, embedder=embedder))
    assert groups_of(lib) == {"agentur": ["agentur", "tagesblatt"]}
    signed = []
    original = vectorstore.index.text_signature
    monkeypatch.setattr(vectorstore.index, "text_signature", lambda text: signed.append(text) or original(text))
    more = write_story(tmp_path / "second", COPIES[2:])
    lib.ingest(list(more.values()))
    assert groups_of(lib) == {"agentur": COPY_IDS}
    assert len(signed) == len(more)  # only the new articles were shingled: the stored ones' signatures were kept
    forget_persistent_client(str(settings.data_dir / "chroma"))
    again = Library(Resources.open(settings, embedder=embedder))
    assert groups_of(again) == {"agentur": COPY_IDS}
    assert again.groups()[0]["articles"][0] == "agentur"


def test_an_updated_article_that_is_no_longer_a_copy_leaves_its_group(tmp_path, story):
    from tests.conftest import write_article

    write_article(tmp_path / "story", "kurier.md", "Ganz anderer Text über ein Konzert im Stadtpark. " * 5,
                  title="Konzert", source="Nordkurier")  # fmt: skip
    story.ingest([tmp_path / "story" / "kurier.md"])
    assert list(groups_of(story).values()) == [[a for a in COPY_IDS if a != "kurier"]]


def test_cli_lists_the_groups_as_json(tmp_path, quelle_cli):
    data = tmp_path / "index"
    write_story(tmp_path / "story")
    quelle_cli("ingest", tmp_path / "story", data_dir=data)
    got = json.loads(quelle_cli("list", "--groups", "--json", data_dir=data).stdout)
    assert len(got) == 1 and set(got[0]) == {"group", "articles"}
    assert sorted(got[0]["articles"]) == COPY_IDS and got[0]["articles"][0] == "agentur"
    assert got[0]["group"] in COPY_IDS
    table = quelle_cli("list", "--groups", data_dir=data).stdout
    assert "agentur" in table and "Nordkurier" in table
    rows = json.loads(quelle_cli("list", "--json", data_dir=data).stdout)
    assert {r["article_id"]: r["group"] for r in rows}["kurier"] == got[0]["group"]


def test_api_articles_show_the_groups(story):
    import httpx

    from tests.api_server import serving

    with serving(story.r) as srv:
        got = httpx.get(srv.url("/v1/articles"), params={"limit": 100}, timeout=60).json()
    assert [sorted(g["articles"]) for g in got["groups"]] == [COPY_IDS]
    assert {a["article_id"]: a["group"] for a in got["articles"]}["kurier"] == got["groups"][0]["group"]


def test_time_aware_timeline_counts_a_group_once_dated_by_its_first_publication(story):
    from quelle.answering.pipeline import ask

    answer = ask("Wie hat sich die Lage nach dem Erdrutsch bei Talheim entwickelt?", story.settings, resources=story.r)
    cited = [answer.citations[t["citation"] - 1].article_id for t in answer.timeline]
    assert sorted(a for a in cited if a not in COPY_IDS) == OTHER_IDS, answer.timeline
    copies = [t for t, a in zip(answer.timeline, cited) if a in COPY_IDS]
    assert len(copies) == 1 and copies[0]["date"] == "2026-03-02", answer.timeline
    cited = answer.citations[copies[0]["citation"] - 1]
    assert cited.first_published == "2026-03-02" and len(cited.also) == 4


# --- the module itself -----------------------------------------------------------------------------------------
def test_signature_round_trips_through_the_store_text():
    sig = signature(" ".join(p for *_, ps in COPIES[:1] for p in ps))
    back = decode(encode(sig))
    assert back is not None and back.jaccard(sig) == 1.0
    assert decode("kein base64!") is None and decode(encode(sig)[:40]) is None


def test_representative_is_the_earliest_then_the_longest_and_undated_ones_count_last():
    ms = [Member("a", "g", "", length=900), Member("b", "g", "2026-03-04", length=100),
          Member("c", "g", "2026-03-03", length=50), Member("d", "g", "2026-03-03", length=60)]  # fmt: skip
    assert representative(ms).article_id == "d"


def test_one_per_group_keeps_the_best_passage_of_a_group_and_every_passage_of_an_article_without_copies():
    from vectorstore.retrieve import Passage

    g = Groups()
    texts = {name.removesuffix(".md"): "\n\n".join(ps) for name, *_, ps in COPIES + OTHERS}
    for aid, text in texts.items():
        g.assign(Member(aid, "", "2026-03-03", aid.title(), length=len(text)), signature(text))

    def p(aid, i):
        return Passage(f"{aid}:{i}", "", {"article_id": aid}, 1.0)

    kept = one_per_group(
        [p("kurier", 0), p("agentur", 0), p("reportage", 0), p("kurier", 1), p("reportage", 1), p("rundschau", 1)], g
    )
    assert [x.chunk_id for x in kept] == ["kurier:0", "reportage:0", "reportage:1"]
    assert len(kept[0].extra["also"]) == 4 and "also" not in kept[1].extra


# --- the faces' rendering ----------------------------------------------------------------------------------------
def test_chat_and_cli_name_the_other_outlets_and_dates():
    from quelle.answering.citations import also_text
    from quelle.ui.render import also_caption

    also = [{"article_id": f"a{i}", "source": f"Blatt {i}", "date": f"2026-03-0{i}"} for i in range(1, 7)]
    assert also_text(also[:2]) == "Blatt 1 (01.03.2026), Blatt 2 (02.03.2026)"
    assert also_text(also).endswith("Blatt 4 (04.03.2026) und 2 weitere")
    line = also_caption({"also": also[:1] + [{"article_id": "x_y", "source": "*Fett*", "date": ""}],
                         "first_published": "2026-03-01"}, "de")  # fmt: skip
    assert "\\*Fett\\*" in line  # markdown escaped
    plain = line.replace("\\", "")
    assert plain == "auch bei: Blatt 1 (01.03.2026), *Fett* · zuerst erschienen am 01.03.2026"
    assert also_caption({"also": also[:1]}, "en").replace("\\", "") == "also in: Blatt 1 (01.03.2026)"


def test_article_page_rows_show_the_group_and_the_other_versions():
    from quelle.ui.articles import article_rows
    from quelle.i18n import text as t

    rows = [
        {"article_id": "a", "group": "a", "title": "T", "date": "2026-03-02", "source": "Agentur", "chunks": 2},
        {"article_id": "b", "group": "a", "title": "T", "date": "2026-03-03", "source": "=Blatt", "chunks": 2},
        {"article_id": "c", "group": "c", "title": "U", "date": "2026-03-04", "source": "Woche", "chunks": 1},
    ]
    got = {r[t("col_id", "de")]: r for r in article_rows(rows, "de")}
    assert got["a"][t("col_also", "de")] == "'=Blatt (03.03.2026)"  # spreadsheet-safe
    assert got["b"][t("col_also", "de")] == "Agentur (02.03.2026)" and got["b"][t("col_group", "de")] == "a"
    assert got["c"][t("col_also", "de")] == "" and got["c"][t("col_group", "de")] == ""


def test_regroup_groups_a_store_written_before_groups_existed(tmp_path, library, monkeypatch, quelle_cli):
    import vectorstore.index

    monkeypatch.setattr(vectorstore.index.Index, "_assign_groups", lambda self, articles: ({}, {}))  # an old store
    write_story(tmp_path / "story")
    library.ingest([tmp_path / "story"])
    heads = library.r.index.list_articles()
    assert not any("minhash" in m or "group" in m for m in heads)
    monkeypatch.undo()
    from ingest.loaders import load_file

    (art,) = load_file(tmp_path / "story" / "abendpost.md")  # put together from its chunks, exactly
    assert library.r.index.store.article_texts(["abendpost"]) == {"abendpost": art.text}
    assert library.groups() == []  # no signatures: nothing grouped, nothing guessed
    hint = quelle_cli("list", "--groups", data_dir=library.settings.data_dir).stderr
    assert f"{len(COPIES) + len(OTHERS)} Artikel" in hint and "quelle regroup" in hint
    got = json.loads(quelle_cli("regroup", "--json", data_dir=library.settings.data_dir).stdout)
    assert got == {"signed": len(COPIES) + len(OTHERS), "groups": 1}
    from quelle.library import Library
    from quelle.resources import Resources
    from vectorstore.store import forget_persistent_client

    forget_persistent_client(str(library.settings.data_dir / "chroma"))
    again = Library(Resources.open(library.settings, embedder=library.r.embedder))
    assert list(groups_of(again).values()) == [COPY_IDS]
    assert again.groups()[0]["articles"][0] == "agentur"
    # the texts were put together exactly: a second run signs nothing
    assert json.loads(quelle_cli("regroup", "--json", data_dir=library.settings.data_dir).stdout)["signed"] == 0


def test_the_openai_compatible_sources_name_the_other_versions():
    """Open WebUI and other OpenAI clients see the sources block: a syndicated report names its other outlets."""
    from quelle.answering.types import Answer, Citation
    from quelle.api.openai_compat import sources_markdown

    also = [{"article_id": "b", "source": "Rundschau", "date": "2026-03-04", "url": "", "title": "T"}]
    cite = Citation(1, "a", "Beben in der Region", "2026-03-03", "Tagesblatt", "text", 0, 4, 1.0, also=also)
    block = sources_markdown(Answer("Wie viele?", "12 Tote. [1]", False, "extractive", citations=[cite]))
    assert "- [1] Beben in der Region, 2026-03-03 (auch bei: Rundschau (04.03.2026))" in block
    english = sources_markdown(Answer("How many?", "12. [1]", False, "extractive", language="en", citations=[cite]))
    assert "(also in: Rundschau (04.03.2026))" in english


def test_the_openai_compatible_sources_carry_no_foreign_markup():
    """A feed's title, source name or URL cannot put an image, a link or a script URL into an OpenAI client's chat."""
    from quelle.answering.types import Answer, Citation
    from quelle.api.openai_compat import sources_markdown

    also = [{"article_id": "b", "source": "[Klick](http://evil.example)", "date": "", "url": "", "title": "T"}]
    cite = Citation(
        1, "a", "![x](http://evil.example/p.png) Titel", "", "S", "t", 0, 4, 1.0, url="javascript:alert(1)", also=also
    )
    block = sources_markdown(Answer("q", "a [1]", False, "extractive", citations=[cite]))
    assert "![x](" not in block and "](http://evil" not in block and "javascript:" not in block
    assert "Titel" in block and "Klick" in block
    good = Citation(1, "a", "Titel", "", "S", "t", 0, 4, 1.0, url="https://www.example.org/a?b=1")
    assert "<https://www.example.org/a?b=1>" in sources_markdown(Answer("q", "a [1]", False, "x", citations=[good]))
