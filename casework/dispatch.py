"""Messages out, each exactly once: issues to agencies, urgent alerts, reminders, escalations.

Every message is a ``Dispatch`` keyed by an idempotency key (issue + agency + channel + kind, or
story + recipient for alerts). The row is written (pending) and committed before the send, and
marked sent after it; a rerun skips what is sent and resends what is pending with the same
channel retry key, so a crash between the send and the commit does not deliver twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bkkwatch.settings import Settings, get_settings
from bkkwatch.timeutil import thai_datetime
from casework.channels import ChannelError, send_email, send_line
from casework.masking import mask_personal
from storage.candidates import story_urls
from storage.models import Agency, Dispatch, DispatchStatus, Issue, IssueState, Story, User

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Message:
    key: str
    channel: str  # line | email
    recipient: str
    text: str
    kind: str
    subject: str = ""
    issue_id: int | None = None
    story_id: int | None = None
    agency_id: int | None = None
    html: str | None = None


@dataclass
class DeliveryReport:
    sent: int = 0
    already_sent: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: DeliveryReport) -> None:
        self.sent += other.sent
        self.already_sent += other.already_sent
        self.failed += other.failed
        self.errors += other.errors

    def as_dict(self) -> dict[str, object]:
        return {"sent": self.sent, "already_sent": self.already_sent, "failed": self.failed, "errors": self.errors[:20]}


Sender = Callable[[Settings, Message], None]


def default_sender(settings: Settings, message: Message) -> None:
    if message.channel == "line":
        send_line(settings, message.recipient, message.text, message.key)
    elif message.channel == "email":
        send_email(
            settings,
            message.recipient,
            message.subject or message.text.splitlines()[0][:120],
            message.text,
            message.key,
            message.html,
        )
    else:  # pragma: no cover - programming error
        raise ChannelError(f"unknown channel {message.channel!r}", permanent=True)


def deliver(
    sessions: sessionmaker[Session], message: Message, settings: Settings | None = None, sender: Sender = default_sender
) -> str:
    """Send ``message`` unless a dispatch with its key was sent; returns sent | already_sent | failed."""
    settings = settings or get_settings()
    masked = Message(
        **{
            **message.__dict__,
            "text": mask_personal(message.text),
            "html": mask_personal(message.html) if message.html else None,
        }
    )
    with sessions.begin() as session:
        row = session.scalar(select(Dispatch).where(Dispatch.idempotency_key == message.key))
        if row is not None and row.status is DispatchStatus.SENT:
            return "already_sent"
        if row is not None and row.attempts >= MAX_ATTEMPTS and row.status is DispatchStatus.FAILED:
            return "failed"
        if row is None:
            row = Dispatch(
                idempotency_key=message.key,
                channel=message.channel,
                recipient=message.recipient,
                kind=message.kind,
                issue_id=message.issue_id,
                story_id=message.story_id,
                agency_id=message.agency_id,
                body=masked.text,
                status=DispatchStatus.PENDING,
                attempts=0,
            )
            session.add(row)
        row.attempts += 1
        session.flush()
        row_id = row.id
    error: ChannelError | None = None
    try:
        sender(settings, masked)
    except ChannelError as exc:
        error = exc
    with sessions.begin() as session:
        row = session.get_one(Dispatch, row_id)
        if error is None:
            row.status, row.sent_at, row.last_error = DispatchStatus.SENT, datetime.now(UTC), None
            return "sent"
        row.status, row.last_error = DispatchStatus.FAILED, str(error)
        if error.permanent:
            row.attempts = max(row.attempts, MAX_ATTEMPTS)
    log.warning("dispatch %s failed: %s", message.key, error)
    return "failed"


def _count(report: DeliveryReport, outcome: str, message: Message, sessions: sessionmaker[Session]) -> None:
    if outcome == "sent":
        report.sent += 1
    elif outcome == "already_sent":
        report.already_sent += 1
    else:
        report.failed += 1
        with sessions() as session:
            error = session.scalar(select(Dispatch.last_error).where(Dispatch.idempotency_key == message.key))
        report.errors.append(f"{message.key}: {error}")


# --- issues to agencies ------------------------------------------------------------------------


def issue_text(issue: Issue, story: Story, agencies: list[Agency], urls: list[str], due: datetime) -> str:
    lines = [
        f"{'[เร่งด่วน] ' if issue.urgent else ''}ประเด็นที่ {issue.id}: {issue.title}",
        "หน่วยงานที่รับประเด็น: " + ", ".join(a.name_th for a in agencies),
    ]
    if story.summary:
        lines.append(story.summary)
    if issue.note:
        lines.append(f"หมายเหตุ: {issue.note}")
    lines += [f"ที่มา: {url}" for url in urls[:3]]
    lines.append(f"กรุณาตอบประเด็นภายใน {thai_datetime(due)} (24 ชั่วโมง)")
    return "\n".join(lines)


def issue_messages(session: Session, issue: Issue, settings: Settings, now: datetime) -> list[Message]:
    """The messages that send one issue: the LINE group "BMA รับประเด็น", and each agency's e-mail."""
    story = session.get_one(Story, issue.story_id)
    agencies = list(issue.agencies)
    due = (issue.sent_at or now) + timedelta(hours=settings.answer_hours)
    text = issue_text(issue, story, agencies, story_urls(session, [story.id]).get(story.id, []), due)
    messages = []
    if settings.line_issues_to or settings.line_channel_token:
        messages.append(
            Message(
                f"issue:{issue.id}:line:group:issue",
                "line",
                settings.line_issues_to or "",
                text,
                "issue",
                issue_id=issue.id,
                story_id=story.id,
            )
        )
    for agency in agencies:
        email = (agency.details or {}).get("email")
        if email:
            messages.append(
                Message(
                    f"issue:{issue.id}:agency:{agency.id}:email:issue",
                    "email",
                    str(email),
                    text,
                    "issue",
                    subject=f"[กทม. รับประเด็น] {issue.title[:100]}",
                    issue_id=issue.id,
                    story_id=story.id,
                    agency_id=agency.id,
                )
            )
    return messages


def send_issue(
    sessions: sessionmaker[Session],
    issue_id: int,
    settings: Settings | None = None,
    sender: Sender = default_sender,
    now: datetime | None = None,
) -> DeliveryReport:
    """Send one confirmed issue on every channel; mark it sent (and start its 24-hour clock) once all went."""
    settings = settings or get_settings()
    now = now or datetime.now(UTC)
    with sessions() as session:
        issue = session.get_one(Issue, issue_id)
        messages = issue_messages(session, issue, settings, now)
    report = DeliveryReport()
    if not messages:
        report.failed += 1
        report.errors.append(
            f"issue {issue_id}: no channel configured (set BKKWATCH_LINE_CHANNEL_TOKEN and "
            "BKKWATCH_LINE_ISSUES_TO, or agencies' e-mail addresses)"
        )
        return report
    for message in messages:
        _count(report, deliver(sessions, message, settings, sender), message, sessions)
    if report.failed == 0:
        with sessions.begin() as session:
            issue = session.get_one(Issue, issue_id)
            if issue.state is IssueState.CONFIRMED:
                times = session.scalars(
                    select(Dispatch.sent_at).where(Dispatch.issue_id == issue_id, Dispatch.kind == "issue")
                )
                sent_at: datetime = min((t for t in times if t is not None), default=now)
                issue.state, issue.sent_at = IssueState.SENT, sent_at
                issue.due_at = sent_at + timedelta(hours=settings.answer_hours)
    return report


def send_unsent_issues(
    sessions: sessionmaker[Session],
    settings: Settings | None = None,
    sender: Sender = default_sender,
    now: datetime | None = None,
) -> dict[str, object]:
    """Send every confirmed issue that is not sent yet (the 10:30 check runs this too)."""
    with sessions() as session:
        ids = list(session.scalars(select(Issue.id).where(Issue.state == IssueState.CONFIRMED).order_by(Issue.id)))
    report = DeliveryReport()
    for issue_id in ids:
        report.add(send_issue(sessions, issue_id, settings, sender, now))
    return {"issues": len(ids), **report.as_dict()}


# --- messages to staff ---------------------------------------------------------------------------


def staff_messages(
    users: list[User],
    key: str,
    text: str,
    kind: str,
    subject: str,
    story_id: int | None = None,
    issue_id: int | None = None,
) -> list[Message]:
    """One message per reachable channel of each user (LINE user ID, e-mail)."""
    messages = []
    for user in users:
        if user.line_user_id:
            messages.append(
                Message(
                    f"{key}:line:{user.username}",
                    "line",
                    user.line_user_id,
                    text,
                    kind,
                    story_id=story_id,
                    issue_id=issue_id,
                )
            )
        if user.email:
            messages.append(
                Message(
                    f"{key}:email:{user.username}",
                    "email",
                    user.email,
                    text,
                    kind,
                    subject=subject,
                    story_id=story_id,
                    issue_id=issue_id,
                )
            )
    return messages


def deliver_all(
    sessions: sessionmaker[Session],
    messages: list[Message],
    settings: Settings | None = None,
    sender: Sender = default_sender,
) -> DeliveryReport:
    report = DeliveryReport()
    for message in messages:
        _count(report, deliver(sessions, message, settings, sender), message, sessions)
    return report
