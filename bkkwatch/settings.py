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
        description="SQLAlchemy URL; SQLite file under ./var by default, or postgresql+psycopg://user@host/db",
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

    # Messages out (LINE Messaging API and e-mail). Unset: that channel is reported as not configured.
    line_channel_token: str | None = Field(None, description="LINE Messaging API channel access token")
    line_api_base: str = Field("https://api.line.me", description="LINE API address (a local fake in tests)")
    line_issues_to: str | None = Field(None, description='LINE group ID of "BMA รับประเด็น" (issues to agencies)')
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    mail_from: str = "bkkwatch@bangkok.go.th"
    report_recipients: list[str] = Field(default_factory=list, description="monthly report e-mail addresses")
    answer_hours: int = Field(24, description="agencies answer within this many hours")
    reports_dir: str = Field("var/reports", description="where monthly reports are written")

    retry_base_seconds: float = Field(10.0, description="first retry delay of I/O tasks (doubles each time)")
    data_dir: str | None = Field(
        None,
        description="the public data sets for train/eval (traffy/, wisesight_sentiment/, news_th/); none by default",
    )
    story_index_dir: str = Field("var/story-index", description="the story index kept between flow runs (a cache)")
    flow_spool: str = Field("var/flow-runs.jsonl", description="flow outcomes kept here when the database is down")

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
