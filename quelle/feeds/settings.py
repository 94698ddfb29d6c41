"""Feed settings from the environment (QUELLE_FEED_*); the size limit is the store's QUELLE_MAX_FILE_MB."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class FeedSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="QUELLE_FEED_", extra="ignore")

    rate: float = Field(1.0, ge=0.0)  # requests per second per host (0: no limit)
    timeout: float = Field(20.0, gt=0.0)  # seconds per request (connect, read, write, pool each)
    max_entries: int = Field(200, ge=1)  # new or changed entries handled per feed and pass
    robots_ttl: float = Field(86400.0, ge=0.0)  # seconds a host's robots.txt is reused (RFC 9309: at most a day)

    def with_(self, **changes) -> "FeedSettings":
        data = self.model_dump()
        data.update({k: v for k, v in changes.items() if v is not None})
        return FeedSettings.model_validate(data)
