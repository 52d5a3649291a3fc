"""Stories: documents about one real-world matter, and the facts reviewers rank them by."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import Document, DocumentState, Story, StoryState


def story_of_title(session: Session, key: str, exclude_document: int) -> Story | None:
    """The live story holding a document with the same headline key, if any."""
    if not key:
        return None
    story_id = session.scalar(
        select(Document.story_id)
        .where(Document.title_key == key, Document.story_id.is_not(None), Document.id != exclude_document)
        .order_by(Document.id)
        .limit(1)
    )
    return live_story(session, story_id) if story_id else None


def live_story(session: Session, story_id: int) -> Story | None:
    """Follow merges to the story that now holds the documents."""
    story = session.get(Story, story_id)
    seen = set()
    while story is not None and story.state is StoryState.MERGED and story.merged_into_id:
        if story.id in seen:
            break
        seen.add(story.id)
        story = session.get(Story, story.merged_into_id)
    return story


def new_story(session: Session) -> Story:
    story = Story()
    session.add(story)
    session.flush()
    return story


def attach(document: Document, story: Story) -> None:
    document.story_id = story.id
    document.state = DocumentState.IN_STORY


def story_documents(session: Session, story_id: int) -> list[Document]:
    return list(session.scalars(select(Document).where(Document.story_id == story_id).order_by(Document.id)))


def index_watermark(session: Session) -> tuple[object, ...]:
    """What a cached story index must agree with: documents in stories (count, newest id) and stories
    (count, latest change). A person's merge or split, another process, or a rollback changes it."""
    docs = session.execute(
        select(func.count(Document.id), func.coalesce(func.max(Document.id), 0)).where(Document.story_id.is_not(None))
    ).one()
    stories = session.execute(select(func.count(Story.id), func.max(Story.updated_at))).one()
    return int(docs[0]), int(docs[1]), int(stories[0]), str(stories[1])


def window_documents(session: Session, days: int) -> list[Document]:
    """Documents already in stories within ``days`` of the newest one, oldest first (to rebuild an index)."""
    when = func.coalesce(Document.published_at, Document.fetched_at)
    newest = session.scalar(select(func.max(when)).where(Document.story_id.is_not(None)))
    if newest is None:
        return []
    if isinstance(newest, str):  # SQLite may hand back coalesce() as text
        newest = datetime.fromisoformat(newest)
    if newest.tzinfo is None:
        newest = newest.replace(tzinfo=UTC)
    since = newest - timedelta(days=days)
    rows = session.scalars(select(Document).where(Document.story_id.is_not(None), when >= since))
    return sorted(rows, key=lambda d: (d.published_at or d.fetched_at, d.id))


def person_decisions(session: Session) -> tuple[list[tuple[int, int]], list[int]]:
    """People's decisions the clustering must respect: (merged story, into story) pairs, pinned stories."""
    merges = [
        (int(a), int(b))
        for a, b in session.execute(
            select(Story.id, Story.merged_into_id).where(
                Story.state == StoryState.MERGED, Story.merged_into_id.is_not(None)
            )
        )
    ]
    pinned = list(session.scalars(select(Story.id).where(Story.pinned_by_person.is_(True))))
    return merges, pinned


def traffy_tickets_near(
    session: Session, lat: float, lon: float, metres: float = 300.0, limit: int = 20
) -> list[Document]:
    """Traffy Fondue tickets (documents of kind ``ticket``) within ``metres`` of a point, newest first."""
    dlat = metres / 111_000.0
    dlon = dlat / max(0.2, math.cos(math.radians(lat)))
    return list(
        session.scalars(
            select(Document)
            .where(
                Document.kind == "ticket",
                Document.lat.between(lat - dlat, lat + dlat),
                Document.lon.between(lon - dlon, lon + dlon),
            )
            .order_by(Document.id.desc())
            .limit(limit)
        )
    )


def tickets_between(session: Session, since: datetime, until: datetime, limit: int = 500) -> list[Document]:
    """Traffy Fondue tickets reported in [since, until), newest first."""
    when = func.coalesce(Document.published_at, Document.fetched_at)
    return list(
        session.scalars(
            select(Document)
            .where(Document.kind == "ticket", when >= since, when < until)
            .order_by(Document.id.desc())
            .limit(limit)
        )
    )
