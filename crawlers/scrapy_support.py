"""Scrapy plumbing shared by every spider: settings, politeness middlewares, the store pipeline, health.

- ``crawl_settings``: robots.txt, AutoThrottle, per-domain concurrency, the project User-Agent, size
  and time limits, retries, JOBDIR (resumable), from the source's ``politeness`` overrides.
- ``SafetyMiddleware``: every request (redirect hops included, they pass here again) must be http(s)
  to a public address, unless BKKWATCH_ALLOW_PRIVATE_HOSTS=1.
- ``RetryAfterMiddleware``: 429/503 wait what Retry-After asks (capped), then retry.
- ``BudgetMiddleware``: at most ``budget`` requests per source and run.
- ``SkipStoredMiddleware``: article pages already stored are not fetched again (resume after a kill).
- ``StorePipeline``: validates every item (rejects with a logged reason and a counter) and stores it
  idempotently, each item in its own transaction, so a killed crawl keeps what it stored.
- ``HealthExtension``: writes requests, stored, duplicates, rejected and errors by kind to the
  source's CrawlRun when the spider closes.
"""

from __future__ import annotations

import logging
import os
import time
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor, wait
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.response import response_status_message
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bkkwatch.settings import get_settings
from crawlers.items import Item
from crawlers.safety import UnsafeURLError, check_url
from crawlers.urls import canonical_url

log = logging.getLogger(__name__)

DEFAULT_BUDGET = 500
RETRY_AFTER_CAP = 120.0


def crawl_settings(politeness: dict[str, Any] | None = None, jobdir: str | None = None) -> dict[str, Any]:
    """Scrapy settings for one source's crawl."""
    p = dict(politeness or {})
    settings = get_settings()
    values: dict[str, Any] = {
        "BOT_NAME": "bkkwatch",
        "USER_AGENT": settings.user_agent,
        "ROBOTSTXT_OBEY": bool(p.get("robots", True)),
        "AUTOTHROTTLE_ENABLED": bool(p.get("autothrottle", True)),
        "AUTOTHROTTLE_START_DELAY": float(p.get("delay", 1.0)),
        "AUTOTHROTTLE_MAX_DELAY": float(p.get("max_delay", 30.0)),
        "AUTOTHROTTLE_TARGET_CONCURRENCY": float(p.get("target_concurrency", 2.0)),
        "DOWNLOAD_DELAY": float(p.get("delay", 1.0)),
        "CONCURRENT_REQUESTS": int(p.get("concurrency_total", 16)),
        "CONCURRENT_REQUESTS_PER_DOMAIN": int(p.get("concurrency", 2)),
        "DOWNLOAD_TIMEOUT": float(p.get("timeout", settings.fetch_timeout)),
        "DOWNLOAD_MAXSIZE": int(p.get("max_bytes", settings.max_response_bytes)),
        "DOWNLOAD_WARNSIZE": 0,
        "DOWNLOAD_FAIL_ON_DATALOSS": True,
        "RETRY_ENABLED": True,
        "RETRY_TIMES": int(p.get("retries", 2)),
        "RETRY_HTTP_CODES": [500, 502, 504, 522, 524, 408],  # 429/503: RetryAfterMiddleware
        "REDIRECT_MAX_TIMES": int(p.get("max_redirects", 5)),
        "COOKIES_ENABLED": False,
        "CONCURRENT_ITEMS": 4,  # Scrapy starts this many tasks per response; one article yields one item
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": os.environ.get("BKKWATCH_SCRAPY_LOG_LEVEL", "WARNING"),
        "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
        # Scrapy re-reads and parses (ast) a generator callback's source on every response to warn about
        # ``return value`` in it: its cache is keyed by the bound method, a new object per request, so it
        # never hits (5% of a crawl's CPU). tests/crawlers/test_spiders.py makes that check once instead.
        "WARN_ON_GENERATOR_RETURN_VALUE": False,
        "HTTPERROR_ALLOW_ALL": False,
        "BKKWATCH_BUDGET": int(p.get("budget", DEFAULT_BUDGET)),
        "BKKWATCH_RETRY_AFTER_CAP": float(p.get("retry_after_cap", RETRY_AFTER_CAP)),
        "BKKWATCH_ALLOW_PRIVATE": settings.allow_private_hosts,
        "DOWNLOADER_MIDDLEWARES": {
            "crawlers.scrapy_support.SafetyMiddleware": 50,
            # before the budget: a stored page that is not fetched again must not use up the budget
            "crawlers.scrapy_support.SkipStoredMiddleware": 55,
            "crawlers.scrapy_support.BudgetMiddleware": 60,
            "crawlers.scrapy_support.RetryAfterMiddleware": 560,
            "crawlers.scrapy_support.RedirectLoopMiddleware": 650,
        },
        "ITEM_PIPELINES": {"crawlers.scrapy_support.StorePipeline": 300},
        "EXTENSIONS": {"crawlers.scrapy_support.HealthExtension": 500},
    }
    if jobdir:
        values["JOBDIR"] = jobdir
    return values


def _sessions(crawler: Crawler) -> sessionmaker[Session]:
    from storage.db import session_factory

    return session_factory(crawler.settings.get("BKKWATCH_DATABASE_URL") or get_settings().database_url)


def count_error(crawler: Crawler, kind: str) -> None:
    assert crawler.stats is not None
    crawler.stats.inc_value(f"bkkwatch/errors/{kind}")


class SafetyMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.allow_private = crawler.settings.getbool("BKKWATCH_ALLOW_PRIVATE")
        self.cache: dict[str, str | None] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SafetyMiddleware:
        return cls(crawler)

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        from urllib.parse import urlsplit

        parts = urlsplit(request.url)
        key = f"{parts.scheme}://{parts.netloc}"
        if key not in self.cache:
            try:
                check_url(request.url, self.allow_private)
                self.cache[key] = None
            except UnsafeURLError as exc:
                self.cache[key] = str(exc)
        problem = self.cache[key]
        if problem:
            raise IgnoreRequest(f"refused {request.url}: {problem}")


class BudgetMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.budget = crawler.settings.getint("BKKWATCH_BUDGET")
        self.used = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BudgetMiddleware:
        return cls(crawler)

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        if request.url.endswith("/robots.txt") or request.meta.get("retry_times") or request.meta.get("redirect_times"):
            return
        if self.used >= self.budget:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("bkkwatch/over_budget")
            raise IgnoreRequest(f"budget of {self.budget} requests used up")
        self.used += 1


class SkipStoredMiddleware:
    """Pages whose canonical URL is stored are not fetched again, unless the feed says they changed.

    The stored addresses of this source are read once when the spider opens (what a killed crawl
    stored is there); within the run Scrapy's duplicate filter does the rest.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stored: dict[str, datetime] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SkipStoredMiddleware:
        return cls(crawler)

    def _load(self) -> dict[str, datetime]:
        from storage.models import Document

        source_id = self.crawler.settings.getint("BKKWATCH_SOURCE_ID") or None
        with _sessions(self.crawler)() as session:
            rows = session.execute(
                select(Document.canonical_url, Document.fetched_at).where(Document.source_id == source_id)
            )
            return {url: fetched for url, fetched in rows}

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        if not request.meta.get("article") or request.meta.get("refetch"):
            return
        if self.stored is None:
            self.stored = self._load()
        fetched_at = self.stored.get(canonical_url(request.url))
        if fetched_at is None:
            return
        updated = request.meta.get("updated")
        if isinstance(updated, datetime) and updated > fetched_at:
            return
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("bkkwatch/already_stored")
        raise IgnoreRequest("already stored")


def retry_after_seconds(value: str | bytes | None, now: float | None = None) -> float | None:
    """Seconds asked by a Retry-After header (delta-seconds or an HTTP date)."""
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


class RetryAfterMiddleware:
    """Back off on 429 and 503: wait what Retry-After asks (or an exponential pause), then retry."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.cap = crawler.settings.getfloat("BKKWATCH_RETRY_AFTER_CAP")
        self.max_retries = crawler.settings.getint("RETRY_TIMES")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryAfterMiddleware:
        return cls(crawler)

    async def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        if response.status not in (429, 503):
            return response
        tries = int(request.meta.get("backoff_times", 0))
        if tries >= self.max_retries:
            return response
        asked = retry_after_seconds(response.headers.get("Retry-After"))
        wait = asked if asked is not None else min(self.cap, 2.0**tries)
        if wait > self.cap:  # asked to come back much later: give up for this run, say so
            return response
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"bkkwatch/backoff/{response.status}")
        self.crawler.stats.max_value("bkkwatch/backoff_max_wait", wait)
        log.info(
            "%s: %s, waiting %.1f s (Retry-After)",
            request.url,
            response_status_message(response.status),
            wait,
        )
        await _sleep(wait)
        retry = request.replace(dont_filter=True)
        retry.meta["backoff_times"] = tries + 1
        retry.meta["retry_times"] = tries + 1
        return retry


async def _sleep(seconds: float) -> None:
    """Pause this request for ``seconds`` on whichever reactor the crawl runs (crawlers/worker.py picks it)."""
    from scrapy.utils.defer import maybe_deferred_to_future
    from twisted.internet import reactor
    from twisted.internet.task import deferLater

    await maybe_deferred_to_future(deferLater(reactor, seconds, lambda: None))


class RedirectLoopMiddleware:
    """A redirect back to an address already visited on this chain is a loop: stop and say so.

    (Without this the duplicate filter drops the looping request silently.)
    """

    def process_response(self, request: Request, response: Response, spider: Spider | None = None) -> Response:
        if response.status in (301, 302, 303, 307, 308) and b"Location" in response.headers:
            from urllib.parse import urljoin

            target = urljoin(request.url, (response.headers[b"Location"] or b"").decode("latin-1"))
            visited = {request.url, *request.meta.get("redirect_urls", [])}
            if target in visited:
                raise IgnoreRequest(f"redirect loop: {request.url} -> {target}")
        return response


class StorePipeline:
    """Validate, then store in small batches (one transaction each): a kill loses at most the batches
    not yet committed, which the next run fetches again because they were never stored.

    Batches are written by one background thread, in order, so the reactor keeps downloading and
    parsing while the database commits (SQLite and the PostgreSQL driver release the GIL while they
    wait on the disk or the server). The thread is shared by every spider of the worker process, so
    their writes never overlap (two SQLite transactions that read, then write, would fail with
    "database is locked"). ``close_spider`` waits for this spider's last batch.
    """

    BATCH = 50
    BATCH_SECONDS = 2.0

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.sessions = _sessions(crawler)
        self.source_id = crawler.settings.getint("BKKWATCH_SOURCE_ID") or None
        self.run_id = crawler.settings.getint("BKKWATCH_RUN_ID") or None
        # "items" and "rejected" are counted on the reactor thread, store outcomes on the writer thread.
        self.counts: Counter[str] = Counter()
        self.reasons: list[str] = []
        self.pending: list[Item] = []
        self.last_flush = time.monotonic()
        self.writes: list[Future[None]] = []
        crawler.signals.connect(self.flush, signal=signals.spider_idle)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        pipeline = cls(crawler)
        crawler.stats_pipeline = pipeline  # type: ignore[attr-defined]
        return pipeline

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        data = dict(item)
        self.counts["items"] += 1
        reason = data.pop("_reason", None)
        valid = None
        if reason is None:
            try:
                valid = Item.model_validate(data)
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(p) for p in first.get("loc", ())) or "item"
                reason = f"{data.get('url') or '(no url)'}: {where}: {first.get('msg', 'invalid')}"
        if valid is None:
            self.counts["rejected"] += 1
            self.reasons.append(str(reason))
            log.warning("rejected item %s", reason)
            return item
        self.pending.append(valid)
        if len(self.pending) >= self.BATCH or time.monotonic() - self.last_flush > self.BATCH_SECONDS:
            self.flush()
        return item

    def flush(self, *args: Any, **kwargs: Any) -> None:
        self.last_flush = time.monotonic()
        self._harvest(wait=False)
        if not self.pending:
            return
        batch, self.pending = self.pending, []
        self.writes.append(_writer().submit(self._store, batch))

    def _store(self, batch: list[Item]) -> None:
        from storage.documents import store_items

        with self.sessions.begin() as session:
            outcomes = store_items(session, batch, self.source_id, self.run_id)
        for outcome in outcomes:
            self.counts[str(outcome)] += 1

    def _harvest(self, wait: bool) -> None:
        """Finished writes leave the list; a failed one is logged and counted (its items were not stored)."""
        running = []
        for future in self.writes:
            if not wait and not future.done():
                running.append(future)
                continue
            exc = future.exception()
            if exc is not None:
                count_error(self.crawler, "store")
                log.error("storing a batch failed: %s: %s", exc.__class__.__name__, exc)
        self.writes = running

    def close_spider(self, spider: Spider | None = None) -> None:
        self.flush()
        wait(self.writes)
        self._harvest(wait=True)


_WRITER: ThreadPoolExecutor | None = None


def _writer() -> ThreadPoolExecutor:
    """The worker process's one database-writer thread (started on first use)."""
    global _WRITER
    if _WRITER is None:
        _WRITER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bkkwatch-store")
    return _WRITER


class HealthExtension:
    """Counts of the run in the CrawlRun row (the parent process reads them back)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.cpu_at_open: float | None = None
        crawler.signals.connect(self.opened, signal=signals.spider_opened)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)

    def opened(self, spider: Spider) -> None:
        self.cpu_at_open = time.process_time()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HealthExtension:
        return cls(crawler)

    def snapshot(self) -> dict[str, Any]:
        assert self.crawler.stats is not None
        stats = self.crawler.stats.get_stats()
        errors: Counter[str] = Counter()
        for key, value in stats.items():
            if key.startswith("bkkwatch/errors/"):
                errors[key.rsplit("/", 1)[1]] += int(value)
        pipeline = getattr(self.crawler, "stats_pipeline", None)
        counts: Counter[str] = pipeline.counts if pipeline else Counter()
        spider = self.crawler.spider
        return {
            "requests": int(stats.get("downloader/request_count", 0)),
            "responses": int(stats.get("downloader/response_count", 0)),
            "items": counts["items"],
            "stored": counts["stored"],
            "updated": counts["updated"],
            "unchanged": counts["unchanged"],
            "duplicates": counts["duplicate"],
            "rejected": counts["rejected"],
            "reasons": (pipeline.reasons if pipeline else [])[:20],
            "errors": dict(errors),
            "already_stored": int(stats.get("bkkwatch/already_stored", 0)),
            "over_budget": int(stats.get("bkkwatch/over_budget", 0)),
            "backoff": {k.rsplit("/", 1)[1]: v for k, v in stats.items() if k.startswith("bkkwatch/backoff/")},
            "fatal": getattr(spider, "fatal", None),
            "start_ok": getattr(spider, "start_ok", 0),
            "http_status": getattr(spider, "http_status", None),
            "not_modified": getattr(spider, "not_modified", 0),
            "validators": getattr(spider, "validators_seen", {}),
            "finish_reason": stats.get("finish_reason"),
            "elapsed": stats.get("elapsed_time_seconds"),
            # CPU of the whole worker process (all threads) while this spider was open; shared with any
            # other spider running in the same worker
            "cpu_seconds": time.process_time() - self.cpu_at_open if self.cpu_at_open is not None else None,
        }

    def closed(self, spider: Spider, reason: str) -> None:
        path = self.crawler.settings.get("BKKWATCH_RESULT_FILE")
        if path:
            import json

            data = self.snapshot()
            data["finish_reason"] = reason
            Path(path).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
