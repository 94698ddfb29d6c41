"""Folders of mixed, partly broken files: duplicates stored once with both sources, bad files reported one line
each, nothing stored lost, exit codes that say whether anything was ingested."""

import json
import os

from quelle.answering.pipeline import ask
from tests.conftest import write_article
from tests.ingest_fixtures import BRIDGE_PAGES, NEWS_PAGE, TRAM_TEXT, write_pdf

BODY = "Die Gemeinde Kleinwald eröffnet eine neue Bibliothek. Sie hat 12.000 Bücher und öffnet sonntags."


def test_same_text_in_two_files_is_stored_once_with_both_sources(tmp_path, library, settings):
    a = write_article(tmp_path / "in", "bibliothek.md", BODY, title="Neue Bibliothek", date="2026-02-01")
    b = write_article(tmp_path / "in" / "kopie", "andere-datei.txt", BODY, title="Kleinwald hat eine Bibliothek")
    report = library.ingest([tmp_path / "in"])
    assert report.summary()["added"] == 1 and report.summary()["duplicate"] == 1
    dup = next(f for f in report.files if f.status == "duplicate")
    assert dup.path == str(b) and "bibliothek" in dup.message
    (listed,) = library.articles()
    assert listed["sources"] == [str(a), str(b)]
    assert library.r.store.count() == 1
    answer = ask("Wie viele Bücher hat die neue Bibliothek in Kleinwald?", settings, resources=library.r)
    assert answer.citations[0].title == "Neue Bibliothek" and answer.citations[0].date == "2026-02-01"

    again = library.ingest([tmp_path / "in"])  # idempotent: nothing new, the duplicate is already recorded
    assert again.summary()["unchanged"] == 2 and again.summary()["duplicate"] == 0
    assert library.articles()[0]["sources"] == [str(a), str(b)]


def test_duplicate_found_in_a_later_run_is_added_to_the_stored_sources(tmp_path, library):
    a = write_article(tmp_path / "eins", "a.md", BODY, title="A")
    library.ingest([a])
    b = tmp_path / "zwei" / "b.txt"
    b.parent.mkdir()
    b.write_bytes(("Andere Überschrift\n\n" + BODY).encode("utf-16"))  # same text, other title and encoding
    report = library.ingest([b])
    assert report.summary()["duplicate"] == 1
    assert library.articles()[0]["sources"] == [str(a), str(b)]


def _mixed_folder(folder):
    (folder / "gut" / "tief").mkdir(parents=True)
    (folder / "gut" / "hafen.html").write_text(NEWS_PAGE, encoding="utf-8")
    write_pdf(folder / "gut" / "tief" / "bruecke.pdf", BRIDGE_PAGES)
    (folder / "gut" / "tram.txt").write_bytes(TRAM_TEXT.encode("cp1252"))
    (folder / ".versteckt").mkdir()
    (folder / ".versteckt" / "geheim.txt").write_text("Nicht einlesen.", encoding="utf-8")
    (folder / ".notiz.md").write_text("Versteckt.", encoding="utf-8")
    write_pdf(folder / "scan.pdf", [[], []])
    (folder / "leer.txt").write_text("  \n", encoding="utf-8")
    (folder / "kaputt.json").write_text('{"title": "x", "text": ', encoding="utf-8")
    (folder / "foto.jpg").write_bytes(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4)
    (folder / "alt.doc").write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 100)
    return folder


def test_folder_with_good_and_bad_files_reports_each_bad_file_and_keeps_the_store(tmp_path, library, settings):
    folder = _mixed_folder(tmp_path / "korb")
    keep = write_article(tmp_path / "vorher", "bibliothek.md", BODY, title="Neue Bibliothek")
    library.ingest([keep])
    before = library.r.store.count()
    report = library.ingest([folder])
    by_name = {os.path.basename(f.path): f for f in report.files}
    assert "geheim.txt" not in by_name and ".notiz.md" not in by_name  # hidden files and folders are skipped
    assert {n for n, f in by_name.items() if f.status == "added"} == {"hafen.html", "bruecke.pdf", "tram.txt"}
    assert {n: f.status for n, f in by_name.items() if f.status in ("failed", "skipped")} == {
        "scan.pdf": "failed",
        "leer.txt": "failed",
        "kaputt.json": "failed",
        "foto.jpg": "skipped",
        "alt.doc": "skipped",
    }
    assert "scanned PDF without a text layer" in by_name["scan.pdf"].message
    assert "invalid JSON at line 1" in by_name["kaputt.json"].message
    assert "unsupported file type '.jpg'" in by_name["foto.jpg"].message
    assert "save it as .docx" in by_name["alt.doc"].message
    assert report.ok
    assert library.r.store.count() > before
    assert "bibliothek" in {a["article_id"] for a in library.articles()}
    answer = ask("Wann beginnen die Bauarbeiten an der Rheinbrücke?", settings, resources=library.r)
    assert answer.citations[0].page == 2


def test_progress_reports_files_and_embedded_chunks(tmp_path, library):
    folder = tmp_path / "viele"
    for i in range(3):
        write_article(folder, f"a{i}.md", f"Artikel {i}. " + BODY * 30, title=f"Artikel {i}")
    calls = []
    library.ingest([folder], progress=lambda what, done, total: calls.append((what, done, total)))
    files = [c for c in calls if c[0] == "files"]
    chunks = [c for c in calls if c[0] == "chunks"]
    assert files[-1] == ("files", 3, 3)
    assert chunks and chunks[-1][1] == chunks[-1][2] == library.r.store.count()


def test_cli_exit_codes_summary_lines_field_mapping_and_sources(tmp_path, quelle_cli):
    def _cli(*args, data_dir):
        return quelle_cli(*args, data_dir=data_dir, check=False)

    folder = _mixed_folder(tmp_path / "korb")
    (folder / "gut" / "dump.jsonl").write_text(
        json.dumps(
            {"kopf": "Fähre fällt aus", "langtext": "Wegen Sturm fällt die Fähre nach Helgoland aus."},
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    (folder / "gut" / "tram-kopie.txt").write_bytes(TRAM_TEXT.encode("utf-16"))
    idx = tmp_path / "idx"
    p = _cli("ingest", str(folder), "--field", "text=langtext,title=kopf", data_dir=idx)
    assert p.exit_code == 0, p.stderr
    assert "added: 4 · updated: 0 · unchanged: 0 · duplicate: 1 · failed: 3 · skipped: 2" in p.stderr
    lines = p.stderr.splitlines()
    for name, problem in [
        ("scan.pdf", "scanned PDF without a text layer"),
        ("leer.txt", "empty file"),
        ("kaputt.json", "invalid JSON at line 1"),
        ("foto.jpg", "unsupported file type"),
    ]:
        assert [ln for ln in lines if f"{name}: " in ln and problem in ln], name
    assert "Traceback" not in p.stderr

    strict = _cli("ingest", str(folder), "--strict", "--field", "text=langtext,title=kopf", data_dir=idx)
    assert strict.exit_code != 0 and "unchanged: 5" in strict.stderr

    listed = json.loads(_cli("list", "--json", data_dir=idx).stdout)
    tram = next(a for a in listed if a["title"] == "Straßenbahn in Würzburg")
    assert sorted(os.path.basename(s) for s in tram["sources"]) == ["tram-kopie.txt", "tram.txt"]
    assert any(a["title"] == "Fähre fällt aus" for a in listed)

    only_bad = tmp_path / "nur-kaputt"
    only_bad.mkdir()
    (only_bad / "leer.md").write_text("", encoding="utf-8")
    bad = _cli("ingest", str(only_bad), data_dir=tmp_path / "idx2")
    assert bad.exit_code != 0 and "leer.md" in bad.stderr and "empty file" in bad.stderr

    wrong = _cli("ingest", str(folder), "--field", "inhalt", data_dir=idx)
    assert wrong.exit_code != 0 and "expected FIELD=NAME" in wrong.stderr
