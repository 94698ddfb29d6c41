"""ask(): the one core function every face calls. Retrieve -> answer -> cite -> check."""

from __future__ import annotations

import time
from typing import Callable

from quelle.abstain import abstention
from quelle.answer_types import Answer, AnswerSentence, Citation, RetrievedPassage
from quelle.conversation import standalone_question
from quelle.extractive import pick_sentences
from quelle.language import detect_language
from quelle.resources import Resources
from quelle.settings import Settings
from vectorstore.filters import Filters
from vectorstore.retrieve import Passage


class QuestionError(ValueError):
    """The question cannot be asked as given (empty, too long, bad filter)."""


def validate_question(question: str, settings: Settings) -> str:
    q = " ".join((question or "").split())
    if not q:
        raise QuestionError("the question is empty")
    if len(q) > settings.max_question_chars:
        raise QuestionError(f"the question has {len(q):,} characters; the limit is {settings.max_question_chars:,} "
                            "(QUELLE_MAX_QUESTION_CHARS)")
    return q


def citation_from(passage: Passage, n: int, highlights: list[tuple[int, int]] | None = None) -> Citation:
    m = passage.meta
    return Citation(n=n, article_id=m.get("article_id", ""), title=m.get("title", ""), date=m.get("date", ""),
                    source=m.get("source", ""), text=passage.text, start=int(m.get("start", 0)),
                    end=int(m.get("end", 0)), score=round(float(passage.score), 4), url=m.get("url", ""),
                    page=m.get("page"), chunk_id=passage.chunk_id, highlights=list(highlights or []))


def ask(question: str, settings: Settings, history: list[dict] | None = None, *,
        resources: Resources | None = None, filters: Filters | None = None,
        on_token: Callable[[str], None] | None = None) -> Answer:
    """Answer a question from the stored articles, with numbered citations.

    `history` is the chat so far as [{"role": "user"|"assistant", "content": ...}]. `resources` lets a caller
    reuse a loaded model and store across questions (the CLI, UI and batch do); `on_token` receives the answer
    text as it is produced.
    """
    t0 = time.perf_counter()
    q = validate_question(question, settings)
    language = detect_language(q)
    if resources is None or not resources.compatible_with(settings):
        resources = Resources.open(settings, embedder=resources.embedder if resources else None)
    standalone = standalone_question(q, history)
    passages = resources.retriever.retrieve(standalone, settings.top_k, settings.retrieval_mode, filters,
                                            settings.hybrid_dense_weight, language)
    t1 = time.perf_counter()
    answer = _extractive(q, standalone, language, passages, resources, settings)
    if on_token:
        on_token(answer.answer)
    t2 = time.perf_counter()
    answer.standalone_question = standalone
    answer.retrieved = [RetrievedPassage(p.chunk_id, p.meta.get("article_id", ""), int(p.meta.get("start", 0)),
                                         int(p.meta.get("end", 0)), round(float(p.score), 4)) for p in passages]
    answer.timings_ms = {"retrieve": round((t1 - t0) * 1000, 1), "answer": round((t2 - t1) * 1000, 1),
                         "total": round((t2 - t0) * 1000, 1)}
    return answer


def _extractive(question: str, standalone: str, language: str, passages: list[Passage], resources: Resources,
                settings: Settings) -> Answer:
    pick = pick_sentences(standalone, passages, resources.retriever.lexical.idf, language)
    if pick is None or pick.coverage < settings.min_answer_score:
        return Answer(question=question, answer=abstention(language), abstained=True, backend="extractive",
                      language=language)
    passage = passages[pick.passage]
    cite = citation_from(passage, 1, pick.spans)
    text = " ".join(passage.text[s:e] for s, e in pick.spans)
    return Answer(question=question, answer=f"{text} [1]", abstained=False, backend="extractive",
                  language=language, citations=[cite],
                  sentences=[AnswerSentence(text=text, citations=[1], supported=True)])
