"""Issue 21 in a real browser (`streamlit run app.py`, Chromium via Playwright; fixtures of test_ui_browser.py):
rate an answer down with a correction, a hostile correction shown as text, reload and the chat is still there, the
Markdown export has the sources, and the exported gold is scored by `quelle eval`."""

from __future__ import annotations

import json

import pytest

from tests.test_ui_browser import ANSWER_TIMEOUT_MS, ask, browser, page, server  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

QUESTION = "Wo plant Alibaba neue Rechenzentren?"
FOLLOW_UP = "Um wie viel Prozent legte die Alibaba-Aktie an der Hongkonger Börse zu?"
COUNTRIES = "Brasilien, Frankreich und den Niederlanden"
HOSTILE = "<script>alert(1)</script> <img src=x onerror=alert(2)> [x](javascript:alert(3)) <b>fett</b>"
TITLE = "Alibaba erhöht KI-Investitionen und kooperiert mit Nvidia"


def rate_down(answer, correction: str, reason: str | None):
    answer.get_by_role("radio", name="Thumbs down").click()
    box = answer.get_by_label("Richtige Antwort (optional)")
    box.wait_for(timeout=30_000)
    box.fill(correction)
    if reason:
        answer.get_by_test_id("stRadio").get_by_text(reason, exact=True).click()
    answer.get_by_role("button", name="Senden").click()
    answer.get_by_text("Gespeichert:").wait_for(timeout=30_000)


def download(page, button_name: str, tmp_path):  # noqa: F811
    button = page.get_by_role("button", name=button_name)
    button.wait_for(timeout=30_000)
    with page.expect_download(timeout=60_000) as info:
        # a popover may open partly below the fold, where a pointer click cannot reach („outside of the viewport“,
        # seen once under load): the click event is dispatched to the button itself
        button.dispatch_event("click")
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    return target


def test_feedback_reload_export_and_eval(server, page, tmp_path, demo_store):  # noqa: F811
    page.goto(server)
    first = ask(page, QUESTION)
    first.get_by_text("Brasilien").first.wait_for(timeout=30_000)
    rate_down(first, COUNTRIES, "falsche Stelle")
    second = ask(page, FOLLOW_UP)
    rate_down(second, HOSTILE, None)
    saved = second.get_by_text("Gespeichert:").inner_text()
    assert HOSTILE in saved  # shown as text, character for character
    assert page.dialogs == [] and page.locator("[data-testid='stChatMessage'] script").count() == 0
    assert page.locator("img[src='x']").count() == 0 and page.locator("a[href^='javascript']").count() == 0
    assert page.locator("[data-testid='stChatMessage'] b").count() == 0
    assert "chat=" in page.url

    # reload: the same URL brings the chat back, with the thumbs given
    url = page.url
    page.reload()
    messages = page.get_by_test_id("stChatMessage")
    messages.nth(3).wait_for(timeout=ANSWER_TIMEOUT_MS)
    assert messages.count() == 4 and page.url == url
    assert QUESTION in messages.nth(0).inner_text() and "Brasilien" in messages.nth(1).inner_text()
    messages.nth(1).locator("[aria-label='Thumbs down'][aria-checked='true']").wait_for(timeout=30_000)
    assert HOSTILE in messages.nth(3).get_by_text("Gespeichert:").inner_text()

    # „Exportieren“ → Markdown with the numbered sources
    page.get_by_test_id("stPopover").get_by_role("button", name="Exportieren").click()
    md = download(page, "Als Markdown (mit Quellen)", tmp_path).read_text(encoding="utf-8")
    assert f"## 1. Frage: {QUESTION}" in md and f"## 2. Frage: {FOLLOW_UP}" in md
    assert f"[1] {TITLE} (2025-09-24" in md and "<https://example.org/demo/alibaba-ki-offensive>" in md
    page.keyboard.press("Escape")
    page.get_by_test_id("stPopover").get_by_role("button", name="Exportieren").click()
    answers = json.loads(download(page, "Als JSON (ask --json)", tmp_path).read_text(encoding="utf-8"))
    assert [a["question"] for a in answers] == [QUESTION, FOLLOW_UP]
    assert answers[0]["citations"][0]["article_id"] == "alibaba-ki-offensive"
    page.keyboard.press("Escape")

    # the Evaluation page: the gold file, and one click evaluates the ratings
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Evaluation").click()
    page.get_by_text("2 Bewertungen (👍 0 · 👎 2)").wait_for(timeout=60_000)
    gold = download(page, "Als Goldfragen herunterladen (feedback-gold.jsonl)", tmp_path)
    rows = [json.loads(line) for line in gold.read_text(encoding="utf-8").splitlines()]
    assert [r["answers"] for r in rows] == [[COUNTRIES], [HOSTILE]]  # stored verbatim

    from tests.test_feedback import cli

    report = tmp_path / "report"
    result = cli("eval", str(gold), "--report", str(report), data_dir=demo_store.settings.data_dir)
    assert result.exit_code == 0, result.stderr
    scored = {r["asked"]: r for r in map(json.loads, (report / "results.jsonl").read_text().splitlines())}
    assert scored[QUESTION]["answer_contains"] == 1.0 and scored[QUESTION]["hit_rank"] == 1
    assert scored[FOLLOW_UP]["answer_contains"] == 0.0

    page.get_by_role("button", name="Bewertungen auswerten").click()
    page.get_by_text("von 2 bewerteten Antworten würden sich jetzt ändern").wait_for(timeout=ANSWER_TIMEOUT_MS)
    assert "0 von 2 bewerteten Antworten" in page.get_by_test_id("stAlert").last.inner_text()
