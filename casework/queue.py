"""The ranked queue of candidate issues for a review day (the working group's 10:30 deadline).

Ranking, first version: image impact level and probability, urgency, spread (outlets, reach,
velocity) and Bangkok relevance, explained in Thai. A candidate a person decided on keeps its
state; a frozen queue keeps its frozen ranks. Keyed on (review day, story): rebuilding the queue
for the same day never duplicates a candidate.
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


def rank_score(story: Story) -> float:
    return round(
        3.0 * story.max_level
        + 2.0 * story.max_impact
        + (4.0 if story.urgent else 0.0)
        + 0.6 * math.log1p(max(story.n_outlets - 1, 0))
        + 0.3 * math.log1p(story.reach) / math.log(10)
        + 0.5 * min(story.velocity, 2.0)
        + 1.0 * story.bangkok,
        4,
    )


def rank_explanation(story: Story) -> str:
    parts = [f"ผลกระทบระดับ {story.max_level}"]
    if story.urgent:
        parts.append("เร่งด่วน")
    if story.n_outlets > 1:
        parts.append(f"{story.n_outlets} แหล่งข่าว")
    if story.reach:
        parts.append(f"ยอดมีส่วนร่วม {story.reach:,}")
    if story.spike:
        parts.append("กระแสพุ่ง")
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
    eligible.sort(key=lambda s: (-rank_score(s), s.first_seen or deadline, s.id))
    existing = candidates_of_day(session, review_day)
    added = reranked = 0
    for rank, story in enumerate(eligible, start=1):
        score, why = rank_score(story), rank_explanation(story)
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
