"""The app shows near-duplicate copies (docs/dedup.md): the chat's source names the other versions („auch bei“),
the Artikel page lists the groups and an „auch bei“ column."""

from __future__ import annotations

from tests.dedup_story import COPIES, write_story
from tests.test_ui_apptest import ask, open_app, texts, unescape


def test_chat_source_and_article_page_show_the_copies(monkeypatch, tmp_path, library):
    write_story(tmp_path / "story")
    library.ingest([tmp_path / "story"])
    at = open_app(monkeypatch, library.settings.data_dir)
    at = ask(at, "Wie viele Menschen wurden beim Erdrutsch bei Talheim verletzt?")
    shown = unescape("\n".join(c.value for c in at.chat_message[-1].caption))
    assert "auch bei: " in shown and "zuerst erschienen am 02.03.2026" in shown, shown
    assert sum(source in shown for _, source, *_ in COPIES) == len(COPIES) - 1  # the four other outlets

    at.switch_page("quelle/ui/pages/articles.py").run()
    assert not at.exception, at.exception
    (groups,) = [e for e in at.expander if e.label.startswith("Kopien")]
    assert groups.label.endswith("(1)")
    table = at.dataframe[0].value
    also = dict(zip(table["ID"], table["auch bei"]))
    assert also["agentur"].startswith("Nordkurier (03.03.2026), Tagesblatt (03.03.2026)") and also["reportage"] == ""
    assert "Keine Kopien" not in texts(at)
