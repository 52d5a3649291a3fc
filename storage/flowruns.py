"""Outcomes of the scheduled flows, for `bkkwatch status` and the status page."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import FlowRun


def start(session: Session, flow: str, prefect_run_id: str | None) -> FlowRun:
    row = FlowRun(flow=flow, prefect_run_id=prefect_run_id, state="running")
    session.add(row)
    session.flush()
    return row


def finish(session: Session, run_id: int, state: str, message: str | None, result: dict[str, Any] | None) -> None:
    row = session.get_one(FlowRun, run_id)
    row.state, row.finished_at, row.message, row.result = state, datetime.now(UTC), message, result


def record(
    session: Session,
    flow: str,
    state: str,
    started_at: datetime,
    finished_at: datetime | None,
    message: str | None,
    prefect_run_id: str | None,
) -> None:
    session.add(
        FlowRun(
            flow=flow,
            state=state,
            started_at=started_at,
            finished_at=finished_at,
            message=message,
            prefect_run_id=prefect_run_id,
        )
    )


def last_runs(session: Session) -> dict[str, FlowRun]:
    latest = select(FlowRun.flow, func.max(FlowRun.id).label("id")).group_by(FlowRun.flow).subquery()
    rows = session.scalars(select(FlowRun).join(latest, FlowRun.id == latest.c.id))
    return {row.flow: row for row in rows}
