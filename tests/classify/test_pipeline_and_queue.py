"""Documents -> scores -> stories -> the ranked queue, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from bkkwatch.settings import Settings
from casework.queue import build_queue
from classify.pipeline import process_new_documents
from crawlers.items import Item
from storage.candidates import queue_rows
from storage.documents import store_item
from storage.models import Candidate, CandidateState, Document, DocumentState, Issue, Score, Story
from storage.sources import upsert_source

DAY = date(2026, 11, 25)
NOW = datetime(2026, 11, 24, 20, 0, tzinfo=UTC)  # 03:00 on the 25th in Bangkok, before the 10:30 review
SETTINGS = Settings(queue_window_hours=48)

FLOOD = Item(
    url="https://www.dailynews.co.th/bangkok/1",
    title="น้ำท่วมขังถนนลาดพร้าว เขตจตุจักร",
    text="ฝนตกหนัก น้ำท่วมขังถนนลาดพร้าว เขตจตุจักร ประชาชนร้องเรียน ท่อระบายน้ำอุดตัน กทม.เร่งสูบน้ำ",
)
SINKHOLE = Item(
    url="https://www.thairath.co.th/news/local/bangkok/2",
    title="ถนนทรุดเป็นหลุมยุบ เขตบางรัก",
    text="ถนนทรุดตัวเป็นหลุมยุบ ถนนสีลม เขตบางรัก มีผู้บาดเจ็บ กทม.เร่งซ่อม",
)
FOOTPATH = Item(
    url="https://www.matichon.co.th/local/3",
    title="ทางเท้าชำรุด ซอยอารีย์",
    text="ทางเท้าชำรุด ซอยอารีย์ เขตพญาไท ประชาชนร้องเรียน",
)
CHIANGMAI = Item(
    url="https://www.thairath.co.th/news/local/north/4",
    title="เชียงใหม่จัดงานดอกไม้",
    text="จังหวัดเชียงใหม่จัดงานเทศกาลดอกไม้ นักท่องเที่ยวชื่นชม",
)


def _load(session, items, source="dn"):  # type: ignore[no-untyped-def]
    src = upsert_source(session, source, "rss", f"https://{source}.example/rss")
    for item in items:
        doc = store_item(session, item, src.id).document
        doc.fetched_at = NOW - timedelta(hours=2)
    session.flush()


def test_pipeline_scores_groups_and_ranks(session) -> None:  # type: ignore[no-untyped-def]
    _load(session, [FLOOD, SINKHOLE, FOOTPATH, CHIANGMAI])
    # The same headline from another outlet joins the same story.
    _load(
        session,
        [FLOOD.model_copy(update={"url": "https://www.khaosod.co.th/x/99", "text": FLOOD.text + " (ข่าวสด)"})],
        source="ks",
    )
    summary = process_new_documents(session)
    assert summary["scored"] == 5 and summary["stories_new"] == 4
    assert session.scalar(select(func.count(Score.id))) == 5
    assert set(session.scalars(select(Document.state))) == {DocumentState.IN_STORY}
    flood_story = session.scalars(select(Story).where(Story.title.contains("ลาดพร้าว"))).one()
    assert flood_story.n_documents == 2 and flood_story.n_outlets == 2

    result = build_queue(session, DAY, SETTINGS, now=NOW)
    assert result.eligible == 3 and result.added == 3  # Chiang Mai is not ours
    rows = queue_rows(session, DAY)
    assert [c.rank for c in rows] == [1, 2, 3]
    assert rows[0].story.urgent and "หลุมยุบ" in rows[0].story.title  # danger to people first
    assert rows[0].explanation.startswith("ผลกระทบระดับ 3")


def test_rebuilding_the_queue_changes_nothing_and_keeps_decisions(session) -> None:  # type: ignore[no-untyped-def]
    _load(session, [FLOOD, SINKHOLE, FOOTPATH])
    process_new_documents(session)
    build_queue(session, DAY, SETTINGS, now=NOW)
    first = {(c.story_id, c.rank) for c in queue_rows(session, DAY)}
    top = queue_rows(session, DAY)[0]
    top.state = CandidateState.DISMISSED
    session.flush()
    again = build_queue(session, DAY, SETTINGS, now=NOW)
    assert again.added == 0 and again.dropped == 0
    assert {(c.story_id, c.rank) for c in queue_rows(session, DAY)} == first
    assert session.get(Candidate, top.id).state is CandidateState.DISMISSED
    assert session.scalar(select(func.count(Candidate.id))) == 3


def test_a_story_already_sent_is_not_proposed_again(session) -> None:  # type: ignore[no-untyped-def]
    _load(session, [FLOOD, SINKHOLE])
    process_new_documents(session)
    sent = session.scalars(select(Story).where(Story.title.contains("หลุมยุบ"))).one()
    session.add(Issue(story_id=sent.id, title=sent.title))
    session.flush()
    build_queue(session, DAY, SETTINGS, now=NOW)
    assert [c.story_id for c in queue_rows(session, DAY)] == [
        s.id for s in session.scalars(select(Story).where(Story.id != sent.id))
    ]


def test_documents_outside_the_window_wait_for_their_day(session) -> None:  # type: ignore[no-untyped-def]
    _load(session, [FLOOD])
    session.scalars(select(Document)).one().fetched_at = NOW - timedelta(days=5)
    process_new_documents(session)
    assert build_queue(session, DAY, SETTINGS, now=NOW).eligible == 0
