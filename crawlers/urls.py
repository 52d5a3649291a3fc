"""Canonical URLs: one address per article, whatever tracking parameters or AMP/mobile variant it has."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

TRACKING_PARAMS = re.compile(
    r"^(utm_[a-z_]+|fbclid|gclid|dclid|msclkid|igshid|mc_[a-z]+|ref|ref_src|ref_url|src|share|"
    r"at_medium|at_campaign|at_custom\d*|cmpid|ito|amp|outputtype|_ga|spm)$",
    re.IGNORECASE,
)
_AMP_SEGMENT = re.compile(r"/amp/?$|/amp(?=/)", re.IGNORECASE)
_MOBILE_HOST = re.compile(r"^(m|mobile|amp)\.", re.IGNORECASE)


@lru_cache(maxsize=8192)  # a pure function of the string, asked several times per page in a crawl
def canonical_url(url: str) -> str:
    """Lower-case scheme and host, no fragment, no tracking parameters, AMP and mobile variants folded."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    host = _MOBILE_HOST.sub("www.", host)
    port = parts.port
    netloc = host if port is None or (scheme, port) in (("http", 80), ("https", 443)) else f"{host}:{port}"
    path = _AMP_SEGMENT.sub("", parts.path) or "/"
    if path != "/" and path.endswith("/"):
        path = path.rstrip("/")
    query = urlencode(
        sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not TRACKING_PARAMS.match(k))
    )
    return urlunsplit((scheme, netloc, path, query, ""))
