"""Feed settings from the environment (QUELLE_FEED_*, and QUELLE_FETCH_DEADLINE_S); the size limit is the store's
QUELLE_MAX_FILE_MB."""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from quelle.feeds.fetch import AllowList
from quelle.settings import Copyable


class FeedSettings(Copyable, BaseSettings):
    model_config = SettingsConfigDict(env_prefix="QUELLE_FEED_", extra="ignore", populate_by_name=True)

    rate: float = Field(1.0, ge=0.0)  # requests per second per host (0: no limit)
    timeout: float = Field(20.0, gt=0.0)  # seconds per request (connect, read, write, pool each)
    max_entries: int = Field(200, ge=1)  # new or changed entries handled per feed and pass
    robots_ttl: float = Field(86400.0, ge=0.0)  # seconds a host's robots.txt is reused (RFC 9309: at most a day)
    # hosts that may be fetched although their address is not public (loopback, private, link-local …):
    # comma-separated host names (the URL's host, exactly), IPs and CIDRs (the resolved address)
    allow_hosts: str = ""
    # seconds one fetch may take in all: its redirects and whole body (a slow trickle is cut off)
    deadline: float = Field(30.0, gt=0.0, validation_alias="QUELLE_FETCH_DEADLINE_S")

    @field_validator("allow_hosts", mode="before")
    @classmethod
    def _allow_list(cls, value) -> str:
        try:
            return AllowList.parse(str(value or "")).text
        except ValueError as e:
            raise ValueError(f"QUELLE_FEED_ALLOW_HOSTS: {e}") from None

    def with_(self, **changes) -> "FeedSettings":
        """A copy with the given values changed; None leaves a value as it is (a CLI option not given)."""
        return super().with_(**{k: v for k, v in changes.items() if v is not None})
