"""Refuse addresses a crawl must never fetch: other schemes, loopback, private and link-local hosts.

Scraped text is untrusted: a feed could point us at the machine's own services. Only
``BKKWATCH_ALLOW_PRIVATE_HOSTS=1`` (the demo and the tests, for 127.0.0.1) lifts the rule.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit


class UnsafeURLError(ValueError):
    """The URL may not be fetched."""


def _is_public(address: str) -> bool:
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
        if not _is_public(address):
            raise UnsafeURLError(
                f"host {host!r} resolves to a private or local address ({address}); "
                "set BKKWATCH_ALLOW_PRIVATE_HOSTS=1 only for local testing"
            )
