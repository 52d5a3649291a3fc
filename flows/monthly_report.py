"""The 1st of the month, 08:00: the previous month's report, written and e-mailed once."""

from __future__ import annotations

from typing import Any

from prefect import flow, task

from casework.report import publish_monthly_report
from flows.common import IO_TASK, recorded, sessions_for


@task(name="publish-report", timeout_seconds=1800, **IO_TASK)
def report_task(database_url: str | None, month: str | None) -> dict[str, Any]:
    return publish_monthly_report(sessions_for(database_url), month)


@flow(name="monthly-report", timeout_seconds=3600)
def monthly_report(database_url: str | None = None, month: str | None = None) -> dict[str, Any]:
    with recorded("monthly-report", database_url) as outcome:
        outcome.update(report_task(database_url, month))
    return dict(outcome)
