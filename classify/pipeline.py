"""Score new documents and fold them into stories: the classify stage of the overnight pipeline."""

from __future__ import annotations

from sqlalchemy.orm import Session

from classify.rules import RuleScorer, default_scorer
from classify.stories import assign_stories
from storage.documents import documents_in_state
from storage.models import DocumentState
from storage.scores import save_score


def engagement_of(document: object) -> dict[str, int]:
    return {
        k: int(getattr(document, k))
        for k in ("likes", "shares", "comments", "views")
        if getattr(document, k, None) is not None
    }


def score_new_documents(session: Session, scorer: RuleScorer | None = None, batch: int = 500) -> int:
    """Score every document still in state ``fetched``; returns how many were scored."""
    scorer = scorer or default_scorer()
    done = 0
    while True:
        documents = documents_in_state(session, DocumentState.FETCHED, limit=batch)
        if not documents:
            return done
        for document in documents:
            result = scorer.score(
                document.text,
                document.title,
                engagement_of(document),
                document.kind,
                (document.extra or {}).get("district"),
            )
            save_score(session, document, result.model_version, result.as_dict())
            done += 1


def process_new_documents(session: Session, scorer: RuleScorer | None = None) -> dict[str, int]:
    """Scores, then stories, for whatever arrived since the last run."""
    scored = score_new_documents(session, scorer)
    stories = assign_stories(session)
    return {"scored": scored, **stories}
