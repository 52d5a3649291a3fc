"""Score new documents and fold them into stories: the classify stage of the overnight pipeline."""

from __future__ import annotations

import logging
from typing import Any, Protocol

from sqlalchemy.orm import Session

from classify.rules import ScoreResult, default_scorer
from classify.stories import assign_stories
from storage.documents import documents_in_state
from storage.models import DocumentState
from storage.scores import save_score

log = logging.getLogger(__name__)


class Scorer(Protocol):
    """What the pipeline needs of a scorer (the trained :class:`classify.scorer.ModelScorer`, or the
    first :class:`classify.rules.RuleScorer`)."""

    @property
    def model_version(self) -> str: ...

    def score(
        self,
        text: str,
        title: str = "",
        engagement: Any = None,
        source_kind: str | None = None,
        district: str | None = None,
        lat: Any = None,
        lon: Any = None,
    ) -> ScoreResult: ...


def engagement_of(document: object) -> dict[str, int]:
    return {
        k: int(getattr(document, k))
        for k in ("likes", "shares", "comments", "views")
        if getattr(document, k, None) is not None
    }


def default_pipeline_scorer() -> Scorer:
    """The trained models; the rule scorer if they cannot be loaded (said in the log)."""
    from classify.modelstore import ModelError
    from classify.scorer import default_model_scorer

    try:
        return default_model_scorer()
    except ModelError as exc:
        log.warning("classify: trained models unavailable, using the rule scorer: %s", exc)
        return default_scorer()


def score_new_documents(session: Session, scorer: Scorer | None = None, batch: int = 500) -> int:
    """Score every document still in state ``fetched``; returns how many were scored."""
    scorer = scorer or default_pipeline_scorer()
    done = 0
    while True:
        documents = documents_in_state(session, DocumentState.FETCHED, limit=batch)
        if not documents:
            return done
        items: list[dict[str, Any]] = [
            {
                "text": document.text,
                "title": document.title,
                "engagement": engagement_of(document),
                "source": document.kind,
                "district": (document.extra or {}).get("district"),
                "lat": document.lat,
                "lon": document.lon,
            }
            for document in documents
        ]
        score_many = getattr(scorer, "score_many", None)
        if score_many is not None:  # the trained scorer: one batch through the models
            results = list(score_many(items))
        else:
            results = [
                scorer.score(it["text"], it["title"], it["engagement"], it["source"], it["district"]) for it in items
            ]
        for document, result in zip(documents, results, strict=True):
            save_score(session, document, result.model_version, result.as_dict())
            done += 1


def process_new_documents(session: Session, scorer: Scorer | None = None) -> dict[str, int]:
    """Scores, then stories, for whatever arrived since the last run."""
    scorer = scorer or default_pipeline_scorer()
    scored = score_new_documents(session, scorer)
    stories = assign_stories(session, scorer.model_version)
    return {"scored": scored, **stories}
