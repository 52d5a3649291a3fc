"""Stories, first version: same canonical URL (one document), same content, or same headline.

Later work replaces the grouping with near-duplicate detection and incremental clustering;
the facts and the way people's merges are respected stay.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from classify.rules import MODEL_VERSION
from storage.documents import documents_in_state
from storage.models import Document, DocumentState, Story
from storage.scores import latest_scores
from storage.stories import attach, live_story, new_story, story_documents, story_of_title


def _story_for(session: Session, document: Document) -> tuple[Story, bool]:
    if document.duplicate_of_id:
        twin = session.get(Document, document.duplicate_of_id)
        if twin is not None and twin.story_id:
            story = live_story(session, twin.story_id)
            if story is not None:
                return story, False
    story = story_of_title(session, document.title_key, document.id)
    if story is not None:
        return story, False
    return new_story(session), True


def assign_stories(session: Session, model_version: str | None = None) -> dict[str, int]:
    """Put every scored document into a story and refresh the facts of the stories that changed."""
    touched: dict[int, Story] = {}
    created = 0
    for document in documents_in_state(session, DocumentState.SCORED):
        if document.story_id:  # re-scored after an edit: stays where it (or a person) put it
            story = live_story(session, document.story_id)
            if story is None:
                story, is_new = _story_for(session, document)
                created += is_new
        else:
            story, is_new = _story_for(session, document)
            created += is_new
        attach(document, story)
        touched[story.id] = story
        session.flush()
    for story in touched.values():
        refresh_facts(session, story, model_version or MODEL_VERSION)
    return {"stories_new": created, "stories_updated": len(touched) - created}


def refresh_facts(session: Session, story: Story, model_version: str, now: datetime | None = None) -> None:
    documents = story_documents(session, story.id)
    if not documents:
        return
    now = now or datetime.now(UTC)
    scores = latest_scores(session, [d.id for d in documents], model_version)
    seen = [d.published_at or d.fetched_at for d in documents]
    story.first_seen, story.last_seen = min(seen), max(seen)
    story.last_fetched = max(d.fetched_at for d in documents)
    story.n_documents = len(documents)
    story.n_outlets = len({d.source_id or urlsplit(d.url).hostname for d in documents})
    story.reach = sum((d.likes or 0) + (d.shares or 0) + (d.comments or 0) for d in documents)
    recent = sum(1 for t in seen if t >= now - timedelta(hours=24))
    story.velocity = round(recent / 24.0, 3)
    story.spike = recent >= 5 and recent >= 3 * max(1, len(seen) - recent)
    scored = [(d, scores[d.id]) for d in documents if d.id in scores]
    if scored:
        best_doc, best = max(scored, key=lambda pair: (pair[1].level, pair[1].impact, -pair[0].id))
        story.title = best_doc.title or story.title
        story.summary = _summary(best_doc.text)
        story.bangkok = max(s.bangkok for _, s in scored)
        story.max_impact = max(s.impact for _, s in scored)
        story.max_level = max(s.level for _, s in scored)
        story.urgent = any(s.urgent for _, s in scored)
        story.explanation = best.explanation
        story.agencies = _merge_agencies([s.agencies for _, s in scored])
        places = Counter(p for _, s in scored for p in s.places)
        story.places = [p for p, _ in places.most_common()]
    story.updated_at = now


def _summary(text: str, limit: int = 280) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit] + "…"


def _merge_agencies(lists: list[list[dict[str, object]]]) -> list[dict[str, object]]:
    best: dict[str, dict[str, object]] = {}
    for agencies in lists:
        for agency in agencies or []:
            name = str(agency["name"])
            if name not in best or float(agency["score"]) > float(best[name]["score"]):  # type: ignore[arg-type]
                best[name] = dict(agency)
    return sorted(best.values(), key=lambda a: -float(a["score"]))[:5]  # type: ignore[arg-type]
