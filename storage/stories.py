"""Stories: documents about one real-world matter, and the facts reviewers rank them by."""

from __future__ import annotations

from sqlalchemy import select
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
