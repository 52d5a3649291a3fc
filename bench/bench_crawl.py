"""Crawl throughput: our article spider (extract + validate + store) against a bare Scrapy spider that
only downloads, both over the same local mirror of Thai article pages on 127.0.0.1, in one run.

The mirror: 2,000 pages made from the committed Thai fixtures (real published text in each outlet's
page structure, tests/fixtures/*/page.html), each with its own address, headline and first line, listed
in one sitemap. The server runs in its own process; each spider runs in its own process (as crawls do),
with the same concurrency, no delay and robots.txt obeyed. Pages/s come from Scrapy's own elapsed
time (process start-up excluded); peak memory is each crawl process's maximum resident set.
The ratio is the median over rounds of (ours / bare) measured back to back in each round, so a
change of load between rounds does not pair a quiet bare run with a busy one of ours; which of the two
goes first alternates from round to round, so a load that rises or falls during a round favours neither
side; five rounds by default (one busy round of three moved the median by 0.1-0.3 on a shared
two-core machine). CPU ms/page (process CPU while the spider was open) is printed too, as it depends
far less on other load.

Our crawls run on Twisted's epoll reactor (crawlers/worker.py says why); the bare spider runs on Scrapy's
defaults, its asyncio reactor. A third crawl each round, bare Scrapy on the epoll reactor, shows how much
of the ratio the reactor alone gives: both ratios are printed.

    python -m bench.bench_crawl [--pages 2000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from bench.common import table
from crawlers.worker import REACTOR

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
CONCURRENCY = 16
ROUNDS = 5


def build_mirror(pages: int, base: str) -> dict[str, bytes]:
    templates = []
    for folder in sorted(FIXTURES.iterdir()):
        page, expected = folder / "page.html", folder / "expected.json"
        if not page.exists() or folder.name.startswith("real-"):
            continue
        meta = json.loads(expected.read_text(encoding="utf-8"))
        charset = "cp874" if meta["charset"] == "cp874" else "utf-8"
        templates.append((page.read_bytes().decode(charset), meta, charset))
    mirror: dict[str, bytes] = {}
    for i in range(pages):
        html, meta, charset = templates[i % len(templates)]
        path = f"/news/{i}.html"
        varied = html.replace(meta["title"], f"{meta['title']} ({i})").replace(
            meta["first_sentence"], f"{meta['first_sentence']} ({i})"
        )
        varied = re.sub(r'(rel="canonical" href=")[^"]*', rf"\g<1>{base}{path}", varied)
        varied = re.sub(r'(property="og:url" content=")[^"]*', rf"\g<1>{base}{path}", varied)
        mirror[path] = varied.encode(charset, "xmlcharrefreplace")
    urls = "".join(f"<url><loc>{base}{p}</loc></url>" for p in mirror)
    mirror["/sitemap.xml"] = (
        f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
    ).encode()
    mirror["/robots.txt"] = b"User-agent: *\nDisallow: /private/\n"
    return mirror


def serve(port_queue: Any, pages: int) -> None:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            body = mirror.get(self.path.split("?", 1)[0])
            status = 200 if body is not None else 404
            body = body if body is not None else b"not found"
            self.send_response(status)
            self.send_header("Content-Type", "text/html" if self.path.endswith(".html") else "application/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    base = f"http://127.0.0.1:{server.server_address[1]}"
    mirror = build_mirror(pages, base)
    port_queue.put(base)
    server.serve_forever()


BARE = r"""
import json, resource, sys, time
import scrapy
from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.spiders import SitemapSpider

class Bare(SitemapSpider):
    name = "bare"
    sitemap_urls = [sys.argv[1]]
    def parse(self, response):
        return None

stats = {}
process = CrawlerProcess({"LOG_LEVEL": "ERROR", "ROBOTSTXT_OBEY": True, "CONCURRENT_REQUESTS": %(c)d,
                          "CONCURRENT_REQUESTS_PER_DOMAIN": %(c)d, "DOWNLOAD_DELAY": 0,
                          "TELNETCONSOLE_ENABLED": False, "USER_AGENT": "bkkwatch-bench",
                          **({"TWISTED_REACTOR": sys.argv[2]} if len(sys.argv) > 2 else {})})
crawler = process.create_crawler(Bare)
cpu = {}
def opened(spider):
    cpu["opened"] = time.process_time()
def closed(spider, reason):
    cpu["closed"] = time.process_time()
crawler.signals.connect(opened, signal=signals.spider_opened)  # handlers are held weakly: named, not lambdas
crawler.signals.connect(closed, signal=signals.spider_closed)
process.crawl(crawler)
process.start()
s = crawler.stats.get_stats()
print(json.dumps({"pages": s.get("response_received_count", 0) - 2, "elapsed": s.get("elapsed_time_seconds"),
                  "cpu_seconds": cpu["closed"] - cpu["opened"],
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

OURS = r"""
import json, resource, sys
from crawlers import worker
worker.main(sys.argv[1:])
print(json.dumps({"rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run_bare(base: str, reactor: str | None = None) -> dict[str, Any]:
    """Scrapy's defaults (its asyncio reactor), or the given reactor (the one our crawls run on)."""
    out = subprocess.run(
        [sys.executable, "-c", BARE % {"c": CONCURRENCY}, f"{base}/sitemap.xml", *([reactor] if reactor else [])],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_ours(base: str, tmp: Path) -> dict[str, Any]:
    from storage.db import ensure_database, session_scope
    from storage.models import Source
    from storage.sources import start_run, upsert_source

    url = f"sqlite:///{tmp / 'bench.db'}"
    ensure_database(url)
    with session_scope(url) as session:
        source = upsert_source(
            session,
            "bench-mirror",
            "sitemap",
            f"{base}/sitemap.xml",
            politeness={
                "delay": 0,
                "autothrottle": False,
                "concurrency": CONCURRENCY,
                "concurrency_total": CONCURRENCY,
                "budget": 100_000,
                "robots": True,
            },
        )
        run_id = start_run(session, source).id
        source_id = source.id
    result = tmp / "result.json"
    env = {**os.environ, "BKKWATCH_ALLOW_PRIVATE_HOSTS": "1", "BKKWATCH_DATABASE_URL": url}
    out = subprocess.run(
        [sys.executable, "-c", OURS, "--database-url", url, "--job", f"{source_id}:{run_id}:{result}"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env=env,
    )
    data = json.loads(result.read_text(encoding="utf-8"))
    data["rss_mb"] = json.loads(out.stdout.strip().splitlines()[-1])["rss_mb"]
    with session_scope(url) as session:
        from sqlalchemy import func, select

        from storage.models import Document

        data["documents"] = session.scalar(select(func.count()).select_from(Document))
        assert session.get(Source, source_id) is not None
    return data


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench.bench_crawl")
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    args = parser.parse_args(argv if argv is not None else [])
    queue: Any = multiprocessing.get_context("fork").Queue()
    server = multiprocessing.get_context("fork").Process(target=serve, args=(queue, args.pages), daemon=True)
    server.start()
    load_before = os.getloadavg()[0]
    try:
        base = queue.get(timeout=60)
        time.sleep(0.2)
        bares, ourses, same = [], [], []

        def crawl_ours() -> None:
            with tempfile.TemporaryDirectory() as tmp:
                ourses.append(run_ours(base, Path(tmp)))

        crawls = [lambda: bares.append(run_bare(base)), crawl_ours, lambda: same.append(run_bare(base, REACTOR))]
        for round_ in range(args.rounds):  # back to back, each crawl first in turn: the load changes
            for i in range(len(crawls)):
                crawls[(round_ + i) % len(crawls)]()
    finally:
        server.terminate()
        server.join()
    bare = max(bares, key=lambda r: r["pages"] / r["elapsed"])
    bare_same = max(same, key=lambda r: r["pages"] / r["elapsed"])
    same_ratios = [
        ((o["stored"] + o.get("unchanged", 0)) / o["elapsed"]) / (b["pages"] / b["elapsed"])
        for b, o in zip(same, ourses, strict=True)
    ]
    ours = max(ourses, key=lambda r: (r["stored"] + r.get("unchanged", 0)) / r["elapsed"])
    ratios = [
        ((o["stored"] + o.get("unchanged", 0)) / o["elapsed"]) / (b["pages"] / b["elapsed"])
        for b, o in zip(bares, ourses, strict=True)
    ]
    ours_pages = ours["stored"] + ours.get("unchanged", 0)
    bare_rate = bare["pages"] / bare["elapsed"]
    ours_rate = ours_pages / ours["elapsed"]
    # CPU per page (process CPU while the spider was open, all threads): far less sensitive than wall
    # time to what else the machine is running; the lowest of the rounds for each crawler.
    bare_cpu = min(b["cpu_seconds"] / b["pages"] for b in bares) * 1000
    ours_cpu = min(o["cpu_seconds"] / (o["stored"] + o.get("unchanged", 0)) for o in ourses) * 1000
    print(f"local mirror: {args.pages} Thai article pages on 127.0.0.1, concurrency {CONCURRENCY}, robots.txt obeyed")
    print(
        table(
            [
                (
                    "bare Scrapy (download only)",
                    str(bare["pages"]),
                    f"{bare['elapsed']:.1f}",
                    f"{bare_rate:.0f}",
                    f"{bare_cpu:.2f}",
                    f"{bare['rss_mb']:.0f}",
                ),
                (
                    "bare Scrapy, epoll reactor",
                    str(bare_same["pages"]),
                    f"{bare_same['elapsed']:.1f}",
                    f"{bare_same['pages'] / bare_same['elapsed']:.0f}",
                    f"{min(b['cpu_seconds'] / b['pages'] for b in same) * 1000:.2f}",
                    f"{bare_same['rss_mb']:.0f}",
                ),
                (
                    "bkkwatch article spider (epoll)",
                    str(ours_pages),
                    f"{ours['elapsed']:.1f}",
                    f"{ours_rate:.0f}",
                    f"{ours_cpu:.2f}",
                    f"{ours['rss_mb']:.0f}",
                ),
            ],
            ("crawler", "pages", "seconds", "pages/s", "CPU ms/page", "peak RSS MB"),
        )
    )
    print(
        f"ratio ours / bare: {statistics.median(ratios):.2f}x (target >= 0.8x; median of {args.rounds} rounds,"
        f" each round the crawls back to back, each first in turn: {', '.join(f'{r:.2f}x' for r in ratios)};"
        f" best of each: "
        f"{ours_rate / bare_rate:.2f}x); documents stored: {ours['documents']}"
        f", rejected: {ours['rejected']}, errors: {ours['errors'] or 'none'}"
    )
    print(
        f"against bare Scrapy on our reactor (epoll): {statistics.median(same_ratios):.2f}x"
        f" ({', '.join(f'{r:.2f}x' for r in same_ratios)})"
    )
    print(
        f"CPU per page, bare / ours: {bare_cpu / ours_cpu:.2f}x; "
        f"load average (1 min) {load_before:.2f} before, {os.getloadavg()[0]:.2f} after, on {os.cpu_count()} CPUs"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
