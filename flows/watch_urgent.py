"""An urgent item found by any crawl reaches the duty officer at once (runs every 5 minutes and
after every scoring), once per story and recipient."""

from __future__ import annotations

from typing import Any

from prefect import flow, task

from casework.alerts import alert_urgent
from flows.common import IO_TASK, recorded, sessions_for


@task(name="alert-urgent", timeout_seconds=600, **IO_TASK)
def alert_task(database_url: str | None) -> dict[str, Any]:
    return alert_urgent(sessions_for(database_url))


@flow(name="watch-urgent", timeout_seconds=900)
def watch_urgent(database_url: str | None = None) -> dict[str, Any]:
    with recorded("watch-urgent", database_url) as outcome:
        outcome.update(alert_task(database_url))
    return dict(outcome)
