"""Scores: one per document and model version."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Document, DocumentState, Score


def save_score(session: Session, document: Document, model_version: str, values: dict[str, Any]) -> Score:
    """Insert or replace the score of ``document`` by ``model_version`` and mark the document scored."""
    score = session.scalar(select(Score).where(Score.document_id == document.id, Score.model_version == model_version))
    if score is None:
        score = Score(document_id=document.id, model_version=model_version, **values)
        session.add(score)
    else:
        for key, value in values.items():
            setattr(score, key, value)
    if document.state is DocumentState.FETCHED:
        document.state = DocumentState.SCORED
    session.flush()
    return score


def latest_scores(session: Session, document_ids: list[int], model_version: str) -> dict[int, Score]:
    if not document_ids:
        return {}
    rows = session.scalars(
        select(Score).where(Score.document_id.in_(document_ids), Score.model_version == model_version)
    )
    return {row.document_id: row for row in rows}
