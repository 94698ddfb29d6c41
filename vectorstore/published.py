"""The lexical index published for other processes of a shared Chroma server: its segments and one manifest per
store revision in a directory every process can reach (QUELLE_LEXICAL_SHARED_DIR: a network mount, or any folder
on one machine). A process that joins fetches the manifest of the server's revision and copies the segments it
does not have yet — nothing is tokenised again —, and after another process wrote it fetches the new revision's
manifest and only the segments that write made. The design and why not Chroma itself: docs/performance.md.

Layout of the directory (one per server URL and collection, `Settings.lexical_shared_dir`):

    seg-<name>/                   a segment as LexicalIndex saves it (immutable, its name never reused)
    manifest-<revision>.json      {"format", "revision", "segments": [{"name", "dead", "files": {path: [size,
                                  sha256]}}]}: written last and atomically, so a reader sees a whole revision or none

Every copy is checked against the sizes and SHA-256 sums of the manifest; anything missing, short or different
is a PublishedError, and the caller rebuilds from the store instead (and says so in the log).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import time
import uuid
from pathlib import Path

import numpy as np

from vectorstore.lexical import FORMAT, LexicalIndex
from vectorstore.segment import Segment

KEEP_MANIFESTS = 4  # the newest manifests kept (a reader may still be copying an older revision's segments)
GRACE_S = 600.0  # a segment no kept manifest names is removed only when older than this (a publisher may be
# between copying its segments and writing their manifest)

log = logging.getLogger(__name__)
_REVISION = re.compile(r"[0-9A-Za-z_-]{1,64}")


class PublishedError(RuntimeError):
    """A published revision cannot be used: its manifest or one of its segments is missing, partial or corrupt."""


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _files(folder: Path) -> dict[str, list]:
    """relative path -> [size, sha256] of every file under a segment folder."""
    return {
        p.relative_to(folder).as_posix(): [p.stat().st_size, _digest(p)]
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _manifest_name(revision: str) -> str:
    if not _REVISION.fullmatch(revision or ""):  # it names a file: never a path (it comes from the server)
        raise PublishedError(f"revision {revision!r} cannot name a published index")
    return f"manifest-{revision}.json"


class PublishedIndex:
    """The shared directory of one store's lexical index."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)

    def has(self, revision: str | None) -> bool:
        return (
            bool(revision)
            and bool(_REVISION.fullmatch(revision))
            and (self.directory / _manifest_name(revision)).exists()
        )

    # --- publishing ------------------------------------------------------------------------------------------
    def publish(self, index: LexicalIndex) -> bool:
        """Publish `index` (saved in its own directory) under its revision: copy the segments not published yet,
        then write the manifest. False when that revision is published already or the index has no revision."""
        if not index.revision or not _REVISION.fullmatch(index.revision) or self.has(index.revision):
            return False
        self.directory.mkdir(parents=True, exist_ok=True)
        sums = self._published_sums()
        entries = []
        for seg, dead in zip(index.segments, index.dead):
            local = index.directory / f"seg-{seg.name}"
            if not local.is_dir():
                seg.save(index.directory)
            shared = self.directory / f"seg-{seg.name}"
            if not shared.is_dir():
                tmp = self.directory / f".tmp-{seg.name}-{uuid.uuid4().hex[:6]}"
                shutil.copytree(local, tmp)
                try:
                    os.replace(tmp, shared)
                except OSError:  # another publisher was quicker: its copy is the same immutable segment
                    shutil.rmtree(tmp, ignore_errors=True)
            entries.append(
                {"name": seg.name, "dead": np.flatnonzero(dead).tolist(), "files": sums.get(seg.name) or _files(local)}
            )
        manifest = {"format": FORMAT, "revision": index.revision, "published": time.time(), "segments": entries}
        tmp = self.directory / f".{_manifest_name(index.revision)}.{uuid.uuid4().hex[:6]}.tmp"
        tmp.write_text(json.dumps(manifest), encoding="utf-8")
        os.replace(tmp, self.directory / _manifest_name(index.revision))
        self._collect()
        return True

    def _published_sums(self) -> dict[str, dict]:
        """Segment name -> its files' sizes and sums, from the newest manifest (segments never change: a
        publisher hashes only the segments it adds)."""
        newest = self.newest_revision()
        if newest is None:
            return {}
        try:
            entries = json.loads((self.directory / _manifest_name(newest)).read_text(encoding="utf-8"))["segments"]
            return {e["name"]: e["files"] for e in entries}
        except (OSError, ValueError, KeyError, TypeError, PublishedError):
            return {}

    def _collect(self) -> None:
        """Remove manifests beyond the newest KEEP_MANIFESTS and segments none of those names (after GRACE_S)."""
        manifests = sorted(self.directory.glob("manifest-*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        named: set[str] = set()
        for p in manifests[:KEEP_MANIFESTS]:
            try:
                named |= {e["name"] for e in json.loads(p.read_text(encoding="utf-8"))["segments"]}
            except (OSError, ValueError, KeyError, TypeError):
                return  # unreadable: remove nothing rather than something still named
        for p in manifests[KEEP_MANIFESTS:]:
            p.unlink(missing_ok=True)
        now = time.time()
        for p in self.directory.iterdir():
            stale = now - p.stat().st_mtime > GRACE_S
            if p.name.startswith("seg-") and p.name[4:] not in named and stale:
                shutil.rmtree(p, ignore_errors=True)
            elif p.name.startswith(".tmp-") and stale:
                shutil.rmtree(p, ignore_errors=True)

    # --- fetching --------------------------------------------------------------------------------------------
    def newest_revision(self) -> str | None:
        """The revision of the newest manifest (a base to catch up from when the server's is not published)."""
        manifests = sorted(self.directory.glob("manifest-*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        return manifests[0].name[len("manifest-") : -len(".json")] if manifests else None

    def fetch(self, revision: str, local: Path, known: list[Segment] | tuple = ()) -> LexicalIndex:
        """The published index of `revision`, its segments copied into `local` (the process's own lexical folder)
        unless already there, checked, saved there and memory-mapped. Segments in `known` are reused."""
        path = self.directory / _manifest_name(revision)
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
            entries = manifest["segments"]
        except FileNotFoundError as e:
            raise PublishedError(f"no published lexical index for revision {revision} in {self.directory}") from e
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise PublishedError(f"{path}: unreadable manifest ({e})") from e
        if manifest.get("format") != FORMAT or manifest.get("revision") != revision:
            raise PublishedError(f"{path}: format {manifest.get('format')} / revision {manifest.get('revision')}")
        local = Path(local)
        local.mkdir(parents=True, exist_ok=True)
        loaded = {s.name: s for s in known}
        segments, dead = [], []
        for entry in entries:
            name = entry["name"]
            seg = loaded.get(name)
            if seg is None:
                self._copy(name, entry["files"], local)
                try:
                    seg = Segment.load(local, name)
                except (OSError, ValueError, KeyError) as e:
                    shutil.rmtree(local / f"seg-{name}", ignore_errors=True)
                    raise PublishedError(f"segment {name} of revision {revision} cannot be read: {e}") from e
            d = np.zeros(len(seg), dtype=bool)
            try:
                d[entry["dead"]] = True
            except IndexError as e:
                raise PublishedError(f"{path}: dead rows of segment {name} out of range") from e
            segments.append(seg)
            dead.append(d)
        index = LexicalIndex(local, segments, dead, revision)
        index.save()
        return index

    def _copy(self, name: str, files: dict, local: Path) -> None:
        """Copy one published segment into `local` (checked against the manifest; atomic: a half-copied segment
        is never seen). A segment already there (this process fetched or built it) is checked the same way."""
        final = local / f"seg-{name}"
        if final.is_dir():
            if _files(final) == files:
                return
            shutil.rmtree(final, ignore_errors=True)
        source = self.directory / f"seg-{name}"
        if not source.is_dir():
            raise PublishedError(f"published segment {source} is missing")
        tmp = local.parent / f".fetch-{name}-{uuid.uuid4().hex[:6]}"
        try:
            shutil.copytree(source, tmp)
            got = _files(tmp)
            if got != files:
                bad = sorted(k for k in set(got) | set(files) if got.get(k) != files.get(k))
                raise PublishedError(f"published segment {source} is partial or corrupt: {', '.join(bad)} differ")
            os.replace(tmp, final)
        except OSError as e:
            raise PublishedError(f"published segment {source} cannot be copied: {e}") from e
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def fetch_published(published: PublishedIndex, revision: str, base: LexicalIndex) -> LexicalIndex | None:
    """What a process out of step takes from the shared folder: the index published for the store's `revision`;
    when that is not published (yet) and the process has no index at all, the newest published one, as a base to
    catch up from by comparing it with the store. None when nothing fits — or what fits is missing, partial or
    corrupt: that is logged, and the caller builds from the store instead."""
    wanted = revision if published.has(revision) else (None if base.segments else published.newest_revision())
    if wanted is None:
        return None
    try:
        return published.fetch(wanted, base.directory, known=base.segments)
    except PublishedError as e:
        log.warning("published lexical index not usable (%s): rebuilding it from the store", e)
        return None
