"""Story ranking for the review queue: impact, urgency, velocity, reach, novelty, recurrence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from casework.queue import rank_explanation, rank_score
from storage.models import Story

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


def story(**kw: object) -> Story:
    base: dict[str, object] = dict(
        max_level=1,
        max_impact=0.4,
        urgent=False,
        velocity=0.0,
        spike=False,
        n_outlets=1,
        reach=0,
        bangkok=1.0,
        first_seen=NOW - timedelta(days=3),
        recurrence_of_id=None,
        traffy_tickets=[],
        explanation="",
    )
    base.update(kw)
    return Story(**base)


def test_each_factor_raises_the_rank() -> None:
    plain = rank_score(story(), now=NOW)
    for change in (
        {"max_level": 2},
        {"urgent": True},
        {"velocity": 0.5},
        {"spike": True},
        {"n_outlets": 4},
        {"reach": 5000},
        {"first_seen": NOW - timedelta(hours=3)},
        {"recurrence_of_id": 7},
    ):
        assert rank_score(story(**change), now=NOW) > plain, change
    assert rank_score(story(recurrence_of_id=7), recurrence_sent=True, now=NOW) > rank_score(
        story(recurrence_of_id=7), now=NOW
    )
    assert rank_score(story(), sent=True, now=NOW) < plain


def test_impact_and_urgency_outweigh_spread() -> None:
    viral_but_harmless = story(max_level=0, max_impact=0.1, velocity=2.0, spike=True, n_outlets=6, reach=50_000)
    urgent = story(max_level=3, max_impact=0.9, urgent=True)
    assert rank_score(urgent, now=NOW) > rank_score(viral_but_harmless, now=NOW)


def test_explained_in_thai() -> None:
    s = story(
        max_level=2,
        urgent=True,
        velocity=0.25,
        spike=True,
        n_outlets=3,
        reach=1234,
        recurrence_of_id=5,
        first_seen=NOW - timedelta(hours=2),
        traffy_tickets=[{"ticket_id": "A"}],
        explanation="น้ำท่วม",
    )
    why = rank_explanation(s, recurrence_sent=True, now=NOW)
    for part in (
        "ผลกระทบระดับ 2",
        "เร่งด่วน",
        "0.25 ครั้ง/ชม.",
        "กระแสพุ่ง",
        "3 แหล่งข่าว",
        "1,234",
        "ประเด็นใหม่",
        "เกิดซ้ำหลังเคยส่งหน่วยงาน",
        "Traffy 1 เรื่อง",
        "น้ำท่วม",
    ):
        assert part in why, part
    assert "ส่งหน่วยงานแล้ว" in rank_explanation(s, sent=True, now=NOW)
