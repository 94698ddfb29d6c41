"""Answers and sources as Streamlit markdown, with every piece of article/answer text escaped.

Nothing here uses unsafe_allow_html. Article and answer text is escaped character by character (all ASCII
punctuation, so no markdown, HTML, link, emoji-shortcode or colour-directive syntax survives) and only the
markup this module adds around it (bold, `:orange-background[...]`, `:red[...]`) is interpreted.
"""

from __future__ import annotations

import re
import string
from urllib.parse import urlparse

import streamlit as st

from quelle.answering.citations import ANSWER_MARKER, also_text, cited_numbers, german_date, strip_markers
from quelle.i18n import text as t

_PUNCT = re.compile("([" + re.escape(string.punctuation) + "])")
_LEADING_SPACE = re.compile(r"(?m)^[ \t]+")


def escape_chars(value: str) -> str:
    """Every ASCII punctuation character backslash-escaped (CommonMark allows that for all of them)."""
    return _PUNCT.sub(r"\\\1", value or "")


def md_escape(value: str) -> str:
    """Text shown as text: punctuation escaped, indentation dropped (so nothing turns into a code block)."""
    return _LEADING_SPACE.sub("", escape_chars(value))


def marked_markdown(value: str, spans: list[tuple[int, int]] | list[list[int]], style: str = "highlight") -> str:
    """`value` as escaped markdown with the character spans emphasised.

    style "highlight": bold on an orange background (the cited sentence in a passage);
    style "unsupported": red (an answer sentence the sources do not support);
    style "span": bold (the answer span of an extractive answer).
    Spans are clipped, sorted and merged; a span crossing a line break is marked line by line.
    """
    value = value or ""
    clean: list[tuple[int, int]] = []
    for s, e in sorted((max(0, int(a)), min(len(value), int(b))) for a, b in spans):
        if e <= s:
            continue
        if clean and s <= clean[-1][1]:
            clean[-1] = (clean[-1][0], max(e, clean[-1][1]))
        else:
            clean.append((s, e))
    out, pos = [], 0
    for s, e in clean:
        out.append(escape_chars(value[pos:s]))
        out.append("\n".join(_mark(line, style) for line in value[s:e].split("\n")))
        pos = e
    out.append(escape_chars(value[pos:]))
    return _LEADING_SPACE.sub("", "".join(out))


def _mark(segment: str, style: str) -> str:
    core = segment.strip()
    if not core:
        return md_escape(segment)
    lead = segment[: len(segment) - len(segment.lstrip())]
    trail = segment[len(segment.rstrip()) :]
    inner = escape_chars(core)
    if style == "span":  # the short answer inside the answer sentence
        return lead + f"**{inner}**" + trail
    marked = f":orange-background[**{inner}**]" if style == "highlight" else f":red[{inner} :material/warning:]"
    return lead + marked + trail


_ESCAPED_ITEM = re.compile(r"\n\\- ")


def candidate_list(markdown: str) -> str:
    """„Mögliche Antworten:“ followed by lines „- …“: the escaped markers become a markdown list again (the rest of
    each line stays escaped text)."""
    return _ESCAPED_ITEM.sub("\n- ", markdown)


def safe_url(url: str) -> str | None:
    """The URL if it is a plain http(s) address that can sit in a markdown link target; else None."""
    url = (url or "").strip()
    if not url or any(c in url for c in "<>\n\r\t ()[]\\\"'`"):
        return None
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        return None
    return url


def cited_sources(answer: dict) -> list[dict]:
    """Only the citations the answer text refers to, in their number order; all when the text has no markers."""
    numbers = set(cited_numbers(answer.get("answer", "")))
    cites = answer.get("citations", [])
    chosen = [c for c in cites if c.get("n") in numbers] if numbers else list(cites)
    return sorted(chosen, key=lambda c: c.get("n", 0))


def _without_markers(body: str) -> tuple[str, list[int]]:
    """The answer text with citation markers removed, and for each kept character its offset in `body`."""
    kept, where, pos = [], [], 0
    for m in ANSWER_MARKER.finditer(body):
        kept.append(body[pos : m.start()])
        where.extend(range(pos, m.start()))
        pos = m.end()
    kept.append(body[pos:])
    where.extend(range(pos, len(body)))
    return "".join(kept), where


def unsupported_spans(answer: dict) -> tuple[list[tuple[int, int]], list[str]]:
    """Where the unsupported sentences sit in the answer text (found with or without their [n] markers), and
    those that could not be located."""
    body = answer.get("answer", "")
    plain, where = _without_markers(body)
    spans, missing, pos = [], [], 0
    for s in answer.get("sentences", []):
        if s.get("supported") is not False:
            continue
        sentence = strip_markers(s.get("text") or "").strip()
        i = plain.find(sentence, pos) if sentence else -1
        if i < 0 and sentence:
            i = plain.find(sentence)
        if i < 0:
            missing.append(sentence)
            continue
        spans.append((where[i], where[i + len(sentence) - 1] + 1))
        pos = i + len(sentence)
    return spans, missing


def source_label(c: dict, language: str) -> str:
    """The expander label of a source: [n] title · date · source · S. page (escaped)."""
    parts = [c.get("title") or c.get("article_id") or "?"]
    for key in ("date", "source"):
        if c.get(key):
            parts.append(str(c[key]))
    if c.get("page") not in (None, ""):
        parts.append(t("page", language, n=c["page"]))
    return f"\\[{int(c.get('n', 0))}\\] " + md_escape(" · ".join(parts))


def render_sources(answer: dict, language: str, expand_first: bool = False) -> None:
    sources = cited_sources(answer)
    if not sources:
        return
    st.caption(t("sources", language))
    for i, c in enumerate(sources):
        with st.expander(source_label(c, language), expanded=expand_first and i == 0):
            url = safe_url(c.get("url", ""))
            if url:
                st.markdown(f"[{md_escape(url)}]({url})")
            elif c.get("url"):
                st.markdown(md_escape(c["url"]))
            st.markdown(marked_markdown(c.get("text", ""), c.get("highlights") or []))
            if c.get("also"):  # near-duplicate copies of this report (docs/dedup.md)
                st.caption(also_caption(c, language))


def also_caption(c: dict, language: str) -> str:
    """„auch bei: Tagesblatt (03.03.2026), … · zuerst erschienen am 02.03.2026“ (escaped)."""
    outlets = also_text(c.get("also") or [], more=t("also_more", language, n="{n}"))
    line = t("also_at", language, outlets=outlets)
    if c.get("first_published"):
        line += " · " + t("first_published", language, date=german_date(c["first_published"]))
    return md_escape(line)


def render_answer(message: dict, language: str) -> None:
    """An assistant message: answer (or abstention / error), notices, sources. Reads only plain stored data."""
    if message.get("error"):
        st.error(t("error", language, message=md_escape(message["error"])))
        return
    answer = message.get("answer") or {}
    if answer.get("fallback"):
        st.warning(t("fallback", language, reason=md_escape(str(answer["fallback"]))), icon=":material/warning:")
    from quelle.ui import timeview  # issue 20: the time filter chip and „Frühere Meldungen“

    timeview.render_filter(message, language)
    if answer.get("abstained"):
        st.info(md_escape(answer.get("answer", "")), icon=":material/search_off:")
        st.caption(t("abstained_note", language))
    else:
        spans, missing = unsupported_spans(answer)
        text = answer.get("answer", "")
        span = (answer.get("answer_span") or {}).get("text") or ""
        unsure = answer.get("confidence_band") == "unsure"  # the closest passages, no answer to mark
        if not spans and span and span in text and not unsure:
            at = text.index(span)
            body = marked_markdown(text, [(at, at + len(span))], "span")
        else:
            body = marked_markdown(text, spans, "unsupported")
        st.markdown(candidate_list(body))
        if unsure:
            st.caption(f":material/help: {t('unsure_note', language)}")
        if spans or missing:
            note = t("unsupported_note", language)
            if missing:
                note += " " + t("unsupported_list", language) + " " + " · ".join(md_escape(m) for m in missing)
            st.caption(f":red[:material/warning:] {note}")
        timeview.render_earlier(message, language)
        render_sources(answer, language)
    timings = answer.get("timings_ms") or {}
    backend = answer.get("backend", "")
    if answer.get("model"):  # an answerer that runs a model names it (registry: has_model)
        backend = f"{backend} · {answer['model']}"
    if timings:
        st.caption(md_escape(t("timing", language, backend=backend, total=round(timings.get("total", 0)))))


def render_message(message: dict, language: str) -> None:
    if message.get("role") == "user":
        st.markdown(md_escape(message.get("content", "")))
    else:
        render_answer(message, language)
