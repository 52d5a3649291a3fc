"""The overnight flow under a real (temporary) Prefect API, on the bundled feeds served from 127.0.0.1."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bkkwatch.demo import register_sample_sources, serve_samples
from bkkwatch.timeutil import next_review_day
from flows.prepare_queue import queue_task
from flows.run_overnight import run_overnight
from storage.db import session_scope
from storage.models import Candidate, CrawlRun, CrawlStatus, Document, Story

# The review the run prepares, as the flow picks it: the crawl stamps documents with the real clock, and a
# queue only takes stories seen before its 10:30 deadline (a fixed date failed every run after that day's
# 10:30 Bangkok time).
DAY = next_review_day()


@pytest.fixture(autouse=True)
def _api(prefect_api: None) -> None:
    pass


def _counts(url: str) -> tuple[int, int, int]:
    with session_scope(url) as s:
        return (
            s.scalar(select(func.count(Document.id))) or 0,
            s.scalar(select(func.count(Story.id))) or 0,
            s.scalar(select(func.count(Candidate.id))) or 0,
        )


@pytest.mark.slow
def test_flow_runs_the_whole_path_and_a_rerun_adds_nothing(db_url: str) -> None:
    with serve_samples() as base:
        names = register_sample_sources(base, db_url)
        result = run_overnight(database_url=db_url, sources=names, review_day=DAY)
        first = _counts(db_url)
        again = run_overnight(database_url=db_url, sources=names, review_day=DAY)
    assert first[0] > 100 and first[1] > 100 and first[2] > 10
    assert _counts(db_url) == first
    statuses = {c["source"]: c["status"] for c in result["crawl"]}
    assert statuses["demo-dailynews-bangkok"] == "ok"
    broken = next(c for c in result["crawl"] if c["source"] == "demo-broken")
    assert "ill-formed" in broken["message"]
    assert all(c["stored"] == 0 for c in again["crawl"])
    with session_scope(db_url) as s:
        assert s.scalar(select(func.count(CrawlRun.id)).where(CrawlRun.status == CrawlStatus.OK)) == 2 * len(names)


def test_queue_task_logic_as_a_plain_function(db_url: str) -> None:
    # An empty store: the task returns a summary and creates nothing.
    summary = queue_task.fn(db_url, DAY, False)
    empty = {"eligible": 0, "added": 0, "reranked": 0, "dropped": 0, "frozen": 0}
    assert summary == {"review_day": DAY.isoformat(), **empty}
