"""Urgent alerts, the review reminder, the 24-hour clock, the monthly report and `status` facts."""

from __future__ import annotations

from datetime import timedelta

from casework_data import DAY, NOW, add_issue, add_story
from sqlalchemy import func, select

from casework.alerts import alert_urgent, remind_review
from casework.clock import watch_answers
from casework.dispatch import send_issue
from casework.queue import freeze_queue
from casework.report import build_report, publish_monthly_report
from casework.status import collect
from storage.models import Answer, Candidate, CandidateState, Dispatch, FlowRun, Issue, IssueState

SINKHOLE = "ถนนทรุดเป็นหลุมยุบ ถนนพหลโยธิน เขตจตุจักร มีผู้บาดเจ็บ 2 ราย"


def test_urgent_story_alerts_the_duty_officer_once(sessions, settings, line, smtp, officer) -> None:  # type: ignore[no-untyped-def]
    with sessions.begin() as session:
        add_story(session, "หลุมยุบพหลโยธิน", SINKHOLE, urgent=True)
        add_story(session, "ทางเท้าชำรุด", "ทางเท้าชำรุด", urgent=False)
    for _ in range(3):
        alert_urgent(sessions, settings, now=NOW)
    # The rostered officer only (not the working-group member who is off duty), on LINE and e-mail.
    assert [p["to"] for p in line.pushes] == ["U-somchai"]
    assert "[เร่งด่วน] หลุมยุบพหลโยธิน" in line.texts()[0] and "10:30" in line.texts()[0]
    assert [m["To"] for m in smtp.messages] == ["somchai@bangkok.go.th"]


def test_nobody_rostered_falls_back_to_the_working_group(sessions, settings, line) -> None:  # type: ignore[no-untyped-def]
    from casework_data import add_user

    from storage.models import RoleName

    with sessions.begin() as session:
        add_user(session, "wg-lead", RoleName.WORKING_GROUP, line_id="U-wg")
        add_story(session, "หลุมยุบพหลโยธิน", SINKHOLE, urgent=True)
    assert alert_urgent(sessions, settings, now=NOW)["sent"] == 1
    assert [p["to"] for p in line.pushes] == ["U-wg"]


def test_review_reminder_counts_undecided_and_is_sent_once(sessions, settings, line, officer) -> None:  # type: ignore[no-untyped-def]
    with sessions.begin() as session:
        stories = [add_story(session, f"เรื่องที่ {i}", f"ข้อความ {i}") for i in range(3)]
        for rank, story in enumerate(stories, start=1):
            session.add(Candidate(review_day=DAY, story_id=story.id, rank=rank, score=1.0))
        session.flush()
        freeze_queue(session, DAY, NOW)
        session.scalars(select(Candidate)).first().state = CandidateState.CONFIRMED
    result = remind_review(sessions, DAY, settings)
    assert result["undecided"] == 2 and result["sent"] == 2  # the officer's LINE and e-mail
    assert [p["to"] for p in line.pushes] == ["U-somchai"] and "2 รายการ" in line.texts()[0]
    assert remind_review(sessions, DAY, settings)["already_sent"] == 2 and len(line.pushes) == 1


def test_24_hour_clock(sessions, settings, line, officer) -> None:  # type: ignore[no-untyped-def]
    with sessions.begin() as session:
        story = add_story(session, "น้ำท่วมขังลาดพร้าว", "น้ำท่วมขัง")
        issue_id = add_issue(session, story, ["สำนักงานเขตจตุจักร", "สำนักการระบายน้ำ"]).id
    send_issue(sessions, issue_id, settings, now=NOW)
    sent_at = NOW - timedelta(hours=25)  # so that "25 hours later" falls on DAY, when somchai is on duty
    with sessions.begin() as session:
        issue = session.get(Issue, issue_id)
        issue.sent_at, issue.due_at = sent_at, sent_at + timedelta(hours=24)
    assert watch_answers(sessions, settings, now=sent_at + timedelta(hours=2))["sent"] == 0
    assert watch_answers(sessions, settings, now=sent_at + timedelta(hours=13))["sent"] == 1  # 12 h reminder
    assert watch_answers(sessions, settings, now=sent_at + timedelta(hours=13))["sent"] == 0  # once
    late = watch_answers(sessions, settings, now=sent_at + timedelta(hours=25))
    assert late["overdue"] == 1 and late["sent"] == 3  # 20 h reminder + escalation to the officer (LINE, e-mail)
    assert any("เกินกำหนด" in t for t in line.texts())
    with sessions() as session:
        status = collect(session, now=sent_at + timedelta(hours=25), settings=settings)
    assert status.needs_a_person and any("overdue" in p for p in status.problems)

    with sessions.begin() as session:
        issue = session.get(Issue, issue_id)
        for agency in issue.agencies:
            session.add(
                Answer(
                    issue_id=issue_id,
                    agency_id=agency.id,
                    text="ดำเนินการสูบน้ำแล้ว",
                    received_at=sent_at + timedelta(hours=26),
                )
            )
    assert watch_answers(sessions, settings, now=sent_at + timedelta(hours=27))["answered"] == 1
    with sessions() as session:
        assert session.get(Issue, issue_id).state is IssueState.ANSWERED
        kinds = sorted(session.scalars(select(Dispatch.kind)))
    assert kinds == ["escalation", "escalation", "issue", "reminder", "reminder"]


def test_monthly_report_with_chart_written_and_mailed_once(sessions, settings, line, smtp) -> None:  # type: ignore[no-untyped-def]
    with sessions.begin() as session:
        for i, agencies in enumerate([["สำนักงานเขตจตุจักร"], ["สำนักงานเขตจตุจักร", "สำนักการระบายน้ำ"]]):
            story = add_story(session, f"ประเด็น {i}", "ข้อความ")
            add_issue(session, story, agencies)
    for issue_id in (1, 2):
        send_issue(sessions, issue_id, settings, now=NOW)
    with sessions.begin() as session:
        issue = session.get(Issue, 1)
        session.add(
            Answer(
                issue_id=1,
                agency_id=issue.agencies[0].id,
                text="แก้ไขแล้ว",
                received_at=issue.sent_at + timedelta(hours=3),
            )
        )
    month = f"{NOW:%Y-%m}"
    with sessions() as session:
        report = build_report(session, month)
    assert report.issues_sent == 2 and report.agencies_involved == 2
    chatuchak = next(r for r in report.agencies if r.name == "สำนักงานเขตจตุจักร")
    assert (chatuchak.issues, chatuchak.on_time, chatuchak.unanswered) == (2, 1, 1)
    first = publish_monthly_report(sessions, month, settings)
    second = publish_monthly_report(sessions, month, settings)
    assert first["sent"] == 1 and second["already_sent"] == 1 and len(smtp.messages) == 1
    with open(first["path"], encoding="utf-8") as handle:
        html = handle.read()
    assert "<svg" in html and "สำนักงานเขตจตุจักร" in html and "50%" in html


def test_status_reports_a_failed_flow(sessions, settings) -> None:  # type: ignore[no-untyped-def]
    with sessions.begin() as session:
        session.add(FlowRun(flow="send-issues", state="failed", started_at=NOW, finished_at=NOW, message="LINE 500"))
        session.add(FlowRun(flow="watch-urgent", state="completed", started_at=NOW, finished_at=NOW))
    with sessions() as session:
        status = collect(session, now=NOW, settings=settings)
        assert session.scalar(select(func.count(FlowRun.id))) == 2
    flows = {f.flow: f for f in status.flows}
    assert flows["send-issues"].last_state == "failed" and flows["watch-urgent"].last_state == "completed"
    assert flows["monthly-report"].last_state is None and flows["monthly-report"].next_run.startswith(
        "2026-12-01T01:00"
    )
    assert status.problems == ["flow send-issues failed: LINE 500"]
