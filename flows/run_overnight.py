"""The overnight path in one flow, as the demo runs it: crawl (then score, stories and urgent
alerts) and the ranked queue for the next 10:30 review. Each step is one of the scheduled flows."""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect import flow

from bkkwatch.settings import get_settings
from bkkwatch.timeutil import next_review_day
from flows.crawl_sources import crawl_sources
from flows.prepare_queue import prepare_queue


@flow(name="run-overnight", timeout_seconds=4 * 3600)
def run_overnight(
    database_url: str | None = None, sources: list[str] | None = None, review_day: date | None = None
) -> dict[str, Any]:
    url = database_url or get_settings().database_url
    day = review_day or next_review_day(review_time=get_settings().review_time)
    crawled = crawl_sources(url, sources)
    queue = prepare_queue(url, day)
    return {"crawl": crawled["crawl"], "classify": crawled["classify"], "urgent": crawled["urgent"], "queue": queue}
