"""A local HTTP server for the crawler tests: the saved fixtures, and every fault a crawl must survive."""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ARTICLE_SITES = sorted(p.name for p in FIXTURES.iterdir() if (p / "page.html").exists())
HUGE = 50 * 1024 * 1024
PAGE_FAULTS = [
    f"fault/{name}"
    for name in (
        "timeout.html",
        "reset.html",
        "gone-404.html",
        "gone-410.html",
        "busy-429.html",
        "flaky-500.html",
        "loop.html",
        "wrong-encoding.html",
        "truncated.html",
        "huge.html",
        "huge-chunked.html",
    )
] + ["private/secret.html"]


# path -> (fixture file, where the credential goes, its name): as each platform's API expects it
TOKEN_APIS = {
    "/youtube/v3/search": ("youtube-search.json", "query", "key"),
    "/graph/v19.0/BKK.BMA/posts": ("facebook-posts.json", "query", "access_token"),
    "/x/2/tweets/search/recent": ("x-tweets.json", "header", "Authorization"),
}


def gnews_token(url: str) -> str:
    import base64

    raw = b"\x08\x13\x22" + bytes([len(url)]) + url.encode("ascii") + b"\xd2\x01\x00"
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


class FixtureServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.hits: Counter[str] = Counter()
        self.times: dict[str, list[float]] = {}
        self.delay: dict[str, float] = {}  # path -> seconds to wait before answering
        self.mirror: dict[str, bytes] = {}  # extra pages (the bench, the resume test)
        # /cond/: a sitemap and a feed that honour If-None-Match / If-Modified-Since (RFC 9110 s. 13)
        self.cond_pages = ["thairath", "khaosod"]
        self.cond_version = 1
        self.cond_requests: list[tuple[str, int, str | None, str | None]] = []  # path, status, INM, IMS
        self.tokens_seen: list[tuple[str, str]] = []  # token API path, the credential it was sent
        self.lock = threading.Lock()

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # the fault routes break connections on purpose

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    server: FixtureServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _text(self, path: Path) -> bytes:
        return path.read_bytes().replace(b"{{BASE}}", self.server.base.encode())

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        path, query = parts.path, parse_qs(parts.query)
        with self.server.lock:
            self.server.hits[path] += 1
            self.server.times.setdefault(path, []).append(time.monotonic())
            hits = self.server.hits[path]
        if path in self.server.delay:
            time.sleep(self.server.delay[path])
        base = self.server.base
        if path == "/robots.txt":
            return self._send(200, b"User-agent: *\nDisallow: /private/\n", "text/plain")
        if path in self.server.mirror:
            return self._send(200, self.server.mirror[path])
        # --- saved fixtures -------------------------------------------------------------------
        if path.startswith("/fx/") and path.endswith("/page.html"):
            site = path.split("/")[2]
            expected = json.loads((FIXTURES / site / "expected.json").read_text(encoding="utf-8"))
            content_type = "text/html" if expected["charset"] == "cp874" else "text/html; charset=utf-8"
            return self._send(200, (FIXTURES / site / "page.html").read_bytes(), content_type)
        if path == "/fx/sitemap.xml":
            urls = "".join(f"<url><loc>{base}/fx/{site}/page.html</loc></url>" for site in ARTICLE_SITES)
            body = (
                '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/'
                f'sitemap/0.9">{urls}</urlset>'
            ).encode()
            return self._send(200, body, "application/xml")
        if path.startswith("/fx/feed-") and path.endswith("/feed.xml"):
            return self._send(
                200,
                (FIXTURES / path.split("/")[2] / "feed.xml").read_bytes(),
                "application/rss+xml; charset=utf-8",
            )
        if path == "/forum/siam":
            return self._send(200, (FIXTURES / "pantip" / "room.html").read_bytes())
        if path.startswith("/topic/"):
            topic = FIXTURES / "pantip" / f"topic-{path.rsplit('/', 1)[1]}.html"
            return self._send(200, topic.read_bytes()) if topic.exists() else self._send(404, b"no topic")
        if path == "/forum/topic/render_comments":
            tid = query.get("tid", [""])[0]
            if self.headers.get("X-Requested-With") != "XMLHttpRequest":
                return self._send(403, b"ajax only")
            return self._send(200, (FIXTURES / "pantip" / f"comments-{tid}.json").read_bytes(), "application/json")
        if path == "/traffy/search":
            offset = int(query.get("offset", ["0"])[0])
            body = (FIXTURES / "traffy" / "search.json").read_bytes() if offset == 0 else b'{"total":5,"results":[]}'
            return self._send(200, body, "application/json")
        if path == "/reddit/r/Bangkok/new.json":
            return self._send(200, (FIXTURES / "reddit" / "new.json").read_bytes(), "application/json")
        if path == "/gnews/rss":
            token = gnews_token(f"{base}/fx/thairath/page.html")
            body = (FIXTURES / "gnews" / "rss.xml").read_bytes().replace(b"{{TOKEN}}", token.encode())
            return self._send(200, body, "application/xml; charset=utf-8")
        # --- token APIs: real answers (tests/fixtures/token-apis), only with the token -------------
        if path in TOKEN_APIS:
            fixture, where, name = TOKEN_APIS[path]
            if where == "query":
                token = query.get(name, [""])[0]
            else:
                token = (self.headers.get("Authorization") or "").removeprefix("Bearer ").strip()
            with self.server.lock:
                self.server.tokens_seen.append((path, token))
            if not token:  # as the platforms answer a request without credentials
                return self._send(401, b'{"error": {"code": 401, "message": "no credentials"}}', "application/json")
            return self._send(200, (FIXTURES / "token-apis" / fixture).read_bytes(), "application/json")
        if path in ("/cond/sitemap.xml", "/cond/feed.xml"):
            return self.conditional(path)
        # --- faults ----------------------------------------------------------------------------
        if path == "/fault/sitemap.xml":
            urls = "".join(f"<url><loc>{base}/{name}</loc></url>" for name in PAGE_FAULTS)
            body = (
                '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/'
                f'sitemap/0.9">{urls}</urlset>'
            ).encode()
            return self._send(200, body, "application/xml")
        if path.startswith("/fault/"):
            return self.fault(path[len("/fault/") :], hits)
        if path.startswith("/private/"):
            return self._send(200, b"<html><body>should never be fetched</body></html>")
        return self._send(404, b"<html><body>not found</body></html>")

    def conditional(self, path: str) -> None:
        """A document whose version the test sets: ETag "v<N>", Last-Modified one day per version;
        304 when If-None-Match names the current ETag or (without If-None-Match) If-Modified-Since
        is not older than Last-Modified."""
        from email.utils import format_datetime, parsedate_to_datetime

        version, base = self.server.cond_version, self.server.base
        etag = f'"v{version}"'
        modified = datetime(2026, 11, 1, 3, 0, tzinfo=UTC) + timedelta(days=version)
        validators = {"ETag": etag, "Last-Modified": format_datetime(modified, usegmt=True)}
        inm, ims = self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
        fresh = False
        if inm is not None:
            fresh = etag in [tag.strip() for tag in inm.split(",")] or inm.strip() == "*"
        elif ims is not None:
            try:
                fresh = parsedate_to_datetime(ims) >= modified
            except (TypeError, ValueError):
                fresh = False
        with self.server.lock:
            self.server.cond_requests.append((path, 304 if fresh else 200, inm, ims))
        if fresh:
            self.send_response(304)
            for key, value in validators.items():
                self.send_header(key, value)
            self.end_headers()
            return None
        pages = [f"{base}/fx/{site}/page.html" for site in self.server.cond_pages]
        if path.endswith("sitemap.xml"):
            urls = "".join(f"<url><loc>{url}</loc></url>" for url in pages)
            body = (
                '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/'
                f'sitemap/0.9">{urls}</urlset>'
            )
            return self._send(200, body.encode(), "application/xml", validators)
        entries = "".join(
            f"<item><title>ข่าว {i}</title><link>{url}</link>"
            f"<pubDate>{format_datetime(modified - timedelta(hours=i), usegmt=True)}</pubDate>"
            f"<description>ข่าวกรุงเทพมหานคร ลำดับที่ {i} รุ่น {version}</description></item>"
            for i, url in enumerate(pages, 1)
        )
        body = (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>cond</title>'
            f"{entries}</channel></rss>"
        )
        return self._send(200, body.encode(), "application/rss+xml; charset=utf-8", validators)

    def fault(self, name: str, hits: int) -> None:
        page = (FIXTURES / "dailynews" / "page.html").read_bytes()
        if name == "timeout.html":
            time.sleep(7)
            return self._send(200, page)
        if name == "reset.html":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
            return None
        if name == "gone-404.html":
            return self._send(404, b"<html>not here</html>")
        if name == "gone-410.html":
            return self._send(410, b"<html>gone</html>")
        if name == "busy-429.html":
            if hits == 1:
                return self._send(429, b"slow down", "text/plain", {"Retry-After": "2"})
            return self._send(
                200,
                page.replace(b"576864", b"576865").replace("ทะเลกรุงเทพฯ".encode(), "ทะเลกรุงเทพฯ (429)".encode()),
            )
        if name == "flaky-500.html":
            if hits == 1:
                return self._send(500, b"oops")
            return self._send(200, (FIXTURES / "matichon" / "page.html").read_bytes())
        if name == "loop.html":
            return self._send(302, b"", headers={"Location": "/fault/loop2.html"})
        if name == "loop2.html":
            return self._send(302, b"", headers={"Location": "/fault/loop.html"})
        if name == "wrong-encoding.html":  # says UTF-8, is windows-874
            return self._send(200, (FIXTURES / "ch3" / "page.html").read_bytes(), "text/html; charset=utf-8")
        if name == "truncated.html":
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page) + 5000))
            self.end_headers()
            self.wfile.write(page[:800])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return None
        if name == "huge.html":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(HUGE))
            self.end_headers()
            chunk = b"<p>" + b"x" * 65536 + b"</p>"
            try:
                sent = 0
                while sent < HUGE:
                    self.wfile.write(chunk)
                    sent += len(chunk)
            except OSError:
                pass
            self.close_connection = True
            return None
        if name == "huge-chunked.html":  # no Content-Length: refused once the limit is passed
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b"<p>" + b"y" * 65536 + b"</p>"
            try:
                for _ in range(HUGE // len(chunk)):
                    self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                self.wfile.write(b"0\r\n\r\n")
            except OSError:
                pass
            self.close_connection = True
            return None
        if name == "html-feed.xml":
            return self._send(200, page)
        if name == "to-private":  # a public-looking redirect to a refused place
            return self._send(302, b"", headers={"Location": "/private/secret.html"})
        return self._send(404, b"no such fault")


@contextmanager
def serve() -> Iterator[FixtureServer]:
    server = FixtureServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


# Politeness for a local server: no delay, short timeouts, a small size limit, quick backoff.
FAST = {
    "delay": 0,
    "autothrottle": False,
    "concurrency": 8,
    "timeout": 10,
    "retries": 1,
    "max_bytes": 2_000_000,
    "retry_after_cap": 5,
    "budget": 200,
}


def add_source(url: str, name: str, kind: str, start: str, **politeness: Any) -> int:
    from storage.db import session_scope
    from storage.sources import upsert_source

    with session_scope(url) as session:
        return upsert_source(session, name, kind, start, title=name, politeness={**FAST, **politeness}, enabled=True).id


def run(url: str, *names: str) -> dict[str, Any]:
    from bkkwatch.settings import get_settings
    from crawlers.run import crawl
    from storage.db import session_factory

    return {s.source: s for s in crawl(session_factory(url), list(names), get_settings())}
