"""The overnight path in one flow: crawl feeds -> store -> score -> stories -> the ranked queue.

Each task calls one stage function in its own transaction; only the crawl (network I/O) retries.
Running the flow twice for the same day changes nothing the second time.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect import flow, get_run_logger, task

from bkkwatch.settings import get_settings
from bkkwatch.timeutil import next_review_day
from casework.queue import build_queue
from classify.pipeline import process_new_documents
from crawlers.run import crawl
from storage.db import session_factory, session_scope


@task(name="crawl-feeds", retries=2, retry_delay_seconds=[5, 30], timeout_seconds=3600)
def crawl_feeds(database_url: str, sources: list[str] | None = None) -> list[dict[str, Any]]:
    summaries = crawl(session_factory(database_url), sources)
    logger = get_run_logger()
    for s in summaries:
        logger.info("%s: %s, %d items, %d new, %s", s.source, s.status, s.items, s.stored, s.message)
    return [s.as_dict() for s in summaries]


@task(name="score-and-group", timeout_seconds=3600)
def score_and_group(database_url: str) -> dict[str, int]:
    with session_scope(database_url) as session:
        return process_new_documents(session)


@task(name="build-queue", timeout_seconds=600)
def queue_for_day(database_url: str, review_day: date) -> dict[str, Any]:
    with session_scope(database_url) as session:
        result = build_queue(session, review_day)
    return {
        "review_day": result.review_day.isoformat(),
        "eligible": result.eligible,
        "added": result.added,
        "reranked": result.reranked,
        "dropped": result.dropped,
    }


@flow(name="run-overnight", log_prints=True, timeout_seconds=4 * 3600)
def run_overnight(
    database_url: str | None = None, sources: list[str] | None = None, review_day: date | None = None
) -> dict[str, Any]:
    url = database_url or get_settings().database_url
    day = review_day or next_review_day(review_time=get_settings().review_time)
    crawled = crawl_feeds(url, sources)
    classified = score_and_group(url)
    queue = queue_for_day(url, day)
    return {"crawl": crawled, "classify": classified, "queue": queue}
