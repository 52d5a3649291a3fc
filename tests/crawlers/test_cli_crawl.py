"""`bkkwatch sources ...` and `bkkwatch crawl`, in-process through the real entry point."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bkkwatch.cli import main
from storage.db import session_scope
from storage.models import CrawlRun, CrawlStatus, Document, Source


def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["bkkwatch", *args])
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_sources_list_has_real_enabled_sources(
    db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("YOUTUBE_API_KEY", "FACEBOOK_GRAPH_TOKEN", "X_BEARER_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    code, out, _ = cli(monkeypatch, capsys, "sources", "list", "--json")
    assert code == 0
    rows = json.loads(out)
    active = [r for r in rows if r["active"]]
    assert len(active) >= 12
    assert all(r["url"].startswith("https://") for r in active)
    kinds = {r["spider"] or r["kind"] for r in active}
    assert {"rss", "sitemap", "gnews", "pantip", "traffy", "reddit"} <= kinds | {r["kind"] for r in active}
    gated = {r["name"]: r["needs_token"] for r in rows if r["needs_token"]}
    assert gated == {
        "youtube-bangkok": ["YOUTUBE_API_KEY"],
        "facebook-bma": ["FACEBOOK_GRAPH_TOKEN"],
        "x-bangkok": ["X_BEARER_TOKEN"],
    }
    # loading again changes nothing; a disabled source stays disabled
    assert cli(monkeypatch, capsys, "sources", "disable", "khaosod")[0] == 0
    code, out, _ = cli(monkeypatch, capsys, "sources", "list", "--json")
    again = json.loads(out)
    assert len(again) == len(rows)
    assert next(r for r in again if r["name"] == "khaosod")["enabled"] is False
    from storage.sources import sync_registry

    with session_scope(db_url) as session:
        result = sync_registry(session)
        assert result.added == 0 and result.updated == 0
        assert session.scalar(select(Source.enabled).where(Source.name == "khaosod")) is False


def test_token_gated_source_is_skipped_with_a_clear_message(
    db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("YOUTUBE_API_KEY", raising=False)
    code, out, _ = cli(monkeypatch, capsys, "crawl", "--source", "youtube-bangkok", "--json")
    assert code == 0
    [summary] = json.loads(out)
    assert summary["status"] == "skipped" and "YOUTUBE_API_KEY" in summary["message"]


def test_add_feed_then_crawl_stores_items(
    db_url: str, server: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    feed = f"{server.base}/fx/feed-matichon/feed.xml"
    assert cli(monkeypatch, capsys, "sources", "add", "x", "--feed", feed)[0] == 0
    code, out, err = cli(monkeypatch, capsys, "crawl", "--source", "x")
    assert code == 0, err
    assert "x" in out and "ok" in out
    with session_scope(db_url) as session:
        assert session.scalar(select(func.count()).select_from(Document)) == 15
    code, out, _ = cli(monkeypatch, capsys, "crawl", "--source", "x", "--json")  # again: nothing new
    [summary] = json.loads(out)
    assert summary["stored"] == 0 and summary["status"] in ("ok", "not_modified")


def test_broken_feed_is_one_readable_line(
    db_url: str, server: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(monkeypatch, capsys, "sources", "add", "broken", "--feed", f"{server.base}/fault/gone-404.html")[0] == 0
    code, out, err = cli(monkeypatch, capsys, "crawl", "--source", "broken")
    assert code == 0
    lines = [line for line in err.splitlines() if "broken" in line]
    assert lines == [f"  broken: failed: HTTP 404 from {server.base}/fault/gone-404.html"]
    assert "Traceback" not in err + out
    with session_scope(db_url) as session:
        run = session.scalars(select(CrawlRun).join(Source).where(Source.name == "broken")).one()
        assert run.status is CrawlStatus.FAILED and run.errors == {"http": 1}
        assert "404" in (run.message or "")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["crawl", "--source", "no-such-source"], "no source named 'no-such-source'"),
        (["crawl", "--since", "yesterday-ish"], "--since 'yesterday-ish'"),
        (["crawl", "--bogus"], "No such option"),
        (["sources", "add", "Bad Name", "--feed", "https://x.th/feed"], "source name 'Bad Name'"),
        (["sources", "add", "ok", "--feed", "https://x.th/f", "--site", "https://x.th/"], "exactly one of"),
        (["sources", "add", "ok", "--feed", "file:///etc/passwd"], "expected an http:// or https:// URL"),
        (["sources", "disable", "no-such-source"], "no source named"),
    ],
)
def test_bad_options_exit_2(
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    words: str,
) -> None:
    code, _, err = cli(monkeypatch, capsys, *args)
    assert code == 2
    assert words in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_health_shows_sources_failing_for_24_hours(
    db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(monkeypatch, capsys, "sources", "list", "--json")[0] == 0  # registry loaded
    now = datetime.now(UTC)
    with session_scope(db_url) as session:
        long_failing = session.scalar(select(Source).where(Source.name == "thairath"))
        new_failure = session.scalar(select(Source).where(Source.name == "matichon"))
        healthy = session.scalar(select(Source).where(Source.name == "prachatai"))
        for source, started in (
            (long_failing, now - timedelta(hours=30)),
            (long_failing, now - timedelta(hours=1)),
            (new_failure, now - timedelta(hours=2)),
        ):
            session.add(
                CrawlRun(
                    source_id=source.id,
                    started_at=started,
                    finished_at=started,
                    status=CrawlStatus.FAILED,
                    errors={"timeout": 1},
                    message="timed out",
                )
            )
            source.last_error, source.last_error_at = "timed out fetching the feed", started
        new_failure.last_success_at = now - timedelta(hours=3)
        session.add(
            CrawlRun(
                source_id=healthy.id,
                started_at=now,
                finished_at=now,
                status=CrawlStatus.OK,
                requests=12,
                items_stored=10,
            )
        )
        healthy.last_success_at = now
    code, out, _ = cli(monkeypatch, capsys, "sources", "health", "--json")
    assert code == 0
    rows = {r["name"]: r for r in json.loads(out)}
    assert rows["thairath"]["state"] == "failing" and rows["thairath"]["failing_for_hours"] >= 24
    assert rows["matichon"]["state"] == "error"
    assert rows["prachatai"]["state"] == "ok" and rows["prachatai"]["last_run"]["stored"] == 10
    assert rows["khaosod"]["state"] == "never_run"
    code, out, _ = cli(monkeypatch, capsys, "sources", "health")
    assert "failing for 24 h or more: thairath" in out


@pytest.mark.slow
def test_add_sitemap_then_crawl_runs_the_spider(
    db_url: str, server: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from fixture_server import ARTICLE_SITES

    assert cli(monkeypatch, capsys, "sources", "add", "sm", "--sitemap", f"{server.base}/fx/sitemap.xml")[0] == 0
    with session_scope(db_url) as session:  # no politeness delay against the local server
        source = session.scalar(select(Source).where(Source.name == "sm"))
        source.politeness = {"delay": 0, "autothrottle": False, "concurrency": 8}
    code, out, err = cli(monkeypatch, capsys, "crawl", "--source", "sm", "--json")
    assert code == 0, err
    [summary] = json.loads(out)
    assert summary["status"] == "ok" and summary["stored"] == len(ARTICLE_SITES)
    with session_scope(db_url) as session:
        assert session.scalar(select(func.count()).select_from(Document)) == len(ARTICLE_SITES)
        run = session.scalars(select(CrawlRun).join(Source).where(Source.name == "sm")).one()
        assert run.status is CrawlStatus.OK and run.items_stored == len(ARTICLE_SITES)
        assert run.requests >= len(ARTICLE_SITES) + 1
