"""One request's options (k, mode, filters) -> (settings, filters): shared by the CLI and the HTTP API."""

from __future__ import annotations

from pydantic import ValidationError

from quelle.settings import Settings
from vectorstore.filters import FilterError, Filters


class OptionError(ValueError):
    """An option has a bad value; the message names the option and the problem."""


def request_options(
    base: Settings,
    k: int | None = None,
    mode: str | None = None,
    article=None,
    source=None,
    since: str | None = None,
    until: str | None = None,
) -> tuple[Settings, Filters]:
    """(settings, filters) for one ask/batch run; `article` and `source` are lists of ids/names (or None)."""
    changes = {key: value for key, value in (("top_k", k), ("retrieval_mode", mode)) if value is not None}
    try:
        settings = base.with_(**changes) if changes else base
        return settings, Filters.make(article_ids=article, sources=source, since=since, until=until)
    except ValidationError as e:
        raise OptionError("; ".join(f"{'.'.join(map(str, x['loc']))}: {x['msg']}" for x in e.errors())) from None
    except FilterError as e:
        raise OptionError(str(e)) from None
