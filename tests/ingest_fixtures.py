"""Test inputs the ingest tests build themselves: a news page with clutter, a two-page PDF, a DOCX, dumps."""

from __future__ import annotations

import zlib
from pathlib import Path

NEWS_PAGE = """<!DOCTYPE html>
<html lang="de">
<head>
  <meta charset="utf-8">
  <title>Hafen Hamburg baut Containerterminal aus | Nordkurier Digital</title>
  <meta property="og:title" content="Hafen Hamburg baut Containerterminal aus">
  <meta property="og:site_name" content="Nordkurier Digital">
  <meta property="og:url" content="https://nordkurier.example/wirtschaft/hafen-terminal">
  <meta name="author" content="Jana Petersen">
  <meta property="article:published_time" content="2026-03-12T08:30:00+01:00">
  <link rel="canonical" href="https://nordkurier.example/wirtschaft/hafen-terminal">
</head>
<body>
  <div id="cookie-banner" class="cookie-consent">Wir verwenden Cookies, um Ihr Erlebnis zu verbessern.
    <button>Alle Cookies akzeptieren</button> <a href="/datenschutz">Datenschutzerklärung</a></div>
  <header><nav class="main-nav"><ul><li><a href="/">Startseite</a></li><li><a href="/politik">Politik</a></li>
    <li><a href="/wirtschaft">Wirtschaft</a></li><li><a href="/sport">Sport</a></li><li><a href="/abo">Jetzt abonnieren</a></li></ul></nav></header>
  <aside class="ad-slot advertisement"><p>ANZEIGE: Günstige Kredite für Ihr Eigenheim – jetzt vergleichen!</p></aside>
  <main>
    <article>
      <h1>Hafen Hamburg baut Containerterminal aus</h1>
      <p class="byline">Von Jana Petersen · 12. März 2026</p>
      <p>Der Hamburger Hafen investiert 480 Millionen Euro in den Ausbau des Containerterminals Tollerort.
         Die Arbeiten sollen im Sommer 2026 beginnen und bis Ende 2029 abgeschlossen sein.</p>
      <p>Nach Angaben der Hafenbehörde steigt die Kapazität des Terminals damit auf 2,4 Millionen
         Standardcontainer im Jahr. Bisher liegt sie bei 1,6 Millionen.</p>
      <p>Kritik kommt von Umweltverbänden, die eine stärkere Verschlickung der Elbe befürchten.
         Die Hafenbehörde verweist auf ein neues Konzept zur Baggerung, das im Herbst vorgestellt wird.</p>
    </article>
    <section id="comments" class="comments">
      <h3>Kommentare (2)</h3>
      <div class="comment"><p>Leser123: Endlich passiert mal was im Hafen!</p></div>
      <div class="comment"><p>Skeptiker: Wer soll das bezahlen? Wieder der Steuerzahler.</p></div>
    </section>
  </main>
  <aside class="sidebar"><h3>Meistgelesen</h3><ul><li><a href="/a">Bürgermeister tritt zurück</a></li>
    <li><a href="/b">Neues Freibad eröffnet</a></li></ul></aside>
  <footer><p>© 2026 Nordkurier Digital · Impressum · AGB</p></footer>
</body>
</html>
"""

CLUTTER = ["Cookies", "Startseite", "ANZEIGE", "Kredite", "Leser123", "Steuerzahler", "Meistgelesen", "Impressum"]


def _pdf_string(text: str) -> bytes:
    """A PDF literal string in WinAnsiEncoding (the standard fonts' encoding), special characters escaped."""
    raw = text.encode("cp1252")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def write_pdf(
    path: Path, pages: list[list[str]], title: str | None = None, author: str | None = None, compress: bool = True
) -> Path:
    """A real PDF with one text line per list entry (Helvetica, WinAnsiEncoding), built byte by byte with an
    exact cross-reference table. `pages=[[]]` gives a page without a text layer (like a scan)."""
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled below
    pages_obj = add(b"")
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    kids = []
    for lines in pages:
        ops = [b"BT", b"/F1 11 Tf", b"14 TL", b"72 760 Td"]
        for line in lines:
            ops.append(_pdf_string(line) + b" Tj T*")
        ops.append(b"ET")
        stream = b"\n".join(ops)
        if compress:
            data = zlib.compress(stream)
            content = add(b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream")
        else:
            content = add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        kids.append(
            add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 %d 0 R >> >> "
                b"/Contents %d 0 R >>" % (pages_obj, font, content)
            )
        )
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % pages_obj
    objects[pages_obj - 1] = (
        b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % k for k in kids) + b"] /Count %d >>" % len(kids)
    )
    info = None
    if title or author:
        fields = b""
        if title:
            fields += b"/Title " + _pdf_string(title) + b" "
        if author:
            fields += b"/Author " + _pdf_string(author) + b" "
        info = add(b"<< " + fields + b">>")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    trailer = b"<< /Size %d /Root %d 0 R" % (len(objects) + 1, catalog)
    if info:
        trailer += b" /Info %d 0 R" % info
    out += b"trailer\n" + trailer + b" >>\nstartxref\n%d\n%%%%EOF\n" % xref
    path.write_bytes(bytes(out))
    return path


BRIDGE_PAGES = [
    [
        "Neue Brücke über den Rhein in Duisburg",
        "Duisburg, 14. Mai 2026",
        "",
        "Die Stadt Duisburg hat am Montag den Bau einer neuen Rheinbrücke beschlos-",
        "sen. Nach Angaben der Stadtverwaltung kostet das Bauwerk rund 310 Millio-",
        "nen Euro und soll den Verkehr zwischen Homberg und Ruhrort entlasten. Der",
        "Stadtrat stimmte mit großer Mehrheit für das Projekt.",
        "Seite 1 von 2",
    ],
    [
        "Die Bauarbeiten an der Rheinbrücke beginnen im Frühjahr 2027. Fertig sein",
        "soll die neue Brücke nach Plänen der Stadt im Herbst 2030. Die alte Brücke",
        ",,Wir haben lange auf diese Entscheidung gewartet``, sagte der Oberbürger-",
        "meister. Die alte Brücke wird nach der Eröffnung abgerissen.",
        "Seite 2 von 2",
    ],
]


def write_docx(path: Path, title_heading: str, paragraphs: list[str], core_title: str = "") -> Path:
    import docx

    doc = docx.Document()
    if core_title:
        doc.core_properties.title = core_title
    if title_heading:
        doc.add_heading(title_heading, 0)
    for p in paragraphs:
        doc.add_paragraph(p)
    doc.save(str(path))
    return path


BEES_PARAGRAPHS = [
    "Berlin, 2. Juni 2026",
    "Auf den Dächern von Berlin leben inzwischen mehr als 400 Bienenvölker. Die Imker ernten dort jedes Jahr "
    "rund acht Tonnen Honig.",
    "Der Honig aus der Stadt enthält nach Angaben des Imkerverbands weniger Pestizide als Honig vom Land.",
]

FERRY_ROWS = [
    {
        "headline": "Fähre nach Helgoland fällt aus",
        "body": "Wegen eines Sturms fällt die Fähre nach Helgoland am "
        "Freitag aus. Die Reederei erstattet den Fahrpreis vollständig.",
        "published": "3. Februar 2026",
        "outlet": "Inselbote",
        "link": "https://inselbote.example/faehre",
    },
    {
        "headline": "Leuchtturm wird saniert",
        "body": "Der Leuchtturm auf Amrum wird ab April für zwei Millionen "
        "Euro saniert. Besucher können ihn bis dahin weiter besteigen.",
        "published": "04.03.2026",
        "outlet": "Inselbote",
        "link": "https://inselbote.example/leuchtturm",
    },
]

CSV_DUMP = (
    "Schlagzeile;Inhalt;Datum;Medium\n"
    'Marathon in München;"Beim München-Marathon sind am Sonntag 24.000 Läuferinnen und Läufer gestartet. '
    'Gewonnen hat die Kenianerin Ruth Chebet.";12. Oktober 2025;Sportblatt\n'
    'Hallenbad öffnet wieder;"Das Hallenbad in Giesing öffnet nach der Sanierung am 1. Dezember. Der Eintritt '
    'kostet künftig sechs Euro.";2025-11-20;Sportblatt\n'
)

TRAM_TEXT = (
    "Straßenbahn in Würzburg\n\nDie Würzburger Straßenbahn fährt ab März öfter. Der Takt wird auf zehn "
    "Minuten verkürzt. „Das ist ein großer Schritt“, sagt die Verkehrsreferentin."
)

ENGLISH_TEXT = (
    "---\ntitle: Harbour bridge closes for repairs\ndate: November 24, 2026\n---\n"
    "The harbour bridge in Portsmouth will close for six weeks from Monday. Engineers found rust in "
    "the main cables, the city council said. Ferries will run every fifteen minutes instead."
)
