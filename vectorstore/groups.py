"""Near-duplicate groups: syndicated copies (agency text in several outlets) and updated versions (one outlet's new
URL for an edited report) of one article form a group, found at ingest with shingled MinHash (datasketch) and its
LSH index over the normalised article text. docs/dedup.md has the design and the measured threshold.

- `signature(text)`: the MinHash of the text's word shingles (SHINGLE words, NUM_PERM permutations); stored with
  the article (`encode`/`decode`), so that a restart or the next ingest groups new articles without reading the old
  texts again.
- `Groups`: every stored article's group, and the LSH of the stored signatures. `assign` puts a new article into the
  group of its most similar stored article (estimated Jaccard at least THRESHOLD) or founds a group named after
  itself; `remove` takes one out — the others stay grouped, and a group named after the removed article is renamed
  after its representative.
- The representative of a group is its earliest version (first publication date; undated versions count as the
  latest; on a tie the longest text): a journalist cites the first publication. Retrieval still returns whichever
  copy's passage answers best (vectorstore/retrieve.py `one_per_group`) — a fuller later version is not lost — and
  dates the group by its first publication.
"""

from __future__ import annotations

import base64
import re
import unicodedata
from dataclasses import dataclass

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH

NUM_PERM = 128  # permutations: the estimate's standard error at J = 0.5 is sqrt(0.25 / 128) = 0.044
SHINGLE = 5  # words per shingle
SEED = 1
SCHEME = "affine32"  # datasketch's hashing scheme; stored signatures name none, so it is fixed here
# estimated Jaccard of the shingle sets at or above which two articles are copies: fitted by bench/dedup_eval.py on
# one half of the news-de articles and their edited copies (fit half F1 0.985, precision 1.0; test half precision 1.0,
# recall 0.990 — docs/dedup.md); 0.1 grouped reports that quote two sentences of another

THRESHOLD = 0.2
# shingles two articles must share (estimated) besides the threshold: short texts that share only a boilerplate
# sentence („Der Volltext dieses auf Agenturmeldungen basierenden Artikels steht … nicht mehr zur Verfügung.“: 12
# shingles, Jaccard 0.26–0.41 between unrelated 20-word stubs of news-de) are no copies; 25 shingles are a passage of
# about 30 words
MIN_SHARED = 25

_PERMUTATIONS = None


def normalise(text: str) -> list[str]:
    """The words of a text as grouping compares them: NFKC, case folded, punctuation and dashes dropped."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return re.findall(r"\w+", text)


def shingles(text: str, size: int = SHINGLE) -> set[bytes]:
    """The set of `size`-word shingles of the normalised text (a shorter text: its words as one shingle)."""
    words = normalise(text)
    if len(words) <= size:
        return {" ".join(words).encode("utf-8")} if words else set()
    return {" ".join(words[i : i + size]).encode("utf-8") for i in range(len(words) - size + 1)}


def signature(text: str, size: int = SHINGLE) -> LeanMinHash:
    """The MinHash signature of the text's shingles."""
    return signed(shingles(text, size))


def signed(items: set[bytes]) -> LeanMinHash:
    """The MinHash signature of a set of shingles."""
    global _PERMUTATIONS
    if _PERMUTATIONS is None:  # the same permutations for every signature: made once, not per article
        _PERMUTATIONS = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME).permutations
    m = MinHash(num_perm=NUM_PERM, seed=SEED, permutations=_PERMUTATIONS, scheme=SCHEME)
    m.update_batch(sorted(items))
    return LeanMinHash(m)


def encode(sig: LeanMinHash) -> str:
    """A signature as text for the store's metadata (NUM_PERM 32-bit values, base64)."""
    return base64.b64encode(np.asarray(sig.hashvalues, dtype="<u4").tobytes()).decode("ascii")


def decode(text: str) -> LeanMinHash | None:
    """The signature `encode` wrote; None when the text is not one (another NUM_PERM, damaged metadata)."""
    try:
        values = np.frombuffer(base64.b64decode(text, validate=True), dtype="<u4").astype(np.uint64)
    except (ValueError, TypeError):
        return None
    if len(values) != NUM_PERM:
        return None
    return LeanMinHash(seed=SEED, hashvalues=values, scheme=SCHEME)


@dataclass
class Member:
    """One article of a group, as the citation's „auch bei“ and the listings show it."""

    article_id: str
    group: str
    date: str = ""
    source: str = ""
    url: str = ""
    title: str = ""
    length: int = 0  # characters of text
    shingles: int = 0  # distinct shingles of the text (0: unknown)

    def public(self) -> dict:
        return {"article_id": self.article_id, "source": self.source, "date": self.date, "url": self.url,
                "title": self.title}  # fmt: skip


def representative(members: list[Member]) -> Member:
    """The earliest version (undated ones last), then the longest, then the smallest id."""
    return min(members, key=lambda m: (m.date[:10] or "9999", -m.length, m.article_id))


class Groups:
    """Every stored article's group and the LSH of their signatures (articles stored without one — before grouping
    existed, or written in bulk — are groups of their own and never matched)."""

    def __init__(self, threshold: float = THRESHOLD):
        self.threshold = threshold
        self.members: dict[str, Member] = {}  # article id -> member
        self.signatures: dict[str, LeanMinHash] = {}
        self.by_group: dict[str, set[str]] = {}
        self.revision = ""  # the store revision this state reflects (set by its owner, vectorstore/index.py)
        # stored signatures are decoded and put into the LSH at the first match, not when the state is read: a
        # process that only answers questions needs the groups, not the index
        self._stored: dict[str, str] = {}
        self._lsh: MinHashLSH | None = None
        self._has_copies: bool | None = None

    @classmethod
    def from_heads(cls, heads: list[dict], threshold: float = THRESHOLD) -> "Groups":
        """The state of the stored articles, from their first chunks' metadata (`group`, `minhash`)."""
        g = cls(threshold)
        for h in heads:
            aid = h.get("article_id", "")
            if not aid:
                continue
            g._add(member_of(h))
            if h.get("minhash"):
                g._stored[aid] = str(h["minhash"])
        return g

    def _add(self, member: Member, sig: LeanMinHash | None = None) -> None:
        self._has_copies = None
        self.members[member.article_id] = member
        self.by_group.setdefault(member.group, set()).add(member.article_id)
        if sig is not None:
            self.signatures[member.article_id] = sig
            if self._lsh is not None:
                self._lsh.insert(member.article_id, sig, check_duplication=False)

    @property
    def lsh(self) -> MinHashLSH:
        """The LSH index of every signature (built at the first use)."""
        if self._lsh is None:
            self._lsh = MinHashLSH(threshold=self.threshold, num_perm=NUM_PERM)
            for aid, text in self._stored.items():
                sig = decode(text)
                if sig is not None:
                    self.signatures[aid] = sig
            self._stored.clear()
            with self._lsh.insertion_session() as session:
                for aid, sig in self.signatures.items():
                    session.insert(aid, sig, check_duplication=False)
        return self._lsh

    @property
    def has_copies(self) -> bool:
        """Whether any group has two or more articles (else retrieval is left exactly as it was)."""
        if self._has_copies is None:
            self._has_copies = any(len(ids) > 1 for ids in self.by_group.values())
        return self._has_copies

    def has_signature(self, article_id: str) -> bool:
        return article_id in self.signatures or article_id in self._stored

    def best_match(self, sig: LeanMinHash, n_shingles: int = 0) -> tuple[str, float] | None:
        """The stored article most similar to the signature (estimated Jaccard >= threshold, and at least
        MIN_SHARED shingles shared when both counts are known; on a tie the smaller id), or None."""
        best = None
        for key in self.lsh.query(sig):
            j = sig.jaccard(self.signatures[key])
            if j < self.threshold or shared(j, n_shingles, self.members[key].shingles) < MIN_SHARED:
                continue
            if best is None or j > best[1] or (j == best[1] and key < best[0]):
                best = (key, j)
        return best

    def assign(self, member: Member, sig: LeanMinHash) -> dict[str, str]:
        """Put an article (new, or a new version of a stored one) into its group: that of its most similar stored
        article, or a new group named after itself. Returns the articles whose group changed ({id: group}: the
        article itself, and others when its old group had to be renamed)."""
        moved = self.remove(member.article_id) if member.article_id in self.members else {}
        match = self.best_match(sig, member.shingles)
        member.group = self.members[match[0]].group if match else member.article_id
        self._add(member, sig)
        moved[member.article_id] = member.group
        return moved

    def remove(self, article_id: str) -> dict[str, str]:
        """Take an article out; the others stay grouped. A group named after it is renamed after its representative
        (returned: {article id: new group} of the renamed members)."""
        member = self.members.pop(article_id, None)
        if member is None:
            return {}
        self._has_copies = None
        self._stored.pop(article_id, None)
        if self.signatures.pop(article_id, None) is not None and self._lsh is not None:
            self._lsh.remove(article_id)
        rest = self.by_group.get(member.group, set())
        rest.discard(article_id)
        if not rest:
            self.by_group.pop(member.group, None)
            return {}
        if member.group != article_id:
            return {}
        new = representative([self.members[a] for a in rest]).article_id
        del self.by_group[member.group]
        self.by_group[new] = rest
        for a in rest:
            self.members[a].group = new
        return {a: new for a in rest}

    def group_of(self, article_id: str) -> str:
        m = self.members.get(article_id)
        return m.group if m else article_id

    def copies(self) -> dict[str, list[Member]]:
        """Groups of two or more articles: group -> members, the representative first, then by date."""
        out = {}
        for group, ids in self.by_group.items():
            if len(ids) > 1:
                ms = [self.members[a] for a in ids]
                rep = representative(ms)
                out[group] = [rep] + sorted((m for m in ms if m is not rep), key=lambda m: (m.date, m.article_id))
        return out


def shared(jaccard: float, a: int, b: int) -> float:
    """Estimated shingles two sets share: J * |A ∪ B|, with |A ∪ B| = (|A| + |B|) / (1 + J); unknown counts (0):
    no limit."""
    if not a or not b:
        return float("inf")
    return jaccard * (a + b) / (1 + jaccard)


def member_of(head: dict) -> Member:
    """A group member from an article's first-chunk metadata (its group: `group`, else its own id)."""
    aid = str(head.get("article_id", ""))
    return Member(
        aid,
        str(head.get("group") or aid),
        str(head.get("date") or ""),
        str(head.get("source") or ""),
        str(head.get("url") or ""),
        str(head.get("title") or ""),
        int(head.get("text_chars") or 0),
        int(head.get("shingles") or 0),
    )


def one_per_group(passages: list, groups: Groups | None) -> list:
    """Passages (best first) with one passage per group of copies: of a group of two or more articles only its best
    passage stays (whichever copy it is from); an article without copies keeps all its passages, as before. The kept
    passage of a group gets `extra["group"]`, `extra["also"]` (the other versions: article_id, source, date, url,
    title; oldest first) and `extra["first_published"]` (the group's earliest date, "" when none is dated)."""
    seen: set[str] = set()
    kept = []
    for p in passages:
        aid = p.meta.get("article_id", "")
        group = groups.group_of(aid) if groups is not None else str(p.meta.get("group") or aid)
        ids = groups.by_group.get(group, ()) if groups is not None else ()
        if len(ids) < 2:
            kept.append(p)
            continue
        if group in seen:
            continue
        seen.add(group)
        kept.append(p)
        members = [groups.members[a] for a in ids]
        others = sorted((m for m in members if m.article_id != aid), key=lambda m: (m.date or "9999", m.source))
        p.extra["group"] = group
        p.extra["also"] = [m.public() for m in others]
        p.extra["first_published"] = min((m.date for m in members if m.date), default="")
    return kept
