"""The validated item schema every crawler produces, whatever the source kind."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field, field_validator, model_validator

BE_OFFSET = 543


class Item(BaseModel):
    """One article, post or ticket as gathered, before it is stored."""

    url: str = Field(min_length=8, max_length=2000)
    title: str = ""
    text: str = ""
    author: str | None = None
    published: datetime | None = None
    language: str = "th"
    kind: str = "article"
    likes: int | None = Field(default=None, ge=0)
    shares: int | None = Field(default=None, ge=0)
    comments: int | None = Field(default=None, ge=0)
    views: int | None = Field(default=None, ge=0)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    extra: dict[str, Any] = Field(default_factory=dict)

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip()
        if not value.lower().startswith(("http://", "https://")):
            raise ValueError("url must start with http:// or https://")
        return value

    @field_validator("title", "text")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()

    @field_validator("published")
    @classmethod
    def _aware_and_sane(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("published must carry a time zone")
        now = datetime.now(UTC)
        if value.year > now.year + 400:  # a Buddhist Era year written into a Gregorian field
            value = value.replace(year=value.year - BE_OFFSET)
        if value > now + timedelta(days=1):
            raise ValueError(f"published {value.isoformat()} is in the future")
        return value.astimezone(UTC)

    @model_validator(mode="after")
    def _has_content(self) -> Item:
        if not self.title and not self.text:
            raise ValueError("neither title nor text")
        return self
