"""Casework fixtures: fake LINE and SMTP servers, settings pointing at them, a duty officer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from casework_data import add_officer
from fakes import TOKEN, FakeLine, FakeSmtp, fake_line, fake_smtp
from sqlalchemy.orm import Session, sessionmaker

from bkkwatch.settings import Settings
from storage.db import session_factory


@pytest.fixture
def line() -> Iterator[FakeLine]:
    with fake_line() as server:
        yield server


@pytest.fixture
def smtp() -> Iterator[FakeSmtp]:
    with fake_smtp() as server:
        yield server


@pytest.fixture
def settings(line: FakeLine, smtp: FakeSmtp, tmp_path: Path) -> Settings:
    return Settings(
        line_channel_token=TOKEN,
        line_api_base=line.url,
        line_issues_to="C-bma-rub-praden",
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        report_recipients=["executives@bangkok.go.th"],
        reports_dir=str(tmp_path / "reports"),
    )


@pytest.fixture
def sessions(db_url: str) -> sessionmaker[Session]:
    return session_factory(db_url)


@pytest.fixture
def officer(sessions: sessionmaker[Session]) -> str:
    with sessions.begin() as session:
        add_officer(session)
    return "somchai"
