"""One crawl of feed sources: fetch, parse, validate, store; every outcome recorded per source."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from bkkwatch.settings import Settings, get_settings
from crawlers.feeds import FetchError, fetch, parse_feed
from storage.documents import Outcome, store_item
from storage.models import CrawlRun, Source, SourceKind
from storage.sources import finish_run, sources_by_names, start_run

log = logging.getLogger(__name__)


@dataclass
class SourceSummary:
    source: str
    status: str = "ok"  # ok | not_modified | failed | skipped
    items: int = 0
    stored: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    rejected: int = 0
    message: str = ""
    reasons: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def crawl_feed_source(
    sessions: sessionmaker[Session],
    source_id: int,
    settings: Settings | None = None,
    flow_run_id: str | None = None,
) -> SourceSummary:
    """Crawl one feed source. Items are stored in one transaction: all of them, or (on failure) none."""
    settings = settings or get_settings()
    with sessions.begin() as session:
        source = session.get_one(Source, source_id)
        name, url, etag, last_modified = source.name, source.url, source.etag, source.last_modified
        run_id = start_run(session, source, flow_run_id).id
    summary = SourceSummary(source=name)
    error_kind: str | None = None
    try:
        fetched = fetch(url, etag, last_modified, settings)
        if fetched.not_modified:
            summary.status, summary.message = "not_modified", "feed not modified since the last crawl"
        else:
            parsed = parse_feed(fetched.content, url, fetched.headers)
            summary.items = len(parsed.items) + len(parsed.rejected)
            summary.rejected = len(parsed.rejected)
            summary.reasons = [f"entry {r.index + 1}: {r.reason}" for r in parsed.rejected]
            for reason in summary.reasons:
                log.warning("%s: rejected %s", name, reason)
            if parsed.warning:
                summary.message = f"ill-formed feed, kept {len(parsed.items)} entries ({parsed.warning})"
            with sessions.begin() as session:
                for item in parsed.items:
                    outcome = store_item(session, item, source_id, run_id).outcome
                    if outcome is Outcome.STORED:
                        summary.stored += 1
                    elif outcome is Outcome.UPDATED:
                        summary.updated += 1
                    elif outcome is Outcome.DUPLICATE:
                        summary.duplicates += 1
                    else:
                        summary.unchanged += 1
                source = session.get_one(Source, source_id)
                source.etag = fetched.headers.get("etag")
                source.last_modified = fetched.headers.get("last-modified")
    except FetchError as exc:
        error_kind, summary.status, summary.message = exc.kind, "failed", str(exc)
    except Exception as exc:  # a bug or a database failure: record it, keep the other sources going
        log.exception("crawl of %s failed", name)
        error_kind, summary.status = "internal", "failed"
        summary.message = f"{exc.__class__.__name__}: {exc}"
    with sessions.begin() as session:
        source = session.get_one(Source, source_id)
        run = session.get_one(CrawlRun, run_id)
        run.requests = 1
        run.items_seen, run.items_stored, run.items_updated = summary.items, summary.stored, summary.updated
        run.duplicates, run.rejected = summary.duplicates + summary.unchanged, summary.rejected
        finish_run(run, source, error_kind, summary.message or None)
    return summary


def crawl(
    sessions: sessionmaker[Session],
    names: Sequence[str] | None = None,
    settings: Settings | None = None,
    progress: Callable[[SourceSummary], None] | None = None,
    flow_run_id: str | None = None,
) -> list[SourceSummary]:
    """Crawl the named sources (or every enabled one); a failing source never stops the others."""
    with sessions.begin() as session:
        sources = [(s.id, s.name, s.kind) for s in sources_by_names(session, names)]
    summaries = []
    for source_id, name, kind in sources:
        if kind is not SourceKind.RSS:
            summary = SourceSummary(
                source=name,
                status="skipped",
                message=f"{kind.value} sources are crawled by the Scrapy spiders",
            )
        else:
            summary = crawl_feed_source(sessions, source_id, settings, flow_run_id)
        summaries.append(summary)
        if progress:
            progress(summary)
    return summaries
