"""The 24-hour clock: answers received, reminders at 12 h and 20 h, escalation when overdue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bkkwatch.settings import Settings, get_settings
from bkkwatch.timeutil import BANGKOK, thai_datetime
from casework.dispatch import Message, Sender, default_sender, deliver_all, staff_messages
from casework.roster import duty_officers
from storage.models import Answer, Issue, IssueState

REMINDERS = ((12, "reminder12"), (20, "reminder20"))


@dataclass(frozen=True)
class Overdue:
    issue_id: int
    title: str
    due_at: datetime
    missing: list[str]  # agencies that have not answered


def _missing(session: Session, issue: Issue) -> list[str]:
    answered = set(session.scalars(select(Answer.agency_id).where(Answer.issue_id == issue.id)))
    if None in answered and not issue.agencies:
        return []
    return [a.name_th for a in issue.agencies if a.id not in answered]


def overdue_issues(session: Session, now: datetime | None = None) -> list[Overdue]:
    now = now or datetime.now(UTC)
    rows = session.scalars(
        select(Issue).where(Issue.state == IssueState.SENT, Issue.due_at.is_not(None), Issue.due_at < now)
    )
    return [Overdue(i.id, i.title, i.due_at, _missing(session, i)) for i in rows if i.due_at is not None]


def watch_answers(
    sessions: sessionmaker[Session],
    settings: Settings | None = None,
    sender: Sender = default_sender,
    now: datetime | None = None,
) -> dict[str, object]:
    """Mark answered issues; remind agencies at 12 h and 20 h; escalate to the duty officer at 24 h."""
    settings = settings or get_settings()
    now = now or datetime.now(UTC)
    answered = 0
    messages: list[Message] = []
    with sessions.begin() as session:
        for issue in session.scalars(select(Issue).where(Issue.state == IssueState.SENT)).all():
            missing = _missing(session, issue)
            if issue.agencies and not missing:
                issue.state = IssueState.ANSWERED
                issue.answered_at = session.scalar(
                    select(Answer.received_at)
                    .where(Answer.issue_id == issue.id)
                    .order_by(Answer.received_at.desc())
                    .limit(1)
                )
                answered += 1
                continue
            if issue.sent_at is None or issue.due_at is None:
                continue
            age = now - issue.sent_at
            for hours, kind in REMINDERS:
                if age >= timedelta(hours=hours) and (settings.line_issues_to or settings.line_channel_token):
                    text = (
                        f"เตือนครั้งที่ {1 if hours == 12 else 2}: ประเด็นที่ {issue.id} ({issue.title}) "
                        f"ยังไม่ได้รับคำตอบจาก {', '.join(missing)} ครบกำหนด {thai_datetime(issue.due_at)}"
                    )
                    messages.append(
                        Message(
                            f"issue:{issue.id}:line:group:{kind}",
                            "line",
                            settings.line_issues_to or "",
                            text,
                            "reminder",
                            issue_id=issue.id,
                        )
                    )
            if now >= issue.due_at:
                officers = duty_officers(session, now.astimezone(BANGKOK).date())
                text = (
                    f"เกินกำหนด 24 ชั่วโมง: ประเด็นที่ {issue.id} ({issue.title}) ยังไม่ได้รับคำตอบจาก "
                    f"{', '.join(missing)} (ครบกำหนด {thai_datetime(issue.due_at)}) กรุณาติดตาม"
                )
                messages += staff_messages(
                    officers,
                    f"issue:{issue.id}:escalation",
                    text,
                    "escalation",
                    f"[bkkwatch] ประเด็นที่ {issue.id} เกินกำหนด",
                    issue_id=issue.id,
                )
    report = deliver_all(sessions, messages, settings, sender)
    with sessions() as session:
        overdue = len(overdue_issues(session, now))
    return {"answered": answered, "overdue": overdue, **report.as_dict()}
