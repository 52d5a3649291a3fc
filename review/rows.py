"""Rendered queue rows, kept while they stay the same.

At 10:30 many people open the same top of the same queue, and a decision changes one row, not the
page. So each row's HTML is kept in a small per-process LRU keyed by the row's version (candidate
id, rank, ``lock_version`` and ``updated_at``, its story's ``updated_at``; see
``storage.review.queue_versions``) and by what else it shows (language, what the person may do,
the agency registry). A page reads those narrow version rows, and the full rows (JSON columns,
links) only for rows not held; a changed row has another key and is rendered afresh. Nothing is
invalidated by hand, so nothing can go stale.

The only per-person value inside a row, the session's CSRF token, is rendered as
:data:`CSRF_SLOT` and filled in once per page: ``<`` never survives autoescaping, so no scraped
text can produce the slot.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from jinja2 import Template
from markupsafe import Markup

CSRF_SLOT = Markup("<csrf-slot>")


class RowCache:
    """Rendered ``_candidate.html`` rows by key, least recently used dropped first."""

    def __init__(self, template: Template, size: int = 4096) -> None:
        self.template, self.size = template, size
        self._rows: OrderedDict[Hashable, Markup] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: Hashable) -> Markup | None:
        with self._lock:
            html = self._rows.get(key)
            if html is None:
                self.misses += 1
            else:
                self._rows.move_to_end(key)
                self.hits += 1
            return html

    def render(self, key: Hashable, view: dict[str, Any], *, can: dict[str, bool], t: Callable[[str], str]) -> Markup:
        """The row of ``view`` (every value it shows), kept under ``key``."""
        html = Markup(self.template.render(c=view, t=t, csrf=CSRF_SLOT, can=can, message=None, oob=False))
        with self._lock:
            self._rows[key] = html
            while len(self._rows) > self.size:
                self._rows.popitem(last=False)
        return html


def fill_csrf(html: str, token: str) -> str:
    return html.replace(CSRF_SLOT, token) if CSRF_SLOT in html else html
