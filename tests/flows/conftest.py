"""One temporary Prefect API for all flow tests (prefect_test_harness), and the fake LINE/SMTP servers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fakes import TOKEN, FakeLine, fake_line
from prefect.testing.utilities import prefect_test_harness

from bkkwatch.settings import reset_settings


@pytest.fixture(scope="session")
def prefect_api() -> Iterator[None]:
    with prefect_test_harness(server_startup_timeout=180):
        yield


@pytest.fixture
def line_env(monkeypatch: pytest.MonkeyPatch, tmp_path) -> Iterator[FakeLine]:  # type: ignore[no-untyped-def]
    """Flows read the settings from the environment, as in production."""
    with fake_line() as line:
        monkeypatch.setenv("BKKWATCH_LINE_CHANNEL_TOKEN", TOKEN)
        monkeypatch.setenv("BKKWATCH_LINE_API_BASE", line.url)
        monkeypatch.setenv("BKKWATCH_LINE_ISSUES_TO", "C-bma-rub-praden")
        monkeypatch.setenv("BKKWATCH_REPORTS_DIR", str(tmp_path / "reports"))
        monkeypatch.setenv("BKKWATCH_FLOW_SPOOL", str(tmp_path / "spool.jsonl"))
        reset_settings()
        yield line
    reset_settings()
