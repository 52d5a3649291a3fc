"""RSS and Atom feeds: a polite conditional GET, feedparser, and every entry mapped to an ``Item``."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import feedparser
import httpx
from pydantic import ValidationError

from bkkwatch.settings import Settings, get_settings
from crawlers.htmltext import html_to_text
from crawlers.items import Item
from crawlers.safety import UnsafeURLError, check_url, is_public_address

MAX_REDIRECTS = 5


class FetchError(Exception):
    """A fetch that produced nothing usable; ``kind`` names the failure for the health counters."""

    def __init__(self, kind: str, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.status = status


@dataclass
class Fetched:
    url: str
    status: int
    content: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    not_modified: bool = False


@dataclass
class Rejected:
    index: int
    reason: str


@dataclass
class ParsedFeed:
    items: list[Item]
    rejected: list[Rejected]
    warning: str | None = None  # feedparser's bozo reason when entries were still usable
    title: str | None = None


def check_peer(response: httpx.Response, url: str) -> None:
    """Refuse a response from a non-public address, before its body is read: ``check_url`` looked the name
    up before the request and the client resolved it again to connect, so a name server that answered a
    public address first and a local one next (DNS rebinding) is caught here."""
    stream = response.extensions.get("network_stream")
    server = stream.get_extra_info("server_addr") if stream is not None else None
    if server and not is_public_address(str(server[0])):
        raise FetchError("refused", f"refused {url}: it connected to a private or local address ({server[0]})")


def fetch(
    url: str,
    etag: str | None = None,
    last_modified: str | None = None,
    settings: Settings | None = None,
    client: httpx.Client | None = None,
) -> Fetched:
    """GET ``url`` with ETag / Last-Modified, following redirects by hand so every hop is checked."""
    settings = settings or get_settings()
    headers = {
        "User-Agent": settings.user_agent,
        "Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5",
    }
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    own_client = client is None
    client = client or httpx.Client(timeout=settings.fetch_timeout, follow_redirects=False)
    try:
        current = url
        for _hop in range(MAX_REDIRECTS + 1):
            try:
                check_url(current, settings.allow_private_hosts)
            except UnsafeURLError as exc:
                raise FetchError("refused", f"refused {current}: {exc}") from exc
            try:
                with client.stream("GET", current, headers=headers) as response:
                    if not settings.allow_private_hosts:
                        check_peer(response, current)
                    if response.status_code == 304:
                        return Fetched(current, 304, headers=dict(response.headers), not_modified=True)
                    if response.status_code in (301, 302, 303, 307, 308):
                        location = response.headers.get("location")
                        if not location:
                            raise FetchError(
                                "http", f"redirect without a Location from {current}", response.status_code
                            )
                        current = str(response.url.join(location))
                        continue
                    if response.status_code >= 400:
                        raise FetchError("http", f"HTTP {response.status_code} from {current}", response.status_code)
                    body = bytearray()
                    for chunk in response.iter_bytes():
                        body.extend(chunk)
                        if len(body) > settings.max_response_bytes:
                            raise FetchError(
                                "too_large",
                                f"response from {current} is larger than {settings.max_response_bytes} bytes",
                                response.status_code,
                            )
                    return Fetched(current, response.status_code, bytes(body), dict(response.headers))
            except httpx.TimeoutException as exc:
                raise FetchError("timeout", f"timed out fetching {current}") from exc
            except httpx.TransportError as exc:
                raise FetchError("connection", f"cannot fetch {current}: {exc.__class__.__name__} {exc}") from exc
        raise FetchError("redirect_loop", f"more than {MAX_REDIRECTS} redirects from {url}")
    finally:
        if own_client:
            client.close()


def _entry_datetime(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    return None


def _entry_text(entry: Any) -> str:
    contents = entry.get("content") or []
    best = max((c.get("value", "") for c in contents), key=len, default="")
    summary = entry.get("summary", "") or ""
    return html_to_text(best if len(best) >= len(summary) else summary)


def _entry_item(entry: Any) -> Item:
    link = entry.get("link") or ""
    guid = entry.get("id") or ""
    if not link and guid.startswith(("http://", "https://")):
        link = guid
    tags = [t.get("term") for t in entry.get("tags") or [] if t.get("term")]
    return Item(
        url=link,
        title=html_to_text(entry.get("title", "") or ""),
        text=_entry_text(entry),
        author=entry.get("author") or None,
        published=_entry_datetime(entry),
        kind="article",
        extra={k: v for k, v in (("guid", guid), ("tags", tags)) if v},
    )


def _short_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first.get("loc", ())) or "item"
    return f"{where}: {first.get('msg', 'invalid')}"


def parse_feed(content: bytes, url: str, headers: dict[str, str] | None = None) -> ParsedFeed:
    """Entries of a feed as validated items; ill-formed feeds keep what parsed (feedparser's bozo)."""
    parsed = feedparser.parse(content, response_headers=headers or {})
    warning = None
    if parsed.get("bozo"):
        reason = parsed.get("bozo_exception")
        warning = f"{reason.__class__.__name__}: {reason}" if reason else "ill-formed feed"
    if not parsed.entries and (parsed.get("bozo") or not parsed.get("version")):
        looks_html = content.lstrip()[:300].lower().startswith((b"<!doctype html", b"<html"))
        what = "an HTML page, not a feed" if looks_html else "not an RSS or Atom feed"
        raise FetchError("not_a_feed", f"{url} is {what}" + (f" ({warning})" if warning else ""))
    items: list[Item] = []
    rejected: list[Rejected] = []
    for index, entry in enumerate(parsed.entries):
        try:
            items.append(_entry_item(entry))
        except ValidationError as exc:
            rejected.append(Rejected(index, _short_error(exc)))
    return ParsedFeed(items, rejected, warning, parsed.get("feed", {}).get("title"))
