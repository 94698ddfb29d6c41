"""The one upload core (quelle/uploads.py) that the Artikel page and POST /v1/articles both use: the refusals
(size as Library.ingest counts it, type), the per-file results in upload order, and each face's wording."""

from __future__ import annotations

import io

from quelle.settings import Settings
from quelle.uploads import TOO_LARGE, UNSUPPORTED, Incoming, check, ingest_uploads, max_bytes


class FakeLibrary:
    """Records what reaches Library.ingest (the files written into the temp folder) and reports them added."""

    def __init__(self):
        self.seen: dict[str, bytes] = {}

    def ingest(self, paths, progress=None, names=None):
        from quelle.library import FileResult, IngestReport

        report = IngestReport()
        for i, p in enumerate(paths, 1):
            self.seen[p.name] = p.read_bytes()
            report.files.append(FileResult(str(p), "added", chunks=1, articles=[p.stem]))
            if progress:
                progress("files", i, len(paths))
        return report


def test_check_counts_megabytes_as_library_ingest_does():
    assert max_bytes(Settings().max_file_mb) == int(Settings().max_file_mb * 1_000_000)
    assert check("a.md", 1_000_000, 1.0) is None
    big = check("a.md", 1_000_001, 1.0)
    assert big.code == TOO_LARGE and big.english().startswith("the file has 1.0 MB; the limit is 1.0 MB")
    exe = check("../bild.EXE", 10, 1.0)
    assert exe.code == UNSUPPORTED and exe.suffix == ".exe" and ".md" in exe.types
    assert check("ohne-endung", 10, 1.0).english().startswith("file type '(none)'")


def test_results_per_file_in_order_with_safe_names_and_progress():
    library, steps = FakeLibrary(), []
    files = [
        Incoming.from_bytes("../../a.md", b"eins"),
        Incoming.from_bytes("gross.md", b"x" * 2_000_001),
        Incoming.from_file("a.md", io.BytesIO(b"zwei")),
        Incoming.from_bytes("b.exe", b"MZ"),
    ]
    results = ingest_uploads(library, files, 2.0, progress=lambda done, of, name: steps.append((done, of, name)))
    assert [(r.name, r.status) for r in results] == [
        ("../../a.md", "added"),
        ("gross.md", "failed"),
        ("a.md", "added"),
        ("b.exe", "failed"),
    ]
    assert library.seen == {"a.md": b"eins", "a-2.md": b"zwei"}  # safe and unique names, bytes as uploaded
    assert [r.refusal.code if r.refusal else None for r in results] == [None, TOO_LARGE, None, UNSUPPORTED]
    assert results[0].articles == ("a",) and steps == [(1, 2, "a.md"), (2, 2, "a-2.md")]


def test_each_face_words_the_same_refusal():
    from quelle.ui.uploads import refusal_text

    refusal = check("gross.pdf", 3_500_000, 1.0)
    assert refusal_text(refusal, "de") == "die Datei hat 3.5 MB; erlaubt sind höchstens 1 MB (QUELLE_MAX_FILE_MB)"
    assert refusal_text(refusal, "en").startswith("the file has 3.5 MB; at most 1 MB")
    results = ingest_uploads(
        FakeLibrary(), [Incoming.from_bytes("gross.pdf", b"x" * 3_500_000)], 1.0, lambda r: refusal_text(r, "de")
    )
    assert results[0].message.startswith("die Datei hat 3.5 MB")
