"""Messages to the duty officer: urgent stories at once (any hour), and the 10:00 review reminder."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bkkwatch.settings import Settings, get_settings
from bkkwatch.timeutil import BANGKOK, next_review_day, thai_date
from casework.dispatch import DeliveryReport, Sender, default_sender, deliver_all, staff_messages
from casework.roster import duty_officers
from storage.candidates import story_urls
from storage.models import Candidate, CandidateState, Issue, Story, StoryState

UNDECIDED = (CandidateState.PROPOSED, CandidateState.FROZEN)


def urgent_stories(session: Session) -> list[Story]:
    """Live urgent stories not yet confirmed as issues."""
    sent = select(Issue.story_id)
    return list(
        session.scalars(
            select(Story)
            .where(Story.urgent.is_(True), Story.state != StoryState.MERGED, Story.id.not_in(sent))
            .order_by(Story.id)
        )
    )


def alert_text(story: Story, urls: list[str]) -> str:
    agencies = ", ".join(str(a["name"]) for a in (story.agencies or [])[:3]) or "-"
    lines = [f"[เร่งด่วน] {story.title}", f"เหตุผล: {story.explanation}", f"หน่วยงานที่น่าจะรับผิดชอบ: {agencies}"]
    lines += [f"ที่มา: {url}" for url in urls[:3]]
    lines.append("กรุณาพิจารณาส่งประเด็นทันที ไม่ต้องรอ 10:30 น.")
    return "\n".join(lines)


def alert_urgent(
    sessions: sessionmaker[Session],
    settings: Settings | None = None,
    sender: Sender = default_sender,
    now: datetime | None = None,
) -> dict[str, object]:
    """Alert today's duty officers about each urgent story, once per story and recipient."""
    today = (now or datetime.now(UTC)).astimezone(BANGKOK).date()
    with sessions() as session:
        stories = urgent_stories(session)
        officers = duty_officers(session, today)
        urls = story_urls(session, [s.id for s in stories])
        messages = [
            message
            for story in stories
            for message in staff_messages(
                officers,
                f"alert:story:{story.id}",
                alert_text(story, urls.get(story.id, [])),
                "alert",
                f"[bkkwatch เร่งด่วน] {story.title[:100]}",
                story_id=story.id,
            )
        ]
    report = deliver_all(sessions, messages, settings, sender)
    return {"urgent_stories": len(stories), "officers": len(officers), **report.as_dict()}


def undecided_count(session: Session, day: date) -> dict[str, int]:
    rows = session.execute(
        select(Candidate.state, func.count(Candidate.id)).where(Candidate.review_day == day).group_by(Candidate.state)
    )
    counts = {state.value: n for state, n in rows}
    counts["undecided"] = sum(counts.get(s.value, 0) for s in UNDECIDED)
    return counts


def remind_review(
    sessions: sessionmaker[Session],
    day: date | None = None,
    settings: Settings | None = None,
    sender: Sender = default_sender,
) -> dict[str, object]:
    """10:00: tell the duty officers how many candidates are still undecided (once per day)."""
    settings = settings or get_settings()
    day = day or next_review_day(review_time=settings.review_time)
    with sessions() as session:
        counts = undecided_count(session, day)
        officers = duty_officers(session, day)
    if not counts["undecided"]:
        return {"review_day": day.isoformat(), **counts, "sent": 0}
    text = (
        f"เตือน: รายการประเด็นของวันที่ {thai_date(day)} ยังไม่ได้พิจารณา {counts['undecided']} รายการ "
        f"ต้องส่งหน่วยงานภายใน {settings.review_time} น."
    )
    messages = staff_messages(
        officers,
        f"review_reminder:{day.isoformat()}",
        text,
        "review_reminder",
        f"[bkkwatch] {counts['undecided']} รายการรอพิจารณา",
    )
    report: DeliveryReport = deliver_all(sessions, messages, settings, sender)
    return {"review_day": day.isoformat(), **counts, **report.as_dict()}
