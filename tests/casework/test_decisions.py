"""Casework decisions on SQLite and PostgreSQL: audit trail, optimistic locking, merges and splits kept."""

from __future__ import annotations

from datetime import timedelta

import pytest
from review_data import agency_id, candidates, make_users, seed_pipeline
from sqlalchemy import select

from casework import decisions
from casework.decisions import Actor, DecisionError, NotAllowed, StaleDecision
from classify.stories import assign_stories
from storage.db import session_scope
from storage.models import (
    AuditEvent,
    Candidate,
    CandidateState,
    Document,
    DocumentState,
    Issue,
    IssueAgency,
    IssueState,
    Story,
    StoryState,
)


def _events(session, entity_type: str, entity_id: int) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    return list(
        session.scalars(
            select(AuditEvent).where(AuditEvent.entity_type == entity_type, AuditEvent.entity_id == entity_id)
        )
    )


def test_confirm_creates_an_issue_with_ordered_agencies_and_an_audit_event(db_url: str) -> None:
    with session_scope(db_url) as session:
        day = seed_pipeline(session)
        users = make_users(session)
        first = candidates(session, day)[0]
        drainage, district = agency_id(session, "สำนักการระบายน้ำ"), agency_id(session, "สำนักงานเขตบางกะปิ")
        issue = decisions.confirm(
            session,
            Actor(users["wg"], "wg"),
            first.id,
            first.lock_version,
            [district, drainage, district],
            urgent=True,
            note="ส่งด่วน",
        )
        issue_id, candidate_id = issue.id, first.id
    with session_scope(db_url) as session:
        issue = session.get(Issue, issue_id)
        assert issue is not None and issue.urgent and issue.state is IssueState.CONFIRMED
        assert issue.due_at is not None and issue.confirmed_by_id == users["wg"]
        order = list(
            session.scalars(
                select(IssueAgency.agency_id).where(IssueAgency.issue_id == issue_id).order_by(IssueAgency.position)
            )
        )
        assert order == [district, drainage]
        candidate = session.get(Candidate, candidate_id)
        assert candidate is not None and candidate.state is CandidateState.CONFIRMED
        (event,) = _events(session, "candidate", candidate_id)
        assert (event.actor_label, event.action, event.note) == ("wg", "confirm", "ส่งด่วน")
        assert event.before["state"] == "proposed" and event.after["state"] == "confirmed"
        assert _events(session, "issue", issue_id)[0].after["agency_ids"] == [district, drainage]


def test_a_second_reviewer_gets_a_clear_message_not_an_overwrite(db_url: str) -> None:
    with session_scope(db_url) as session:
        day = seed_pipeline(session)
        users = make_users(session)
        target = candidates(session, day)[1]
        target_id, seen_version = target.id, target.lock_version
    # Two people load the same page (same lock_version); the first dismisses, the second confirms.
    with session_scope(db_url) as session:
        decisions.dismiss(session, Actor(users["wg"], "wg"), target_id, seen_version, "ข่าวเก่า")
    with session_scope(db_url) as session, pytest.raises(StaleDecision) as raised:
        decisions.confirm(session, Actor(users["wg2"], "wg2"), target_id, seen_version, [1])
    assert "wg" in str(raised.value) and "ไม่รับ" in str(raised.value)
    with session_scope(db_url) as session:
        assert session.get(Candidate, target_id).state is CandidateState.DISMISSED  # type: ignore[union-attr]
        assert session.scalar(select(Issue.id)) is None


def test_racing_transactions_cannot_both_win(db_url: str) -> None:
    """Both pass the version check in their own transaction; the version column stops the second flush."""
    from storage.db import session_factory

    with session_scope(db_url) as session:
        day = seed_pipeline(session)
        users = make_users(session)
        target_id = candidates(session, day)[2].id
    factory = session_factory(db_url)
    one, two = factory(), factory()
    try:
        a = decisions.open_candidate(one, target_id, 1)
        b = decisions.open_candidate(two, target_id, 1)
        decisions.dismiss(one, Actor(users["wg"], "wg"), a.id, 1, "ซ้ำ")
        one.commit()
        with pytest.raises(StaleDecision):
            decisions.snooze(two, Actor(users["wg2"], "wg2"), b.id, 1)
            two.commit()
    finally:
        two.rollback()
        one.close()
        two.close()
    with session_scope(db_url) as session:
        assert session.get(Candidate, target_id).state is CandidateState.DISMISSED  # type: ignore[union-attr]


def test_dismiss_needs_a_reason_and_snooze_moves_the_story_to_tomorrow(db_url: str) -> None:
    with session_scope(db_url) as session:
        day = seed_pipeline(session)
        users = make_users(session)
        rows = candidates(session, day)
        with pytest.raises(DecisionError):
            decisions.dismiss(
                session,
                Actor(users["mon"] if "mon" in users else users["monitor"], "mon"),
                rows[0].id,
                None,
                "  ",
            )
        later = decisions.snooze(session, Actor(users["monitor"], "mon"), rows[0].id, None, "รอข้อมูล")
        assert later.review_day.toordinal() == day.toordinal() + 1 and later.story_id == rows[0].story_id
        assert rows[0].state is CandidateState.SNOOZED
        assert _events(session, "candidate", rows[0].id)[0].after["moved_to_candidate_id"] == later.id
        later_id, story_id = later.id, later.story_id
    # Tomorrow's queue is rebuilt long after the story left the window: the person's snooze holds.
    with session_scope(db_url) as session:
        from casework.queue import build_queue

        story = session.get(Story, story_id)
        assert story is not None and story.last_fetched is not None
        story.last_fetched -= timedelta(days=5)  # seen long ago: no longer eligible by itself
        result = build_queue(session, day + timedelta(days=1))
        assert story_id not in {
            c.story_id for c in candidates(session, day + timedelta(days=1)) if c.state is CandidateState.PROPOSED
        }
        assert result.dropped == 0
    with session_scope(db_url) as session:
        kept = session.get(Candidate, later_id)
        assert kept is not None and kept.story_id == story_id and kept.state is CandidateState.FROZEN
        assert decisions.open_candidate(session, later_id, None) is kept  # still open for a decision


def test_merge_and_split_are_pinned_and_survive_reclustering(db_url: str) -> None:
    with session_scope(db_url) as session:
        day = seed_pipeline(session)
        users = make_users(session)
        rows = candidates(session, day)
        keep, other = rows[0], rows[1]
        keep_story, other_story = keep.story_id, other.story_id
        moved = list(session.scalars(select(Document.id).where(Document.story_id == other_story)))
        decisions.merge(
            session,
            Actor(users["wg"], "wg"),
            keep.id,
            keep.lock_version,
            other.id,
            other.lock_version,
            "เรื่องเดียวกัน",
        )
    with session_scope(db_url) as session:
        merged = session.get(Story, other_story)
        assert merged is not None and merged.state is StoryState.MERGED and merged.merged_into_id == keep_story
        assert merged.pinned_by_person and session.get(Story, keep_story).pinned_by_person  # type: ignore[union-attr]
        assert session.get(Candidate, other.id).state is CandidateState.MERGED  # type: ignore[union-attr]
        docs = list(session.scalars(select(Document.id).where(Document.story_id == keep_story)))
        assert set(moved) <= set(docs)
        assert session.get(Story, keep_story).n_documents == len(docs)  # type: ignore[union-attr]
        # Split one of the moved documents out again, then make the clustering run over everything.
        keep_row = session.get(Candidate, keep.id)
        created = decisions.split(
            session,
            Actor(users["wg"], "wg"),
            keep.id,
            keep_row.lock_version,  # type: ignore[union-attr]
            [moved[0]],
            "คนละเรื่อง",
        )
        new_story = created.story_id
        assert created.review_day == day and created.state is CandidateState.PROPOSED
    with session_scope(db_url) as session:
        for document in session.scalars(select(Document)):
            document.state = DocumentState.SCORED  # as after a re-score
        assign_stories(session)
    with session_scope(db_url) as session:
        assert session.get(Document, moved[0]).story_id == new_story  # type: ignore[union-attr]
        assert session.get(Story, new_story).pinned_by_person  # type: ignore[union-attr]
        history = [(e.entity_type, e.action) for e in decisions.story_history(session, keep_story)]
        assert ("story", "merge") in history and ("story", "split") in history


def test_split_refuses_to_empty_a_story(db_url: str) -> None:
    with session_scope(db_url) as session:
        day = seed_pipeline(session)
        users = make_users(session)
        row = candidates(session, day)[0]
        docs = list(session.scalars(select(Document.id).where(Document.story_id == row.story_id)))
        with pytest.raises(DecisionError):
            decisions.split(session, Actor(users["wg"], "wg"), row.id, None, docs)
        with pytest.raises(DecisionError):
            decisions.split(session, Actor(users["wg"], "wg"), row.id, None, [10**6])


def test_an_agency_answers_only_for_itself(db_url: str) -> None:
    with session_scope(db_url) as session:
        day = seed_pipeline(session)
        users = make_users(session)
        row = candidates(session, day)[0]
        bangkapi = agency_id(session, "สำนักงานเขตบางกะปิ")
        chatuchak = agency_id(session, "สำนักงานเขตจตุจักร")
        issue = decisions.confirm(session, Actor(users["wg"], "wg"), row.id, None, [bangkapi])
        with pytest.raises(NotAllowed):
            decisions.answer(session, Actor(users["chatuchak"], "chatuchak"), issue.id, bangkapi, "x", {chatuchak})
        with pytest.raises(NotAllowed):
            decisions.answer(session, Actor(users["chatuchak"], "chatuchak"), issue.id, chatuchak, "x", {chatuchak})
        reply = decisions.answer(
            session, Actor(users["bangkapi"], "bangkapi"), issue.id, bangkapi, "ส่งเจ้าหน้าที่ลอกท่อแล้ว", {bangkapi}
        )
        assert reply.id and issue.state is IssueState.ANSWERED and issue.answered_at is not None
        assert [e.action for e in _events(session, "issue", issue.id)] == ["create", "answer"]
