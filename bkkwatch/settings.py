"""Typed settings: the one place that reads the environment (prefix ``BKKWATCH_``) and ``.env``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_database_url() -> str:
    return f"sqlite:///{Path.cwd() / 'var' / 'bkkwatch.db'}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BKKWATCH_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default_factory=_default_database_url,
        description="SQLAlchemy URL; SQLite file under ./var by default, "
        "or postgresql+psycopg://user@host/db",
    )
    timezone: str = "Asia/Bangkok"
    review_time: str = Field("10:30", description="daily deadline of the working group (HH:MM, Bangkok)")
    freeze_time: str = Field("07:00", description="the queue is frozen at this time (HH:MM, Bangkok)")
    queue_window_hours: int = Field(48, description="stories seen within this many hours enter the queue")
    queue_min_bangkok: float = Field(0.5, description="minimum Bangkok relevance for the queue")
    allow_private_hosts: bool = Field(
        False, description="let crawls fetch loopback/private addresses (demo and tests only)"
    )
    user_agent: str = "bkkwatch/0.1 (+https://github.com/bkkwatch/bkkwatch; BMA Office of Public Relations)"
    fetch_timeout: float = 20.0
    max_response_bytes: int = 10 * 1024 * 1024

    @field_validator("review_time", "freeze_time")
    @classmethod
    def _hhmm(cls, value: str) -> str:
        hours, _, minutes = value.partition(":")
        if not (hours.isdigit() and minutes.isdigit() and 0 <= int(hours) < 24 and 0 <= int(minutes) < 60):
            raise ValueError(f"expected HH:MM, got {value!r}")
        return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def reset_settings() -> None:
    """Forget cached settings (tests and the CLI change the environment)."""
    get_settings.cache_clear()
