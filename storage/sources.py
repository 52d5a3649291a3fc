"""Sources and their crawl runs."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import CrawlRun, CrawlStatus, Source, SourceKind


def upsert_source(session: Session, name: str, kind: str, url: str, **fields: Any) -> Source:
    """Create or update a source by name (idempotent)."""
    source = session.scalar(select(Source).where(Source.name == name))
    if source is None:
        source = Source(name=name, kind=SourceKind(kind), url=url, **fields)
        session.add(source)
    else:
        source.kind = SourceKind(kind)
        if source.url != url:  # a new address: forget the old conditional-GET validators
            source.url, source.etag, source.last_modified = url, None, None
        for key, value in fields.items():
            setattr(source, key, value)
    session.flush()
    return source


def sources_by_names(session: Session, names: Iterable[str] | None = None, enabled_only: bool = True) -> list[Source]:
    query = select(Source).order_by(Source.name)
    wanted = list(names or [])
    if wanted:
        query = query.where(Source.name.in_(wanted))
    elif enabled_only:
        query = query.where(Source.enabled.is_(True))
    return list(session.scalars(query))


def start_run(session: Session, source: Source, flow_run_id: str | None = None) -> CrawlRun:
    run = CrawlRun(source_id=source.id, flow_run_id=flow_run_id, status=CrawlStatus.RUNNING)
    session.add(run)
    session.flush()
    return run


def finish_run(run: CrawlRun, source: Source, error_kind: str | None = None, message: str | None = None) -> None:
    now = datetime.now(UTC)
    run.finished_at = now
    if error_kind:
        run.status = CrawlStatus.FAILED
        run.errors = {**(run.errors or {}), error_kind: (run.errors or {}).get(error_kind, 0) + 1}
        run.message = message
        source.last_error, source.last_error_at = message, now
    else:
        run.status = CrawlStatus.OK
        run.message = message
        source.last_success_at = now
