"""The real spiders, in their worker processes, over HTTP against the saved fixtures on 127.0.0.1."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
from fixture_server import ARTICLE_SITES, FIXTURES, FixtureServer, add_source, run
from sqlalchemy import func, select
from test_extract import check_article

from storage.db import session_scope
from storage.models import CrawlRun, Document, Source

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def crawled(server: FixtureServer, module_db: str) -> dict[str, Any]:
    base = server.base
    add_source(module_db, "fx-sitemap", "sitemap", f"{base}/fx/sitemap.xml")
    add_source(module_db, "fx-feeds", "rss", f"{base}/fx/feed-matichon/feed.xml", spider="feed", follow=False)
    with session_scope(module_db) as session:
        source = session.scalar(select(Source).where(Source.name == "fx-feeds"))
        source.urls = [f"{base}/fx/feed-prachachat/feed.xml"]
    add_source(module_db, "fx-pantip", "site", f"{base}/forum/siam", spider="pantip")
    add_source(
        module_db,
        "fx-traffy",
        "api",
        f"{base}/traffy/search?limit=5&offset=0",
        spider="traffy",
        page_size=5,
        max_pages=3,
    )
    add_source(module_db, "fx-reddit", "api", f"{base}/reddit/r/Bangkok/new.json", spider="reddit")
    add_source(module_db, "fx-gnews", "rss", f"{base}/gnews/rss", spider="gnews", follow=True)
    summaries = run(module_db, "fx-sitemap", "fx-feeds", "fx-pantip", "fx-traffy", "fx-reddit", "fx-gnews")
    return {"summaries": summaries, "url": module_db, "base": base}


def documents(url: str, **where: Any) -> list[Document]:
    with session_scope(url) as session:
        query = select(Document)
        for key, value in where.items():
            query = query.where(getattr(Document, key) == value)
        return list(session.scalars(query))


@pytest.mark.parametrize("site", ARTICLE_SITES)
def test_article_over_http(crawled: dict[str, Any], site: str) -> None:
    exp = json.loads((FIXTURES / site / "expected.json").read_text(encoding="utf-8"))
    served = f"{crawled['base']}/fx/{site}/page.html"
    canonical = exp["canonical_url"] or served
    found = documents(crawled["url"], canonical_url=canonical)
    assert len(found) == 1, [d.canonical_url for d in documents(crawled["url"])]
    doc = found[0]
    assert doc.published_at is not None
    check_article(site, doc.title, doc.text, doc.author, doc.published_at, doc.canonical_url, served)
    assert doc.kind == "article"


def test_sitemap_summary(crawled: dict[str, Any]) -> None:
    summary = crawled["summaries"]["fx-sitemap"]
    assert summary.status == "ok", summary.message
    assert summary.stored + summary.unchanged == len(ARTICLE_SITES)  # gnews may store one first
    assert summary.requests >= len(ARTICLE_SITES) + 1
    with session_scope(crawled["url"]) as session:
        run_row = session.scalars(select(CrawlRun).join(Source).where(Source.name == "fx-sitemap")).one()
        assert run_row.items_stored + run_row.duplicates == len(ARTICLE_SITES) and run_row.status.value == "ok"
        assert session.scalar(select(Source.last_success_at).where(Source.name == "fx-sitemap")) is not None


def test_real_feeds_entries(crawled: dict[str, Any]) -> None:
    summary = crawled["summaries"]["fx-feeds"]
    assert summary.status == "ok", summary.message
    assert summary.stored == 30
    doc = documents(crawled["url"], canonical_url="https://www.matichon.co.th/politics/news_5680854")[0]
    assert doc.title == "โสภณ พาทัวร์ฟู้ดคอร์ทส.ส. ประเดิมทดสอบระบบจำหน่าย สัปดาห์หน้าเริ่ม ให้ซื้อกินเอง"
    assert doc.published_at == datetime.fromisoformat("2026-04-17T06:19:03+00:00")
    doc = documents(crawled["url"], canonical_url="https://www.prachachat.net/sd-plus/sdplus-hr/news-1983382")[0]
    assert doc.title == "ชง 4 รูปแบบ เลือกตั้งบอร์ดประกันสังคม ให้ รมว.แรงงาน เคาะ"
    assert doc.published_at == datetime.fromisoformat("2026-03-24T12:24:11+00:00")


def test_pantip_topic_with_comments(crawled: dict[str, Any]) -> None:
    exp = json.loads((FIXTURES / "pantip" / "expected.json").read_text(encoding="utf-8"))
    found = documents(crawled["url"], canonical_url=exp["url"])
    assert len(found) == 1
    doc = found[0]
    assert doc.title == exp["title"] and doc.author == exp["author"] and doc.kind == "post"
    assert doc.published_at == datetime.fromisoformat(exp["published"])
    assert doc.likes == exp["likes"] and doc.comments == exp["comments"]
    assert doc.text.startswith(exp["first_sentence"]) and doc.text.endswith(exp["last_sentence"])
    assert doc.extra["comments"][0]["text"] == exp["first_comment"]
    assert "กรุงเทพมหานคร" in doc.extra["tags"]


def test_traffy_tickets(crawled: dict[str, Any]) -> None:
    exp = json.loads((FIXTURES / "traffy" / "expected.json").read_text(encoding="utf-8"))
    tickets = documents(crawled["url"], kind="ticket")
    assert len(tickets) == exp["count"]
    doc = next(d for d in tickets if d.canonical_url == exp["url"])
    assert doc.text == exp["text"]
    assert doc.extra["type"] == exp["type"] and doc.extra["district"] == exp["district"]
    assert doc.extra["state"] == exp["state"] and "เขตพระนคร" in doc.extra["organisation"]
    assert doc.extra["photos"][0].endswith(f"{exp['ticket_id']}.jpg")
    assert doc.lat == pytest.approx(exp["lat"]) and doc.lon == pytest.approx(exp["lon"])
    assert doc.published_at is not None and doc.published_at.isoformat().startswith("2023-11-28T14:01")


def test_reddit_posts(crawled: dict[str, Any]) -> None:
    posts = [d for d in documents(crawled["url"], kind="post") if "reddit.com" in d.canonical_url]
    assert len(posts) == 3
    assert all(p.likes is not None and p.published_at is not None for p in posts)


def test_google_news_resolved_to_publisher(crawled: dict[str, Any]) -> None:
    summary = crawled["summaries"]["fx-gnews"]
    assert summary.status == "ok", summary.message
    exp = json.loads((FIXTURES / "thairath" / "expected.json").read_text(encoding="utf-8"))
    with session_scope(crawled["url"]) as session:
        doc = session.scalars(select(Document).where(Document.canonical_url == exp["canonical_url"])).one()
        assert doc.extra.get("google_news_url", "").startswith("https://news.google.com/rss/articles/")
        # the same article came from the sitemap too: one document, never two
        assert session.scalar(select(func.count()).where(Document.title == exp["title"])) == 1


def test_second_crawl_does_not_refetch_or_duplicate(crawled: dict[str, Any], server: FixtureServer) -> None:
    before = sum(server.hits[f"/fx/{site}/page.html"] for site in ARTICLE_SITES)
    with session_scope(crawled["url"]) as session:
        count = session.scalar(select(func.count()).select_from(Document))
    again = run(crawled["url"], "fx-sitemap")["fx-sitemap"]
    assert again.status == "ok" and again.stored == 0
    with session_scope(crawled["url"]) as session:
        assert session.scalar(select(func.count()).select_from(Document)) == count
    after = sum(server.hits[f"/fx/{site}/page.html"] for site in ARTICLE_SITES)
    # pages whose canonical address is their own are skipped; mirrored pages naming their real
    # address cannot be recognised before fetching and are fetched again (stored unchanged)
    assert after - before <= len(ARTICLE_SITES)
    assert "already stored" in again.message or after - before == len(ARTICLE_SITES)
