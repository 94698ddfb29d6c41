"""Decompression and parser bombs (issue 28, items 5 and 11): a tiny file that unpacks or parses into a huge amount of
work fails alone, quickly, with a reason naming the file; everything else in the run is ingested. The bombs are built
here (streaming, never held in memory unpacked): a DOCX whose document.xml unpacks to 500 MB, PDFs whose pages all
share one heavy content stream, YAML front matter that expands by aliases, JSON nested 200,000 levels deep."""

from __future__ import annotations

import io
import json
import resource
import time
import zipfile
import zlib
from pathlib import Path

import pytest

from bad_inputs import _german
from checks import assert_clear_message, record

_W = b"http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_HEAD = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="' + _W + b'"><w:body>'
_TAIL = b"</w:body></w:document>"


def _docx_parts() -> dict[str, bytes]:
    """The members of a real (python-docx) document with one paragraph."""
    import docx

    doc = docx.Document()
    doc.add_paragraph("Harmloser Absatz.")
    buf = io.BytesIO()
    doc.save(buf)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
        return {name: z.read(name) for name in z.namelist()}


def write_docx_bomb(path: Path, unpacked_mb: int = 500, zip64: bool = True) -> Path:
    """A valid .docx whose word/document.xml is `unpacked_mb` MB of repeated paragraphs (~1.4 MB packed), written
    chunk by chunk through zipfile: the test never holds it unpacked."""
    para = b"<w:p><w:r><w:t>" + b"Bombe " * 150 + b"</w:t></w:r></w:p>"
    block = para * (1_000_000 // len(para) + 1)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, data in _docx_parts().items():
            if name != "word/document.xml":
                z.writestr(name, data)
                continue
            with z.open(name, "w", force_zip64=zip64) as fh:
                fh.write(_HEAD)
                for _ in range(unpacked_mb * 1_000_000 // len(block) + 1):
                    fh.write(block)
                fh.write(_TAIL)
    return path


def lie_about_size(path: Path, member: str, size: int) -> None:
    """Write `size` as the unpacked size of `member` in its local header and its central directory entry."""
    raw = bytearray(path.read_bytes())
    eocd = raw.rindex(b"PK\x05\x06")
    count, offset = (
        int.from_bytes(raw[eocd + 10 : eocd + 12], "little"),
        int.from_bytes(raw[eocd + 16 : eocd + 20], "little"),
    )
    for _ in range(count):
        assert raw[offset : offset + 4] == b"PK\x01\x02"
        n, m, k = (int.from_bytes(raw[offset + i : offset + i + 2], "little") for i in (28, 30, 32))
        if raw[offset + 46 : offset + 46 + n].decode() == member:
            local = int.from_bytes(raw[offset + 42 : offset + 46], "little")
            raw[offset + 24 : offset + 28] = raw[local + 22 : local + 26] = size.to_bytes(4, "little")
        offset += 46 + n + m + k
    path.write_bytes(bytes(raw))


def write_docx_with(path: Path, document_xml: bytes) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in _docx_parts().items():
            z.writestr(name, document_xml if name == "word/document.xml" else data)
    return path


def write_shared_stream_pdf(path: Path, pages: int, operators: bytes, repeat: int) -> Path:
    """A PDF of `pages` pages that all draw one content stream: `operators` × `repeat`, Flate-compressed (a few KB
    for megabytes of work per page). Raw bytes with an exact cross-reference table."""
    data = zlib.compress(b"BT /F1 11 Tf 14 TL 72 760 Td " + operators * repeat + b" ET", 9)
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [" + b" ".join([b"5 0 R"] * pages) + b"] /Count %d >>" % pages,
        3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        4: b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream",
        5: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> "
        b"/Contents 4 0 R >>",
    }
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n in sorted(objects):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + objects[n] + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))
    return path


def write_yaml_bomb(path: Path) -> Path:
    """A Markdown article whose front matter title expands by aliases into 9^9 strings (a few hundred bytes)."""
    lines = ["---", 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    lines += ["title: *i", "---", _german("Lachbombe Rathaus")]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _good(folder: Path) -> Path:
    path = folder / "gut.md"
    path.write_text("---\ntitle: Neues Rathaus\ndate: 2026-01-10\n---\n" + _german("Rathaus Kleinwald"), "utf-8")
    return path


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


@pytest.fixture
def pages_read(monkeypatch):
    """How many times pypdf extracted a page's text (the page budget, counted by outcome)."""
    from pypdf import PageObject

    counted = {"n": 0}
    extract = PageObject.extract_text

    def counting(self, *args, **kwargs):
        counted["n"] += 1
        return extract(self, *args, **kwargs)

    monkeypatch.setattr(PageObject, "extract_text", counting)
    return counted


def _by_name(report) -> dict:
    return {Path(f.path).name: f for f in report.files}


def test_docx_and_pdf_bombs_fail_alone_with_their_reason_and_the_good_file_is_stored(tmp_path, library, pages_read):
    folder = tmp_path / "feed"
    folder.mkdir()
    _good(folder)
    write_docx_bomb(folder / "bombe.docx")
    # 1,000 pages drawing one stream that holds 1 M characters of text: 3 s and 1 M characters per page
    write_shared_stream_pdf(
        folder / "text-bombe.pdf", 1000, b"(Wort Wort Wort Wort Wort Wort Wort Wort Wort Wort) Tj T* ", 20_000
    )
    write_yaml_bomb(folder / "lachbombe.md")
    assert all(p.stat().st_size < 2_000_000 for p in folder.iterdir())

    before, t0 = _maxrss_mb(), time.monotonic()
    report = library.ingest([folder])
    seconds, grown = time.monotonic() - t0, _maxrss_mb() - before
    got = _by_name(report)
    assert got["gut.md"].status == "added"
    assert [a["title"] for a in library.articles()] == ["Neues Rathaus"]
    for name in ("bombe.docx", "text-bombe.pdf", "lachbombe.md"):
        assert got[name].status == "failed", (name, got[name].message)
        assert_clear_message(got[name].message)
    assert "the Word document unpacks to more than 50 MB" in got["bombe.docx"].message
    assert "a zip bomb?" in got["bombe.docx"].message
    assert "word/document.xml" in got["bombe.docx"].message
    assert "longer than 2,000,000 characters (QUELLE_MAX_ARTICLE_CHARS)" in got["text-bombe.pdf"].message
    assert "of 1,000" in got["text-bombe.pdf"].message  # where it stopped
    assert "front matter" in got["lachbombe.md"].message and "YAML bomb" in got["lachbombe.md"].message
    assert pages_read["n"] <= 5  # of 1,000: it stopped at the character limit, after about 2 pages
    assert grown < 600, f"peak memory grew by {grown:.0f} MB"  # unguarded: gigabytes (500 MB of XML in lxml)
    assert seconds < 120  # unguarded: hours; a generous bound, the budgets are asserted by outcome above
    record("bomb", "docx 500 MB / pdf shared text stream / yaml aliases", "failed", seconds=round(seconds, 1))


def test_a_pdf_whose_pages_cost_seconds_each_stops_at_the_time_budget(tmp_path, library, pages_read, monkeypatch):
    import ingest.formats.base as base

    monkeypatch.setattr(base, "READ_SECONDS", 2.0, raising=False)  # the message below says it took effect
    folder = tmp_path / "feed"
    folder.mkdir()
    _good(folder)
    # a 12 KB PDF: 1,000 pages drawing one stream of 600,000 empty strings, seconds of work per page and no text
    pdf = write_shared_stream_pdf(folder / "leer-bombe.pdf", 1000, b"() Tj ", 600_000)
    assert pdf.stat().st_size < 20_000

    report = library.ingest([folder])
    got = _by_name(report)
    assert got["gut.md"].status == "added"
    bomb = got["leer-bombe.pdf"]
    assert bomb.status == "failed" and "took more than 2 s" in bomb.message and "a PDF bomb?" in bomb.message
    assert "of 1,000" in bomb.message
    assert pages_read["n"] <= 10  # the budget is checked inside a page too, not only between pages
    record("bomb", "pdf shared stream without text", "failed", pages=pages_read["n"])


def test_a_pdf_with_more_pages_than_the_budget_is_refused_unread(tmp_path, pages_read):
    from ingest.loaders import load
    from ingest.models import IngestError

    pdf = write_shared_stream_pdf(tmp_path / "seiten.pdf", 5000, b"(Wort) Tj T* ", 10)
    with pytest.raises(IngestError) as e:
        load(pdf)
    assert "has 5,000 pages; at most 2,000 are read" in str(e.value) and str(e.value).startswith(str(pdf))
    assert pages_read["n"] == 0


def test_a_docx_member_that_unpacks_far_more_than_its_size_is_refused_before_inflating(tmp_path):
    """Under the total limit but 1,000 times its packed size: refused by the ratio bound, from the header."""
    from ingest.loaders import load
    from ingest.models import IngestError

    path = tmp_path / "dicht.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, data in _docx_parts().items():
            if name == "word/document.xml":
                with z.open(name, "w") as fh:
                    fh.write(_HEAD)
                    for _ in range(40):
                        fh.write(b"<w:p/>" * 166_000)  # ~40 MB of empty paragraphs
                    fh.write(_TAIL)
            else:
                z.writestr(name, data)
    t0 = time.monotonic()
    with pytest.raises(IngestError) as e:
        load(path)
    assert "word/document.xml unpacks to" in e.value.problem and "times its packed size" in e.value.problem
    assert "a zip bomb?" in e.value.problem
    assert time.monotonic() - t0 < 5  # unguarded: millions of paragraphs through python-docx


def test_a_docx_whose_sizes_lie_is_not_inflated_beyond_them(tmp_path):
    """The zip's headers say 2 KB, the member holds 200 MB: reading stops at what was declared (and the file
    fails as broken), nothing is inflated in full."""
    from ingest.loaders import load
    from ingest.models import IngestError

    path = write_docx_bomb(tmp_path / "luege.docx", unpacked_mb=200, zip64=False)
    lie_about_size(path, "word/document.xml", 2000)
    with zipfile.ZipFile(path) as z:
        assert z.getinfo("word/document.xml").file_size == 2000
    before, t0 = _maxrss_mb(), time.monotonic()
    with pytest.raises(IngestError) as e:
        load(path)
    assert time.monotonic() - t0 < 10 and _maxrss_mb() - before < 300
    assert_clear_message(e.value.problem)


def test_xml_entities_in_a_docx_are_neither_expanded_nor_fetched(tmp_path):
    """Billion laughs and an external entity in document.xml: python-docx's parser resolves no entities (kept)."""
    from ingest.loaders import load

    secret = tmp_path / "geheim.txt"
    secret.write_text("GEHEIMER INHALT", encoding="utf-8")
    entities = ['<!ENTITY a "lol">'] + [
        f'<!ENTITY {c} "{("&" + p + ";") * 10}">' for p, c in zip("abcdefgh", "bcdefghi")
    ]
    entities.append(f'<!ENTITY x SYSTEM "file://{secret}">')
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE w:document [' + "".join(entities) + "]>"
        f'<w:document xmlns:w="{_W.decode()}"><w:body>'
        "<w:p><w:r><w:t>Das Rathaus in Kleinwald wird neu gebaut.</w:t></w:r></w:p>"
        "<w:p><w:r><w:t>&i;&x;</w:t></w:r></w:p></w:body></w:document>"
    ).encode()
    t0 = time.monotonic()
    try:
        text = "\n".join(a.text for a in load(write_docx_with(tmp_path / "lol.docx", xml)).articles)
    except Exception as e:  # refusing the file is as good as reading it without the entities
        text = str(e)
    assert time.monotonic() - t0 < 5
    assert "GEHEIMER" not in text and "lollol" not in text


def _deep_line() -> str:
    return "[" * 200_000


def test_a_too_deep_json_line_is_skipped_like_any_broken_line(tmp_path, library):
    rows = [{"title": f"Meldung {i}", "text": _german(f"Meldung {i} Rathaus")} for i in (1, 2)]
    dump = tmp_path / "dump.jsonl"
    dump.write_text(json.dumps(rows[0]) + "\n" + _deep_line() + "\n" + json.dumps(rows[1]) + "\n", encoding="utf-8")
    report = library.ingest([dump])
    (f,) = report.files
    assert f.status == "added", f.message
    assert sorted(a["title"] for a in library.articles()) == ["Meldung 1", "Meldung 2"]
    assert "1 line skipped: line 2: not valid JSON (nested too deeply" in f.message
    record("bomb", "jsonl line nested 200,000 deep", "skipped")


def test_a_too_deep_json_file_fails_alone_with_a_clear_reason(tmp_path, library):
    folder = tmp_path / "in"
    folder.mkdir()
    _good(folder)
    (folder / "tief.json").write_text('{"articles": ' + _deep_line(), encoding="utf-8")
    got = _by_name(library.ingest([folder]))
    assert got["gut.md"].status == "added"
    assert got["tief.json"].status == "failed"
    assert "invalid JSON at line 1" in got["tief.json"].message and "nested too deeply" in got["tief.json"].message
    assert_clear_message(got["tief.json"].message)


def test_a_json_title_nested_a_few_dozen_levels_is_cheap(tmp_path, library):
    """Parseable (40 levels) but each level read twice: 2^40 steps before; now read once and bounded."""
    dump = tmp_path / "verschachtelt.jsonl"
    rows = [{"title": json.loads("[" * 40 + '"x"' + "]" * 40), "text": _german("Tiefe Rathaus")}]
    rows.append({"title": "Zweite Meldung", "text": _german("Zweite Rathaus")})
    dump.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    t0 = time.monotonic()
    report = library.ingest([dump])
    assert time.monotonic() - t0 < 60
    assert report.files[0].status == "added" and len(library.articles()) == 2


def test_a_too_deep_question_line_is_a_broken_line_named_by_its_number(tmp_path):
    from quelle.batch import InputError, read_questions

    f = tmp_path / "fragen.jsonl"
    f.write_text('{"question": "Wo?"}\n' + _deep_line() + '\n{"question": "Wer?"}\n', encoding="utf-8")
    with pytest.raises(InputError) as e:
        read_questions(f)
    assert "fragen.jsonl: line 2: not valid JSON (nested too deeply" in str(e.value)


def test_too_deep_gold_and_squad_files_are_clear_errors(tmp_path):
    from quelle.evaluation.gold import GoldError, read_gold
    from quelle.evaluation.squad import load_squad

    jsonl = tmp_path / "gold.jsonl"
    jsonl.write_text('{"question": "Wo?", "answers": ["Hier"]}\n' + _deep_line() + "\n", encoding="utf-8")
    with pytest.raises(GoldError, match=r"gold.jsonl, line 2: not valid JSON \(nested too deeply"):
        read_gold(jsonl)
    whole = tmp_path / "gold.json"
    whole.write_text(_deep_line(), encoding="utf-8")
    with pytest.raises(GoldError, match=r"gold.json: not valid JSON \(nested too deeply"):
        read_gold(whole)
    squad = tmp_path / "squad.json"
    squad.write_text('{"data": ' + _deep_line(), encoding="utf-8")
    with pytest.raises(GoldError, match=r"squad.json: not valid JSON \(nested too deeply"):
        load_squad(squad)


def test_reading_stops_at_the_configured_article_limit(tmp_path, library, pages_read):
    """QUELLE_MAX_ARTICLE_CHARS reaches the PDF reader: with 500,000 it stops on the first page of 1 M characters."""
    library.settings = library.settings.with_(max_article_chars=500_000)
    pdf = write_shared_stream_pdf(
        tmp_path / "lang.pdf", 50, b"(Wort Wort Wort Wort Wort Wort Wort Wort Wort Wort) Tj T* ", 20_000
    )
    (f,) = library.ingest([pdf]).files
    assert f.status == "failed"
    assert "longer than 500,000 characters (QUELLE_MAX_ARTICLE_CHARS); stopped at page 1 of 50" in f.message
    assert pages_read["n"] == 1
