"""A saved segment is read back without its signatures (only a sync compares them with the store): an answering
process at a million chunks need not hold them. Segments saved before kept them in rows.json and still load."""

from __future__ import annotations

import json

import pytest

from vectorstore.segment import ROWS, SIGNATURES, Segment, signature
from vectorstore.store import StoredChunk


def _segment():
    chunks = [
        StoredChunk(
            f"a{i}::00000", text, {"article_id": f"a{i}", "title": "T", "language": "de", "content_hash": f"h{i}"}
        )
        for i, text in enumerate(["Alibaba baut Rechenzentren.", "Die Buchmesse in Leipzig."])
    ]
    return Segment.build(chunks), [signature(c.meta) for c in chunks]


def test_signatures_are_read_only_when_a_sync_asks(tmp_path):
    seg, sigs = _segment()
    seg.save(tmp_path)
    folder = tmp_path / f"seg-{seg.name}"
    assert "signatures" not in json.loads((folder / ROWS).read_text())
    back = Segment.load(tmp_path, seg.name)
    assert back._signatures is None and back.ids == seg.ids
    assert back.signatures == sigs  # read on first use


def test_a_segment_saved_with_signatures_in_its_rows_still_loads(tmp_path):
    seg, sigs = _segment()
    seg.save(tmp_path)
    folder = tmp_path / f"seg-{seg.name}"
    rows = json.loads((folder / ROWS).read_text())
    (folder / ROWS).write_text(json.dumps({**rows, "signatures": sigs}))
    (folder / SIGNATURES).unlink()
    assert Segment.load(tmp_path, seg.name).signatures == sigs


def test_a_segment_without_its_signatures_is_unreadable(tmp_path):
    seg, _ = _segment()
    seg.save(tmp_path)
    (tmp_path / f"seg-{seg.name}" / SIGNATURES).unlink()
    with pytest.raises(ValueError, match="signatures.json is missing"):
        Segment.load(tmp_path, seg.name)
