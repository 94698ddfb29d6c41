"""LLM chat backends: OpenAI / any OpenAI-compatible server (langchain-openai ChatOpenAI) and a local GGUF
in-process (llama-cpp-python). Streaming through `on_token`, retries with backoff (tenacity), and faults
turned into LLMError with a plain German reason that ask() shows as `Answer.fallback`.

Retried: timeouts, refused/broken connections, 429 and 5xx — but only until the first token has been
streamed (a reply cannot be taken back from the screen). Not retried: 401/403 (LLMAuthError naming
OPENAI_API_KEY) and other 4xx (bad model name, ...).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Protocol

from tenacity import RetryError, Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from quelle.answering.registry import AnswererError
from quelle.settings import Settings

Messages = list[tuple[str, str]]
OnToken = Callable[[str], None]


class LLMError(AnswererError):
    """The LLM could not answer; `reason` is shown to the user (Answer.fallback) and ask() falls back."""


class LLMAuthError(LLMError):
    """The server refused the credentials (or none were given)."""


class ChatBackend(Protocol):
    name: str
    model: str

    def complete(self, messages: Messages, on_token: OnToken | None = None) -> str: ...


# ---- fault classification ----------------------------------------------------------------------------------


def _status(e: BaseException) -> int | None:
    return getattr(e, "status_code", None) or getattr(getattr(e, "response", None), "status_code", None)


def is_transient(e: BaseException) -> bool:
    import httpx
    import openai

    if isinstance(
        e,
        (
            openai.APITimeoutError,
            openai.APIConnectionError,
            openai.RateLimitError,
            openai.InternalServerError,
            httpx.TimeoutException,
            httpx.TransportError,
            TimeoutError,
            ConnectionError,
        ),
    ):
        return True
    status = _status(e)
    return status is not None and (status == 429 or status >= 500)


def describe(e: BaseException) -> str:
    """A short German description of a fault, for Answer.fallback."""
    import httpx
    import openai

    if isinstance(e, (openai.APITimeoutError, httpx.TimeoutException, TimeoutError)):
        return "Zeitüberschreitung"
    if isinstance(e, (openai.APIConnectionError, httpx.TransportError, ConnectionError)):
        return "Server nicht erreichbar"
    status = _status(e)
    if status == 429:
        return "zu viele Anfragen (HTTP 429)"
    if status is not None:
        msg = getattr(e, "message", "") or str(e)
        return f"HTTP {status}: {msg[:200]}"
    return f"{type(e).__name__}: {str(e)[:200]}"


class _Streamed(Exception):
    """Wraps a fault that happened after tokens were shown (not retried)."""

    def __init__(self, cause: BaseException):
        super().__init__(str(cause))
        self.cause = cause


def with_retries(settings: Settings, attempt: Callable[[], str], where: str) -> str:
    """Run `attempt` with tenacity: llm_retries retries, exponential backoff from llm_backoff_initial."""
    retrying = Retrying(
        stop=stop_after_attempt(settings.llm_retries + 1),
        wait=wait_exponential(multiplier=settings.llm_backoff_initial, max=settings.llm_backoff_max),
        retry=retry_if_exception(is_transient),
        reraise=False,
    )
    tries = 0
    try:
        for att in retrying:
            with att:
                tries += 1
                return attempt()
    except RetryError as e:
        cause = e.last_attempt.exception()
        raise LLMError(f"LLM nicht verfügbar ({where}): {describe(cause)} nach {tries} Versuchen") from cause
    except _Streamed as e:
        raise LLMError(f"LLM-Antwort abgebrochen ({where}): {describe(e.cause)}") from e.cause
    except LLMError:
        raise
    except Exception as e:  # noqa: BLE001 — every other fault becomes a visible fallback, never a crash
        import openai

        status = _status(e)
        if isinstance(e, (openai.AuthenticationError, openai.PermissionDeniedError)) or status in (401, 403):
            raise LLMAuthError(
                f"Der LLM-Server ({where}) lehnt den Schlüssel ab (HTTP {status}): OPENAI_API_KEY prüfen"
            ) from e
        raise LLMError(f"LLM-Fehler ({where}): {describe(e)}") from e
    raise LLMError(f"LLM nicht verfügbar ({where})")  # pragma: no cover — tenacity always returns or raises


# ---- OpenAI and compatible servers ---------------------------------------------------------------------------


class OpenAIChat:
    """ChatOpenAI against api.openai.com or OPENAI_BASE_URL (Ollama, vLLM, llama.cpp server, LM Studio)."""

    name = "openai"

    def __init__(self, settings: Settings):
        from langchain_openai import ChatOpenAI

        self.settings = settings
        self.model = settings.llm_model
        base_url = settings.openai_base_url
        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
        if not key:
            if not base_url:
                raise LLMAuthError(
                    "OPENAI_API_KEY ist nicht gesetzt (oder OPENAI_BASE_URL für einen "
                    "OpenAI-kompatiblen Server ohne Schlüssel)"
                )
            key = "not-needed"  # local compatible servers usually accept any key
        self.where = base_url or "api.openai.com"
        kwargs = dict(
            model=settings.llm_model,
            api_key=key,
            base_url=base_url,
            timeout=settings.llm_timeout,
            max_retries=0,
            temperature=settings.llm_temperature,
            max_tokens=settings.llm_max_tokens,
        )
        if base_url:
            # ChatOpenAI sends max_tokens as max_completion_tokens, which e.g. the llama.cpp server ignores;
            # compatible servers get the classic field too. api.openai.com rejects both at once, so not there.
            kwargs["extra_body"] = {"max_tokens": settings.llm_max_tokens}
        self.client = ChatOpenAI(**kwargs)

    def complete(self, messages: Messages, on_token: OnToken | None = None) -> str:
        def attempt() -> str:
            if on_token is None:
                reply = self.client.invoke(messages)
                return _text(reply.content)
            parts: list[str] = []
            try:
                for chunk in self.client.stream(messages):
                    piece = _text(chunk.content)
                    if piece:
                        parts.append(piece)
                        on_token(piece)
            except Exception as e:
                if parts:
                    raise _Streamed(e) from e
                raise
            return "".join(parts)

        return with_retries(self.settings, attempt, self.where)


def _text(content) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content blocks
        return "".join(b.get("text", "") if isinstance(b, dict) else str(b) for b in content)
    return str(content or "")


# ---- local GGUF in-process -----------------------------------------------------------------------------------


class LlamaCppChat:
    """A GGUF model run in-process by llama-cpp-python (optional: pip install -r requirements-llm.txt)."""

    name = "llamacpp"

    def __init__(self, settings: Settings):
        path = Path(settings.llm_model)
        if not path.is_file():
            raise LLMError(
                f"QUELLE_LLM_MODEL={settings.llm_model}: keine GGUF-Datei gefunden "
                "(für QUELLE_LLM=llamacpp den Pfad zu einer .gguf-Datei angeben)"
            )
        try:
            from llama_cpp import Llama
        except ImportError as e:
            raise LLMError("llama-cpp-python ist nicht installiert: pip install -r requirements-llm.txt") from e
        self.settings = settings
        self.model = path.name
        self.where = path.name
        try:
            self.llm = Llama(
                model_path=str(path), n_ctx=settings.llm_context, chat_format=settings.llm_chat_format, verbose=False
            )
        except Exception as e:  # noqa: BLE001
            raise LLMError(f"{path}: GGUF-Modell lässt sich nicht laden ({e})") from e

    def complete(self, messages: Messages, on_token: OnToken | None = None) -> str:
        msgs = [{"role": r, "content": t} for r, t in messages]

        def attempt() -> str:
            if on_token is None:
                out = self.llm.create_chat_completion(
                    messages=msgs, temperature=self.settings.llm_temperature, max_tokens=self.settings.llm_max_tokens
                )
                return out["choices"][0]["message"].get("content") or ""
            parts = []
            for chunk in self.llm.create_chat_completion(
                messages=msgs,
                stream=True,
                temperature=self.settings.llm_temperature,
                max_tokens=self.settings.llm_max_tokens,
            ):
                piece = chunk["choices"][0].get("delta", {}).get("content") or ""
                if piece:
                    parts.append(piece)
                    on_token(piece)
            return "".join(parts)

        return with_retries(self.settings.with_(llm_retries=0), attempt, self.where)


def chat_backend(settings: Settings, cache: dict | None = None) -> ChatBackend:
    """The backend named by settings.llm (openai | llamacpp), reused from `cache` when given."""
    key = (
        settings.llm,
        settings.llm_model,
        settings.openai_base_url,
        settings.openai_api_key.get_secret_value() if settings.openai_api_key else None,
        settings.llm_timeout,
        settings.llm_temperature,
        settings.llm_max_tokens,
        settings.llm_retries,
        settings.llm_backoff_initial,
        settings.llm_backoff_max,
        settings.llm_chat_format,
        settings.llm_context,
    )
    if cache is not None and key in cache:
        return cache[key]
    if settings.llm == "openai":
        backend: ChatBackend = OpenAIChat(settings)
    elif settings.llm == "llamacpp":
        backend = LlamaCppChat(settings)
    else:
        raise LLMError(f"QUELLE_LLM={settings.llm}: kein LLM-Backend")
    if cache is not None:
        cache[key] = backend
    return backend
