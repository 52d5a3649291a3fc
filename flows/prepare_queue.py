"""The ranked candidate list for a review day, rebuilt through the night and frozen at 07:00."""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect import flow, task

from bkkwatch.settings import get_settings
from bkkwatch.timeutil import next_review_day
from casework.queue import build_queue, freeze_queue
from flows.common import IO_TASK, recorded, sessions_for


@task(name="build-queue", timeout_seconds=900, **IO_TASK)
def queue_task(database_url: str | None, review_day: date, freeze: bool) -> dict[str, Any]:
    with sessions_for(database_url).begin() as session:
        result = build_queue(session, review_day)
        frozen = freeze_queue(session, review_day) if freeze else 0
    return {
        "review_day": review_day.isoformat(),
        "eligible": result.eligible,
        "added": result.added,
        "reranked": result.reranked,
        "dropped": result.dropped,
        "frozen": frozen,
    }


@flow(name="prepare-queue", timeout_seconds=1800)
def prepare_queue(
    database_url: str | None = None, review_day: date | None = None, freeze: bool = False
) -> dict[str, Any]:
    day = review_day or next_review_day(review_time=get_settings().review_time)
    with recorded("prepare-queue", database_url) as outcome:
        outcome.update(queue_task(database_url, day, freeze))
    return dict(outcome)
