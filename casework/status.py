"""What needs a person now: the flows' last runs and next times, failing sources, today's queue,
overdue answers. The same facts feed `bkkwatch status` and the web app's status page."""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bkkwatch.settings import Settings, get_settings
from bkkwatch.timeutil import next_review_day
from casework.alerts import undecided_count
from casework.clock import overdue_issues
from storage import flowruns
from storage.models import Candidate, CandidateState, Issue, Source

PROJECT_ROOT = Path(__file__).resolve().parents[1]
FAILED_STATES = ("failed", "crashed")


@dataclass
class FlowStatus:
    flow: str
    deployments: list[str]
    last_state: str | None = None
    last_started: str | None = None
    last_finished: str | None = None
    last_message: str | None = None
    next_run: str | None = None


@dataclass
class Status:
    checked_at: str
    flows: list[FlowStatus]
    failing_sources: list[dict[str, Any]]
    queue: dict[str, Any]
    overdue: list[dict[str, Any]]
    problems: list[str] = field(default_factory=list)

    @property
    def needs_a_person(self) -> bool:
        return bool(self.problems)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "needs_a_person": self.needs_a_person}


def deployments(path: Path | None = None) -> list[dict[str, Any]]:
    raw = yaml.safe_load((path or PROJECT_ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    return list(raw.get("deployments") or [])


def flow_name_of(entrypoint: str) -> str:
    """``flows/crawl_sources.py:crawl_sources`` -> ``crawl-sources`` (the flows' names)."""
    return entrypoint.rsplit(":", 1)[1].replace("_", "-")


def next_runs(schedule: dict[str, Any], after: datetime, n: int = 1) -> list[datetime]:
    """The next times a cron schedule fires, computed by Prefect's own schedule code."""
    from prefect.server.schemas.schedules import CronSchedule

    cron = CronSchedule(cron=schedule["cron"], timezone=schedule.get("timezone", "UTC"))
    dates = asyncio.run(cron.get_dates(n=n, start=after))
    return [datetime.fromtimestamp(d.timestamp(), tz=UTC) for d in dates]


def _spooled(settings: Settings) -> dict[str, dict[str, Any]]:
    """Outcomes written while the database was away (newest per flow)."""
    path = Path(settings.flow_spool)
    latest: dict[str, dict[str, Any]] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            latest[entry["flow"]] = entry
    return latest


def collect(session: Session, now: datetime | None = None, settings: Settings | None = None) -> Status:
    settings = settings or get_settings()
    now = now or datetime.now(UTC)
    by_flow: dict[str, FlowStatus] = {}
    for deployment in deployments():
        name = flow_name_of(deployment["entrypoint"])
        status = by_flow.setdefault(name, FlowStatus(name, []))
        status.deployments.append(deployment["name"])
        for schedule in deployment.get("schedules") or []:
            upcoming = next_runs(schedule, now)[0].isoformat()
            status.next_run = min(filter(None, (status.next_run, upcoming)))
    runs = flowruns.last_runs(session)
    spooled = _spooled(settings)
    problems: list[str] = []
    for name, status in by_flow.items():
        run = runs.get(name)
        if run is not None:
            status.last_state, status.last_message = run.state, run.message
            status.last_started = run.started_at.isoformat()
            status.last_finished = run.finished_at.isoformat() if run.finished_at else None
        spool = spooled.get(name)
        if spool and (status.last_started is None or spool["finished_at"] > status.last_started):
            status.last_state, status.last_message = spool["state"], spool.get("message")
            status.last_started, status.last_finished = spool["started_at"], spool["finished_at"]
        if status.last_state in FAILED_STATES:
            problems.append(f"flow {name} {status.last_state}: {status.last_message or ''}".strip())

    failing = []
    for source in session.scalars(select(Source).where(Source.enabled.is_(True)).order_by(Source.name)):
        if source.last_error_at and (source.last_success_at is None or source.last_success_at < source.last_error_at):
            since = source.last_success_at or source.created_at
            failing.append(
                {
                    "source": source.name,
                    "error": source.last_error,
                    "last_success": source.last_success_at.isoformat() if source.last_success_at else None,
                    "failing_24h": since <= now - timedelta(hours=24),
                }
            )
    for entry in failing:
        if entry["failing_24h"]:
            problems.append(f"source {entry['source']} failing for 24 h: {entry['error']}")

    day = next_review_day(now, settings.review_time)
    counts = undecided_count(session, day)
    frozen = session.scalar(
        select(func.count(Candidate.id)).where(Candidate.review_day == day, Candidate.frozen_at.is_not(None))
    )
    confirmed_ids = select(Candidate.id).where(Candidate.review_day == day, Candidate.state == CandidateState.CONFIRMED)
    sent = session.scalar(
        select(func.count(Issue.id)).where(Issue.candidate_id.in_(confirmed_ids), Issue.sent_at.is_not(None))
    )
    queue = {
        "review_day": day.isoformat(),
        "frozen": bool(frozen),
        "undecided": counts["undecided"],
        "confirmed": counts.get("confirmed", 0),
        "dismissed": counts.get("dismissed", 0),
        "snoozed": counts.get("snoozed", 0),
        "sent": sent or 0,
    }

    late = overdue_issues(session, now)
    overdue = [
        {"issue_id": o.issue_id, "title": o.title, "due_at": o.due_at.isoformat(), "missing": o.missing} for o in late
    ]
    problems += [f"issue {o.issue_id} overdue: no answer from {', '.join(o.missing)}" for o in late]
    return Status(now.isoformat(), list(by_flow.values()), failing, queue, overdue, problems)
