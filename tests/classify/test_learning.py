"""The working group's decisions in the database become training material, and the pipeline uses the
trained scorer."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from classify.pipeline import process_new_documents
from classify.scorer import default_model_scorer
from classify.train import build_training_sets
from storage.decisions import decided_documents
from storage.models import Agency, Candidate, CandidateState, Document, Issue, Score, Story


def _story_with_document(session: Session, text: str, url: str) -> tuple[Story, Document]:
    story = Story(title=text[:40])
    session.add(story)
    session.flush()
    doc = Document(
        url=url,
        canonical_url=url,
        content_hash=url[-8:],
        title=text[:40],
        text=text,
        kind="article",
        story_id=story.id,
        shares=500,
    )
    session.add(doc)
    session.flush()
    return story, doc


def test_a_decision_changes_the_training_sets(session: Session) -> None:
    devset: list[dict[str, object]] = []
    before = build_training_sets(None, decided_documents(session), devset=devset)
    assert before.impact == [] and before.agencies == []

    story, _ = _story_with_document(
        session, "น้ำท่วมขังหน้าโรงเรียนในซอยลาดพร้าว 64 นานสามวัน", "https://example.test/a/1"
    )
    cand = Candidate(
        review_day=date(2026, 11, 24), story_id=story.id, rank=1, score=0.9, state=CandidateState.CONFIRMED
    )
    session.add(cand)
    session.flush()
    issue = Issue(candidate_id=cand.id, story_id=story.id, title="น้ำท่วมซอยลาดพร้าว 64")
    drainage = session.scalars(select(Agency).where(Agency.code == "dept-drainage")).one()
    issue.agencies.append(drainage)
    session.add(issue)
    dismissed_story, _ = _story_with_document(
        session, "ขายคอนโดย่านลาดพร้าว ราคาพิเศษ", "https://example.test/a/2"
    )
    session.add(
        Candidate(
            review_day=date(2026, 11, 24),
            story_id=dismissed_story.id,
            rank=2,
            score=0.3,
            state=CandidateState.DISMISSED,
        )
    )
    session.flush()

    rows = decided_documents(session)
    assert {r["confirmed"] for r in rows} == {True, False}
    after = build_training_sets(None, rows, devset=devset)
    labels = {item["text"]: y for item, y in after.impact}
    assert labels["น้ำท่วมขังหน้าโรงเรียนในซอยลาดพร้าว 64 นานสามวัน"] == 1
    assert labels["ขายคอนโดย่านลาดพร้าว ราคาพิเศษ"] == 0
    assert [codes for _, codes in after.agencies] and all(
        codes == ["dept-drainage"] for _, codes in after.agencies
    )
    assert any(y == 1 for _, y in after.relevance)
    assert "decisions" in " ".join(after.notes)


def test_pipeline_scores_with_the_trained_models(session: Session) -> None:
    doc = Document(
        url="https://example.test/n/1",
        canonical_url="https://example.test/n/1",
        content_hash="n1",
        title="ถนนทรุดเป็นหลุมลึก เขตลาดพร้าว",
        text="ถนนทรุดตัวเป็นหลุมลึกกลางถนนลาดพร้าว รถจักรยานยนต์ล้ม มีผู้บาดเจ็บ ชาวบ้านร้องเรียนสำนักงานเขต",
        kind="article",
        shares=50,
    )
    session.add(doc)
    session.flush()
    summary = process_new_documents(session)
    assert summary["scored"] == 1
    score = session.scalars(select(Score).where(Score.document_id == doc.id)).one()
    assert score.model_version == default_model_scorer().model_version
    assert score.level == 3 and score.urgent and "ลาดพร้าว" in score.places
    assert "ถนนทรุด" in score.explanation
