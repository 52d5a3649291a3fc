"""The generic article spider: feeds and sitemaps (and plain listing pages) to full articles."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import urljoin, urlsplit

from scrapy import Request
from scrapy.http import Response
from scrapy.utils.sitemap import Sitemap

from crawlers.extract import decode_html, extract_article
from crawlers.feeds import FetchError, parse_feed
from crawlers.spiders.base import BaseSpider
from crawlers.thaidate import parse_thai_date

_CHARSET = re.compile(r"charset=([A-Za-z0-9_\-]+)", re.IGNORECASE)
_DEFAULT_ARTICLE_PATH = re.compile(r"/\d{4,}|/\d{4}/\d{2}/|/news/|/content/|\.html?$")


def sniff(body: bytes) -> str:
    """feed | sitemap | html | json | other, from the first bytes."""
    head = body[:1024].lstrip().lower()
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:].lstrip()
    if b"<urlset" in head or b"<sitemapindex" in head:
        return "sitemap"
    if b"<rss" in head or b"<feed" in head or b"<rdf:rdf" in head or b"<channel" in head:
        return "feed"
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head or b"<head" in head:
        return "html"
    if head.startswith((b"{", b"[")):
        return "json"
    if head.startswith(b"<?xml"):
        return "feed"
    return "other"


def declared_charset(response: Response) -> str | None:
    content_type = (response.headers.get("Content-Type") or b"").decode("latin-1")
    match = _CHARSET.search(content_type)
    return match.group(1) if match else None


def _registered(host: str) -> str:
    parts = host.lower().split(".")
    if len(parts) >= 3 and parts[-2] in ("co", "or", "go", "ac", "in", "com", "net"):
        return ".".join(parts[-3:])
    return ".".join(parts[-2:])


class ArticleSpider(BaseSpider):
    name: ClassVar[str] = "article"  # type: ignore[misc]
    conditional: ClassVar[bool] = True  # feeds and sitemaps: If-None-Match / If-Modified-Since
    expect = "any"  # feed | sitemap | site | any: what the start URLs should be

    def __init__(self, *args: Any, expect: str = "any", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.expect = expect
        pattern = self.options.get("article_pattern")
        self.article_path = re.compile(pattern) if pattern else _DEFAULT_ARTICLE_PATH

    # --- start documents: feed, sitemap, listing ---------------------------------------------

    # --- the shared frontier (optional): article requests go to Redis, workers take batches --------

    def start(self) -> Any:
        spec = self.settings.get("BKKWATCH_FRONTIER")
        if spec:
            from scrapy import signals

            from crawlers.frontier import RedisFrontier

            url, _, key = str(spec).partition("|")
            self.frontier = RedisFrontier(url, key)
            self.frontier.start_producing()
            self.open_documents = len(self.start_list)
            assert self.crawler is not None
            self.crawler.signals.connect(self.take_from_frontier, signal=signals.spider_idle)
        return super().start()

    frontier: Any = None
    open_documents = 0

    def _document_done(self) -> None:
        if self.frontier is not None:
            self.open_documents -= 1
            if self.open_documents == 0:
                self.frontier.done_producing()

    def _route(self, outputs: Iterator[Any]) -> Iterator[Any]:
        """With a frontier, article requests are queued in Redis instead of scheduled here."""
        if self.frontier is None:
            yield from outputs
            return
        queued = []
        try:
            for output in outputs:
                if isinstance(output, Request) and output.meta.get("article") and output.callback == self.parse_article:
                    queued.append(
                        {
                            "url": output.url,
                            "entry": output.meta.get("entry"),
                            "updated": output.meta.get("updated"),
                        }
                    )
                    continue
                if isinstance(output, Request) and output.callback == self.parse_sitemap:
                    self.open_documents += 1
                    output = output.replace(callback=self.parse_child_sitemap, errback=self.child_failed)
                yield output
        finally:
            self.frontier.push(queued)
            self._document_done()

    def parse_child_sitemap(self, response: Response) -> Iterator[Any]:
        yield from self._route(self.parse_sitemap(response))

    def child_failed(self, failure: Any) -> None:
        self.page_failed(failure)
        self._document_done()

    def start_failed(self, failure: Any) -> None:
        super().start_failed(failure)
        self._document_done()

    def take_from_frontier(self, spider: Any = None) -> None:
        from scrapy.exceptions import DontCloseSpider

        assert self.crawler is not None and self.crawler.engine is not None
        batch = self.frontier.pop(32)
        for entry in batch:
            updated = entry.get("updated")
            meta: dict[str, Any] = {"article": True, "updated": parse_thai_date(updated) if updated else None}
            if entry.get("entry"):
                meta["entry"] = entry["entry"]
            self.crawler.engine.crawl(
                Request(entry["url"], callback=self.parse_article, errback=self.page_failed, meta=meta)
            )
        if batch or self.frontier.producing():
            raise DontCloseSpider

    # --- start documents ----------------------------------------------------------------------

    def parse_start(self, response: Response) -> Iterator[Any]:
        yield from self._route(self.parse_start_document(response))

    def parse_start_document(self, response: Response) -> Iterator[Any]:
        if self.unchanged_start(response):
            return
        self.note_start_ok(response)
        kind = sniff(response.body)
        if self.expect == "feed" and kind != "feed":
            what = "an HTML page" if kind == "html" else ("empty" if not response.body.strip() else "not a feed")
            self.fail_source("not_a_feed", f"{response.url} is {what}, not a feed")
            return
        if self.expect == "sitemap" and kind != "sitemap":
            self.fail_source("not_a_sitemap", f"{response.url} is not a sitemap ({kind})")
            return
        if kind == "feed":
            yield from self.parse_feed_response(response)
        elif kind == "sitemap":
            yield from self.parse_sitemap(response)
        elif kind == "html":
            yield from self.parse_listing(response)
        else:
            self.fail_source("unreadable", f"{response.url}: cannot read a {kind} document")

    def parse_feed_response(self, response: Response) -> Iterator[Any]:
        headers = {k.decode("latin-1").lower(): v[0].decode("latin-1") for k, v in response.headers.items() if v}
        try:
            parsed = parse_feed(response.body, response.url, headers)
        except FetchError as exc:
            self.fail_source(exc.kind, str(exc))
            return
        assert self.crawler is not None and self.crawler.stats is not None
        if parsed.warning:
            self.crawler.stats.set_value("bkkwatch/feed_warning", parsed.warning)
        for rejected in parsed.rejected:
            yield {"url": "", "title": "", "_reason": f"feed entry {rejected.index + 1}: {rejected.reason}"}
        for item in parsed.items:
            if self.since and item.published and item.published < self.since:
                self.crawler.stats.inc_value("bkkwatch/too_old")
                continue
            entry = item.model_dump()
            if self.follow:
                yield from self.follow_entry(entry)
            else:
                yield entry

    def follow_entry(self, entry: dict[str, Any]) -> Iterator[Any]:
        yield Request(
            entry["url"],
            callback=self.parse_article,
            errback=self.page_failed,
            meta={"article": True, "entry": entry, "updated": entry.get("published")},
        )

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        try:
            sitemap = Sitemap(response.body)
        except Exception as exc:  # lxml refuses it
            self.fail_source("not_a_sitemap", f"{response.url}: {exc.__class__.__name__}: {exc}")
            return
        assert self.crawler is not None and self.crawler.stats is not None
        for entry in sitemap:
            loc = (entry.get("loc") or "").strip()
            if not loc:
                continue
            loc = urljoin(response.url, loc)
            if sitemap.type == "sitemapindex":
                yield Request(loc, callback=self.parse_sitemap, errback=self.page_failed)
                continue
            lastmod = parse_thai_date(entry.get("lastmod"))
            if self.since and lastmod and lastmod < self.since:
                self.crawler.stats.inc_value("bkkwatch/too_old")
                continue
            yield Request(
                loc,
                callback=self.parse_article,
                errback=self.page_failed,
                meta={"article": True, "updated": lastmod},
            )

    def parse_listing(self, response: Response) -> Iterator[Any]:
        home = _registered(urlsplit(response.url).hostname or "")
        seen: set[str] = set()
        for href in response.xpath("//a/@href").getall():
            url = urljoin(response.url, href.strip()).split("#", 1)[0]
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or _registered(parts.hostname or "") != home:
                continue
            if url in seen or not self.article_path.search(parts.path):
                continue
            seen.add(url)
            yield Request(url, callback=self.parse_article, errback=self.page_failed, meta={"article": True})

    # --- article pages --------------------------------------------------------------------------

    def parse_article(self, response: Response) -> Iterator[Any]:
        entry: dict[str, Any] = response.meta.get("entry") or {}
        kind = sniff(response.body)
        if kind not in ("html", "other"):
            yield {
                "url": response.url,
                "title": "",
                "_reason": f"{response.url} is a {kind} document, not a page",
            }
            return
        html, encoding = decode_html(response.body, declared_charset(response))
        yield self.article_item(response.url, html, encoding, entry)

    def article_item(self, url: str, html: str, encoding: str, entry: dict[str, Any]) -> dict[str, Any]:
        article = extract_article(html, url)
        canonical = article.canonical_url
        fetched_host = urlsplit(url).hostname or ""
        local_mirror = fetched_host in ("127.0.0.1", "localhost", "::1") and self.settings.getbool(
            "BKKWATCH_ALLOW_PRIVATE"
        )
        if _registered(urlsplit(canonical).hostname or "") != _registered(fetched_host) and not local_mirror:
            canonical = url  # a page may not claim another site's address (a local test mirror may)
        published: datetime | None = article.published or entry.get("published")
        extra: dict[str, Any] = {k: v for k, v in (entry.get("extra") or {}).items()}
        extra.update(
            {
                k: v
                for k, v in {
                    "fetched_url": url if url != canonical else None,
                    "description": article.description or None,
                    "site_name": article.site_name,
                    "image": article.image,
                    "section": article.section,
                    "tags": article.tags or None,
                    "body_from": article.body_from or None,
                    "encoding": encoding,
                    "modified": article.modified.isoformat() if article.modified else None,
                    "source": self.source_name,
                }.items()
                if v
            }
        )
        return {
            "url": canonical,
            "title": article.title or entry.get("title") or "",
            "text": article.text or entry.get("text") or "",
            "author": article.author or entry.get("author"),
            "published": published,
            "language": self.options.get("language", "th"),
            "kind": "article",
            "extra": extra,
        }


class FeedSpider(ArticleSpider):
    name: ClassVar[str] = "feed"  # type: ignore[misc]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["expect"] = "feed"
        super().__init__(*args, **kwargs)
