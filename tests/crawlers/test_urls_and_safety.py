from __future__ import annotations

import pytest

from crawlers.safety import UnsafeURLError, check_url
from crawlers.urls import canonical_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://www.dailynews.co.th/bangkok/574645?utm_source=rss&utm_medium=feed",
            "https://www.dailynews.co.th/bangkok/574645",
        ),
        (
            "HTTPS://WWW.Thairath.co.th:443/news/local/bangkok/1/#comments",
            "https://www.thairath.co.th/news/local/bangkok/1",
        ),
        (
            "https://m.khaosod.co.th/around-thailand/news_1",
            "https://www.khaosod.co.th/around-thailand/news_1",
        ),
        ("https://www.matichon.co.th/local/news_123/amp", "https://www.matichon.co.th/local/news_123"),
        ("https://www.matichon.co.th/amp/local/news_123", "https://www.matichon.co.th/local/news_123"),
        ("https://example.com/a?b=2&a=1&fbclid=xyz", "https://example.com/a?a=1&b=2"),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/feed",
        "http://localhost/feed",
        "http://10.1.2.3/x",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "file:///etc/passwd",
        "ftp://example.com/x",
        "gopher://example.com",
    ],
)
def test_private_and_odd_addresses_are_refused(url: str) -> None:
    with pytest.raises(UnsafeURLError):
        check_url(url, allow_private=False)


def test_private_addresses_allowed_only_when_asked() -> None:
    check_url("http://127.0.0.1:8000/feed", allow_private=True)
    with pytest.raises(UnsafeURLError):  # other schemes never
        check_url("file:///etc/passwd", allow_private=True)


def test_resolver_refuses_a_private_answer_at_connection_time() -> None:
    """DNS rebinding: a name that passed check_url may resolve to 127.0.0.1 or the cloud metadata address
    when the crawl connects. The crawl's resolver (crawlers/worker.py) refuses those answers; here through
    Scrapy's DNS cache, which the resolver reads before it asks a name server (no network needed)."""
    from scrapy.resolver import dnscache
    from twisted.internet.error import DNSLookupError
    from twisted.python.failure import Failure

    from crawlers.safety import PublicOnlyResolver

    answers = {"rebound.example": "127.0.0.1", "metadata.example": "169.254.169.254", "news.example": "93.184.216.34"}
    for name, address in answers.items():
        dnscache[name] = address

    def lookup(resolver: PublicOnlyResolver, name: str) -> object:
        results: list[object] = []
        resolver.getHostByName(name).addBoth(results.append)
        assert len(results) == 1  # a cached answer fires at once
        return results[0]

    strict = PublicOnlyResolver(object(), 100, 1.0)  # type: ignore[arg-type]  # the reactor is not used for cached names
    for name in ("rebound.example", "metadata.example"):
        outcome = lookup(strict, name)
        assert isinstance(outcome, Failure) and outcome.check(DNSLookupError)
        assert answers[name] in str(outcome.value)
    assert lookup(strict, "news.example") == "93.184.216.34"
    relaxed = PublicOnlyResolver(object(), 100, 1.0)  # type: ignore[arg-type]
    relaxed.allow_private = True  # BKKWATCH_ALLOW_PRIVATE_HOSTS=1: the demo and the tests
    assert lookup(relaxed, "rebound.example") == "127.0.0.1"
