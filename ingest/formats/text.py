"""Plain text and Markdown articles, with optional YAML front matter (title, date, source, url, author, id, language).

Front matter that YAML aliases expand into more than FRONT_MATTER_VALUES values (a few hundred bytes can stand for
billions of strings) fails the file: it is read as written, never expanded."""

from __future__ import annotations

import yaml

from ingest.formats.base import Source, as_str, make_article
from ingest.models import Article
from ingest.text import normalise_text

FRONT_MATTER_VALUES = 10_000  # a real front matter has a dozen


class FrontMatterError(ValueError):
    """Front matter that cannot be used as it is (it expands beyond FRONT_MATTER_VALUES values)."""


def _expands_beyond(value, limit: int) -> bool:
    """Whether walking `value` (lists and dicts, shared ones as often as they are referred to) meets more than
    `limit` values; stops counting there."""
    stack, seen = [value], 0
    while stack:
        item = stack.pop()
        seen += 1
        if seen > limit:
            return True
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return False


def split_front_matter(text: str) -> tuple[dict, str]:
    """YAML front matter between '---' lines at the very top, if any. FrontMatterError when aliases expand it
    beyond FRONT_MATTER_VALUES values."""
    if not text.startswith("---"):
        return {}, text
    lines = text.split("\n")
    for i in range(1, len(lines)):
        if lines[i].strip() in ("---", "..."):
            try:
                meta = yaml.safe_load("\n".join(lines[1:i])) or {}
            except ValueError:  # an impossible date (2025-13-45): read every value as plain text instead
                meta = yaml.load("\n".join(lines[1:i]), Loader=yaml.BaseLoader) or {}
            except yaml.YAMLError:
                return {}, text
            except RecursionError:  # PyYAML composes nested lists recursively
                raise FrontMatterError("the front matter is nested too deeply (a YAML bomb?)") from None
            if not isinstance(meta, dict):
                return {}, text
            if _expands_beyond(meta, FRONT_MATTER_VALUES):
                raise FrontMatterError(
                    f"the front matter expands to more than {FRONT_MATTER_VALUES:,} values through YAML aliases "
                    "(&name / *name; a YAML bomb?)"
                )
            return meta, "\n".join(lines[i + 1 :])
    return {}, text


def short_title(text: str, limit: int = 120) -> str:
    """A title from running text: its first sentence, cut at a word boundary when long."""
    from ingest.sentences import split_sentences

    first = (split_sentences(text[:2000]) or [text])[0].strip()
    if len(first) <= limit:
        return first
    cut = first.rfind(" ", 0, limit)
    return first[: cut if cut > limit // 2 else limit].rstrip(",;:") + " …"


def title_from_body(body: str) -> tuple[str, str]:
    """A short first line is the headline and leaves the body; a long one is the first paragraph and stays."""
    first, _, rest = body.partition("\n")
    first = first.lstrip("#").strip()
    if len(first) <= 150 and rest.strip():
        return first, rest.strip()
    return short_title(first), body


def load(source: Source) -> list[Article]:
    """A .txt or .md article. Title: front matter `title`, else the first line (a leading '#' removed)."""
    try:
        meta, body = split_front_matter(source.text().replace("\r\n", "\n").replace("\r", "\n"))
    except FrontMatterError as e:
        raise source.error(str(e)) from None
    meta = {str(k).lower(): v for k, v in meta.items()}
    body = normalise_text(body)
    title = normalise_text(as_str(meta.get("title")))
    if not title and body:
        title, body = title_from_body(body)
    body = "\n".join(line.lstrip("#").strip() if line.startswith("#") else line for line in body.split("\n"))
    return [
        make_article(
            source,
            text=body,
            title=title,
            article_id=as_str(meta.get("id")),
            date=meta.get("date"),
            url=as_str(meta.get("url")),
            site=as_str(meta.get("source")),
            author=as_str(meta.get("author")),
            language=as_str(meta.get("language") or meta.get("lang")),
        )
    ]
