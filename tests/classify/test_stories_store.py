"""Stories in the store (SQLite and PostgreSQL): grouping, duplicates, facts, people's decisions."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bkkwatch.settings import reset_settings
from classify.pipeline import process_new_documents
from classify.stories import velocity
from crawlers.items import Item
from storage.documents import store_item
from storage.models import Document, DocumentState, Story, StoryState

T0 = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
FLOOD = (
    "น้ำท่วมขังอุโมงค์ลอดทางแยกบางเขน หลังฝนตกหนักช่วงเช้า รถเล็กไม่สามารถผ่านได้ "
    "สำนักการระบายน้ำเร่งสูบน้ำ ประชาชนร้องเรียนว่าท่อระบายน้ำอุดตันมานาน"
)
FLOOD_REWRITE = (
    "น้ำท่วมขังอุโมงค์ลอดทางแยกบางเขน หลังฝนตกหนักเมื่อเช้านี้ รถเล็กไม่สามารถผ่านได้ "
    "สำนักการระบายน้ำเร่งสูบน้ำ ประชาชนร้องเรียนว่าท่อระบายน้ำอุดตันมานาน"
)
FLOOD_OTHER = "ผู้ใช้รถติดสะสมยาวหน้าอุโมงค์ลอดทางแยกบางเขน เพราะน้ำท่วมขังในอุโมงค์ สำนักการระบายน้ำนำเครื่องสูบน้ำมาเร่งระบาย"
VENDORS = "หาบเร่แผงลอยตั้งขายบนทางเท้าถนนสีลม เขตบางรัก คนเดินเท้าต้องลงไปเดินบนถนน เทศกิจไม่จัดระเบียบ"
TICKET = "อุโมงค์แยกบางเขนน้ำท่วมขังทุกครั้งที่ฝนตก ท่อระบายน้ำอุดตัน ขอให้มาลอกท่อด้วยครับ"
BANGKHEN = (13.8738, 100.5962)


def _store(session: Session, url: str, text: str, hours: float, title: str = "", **kw: object) -> Document:
    item = Item(url=url, title=title, text=text, published=T0 + timedelta(hours=hours), **kw)  # type: ignore[arg-type]
    return store_item(session, item, None).document


def _story_of(session: Session, document: Document) -> Story:
    session.refresh(document)
    story = session.get(Story, document.story_id)
    assert story is not None
    return story


def test_reports_become_stories_with_duplicates_and_facts(session: Session) -> None:
    a = _store(session, "https://www.thairath.co.th/news/local/1", FLOOD, 0, "น้ำท่วมอุโมงค์บางเขน", likes=120)
    copy = _store(session, "https://www.dailynews.co.th/news/2", FLOOD, 1, "น้ำท่วมอุโมงค์บางเขน", shares=30)
    amp = _store(session, "https://www.thairath.co.th/news/local/1/amp?utm_source=x", FLOOD, 1.5, "น้ำท่วมอุโมงค์บางเขน")
    rewrite = _store(session, "https://www.khaosod.co.th/news/3", FLOOD_REWRITE, 2, "น้ำท่วมอุโมงค์บางเขน")
    other = _store(session, "https://www.matichon.co.th/news/4", FLOOD_OTHER, 3, "รถติดหน้าอุโมงค์บางเขน")
    ticket = _store(
        session,
        "https://share.traffy.in.th/teamchadchart/ABC123",
        TICKET,
        4,
        kind="ticket",
        lat=BANGKHEN[0],
        lon=BANGKHEN[1],
        extra={"ticket_id": "ABC123", "state": "inprogress"},
    )
    vendors = _store(session, "https://www.thairath.co.th/news/local/9", VENDORS, 5, "หาบเร่บนทางเท้าสีลม")
    assert amp.id == a.id  # the AMP variant is the same canonical URL: one document
    result = process_new_documents(session)
    assert result["scored"] == 6
    story = _story_of(session, a)
    for doc in (copy, rewrite, other):
        assert _story_of(session, doc).id == story.id, doc.url
    assert _story_of(session, vendors).id != story.id
    assert copy.duplicate_of_id == a.id and rewrite.duplicate_of_id == a.id and other.duplicate_of_id is None
    # The citizen's ticket words it differently: it joins the story or, at least, is linked to it.
    ticket_story = _story_of(session, ticket)
    n = 5 if ticket_story.id == story.id else 4
    assert story.n_documents == n and story.n_outlets == n
    assert story.reach == 150
    assert story.first_seen == T0 and story.last_seen == T0 + timedelta(hours=n - 1)
    assert [t["ticket_id"] for t in story.traffy_tickets] == ["ABC123"]
    assert story.traffy_tickets[0]["state"] == "inprogress"
    assert "บางเขน" in story.summary and len(story.summary) <= 281
    assert story.places == ["บางเขน"]
    assert all(d.state is DocumentState.IN_STORY for d in session.scalars(select(Document)))


def test_a_persons_split_and_merge_are_respected(session: Session) -> None:
    a = _store(session, "https://www.thairath.co.th/news/local/1", FLOOD, 0, "น้ำท่วมอุโมงค์บางเขน")
    b = _store(session, "https://www.matichon.co.th/news/4", FLOOD_OTHER, 1, "รถติดหน้าอุโมงค์บางเขน")
    v = _store(session, "https://www.thairath.co.th/news/local/9", VENDORS, 2, "หาบเร่บนทางเท้าสีลม")
    process_new_documents(session)
    flood = _story_of(session, a)
    assert _story_of(session, b).id == flood.id
    # A person splits b out into its own story and pins it.
    split = Story(pinned_by_person=True, title="รถติดหน้าอุโมงค์")
    session.add(split)
    session.flush()
    b.story_id = split.id
    # A person merges the vendors story into the flood story (odd, but theirs to decide).
    vendors_story = _story_of(session, v)
    vendors_story.state, vendors_story.merged_into_id = StoryState.MERGED, flood.id
    session.flush()
    # The edited article is re-scored: it stays where the person put it.
    b.state = DocumentState.FETCHED
    c = _store(session, "https://www.dailynews.co.th/news/10", VENDORS + " ยังไม่แก้ไข", 3, "หาบเร่สีลม")
    process_new_documents(session)
    assert _story_of(session, b).id == split.id
    assert _story_of(session, c).id == flood.id  # the vendors' story went into the flood story
    assert _story_of(session, a).id == flood.id


def test_the_index_is_rebuilt_after_a_restart_and_continues(session: Session) -> None:
    from classify import stories as stories_module

    a = _store(session, "https://www.thairath.co.th/news/local/1", FLOOD, 0, "น้ำท่วมอุโมงค์บางเขน")
    process_new_documents(session)
    stories_module._CACHE.clear()  # a new process
    b = _store(session, "https://www.dailynews.co.th/news/2", FLOOD, 30, "น้ำท่วมอุโมงค์บางเขน")
    result = process_new_documents(session)
    assert result["stories_new"] == 0
    assert _story_of(session, b).id == _story_of(session, a).id and b.duplicate_of_id == a.id


def test_the_next_process_loads_the_saved_index_and_rebuilds_a_stale_one(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from classify import stories as stories_module

    monkeypatch.setenv("BKKWATCH_STORY_INDEX_DIR", str(tmp_path))
    reset_settings()
    try:
        a = _store(session, "https://www.thairath.co.th/news/local/1", FLOOD, 0, "น้ำท่วมอุโมงค์บางเขน")
        assert process_new_documents(session)["index_rebuilt"] == 0
        assert stories_module.index_file(session).parent == tmp_path and stories_module.index_file(session).exists()
        # The next flow run is a new process: it starts from the saved index, re-reading nothing.
        stories_module._CACHE.clear()
        b = _store(session, "https://www.dailynews.co.th/news/2", FLOOD_REWRITE, 5, "น้ำท่วมอุโมงค์บางเขน")
        result = process_new_documents(session)
        assert result["index_rebuilt"] == 0 and result["stories_new"] == 0
        assert _story_of(session, b).id == _story_of(session, a).id
        # The store changed after the index was saved (a person renamed the story): the saved index is
        # not trusted, it is rebuilt from the store's window (a and b).
        stories_module._CACHE.clear()
        story = _story_of(session, a)
        story.title, story.updated_at = "น้ำท่วมอุโมงค์แยกบางเขน", datetime.now(UTC)
        session.flush()
        c = _store(session, "https://www.matichon.co.th/news/4", FLOOD_OTHER, 6, "รถติดหน้าอุโมงค์บางเขน")
        result = process_new_documents(session)
        assert result["index_rebuilt"] == 2 and _story_of(session, c).id == story.id
        # A damaged file is a cache miss with a warning, never a failed run.
        stories_module._CACHE.clear()
        stories_module.index_file(session).write_bytes(b"not an index")
        _store(session, "https://www.khaosod.co.th/news/5", VENDORS, 7, "หาบเร่บนทางเท้าสีลม")
        with caplog.at_level(logging.WARNING, logger="classify.stories"):
            assert process_new_documents(session)["index_rebuilt"] == 3
        assert "rebuilding it from the store" in caplog.text
    finally:
        monkeypatch.undo()
        reset_settings()


def test_velocity_trend_and_spike() -> None:
    now = T0 + timedelta(days=2)
    rising = [now - timedelta(hours=h) for h in (1, 2, 3, 4, 5, 6, 30)]
    pace = velocity(rising, now)
    assert pace["recent"] == 6 and pace["trend"] == "rising" and pace["spike"]
    assert pace["per_hour"] == 0.25
    falling = [now - timedelta(hours=h) for h in (1, 25, 26, 27)]
    assert velocity(falling, now)["trend"] == "falling" and not velocity(falling, now)["spike"]


def test_the_same_matter_a_month_later_is_a_new_story_linked_to_the_old(session: Session) -> None:
    old = datetime(2026, 9, 1, 2, 0, tzinfo=UTC)
    first = store_item(
        session,
        Item(
            url="https://www.thairath.co.th/news/local/100",
            title="น้ำท่วมอุโมงค์บางเขน",
            text=FLOOD,
            published=old,
        ),
        None,
    ).document
    process_new_documents(session)
    again = store_item(
        session,
        Item(
            url="https://www.thairath.co.th/news/local/200",
            title="น้ำท่วมอุโมงค์บางเขนอีกแล้ว",
            text=FLOOD_OTHER,
            published=old + timedelta(days=30),
        ),
        None,
    ).document
    result = process_new_documents(session)
    assert result["stories_new"] == 1
    old_story, new_story = _story_of(session, first), _story_of(session, again)
    assert new_story.id != old_story.id and new_story.recurrence_of_id == old_story.id


def test_story_agencies_favour_the_agency_every_report_names() -> None:
    from classify.stories import _merge_agencies

    def report(district: str) -> list[dict[str, object]]:  # as the scorer gives them, best first
        return [
            {"name": district, "score": 0.75, "external": False},
            {"name": "สำนักการระบายน้ำ", "score": 0.6, "external": False},
        ]

    merged = _merge_agencies([report("สำนักงานเขตดินแดง"), report("สำนักงานเขตบางนา"), report("สำนักงานเขตพญาไท")])
    assert [a["name"] for a in merged][:1] == ["สำนักการระบายน้ำ"]
    assert merged[0]["score"] == 0.6 and merged[1]["score"] == 0.25 and merged[0]["external"] is False
    # One report: its own ranking, unchanged, ties included.
    tied = [*report("สำนักงานเขตบางรัก"), {"name": "สำนักสิ่งแวดล้อม", "score": 0.6, "external": False}]
    tied[1], tied[2] = tied[2], tied[1]
    assert _merge_agencies([tied]) == tied
