"""Crawl the sources (overnight: all of them at 00:30; hourly: the fast ones), then score what arrived
and alert on anything urgent at once."""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger, task

from crawlers.run import crawl
from flows.common import IO_TASK, recorded, sessions_for
from flows.score_documents import score_documents
from flows.watch_urgent import watch_urgent
from storage.sources import sources_by_names


@task(name="crawl", timeout_seconds=3 * 3600, **IO_TASK)
def crawl_task(database_url: str | None, sources: list[str] | None, schedule_class: str | None) -> list[dict[str, Any]]:
    sessions = sessions_for(database_url)
    names = sources
    if not names and schedule_class:
        with sessions() as session:
            names = [s.name for s in sources_by_names(session) if s.schedule_class == schedule_class]
        if not names:
            return []
    summaries = crawl(sessions, names)
    logger = get_run_logger()
    for s in summaries:
        logger.info("%s: %s, %d items, %d new %s", s.source, s.status, s.items, s.stored, s.message)
    return [s.as_dict() for s in summaries]


@flow(name="crawl-sources", timeout_seconds=4 * 3600)
def crawl_sources(
    database_url: str | None = None, sources: list[str] | None = None, schedule_class: str | None = None
) -> dict[str, Any]:
    """``schedule_class``: None for the full overnight crawl, "hourly" for the light crawls."""
    with recorded("crawl-sources", database_url) as outcome:
        crawled = crawl_task(database_url, sources, schedule_class)
        outcome["crawl"] = crawled
        outcome["classify"] = score_documents(database_url)
        outcome["urgent"] = watch_urgent(database_url)
    return outcome
