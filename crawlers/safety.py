"""Refuse addresses a crawl must never fetch: other schemes, loopback, private and link-local hosts.

Scraped text is untrusted: a feed could point us at the machine's own services. Only
``BKKWATCH_ALLOW_PRIVATE_HOSTS=1`` (the demo and the tests, for 127.0.0.1) lifts the rule.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Sequence
from typing import Any, Self
from urllib.parse import urlsplit

from scrapy.resolver import CachingThreadedResolver
from twisted.internet.defer import Deferred
from twisted.internet.error import DNSLookupError


class UnsafeURLError(ValueError):
    """The URL may not be fetched."""


def is_public_address(address: str) -> bool:
    """A global unicast address (not loopback, private, link-local, reserved or multicast)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_url(url: str, allow_private: bool = False) -> None:
    """Raise UnsafeURLError when ``url`` is not http(s) or resolves to a non-public address."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise UnsafeURLError(f"scheme {parts.scheme or '(none)'!r} is not allowed (http and https only)")
    host = parts.hostname
    if not host:
        raise UnsafeURLError("no host in the URL")
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(
            host, parts.port or (443 if parts.scheme == "https" else 80), proto=socket.IPPROTO_TCP
        )
    except socket.gaierror as exc:
        raise UnsafeURLError(f"cannot resolve host {host!r} ({exc.strerror})") from exc
    for info in infos:
        address = str(info[4][0])
        if not is_public_address(address):
            raise UnsafeURLError(
                f"host {host!r} resolves to a private or local address ({address}); "
                "set BKKWATCH_ALLOW_PRIVATE_HOSTS=1 only for local testing"
            )


class PublicOnlyResolver(CachingThreadedResolver):
    """Scrapy's DNS resolver, refusing at connection time a name that resolves to a non-public address.

    ``check_url`` looks a host up before its first request; the connection itself resolves the name
    again (or takes Scrapy's DNS cache), and a hostile name server can answer a public address the first
    time and 127.0.0.1 or 169.254.169.254 the next (DNS rebinding). Every address a crawl connects to
    passes through here (``TWISTED_DNS_RESOLVER`` in crawlers/worker.py), so that second answer is refused too.
    """

    allow_private = False

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> Self:
        resolver = super().from_crawler(crawler, reactor)
        resolver.allow_private = crawler.settings.getbool("BKKWATCH_ALLOW_PRIVATE")
        return resolver

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> Deferred[str]:
        deferred = super().getHostByName(name, timeout)
        if not self.allow_private:
            deferred.addCallback(_refuse_private, name)
        return deferred


def _refuse_private(address: str, name: str) -> str:
    if not is_public_address(address):
        raise DNSLookupError(f"{name} resolves to a private or local address ({address}): refused")
    return address
