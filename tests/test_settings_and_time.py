from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from bkkwatch.settings import Settings
from bkkwatch.timeutil import next_review_day, review_deadline, thai_datetime


def test_defaults_and_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BKKWATCH_DATABASE_URL", raising=False)
    assert Settings().database_url == f"sqlite:///{tmp_path / 'var' / 'bkkwatch.db'}"
    (tmp_path / ".env").write_text("BKKWATCH_DATABASE_URL=postgresql+psycopg://bk@db/bk\nBKKWATCH_REVIEW_TIME=10:00\n")
    settings = Settings()
    assert settings.database_url == "postgresql+psycopg://bk@db/bk" and settings.review_time == "10:00"
    monkeypatch.setenv("BKKWATCH_REVIEW_TIME", "25:99")
    with pytest.raises(ValidationError, match="HH:MM"):
        Settings()


@pytest.mark.parametrize(
    ("now_utc", "expected"),
    [
        (datetime(2026, 11, 24, 3, 29, tzinfo=UTC), date(2026, 11, 24)),  # 10:29 Bangkok
        (datetime(2026, 11, 24, 3, 30, tzinfo=UTC), date(2026, 11, 25)),  # 10:30 Bangkok: next day
        (datetime(2026, 11, 24, 20, 0, tzinfo=UTC), date(2026, 11, 25)),  # 03:00 on the 25th
        (datetime(2026, 12, 5, 1, 0, tzinfo=UTC), date(2026, 12, 5)),  # a public holiday has a review too
    ],
)
def test_next_review_day(now_utc: datetime, expected: date) -> None:
    assert next_review_day(now_utc) == expected


def test_buddhist_era_in_bangkok_time() -> None:
    assert thai_datetime(datetime(2026, 11, 24, 1, 15, tzinfo=UTC)) == "24 พ.ย. 2569 08:15"
    assert review_deadline(date(2026, 11, 24)).isoformat() == "2026-11-24T10:30:00+07:00"
