"""Scrapy's per-response "generator callback returns a value" warning is off in our crawls (it parsed the
callback's source on every response); the same check runs here once, over every spider's methods."""

from __future__ import annotations

import inspect
from collections.abc import Generator
from typing import Any

from scrapy.utils.misc import is_generator_with_return_value

from crawlers.scrapy_support import crawl_settings
from crawlers.spiders import SPIDERS


def generator_methods(cls: type) -> list[tuple[str, Any]]:
    return [(name, fn) for name, fn in inspect.getmembers(cls, inspect.isgeneratorfunction)]


def test_no_spider_callback_returns_a_value_from_a_generator() -> None:
    checked = 0
    for spider in SPIDERS.values():
        for name, fn in generator_methods(spider):
            assert not is_generator_with_return_value(fn), f"{spider.__name__}.{name} returns a value"
            checked += 1
    assert checked >= 10  # parse_start, parse_sitemap, parse_article, ... of every spider were seen


def test_the_check_finds_a_returned_value() -> None:
    class Bad:
        def parse(self, response: Any) -> Generator[Any, None, Any]:
            yield {"url": response}
            return {"lost": True}  # the mistake the check is for

    assert [name for name, fn in generator_methods(Bad) if is_generator_with_return_value(fn)] == ["parse"]


def test_crawl_settings_turn_the_per_response_check_off() -> None:
    assert crawl_settings({})["WARN_ON_GENERATOR_RETURN_VALUE"] is False
