"""Two workers split one crawl through the shared Redis frontier (the local Redis on 127.0.0.1:6379)."""

from __future__ import annotations

import uuid

import pytest
from fixture_server import FixtureServer, add_source
from sqlalchemy import func, select

from bkkwatch.settings import get_settings
from crawlers.frontier import RedisFrontier
from crawlers.run import crawl, merge_results
from storage.db import session_factory, session_scope
from storage.models import Document

pytestmark = pytest.mark.slow
REDIS = "redis://127.0.0.1:6379/0"
PAGES = 40


def redis_or_skip() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:  # pragma: no cover - depends on the machine
        pytest.skip(f"no Redis at {REDIS}: {exc}")


def test_frontier_queues_each_url_once() -> None:
    redis_or_skip()
    frontier = RedisFrontier(REDIS, f"bkkwatch:test:{uuid.uuid4().hex}")
    try:
        assert frontier.push([{"url": "https://a.th/1"}, {"url": "https://a.th/2"}]) == 2
        assert frontier.push([{"url": "https://a.th/2"}, {"url": "https://a.th/3"}]) == 1
        assert [e["url"] for e in frontier.pop(10)] == ["https://a.th/1", "https://a.th/2", "https://a.th/3"]
        assert frontier.pop(10) == []
        frontier.start_producing()
        assert frontier.producing()
        frontier.done_producing()
        assert not frontier.producing()
    finally:
        frontier.clear()


def test_two_workers_split_one_crawl(server: FixtureServer, module_db: str) -> None:
    redis_or_skip()
    name = f"shared-{uuid.uuid4().hex[:8]}"
    for i in range(PAGES):
        server.mirror[f"/{name}/{i}.html"] = (
            f'<html><head><meta charset="utf-8"><title>ข่าว {i}</title></head><body><article>'
            f"<h1>ข่าวที่ {i} กทม. ลอกท่อระบายน้ำ</h1><p>สำนักการระบายน้ำเริ่มลอกท่อระบายน้ำในเขตที่ {i} "
            "เพื่อรับมือฝนที่จะตกหนักในสัปดาห์หน้า โดยจะดำเนินการให้เสร็จภายในสิบวัน</p></article></body></html>"
        ).encode()
        server.delay[f"/{name}/{i}.html"] = 0.1
    urls = "".join(f"<url><loc>{server.base}/{name}/{i}.html</loc></url>" for i in range(PAGES))
    server.mirror[f"/{name}/sitemap.xml"] = (
        f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
    ).encode()
    add_source(module_db, name, "sitemap", f"{server.base}/{name}/sitemap.xml", concurrency=2)
    [summary] = crawl(session_factory(module_db), [name], get_settings(), workers=2, redis_url=REDIS)
    assert summary.status == "ok", summary.message
    assert summary.stored == PAGES
    with session_scope(module_db) as session:
        assert (
            session.scalar(select(func.count()).where(Document.canonical_url.like(f"{server.base}/{name}/%"))) == PAGES
        )
    fetched = [server.hits[f"/{name}/{i}.html"] for i in range(PAGES)]
    # every page fetched by one worker or the other, never by both (a retry after a timeout aside)
    assert min(fetched) == 1 and sum(fetched) <= PAGES + 2
    assert server.hits[f"/{name}/sitemap.xml"] == 2  # each worker read the sitemap
    import redis

    assert list(redis.Redis.from_url(REDIS).scan_iter(f"bkkwatch:frontier:{name}:*")) == []  # cleared


def test_merge_results_adds_counts() -> None:
    merged = merge_results(
        [
            {
                "requests": 10,
                "stored": 4,
                "errors": {"timeout": 1},
                "reasons": ["a"],
                "fatal": None,
                "finish_reason": "finished",
                "elapsed": 3.0,
            },
            {
                "requests": 7,
                "stored": 5,
                "errors": {"timeout": 2, "http_404": 1},
                "reasons": [],
                "fatal": None,
                "finish_reason": "finished",
                "elapsed": 4.0,
            },
        ]
    )
    assert merged["requests"] == 17 and merged["stored"] == 9 and merged["elapsed"] == 4.0
    assert merged["errors"] == {"timeout": 3, "http_404": 1} and merged["fatal"] is None
