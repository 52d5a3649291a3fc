"""Scrapy spiders, one per source kind or site that needs its own handling."""

from __future__ import annotations

from crawlers.spiders.api import FacebookSpider, RedditSpider, TraffySpider, XSpider, YouTubeSpider
from crawlers.spiders.article import ArticleSpider, FeedSpider
from crawlers.spiders.base import BaseSpider
from crawlers.spiders.gnews import GoogleNewsSpider
from crawlers.spiders.pantip import PantipSpider

SPIDERS: dict[str, type[BaseSpider]] = {
    "article": ArticleSpider,
    "feed": FeedSpider,
    "gnews": GoogleNewsSpider,
    "pantip": PantipSpider,
    "traffy": TraffySpider,
    "reddit": RedditSpider,
    "youtube": YouTubeSpider,
    "facebook": FacebookSpider,
    "x": XSpider,
}

# Spiders whose platform needs a token, and the environment variable that holds it.
TOKEN_ENV = {"youtube": "YOUTUBE_API_KEY", "facebook": "FACEBOOK_GRAPH_TOKEN", "x": "X_BEARER_TOKEN"}
