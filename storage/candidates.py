"""Candidates for a review day and the issues confirmed from them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from storage.models import Candidate, Document, Issue, Story, StoryState


def stories_seen_since(session: Session, since: datetime, until: datetime) -> list[Story]:
    """Live stories with a document fetched in [since, until)."""
    return list(
        session.scalars(
            select(Story).where(
                Story.state != StoryState.MERGED, Story.last_fetched >= since, Story.last_fetched < until
            )
        )
    )


def story_ids_with_issue(session: Session) -> set[int]:
    return set(session.scalars(select(Issue.story_id)))


def candidates_of_day(session: Session, day: date) -> dict[int, Candidate]:
    rows = session.scalars(select(Candidate).where(Candidate.review_day == day))
    return {row.story_id: row for row in rows}


def queue_rows(session: Session, day: date) -> list[Candidate]:
    return list(
        session.scalars(
            select(Candidate)
            .where(Candidate.review_day == day)
            .options(selectinload(Candidate.story))
            .order_by(Candidate.rank)
        )
    )


def story_urls(session: Session, story_ids: list[int]) -> dict[int, list[str]]:
    urls: dict[int, list[str]] = {}
    if not story_ids:
        return urls
    for story_id, url in session.execute(
        select(Document.story_id, Document.canonical_url).where(Document.story_id.in_(story_ids)).order_by(Document.id)
    ):
        urls.setdefault(story_id, []).append(url)
    return urls
