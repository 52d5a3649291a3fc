"""The ranked queue of candidate issues for a review day (the working group's 10:30 deadline).

Ranking: image impact level and probability, urgency, velocity and spike, spread (outlets,
reach), novelty (new today; a story already sent sinks) and recurrence (a matter that came back,
more so after it was sent), and Bangkok relevance, explained in Thai. A candidate a person
decided on keeps its state; a frozen queue keeps its frozen ranks. Keyed on (review day, story):
rebuilding the queue for the same day never duplicates a candidate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from bkkwatch.settings import Settings, get_settings
from bkkwatch.timeutil import review_deadline
from storage.candidates import candidates_of_day, stories_seen_since, story_ids_with_issue
from storage.models import Candidate, CandidateState, Story


@dataclass
class QueueResult:
    review_day: date
    eligible: int
    added: int
    reranked: int
    dropped: int


def rank_score(
    story: Story, *, sent: bool = False, recurrence_sent: bool = False, now: datetime | None = None
) -> float:
    """Image impact and urgency first, then spread (velocity, reach, outlets), novelty and recurrence.

    ``sent``: the story already has an Issue (sent to an agency): it sinks. ``recurrence_sent``: the
    story is a recurrence of one that was sent (the fix did not hold): it rises.
    """
    return round(
        3.0 * story.max_level
        + 2.0 * story.max_impact
        + (4.0 if story.urgent else 0.0)
        + 1.0 * min(story.velocity, 2.0)
        + (0.5 if story.spike else 0.0)
        + 0.6 * math.log1p(max(story.n_outlets - 1, 0))
        + 0.3 * math.log1p(story.reach) / math.log(10)
        + (1.0 if _is_new(story, now) else 0.0)
        - (3.0 if sent else 0.0)
        + (1.0 if story.recurrence_of_id else 0.0)
        + (0.5 if recurrence_sent else 0.0)
        + 1.0 * story.bangkok,
        4,
    )


def _is_new(story: Story, now: datetime | None) -> bool:
    if story.first_seen is None:
        return False
    now = now or datetime.now(UTC)
    return now - story.first_seen <= timedelta(hours=24)


def rank_explanation(
    story: Story, *, sent: bool = False, recurrence_sent: bool = False, now: datetime | None = None
) -> str:
    """The rank in Thai, in the order it counts."""
    parts = [f"ผลกระทบระดับ {story.max_level}"]
    if story.urgent:
        parts.append("เร่งด่วน")
    if story.velocity:
        parts.append(f"รายงาน {story.velocity:.2f} ครั้ง/ชม. ใน 24 ชม.")
    if story.spike:
        parts.append("กระแสพุ่ง")
    if story.n_outlets > 1:
        parts.append(f"{story.n_outlets} แหล่งข่าว")
    if story.reach:
        parts.append(f"ยอดมีส่วนร่วม {story.reach:,}")
    if sent:
        parts.append("ส่งหน่วยงานแล้ว")
    elif _is_new(story, now):
        parts.append("ประเด็นใหม่")
    if story.recurrence_of_id:
        parts.append("เกิดซ้ำหลังเคยส่งหน่วยงาน" if recurrence_sent else "เกิดซ้ำ")
    if story.traffy_tickets:
        parts.append(f"ประชาชนแจ้ง Traffy {len(story.traffy_tickets)} เรื่อง")
    if story.explanation:
        parts.append(story.explanation)
    return " · ".join(parts)


def build_queue(
    session: Session, review_day: date, settings: Settings | None = None, now: datetime | None = None
) -> QueueResult:
    settings = settings or get_settings()
    deadline = review_deadline(review_day, settings.review_time).astimezone(UTC)
    until = min(deadline, now.astimezone(UTC)) if now else deadline
    since = deadline - timedelta(hours=settings.queue_window_hours)
    sent = story_ids_with_issue(session)
    eligible = [
        s
        for s in stories_seen_since(session, since, until + timedelta(seconds=1))
        if s.bangkok >= settings.queue_min_bangkok and s.id not in sent
    ]
    when = until

    def rank_of(story: Story) -> tuple[float, str]:
        again = story.recurrence_of_id is not None and story.recurrence_of_id in sent
        return (
            rank_score(story, recurrence_sent=again, now=when),
            rank_explanation(story, recurrence_sent=again, now=when),
        )

    ranked = {s.id: rank_of(s) for s in eligible}
    eligible.sort(key=lambda s: (-ranked[s.id][0], s.first_seen or deadline, s.id))
    existing = candidates_of_day(session, review_day)
    added = reranked = 0
    for rank, story in enumerate(eligible, start=1):
        score, why = ranked[story.id]
        candidate = existing.pop(story.id, None)
        if candidate is None:
            session.add(Candidate(review_day=review_day, story_id=story.id, rank=rank, score=score, explanation=why))
            added += 1
        elif (candidate.rank, candidate.score, candidate.explanation) != (rank, score, why):
            candidate.rank, candidate.score, candidate.explanation = rank, score, why
            reranked += 1
    dropped = 0
    for candidate in existing.values():  # no longer eligible (e.g. merged away): drop only untouched ones
        if candidate.state is CandidateState.PROPOSED:
            session.delete(candidate)
            dropped += 1
    session.flush()
    return QueueResult(review_day, len(eligible), added, reranked, dropped)


def freeze_queue(session: Session, review_day: date, now: datetime | None = None) -> int:
    """07:00: snapshot the ranks of the day's undecided candidates; returns how many were frozen now."""
    now = now or datetime.now(UTC)
    frozen = 0
    for candidate in candidates_of_day(session, review_day).values():
        if candidate.state is CandidateState.PROPOSED:
            candidate.state, candidate.frozen_rank, candidate.frozen_at = CandidateState.FROZEN, candidate.rank, now
            frozen += 1
    session.flush()
    return frozen
