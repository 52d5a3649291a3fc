"""Shared test data for casework and flow tests: users on duty, stories, issues."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.roster import set_duty
from crawlers.items import Item
from storage.documents import store_item
from storage.models import Agency, Issue, IssueAgency, Role, RoleName, Story, User, UserRole

NOW = datetime(2026, 11, 24, 19, 0, tzinfo=UTC)  # 02:00 on the 25th in Bangkok
DAY = date(2026, 11, 25)


def add_user(session: Session, name: str, role: RoleName, line_id: str | None = None, email: str | None = None) -> User:
    role_row = session.scalar(select(Role).where(Role.name == role))
    if role_row is None:
        role_row = Role(name=role)
        session.add(role_row)
        session.flush()
    user = User(username=name, display_name=name, line_user_id=line_id, email=email)
    session.add(user)
    session.flush()
    session.add(UserRole(user_id=user.id, role_id=role_row.id))
    session.flush()
    return user


def add_story(session: Session, title: str, text: str, urgent: bool = False) -> Story:
    document = store_item(
        session, Item(url=f"https://news.example/{abs(hash(title))}", title=title, text=text), None
    ).document
    story = Story(
        title=title,
        summary=text[:200],
        urgent=urgent,
        max_level=3 if urgent else 2,
        bangkok=0.9,
        explanation="หลุมยุบ · เขตจตุจักร" if urgent else "ทางเท้า",
        last_fetched=NOW,
        first_seen=NOW,
    )
    session.add(story)
    session.flush()
    document.story_id = story.id
    session.flush()
    return story


def add_issue(session: Session, story: Story, agencies: list[str], sent_at: datetime | None = None) -> Issue:
    issue = Issue(story_id=story.id, title=story.title, urgent=story.urgent)
    session.add(issue)
    session.flush()
    for position, name in enumerate(agencies):
        agency = session.scalars(select(Agency).where(Agency.name_th == name)).one()
        session.add(IssueAgency(issue_id=issue.id, agency_id=agency.id, position=position))
    session.flush()
    session.refresh(issue)
    return issue


def add_officer(session: Session, day: date = DAY) -> User:
    """A monitor on duty on ``day`` (LINE and e-mail), and a working-group member who is not."""
    user = add_user(session, "somchai", RoleName.MONITOR, line_id="U-somchai", email="somchai@bangkok.go.th")
    set_duty(session, day, user)
    add_user(session, "wg-lead", RoleName.WORKING_GROUP, line_id="U-wg")
    return user
