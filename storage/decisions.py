"""The working group's decisions as training material for classify/: confirmed and dismissed candidates
and the agencies people set on issues (read-only queries)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from storage.models import Candidate, CandidateState, Document, Issue, Source


def decided_documents(session: Session) -> list[dict[str, Any]]:
    """One row per document of a decided story: its text, source, engagement and the decision.

    ``confirmed`` is True for a confirmed candidate, False for a dismissed one; ``agencies`` holds the
    codes of the issue's agencies (most responsible first) when people confirmed it as an issue. When a
    story was decided on several days, the latest decision counts."""
    decided = (CandidateState.CONFIRMED, CandidateState.DISMISSED)
    latest: dict[int, Candidate] = {}
    for cand in session.scalars(
        select(Candidate).where(Candidate.state.in_(decided)).order_by(Candidate.review_day, Candidate.id)
    ):
        latest[cand.story_id] = cand
    if not latest:
        return []
    issues = {
        issue.story_id: issue
        for issue in session.scalars(
            select(Issue).where(Issue.story_id.in_(list(latest))).options(selectinload(Issue.agencies))
        )
    }
    rows: list[dict[str, Any]] = []
    documents = session.scalars(select(Document).where(Document.story_id.in_(list(latest))).order_by(Document.id))
    sources = {s.id: s for s in session.scalars(select(Source))}
    for doc in documents:
        assert doc.story_id is not None
        cand = latest[doc.story_id]
        issue = issues.get(doc.story_id)
        source = sources.get(doc.source_id) if doc.source_id else None
        rows.append(
            {
                "id": f"db:{doc.id}",
                "title": doc.title or "",
                "text": doc.text or "",
                "source": doc.kind if source is None else f"{doc.kind} {source.kind} {source.name}",
                "engagement": {
                    "likes": doc.likes or 0,
                    "shares": doc.shares or 0,
                    "comments": doc.comments or 0,
                },
                "district": (doc.extra or {}).get("district"),
                "lat": doc.lat,
                "lon": doc.lon,
                "confirmed": cand.state == CandidateState.CONFIRMED,
                "urgent": bool(issue.urgent) if issue is not None else False,
                "agencies": [a.code for a in issue.agencies] if issue is not None else [],
            }
        )
    return rows
