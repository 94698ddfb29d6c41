"""Dumps from feeds and archives: JSON (a list of objects, or one under 'articles'/'items'/...), JSON Lines and
CSV. One article per object or row. Field names are matched case-insensitively against common names; other
names are mapped with `fields` (`quelle ingest --field text=body,title=headline`)."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Iterator

from ingest.delimited import sniff_delimiter
from ingest.formats.base import ARTICLE_FIELDS, Source, as_str, make_article
from ingest.models import Article, IngestError
from ingest.jsonlines import json_objects, loads
from ingest.text import normalise_quotes, normalise_text

ALIASES = {
    "text": [
        "text",
        "content",
        "body",
        "article",
        "fulltext",
        "full_text",
        "maintext",
        "article_text",
        "story",
        "inhalt",
    ],
    "title": ["title", "headline", "heading", "titel", "überschrift", "schlagzeile", "name"],
    "date": [
        "date",
        "published",
        "published_at",
        "publishedat",
        "pubdate",
        "pub_date",
        "publication_date",
        "datetime",
        "datum",
        "created_at",
        "time",
        "timestamp",
    ],
    "url": ["url", "link", "href", "uri", "permalink"],
    "source": ["source", "site", "sitename", "site_name", "publisher", "outlet", "feed", "quelle", "medium"],
    "id": ["id", "guid", "uuid", "article_id", "doc_id"],
    "author": ["author", "authors", "byline", "creator", "autor"],
    "language": ["language", "lang", "sprache"],
}
_LIST_KEYS = ("articles", "items", "data", "records", "results", "entries", "posts", "documents", "docs", "hits")
_MARKUP = re.compile(r"</?(p|div|br|span|a|em|strong|b|i|h\d|li|ul|ol)\b[^>]*>", re.I)


def parse_field_map(specs: list[str] | str | None) -> dict[str, str]:
    """'text=body,title=headline' (or several such strings) -> {'text': 'body', 'title': 'headline'}.
    Raises ValueError naming the bad part."""
    if not specs:
        return {}
    if isinstance(specs, str):
        specs = [specs]
    out: dict[str, str] = {}
    for spec in specs:
        for part in filter(None, (p.strip() for p in spec.split(","))):
            target, sep, name = part.partition("=")
            target = target.strip().lower()
            if not sep or not name.strip():
                raise ValueError(f"--field '{part}': expected FIELD=NAME, e.g. text=body")
            if target not in ARTICLE_FIELDS:
                raise ValueError(f"--field '{part}': unknown field '{target}' (known: {', '.join(ARTICLE_FIELDS)})")
            out[target] = name.strip()
    return out


def _html_to_text(value: str) -> str:
    import lxml.html

    value = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</h\d>|</li>", "\n", value)
    try:
        return lxml.html.fromstring(f"<div>{value}</div>").text_content()
    except Exception:
        return re.sub(r"<[^>]+>", " ", value)


def _value(row: dict, names: list[str]):
    for name in names:
        if name in row and row[name] not in (None, ""):
            value = row[name]
            if isinstance(value, dict):  # {"source": {"id": ..., "name": "Spiegel"}}
                value = value.get("name") or value.get("title") or value.get("value") or ""
            return value
    return None


class _Rows:
    """Finds each article field in a row: the user's mapping first, else the usual names."""

    def __init__(self, source: Source, keys: set[str]):
        self.source = source
        self.names: dict[str, list[str]] = {}
        missing = []
        for target in ARTICLE_FIELDS:
            wanted = source.fields.get(target, "").lower()
            if wanted and (not keys or wanted in keys):
                self.names[target] = [wanted]
            else:  # a mapping for another dump in the same run: this file uses the usual names
                if wanted:
                    missing.append(f"'{source.fields[target]}' (for {target})")
                self.names[target] = ALIASES[target]
        if keys and not any(n in keys for n in self.names["text"]):
            asked = (
                f"field {missing[0]} not found"
                if missing and "(for text)" in " ".join(missing)
                else f"no text field found (looked for {', '.join(self.names['text'])})"
            )
            raise source.error(f"{asked}; the file has: {', '.join(sorted(keys))} — map one with --field text=NAME")
        if missing:
            source.notes.append(f"not in this file: {', '.join(missing)}; used the usual field names instead")

    def article(self, row: dict, where: str, n: int) -> Article:
        get = {target: _value(row, names) for target, names in self.names.items()}
        text = as_str(get["text"])
        if _MARKUP.search(text):
            text = _html_to_text(text)
        text = normalise_quotes(normalise_text(text))
        title = normalise_text(as_str(get["title"]))
        if not title and text:
            from ingest.formats.text import short_title

            title = short_title(text)
        raw_id = as_str(get["id"])
        if raw_id.isdigit() or not raw_id:  # '17' alone says little: keep the dump's name with it
            raw_id = f"{self.source.path.stem}-{raw_id or n}"
        return make_article(
            self.source,
            text=text,
            title=title,
            article_id=raw_id,
            date=get["date"],
            url=as_str(get["url"]),
            site=as_str(get["source"]),
            author=as_str(get["author"]),
            language=as_str(get["language"]),
            where=where,
        )


def _lower_keys(row: dict) -> dict:
    return {str(k).strip().lower(): v for k, v in row.items() if k is not None}


def _collect(source: Source, rows: Iterator[tuple[str, dict]], keys: set[str]) -> list[Article]:
    reader = _Rows(source, keys)
    articles: list[Article] = []
    seen: dict[str, int] = {}
    skipped: list[str] = []
    for n, (where, row) in enumerate(rows, start=1):
        try:
            art = reader.article(row, where, n)
        except IngestError as e:
            skipped.append(e.problem)
            continue
        base = art.article_id
        seen[base] = seen.get(base, 0) + 1
        if seen[base] > 1:  # two rows with the same id would overwrite each other
            art.article_id = f"{base}-{seen[base]}"
        articles.append(art)
    if skipped:
        shown = "; ".join(skipped[:3]) + (f"; … ({len(skipped) - 3} more)" if len(skipped) > 3 else "")
        source.notes.append(f"{len(skipped)} record{'s' if len(skipped) > 1 else ''} skipped: {shown}")
    if not articles:
        raise source.error("no article in the file" + (f" ({skipped[0]})" if skipped else ""))
    return articles


def load_json(source: Source) -> list[Article]:
    try:
        data = loads(source.text())
    except json.JSONDecodeError as e:
        raise source.error(f"invalid JSON at line {e.lineno}, column {e.colno}: {e.msg}") from e
    if isinstance(data, dict):
        listed = next((data[k] for k in data if str(k).lower() in _LIST_KEYS and isinstance(data[k], list)), None)
        data = listed if listed is not None else [data]
    if not isinstance(data, list):
        raise source.error("JSON must be an object or a list of objects (one per article)")
    rows = [(f"item {i}", _lower_keys(x)) for i, x in enumerate(data, start=1) if isinstance(x, dict)]
    if len(rows) < len(data):
        source.notes.append(f"{len(data) - len(rows)} entries that are not objects skipped")
    keys = set().union(*(r.keys() for _, r in rows)) if rows else set()
    return _collect(source, iter(rows), keys)


def load_jsonl(source: Source) -> list[Article]:
    rows, bad = [], []
    for i, obj, problem in json_objects(source.text()):
        if problem:
            bad.append(f"line {i}: {problem}")
        else:
            rows.append((f"line {i}", _lower_keys(obj)))
    if bad:
        source.notes.append(f"{len(bad)} line{'s' if len(bad) > 1 else ''} skipped: " + "; ".join(bad[:3]))
    if not rows:
        raise source.error("no JSON object in the file" + (f" ({bad[0]})" if bad else ""))
    keys = set().union(*(r.keys() for _, r in rows))
    return _collect(source, iter(rows), keys)


def load_csv(source: Source) -> list[Article]:
    text = source.text()
    csv.field_size_limit(50_000_000)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
    try:
        header = reader.fieldnames or []
        rows = []
        for row in reader:
            rows.append((f"row {reader.line_num}", _lower_keys(row)))
    except csv.Error as e:
        raise source.error(f"invalid CSV at line {reader.line_num}: {e}") from e
    if not header:
        raise source.error("empty CSV (no header row)")
    keys = {str(h).strip().lower() for h in header if h}
    return _collect(source, iter(rows), keys)
