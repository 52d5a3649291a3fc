"""10:00: tell the duty officer how many candidates are still undecided."""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect import flow, task

from casework.alerts import remind_review as remind
from flows.common import IO_TASK, recorded, sessions_for


@task(name="remind-duty-officer", timeout_seconds=600, **IO_TASK)
def remind_task(database_url: str | None, review_day: date | None) -> dict[str, Any]:
    return remind(sessions_for(database_url), review_day)


@flow(name="remind-review", timeout_seconds=1200)
def remind_review(database_url: str | None = None, review_day: date | None = None) -> dict[str, Any]:
    with recorded("remind-review", database_url) as outcome:
        outcome.update(remind_task(database_url, review_day))
    return dict(outcome)
