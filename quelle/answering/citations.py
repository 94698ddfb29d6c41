"""Citation markers, the one home: parse `[n]`, `[n, m]`, `[n-m]` as a model writes them; drop numbers with no
source; renumber the cited sources 1..k in order of first appearance (`[1]`, `[1, 2]`: the only form a finished
answer holds, read back by `cited_numbers` and removed by `strip_markers` for the UI, evaluation and feedback);
split the answer into sentences with their citations; check each sentence against the passages it cites.

Support check. A sentence is *supported* when

    SUPPORT_LEXICAL_WEIGHT * lexical + (1 - SUPPORT_LEXICAL_WEIGHT) * embedding >= SUPPORT_THRESHOLD

where `lexical` is the share of the sentence's index terms (vectorstore.analysis.analyze: stemmed, folded,
stop words out) found in the cited passages (compound-part matches count 0.6, numbers must match exactly)
and `embedding` the best cosine similarity between the sentence and a sentence (or the whole text) of a
cited passage, with the store's own embedding model. A sentence found verbatim in a cited passage is
supported without embedding anything (the extractive answers).

Measured, not guessed (`.venv/bin/python bench/measure_support.py`, XQuAD-de: 1,190 questions, 240
paragraphs, 48 articles, bundled all-MiniLM-L6-v2). Claim = "question: gold answer." (it reuses the source's
words the way an LLM answer does); supported pair = claim vs its own paragraph, unsupported = claim vs a random
paragraph of another article. Weight and threshold fit on the even-numbered questions (grid: weight 0.0..1.0
step 0.1 x threshold step 0.01, best balanced accuracy), reported on the odd-numbered ones:

    weight 0.9, threshold 0.33
    held-out balanced accuracy 0.998 (supported kept 0.997, unsupported rejected 1.000)
    lexical alone 0.998, embedding alone 0.963 (supported 0.946, unsupported 0.980)
    gold-answer sentence verbatim: vs own paragraph 1.000 supported, vs another article 1.000 rejected
    claim vs another paragraph of the SAME article (the hard case): 0.850 rejected

The lexical signal carries almost all of it on this data; the embedding share lets a paraphrase with few
shared words pass and costs nothing measurable. A citation to the wrong article is caught essentially always;
one to the wrong passage of the right article about five times in six.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from ingest.sentences import passage_sentence_spans, sentence_spans
from quelle.answering.types import AnswerSentence
from vectorstore.analysis import analyze

SUPPORT_LEXICAL_WEIGHT = 0.9  # measured: see the module docstring
SUPPORT_THRESHOLD = 0.33
PARTIAL_CREDIT = 0.6
MAX_RANGE = 20  # [1-9999] is not a citation range anyone means

# one citation marker: [3], [1, 2], [1-3], [2–4; 6], [Quelle 2], [Source 1, 3]
_INNER = r"\s*(?:(?:quelle|quellen|source|sources|artikel|nr\.?)\s*)?\d{1,4}(?:\s*(?:[-–,;]|und|and)\s*\d{1,4})*\s*"
MARKER = re.compile(r"\[(" + _INNER + r")\]", re.I)
_INNER_FULL = re.compile(_INNER + r"$", re.I)
_PART = re.compile(r"(\d{1,4})(?:\s*[-–]\s*(\d{1,4}))?")
_HOLDABLE = re.compile(r"[\w ,;.\-–]*")  # what may stand between '[' and ']' of a marker while streaming
_HOLD_CHARS = 40
# a marker of a finished answer (after CitationRewriter), with the spaces before it
ANSWER_MARKER = re.compile(r"\s*\[(\d+(?:\s*,\s*\d+)*)\]")
_SPACE_BEFORE_PUNCT = re.compile(r"[ \t]+([.,;:!?])")
_MULTI_SPACE = re.compile(r"[ \t]{2,}")


def parse_marker(inner: str) -> list[int]:
    """The numbers in one marker's inside: '1, 3-5' -> [1, 3, 4, 5] (ranges longer than MAX_RANGE kept as ends)."""
    numbers: list[int] = []
    for m in _PART.finditer(inner):
        a = int(m.group(1))
        b = int(m.group(2)) if m.group(2) else a
        if b < a:
            a, b = b, a
        span = range(a, b + 1) if b - a < MAX_RANGE else (a, b)
        for n in span:
            if n not in numbers:
                numbers.append(n)
    return numbers


def cited_numbers(answer: str) -> list[int]:
    """The numbers a finished answer cites ([n] / [n, m]), in the order they first appear."""
    seen: list[int] = []
    for m in ANSWER_MARKER.finditer(answer or ""):
        for n in m.group(1).split(","):
            if int(n) not in seen:
                seen.append(int(n))
    return seen


def trailing_citation(line: str) -> int | None:
    """The number of the single-number marker a line ends with („- Satz [2]“ -> 2); None when it ends otherwise."""
    last = None
    for m in ANSWER_MARKER.finditer(line or ""):
        last = m
    if last is None or last.end() != len(line) or "," in last.group(1):
        return None
    return int(last.group(1))


def strip_markers(answer: str) -> str:
    """A finished answer without its citation markers (and the spaces before them): 'Satz [1].' -> 'Satz.'"""
    return ANSWER_MARKER.sub("", answer or "")


class CitationRewriter:
    """Rewrites citation markers as text arrives (token by token or all at once).

    Numbers outside 1..n_sources are dropped and counted; the others are renumbered by first appearance,
    so the streamed text is exactly the final answer text. `order` maps new number -> original source index.
    """

    def __init__(self, n_sources: int):
        self.n_sources = n_sources
        self.order: list[int] = []  # original numbers in order of first citation
        self.removed = 0
        self._pending = ""  # text held back: an open '[' that may become a marker, or trailing spaces
        self.text = ""

    def _new_number(self, original: int) -> int:
        if original not in self.order:
            self.order.append(original)
        return self.order.index(original) + 1

    def _rewrite(self, inner: str) -> str:
        kept: list[int] = []
        for n in parse_marker(inner):
            if 1 <= n <= self.n_sources:
                new = self._new_number(n)
                if new not in kept:
                    kept.append(new)
            else:
                self.removed += 1
        return "[" + ", ".join(map(str, sorted(kept))) + "]" if kept else ""

    def feed(self, chunk: str) -> str:
        """Text that is safe to show now."""
        buf = self._pending + chunk
        out: list[str] = []
        i = 0
        while i < len(buf):
            ch = buf[i]
            if ch == "[":
                close = buf.find("]", i)
                if close == -1:
                    tail = buf[i + 1 :]
                    if len(tail) <= _HOLD_CHARS and _HOLDABLE.fullmatch(tail):
                        # may still become a marker: hold it back, with the spaces before it
                        while out and out[-1] and not out[-1].strip(" \t"):
                            i -= len(out.pop())
                        break
                    out.append(ch)
                    i += 1
                    continue
                inner = buf[i + 1 : close]
                if _INNER_FULL.match(inner):
                    rewritten = self._rewrite(inner)
                    if not rewritten:  # drop the marker and the spaces before it
                        while out and out[-1] in " \t":
                            out.pop()
                    out.append(rewritten)
                    i = close + 1
                    continue
                out.append(ch)
                i += 1
                continue
            if ch in " \t":
                j = i
                while j < len(buf) and buf[j] in " \t":
                    j += 1
                if j == len(buf):
                    break  # hold trailing spaces: a dropped marker may follow
                out.append(buf[i:j])
                i = j
                continue
            out.append(ch)
            i += 1
        self._pending = buf[i:]
        emitted = "".join(out)
        self.text += emitted
        return emitted

    def finish(self) -> str:
        rest, self._pending = self._pending, ""
        rest = rest.rstrip()
        self.text += rest
        return rest


def rewrite_citations(text: str, n_sources: int) -> CitationRewriter:
    """Rewrite a whole answer at once (the same result as streaming it through feed())."""
    rw = CitationRewriter(n_sources)
    rw.feed(text)
    rw.finish()
    return rw


def tidy(text: str) -> str:
    """Spacing left behind by dropped markers: 'Satz .' -> 'Satz.'"""
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    return _MULTI_SPACE.sub(" ", text).strip()


def split_cited_sentences(text: str, language: str = "de") -> list[AnswerSentence]:
    """The answer's sentences (markers stripped) with the numbers cited in or right after each."""
    pieces: list[tuple[str, list[int]]] = []
    for s, e in sentence_spans(text, language):
        raw = text[s:e]
        cites: list[int] = []
        for m in MARKER.finditer(raw):
            cites.extend(n for n in parse_marker(m.group(1)) if n not in cites)
        plain = tidy(MARKER.sub("", raw))
        leading = MARKER.match(raw.lstrip())
        if pieces and leading:  # "Satz. [1] Nächster Satz." -> the [1] belongs to the sentence before
            lead_nums = parse_marker(leading.group(1))
            prev_text, prev_cites = pieces[-1]
            pieces[-1] = (prev_text, prev_cites + [n for n in lead_nums if n not in prev_cites])
            rest = raw.lstrip()[leading.end() :]
            cites = []
            for m in MARKER.finditer(rest):
                cites.extend(n for n in parse_marker(m.group(1)) if n not in cites)
            plain = tidy(MARKER.sub("", rest))
        if not re.search(r"\w", plain):
            if pieces:
                prev_text, prev_cites = pieces[-1]
                pieces[-1] = (prev_text, prev_cites + [n for n in cites if n not in prev_cites])
            continue
        pieces.append((plain, cites))
    return [AnswerSentence(text=t, citations=c) for t, c in pieces]


# ---- support ---------------------------------------------------------------------------------------------


def _credit(term: str, terms: set[str]) -> float:
    if term in terms:
        return 1.0
    if term[0].isdigit():
        return 0.0  # a number is in the source or it is not
    if len(term) >= 4 and any(
        len(t) >= 4 and (t.startswith(term) or term.startswith(t) or t.endswith(term)) for t in terms
    ):
        return PARTIAL_CREDIT
    return 0.0


def lexical_support(sentence: str, passages: Sequence[str], language: str = "de") -> float:
    """Share of the sentence's index terms that occur in the passages (0..1)."""
    s_terms = set(analyze(sentence, language))
    if not s_terms:
        return 0.0
    p_terms: set[str] = set()
    for p in passages:
        p_terms.update(analyze(p, language))
    return sum(_credit(t, p_terms) for t in s_terms) / len(s_terms)


def passage_units(passages: Sequence[str], language: str = "de") -> list[str]:
    """What a sentence is compared with: every sentence of the passages and each passage whole."""
    units: list[str] = []
    for p in passages:
        units.extend(p[s:e] for s, e in sentence_spans(p, language))
        units.append(p)
    return [u for u in units if u.strip()]


def embedding_support(sentence_vec: np.ndarray, unit_vecs: np.ndarray) -> float:
    if unit_vecs.size == 0:
        return 0.0
    return float(np.max(unit_vecs @ sentence_vec))


def support_score(lexical: float, embedding: float) -> float:
    return SUPPORT_LEXICAL_WEIGHT * lexical + (1 - SUPPORT_LEXICAL_WEIGHT) * embedding


def _normal(text: str) -> str:
    return " ".join(text.split()).lower()


@dataclass
class Checked:
    sentences: list[AnswerSentence]
    highlights: dict[int, list[tuple[int, int]]] = field(default_factory=dict)  # new number -> spans in passage


def check_support(
    sentences: list[AnswerSentence],
    cited_texts: dict[int, str],
    embed: Callable[[list[str]], np.ndarray],
    language: str = "de",
) -> Checked:
    """Mark each sentence supported True/False against the passages it cites; collect highlights.

    `cited_texts` maps citation number -> passage text; `embed` returns normalized vectors for texts.
    A highlight is the passage sentence that best matches a supported sentence citing it.
    """
    highlights: dict[int, list[tuple[int, int]]] = {n: [] for n in cited_texts}
    todo: list[tuple[AnswerSentence, list[int]]] = []
    for s in sentences:
        nums = [n for n in s.citations if n in cited_texts]
        if not nums:
            s.supported = False
            continue
        verbatim = [n for n in nums if _normal(s.text) in _normal(cited_texts[n])]
        if verbatim:
            s.supported = True
            for n in verbatim:
                _add_highlight(highlights[n], cited_texts[n], s.text, language, exact=True)
            continue
        todo.append((s, nums))
    if todo:
        texts = [s.text for s, _ in todo]
        unit_lists = [[(n, u) for n in nums for u in passage_units([cited_texts[n]], language)] for _, nums in todo]
        flat = [u for units in unit_lists for _, u in units]
        vecs = embed(texts + flat)
        s_vecs, u_vecs = vecs[: len(texts)], vecs[len(texts) :]
        pos = 0
        for (s, nums), units, s_vec in zip(todo, unit_lists, s_vecs):
            block = u_vecs[pos : pos + len(units)]
            pos += len(units)
            lex = lexical_support(s.text, [cited_texts[n] for n in nums], language)
            emb = embedding_support(s_vec, block)
            s.supported = support_score(lex, emb) >= SUPPORT_THRESHOLD
            if s.supported and len(units):
                sims = block @ s_vec
                best_n, best_unit = units[int(np.argmax(sims))]
                _add_highlight(highlights[best_n], cited_texts[best_n], best_unit, language, exact=True)
    return Checked(sentences, {n: sorted(set(h)) for n, h in highlights.items()})


def _add_highlight(spans: list[tuple[int, int]], passage: str, sentence: str, language: str, exact: bool) -> None:
    """The passage sentence(s) that contain / equal `sentence`."""
    target = _normal(sentence)
    if target == _normal(passage):
        return  # the whole passage: no highlight needed
    for s, e in passage_sentence_spans(passage, language):
        unit = _normal(passage[s:e])
        if unit and (unit in target or target in unit):
            spans.append((s, e))


def also_text(also: Sequence[dict], limit: int = 4, more: str = "und {n} weitere") -> str:
    """The other versions of a cited report as one line: „Tagesblatt (03.03.2026), Rundschau (04.03.2026) und 2
    weitere“ (names and dates only; the faces escape it; `more` names the rest)."""
    names = [
        str(a.get("source") or a.get("article_id", "")) + (f" ({german_date(a['date'])})" if a.get("date") else "")
        for a in also
    ]
    if len(names) > limit:
        return ", ".join(names[:limit]) + " " + more.format(n=len(names) - limit)
    return ", ".join(names)


def german_date(iso: str) -> str:
    """'2026-03-04' -> '04.03.2026' (other forms unchanged)."""
    parts = iso[:10].split("-")
    return ".".join(reversed(parts)) if len(parts) == 3 and all(p.isdigit() for p in parts) else iso
