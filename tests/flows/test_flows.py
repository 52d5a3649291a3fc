"""Each flow under a real Prefect API: runs twice for the same day without doing anything twice."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from casework_data import add_issue, add_officer, add_story
from sqlalchemy import func, select

from bkkwatch.timeutil import next_review_day
from crawlers.items import Item
from flows.monthly_report import monthly_report
from flows.prepare_queue import prepare_queue
from flows.remind_review import remind_review
from flows.score_documents import score_documents
from flows.send_issues import send_issues
from flows.watch_answers import watch_answers
from flows.watch_urgent import watch_urgent
from storage.db import session_factory
from storage.documents import store_item
from storage.models import Candidate, CandidateState, Dispatch, FlowRun, Issue, IssueState

URGENT = Item(
    url="https://www.thairath.co.th/news/local/bangkok/2900001",
    title="ถนนพหลโยธินทรุดเป็นหลุมยุบ รถจักรยานยนต์ตกหลุม",
    text="เมื่อเวลา 02.00 น. ถนนพหลโยธินขาเข้า เขตจตุจักร ทรุดตัวเป็นหลุมยุบกว้าง 3 เมตร "
    "รถจักรยานยนต์ตกหลุม มีผู้บาดเจ็บ 2 ราย ประชาชนร้องเรียนว่าเคยแจ้ง กทม. แล้ว",
    published=datetime(2026, 11, 24, 19, 0, tzinfo=UTC),
)


@pytest.fixture(autouse=True)
def _api(prefect_api: None) -> None:
    pass


def _today() -> date:
    from bkkwatch.timeutil import BANGKOK

    return datetime.now(UTC).astimezone(BANGKOK).date()


def test_urgent_document_at_night_alerts_the_officer_once(db_url: str, line_env) -> None:  # type: ignore[no-untyped-def]
    sessions = session_factory(db_url)
    with sessions.begin() as session:
        add_officer(session, _today())
        store_item(session, URGENT, None)
    score_documents(db_url)
    for _ in range(3):
        watch_urgent(db_url)
    assert [p["to"] for p in line_env.pushes] == ["U-somchai"]
    assert "หลุมยุบ" in line_env.texts()[0]
    with sessions() as session:
        assert session.scalar(select(func.count(Dispatch.id)).where(Dispatch.kind == "alert")) == 2  # LINE + e-mail
        runs = list(session.scalars(select(FlowRun.state).where(FlowRun.flow == "watch-urgent")))
    assert runs == ["completed"] * 3


def test_queue_send_remind_answers_report_twice_change_nothing(db_url: str, line_env) -> None:  # type: ignore[no-untyped-def]
    sessions = session_factory(db_url)
    # The review the flows would prepare now, and stories seen just now: a queue takes only stories seen in
    # the hours before its 10:30 deadline (queue_window_hours; with the fixture's fixed first_seen and
    # today's date, the test failed on every day after 26 November 2026).
    day = next_review_day()
    seen = datetime.now(UTC) - timedelta(seconds=1)
    with sessions.begin() as session:
        add_officer(session, day)
        story = add_story(session, "น้ำท่วมขังลาดพร้าว", "น้ำท่วมขัง ลาดพร้าว เขตจตุจักร กทม.")
        other = add_story(session, "ทางเท้าชำรุดอารีย์", "ทางเท้าชำรุด ซอยอารีย์ เขตพญาไท กทม.")
        for each in (story, other):
            each.first_seen = each.last_fetched = seen
        add_issue(session, story, ["สำนักงานเขตจตุจักร", "สำนักการระบายน้ำ"])

    def counts() -> tuple[int, int, int]:
        with sessions() as session:
            return (
                session.scalar(select(func.count(Candidate.id))) or 0,
                session.scalar(select(func.count(Issue.id))) or 0,
                session.scalar(select(func.count(Dispatch.id))) or 0,
            )

    for _ in range(2):
        prepare_queue(db_url, day, freeze=True)
        send_issues(db_url)
        remind_review(db_url, day)
        watch_answers(db_url)
        monthly_report(db_url, f"{day:%Y-%m}")
    candidates, issues, dispatches = counts()
    assert candidates == 1 and issues == 1  # the sent story is not proposed again
    with sessions() as session:
        assert session.scalars(select(Candidate)).one().state is CandidateState.FROZEN
        issue = session.scalars(select(Issue)).one()
        assert issue.state is IssueState.SENT and issue.due_at is not None
        kinds = sorted(session.scalars(select(Dispatch.kind)))
    assert kinds == ["issue", "review_reminder", "review_reminder"]  # the officer's LINE and e-mail
    assert len(line_env.pushes) == 2
    assert dispatches == 3


def test_a_send_that_fails_is_a_failed_run_in_status(db_url: str, line_env) -> None:  # type: ignore[no-untyped-def]
    from casework.status import collect

    sessions = session_factory(db_url)
    with sessions.begin() as session:
        add_issue(session, add_story(session, "ขยะล้น", "ขยะล้นถัง"), ["สำนักงานเขตบางรัก"])
    line_env.fail_next = 100
    with pytest.raises(RuntimeError, match="not delivered"):
        send_issues(db_url)
    with sessions() as session:
        status = collect(session)
    assert any(p.startswith("flow send-issues failed") for p in status.problems)
