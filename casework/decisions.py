"""People's decisions on the queue and on issues: confirm, dismiss, snooze, merge, split, answer.

Every decision:
- checks that the record is still as the person saw it (``expected_version``, the ``lock_version``
  shown on the page) and that nobody decided it meanwhile; otherwise :class:`StaleDecision` with a
  message that says who decided what, never a silent overwrite. The ``lock_version`` column is
  SQLAlchemy's ``version_id_col``, so two transactions racing past the check still cannot both win:
  the loser's flush raises ``StaleDataError``, turned into the same :class:`StaleDecision`;
- writes one :class:`~storage.models.AuditEvent` per changed record (who, when, before, after);
- marks merged and split stories ``pinned_by_person`` (and ``merged_into_id``/``state``) so that
  re-clustering never undoes what a person did.

The functions flush but never commit: the caller owns the transaction (web request, CLI, test).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from storage.models import (
    Agency,
    Answer,
    AuditEvent,
    Candidate,
    CandidateState,
    Clarification,
    ClarificationState,
    Document,
    DocumentState,
    Issue,
    IssueAgency,
    IssueState,
    Story,
    StoryState,
    User,
)

ANSWER_HOURS = 24
OPEN_STATES = (CandidateState.PROPOSED, CandidateState.FROZEN)
STATE_TH = {
    CandidateState.PROPOSED: "รอพิจารณา",
    CandidateState.FROZEN: "รอพิจารณา (คงลำดับ)",
    CandidateState.CONFIRMED: "ยืนยันเป็นประเด็นแล้ว",
    CandidateState.DISMISSED: "ไม่รับเป็นประเด็น",
    CandidateState.SNOOZED: "เลื่อนไปพรุ่งนี้",
    CandidateState.MERGED: "รวมกับเรื่องอื่นแล้ว",
}
MAX_NOTE = 2000
MAX_ANSWER = 10000


class DecisionError(Exception):
    """A decision that cannot be made; the message is shown to the person as it is."""

    status = 400


class NotFound(DecisionError):
    status = 404


class StaleDecision(DecisionError):
    """Someone else changed the record after the person loaded it."""

    status = 409


class NotAllowed(DecisionError):
    status = 403


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    label: str  # username, or "system:<flow>"

    @classmethod
    def of(cls, user: User) -> Actor:
        return cls(user.id, user.username)


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "value"):
        return value.value
    return value


def candidate_record(candidate: Candidate) -> dict[str, Any]:
    return {
        "state": candidate.state.value,
        "story_id": candidate.story_id,
        "review_day": _iso(candidate.review_day),
        "rank": candidate.rank,
        "decided_by_id": candidate.decided_by_id,
        "decided_at": _iso(candidate.decided_at),
        "decision_note": candidate.decision_note,
        "lock_version": candidate.lock_version,
    }


def story_record(story: Story) -> dict[str, Any]:
    return {
        "state": story.state.value,
        "title": story.title,
        "n_documents": story.n_documents,
        "merged_into_id": story.merged_into_id,
        "pinned_by_person": story.pinned_by_person,
    }


def issue_record(session: Session, issue: Issue, agency_ids: list[int] | None = None) -> dict[str, Any]:
    """The issue as the audit log keeps it; ``agency_ids`` when the caller has just written them."""
    if agency_ids is None:
        agency_ids = (
            list(
                session.scalars(
                    select(IssueAgency.agency_id).where(IssueAgency.issue_id == issue.id).order_by(IssueAgency.position)
                )
            )
            if issue.id
            else []
        )
    return {
        "state": issue.state.value,
        "story_id": issue.story_id,
        "candidate_id": issue.candidate_id,
        "urgent": issue.urgent,
        "note": issue.note,
        "agency_ids": agency_ids,
        "due_at": _iso(issue.due_at),
        "answered_at": _iso(issue.answered_at),
        "lock_version": issue.lock_version,
    }


def audit(
    session: Session,
    actor: Actor,
    action: str,
    entity_type: str,
    entity_id: int | None,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    note: str | None = None,
) -> AuditEvent:
    event = AuditEvent(
        actor_id=actor.user_id,
        actor_label=actor.label,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        before=before,
        after=after,
        note=note,
    )
    session.add(event)
    return event


def _clean(text: str | None, limit: int, what: str, required: bool = False) -> str | None:
    text = (text or "").replace("\x00", "").strip()  # PostgreSQL text cannot hold NUL
    if required and not text:
        raise DecisionError(f"{what}: ต้องกรอก (required)")
    if len(text) > limit:
        raise DecisionError(f"{what}: ยาวเกิน {limit} ตัวอักษร (too long)")
    return text or None


def _who(session: Session, user_id: int | None) -> str:
    if user_id is None:
        return "ระบบ"
    user = session.get(User, user_id)
    return user.username if user else f"user {user_id}"


def open_candidate(session: Session, candidate_id: int, expected_version: int | None) -> Candidate:
    """The candidate, still undecided and at the version the person saw."""
    candidate = session.get(Candidate, candidate_id)
    if candidate is None:
        raise NotFound(f"ไม่พบเรื่องหมายเลข {candidate_id} (candidate not found)")
    if candidate.state not in OPEN_STATES:
        raise StaleDecision(
            f"เรื่องนี้มีผู้ตัดสินแล้ว: {STATE_TH[candidate.state]} โดย {_who(session, candidate.decided_by_id)} "
            f"(already decided: {candidate.state.value})"
        )
    if expected_version is not None and candidate.lock_version != expected_version:
        raise StaleDecision(
            "เรื่องนี้ถูกแก้ไขหลังจากที่คุณเปิดดู กรุณาโหลดหน้าใหม่ (changed by someone else since you loaded it; reload)"
        )
    return candidate


def _stale(exc: Exception) -> StaleDecision | None:
    if isinstance(exc, StaleDataError):
        return StaleDecision("มีผู้อื่นตัดสินเรื่องนี้พร้อมกัน กรุณาโหลดหน้าใหม่ (decided by someone else at the same time; reload)")
    if isinstance(exc, OperationalError) and "locked" in str(exc):  # SQLite: write from a stale snapshot
        return StaleDecision("มีผู้อื่นกำลังบันทึกเรื่องนี้ กรุณาโหลดหน้าใหม่ (someone else is saving this; reload)")
    return None


def _flush(session: Session) -> None:
    try:
        session.flush()
    except (StaleDataError, OperationalError) as exc:
        stale = _stale(exc)
        if stale is None:
            raise
        raise stale from exc


F = TypeVar("F", bound=Callable[..., Any])


def _guarded(func: F) -> F:
    """Autoflushes inside a decision report a lost race as :class:`StaleDecision` too."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (StaleDataError, OperationalError) as exc:
            stale = _stale(exc)
            if stale is None:
                raise
            raise stale from exc

    return wrapper  # type: ignore[return-value]


def _decide(candidate: Candidate, actor: Actor, state: CandidateState, note: str | None) -> None:
    candidate.state = state
    candidate.decided_by_id = actor.user_id
    candidate.decided_at = _now()
    candidate.decision_note = note


# --- confirm, dismiss, snooze -------------------------------------------------------------------


@_guarded
def confirm(
    session: Session,
    actor: Actor,
    candidate_id: int,
    expected_version: int | None,
    agency_ids: list[int],
    urgent: bool = False,
    note: str | None = None,
) -> Issue:
    """Confirm a candidate as an issue (ประเด็น) for ``agency_ids`` (most responsible first)."""
    candidate = open_candidate(session, candidate_id, expected_version)
    note = _clean(note, MAX_NOTE, "note")
    ordered = list(dict.fromkeys(agency_ids))
    if not ordered:
        raise DecisionError("เลือกหน่วยงานอย่างน้อยหนึ่งหน่วยงาน (choose at least one agency)")
    agencies = {a.id: a for a in session.scalars(select(Agency).where(Agency.id.in_(ordered)))}
    missing = [a for a in ordered if a not in agencies or not agencies[a].active]
    if missing:
        raise DecisionError(f"ไม่พบหน่วยงาน {missing} (unknown agency)")
    if session.scalar(select(Issue.id).where(Issue.story_id == candidate.story_id)) is not None:
        raise StaleDecision("เรื่องนี้เป็นประเด็นอยู่แล้ว (this story already is an issue)")
    before = candidate_record(candidate)
    now = _now()
    title = session.scalar(select(Story.title).where(Story.id == candidate.story_id))
    issue = Issue(
        candidate_id=candidate.id,
        story_id=candidate.story_id,
        title=title or "",
        note=note,
        urgent=urgent,
        state=IssueState.CONFIRMED,
        confirmed_by_id=actor.user_id,
        confirmed_at=now,
        due_at=now + timedelta(hours=ANSWER_HOURS),
    )
    session.add(issue)
    _decide(candidate, actor, CandidateState.CONFIRMED, note)
    _flush(session)  # the candidate's version check, and the issue's id
    for position, agency_id in enumerate(ordered):
        session.add(IssueAgency(issue_id=issue.id, agency_id=agency_id, position=position))
    audit(session, actor, "confirm", "candidate", candidate.id, before, candidate_record(candidate), note)
    audit(session, actor, "create", "issue", issue.id, None, issue_record(session, issue, ordered), note)
    _flush(session)
    return issue


@_guarded
def dismiss(session: Session, actor: Actor, candidate_id: int, expected_version: int | None, reason: str) -> Candidate:
    candidate = open_candidate(session, candidate_id, expected_version)
    reason_text = _clean(reason, MAX_NOTE, "reason", required=True)
    before = candidate_record(candidate)
    _decide(candidate, actor, CandidateState.DISMISSED, reason_text)
    _flush(session)
    audit(session, actor, "dismiss", "candidate", candidate.id, before, candidate_record(candidate), reason_text)
    _flush(session)
    return candidate


@_guarded
def snooze(
    session: Session, actor: Actor, candidate_id: int, expected_version: int | None, note: str | None = None
) -> Candidate:
    """Put the story off to the next review day: this candidate is snoozed, tomorrow's holds the story."""
    candidate = open_candidate(session, candidate_id, expected_version)
    note = _clean(note, MAX_NOTE, "note")
    before = candidate_record(candidate)
    _decide(candidate, actor, CandidateState.SNOOZED, note)
    tomorrow = candidate.review_day + timedelta(days=1)
    later = session.scalar(
        select(Candidate).where(Candidate.review_day == tomorrow, Candidate.story_id == candidate.story_id)
    )
    if later is None:
        last = session.scalar(select(func.max(Candidate.rank)).where(Candidate.review_day == tomorrow)) or 0
        later = Candidate(
            review_day=tomorrow,
            story_id=candidate.story_id,
            rank=last + 1,
            score=candidate.score,
            explanation=f"เลื่อนมาจากวันก่อน · {candidate.explanation}",
        )
        session.add(later)
    if later.state in (None, CandidateState.PROPOSED):
        # Held like a frozen candidate: rebuilding tomorrow's queue re-ranks it but never drops it,
        # even when the story has left the queue window (a person's decision is not undone).
        later.state, later.frozen_at = CandidateState.FROZEN, _now()
    _flush(session)
    audit(
        session,
        actor,
        "snooze",
        "candidate",
        candidate.id,
        before,
        {**candidate_record(candidate), "moved_to_candidate_id": later.id},
        note,
    )
    _flush(session)
    return later


# --- merge and split -----------------------------------------------------------------------------


def _refresh(session: Session, story: Story) -> None:
    from classify.rules import MODEL_VERSION
    from classify.stories import refresh_facts

    refresh_facts(session, story, MODEL_VERSION)


@_guarded
def merge(
    session: Session,
    actor: Actor,
    keep_id: int,
    keep_version: int | None,
    other_id: int,
    other_version: int | None,
    note: str | None = None,
) -> Candidate:
    """Fold the story of candidate ``other_id`` into the story of ``keep_id`` (same review day)."""
    if keep_id == other_id:
        raise DecisionError("เลือกสองเรื่องที่ต่างกัน (choose two different stories)")
    keep = open_candidate(session, keep_id, keep_version)
    other = open_candidate(session, other_id, other_version)
    if keep.review_day != other.review_day:
        raise DecisionError("รวมได้เฉพาะเรื่องในคิววันเดียวกัน (only stories of the same review day)")
    note = _clean(note, MAX_NOTE, "note")
    keep_story, other_story = session.get(Story, keep.story_id), session.get(Story, other.story_id)
    assert keep_story is not None and other_story is not None
    before = {"keep": candidate_record(keep), "other": candidate_record(other)}
    story_before = {"keep": story_record(keep_story), "other": story_record(other_story)}
    moved = list(session.scalars(select(Document).where(Document.story_id == other_story.id)))
    for document in moved:
        document.story_id = keep_story.id
        document.state = DocumentState.IN_STORY
    other_story.state = StoryState.MERGED
    other_story.merged_into_id = keep_story.id
    other_story.pinned_by_person = True
    other_story.n_documents = 0
    keep_story.pinned_by_person = True
    _flush(session)
    _refresh(session, keep_story)
    _decide(other, actor, CandidateState.MERGED, note or f"รวมเข้ากับเรื่อง #{keep_story.id}")
    keep.updated_at = _now()  # its story changed under it: others holding the old page must reload
    _flush(session)
    audit(session, actor, "merge", "candidate", other.id, before["other"], candidate_record(other), note)
    audit(session, actor, "merge", "candidate", keep.id, before["keep"], candidate_record(keep), note)
    audit(
        session,
        actor,
        "merge",
        "story",
        keep_story.id,
        story_before["keep"],
        {
            **story_record(keep_story),
            "documents_added": [d.id for d in moved],
            "from_story_id": other_story.id,
        },
        note,
    )
    audit(
        session,
        actor,
        "merged_into",
        "story",
        other_story.id,
        story_before["other"],
        story_record(other_story),
        note,
    )
    _flush(session)
    return keep


@_guarded
def split(
    session: Session,
    actor: Actor,
    candidate_id: int,
    expected_version: int | None,
    document_ids: list[int],
    note: str | None = None,
) -> Candidate:
    """Move ``document_ids`` out of the candidate's story into a new story with its own candidate."""
    from casework.queue import rank_explanation, rank_score

    candidate = open_candidate(session, candidate_id, expected_version)
    note = _clean(note, MAX_NOTE, "note")
    story = session.get(Story, candidate.story_id)
    assert story is not None
    documents = list(session.scalars(select(Document).where(Document.story_id == story.id)))
    chosen = set(document_ids)
    moving = [d for d in documents if d.id in chosen]
    if not moving or len(moving) != len(chosen):
        raise DecisionError("เลือกเอกสารของเรื่องนี้ที่จะแยกออก (choose documents of this story)")
    if len(moving) == len(documents):
        raise DecisionError("ต้องเหลือเอกสารอย่างน้อยหนึ่งชิ้นในเรื่องเดิม (leave at least one document)")
    before = candidate_record(candidate)
    story_before = story_record(story)
    new = Story(pinned_by_person=True)
    session.add(new)
    _flush(session)
    for document in moving:
        document.story_id = new.id
    story.pinned_by_person = True
    _flush(session)
    _refresh(session, story)
    _refresh(session, new)
    last = session.scalar(select(func.max(Candidate.rank)).where(Candidate.review_day == candidate.review_day)) or 0
    created = Candidate(
        review_day=candidate.review_day,
        story_id=new.id,
        rank=last + 1,
        score=rank_score(new),
        explanation=rank_explanation(new),
    )
    session.add(created)
    candidate.score, candidate.explanation = rank_score(story), rank_explanation(story)
    _flush(session)
    audit(
        session,
        actor,
        "split",
        "candidate",
        candidate.id,
        before,
        {**candidate_record(candidate), "new_candidate_id": created.id},
        note,
    )
    audit(
        session,
        actor,
        "split",
        "story",
        story.id,
        story_before,
        {**story_record(story), "documents_moved": sorted(chosen), "to_story_id": new.id},
        note,
    )
    audit(
        session,
        actor,
        "split_from",
        "story",
        new.id,
        None,
        {**story_record(new), "from_story_id": story.id},
        note,
    )
    _flush(session)
    return created


# --- answers and clarifications -----------------------------------------------------------------


@_guarded
def answer(
    session: Session,
    actor: Actor,
    issue_id: int,
    agency_id: int,
    text: str,
    allowed_agency_ids: set[int] | None = None,
    expected_version: int | None = None,
) -> Answer:
    """Record an agency's answer. ``allowed_agency_ids``: the agencies the person speaks for (None: any)."""
    issue = session.get(Issue, issue_id)
    if issue is None:
        raise NotFound(f"ไม่พบประเด็นหมายเลข {issue_id} (issue not found)")
    if allowed_agency_ids is not None and agency_id not in allowed_agency_ids:
        raise NotAllowed("คุณตอบแทนหน่วยงานนี้ไม่ได้ (you cannot answer for this agency)")
    assigned = set(session.scalars(select(IssueAgency.agency_id).where(IssueAgency.issue_id == issue_id)))
    if agency_id not in assigned:
        raise NotAllowed("ประเด็นนี้ไม่ได้ส่งถึงหน่วยงานนี้ (issue not sent to this agency)")
    if expected_version is not None and issue.lock_version != expected_version:
        raise StaleDecision("ประเด็นนี้เปลี่ยนไปแล้ว กรุณาโหลดหน้าใหม่ (issue changed; reload)")
    body = _clean(text, MAX_ANSWER, "answer", required=True)
    assert body is not None
    before = issue_record(session, issue)
    now = _now()
    reply = Answer(
        issue_id=issue.id,
        agency_id=agency_id,
        text=body,
        channel="web",
        answered_by_id=actor.user_id,
        received_at=now,
    )
    session.add(reply)
    if issue.answered_at is None:
        issue.answered_at = now
    if issue.state in (IssueState.CONFIRMED, IssueState.SENT):
        issue.state = IssueState.ANSWERED
    _flush(session)
    audit(
        session,
        actor,
        "answer",
        "issue",
        issue.id,
        before,
        {**issue_record(session, issue), "answer_id": reply.id, "agency_id": agency_id},
    )
    _flush(session)
    return reply


@_guarded
def draft_clarification(session: Session, actor: Actor, issue_id: int, title: str, body: str) -> Clarification:
    """The PR office's draft of a clarification news item (ข่าวชี้แจง) for an issue."""
    issue = session.get(Issue, issue_id)
    if issue is None:
        raise NotFound(f"ไม่พบประเด็นหมายเลข {issue_id} (issue not found)")
    title_text = _clean(title, 500, "title", required=True)
    body_text = _clean(body, MAX_ANSWER, "body", required=True)
    assert title_text is not None and body_text is not None
    draft = Clarification(
        issue_id=issue.id,
        title=title_text,
        body=body_text,
        state=ClarificationState.DRAFT,
        author_id=actor.user_id,
    )
    session.add(draft)
    _flush(session)
    audit(
        session,
        actor,
        "draft",
        "clarification",
        draft.id,
        None,
        {"issue_id": issue.id, "title": title_text, "state": draft.state.value},
    )
    _flush(session)
    return draft


@_guarded
def publish_clarification(session: Session, actor: Actor, clarification_id: int) -> Clarification:
    """Approve and publish a draft: it appears in the public feed, phone and ID numbers masked."""
    draft = session.get(Clarification, clarification_id)
    if draft is None:
        raise NotFound(f"ไม่พบร่างข่าวชี้แจงหมายเลข {clarification_id} (clarification not found)")
    if draft.state is ClarificationState.PUBLISHED:
        raise StaleDecision("ข่าวชี้แจงนี้เผยแพร่แล้ว (already published)")
    before = {"state": draft.state.value}
    draft.state = ClarificationState.PUBLISHED
    draft.published_at = _now()
    issue = session.get(Issue, draft.issue_id)
    if issue is not None and issue.state in (IssueState.CONFIRMED, IssueState.SENT, IssueState.ANSWERED):
        issue.state = IssueState.CLARIFIED
    _flush(session)
    audit(
        session,
        actor,
        "publish",
        "clarification",
        draft.id,
        before,
        {"state": draft.state.value, "issue_id": draft.issue_id, "published_at": _iso(draft.published_at)},
    )
    _flush(session)
    return draft


# --- reading the record ----------------------------------------------------------------------------


def story_history(session: Session, story_id: int) -> list[AuditEvent]:
    """Every audit event about the story, its candidates and its issues, oldest first."""
    candidate_ids = list(session.scalars(select(Candidate.id).where(Candidate.story_id == story_id)))
    issue_ids = list(session.scalars(select(Issue.id).where(Issue.story_id == story_id)))
    clauses = [(AuditEvent.entity_type == "story") & (AuditEvent.entity_id == story_id)]
    if candidate_ids:
        clauses.append((AuditEvent.entity_type == "candidate") & AuditEvent.entity_id.in_(candidate_ids))
    if issue_ids:
        clauses.append((AuditEvent.entity_type == "issue") & AuditEvent.entity_id.in_(issue_ids))
    from sqlalchemy import or_

    return list(session.scalars(select(AuditEvent).where(or_(*clauses)).order_by(AuditEvent.at, AuditEvent.id)))


def is_overdue(issue: Issue, now: datetime | None = None) -> bool:
    return issue.answered_at is None and issue.due_at is not None and issue.due_at < (now or _now())
