"""JSON APIs: Traffy Fondue tickets, Reddit listings, and the token-gated platforms.

YouTube Data API, Facebook Graph and X need a token. Their sources name the environment variable;
without it the worker never starts them and the crawl table says which variable to set.
"""

from __future__ import annotations

import html
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from scrapy import Request
from scrapy.http import Response

from crawlers.spiders.base import BaseSpider
from crawlers.thaidate import parse_thai_date

TRAFFY_TICKET_URL = "https://share.traffy.in.th/teamchadchart/{ticket_id}"


def _json(spider: BaseSpider, response: Response) -> Any:
    try:
        return json.loads(response.body)
    except ValueError:
        spider.fail_source("not_json", f"{response.url} did not answer JSON")
        return None


def _with_params(url: str, **params: Any) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.update({k: str(v) for k, v in params.items()})
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def _types(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    if isinstance(value, str):
        return [v.strip() for v in value.strip("{}[]").replace('"', "").split(",") if v.strip()]
    return []


def _coords(record: dict[str, Any]) -> tuple[float | None, float | None]:
    raw = record.get("coords")
    geometry = record.get("geometry")
    if raw is None and isinstance(geometry, dict):
        raw = geometry.get("coordinates")
    lon = lat = None
    if isinstance(raw, str):
        raw = [p for p in raw.replace(" ", "").split(",") if p]
    if isinstance(raw, (list, tuple)) and len(raw) >= 2:
        lon, lat = float(raw[0]), float(raw[1])  # GeoJSON and Traffy order: longitude, latitude
    elif record.get("lat") is not None and record.get("lon") is not None:
        lat, lon = float(record["lat"]), float(record["lon"])
    if lat is not None and lon is not None and abs(lat) > 90 >= abs(lon):
        lat, lon = lon, lat
    return lat, lon


def traffy_item(record: dict[str, Any]) -> dict[str, Any]:
    """One Traffy Fondue ticket (API record or GeoJSON feature) in the item schema."""
    if "properties" in record:
        record = {**record["properties"], "geometry": record.get("geometry")}
    ticket = str(record.get("ticket_id") or record.get("id") or "").strip()
    lat, lon = _coords(record)
    text = str(record.get("description") or record.get("comment") or "").strip()
    photos = [
        p
        for p in (
            record.get("photo_url") or record.get("photo"),
            record.get("after_photo") or record.get("photo_after"),
        )
        if p
    ]
    org = record.get("org") or record.get("organization") or []
    organisations = org if isinstance(org, list) else [o.strip() for o in str(org).split(",") if o.strip()]
    stamp = record.get("timestamp")
    return {
        "url": TRAFFY_TICKET_URL.format(ticket_id=ticket) if ticket else "",
        "title": "",
        "text": text,
        "published": parse_thai_date(str(stamp)) if stamp else None,
        "kind": "ticket",
        "lat": lat,
        "lon": lon,
        "extra": {
            k: v
            for k, v in {
                "ticket_id": ticket,
                "type": _types(record.get("type") or record.get("problem_type_fondue")),
                "organisation": organisations,
                "district": record.get("district"),
                "subdistrict": record.get("subdistrict"),
                "address": record.get("address"),
                "state": record.get("state"),
                "photos": photos,
                "last_activity": record.get("last_activity"),
            }.items()
            if v not in (None, "", [])
        },
    }


class TraffySpider(BaseSpider):
    """The Traffy Fondue public complaint search (teamchadchart = Bangkok), paged with offset/limit."""

    name: ClassVar[str] = "traffy"  # type: ignore[misc]

    def parse_start(self, response: Response) -> Iterator[Any]:
        self.note_start_ok(response)
        yield from self.parse_page(response)

    def parse_page(self, response: Response) -> Iterator[Any]:
        data = _json(self, response)
        if data is None:
            return
        records = data if isinstance(data, list) else (data.get("results") or data.get("features") or [])
        for record in records:
            if isinstance(record, dict):
                yield traffy_item(record)
        limit = int(self.options.get("page_size", 100))
        pages = int(self.options.get("max_pages", 5))
        page = int(response.meta.get("page", 0)) + 1
        if len(records) >= limit and page < pages:
            yield Request(
                _with_params(response.url, offset=page * limit, limit=limit),
                callback=self.parse_page,
                errback=self.page_failed,
                meta={"page": page},
            )


def reddit_item(post: dict[str, Any]) -> dict[str, Any]:
    data = post.get("data", post)
    created = data.get("created_utc")
    return {
        "url": "https://www.reddit.com" + str(data.get("permalink") or ""),
        "title": data.get("title") or "",
        "text": data.get("selftext") or "",
        "author": data.get("author"),
        "published": datetime.fromtimestamp(float(created), tz=UTC) if created else None,
        "language": "en",
        "kind": "post",
        "likes": max(0, int(data.get("ups") or 0)),
        "comments": max(0, int(data.get("num_comments") or 0)),
        "extra": {
            k: v
            for k, v in {
                "subreddit": data.get("subreddit"),
                "link": data.get("url"),
                "flair": data.get("link_flair_text"),
            }.items()
            if v
        },
    }


class RedditSpider(BaseSpider):
    name: ClassVar[str] = "reddit"  # type: ignore[misc]

    def parse_start(self, response: Response) -> Iterator[Any]:
        self.note_start_ok(response)
        data = _json(self, response)
        if data is None:
            return
        for post in (data.get("data") or {}).get("children") or []:
            if isinstance(post, dict):
                yield reddit_item(post)


class TokenSpider(BaseSpider):
    """Platforms behind a token: the start URL gets the token from the named environment variable."""

    token_env: ClassVar[str] = ""
    token_param: ClassVar[str] = ""

    def start_requests(self) -> Iterator[Request]:
        token = os.environ.get(self.options.get("token_env") or self.token_env, "")
        for url in self.start_list:
            headers = {}
            if self.token_param:
                url = _with_params(url, **{self.token_param: token})
            else:
                headers["Authorization"] = f"Bearer {token}"
            yield Request(url, headers=headers, callback=self.parse_start, errback=self.start_failed, dont_filter=True)


class YouTubeSpider(TokenSpider):
    name: ClassVar[str] = "youtube"  # type: ignore[misc]
    token_env = "YOUTUBE_API_KEY"
    token_param = "key"

    def parse_start(self, response: Response) -> Iterator[Any]:
        self.note_start_ok(response)
        data = _json(self, response) or {}
        for entry in data.get("items") or []:
            snippet = entry.get("snippet") or {}
            video = (entry.get("id") or {}).get("videoId") if isinstance(entry.get("id"), dict) else entry.get("id")
            if not video:
                continue
            # The API HTML-escapes these ("&amp;", "&#39;"): keep the text people read.
            yield {
                "url": f"https://www.youtube.com/watch?v={video}",
                "title": html.unescape(snippet.get("title") or ""),
                "text": html.unescape(snippet.get("description") or ""),
                "author": html.unescape(snippet["channelTitle"]) if snippet.get("channelTitle") else None,
                "published": parse_thai_date(snippet.get("publishedAt")),
                "kind": "post",
                "extra": {"platform": "youtube", "channel_id": snippet.get("channelId")},
            }


class FacebookSpider(TokenSpider):
    name: ClassVar[str] = "facebook"  # type: ignore[misc]
    token_env = "FACEBOOK_GRAPH_TOKEN"
    token_param = "access_token"

    def parse_start(self, response: Response) -> Iterator[Any]:
        self.note_start_ok(response)
        data = _json(self, response) or {}
        for post in data.get("data") or []:

            def summary(key: str, post: dict[str, Any] = post) -> Any:
                return ((post.get(key) or {}).get("summary") or {}).get("total_count")

            yield {
                "url": post.get("permalink_url") or f"https://www.facebook.com/{post.get('id')}",
                "title": "",
                "text": post.get("message") or "",
                "kind": "post",
                "published": parse_thai_date(post.get("created_time")),
                "likes": summary("reactions"),
                "comments": summary("comments"),
                "shares": (post.get("shares") or {}).get("count"),
                "extra": {"platform": "facebook"},
            }


class XSpider(TokenSpider):
    name: ClassVar[str] = "x"  # type: ignore[misc]
    token_env = "X_BEARER_TOKEN"

    def parse_start(self, response: Response) -> Iterator[Any]:
        self.note_start_ok(response)
        data = _json(self, response) or {}
        for tweet in data.get("data") or []:
            metrics = tweet.get("public_metrics") or {}
            yield {
                "url": f"https://x.com/i/web/status/{tweet.get('id')}",
                "title": "",
                "text": tweet.get("text") or "",
                "kind": "post",
                "published": parse_thai_date(tweet.get("created_at")),
                "likes": metrics.get("like_count"),
                "shares": metrics.get("retweet_count"),
                "comments": metrics.get("reply_count"),
                "extra": {"platform": "x"},
            }
