"""The answerers by name: what `QUELLE_LLM` may name, what each can do, and the chain ask() walks.

Each answerer is registered with a factory and its capabilities (as simonw/llm's models declare `can_stream`); the
faces ask the capabilities — of the configured answerer (`capabilities(settings.llm)`) before asking, of the answer
(`answer.capabilities`, looked up by `answer.backend`) after —, never compare names. Adding an answerer is one file
(a class with `draft()`, quelle/answering/answerers.py) plus one `register(...)` line below.

ask() walks `chain(settings.llm)`: the configured answerer, then the extractive reader (which never fails). An
answerer that cannot be opened or fails while answering raises `AnswererError` (the LLM's LLMError is one); ask()
goes on to the next and shows the reason as `Answer.fallback`.

This module imports nothing heavy: settings.py validates `QUELLE_LLM` against it.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Union

if TYPE_CHECKING:
    from quelle.resources import Resources
    from quelle.settings import Settings

EXTRACTIVE = "extractive"
FALLBACK = EXTRACTIVE  # the answerer every chain ends in: no model, no server, always there


class AnswererError(RuntimeError):
    """An answerer could not be opened or could not answer; `reason` is shown to the user (Answer.fallback)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Capabilities:
    """What an answerer can do — what the faces and the later stages ask instead of its name."""

    # the text comes as it is produced (ask()'s on_token gets pieces): the chat and the CLI show it live. A
    # non-streaming answer comes whole: ask() passes it to on_token once, the CLI prints it with its span in bold
    streams: bool = False
    # the answer's sentences are passage sentences word for word (the citation check finds them without an
    # embedding): the time-aware stage may replace the answer with the newest report's sentence and date it
    # („Stand …“), and an answer of two or more sentences lists candidates, not one answer (evaluation)
    verbatim: bool = False
    # the answerer runs a model named by QUELLE_LLM_MODEL: the chat offers the model field, a failed batch row and a
    # rating record it (an answer itself carries the model in Answer.model)
    has_model: bool = False
    # questions a batch asks at once by default: 1 for an answerer busy on this machine's CPU, more for one that
    # waits on a server
    workers: int = 1
    # the settings this answerer needs to be offered in the chat when QUELLE_LLM names another: all of them empty
    # means it is offered only when configured (the OpenAI-compatible backend: a key or a base URL)
    offered_by: tuple[str, ...] = ()


Factory = Union[
    str, Callable[["Settings", "Resources"], Any]
]  # "module:attribute" (imported when first used) or a callable


@dataclass(frozen=True)
class Registered:
    name: str
    factory: Factory
    capabilities: Capabilities


_REGISTRY: dict[str, Registered] = {}


def register(name: str, factory: Factory, capabilities: Capabilities = Capabilities()) -> None:
    """Make `name` an answerer QUELLE_LLM can name. `factory(settings, resources)` returns it (with `draft()` and
    optionally `condense()`, quelle/answering/answerers.py) or raises AnswererError when it cannot be used."""
    if not name or not name.strip() or name != name.strip():
        raise ValueError(f"an answerer name must be a word: {name!r}")
    _REGISTRY[name] = Registered(name, factory, capabilities)


def unregister(name: str) -> None:
    """Remove a registered answerer (tests); the extractive reader stays: every chain ends in it."""
    if name == FALLBACK:
        raise ValueError(f"'{FALLBACK}' ends every chain and cannot be removed")
    _REGISTRY.pop(name, None)


def names() -> tuple[str, ...]:
    return tuple(_REGISTRY)


def is_registered(name: str) -> bool:
    return name in _REGISTRY


def capabilities(name: str | None) -> Capabilities:
    """The capabilities of the answerer `name`; an unknown name (an old stored answer, the LangChain baseline) can
    do nothing special."""
    got = _REGISTRY.get(name or "")
    return got.capabilities if got else Capabilities()


def offered(settings: "Settings") -> list[str]:
    """The answerers the chat offers: the configured one, those whose settings are set (`offered_by`), and the
    extractive reader every chain ends in."""
    out = [settings.llm or FALLBACK]
    for name, got in _REGISTRY.items():
        by = got.capabilities.offered_by
        if name not in out and by and any(getattr(settings, field, None) for field in by):
            out.append(name)
    if FALLBACK not in out:
        out.append(FALLBACK)
    return out


def chain(name: str | None) -> list[str]:
    """The answerers ask() tries in turn: the configured one, then the extractive reader."""
    first = name or FALLBACK
    return [first] if first == FALLBACK else [first, FALLBACK]


def create(name: str, settings: "Settings", resources: "Resources") -> Any:
    """The answerer `name` for these settings; AnswererError when it cannot be used (no server, no model file …)."""
    try:
        factory = _REGISTRY[name].factory
    except KeyError:
        raise AnswererError(f"QUELLE_LLM={name}: kein Antwort-Backend (bekannt: {', '.join(_REGISTRY)})") from None
    if isinstance(factory, str):
        module, _, attribute = factory.partition(":")
        factory = getattr(importlib.import_module(module), attribute)
    return factory(settings, resources)


# --- the answerers: one line each ---------------------------------------------------------------------------------
register(EXTRACTIVE, "quelle.answering.answerers:ExtractiveAnswerer", Capabilities(verbatim=True))
register(
    "openai",
    "quelle.answering.answerers:LLMAnswerer",
    Capabilities(streams=True, has_model=True, workers=4, offered_by=("openai_api_key", "openai_base_url")),
)
register("llamacpp", "quelle.answering.answerers:LLMAnswerer", Capabilities(streams=True, has_model=True, workers=4))
