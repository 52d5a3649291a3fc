"""Issues to agencies over the real LINE SDK and smtplib, against local fake servers."""

from __future__ import annotations

from datetime import timedelta

from casework_data import NOW, add_issue, add_story
from sqlalchemy import func, select

from casework.dispatch import Message, deliver, send_issue, send_unsent_issues
from storage.models import Agency, Dispatch, DispatchStatus, Issue, IssueState

TEXT = "ทางเท้าชำรุดหน้าตลาดอ.ต.ก. เขตจตุจักร ผู้แจ้งโทร 081-234-5678 ขอให้ซ่อมด่วน"


def _issue(sessions, agencies=("สำนักงานเขตจตุจักร", "สำนักการโยธา")) -> int:  # type: ignore[no-untyped-def]
    with sessions.begin() as session:
        story = add_story(session, "ทางเท้าชำรุด ตลาด อ.ต.ก.", TEXT)
        return add_issue(session, story, list(agencies)).id


def test_issue_goes_to_the_line_group_and_agency_email_once(sessions, settings, line, smtp) -> None:  # type: ignore[no-untyped-def]
    with sessions.begin() as session:
        agency = session.scalars(select(Agency).where(Agency.name_th == "สำนักงานเขตจตุจักร")).one()
        agency.details = {**agency.details, "email": "chatuchak@bangkok.go.th"}
    issue_id = _issue(sessions)
    report = send_issue(sessions, issue_id, settings, now=NOW)
    assert (report.sent, report.failed) == (2, 0), report.errors
    assert len(line.pushes) == 1 and line.pushes[0]["to"] == "C-bma-rub-praden"
    text = line.texts()[0]
    assert "สำนักงานเขตจตุจักร, สำนักการโยธา" in text and "24 ชั่วโมง" in text
    assert "081-234-5678" not in text and "xx78" in text  # personal data masked on the way out
    assert len(smtp.messages) == 1 and smtp.messages[0]["To"] == "chatuchak@bangkok.go.th"
    assert "081-234-5678" not in smtp.messages[0].get_payload(decode=True).decode()

    with sessions() as session:
        issue = session.get(Issue, issue_id)
        assert issue.state is IssueState.SENT and issue.sent_at is not None
        assert issue.due_at - issue.sent_at == timedelta(hours=24)

    again = send_issue(sessions, issue_id, settings, now=NOW)
    assert (again.sent, again.already_sent) == (0, 2)
    assert len(line.pushes) == 1 and len(smtp.messages) == 1
    with sessions() as session:
        assert session.scalar(select(func.count(Dispatch.id))) == 2


def test_a_failed_send_is_retried_and_delivered_once(sessions, settings, line) -> None:  # type: ignore[no-untyped-def]
    issue_id = _issue(sessions, ["สำนักการระบายน้ำ"])
    line.fail_next = 1
    first = send_unsent_issues(sessions, settings, now=NOW)
    assert first["failed"] == 1 and "500" in str(first["errors"])
    with sessions() as session:
        assert session.get(Issue, issue_id).state is IssueState.CONFIRMED  # not sent: the 10:30 check sees it
    second = send_unsent_issues(sessions, settings, now=NOW)
    assert second["sent"] == 1 and len(line.pushes) == 1
    with sessions() as session:
        row = session.scalars(select(Dispatch)).one()
        assert row.status is DispatchStatus.SENT and row.attempts == 2


def test_crash_after_send_before_commit_does_not_deliver_twice(sessions, settings, line) -> None:  # type: ignore[no-untyped-def]
    message = Message("alert:story:1:line:somchai", "line", "U-somchai", "ทดสอบ", "alert")
    assert deliver(sessions, message, settings) == "sent"
    # Simulate a crash that lost the "sent" commit: the row is back to pending.
    with sessions.begin() as session:
        row = session.scalars(select(Dispatch)).one()
        row.status, row.sent_at = DispatchStatus.PENDING, None
    assert deliver(sessions, message, settings) == "sent"  # LINE answers 409: this retry key was accepted
    assert len(line.pushes) == 1


def test_not_configured_channels_are_reported(sessions, db_url) -> None:  # type: ignore[no-untyped-def]
    from bkkwatch.settings import Settings

    issue_id = _issue(sessions)
    report = send_issue(sessions, issue_id, Settings(), now=NOW)
    assert report.failed == 1 and "no channel configured" in report.errors[0]
