from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from crawlers.items import Item
from storage.documents import Outcome, store_item, title_key
from storage.models import Document, DocumentVersion
from storage.sources import upsert_source


def _item(**kw: object) -> Item:
    base = {
        "url": "https://www.dailynews.co.th/bangkok/1?utm_source=rss",
        "title": "น้ำท่วมขังถนนลาดพร้าว",
        "text": "ฝนตกหนัก น้ำท่วมขังถนนลาดพร้าว เขตจตุจักร",
        "published": datetime(2026, 11, 24, 1, tzinfo=UTC),
    }
    return Item(**{**base, **kw})


def test_same_url_is_one_document_and_edits_keep_history(session) -> None:  # type: ignore[no-untyped-def]
    source = upsert_source(session, "dn", "rss", "https://www.dailynews.co.th/rss")
    assert store_item(session, _item(), source.id).outcome is Outcome.STORED
    assert (
        store_item(session, _item(url="https://www.dailynews.co.th/bangkok/1/amp"), source.id).outcome
        is Outcome.UNCHANGED
    )
    edited = store_item(session, _item(text="ฝนตกหนัก น้ำท่วมขังถนนลาดพร้าว เขตจตุจักร (แก้ไข)"), source.id)
    assert edited.outcome is Outcome.UPDATED and edited.document.version == 2
    assert session.scalar(select(func.count(Document.id))) == 1
    old = session.scalars(select(DocumentVersion)).one()
    assert old.version == 1 and "(แก้ไข)" not in old.text


def test_same_content_same_source_other_url_is_not_stored_twice(session) -> None:  # type: ignore[no-untyped-def]
    source = upsert_source(session, "dn", "rss", "https://www.dailynews.co.th/rss")
    store_item(session, _item(), source.id)
    again = store_item(session, _item(url="https://www.dailynews.co.th/content/999"), source.id)
    assert again.outcome is Outcome.DUPLICATE
    assert session.scalar(select(func.count(Document.id))) == 1


def test_syndicated_copy_in_another_outlet_is_a_family_member(session) -> None:  # type: ignore[no-untyped-def]
    a = upsert_source(session, "dn", "rss", "https://www.dailynews.co.th/rss")
    b = upsert_source(session, "agg", "rss", "https://aggregator.example/rss")
    first = store_item(session, _item(), a.id).document
    copy = store_item(session, _item(url="https://aggregator.example/n/1"), b.id)
    assert copy.outcome is Outcome.STORED and copy.document.duplicate_of_id == first.id


def test_title_key_ignores_spacing_and_punctuation() -> None:
    assert title_key('"อัศวิน" ขออภัย  ชาวกทม.') == title_key("อัศวิน ขออภัยชาวกทม")
    assert title_key("A") != title_key("B")
