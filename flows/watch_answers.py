"""Every 15 minutes: answers received, reminders at 12 h and 20 h, escalation after 24 h."""

from __future__ import annotations

from typing import Any

from prefect import flow, task

from casework.clock import watch_answers as watch
from flows.common import IO_TASK, recorded, sessions_for


@task(name="watch-answers", timeout_seconds=600, **IO_TASK)
def watch_task(database_url: str | None) -> dict[str, Any]:
    return watch(sessions_for(database_url))


@flow(name="watch-answers", timeout_seconds=900)
def watch_answers(database_url: str | None = None) -> dict[str, Any]:
    with recorded("watch-answers", database_url) as outcome:
        outcome.update(watch_task(database_url))
    return dict(outcome)
