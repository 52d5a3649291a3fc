"""The feed reader against the bundled real feeds, served over HTTP from 127.0.0.1."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from bkkwatch.demo import samples_dir, serve_samples
from bkkwatch.settings import Settings
from crawlers.feeds import FetchError, check_peer, fetch, parse_feed
from crawlers.items import Item

SETTINGS = Settings(allow_private_hosts=True, fetch_timeout=5, max_response_bytes=2_000_000)


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    with serve_samples() as url:
        yield url


def test_real_feed_entries_become_items(base: str) -> None:
    fetched = fetch(f"{base}/feeds/dailynews-bangkok.xml", settings=SETTINGS)
    parsed = parse_feed(fetched.content, fetched.url, fetched.headers)
    assert parsed.warning is None and not parsed.rejected
    assert len(parsed.items) == 27
    first = parsed.items[0]
    assert first.url.startswith("https://www.dailynews.co.th/")
    assert first.title and len(first.text) > 200
    assert first.published is not None and first.published.tzinfo is not None
    assert "กทม" in " ".join(i.title + i.text for i in parsed.items)


def test_conditional_get_gives_not_modified(base: str) -> None:
    first = fetch(f"{base}/feeds/thairath.xml", settings=SETTINGS)
    again = fetch(f"{base}/feeds/thairath.xml", last_modified=first.headers["last-modified"], settings=SETTINGS)
    assert again.not_modified and again.status == 304


def test_broken_feed_keeps_what_parsed_and_says_why() -> None:
    body = (samples_dir() / "feeds" / "broken.xml").read_bytes()
    parsed = parse_feed(body, "broken.xml")
    assert parsed.warning and "SAXParseException" in parsed.warning
    assert 1 <= len(parsed.items) < 15


def test_html_page_instead_of_feed() -> None:
    with pytest.raises(FetchError, match="HTML page") as info:
        parse_feed("<!DOCTYPE html><html><body><p>ไม่ใช่ฟีด</p></body></html>".encode(), "http://x/feed")
    assert info.value.kind == "not_a_feed"


def test_missing_feed_is_an_http_error(base: str) -> None:
    with pytest.raises(FetchError) as info:
        fetch(f"{base}/feeds/no-such-feed.xml", settings=SETTINGS)
    assert info.value.kind == "http" and info.value.status == 404


def test_oversized_response_is_refused(base: str) -> None:
    small = Settings(allow_private_hosts=True, max_response_bytes=10_000)
    with pytest.raises(FetchError) as info:
        fetch(f"{base}/feeds/thairath.xml", settings=small)
    assert info.value.kind == "too_large"


def test_response_from_a_local_address_is_refused_before_its_body_is_read(base: str) -> None:
    # What a DNS-rebinding name would give: check_url saw a public address, the connection went to a local
    # one. fetch() runs check_peer on every response when private hosts are not allowed; a real response
    # from 127.0.0.1 stands in for the rebound connection.
    import httpx

    with httpx.Client() as client, client.stream("GET", f"{base}/feeds/thairath.xml") as response:
        with pytest.raises(FetchError) as info:
            check_peer(response, "http://news.example/feed")
        assert info.value.kind == "refused" and "127.0.0.1" in str(info.value)
        assert not response.is_stream_consumed  # refused before the body was read


class _Redirector(http.server.BaseHTTPRequestHandler):
    target = "file:///etc/passwd"

    def do_GET(self) -> None:
        self.send_response(302)
        self.send_header("Location", self.target if self.path == "/out" else "/loop")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def redirector() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Redirector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_redirect_loop_is_reported(redirector: str) -> None:
    with pytest.raises(FetchError) as info:
        fetch(f"{redirector}/loop", settings=SETTINGS)
    assert info.value.kind == "redirect_loop"


def test_every_redirect_hop_is_checked(redirector: str) -> None:
    # The first hop (127.0.0.1, allowed in tests) redirects to a file:// address: refused on the hop.
    with pytest.raises(FetchError) as info:
        fetch(f"{redirector}/out", settings=SETTINGS)
    assert info.value.kind == "refused" and "file" in str(info.value)


def test_item_schema_rejects_bad_items() -> None:
    with pytest.raises(ValueError, match="http"):
        Item(url="javascript:alert(1)", title="x")
    with pytest.raises(ValueError, match="neither title nor text"):
        Item(url="https://example.com/a", title="  ", text="")
    with pytest.raises(ValueError, match="time zone"):
        Item(url="https://example.com/a", title="x", published=datetime(2026, 1, 1))
    # A Buddhist Era year written into a Gregorian field is folded back.
    item = Item(url="https://example.com/a", title="x", published=datetime(2569, 11, 24, tzinfo=UTC))
    assert item.published is not None and item.published.year == 2026
