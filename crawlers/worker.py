"""One source's Scrapy crawl in its own process (one Twisted reactor per process).

    python -m crawlers.worker --source-id N --run-id M --result-file PATH [--since ISO]

The parent (crawlers/run.py) starts it, waits, and reads the counts it wrote to PATH. Items are
stored one transaction each, so a killed worker keeps what it stored; the next run skips stored
pages (SkipStoredMiddleware) instead of fetching them again.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from crawlers.scrapy_support import crawl_settings
from crawlers.spiders import SPIDERS
from storage.db import session_scope
from storage.models import Source, SourceKind

DEFAULT_SPIDER = {SourceKind.RSS: "feed", SourceKind.SITEMAP: "article", SourceKind.SITE: "article"}
EXPECT = {SourceKind.RSS: "feed", SourceKind.SITEMAP: "sitemap", SourceKind.SITE: "any"}


def spider_name(kind: SourceKind, politeness: dict[str, Any]) -> str:
    name = politeness.get("spider") or DEFAULT_SPIDER.get(kind)
    if not name or name not in SPIDERS:
        raise ValueError(f"no spider {name!r} (known: {', '.join(SPIDERS)})")
    return str(name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="crawlers.worker")
    parser.add_argument("--source-id", type=int, required=True)
    parser.add_argument("--run-id", type=int, required=True)
    parser.add_argument("--result-file", required=True)
    parser.add_argument("--database-url")
    parser.add_argument("--since")
    parser.add_argument("--jobdir")
    args = parser.parse_args(argv)

    with session_scope(args.database_url) as session:
        source = session.get_one(Source, args.source_id)
        kind, name, politeness = source.kind, source.name, dict(source.politeness or {})
        start = [source.url, *[u for u in (source.urls or []) if u and u != source.url]]
        language = source.language
    spider = spider_name(kind, politeness)
    values = crawl_settings(politeness, args.jobdir)
    values.update(
        {
            "BKKWATCH_SOURCE_ID": args.source_id,
            "BKKWATCH_RUN_ID": args.run_id,
            "BKKWATCH_RESULT_FILE": args.result_file,
            "BKKWATCH_DATABASE_URL": args.database_url or "",
        }
    )
    from scrapy.crawler import CrawlerProcess

    process = CrawlerProcess(values)
    kwargs: dict[str, Any] = {
        "source_name": name,
        "start": start,
        "since": datetime.fromisoformat(args.since) if args.since else None,
        "follow": bool(politeness.get("follow", spider != "feed")),
        "options": {**politeness, "language": language},
    }
    if spider == "article":
        kwargs["expect"] = EXPECT.get(kind, "any")
    process.crawl(SPIDERS[spider], **kwargs)
    process.start()
    if not Path(args.result_file).exists():  # the spider never opened: say why in the result
        Path(args.result_file).write_text(json.dumps({"fatal": "internal: the spider did not run"}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
