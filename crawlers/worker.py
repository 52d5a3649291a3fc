"""Scrapy crawls in their own process (one Twisted reactor per process).

    python -m crawlers.worker --job SOURCE_ID:RUN_ID:RESULT_FILE [--job ...] [--since ISO]

The parent (crawlers/run.py) starts one worker for the sources of a crawl; their spiders run side by
side in the worker's reactor, each with its own settings (politeness, budget). Each writes its counts
to its RESULT_FILE when it closes. Items are stored one transaction each, so a killed worker keeps
what it stored; the next run skips stored pages (SkipStoredMiddleware) instead of fetching them again.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
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


# Twisted's own epoll reactor, not Scrapy's default asyncio one: nothing in our spiders needs asyncio, and on
# asyncio Scrapy (2.19) hands each response's output to a queue and worker tasks, so the reactor sat idle
# between responses: measured on bench/bench_crawl.py's 2,000-page mirror, idle machine, 2 cores, a crawl
# without extraction or storage took 6.2 s on asyncio and 3.0-3.5 s on epoll (bare Scrapy on asyncio: 4.4 s).
REACTOR = (
    "twisted.internet.epollreactor.EPollReactor"
    if sys.platform.startswith("linux")
    else "twisted.internet.selectreactor.SelectReactor"
)


def spider_name(kind: SourceKind, politeness: dict[str, Any]) -> str:
    name = politeness.get("spider") or DEFAULT_SPIDER.get(kind)
    if not name or name not in SPIDERS:
        raise ValueError(f"no spider {name!r} (known: {', '.join(SPIDERS)})")
    return str(name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="crawlers.worker")
    parser.add_argument("--job", action="append", required=True, help="SOURCE_ID:RUN_ID:RESULT_FILE")
    parser.add_argument("--database-url")
    parser.add_argument("--since")
    parser.add_argument("--redis", help="share each source's frontier with other workers through this Redis")
    args = parser.parse_args(argv)
    since = datetime.fromisoformat(args.since) if args.since else None

    # Loaded now, with the rest of the process, rather than by the first page that needs it mid-crawl.
    import trafilatura
    import trafilatura.metadata  # noqa: F401
    from scrapy.crawler import CrawlerProcess

    import storage.documents  # noqa: F401

    base = crawl_settings({})
    process = CrawlerProcess(
        {
            **{k: base[k] for k in ("LOG_LEVEL", "TELNETCONSOLE_ENABLED", "BOT_NAME", "BKKWATCH_ALLOW_PRIVATE")},
            "TWISTED_REACTOR": REACTOR,
            # every address a connection goes to is checked again (DNS rebinding): crawlers/safety.py
            "TWISTED_DNS_RESOLVER": "crawlers.safety.PublicOnlyResolver",
        }
    )
    # Scrapy filters by level at its handler only, so every "Crawled (200)" and "Scraped from" debug
    # line was still made into a LogRecord, then dropped. The level on Scrapy's own loggers drops them
    # before that; what reaches the handler (and the log_count/* stats, counted at the same level) is
    # unchanged.
    logging.getLogger("scrapy").setLevel(base["LOG_LEVEL"])
    results: list[Path] = []
    for job in args.job:
        source_id, run_id, result_file = job.split(":", 2)
        results.append(Path(result_file))
        try:
            with session_scope(args.database_url) as session:
                source = session.get_one(Source, int(source_id))
                kind, name, politeness = source.kind, source.name, dict(source.politeness or {})
                start = [source.url, *[u for u in (source.urls or []) if u and u != source.url]]
                language = source.language
                # The source keeps one ETag / Last-Modified pair: its main URL's (as the feed path does).
                validators = {
                    source.url: {k: v for k, v in (("etag", source.etag), ("last_modified", source.last_modified)) if v}
                }
            spider = spider_name(kind, politeness)
        except Exception as exc:  # a bad source record must not stop the others
            Path(result_file).write_text(json.dumps({"fatal": f"internal: {exc.__class__.__name__}: {exc}"}))
            continue
        values = crawl_settings(politeness)
        values.update(
            {
                "BKKWATCH_SOURCE_ID": int(source_id),
                "BKKWATCH_RUN_ID": int(run_id),
                "BKKWATCH_RESULT_FILE": result_file,
                "BKKWATCH_DATABASE_URL": args.database_url or "",
            }
        )
        if args.redis:
            values["BKKWATCH_FRONTIER"] = f"{args.redis}|bkkwatch:frontier:{name}:{run_id}"
        kwargs: dict[str, Any] = {
            "source_name": name,
            "start": start,
            "since": since,
            "follow": bool(politeness.get("follow", spider != "feed")),
            "options": {**politeness, "language": language},
            "validators": validators,
        }
        if spider == "article":
            kwargs["expect"] = EXPECT.get(kind, "any")
        # Each spider carries its own settings (politeness, budget, which run it reports to).
        spider_cls = type(f"{SPIDERS[spider].__name__}_{source_id}", (SPIDERS[spider],), {"custom_settings": values})
        process.crawl(spider_cls, **kwargs)
    # Everything loaded so far (Scrapy, trafilatura, SQLAlchemy, pydantic: ~170,000 objects) lives as
    # long as the process: moved out of the collector's reach, a full collection during the crawl
    # scans only what the crawl itself made (it cost ~0.1 s each, several per 2,000 pages).
    gc.collect()
    gc.freeze()
    process.start()
    for path in results:
        if not path.exists():  # the spider never opened: say so in its result
            path.write_text(json.dumps({"fatal": "internal: the spider did not run"}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
