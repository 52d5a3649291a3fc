"""Faults: every one a test. Nothing crashes; every outcome is in the run's record."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fixture_server import FIXTURES, FixtureServer, add_source, run
from sqlalchemy import select

from bkkwatch.settings import Settings
from crawlers.safety import UnsafeURLError, check_url
from crawlers.scrapy_support import retry_after_seconds
from storage.db import session_scope
from storage.models import CrawlRun, CrawlStatus, Document, Source

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def faults(server: FixtureServer, module_db: str) -> dict[str, Any]:
    base = server.base
    add_source(module_db, "pages", "sitemap", f"{base}/fault/sitemap.xml", max_bytes=1_000_000, timeout=3)
    # whole-source faults, through the Scrapy feed spider (follow) and through the plain feed reader
    for kind in ("timeout.html", "reset.html", "gone-404.html", "gone-410.html", "html-feed.xml"):
        add_source(module_db, f"scrapy-{kind}", "rss", f"{base}/fault/{kind}", follow=True, timeout=3)
        add_source(module_db, f"plain-{kind}", "rss", f"{base}/fault/{kind}", timeout=3)
    names = ["pages"] + [
        f"{p}-{k}"
        for p in ("scrapy", "plain")
        for k in ("timeout.html", "reset.html", "gone-404.html", "gone-410.html", "html-feed.xml")
    ]
    summaries = run(module_db, *names)
    with session_scope(module_db) as session:
        runs = {
            r.source.name: (r.status, dict(r.errors or {}), r.message)
            for r in session.scalars(select(CrawlRun).join(Source))
        }
        docs = {d.url: (d.title, d.text) for d in session.scalars(select(Document))}
    return {
        "summaries": summaries,
        "runs": runs,
        "docs": docs,
        "base": base,
        "hits": server.hits,
        "times": server.times,
    }


def page_errors(faults: dict[str, Any]) -> dict[str, int]:
    status, errors, _ = faults["runs"]["pages"]
    assert status is CrawlStatus.OK  # page faults never fail the source
    return errors


def test_page_timeout(faults: dict[str, Any]) -> None:
    assert page_errors(faults).get("timeout") == 1


def test_connection_reset(faults: dict[str, Any]) -> None:
    assert page_errors(faults).get("connection") == 1


def test_404(faults: dict[str, Any]) -> None:
    assert page_errors(faults).get("http_404") == 1


def test_410(faults: dict[str, Any]) -> None:
    assert page_errors(faults).get("http_410") == 1


def test_429_honours_retry_after(faults: dict[str, Any]) -> None:
    times = faults["times"]["/fault/busy-429.html"]
    assert len(times) == 2
    assert times[1] - times[0] >= 1.9  # Retry-After: 2
    assert any("(429)" in title for title, _ in faults["docs"].values())


def test_500_then_success(faults: dict[str, Any]) -> None:
    assert faults["hits"]["/fault/flaky-500.html"] == 2
    matichon = json.loads((FIXTURES / "matichon" / "expected.json").read_text(encoding="utf-8"))
    assert matichon["canonical_url"] in faults["docs"]


def test_redirect_loop(faults: dict[str, Any]) -> None:
    assert page_errors(faults).get("redirect_loop") == 1
    assert faults["hits"]["/fault/loop.html"] + faults["hits"]["/fault/loop2.html"] <= 8


def test_wrong_declared_encoding(faults: dict[str, Any]) -> None:
    ch3 = json.loads((FIXTURES / "ch3" / "expected.json").read_text(encoding="utf-8"))
    title, text = faults["docs"][f"{faults['base']}/fault/wrong-encoding.html"]
    assert title == ch3["title"]
    assert text.startswith(ch3["first_sentence"])


def test_truncated_body(faults: dict[str, Any]) -> None:
    assert page_errors(faults).get("truncated") == 1
    assert not any("truncated" in url for url in faults["docs"])


def test_50_mb_response_refused(faults: dict[str, Any]) -> None:
    assert page_errors(faults).get("too_large") == 2  # with and without a Content-Length
    assert not any("huge" in url for url in faults["docs"])


def test_robots_txt_obeyed(faults: dict[str, Any]) -> None:
    assert page_errors(faults).get("robots") == 1
    assert faults["hits"]["/private/secret.html"] == 0


def test_page_summary_counts(faults: dict[str, Any]) -> None:
    summary = faults["summaries"]["pages"]
    assert summary.status == "ok"
    assert summary.stored == 3  # 429 after the wait, 500 then success, the wrongly declared page
    assert "errors" in summary.message


@pytest.mark.parametrize("path", ["scrapy", "plain"])
@pytest.mark.parametrize(
    ("fault", "kind", "words"),
    [
        ("timeout.html", "timeout", "timed out"),
        ("reset.html", "connection", "cannot fetch"),
        ("gone-404.html", "http_404", "404"),
        ("gone-410.html", "http_410", "410"),
        ("html-feed.xml", "not_a_feed", "HTML page"),
    ],
)
def test_feed_faults_fail_the_source_readably(
    faults: dict[str, Any], path: str, fault: str, kind: str, words: str
) -> None:
    name = f"{path}-{fault}"
    summary = faults["summaries"][name]
    assert summary.status == "failed"
    assert words in summary.message and "\n" not in summary.message
    status, errors, message = faults["runs"][name]
    assert status is CrawlStatus.FAILED and message == summary.message
    expected_kind = "http" if path == "plain" and kind.startswith("http_") else kind
    assert expected_kind in errors


def test_private_addresses_refused(server: FixtureServer, module_db: str) -> None:
    add_source(module_db, "private", "sitemap", f"{server.base}/fx/sitemap.xml")
    before = server.hits["/fx/sitemap.xml"]
    summaries = run_with(module_db, Settings(allow_private_hosts=False), "private")
    assert summaries["private"].status == "failed"
    assert "private or local address" in summaries["private"].message
    assert server.hits["/fx/sitemap.xml"] == before


def run_with(url: str, settings: Settings, *names: str) -> dict[str, Any]:
    from crawlers.run import crawl
    from storage.db import session_factory

    return {s.source: s for s in crawl(session_factory(url), list(names), settings)}


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.com/x",
        "http://127.0.0.1/",
        "http://10.1.2.3/",
        "http://169.254.169.254/",
        "http://[::1]/",
        "http://192.168.1.1/feed",
        "gopher://x/",
    ],
)
def test_check_url_refuses(url: str) -> None:
    with pytest.raises(UnsafeURLError):
        check_url(url, allow_private=False)


def test_retry_after_parsing() -> None:
    assert retry_after_seconds("120") == 120
    assert retry_after_seconds(b"5") == 5
    assert retry_after_seconds("Tue, 24 Nov 2026 10:00:30 GMT", now=1795514400.0) == pytest.approx(30, abs=1)
    assert retry_after_seconds("soon") is None
