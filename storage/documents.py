"""Documents: stored without duplicates, with the edit history of a changed article."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from typing import cast

from sqlalchemy import Table, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crawlers.items import Item
from crawlers.urls import canonical_url
from storage.models import Document, DocumentState, DocumentVersion

_TITLE_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)


class Outcome(StrEnum):
    STORED = "stored"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    DUPLICATE = "duplicate"  # same content from the same source under another URL


def content_hash(title: str, text: str) -> str:
    # str.split() splits on exactly the characters re's \s matches (str.isspace), without the regex cost:
    # the same digest as re.sub(r"\s+", " ", ...).strip(), which stored rows were hashed with.
    body = " ".join(unicodedata.normalize("NFC", f"{title}\n{text}").split())
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def title_key(title: str) -> str:
    """Headline key for "same title" story grouping: NFC, case-folded, no spaces or punctuation."""
    return _TITLE_NOISE.sub("", unicodedata.normalize("NFC", title)).casefold()[:300]


@dataclass
class StoreResult:
    outcome: Outcome
    document: Document


def store_item(session: Session, item: Item, source_id: int | None, crawl_run_id: int | None = None) -> StoreResult:
    """Insert or update one item: the same canonical URL (or content, same source) never duplicates."""
    canonical = canonical_url(item.url)
    digest = content_hash(item.title, item.text)
    existing = session.scalar(select(Document).where(Document.canonical_url == canonical))
    if existing is None and source_id is not None:
        existing = session.scalar(
            select(Document).where(Document.source_id == source_id, Document.content_hash == digest).limit(1)
        )
        if existing is not None:
            return StoreResult(Outcome.DUPLICATE, existing)
    if existing is not None:
        if existing.content_hash == digest:
            _refresh_engagement(existing, item)
            missing = {k: v for k, v in item.extra.items() if k not in (existing.extra or {})}
            if missing:  # the same article reached by another route (e.g. Google News): keep both traces
                existing.extra = {**(existing.extra or {}), **missing}
            return StoreResult(Outcome.UNCHANGED, existing)
        session.add(
            DocumentVersion(
                document_id=existing.id,
                version=existing.version,
                title=existing.title,
                text=existing.text,
                content_hash=existing.content_hash,
                fetched_at=existing.fetched_at,
            )
        )
        existing.version += 1
        _apply(existing, item, digest)
        existing.state = DocumentState.FETCHED  # score the new text again
        return StoreResult(Outcome.UPDATED, existing)

    twin = session.scalar(select(Document.id).where(Document.content_hash == digest).limit(1))
    document = Document(canonical_url=canonical, source_id=source_id, crawl_run_id=crawl_run_id, duplicate_of_id=twin)
    _apply(document, item, digest)
    try:
        with session.begin_nested():
            session.add(document)
    except IntegrityError:  # another worker stored the same URL a moment ago
        stored = session.scalar(select(Document).where(Document.canonical_url == canonical))
        if stored is None:
            raise
        return StoreResult(Outcome.UNCHANGED, stored)
    return StoreResult(Outcome.STORED, document)


def _apply(document: Document, item: Item, digest: str) -> None:
    document.url = item.url
    document.title = item.title
    document.title_key = title_key(item.title)
    document.text = item.text
    document.author = item.author
    document.published_at = item.published
    document.language = item.language
    document.kind = item.kind
    document.lat, document.lon = item.lat, item.lon
    document.extra = dict(item.extra)
    document.content_hash = digest
    _refresh_engagement(document, item)


def _row(item: Item, canonical: str, digest: str, source_id: int | None, crawl_run_id: int | None) -> dict[str, object]:
    """The column values ``_apply`` sets on a new Document, for a bulk INSERT (column defaults fill the rest)."""
    row: dict[str, object] = {
        "canonical_url": canonical,
        "source_id": source_id,
        "crawl_run_id": crawl_run_id,
        "url": item.url,
        "title": item.title,
        "title_key": title_key(item.title),
        "text": item.text,
        "author": item.author,
        "published_at": item.published,
        "language": item.language,
        "kind": item.kind,
        "lat": item.lat,
        "lon": item.lon,
        "extra": dict(item.extra),
        "content_hash": digest,
    }
    for name in ("likes", "shares", "comments", "views"):
        row[name] = getattr(item, name)
    return row


def _refresh_engagement(document: Document, item: Item) -> None:
    for name in ("likes", "shares", "comments", "views"):
        value = getattr(item, name)
        if value is not None:
            setattr(document, name, value)


def documents_in_state(session: Session, state: DocumentState, limit: int | None = None) -> list[Document]:
    query = select(Document).where(Document.state == state).order_by(Document.id)
    if limit:
        query = query.limit(limit)
    return list(session.scalars(query))


def store_items(
    session: Session, items: list[Item], source_id: int | None, crawl_run_id: int | None = None
) -> list[Outcome]:
    """``store_item`` for a batch, with two look-ups for the whole batch instead of several per item.

    Same rules: same canonical URL updates (keeping the earlier text), same content from the same
    source is a duplicate, never a second row. Items that meet an existing row, or each other, go
    through ``store_item`` one by one; the rest are inserted together.
    """
    if not items:
        return []
    keyed = [(canonical_url(i.url), content_hash(i.title, i.text), i) for i in items]
    canonicals = {c for c, _, _ in keyed}
    digests = {d for _, d, _ in keyed}
    known_urls = set(session.scalars(select(Document.canonical_url).where(Document.canonical_url.in_(canonicals))))
    known_hashes: dict[str, int] = {
        digest: doc_id
        for digest, doc_id in session.execute(
            select(Document.content_hash, Document.id).where(Document.content_hash.in_(digests))
        )
    }
    outcomes: list[Outcome | None] = [None] * len(keyed)
    fresh: list[tuple[int, dict[str, object]]] = []
    seen_urls: set[str] = set()
    seen_hashes: set[str] = set()
    for index, (canonical, digest, item) in enumerate(keyed):
        if canonical in known_urls or digest in known_hashes or canonical in seen_urls or digest in seen_hashes:
            continue  # the careful path below
        seen_urls.add(canonical)
        seen_hashes.add(digest)
        fresh.append((index, _row(item, canonical, digest, source_id, crawl_run_id)))
    if fresh:
        # One multi-row INSERT on the table (no ORM bookkeeping: nothing here needs the new objects;
        # the columns' Python defaults still apply).
        try:
            with session.begin_nested():
                session.execute(insert(cast(Table, Document.__table__)), [row for _, row in fresh])
        except IntegrityError:  # another worker stored one of them meanwhile: one by one
            fresh = []
    for index, _ in fresh:
        outcomes[index] = Outcome.STORED
    for index, (_, _, item) in enumerate(keyed):
        if outcomes[index] is None:
            outcomes[index] = store_item(session, item, source_id, crawl_run_id).outcome
    return [o for o in outcomes if o is not None]
