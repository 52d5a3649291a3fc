"""Google News RSS searches: every link resolved to the publisher's own article, then extracted.

Google News links (``news.google.com/rss/articles/<id>``) hide the publisher URL. Older ids are
base64 protobuf with the URL inside; for the others we fetch the Google page and follow its
redirect, its ``data-n-au`` attribute, its meta refresh or its first outside link.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from typing import Any, ClassVar
from urllib.parse import urljoin, urlsplit

from scrapy import Request
from scrapy.http import Response

from crawlers.spiders.article import ArticleSpider

_URL_IN_BYTES = re.compile(rb"https?://[\x21-\x7e]+")
_GOOGLE_HOSTS = ("news.google.com", "google.com", "www.google.com", "consent.google.com")


def decode_google_news_id(url: str) -> str | None:
    """The publisher URL inside an old-style Google News article id, or None."""
    parts = urlsplit(url)
    if not parts.hostname or not parts.hostname.endswith("news.google.com"):
        return None
    token = parts.path.rstrip("/").rsplit("/", 1)[-1]
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        return None
    match = _URL_IN_BYTES.search(raw)
    if not match:
        return None
    found = match.group(0).decode("ascii", "ignore")
    # The protobuf length byte that follows the URL may be printable; cut at the first control-ish tail.
    return found.split("\x01", 1)[0] or None


def is_google(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return host in _GOOGLE_HOSTS or host.endswith(".google.com")


def publisher_link(response: Response) -> str | None:
    """The publisher URL named by a Google News article page."""
    for xpath in (
        "//*[@data-n-au]/@data-n-au",
        '//meta[@http-equiv="refresh" or @http-equiv="Refresh"]/@content',
        "//a/@href",
    ):
        for value in response.xpath(xpath).getall():
            value = value.strip()
            if value.lower().startswith(("0;", "0 ;")) or "url=" in value.lower():
                value = value.split("=", 1)[-1].strip().strip("'\"")
            url = urljoin(response.url, value)
            if url.startswith(("http://", "https://")) and not is_google(url):
                return url
    return None


class GoogleNewsSpider(ArticleSpider):
    name: ClassVar[str] = "gnews"  # type: ignore[misc]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["expect"] = "feed"
        super().__init__(*args, **kwargs)

    def follow_entry(self, entry: dict[str, Any]) -> Iterator[Any]:
        google_url = entry["url"]
        entry.setdefault("extra", {})["google_news_url"] = google_url
        publisher = decode_google_news_id(google_url) if is_google(google_url) else google_url
        if publisher:
            yield Request(
                publisher,
                callback=self.parse_article,
                errback=self.page_failed,
                meta={"article": True, "entry": entry},
            )
        else:
            yield Request(google_url, callback=self.parse_google, errback=self.page_failed, meta={"entry": entry})

    def parse_google(self, response: Response) -> Iterator[Any]:
        entry = response.meta["entry"]
        if not is_google(response.url):  # Google redirected us straight to the publisher
            yield from self.parse_article(response)
            return
        publisher = publisher_link(response)
        if not publisher:
            assert self.crawler is not None and self.crawler.stats is not None
            self.crawler.stats.inc_value("bkkwatch/errors/unresolved")
            return
        yield Request(
            publisher,
            callback=self.parse_article,
            errback=self.page_failed,
            meta={"article": True, "entry": entry},
        )
