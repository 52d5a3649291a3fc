"""The token-gated adapters (YouTube Data API, Facebook Graph, X API v2) on real answers of those APIs.

The answers in tests/fixtures/token-apis are real responses saved by the sns-sdks client libraries'
test suites (see SOURCE.md there); the local server hands them out only when the request carries the
credential where the platform expects it (YouTube ``key=``, Graph ``access_token=``, X a Bearer header).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fixture_server import FixtureServer, add_source, run
from sqlalchemy import select

from storage.db import session_scope
from storage.models import Document, Source

pytestmark = pytest.mark.slow

TOKENS = {"YOUTUBE_API_KEY": "yt-test-key", "FACEBOOK_GRAPH_TOKEN": "fb-test-token", "X_BEARER_TOKEN": "x-test-bearer"}


@pytest.fixture(scope="module")
def crawled(server: FixtureServer, module_db: str) -> dict[str, Any]:
    base = server.base
    add_source(
        module_db,
        "tok-youtube",
        "api",
        f"{base}/youtube/v3/search?part=snippet&type=video&order=date&q=surfing",
        spider="youtube",
    )
    add_source(
        module_db,
        "tok-facebook",
        "api",
        f"{base}/graph/v19.0/BKK.BMA/posts?fields=message,created_time,permalink_url,shares,"
        "reactions.summary(true),comments.summary(true)",
        spider="facebook",
    )
    add_source(module_db, "tok-x", "api", f"{base}/x/2/tweets/search/recent?query=x", spider="x")
    with pytest.MonkeyPatch.context() as patch:  # the worker subprocess inherits the environment
        for name, value in TOKENS.items():
            patch.setenv(name, value)
        summaries = run(module_db, "tok-youtube", "tok-facebook", "tok-x")
    return {"summaries": summaries, "url": module_db}


def documents(url: str, source: str) -> list[Document]:
    with session_scope(url) as session:
        rows = session.scalars(select(Document).join(Source).where(Source.name == source).order_by(Document.id))
        found = list(rows)
        for row in found:
            session.expunge(row)
        return found


def test_each_platform_got_its_credential(crawled: dict[str, Any], server: FixtureServer) -> None:
    assert sorted(server.tokens_seen) == [
        ("/graph/v19.0/BKK.BMA/posts", "fb-test-token"),
        ("/x/2/tweets/search/recent", "x-test-bearer"),
        ("/youtube/v3/search", "yt-test-key"),
    ]
    for name in ("tok-youtube", "tok-facebook", "tok-x"):
        summary = crawled["summaries"][name]
        assert summary.status == "ok" and summary.errors == {} and summary.rejected == 0, summary


def test_youtube_search_results(crawled: dict[str, Any]) -> None:
    docs = documents(crawled["url"], "tok-youtube")
    assert len(docs) == 25  # every search result of the page is a video
    first = docs[0]
    assert first.url == "https://www.youtube.com/watch?v=gQ_1zX-F_No"
    assert first.title == "SURFING HAWAII’S BEST WAVE WITH MY GIRLFRIEND (PIPELINE)"
    assert first.author == "Jamie O'Brien"
    assert first.published_at is not None
    assert first.published_at.replace(tzinfo=UTC) == datetime(2019, 12, 5, 19, 0, 10, tzinfo=UTC)
    assert first.kind == "post" and first.extra["channel_id"] == "UCo_q6aOlvPH7M-j_XGWVgXg"
    titles = {d.title for d in docs}
    # the API HTML-escapes titles ("&amp;", "&#39;"): stored as the text people read
    assert "SURFING PERFECT PIPE & BACKDOOR || SUNRISE SHACK!" in titles
    assert "World's best surfing 2017" in titles
    assert not any("&amp;" in t or "&#39;" in t for t in titles)


def test_facebook_page_posts(crawled: dict[str, Any]) -> None:
    docs = documents(crawled["url"], "tok-facebook")
    assert len(docs) == 5
    first = docs[0]
    assert first.url == "https://www.facebook.com/19292868552/posts/10158349356748553/"
    assert first.text.startswith("Singaporean logistics company Ninja Van Singapore")
    assert (first.likes, first.comments, first.shares) == (125, 13, 10)
    assert first.published_at is not None
    assert first.published_at.replace(tzinfo=UTC) == datetime(2021, 7, 9, 19, 9, 52, tzinfo=UTC)


def test_x_tweets(crawled: dict[str, Any]) -> None:
    docs = documents(crawled["url"], "tok-x")
    assert len(docs) == 5
    first = docs[0]
    assert first.url == "https://x.com/i/web/status/1364275610764201984"
    assert first.text.startswith("If you're newly approved for the Academic Research product track")
    assert (first.likes, first.shares, first.comments) == (37, 10, 2)
    assert first.published_at is not None
    assert first.published_at.replace(tzinfo=UTC) == datetime(2021, 2, 23, 18, 7, 7, tzinfo=UTC)


def test_credential_in_the_wrong_place_is_a_recorded_401(server: FixtureServer, module_db: str) -> None:
    """X wants a Bearer header; a key in the query string gets 401: recorded, readable, no traceback."""
    add_source(module_db, "tok-misplaced", "api", f"{server.base}/x/2/tweets/search/recent?q=x", spider="youtube")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("YOUTUBE_API_KEY", "yt-test-key")
        summary = run(module_db, "tok-misplaced")["tok-misplaced"]
    assert summary.status == "failed" and summary.errors == {"http_401": 1}, summary
    assert "HTTP 401" in summary.message
    assert documents(module_db, "tok-misplaced") == []
