"""Conditional GET on the Scrapy path: feeds and sitemaps fetched by the spiders send the source's stored
ETag / Last-Modified, and a 304 is recorded as "not modified", not as an error.

The server (fixture_server ``/cond/``) honours If-None-Match and If-Modified-Since the way RFC 9110 asks;
the test changes the document's version between crawls.
"""

from __future__ import annotations

from typing import Any

import pytest
from fixture_server import FixtureServer, add_source, run
from sqlalchemy import func, select

from storage.db import session_scope
from storage.models import CrawlRun, CrawlStatus, Document, Source

pytestmark = pytest.mark.slow


def source_row(url: str, name: str) -> Source:
    with session_scope(url) as session:
        source = session.scalar(select(Source).where(Source.name == name))
        assert source is not None
        session.expunge(source)
        return source


def last_run(url: str, name: str) -> CrawlRun:
    with session_scope(url) as session:
        run_row = session.scalar(
            select(CrawlRun).join(Source).where(Source.name == name).order_by(CrawlRun.id.desc()).limit(1)
        )
        assert run_row is not None
        session.expunge(run_row)
        return run_row


def stored(url: str, name: str) -> int:
    with session_scope(url) as session:
        count = session.scalar(select(func.count()).select_from(Document).join(Source).where(Source.name == name))
        return int(count or 0)


def requests_for(server: FixtureServer, path: str, since: int) -> list[tuple[str, int, str | None, str | None]]:
    return [r for r in server.cond_requests[since:] if r[0] == path]


@pytest.mark.parametrize(
    ("name", "kind", "path", "politeness", "pages"),
    [
        ("cond-sitemap", "sitemap", "/cond/sitemap.xml", {}, ["thairath", "khaosod", "matichon"]),
        ("cond-feed", "rss", "/cond/feed.xml", {"spider": "feed", "follow": True}, ["ch3", "thestandard", "bma-news"]),
    ],
)
def test_not_modified_then_changed(
    server: FixtureServer,
    module_db: str,
    name: str,
    kind: str,
    path: str,
    politeness: dict[str, Any],
    pages: list[str],
) -> None:
    server.cond_version, server.cond_pages = 1, pages[:2]
    add_source(module_db, name, kind, f"{server.base}{path}", **politeness)

    # 1. First crawl: nothing stored to compare with, so an unconditional GET; the answer's validators are kept.
    mark = len(server.cond_requests)
    summary = run(module_db, name)[name]
    assert summary.status == "ok", summary
    assert stored(module_db, name) == 2
    assert requests_for(server, path, mark) == [(path, 200, None, None)]
    source = source_row(module_db, name)
    assert source.etag == '"v1"'
    assert source.last_modified == "Mon, 02 Nov 2026 03:00:00 GMT"

    # 2. Unchanged: the spider sends both validators, the server answers 304, the run says so, no error.
    mark, page_hits = len(server.cond_requests), server.hits[f"/fx/{pages[0]}/page.html"]
    summary = run(module_db, name)[name]
    assert requests_for(server, path, mark) == [(path, 304, '"v1"', "Mon, 02 Nov 2026 03:00:00 GMT")]
    assert summary.status == "not_modified", summary
    assert summary.errors == {} and summary.stored == 0 and summary.items == 0
    assert "not modified" in summary.message
    run_row = last_run(module_db, name)
    assert run_row.status is CrawlStatus.OK and run_row.http_status == 304 and run_row.errors == {}
    assert server.hits[f"/fx/{pages[0]}/page.html"] == page_hits  # nothing behind the document was fetched
    assert source_row(module_db, name).etag == '"v1"'  # kept for the next crawl

    # 3. Changed (new version, one more article): 200 with new validators, only the new page is stored.
    server.cond_version, server.cond_pages = 2, pages
    mark = len(server.cond_requests)
    summary = run(module_db, name)[name]
    assert requests_for(server, path, mark) == [(path, 200, '"v1"', "Mon, 02 Nov 2026 03:00:00 GMT")]
    assert summary.status == "ok" and summary.stored == 1, summary
    assert stored(module_db, name) == 3
    source = source_row(module_db, name)
    assert (source.etag, source.last_modified) == ('"v2"', "Tue, 03 Nov 2026 03:00:00 GMT")


def test_if_modified_since_alone(server: FixtureServer, module_db: str) -> None:
    """A server that sends only Last-Modified: the spider asks with If-Modified-Since alone."""
    server.cond_version, server.cond_pages = 1, ["thaipbs"]  # pages no other source here stores
    add_source(module_db, "cond-ims", "sitemap", f"{server.base}/cond/sitemap.xml")
    assert run(module_db, "cond-ims")["cond-ims"].status == "ok"
    with session_scope(module_db) as session:  # as if the server had sent no ETag
        session.scalar(select(Source).where(Source.name == "cond-ims")).etag = None
    mark = len(server.cond_requests)
    summary = run(module_db, "cond-ims")["cond-ims"]
    assert requests_for(server, "/cond/sitemap.xml", mark) == [
        ("/cond/sitemap.xml", 304, None, "Mon, 02 Nov 2026 03:00:00 GMT")
    ]
    assert summary.status == "not_modified" and summary.errors == {}


def test_partial_crawl_does_not_keep_validators(server: FixtureServer, module_db: str) -> None:
    """A crawl cut short (here by its budget) must not make the next one skip what it missed."""
    server.cond_version, server.cond_pages = 1, ["dailynews", "prachatai", "mthai"]  # ditto
    add_source(module_db, "cond-budget", "sitemap", f"{server.base}/cond/sitemap.xml", budget=2)
    summary = run(module_db, "cond-budget")["cond-budget"]
    assert summary.status == "ok" and summary.stored == 1 and "budget reached" in summary.message
    assert source_row(module_db, "cond-budget").etag is None
    assert source_row(module_db, "cond-budget").last_modified is None
    add_source(module_db, "cond-budget", "sitemap", f"{server.base}/cond/sitemap.xml", budget=10)
    mark = len(server.cond_requests)
    summary = run(module_db, "cond-budget")["cond-budget"]
    # asked unconditionally, so the pages the first run missed are reached; now complete, validators kept
    assert requests_for(server, "/cond/sitemap.xml", mark) == [("/cond/sitemap.xml", 200, None, None)]
    assert summary.status == "ok" and summary.errors == {}
    assert stored(module_db, "cond-budget") == 3
    assert source_row(module_db, "cond-budget").etag == '"v1"'
