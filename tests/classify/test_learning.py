"""The working group's decisions in the database become training material, and the pipeline uses the
trained scorer."""

from __future__ import annotations

import json
import subprocess
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from classify.pipeline import process_new_documents
from classify.scorer import default_model_scorer
from classify.train import build_training_sets, read_devset
from storage.db import session_scope
from storage.decisions import decided_documents
from storage.models import Agency, Candidate, CandidateState, Document, Issue, Score, Story

ROOT = Path(__file__).resolve().parents[2]


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

    story, _ = _story_with_document(session, "น้ำท่วมขังหน้าโรงเรียนในซอยลาดพร้าว 64 นานสามวัน", "https://example.test/a/1")
    cand = Candidate(
        review_day=date(2026, 11, 24), story_id=story.id, rank=1, score=0.9, state=CandidateState.CONFIRMED
    )
    session.add(cand)
    session.flush()
    issue = Issue(candidate_id=cand.id, story_id=story.id, title="น้ำท่วมซอยลาดพร้าว 64")
    drainage = session.scalars(select(Agency).where(Agency.code == "dept-drainage")).one()
    issue.agencies.append(drainage)
    session.add(issue)
    dismissed_story, _ = _story_with_document(session, "ขายคอนโดย่านลาดพร้าว ราคาพิเศษ", "https://example.test/a/2")
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
    assert [codes for _, codes in after.agencies] and all(codes == ["dept-drainage"] for _, codes in after.agencies)
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


def test_train_command_says_which_sets_are_missing_and_learns_from_decisions(db_url: str, tmp_path: Path) -> None:
    # The command reads the database on its own connection: the decision is committed for real there
    # (each test gets a fresh database).
    with session_scope(db_url) as own:
        own_story = Story(title="ต้นไม้ล้ม")
        own.add(own_story)
        own.flush()
        own.add(
            Document(
                url="https://example.test/t/2",
                canonical_url="https://example.test/t/2",
                content_hash="t2",
                title="ต้นไม้ล้ม",
                text="ต้นไม้ล้มทับทางเท้า เขตบางกะปิ",
                kind="article",
                story_id=own_story.id,
            )
        )
        own.add(
            Candidate(
                review_day=date(2026, 11, 25),
                story_id=own_story.id,
                rank=1,
                score=0.8,
                state=CandidateState.CONFIRMED,
            )
        )
    models = tmp_path / "models"
    done = subprocess.run(
        [
            str(ROOT / ".venv" / "bin" / "bkkwatch"),
            "train",
            "--data-dir",
            str(tmp_path / "nowhere"),
            "--model-dir",
            str(models),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "not found" in done.stderr and "missing data sets: traffy" in done.stdout
    assert "decisions from the database: 1 documents" in done.stdout
    assert "trained: impact; kept as shipped: sentiment, relevance, agencies" in done.stdout
    meta = json.loads((models / "impact.meta.json").read_text(encoding="utf-8"))
    assert meta["decisions"] == 1 and meta["n"] == len(read_devset()) + 2  # the development set, one decision twice
    assert not (models / "agencies.skops").exists()  # too little to replace the shipped model
