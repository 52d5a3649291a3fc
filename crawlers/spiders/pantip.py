"""Pantip: room and tag pages to topics; each topic with its like count and its comments.

Topic pages carry the post (``.display-post-title``, ``.display-post-story``, ``.display-post-name``,
``abbr.timeago[data-utime]``, ``.like-score``); the comments come from the JSON that the page itself
loads (``/forum/topic/render_comments?tid=N``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import urljoin

from scrapy import Request
from scrapy.http import Response

from bkkwatch.timeutil import BANGKOK
from crawlers.extract import decode_html
from crawlers.spiders.article import declared_charset
from crawlers.spiders.base import BaseSpider
from crawlers.thaidate import parse_thai_date

_TOPIC = re.compile(r"/topic/(\d+)")
MAX_COMMENTS_KEPT = 100


def pantip_time(value: str | None) -> datetime | None:
    """Pantip's ``data-utime`` is month/day/year hours:minutes:seconds, Bangkok time."""
    if not value:
        return None
    try:
        return datetime.strptime(value.strip(), "%m/%d/%Y %H:%M:%S").replace(tzinfo=BANGKOK)
    except ValueError:
        return parse_thai_date(value)


def _int(text: str | None) -> int | None:
    digits = re.sub(r"[^\d]", "", text or "")
    return int(digits) if digits else None


class PantipSpider(BaseSpider):
    name: ClassVar[str] = "pantip"  # type: ignore[misc]

    def parse_start(self, response: Response) -> Iterator[Any]:
        self.note_start_ok(response)
        if _TOPIC.search(response.url):
            yield from self.parse_topic(response)
            return
        seen: set[str] = set()
        for href in response.xpath("//a/@href").getall():
            match = _TOPIC.search(href)
            if not match or match.group(1) in seen:
                continue
            seen.add(match.group(1))
            yield Request(
                urljoin(response.url, f"/topic/{match.group(1)}"),
                callback=self.parse_topic,
                errback=self.page_failed,
                meta={"article": True},
            )

    def parse_topic(self, response: Response) -> Iterator[Any]:
        match = _TOPIC.search(response.url)
        if not match:
            return
        tid = match.group(1)
        from scrapy.http import HtmlResponse

        html, _ = decode_html(response.body, declared_charset(response))
        page = HtmlResponse(response.url, body=html.encode("utf-8"), encoding="utf-8")
        title = (
            " ".join(page.css(".display-post-title ::text").getall()).strip()
            or (page.xpath('//meta[@property="og:title"]/@content').get() or "").strip()
        )
        story = "\n".join(t.strip() for t in page.css(".display-post-story ::text").getall() if t.strip())
        topic = {
            "url": f"https://pantip.com/topic/{tid}",
            "title": title,
            "text": story,
            "author": (page.css(".display-post-name::text").get() or "").strip() or None,
            "published": pantip_time(page.css("abbr.timeago::attr(data-utime)").get()),
            "kind": "post",
            "likes": _int(page.css(".like-score::text").get()),
            "extra": {
                "platform": "pantip",
                "topic_id": tid,
                "tags": [t.strip() for t in page.css(".display-post-tag-wrapper a::text").getall() if t.strip()],
                "emotions": _int(page.css(".emotion-score::text").get()),
            },
        }
        comments_url = urljoin(response.url, f"/forum/topic/render_comments?tid={tid}&param=&type=3")
        yield Request(
            comments_url,
            callback=self.parse_comments,
            errback=self.comments_failed,
            headers={"X-Requested-With": "XMLHttpRequest", "Referer": response.url},
            meta={"topic": topic},
            dont_filter=True,
        )

    def comments_failed(self, failure: Any) -> Iterator[Any]:
        self.page_failed(failure)
        topic = failure.request.meta["topic"]
        yield topic  # the topic without its comments is still worth keeping

    def parse_comments(self, response: Response) -> Iterator[Any]:
        topic = response.meta["topic"]
        try:
            data = json.loads(response.body)
        except ValueError:
            data = {}
        comments = data.get("comments") or []
        kept = []
        for comment in comments[:MAX_COMMENTS_KEPT]:
            user = comment.get("user") or {}
            kept.append(
                {
                    "no": comment.get("comment_no"),
                    "author": user.get("name"),
                    "text": re.sub(r"<[^>]+>", " ", comment.get("message") or "").strip(),
                    "likes": comment.get("point"),
                    "replies": comment.get("reply_count") or len(comment.get("replies") or []),
                    "time": pantip_time(comment.get("data_utime")).isoformat()  # type: ignore[union-attr]
                    if pantip_time(comment.get("data_utime"))
                    else None,
                }
            )
        topic["comments"] = int(data.get("count") or len(comments))
        topic["extra"]["comments"] = kept
        yield topic
