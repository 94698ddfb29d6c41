"""Request bodies of the API (pydantic). Unknown fields of Quelle's own requests are refused by name; the
OpenAI-compatible request accepts (and ignores) the many parameters chat clients send."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class AskFilters(BaseModel):
    """Like `quelle ask --source/--article/--since/--until`; a list means any of them."""

    model_config = ConfigDict(extra="forbid")

    source: str | list[str] | None = Field(None, description="only articles from this source (or these)")
    article: str | list[str] | None = Field(None, description="only this article id (or these)")
    since: str | None = Field(None, description="only articles dated on/after (YYYY, YYYY-MM or YYYY-MM-DD)")
    until: str | None = Field(None, description="only articles dated on/before (YYYY, YYYY-MM or YYYY-MM-DD)")


class HistoryMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Literal["user", "assistant"]
    content: str


class AskOptions(BaseModel):
    """The options of one question (as `quelle ask -k --mode --source …`)."""

    model_config = ConfigDict(extra="forbid")

    k: int | None = Field(None, ge=1, le=100, description="passages to retrieve (QUELLE_TOP_K)")
    mode: Literal["dense", "bm25", "hybrid"] | None = Field(None, description="retrieval mode")
    filters: AskFilters | None = None


class AskRequest(AskOptions):
    question: str = Field(
        ...,
        description="the question (QUELLE_MAX_QUESTION_CHARS at most)",
        examples=["Wo plant Alibaba neue Rechenzentren?"],
    )
    history: list[HistoryMessage] | None = Field(None, description="the chat so far, oldest first")
    stream: bool = Field(
        False, description="Server-Sent Events: `token` events, then one `answer` event with the whole JSON"
    )


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: str
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):  # content parts: the text parts, in order
            return "\n".join(str(p.get("text", "")) for p in self.content if p.get("type") in ("text", "input_text"))
        return self.content or ""


class ChatRequest(BaseModel):
    """OpenAI's chat completion request; `quelle` (optional, e.g. via the client's extra_body) takes k, mode,
    filters like /v1/ask. Sampling parameters are accepted and ignored."""

    model_config = ConfigDict(extra="allow")

    model: str = Field(..., examples=["quelle"])
    messages: list[ChatMessage] = Field(..., min_length=1)
    stream: bool = False
    quelle: AskOptions | None = None
