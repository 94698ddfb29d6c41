"""One settings object for every layer: env vars QUELLE_* and OPENAI_*, passed down explicitly."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from quelle.answering import registry

BUNDLED_MODEL = "bundled:all-MiniLM-L6-v2"

RetrievalMode = Literal["dense", "bm25", "hybrid"]


class Copyable:
    """`with_(**changes)`: a copy with some values changed, validated like the original (Settings, FeedSettings)."""

    def with_(self, **changes):
        data = self.model_dump()
        data.update(changes)
        return type(self).model_validate(data)


class Settings(Copyable, BaseSettings):
    """Everything Quelle can be configured with. Per-request changes are copies: `settings.with_(top_k=3)`."""

    model_config = SettingsConfigDict(env_prefix="QUELLE_", extra="ignore", populate_by_name=True)

    data_dir: Path = Path("data/index")
    collection: str = "quelle"
    chroma_url: str | None = None
    # with chroma_url: a folder every process of that server reaches (a network mount; any folder on one machine),
    # where the lexical index is published by revision so a joining process fetches it (vectorstore/published.py)
    lexical_shared_dir: Path | None = None

    embedding_model: str = BUNDLED_MODEL
    query_prefix: str | None = None  # None: chosen from the model name (e5: "query: ")
    passage_prefix: str | None = None  # None: chosen from the model name (e5: "passage: ")
    embed_batch_size: int = 64
    # issue 31, docs/models.md: `openai:<model>` embeds through an OpenAI-compatible /v1/embeddings server
    embedding_base_url: str | None = None  # None: OPENAI_BASE_URL, else https://api.openai.com/v1
    embedding_api_key: SecretStr | None = None  # None: OPENAI_API_KEY
    embedding_max_tokens: int | None = Field(None, ge=16)  # None: the model's max_seq_length, else 256 (embeddings.py)
    embedding_timeout: float = Field(30.0, gt=0)  # seconds per request to the embedding server
    embedding_retries: int = Field(3, ge=0)  # retries on 429, 5xx, timeouts and refused connections
    embedding_retry_max_wait: float = Field(30.0, ge=0)  # the longest Retry-After honoured, seconds

    chunk_tokens: int = Field(200, ge=16)  # capped at the model's own max_seq_length
    chunk_overlap_sentences: int = Field(1, ge=0)

    top_k: int = Field(5, ge=1, le=100)
    retrieval_mode: RetrievalMode = "hybrid"
    hybrid_dense_weight: float = Field(0.2, ge=0.0, le=1.0)  # measured on XQuAD-de, see vectorstore/retrieve.py
    rerank: float = Field(
        0.5, ge=0.0, le=1.0
    )  # share of the sentence-evidence stage, measured: vectorstore/retrieve.py
    # the optional second-stage reranker model (not the `rerank` share above, which weighs the built-in evidence
    # stage): "cross-encoder:<path or name>" or "http:<base url>" (a /rerank server), vectorstore/rerankers.py and
    # docs/models.md; None = off. It orders the top `rerank_top_n` passages again after the evidence stage
    reranker: str | None = None
    rerank_top_n: int = Field(30, ge=1, le=200)
    reranker_api_key: SecretStr | None = None  # an http: reranker gets it as `Authorization: Bearer …`; None: none
    min_answer_score: float = Field(
        0.21, ge=0.0, le=1.0
    )  # extractive: abstain below this confidence; bench/fit_answer.py
    sure_answer_score: float = Field(
        0.55, ge=0.0, le=1.0
    )  # extractive: below this an answer is unsure („Keine sichere Antwort gefunden …“); bench/bands.py

    # an answerer of quelle/answering/registry.py (extractive, openai, llamacpp, or one registered later);
    # None: openai when OPENAI_API_KEY is set, else extractive
    llm: str | None = None
    llm_model: str = "gpt-4o-mini"
    llm_timeout: float = 60.0
    llm_temperature: float = 0.0
    llm_max_tokens: int = 512
    llm_retries: int = 3
    llm_backoff_initial: float = 1.0  # seconds before the first retry; doubles up to llm_backoff_max
    llm_backoff_max: float = 10.0
    llm_chat_format: str | None = None  # llamacpp: chat format when the GGUF has no template (e.g. gemma)
    llm_context: int = 4096  # llamacpp: context window in tokens
    prompts_dir: Path | None = None

    openai_api_key: SecretStr | None = Field(None, validation_alias=AliasChoices("OPENAI_API_KEY", "openai_api_key"))
    openai_base_url: str | None = Field(None, validation_alias=AliasChoices("OPENAI_BASE_URL", "openai_base_url"))

    max_file_mb: float = 50.0
    max_article_chars: int = 2_000_000
    max_question_chars: int = 2_000

    # time-aware answers (quelle/timeaware/): the reference date for „gestern“, „letzte Woche“, „aktuell“ …;
    # None = today. QUELLE_AS_OF / `quelle ask --as-of` / a gold row's `as_of` make runs reproducible
    as_of: dt.date | None = None

    # the HTTP API (`quelle serve`, quelle/api/): with a key every route but /healthz needs `Bearer <key>`;
    # without one the server binds to 127.0.0.1 only
    api_key: SecretStr | None = None
    api_max_upload_mb: float = Field(200.0, gt=0)  # one upload request in all (each file: max_file_mb)

    # who may use the app (quelle/ui/access.py, docs/security.md); also read from secrets.toml
    host: str = "127.0.0.1"  # `make run` binds here; anything but loopback needs a password or allow_open
    reader_password: SecretStr | None = None  # ask, browse, batch/eval
    editor_password: SecretStr | None = None  # also upload, delete, feeds
    allow_open: bool = False  # on a network address without a password: start anyway, with a warning banner
    login_delay: float = Field(1.0, ge=0.0)  # seconds a failed login waits (serialised across sessions)

    @field_validator("llm")
    @classmethod
    def _registered_backend(cls, name: str | None) -> str | None:
        if name is not None and not registry.is_registered(name):
            known = [f"'{n}'" for n in registry.names()]
            raise ValueError(f"Input should be {', '.join(known[:-1])} or {known[-1]}")
        return name

    @field_validator("reranker")
    @classmethod
    def _known_reranker(cls, spec: str | None) -> str | None:
        if spec is None or not spec.strip():
            return None
        from vectorstore.rerankers import parse

        parse(spec)  # RerankerError (a ValueError) names the kinds
        return spec.strip()

    @model_validator(mode="after")
    def _choose_backend(self) -> "Settings":
        if self.llm is None:
            self.llm = "openai" if self.openai_api_key else registry.FALLBACK
        return self

    def with_(self, **changes) -> "Settings":
        """A copy with some values changed (validated like the original)."""
        return super().with_(**changes)

    @property
    def lexical_dir(self) -> Path:
        """The local BM25 index; one per Chroma server (keyed by URL and collection), never shared with the
        embedded store in data_dir/chroma."""
        if self.chroma_url:
            return self.data_dir / f"lexical-server-{self._server_key}"
        return self.data_dir / "lexical"

    @property
    def lexical_published_dir(self) -> Path | None:
        """Where the lexical index of this server store is published for other processes (None: not shared)."""
        if self.chroma_url and self.lexical_shared_dir:
            return self.lexical_shared_dir / f"lexical-{self._server_key}"
        return None

    @property
    def _server_key(self) -> str:
        import hashlib

        return hashlib.sha1(f"{self.chroma_url.rstrip('/').lower()}|{self.collection}".encode()).hexdigest()[:12]
