"""Bad input files, made on the spot in a temp folder, each with the outcome Quelle must give.

Every case is a `Case(kind, make, expect, problem)`: `make(folder)` writes the file(s) and returns the path to
ingest; `expect` is the FileResult status of the (first) file; `problem` a regex the per-file message must match
(for failures: the reason in words, not a Python exception name). Texts differ per case, so no case is taken
for a duplicate of another one in a shared store.
"""

from __future__ import annotations

import json
import os
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ingest_fixtures import write_docx, write_pdf

PNG_HEADER = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x01\x00\x08\x06\x00\x00\x00"


def _random_bytes(n: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(n)


def _german(topic: str) -> str:
    """A short, unique German news text about `topic`."""
    return (
        f"{topic}: Die Stadtwerke melden neue Zahlen zum Projekt {topic}. Nach Angaben der Verwaltung kostet "
        f"das Vorhaben {topic} rund 12 Millionen Euro. Der Stadtrat stimmte am Dienstag mit großer Mehrheit zu."
    )


@dataclass
class Case:
    kind: str
    make: Callable[[Path], Path]
    expect: str  # added | failed | skipped | duplicate
    problem: str = ""  # regex the FileResult message must match
    contains: list[str] = field(default_factory=list)  # text that must be in the stored chunks (ok cases)
    absent: list[str] = field(default_factory=list)  # text that must NOT be in the stored chunks
    settings: dict = field(default_factory=dict)  # setting changes for this case (e.g. a lower size limit)
    needs_non_root: bool = False  # file permissions do not stop root


def _write(name: str, data: bytes | str, encoding: str = "utf-8") -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        p = folder / name
        p.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
        return p

    return make


def _encrypted_pdf(user_password: str) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        from pypdf import PdfReader, PdfWriter

        plain = folder / "plain-src.pdf.tmp"
        write_pdf(
            plain,
            [
                [
                    f"Verschlüsselter Bericht {user_password or 'offen'} über die Kläranlage Nord.",
                    "Die Kläranlage Nord wird bis 2028 für 40 Millionen Euro erneuert.",
                ]
            ],
        )
        writer = PdfWriter()
        for page in PdfReader(plain).pages:
            writer.add_page(page)
        writer.encrypt(user_password=user_password, owner_password="eigentuemer-geheim", algorithm="AES-128")
        target = folder / ("verschluesselt.pdf" if user_password else "verschluesselt-ohne-passwort.pdf")
        with open(target, "wb") as fh:
            writer.write(fh)
        plain.unlink()
        return target

    return make


def _truncated_pdf(folder: Path) -> Path:
    src = write_pdf(
        folder / "voll.pdf.tmp",
        [
            [
                "Abgeschnittener Bericht über den Deichbau an der Weser.",
                "Der Deich an der Weser wird um einen Meter erhöht.",
            ]
            * 30
        ],
    )
    full = src.read_bytes()
    src.unlink()
    p = folder / "abgeschnitten.pdf"
    p.write_bytes(full[: len(full) // 3])
    return p


def _truncated_docx(folder: Path) -> Path:
    src = write_docx(folder / "voll.docx.tmp", "Bericht Hafenfähre", ["Die Hafenfähre fährt ab Mai öfter."])
    data = src.read_bytes()
    src.unlink()
    p = folder / "abgeschnitten.docx"
    p.write_bytes(data[: len(data) // 2])
    return p


def _zip_as_docx(folder: Path) -> Path:
    import zipfile

    p = folder / "kein-word.docx"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("notes.txt", "kein Word-Dokument")
    return p


def _symlink_loop(folder: Path) -> Path:
    a, b = folder / "schleife-a.txt", folder / "schleife-b.txt"
    os.symlink(b, a)
    os.symlink(a, b)
    return a


def _dangling_symlink(folder: Path) -> Path:
    p = folder / "verwaist.txt"
    os.symlink(folder / "gibt-es-nicht.txt", p)
    return p


def _fifo_named_txt(folder: Path) -> Path:
    """A named pipe: reading it would block forever."""
    p = folder / "rohr.txt"
    os.mkfifo(p)
    return p


def _fifo_in_folder(folder: Path) -> Path:
    """A named pipe without extension inside a folder: content sniffing must not open it."""
    sub = folder / "mit-rohr"
    sub.mkdir()
    os.mkfifo(sub / "rohr")
    return sub


def _unreadable(folder: Path) -> Path:
    p = folder / "gesperrt.txt"
    p.write_text(_german("Gesperrte Datei"), encoding="utf-8")
    p.chmod(0)
    return p


def _dotdot_path(folder: Path) -> Path:
    sub = folder / "unter"
    sub.mkdir()
    (sub / "punktpunkt.txt").write_text(_german("Brunnensanierung Punktpunkt"), encoding="utf-8")
    return folder / "unter" / ".." / "unter" / "punktpunkt.txt"


def _named(name: str, topic: str) -> Callable[[Path], Path]:
    return _write(name, _german(topic))


def _huge_text(folder: Path) -> Path:
    """A 3 MB text (the test lowers QUELLE_MAX_FILE_MB to 1; a real 50 MB file has its own test)."""
    p = folder / "riesig.txt"
    line = (_german("Riesendatei") + "\n").encode()
    with open(p, "wb") as fh:
        for _ in range(3_000_000 // len(line) + 1):
            fh.write(line)
    return p


def _long_line(folder: Path) -> Path:
    """10 MB in one line without a single space."""
    p = folder / "eine-zeile.txt"
    p.write_bytes(b"Titel ohne Leerzeichen\n" + (b"Donaudampfschifffahrtsgesellschaft" * 300_000)[:10_000_000])
    return p


def _html_script_style(folder: Path) -> Path:
    junk = "<script>var x = 'SKRIPTMUELL'; for(;;){}</script><style>.a{color:red} /* STILMUELL */</style>" * 400
    body = (
        "<p>Der Stadtpark Süd bekommt einen neuen Spielplatz für 800.000 Euro. Die Arbeiten beginnen im Juni "
        "und dauern bis zum Herbst.</p>"
    )
    html = f"<!DOCTYPE html><html><head><title>Spielplatz</title>{junk}</head><body>{junk}{body}{junk}</body></html>"
    p = folder / "skripte.html"
    p.write_text(html, encoding="utf-8")
    return p


def _html_only_script(folder: Path) -> Path:
    p = folder / "nur-skript.html"
    p.write_text(
        "<html><head><script>alert(1)</script><style>p{}</style></head><body><script>document.write('x')"
        "</script></body></html>",
        encoding="utf-8",
    )
    return p


def _malformed_html(folder: Path) -> Path:
    p = folder / "kaputt.html"
    p.write_text(
        "<html><body><div><p>Die Feuerwehr Altona bekommt ein neues Löschboot <b>für 6 Millionen Euro"
        "<p>Es soll im Frühjahr <i>ausgeliefert werden.</div></span></table><p>Nicht geschlossen <a href='",
        encoding="utf-8",
    )
    return p


def _jsonl_broken(folder: Path) -> Path:
    rows = [
        json.dumps({"title": "Radweg Ost", "text": _german("Radweg Ost")}, ensure_ascii=False),
        '{"title": "kaputt", "text": "nicht geschlossen',
        json.dumps({"title": "Radweg West", "text": _german("Radweg West")}, ensure_ascii=False),
    ]
    p = folder / "dump.jsonl"
    p.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return p


def _csv_missing_cells(folder: Path) -> Path:
    p = folder / "tabelle.csv"
    p.write_text('title,text,date\nMarkthalle,"' + _german("Markthalle") + '"\nNur Titel\n,,\n', encoding="utf-8")
    return p


def _csv_no_text_column(folder: Path) -> Path:
    p = folder / "ohne-text.csv"
    p.write_text("id,zahl\n1,2\n3,4\n", encoding="utf-8")
    return p


def _duplicate(folder: Path) -> Path:
    body = _german("Doppelte Datei Stadtbibliothek")
    (folder / "original.txt").write_text(body, encoding="utf-8")
    (folder / "kopie.txt").write_text(body, encoding="utf-8")
    return folder


CASES: list[Case] = [
    Case("empty file (0 bytes)", _write("leer.txt", b""), "failed", r"empty"),
    Case("whitespace-only file", _write("nur-leerzeichen.txt", " \n\t\n   \r\n" * 50), "failed", r"empty|no text"),
    Case("PNG named .txt", _write("bild.txt", PNG_HEADER + _random_bytes(4000, 1)), "failed", r"binary"),
    Case("random bytes named .txt", _write("zufall.txt", _random_bytes(5000, 2)), "failed", r"binary|encoding"),
    Case("PNG named .pdf", _write("bild.pdf", PNG_HEADER + _random_bytes(4000, 3)), "failed", r"binary|PDF"),
    Case("random bytes named .pdf", _write("zufall.pdf", _random_bytes(5000, 4)), "failed", r"binary|PDF"),
    Case("0-byte PDF", _write("leer.pdf", b""), "failed", r"empty"),
    Case("truncated PDF", _truncated_pdf, "failed", r"PDF|damaged|truncated|broken|text layer"),
    Case("encrypted PDF (user password)", _encrypted_pdf("geheim"), "failed", r"encrypted|password"),
    Case("encrypted PDF (empty user password)", _encrypted_pdf(""), "added", contains=["Kläranlage Nord"]),
    Case(
        "file over QUELLE_MAX_FILE_MB",
        _huge_text,
        "failed",
        r"MB; the limit is .*QUELLE_MAX_FILE_MB",
        settings={"max_file_mb": 1},
    ),
    Case("10 MB line without spaces", _long_line, "failed", r"characters; the limit is .*QUELLE_MAX_ARTICLE_CHARS"),
    Case(
        "latin-1 text",
        _write("latin1.txt", "Gebühren für Müllabfuhr\n\n" + _german("Müllgebühr Straße"), encoding="latin-1"),
        "added",
        contains=["Müllgebühr Straße"],
    ),
    Case(
        "cp1252 text",
        _write(
            "cp1252.txt",
            "Bürgerbüro öffnet\n\n" + _german("Bürgerbüro") + " Das „Bürgerbüro“ kostet 5 € pro Termin.",
            encoding="cp1252",
        ),
        "added",
        contains=["„Bürgerbüro“", "5 €"],
    ),
    Case(
        "UTF-16 text with BOM",
        _write("utf16.txt", "Schwimmbad\n\n" + _german("Schwimmbad Nord"), encoding="utf-16"),
        "added",
        contains=["Schwimmbad Nord"],
    ),
    Case(
        "UTF-16-LE text without BOM",
        _write("utf16le.txt", "Eisbahn\n\n" + _german("Eisbahn Süd"), encoding="utf-16-le"),
        "added",
        contains=["Eisbahn Süd"],
    ),
    Case(
        "UTF-8 BOM with invalid UTF-8",
        _write("falsches-bom.txt", b"\xef\xbb\xbfStra\xdfe " * 20 + b"\xff\xfe\xfd"),
        "failed",
        r"byte order mark",
    ),
    Case(
        "NUL bytes in text",
        _write("nul.txt", ("Sportplatz\n\n" + _german("Sportplatz\x00Nord")).replace(" ", " \x00", 3)),
        "added",
        contains=["SportplatzNord"],
        absent=["\x00"],
    ),
    Case(
        "terminal escape sequences in text",
        _write("ansi.txt", "\x1b[31mRot\x1b[0m\n\n" + _german("Ampelanlage")),
        "added",
        contains=["Ampelanlage"],
        absent=["\x1b"],
    ),
    Case("malformed HTML", _malformed_html, "added", contains=["Löschboot"]),
    Case(
        "HTML full of script and style",
        _html_script_style,
        "added",
        contains=["Spielplatz"],
        absent=["SKRIPTMUELL", "STILMUELL"],
    ),
    Case("HTML with only script", _html_only_script, "failed", r"no (article )?text|empty"),
    Case("JSONL with a broken line", _jsonl_broken, "added", r"line 2", contains=["Radweg Ost", "Radweg West"]),
    Case("CSV with missing cells", _csv_missing_cells, "added", contains=["Markthalle"]),
    Case("CSV without a text column", _csv_no_text_column, "failed", r"text"),
    Case("invalid JSON", _write("kaputt.json", '{"title": "x", "text": '), "failed", r"JSON|json"),
    Case("zip named .docx", _zip_as_docx, "failed", r"zip|Word"),
    Case("truncated .docx", _truncated_docx, "failed", r"zip|Word|docx|damaged"),
    Case("duplicate files", _duplicate, "duplicate"),
    Case("file name with spaces", _named("name mit  leerzeichen .txt", "Leerzeichenpark"), "added"),
    Case(
        "file name with umlauts",
        _named("Überschwemmung-Größe-Straße.txt", "Überschwemmung"),
        "added",
        contains=["Überschwemmung"],
    ),
    Case("file name with a newline", _named("zeile\numbruch.txt", "Zeilenumbruchweg"), "added"),
    Case("path with ../", _dotdot_path, "added", contains=["Brunnensanierung Punktpunkt"]),
    Case("symlink loop", _symlink_loop, "failed", r"broken symbolic link .*loop"),
    Case("dangling symlink", _dangling_symlink, "failed", r"broken symbolic link"),
    Case("named pipe named .txt", _fifo_named_txt, "failed", r"not a regular file"),
    Case("named pipe without extension in a folder", _fifo_in_folder, "failed", r"not a regular file"),
    Case(
        "unreadable file (chmod 000)",
        _unreadable,
        "failed",
        r"cannot read file \(Permission denied\)",
        needs_non_root=True,
    ),
    Case(
        "article of only numbers",
        _write("zahlen.txt", "1234 5678\n\n" + " ".join(str(i * 7919) for i in range(400))),
        "added",
    ),
    Case(
        "article of only emoji",
        _write("emoji.txt", "🎉🎉\n\n" + " ".join("😀🚀🌍🔥💡"[i % 5] * 3 for i in range(300))),
        "added",
    ),
    Case(
        "front matter with broken YAML",
        _write("yaml.txt", "---\ntitle: [nicht: geschlossen\ndate: 31.02.2025\n---\n" + _german("Kaputtes Yaml")),
        "added",
        contains=["Kaputtes Yaml"],
    ),
    Case(
        "front matter with an impossible date",
        _write("datum.txt", "---\ntitle: Datum\ndate: 2025-13-45\n---\n" + _german("Unmögliches Datum")),
        "added",
    ),
    Case(
        "unsupported binary named .exe",
        _write("programm.exe", _random_bytes(3000, 5)),
        "failed",
        r"unsupported file type '.exe'",
    ),
]
