"""Send confirmed issues to their agencies: at confirmation, every few minutes, and the 10:30 check
that nothing confirmed is left unsent."""

from __future__ import annotations

from typing import Any

from prefect import flow, task

from casework.dispatch import send_issue, send_unsent_issues
from flows.common import IO_TASK, recorded, sessions_for


@task(name="send", timeout_seconds=900, **IO_TASK)
def send_task(database_url: str | None, issue_id: int | None) -> dict[str, Any]:
    sessions = sessions_for(database_url)
    if issue_id is not None:
        return {"issues": 1, **send_issue(sessions, issue_id).as_dict()}
    return send_unsent_issues(sessions)


@flow(name="send-issues", timeout_seconds=1800)
def send_issues(database_url: str | None = None, issue_id: int | None = None) -> dict[str, Any]:
    with recorded("send-issues", database_url) as outcome:
        outcome.update(send_task(database_url, issue_id))
        if outcome.get("failed"):
            raise RuntimeError(f"{outcome['failed']} message(s) not delivered: {outcome.get('errors')}")
    return dict(outcome)
