"""Bytes to text: BOMs first, then strict UTF-8, then charset-normalizer (Western single-byte text read as cp1252)."""

from __future__ import annotations

import codecs

from ingest.models import IngestError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Single-byte Latin code pages that charset-normalizer often confuses for German/West-European text
# (cp1250 and cp1252 agree on ä ö ü ß „ “ but not on é è à): for these we decode as cp1252, the Windows default.
_WESTERN_LOOKALIKES = {
    "cp1250",
    "cp1252",
    "latin_1",
    "iso8859_1",
    "iso8859_2",
    "iso8859_15",
    "iso8859_9",
    "iso8859_3",
    "iso8859_4",
    "iso8859_10",
    "iso8859_13",
    "iso8859_14",
    "iso8859_16",
    "cp1254",
    "cp1257",
    "cp850",
    "cp437",
    "mac_roman",
    "mac_latin2",
    "mac_iceland",
    "mac_turkish",
    "ascii",
}


def _cp1252(raw: bytes) -> str:
    """cp1252, with the five bytes it leaves undefined read as latin-1 (one byte is one character here)."""
    text = raw.decode("cp1252", errors="replace")
    return "".join(chr(b) if ch == "\ufffd" else ch for ch, b in zip(text, raw))


def decode_bytes(raw: bytes, path: str = "") -> str:
    """Text of a file's bytes. Raises IngestError when the bytes are not text in any encoding we can tell."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            try:
                return raw[len(bom) :].decode(encoding)
            except UnicodeDecodeError as e:
                raise IngestError(
                    path, f"starts with a {encoding} byte order mark but is not valid {encoding} ({e.reason})"
                ) from e
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(raw[:200_000]).best()
    if best is None:
        raise IngestError(path, "binary content or unknown text encoding (not readable as text)")
    if best.encoding in _WESTERN_LOOKALIKES:
        return _cp1252(raw)
    try:
        return raw.decode(best.encoding)
    except (UnicodeDecodeError, LookupError) as e:
        raise IngestError(path, f"cannot decode as {best.encoding} ({e})") from e


def looks_binary(head: bytes) -> bool:
    """The first kilobytes are not text: many control bytes, or NUL bytes in something that is not UTF-8 (a stray
    NUL in a text file is only stripped). UTF-16/32 text, with or without BOM, is text."""
    if any(head.startswith(bom) for bom, _ in _BOMS):
        return False
    sample = head[:4096]
    if not sample:
        return False
    evens, odds = sample[0::2], sample[1::2]
    if evens.count(0) > 0.4 * len(evens) or odds.count(0) > 0.4 * len(odds):  # UTF-16 without BOM
        return False
    controls = sum(1 for b in sample if b < 9 or 13 < b < 32 and b != 27)
    if controls > 0.05 * len(sample):
        return True
    if b"\x00" in sample:
        try:
            sample.decode("utf-8")
        except UnicodeDecodeError as e:
            return e.start < len(sample) - 4  # a character cut at the end of the sample is not an error
    return False
