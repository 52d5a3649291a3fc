"""The JSON API under /api/: the same actions and roles as the pages (OpenAPI at /api/openapi.json)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from casework import decisions
from casework.decisions import NotFound
from review.app import (
    MAX_ID,
    PAGE_SIZE,
    Answerer,
    Anyone,
    Clarifier,
    ConfirmBody,
    Confirmer,
    Db,
    Forbidden,
    IdPath,
    Reader,
    Triager,
    agency_ids_for,
    agency_map,
    clock,
    csrf_token,
    parse_day,
    row_view,
)
from review.pages import _filters, commit
from storage import review as queries
from storage.models import Candidate, Story

router = APIRouter(prefix="/api", tags=["api"])

Text2000 = Annotated[str | None, Field(None, max_length=2000)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Version = Annotated[int | None, Field(None, ge=0, le=MAX_ID)]


class Me(BaseModel):
    username: str
    roles: list[str]
    agency_ids: list[int] | None = Field(description="agencies the user speaks for; null = all")
    csrf_token: str


class AgencyOut(BaseModel):
    id: int
    code: str
    name_th: str
    name_en: str
    kind: str


class SuggestedAgency(BaseModel):
    name: str
    id: int | None
    score: float | None = None
    external: bool = False


class CandidateOut(BaseModel):
    id: int
    rank: int
    state: str
    lock_version: int
    review_day: date
    score: float
    explanation: str
    decision_note: str | None
    story_id: int
    title: str
    level: int
    impact: float
    urgent: bool
    velocity: float
    reach: int
    outlets: int
    documents: int
    first_seen: datetime | None
    places: list[str]
    agencies: list[SuggestedAgency]
    urls: list[str]
    kinds: list[str]


class QueueOut(BaseModel):
    review_day: date
    total: int
    offset: int
    rows: list[CandidateOut]


class DismissBody(BaseModel):
    lock_version: Version = None
    reason: str = Field(min_length=1, max_length=2000)


class SnoozeBody(BaseModel):
    lock_version: Version = None
    note: Text2000 = None


class MergeBody(BaseModel):
    lock_version: Version = None
    other_id: Id
    other_lock_version: Version = None
    note: Text2000 = None


class SplitBody(BaseModel):
    lock_version: Version = None
    document_ids: list[Id] = Field(min_length=1, max_length=1000)
    note: Text2000 = None


class AnswerBody(BaseModel):
    agency_id: Id
    text: str = Field(min_length=1, max_length=10000)


class ClarificationBody(BaseModel):
    title: str = Field(min_length=1, max_length=500)
    body: str = Field(min_length=1, max_length=10000)


class Done(BaseModel):
    ok: bool = True
    candidate_id: int | None = None
    issue_id: int | None = None
    story_id: int | None = None
    answer_id: int | None = None
    clarification_id: int | None = None


class DocumentOut(BaseModel):
    id: int
    title: str
    url: str
    kind: str
    source: str | None
    published_at: datetime | None
    level: int | None
    impact: float | None
    explanation: str | None


class EventOut(BaseModel):
    at: datetime
    actor: str
    action: str
    entity_type: str
    entity_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    note: str | None


class StoryOut(BaseModel):
    id: int
    title: str
    state: str
    merged_into_id: int | None
    pinned_by_person: bool
    explanation: str
    documents: list[DocumentOut]
    history: list[EventOut]


class AnswerOut(BaseModel):
    id: int
    agency_id: int | None
    text: str
    received_at: datetime


class IssueOut(BaseModel):
    id: int
    story_id: int
    title: str
    state: str
    urgent: bool
    note: str | None
    lock_version: int
    confirmed_at: datetime
    sent_at: datetime | None
    due_at: datetime | None
    clock: str
    agencies: list[AgencyOut]
    answers: list[AnswerOut]


def _agency_out(agency: Any) -> AgencyOut:
    return AgencyOut(
        id=agency.id, code=agency.code, name_th=agency.name_th, name_en=agency.name_en, kind=agency.kind.value
    )


@router.get("/me", response_model=Me)
def me(request: Request, who: Anyone) -> Me:
    return Me(
        username=who.user.username,
        roles=sorted(r.value for r in who.roles),
        agency_ids=sorted(who.scope) if who.scope is not None else None,
        csrf_token=csrf_token(request),
    )


@router.get("/agencies", response_model=list[AgencyOut])
def agencies(db: Db, who: Anyone) -> list[AgencyOut]:
    return [_agency_out(a) for a in queries.active_agencies(db)]


@router.get("/queue", response_model=QueueOut)
def queue(
    db: Db,
    who: Reader,
    day: Annotated[date | None, Query()] = None,
    level: Annotated[int | None, Query(ge=0, le=3)] = None,
    agency: Annotated[str | None, Query(max_length=200)] = None,
    district: Annotated[str | None, Query(max_length=200)] = None,
    kind: Annotated[str | None, Query(pattern="^(article|post|ticket|comment)$")] = None,
    open_only: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = PAGE_SIZE,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> QueueOut:
    review_day = day or parse_day(None)
    flt = _filters(str(level) if level is not None else None, agency, district, kind, "open" if open_only else None)
    result = queries.queue_page(db, review_day, flt, limit=limit, offset=offset)
    names = agency_map(db)
    rows = [
        CandidateOut(**row_view(r, result.urls.get(r["story_id"], []), result.kinds.get(r["story_id"], []), names))
        for r in result.rows
    ]
    return QueueOut(review_day=review_day, total=result.total, offset=offset, rows=rows)


@router.get("/stories/{story_id}", response_model=StoryOut)
def story(db: Db, who: Reader, story_id: IdPath) -> StoryOut:
    found = db.get(Story, story_id)
    if found is None:
        raise NotFound(f"story {story_id} not found")
    documents = [
        DocumentOut(
            id=d.id,
            title=d.title,
            url=d.url,
            kind=d.kind,
            source=d.source.name if d.source else None,
            published_at=d.published_at,
            level=s.level if s else None,
            impact=s.impact if s else None,
            explanation=s.explanation if s else None,
        )
        for d, s in queries.story_documents_with_scores(db, story_id)
    ]
    history = [
        EventOut(
            at=e.at,
            actor=e.actor_label,
            action=e.action,
            entity_type=e.entity_type,
            entity_id=e.entity_id,
            before=e.before,
            after=e.after,
            note=e.note,
        )
        for e in decisions.story_history(db, story_id)
    ]
    return StoryOut(
        id=found.id,
        title=found.title,
        state=found.state.value,
        merged_into_id=found.merged_into_id,
        pinned_by_person=found.pinned_by_person,
        explanation=found.explanation,
        documents=documents,
        history=history,
    )


@router.post("/candidates/{candidate_id}/confirm", response_model=Done)
def confirm(db: Db, who: Confirmer, candidate_id: IdPath, body: ConfirmBody) -> Done:
    ids = agency_ids_for(db, body.agency_ids, body.agency_names)
    issue = decisions.confirm(db, who.actor, candidate_id, body.lock_version, ids, urgent=body.urgent, note=body.note)
    commit(db)
    return Done(candidate_id=candidate_id, issue_id=issue.id, story_id=issue.story_id)


@router.post("/candidates/{candidate_id}/dismiss", response_model=Done)
def dismiss(db: Db, who: Triager, candidate_id: IdPath, body: DismissBody) -> Done:
    decisions.dismiss(db, who.actor, candidate_id, body.lock_version, body.reason)
    commit(db)
    return Done(candidate_id=candidate_id)


@router.post("/candidates/{candidate_id}/snooze", response_model=Done)
def snooze(db: Db, who: Triager, candidate_id: IdPath, body: SnoozeBody) -> Done:
    later = decisions.snooze(db, who.actor, candidate_id, body.lock_version, body.note)
    commit(db)
    return Done(candidate_id=later.id, story_id=later.story_id)


@router.post("/candidates/{candidate_id}/merge", response_model=Done)
def merge(db: Db, who: Triager, candidate_id: IdPath, body: MergeBody) -> Done:
    keep = decisions.merge(
        db, who.actor, candidate_id, body.lock_version, body.other_id, body.other_lock_version, body.note
    )
    commit(db)
    return Done(candidate_id=keep.id, story_id=keep.story_id)


@router.post("/candidates/{candidate_id}/split", response_model=Done)
def split(db: Db, who: Triager, candidate_id: IdPath, body: SplitBody) -> Done:
    created = decisions.split(db, who.actor, candidate_id, body.lock_version, body.document_ids, body.note)
    commit(db)
    return Done(candidate_id=created.id, story_id=created.story_id)


@router.get("/issues", response_model=list[IssueOut])
def issues(db: Db, who: Anyone) -> list[IssueOut]:
    """Staff see every issue; agency users only the issues (and answers) of their agencies."""
    if who.can("read"):
        scope = None
    elif who.can("answer"):
        scope = who.scope
    else:
        raise Forbidden()
    views = queries.issues_with_details(db, agency_ids=scope)
    return [
        IssueOut(
            id=v.issue.id,
            story_id=v.issue.story_id,
            title=v.issue.title,
            state=v.issue.state.value,
            urgent=v.issue.urgent,
            note=v.issue.note,
            lock_version=v.issue.lock_version,
            confirmed_at=v.issue.confirmed_at,
            sent_at=v.issue.sent_at,
            due_at=clock(v.issue)["due"],
            clock=clock(v.issue)["state"],
            agencies=[_agency_out(a) for a in v.agencies],
            answers=[
                AnswerOut(id=a.id, agency_id=a.agency_id, text=a.text, received_at=a.received_at) for a in v.answers
            ],
        )
        for v in views
    ]


@router.post("/issues/{issue_id}/answers", response_model=Done)
def answer(db: Db, who: Answerer, issue_id: IdPath, body: AnswerBody) -> Done:
    reply = decisions.answer(db, who.actor, issue_id, body.agency_id, body.text, allowed_agency_ids=who.scope)
    commit(db)
    return Done(issue_id=issue_id, answer_id=reply.id)


@router.post("/issues/{issue_id}/clarifications", response_model=Done)
def clarification(db: Db, who: Clarifier, issue_id: IdPath, body: ClarificationBody) -> Done:
    draft = decisions.draft_clarification(db, who.actor, issue_id, body.title, body.body)
    commit(db)
    return Done(issue_id=issue_id, clarification_id=draft.id)


@router.post("/clarifications/{clarification_id}/publish", response_model=Done)
def publish(db: Db, who: Clarifier, clarification_id: IdPath) -> Done:
    draft = decisions.publish_clarification(db, who.actor, clarification_id)
    commit(db)
    return Done(issue_id=draft.issue_id, clarification_id=draft.id)


class SourceOut(BaseModel):
    name: str
    kind: str
    enabled: bool
    last_success_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    last_run_status: str | None
    last_run_items: int | None


@router.get("/sources", response_model=list[SourceOut])
def sources(db: Db, who: Reader) -> list[SourceOut]:
    return [
        SourceOut(
            name=s.name,
            kind=s.kind.value,
            enabled=s.enabled,
            last_success_at=s.last_success_at,
            last_error=s.last_error,
            last_error_at=s.last_error_at,
            last_run_status=r.status.value if r else None,
            last_run_items=r.items_seen if r else None,
        )
        for s, r in queries.sources_with_last_run(db)
    ]


__all__ = ["Candidate", "router"]
