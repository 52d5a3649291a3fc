"""Idempotent storage: same canonical URL or same content never makes a second row; edits keep history."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crawlers.items import Item
from storage.documents import Outcome, store_item, store_items
from storage.models import Document, DocumentVersion
from storage.sources import upsert_source


def item(url: str, title: str = "ถนนพระราม 4 น้ำท่วมขัง", text: str = "ฝนตกหนักทำให้น้ำท่วมขังหลายจุด") -> Item:
    return Item(url=url, title=title, text=text, published=datetime(2026, 11, 24, 1, tzinfo=UTC))


def count(session: Session, model: type = Document) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_same_canonical_url_updates_with_history(session: Session) -> None:
    source = upsert_source(session, "s", "rss", "https://example.org/feed")
    first = store_item(session, item("https://www.khaosod.co.th/news_1?utm_source=fb"), source.id)
    assert first.outcome is Outcome.STORED
    same = store_item(session, item("https://www.khaosod.co.th/news_1/amp"), source.id)
    assert same.outcome is Outcome.UNCHANGED
    edited = store_item(session, item("https://m.khaosod.co.th/news_1", text="ฝนตกหนัก น้ำท่วมขัง 12 จุด"), source.id)
    assert edited.outcome is Outcome.UPDATED
    session.flush()
    assert count(session) == 1
    doc = session.scalars(select(Document)).one()
    assert doc.version == 2 and doc.text == "ฝนตกหนัก น้ำท่วมขัง 12 จุด"
    history = session.scalars(select(DocumentVersion)).one()
    assert history.version == 1 and history.text == "ฝนตกหนักทำให้น้ำท่วมขังหลายจุด"


def test_same_content_same_source_is_a_duplicate(session: Session) -> None:
    source = upsert_source(session, "s", "rss", "https://example.org/feed")
    store_item(session, item("https://www.khaosod.co.th/news_1"), source.id)
    again = store_item(session, item("https://www.khaosod.co.th/news_1_copy"), source.id)
    assert again.outcome is Outcome.DUPLICATE
    assert count(session) == 1


def test_batch_store_matches_one_by_one(session: Session) -> None:
    source = upsert_source(session, "s", "sitemap", "https://example.org/sitemap.xml")
    store_item(session, item("https://www.matichon.co.th/local/news_9"), source.id)
    batch = [
        item(f"https://www.matichon.co.th/local/news_{i}", title=f"ข่าว {i}", text=f"เนื้อหา {i}") for i in range(5)
    ] + [
        item("https://www.matichon.co.th/local/news_1?utm_medium=x", title="ข่าว 1", text="เนื้อหา 1"),  # twin in batch
        item("https://www.matichon.co.th/local/news_9", text="แก้ไขแล้ว"),  # an edit of a stored one
    ]
    outcomes = store_items(session, batch, source.id)
    assert outcomes == [Outcome.STORED] * 5 + [Outcome.UNCHANGED, Outcome.UPDATED]
    session.flush()
    assert count(session) == 6 and count(session, DocumentVersion) == 1
    assert store_items(session, batch[:5], source.id) == [Outcome.UNCHANGED] * 5
    assert count(session) == 6
