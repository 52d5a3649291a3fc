"""What every bkkwatch spider shares: start requests with an errback that names each failure."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable
from datetime import datetime
from typing import Any, ClassVar

from scrapy import Request, Spider
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawlers.scrapy_support import count_error

log = logging.getLogger(__name__)


def failure_kind(failure: Failure) -> tuple[str, str]:
    """(kind, readable message) for a failed request."""
    request = getattr(failure, "request", None)
    url = request.url if request is not None else "?"
    exc = failure.value
    name = exc.__class__.__name__
    text = str(exc)
    if isinstance(exc, HttpError):
        status = exc.response.status
        return f"http_{status}", f"HTTP {status} from {exc.response.url}"
    if "max redirections" in text or "redirect loop" in text:
        return "redirect_loop", f"too many redirects from {url}"
    if "refused" in text and "IgnoreRequest" in name:
        return "refused", text
    if "already stored" in text or "budget" in text:
        return "skipped", text
    if "robots.txt" in text or "Forbidden by robots" in text:
        return "robots", f"{url} is disallowed by robots.txt"
    if "Timeout" in name or "timed out" in text.lower() or "took longer than" in text:
        return "timeout", f"timed out fetching {url}"
    if "_DataLoss" in text or "DataLoss" in name or "PotentialDataLoss" in text:
        return "truncated", f"truncated response from {url}"
    if name in ("CancelledError", "DownloadCancelledError") or "max size" in text.lower():
        return "too_large", f"response from {url} is larger than the size limit"
    connection_words = (
        "ConnectionLost",
        "ConnectionRefused",
        "ConnectionDone",
        "ConnectError",
        "DNSLookupError",
        "Connection was refused",
        "ConnectionReset",
    )
    if any(word in text for word in connection_words):
        return "connection", f"cannot fetch {url}: {name}"
    if name in (
        "ConnectionRefusedError",
        "ConnectionLost",
        "ConnectionDone",
        "ResponseNeverReceived",
        "ConnectError",
        "DNSLookupError",
        "ConnectionResetError",
        "ResponseFailed",
        "TCPTimedOutError",
    ):
        return "connection", f"cannot fetch {url}: {name}"
    if name == "IgnoreRequest":
        return "ignored", f"{url}: {text}"
    return "other", f"{url}: {name}: {text[:200]}"


class BaseSpider(Spider):
    """Spiders get the source's record as keyword arguments from the worker."""

    name: ClassVar[str] = "base"  # type: ignore[misc]
    # Start documents fetched with a conditional GET (feeds, sitemaps): the source's stored ETag /
    # Last-Modified go out as If-None-Match / If-Modified-Since, and a 304 means "not modified".
    conditional: ClassVar[bool] = False

    def __init__(
        self,
        source_name: str = "",
        start: list[str] | None = None,
        since: datetime | None = None,
        follow: bool = True,
        options: dict[str, Any] | None = None,
        validators: dict[str, dict[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.source_name = source_name
        self.start_list = list(start or [])
        self.since = since
        self.follow = follow
        self.options = dict(options or {})
        self.fatal: str | None = None  # why the source as a whole failed
        self.start_ok = 0
        self.http_status: int | None = None
        # url -> {"etag": ..., "last_modified": ...}: what the last complete crawl was answered with
        self.validators = {url: dict(v) for url, v in (validators or {}).items()} if self.conditional else {}
        self.validators_seen: dict[str, dict[str, str]] = {}
        self.not_modified = 0

    async def start(self) -> AsyncIterator[Any]:
        for request in self.start_requests():
            yield request

    def start_requests(self) -> Iterable[Request]:
        for url in self.start_list:
            headers: dict[str, str] = {}
            meta: dict[str, Any] = {"start": True}
            if self.conditional:
                known = self.validators.get(url) or {}
                if known.get("etag"):
                    headers["If-None-Match"] = known["etag"]
                if known.get("last_modified"):
                    headers["If-Modified-Since"] = known["last_modified"]
                meta["handle_httpstatus_list"] = [304]  # an answer for the callback, not an HttpError
            yield Request(
                url,
                callback=self.parse_start,
                errback=self.start_failed,
                dont_filter=True,
                headers=headers or None,
                meta=meta,
            )

    def parse_start(self, response: Response) -> Any:
        raise NotImplementedError

    def note_start_ok(self, response: Response) -> None:
        self.start_ok += 1
        self.http_status = response.status
        if not self.conditional or not response.meta.get("start"):
            return
        url = response.request.url if response.request is not None else response.url
        seen = {
            key: (response.headers.get(header) or b"").decode("latin-1").strip()
            for key, header in (("etag", "ETag"), ("last_modified", "Last-Modified"))
        }
        if response.status == 304:  # RFC 9110: a 304 may carry a new ETag; keep the stored ones otherwise
            seen = {**(self.validators.get(url) or {}), **{k: v for k, v in seen.items() if v}}
        seen = {k: v for k, v in seen.items() if v}
        if seen:
            self.validators_seen[url] = seen

    def unchanged_start(self, response: Response) -> bool:
        """A 304 to a conditional start request: noted (not an error), nothing to parse."""
        if response.status != 304 or not response.meta.get("start"):
            return False
        self.note_start_ok(response)
        self.not_modified += 1
        assert self.crawler is not None and self.crawler.stats is not None
        self.crawler.stats.inc_value("bkkwatch/not_modified")
        log.info("%s: %s not modified since the last crawl", self.source_name, response.url)
        return True

    def fail_source(self, kind: str, message: str) -> None:
        assert self.crawler is not None
        count_error(self.crawler, kind)
        if self.fatal is None:
            self.fatal = f"{kind}: {message}"
        log.warning("%s: %s", self.source_name, message)

    def start_failed(self, failure: Failure) -> None:
        kind, message = failure_kind(failure)
        if kind == "skipped":
            return
        if isinstance(failure.value, HttpError):
            self.http_status = failure.value.response.status
        self.fail_source(kind, message)

    def page_failed(self, failure: Failure) -> None:
        kind, message = failure_kind(failure)
        if kind == "skipped":
            return
        assert self.crawler is not None
        count_error(self.crawler, kind)
        log.info("%s: %s (%s)", self.source_name, message, kind)
