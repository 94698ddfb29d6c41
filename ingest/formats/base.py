"""What every format loader gets (the file's bytes, field names, a place for notes, its budget) and how it builds an
Article.

The budget of one file, against files that are small but unpack or parse into a huge amount of work (feeds can
deliver them): `Source.max_chars` (QUELLE_MAX_ARTICLE_CHARS) and `READ_SECONDS` — PDF and DOCX loaders check both
as they read and stop early — and `check_zip` for the zip inside a .docx (its size unpacked is checked before it is
inflated). A file over its budget fails alone, with a reason naming it; the rest of the run goes on."""

from __future__ import annotations

import datetime as dt
import io
import time
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from ingest.dates import normalise_date
from ingest.encoding import decode_bytes
from ingest.language import detect_language, normalise_language
from ingest.models import Article, IngestError
from ingest.text import slugify

ARTICLE_FIELDS = ("id", "title", "text", "date", "url", "source", "author", "language")
MAX_ARTICLE_CHARS = 2_000_000  # QUELLE_MAX_ARTICLE_CHARS's default (quelle.settings), when the caller gives none
# Reading one file's text (PDF pages, DOCX paragraphs) may take this long; checked as it goes. pypdf reads a normal
# page in 10-50 ms, so 60 s is 1,200+ pages — more than an article within the character limit has.
READ_SECONDS = 60.0


@dataclass
class Source:
    """One file being loaded. `fields` maps an article field to the name a dump uses for it ('text' -> 'body');
    loaders add `notes` for things the user should know that did not stop the file (a skipped row, a bad date)."""

    path: Path
    raw: bytes
    fields: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    max_chars: int = MAX_ARTICLE_CHARS  # an article's text may not be longer (loaders stop reading beyond it)
    seconds: float = field(default_factory=lambda: READ_SECONDS)  # reading may take this long
    started: float = field(default_factory=time.monotonic)

    @property
    def name(self) -> str:
        return str(self.path)

    def over_time(self) -> bool:
        return time.monotonic() - self.started > self.seconds

    def text(self) -> str:
        return decode_bytes(self.raw, self.name)

    def error(self, problem: str) -> IngestError:
        return IngestError(self.name, problem)


# A zip-based file (.docx) may unpack to max(50 MB, 3 × its own size) in all: 50 MB of XML is 25 times what the
# longest article (2 M characters) needs even with Word's markup, and a file that is mostly photos (already
# compressed, ~1:1) gets room for them. python-docx holds every part it reads in memory, and lxml's tree of 50 MB
# of XML takes a few hundred MB: the floor keeps that sane.
ZIP_MAX_UNPACKED = 50_000_000
ZIP_UNPACKED_PER_BYTE = 3
# One member may unpack to at most 100 times its packed size once it is larger than 1 MB: Word's XML deflates
# 5-30 times (its styles.xml: 29), photos about once; deflate reaches ~1,000 only on machine-made repetition.
ZIP_MAX_RATIO = 100
ZIP_RATIO_FROM = 1_000_000
ZIP_MAX_MEMBERS = 10_000  # a document has tens of parts, with many images hundreds
_ZIP_STEP = 1 << 20  # inflate 1 MB at a time while counting


def check_zip(source: Source, what: str) -> None:
    """Refuse the zip in `source.raw` (`what`: 'Word document') when it unpacks beyond the bounds above: first from
    the sizes its directory declares, before anything is inflated; then by counting the bytes actually inflated, 1 MB
    at a time — the declared sizes are not trusted (zipfile's read() of a whole member inflates all its packed data
    in one go, whatever size the directory declares; python-docx reads members so). A zip that cannot be read (a
    size that lied fails its CRC check) is reported as such."""
    limit = max(ZIP_MAX_UNPACKED, ZIP_UNPACKED_PER_BYTE * len(source.raw))
    try:
        with zipfile.ZipFile(io.BytesIO(source.raw)) as z:
            infos = [i for i in z.infolist() if not i.is_dir()]
            if len(infos) > ZIP_MAX_MEMBERS:
                raise source.error(
                    f"the {what} holds {len(infos):,} files; at most {ZIP_MAX_MEMBERS:,} are read (a zip bomb?)"
                )
            if sum(i.file_size for i in infos) > limit:
                raise _too_big(source, what, limit, max(infos, key=lambda i: i.file_size), None)
            for info in infos:
                _check_ratio(source, info, info.file_size)
            total = 0
            for info in infos:
                size = 0
                with z.open(info) as fh:
                    while chunk := fh.read(_ZIP_STEP):
                        size += len(chunk)
                        total += len(chunk)
                        if total > limit:
                            raise _too_big(source, what, limit, info, size)
                        _check_ratio(source, info, size)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, NotImplementedError, ValueError) as e:
        # a broken or lying zip (bad CRC), an encrypted member, a compression method zipfile lacks
        raise source.error(f"not a readable {what} ({type(e).__name__}: {e})") from e


def _mb(n: int) -> str:
    return f"{n / 1e6:,.1f} MB" if n < 10e6 else f"{n / 1e6:,.0f} MB"


def _packed(n: int) -> str:
    return f"{n / 1e3:,.0f} KB" if n < 1e6 else _mb(n)


def _too_big(source: Source, what: str, limit: int, info: zipfile.ZipInfo, inflated: int | None):
    member = (
        f"{info.filename} alone: {_mb(info.file_size)} from {_packed(info.compress_size)}"
        if inflated is None
        else f"{info.filename}: more than {_mb(inflated)} from {_packed(info.compress_size)}"
    )
    return source.error(f"the {what} unpacks to more than {limit / 1e6:,.0f} MB ({member}; a zip bomb?)")


def _check_ratio(source: Source, info: zipfile.ZipInfo, size: int) -> None:
    if size > ZIP_RATIO_FROM and size > ZIP_MAX_RATIO * max(info.compress_size, 1):
        raise source.error(
            f"{info.filename} unpacks to {'more than ' if size < info.file_size else ''}{_mb(size)}, "
            f"{size / max(info.compress_size, 1):,.0f} times its packed size ({_packed(info.compress_size)}); more "
            f"than {ZIP_MAX_RATIO} times is not read (a zip bomb?)"
        )


_MAX_LEAVES = 1_000  # as_str reads at most this many values of a nested value (YAML aliases make billions)
_MAX_VISITS = 10_000
_END = object()


def as_str(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    if isinstance(value, (list, tuple, dict)):
        return ", ".join(_leaves(value))
    return str(value).strip()


def _leaves(value) -> list[str]:
    """The non-empty texts in a nested list (or a dict's values), in order: each value read once, at most
    _MAX_LEAVES of them and _MAX_VISITS values in all, without recursion (JSON may nest a thousand levels)."""
    out: list[str] = []
    stack = [iter(value.values() if isinstance(value, dict) else value)]
    visits = 0
    while stack and len(out) < _MAX_LEAVES and visits < _MAX_VISITS:
        item = next(stack[-1], _END)
        if item is _END:
            stack.pop()
            continue
        visits += 1
        if isinstance(item, (list, tuple, dict)):
            stack.append(iter(item.values() if isinstance(item, dict) else item))
            continue
        text = as_str(item)
        if text:
            out.append(text)
    return out


def make_article(
    source: Source,
    *,
    text: str,
    title: str,
    article_id: str = "",
    date="",
    url: str = "",
    site: str = "",
    author: str = "",
    language: str = "",
    pages: list[tuple[int, int]] | None = None,
    where: str = "",
) -> Article:
    """An Article with its date in ISO 8601 and its language known. `text` must already be clean (loaders
    clean it, since PDF page offsets point into it). `where` names the row/object for notes and errors."""
    label = f"{where}: " if where else ""
    if not text.strip():
        raise source.error(f"{label}no article text")
    iso = normalise_date(date)
    if as_str(date) and not iso:
        source.notes.append(f"{label}date '{as_str(date)[:40]}' not understood, left empty")
    lang = normalise_language(language) or detect_language(f"{title}\n{text}")
    return Article(
        article_id=slugify(article_id or source.path.stem),
        title=title.strip(),
        text=text,
        date=iso,
        source=site.strip(),
        url=url.strip(),
        path=str(source.path),
        language=lang,
        author=author.strip(),
        pages=list(pages or []),
    )
