"""Rendered queue rows, kept while they stay the same.

At 10:30 many people open the same top of the same queue, and a decision changes one row (its
state and ``lock_version``), not the page. Rendering 50 rows through Jinja is most of the cost of a
queue page, so each row's HTML is kept in a small per-process LRU keyed by a digest of everything
it shows (the row's values, the language and what the person may do). A changed row has another
key and is rendered afresh; nothing is ever invalidated by hand, so nothing can go stale.

The only per-person value inside a row, the session's CSRF token, is rendered as
:data:`CSRF_SLOT` and filled in once per page: ``<`` never survives autoescaping, so no scraped
text can produce the slot.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

from jinja2 import Template
from markupsafe import Markup

CSRF_SLOT = Markup("<csrf-slot>")


class RowCache:
    """Rendered ``_candidate.html`` rows by content digest, least recently used dropped first."""

    def __init__(self, template: Template, size: int = 4096) -> None:
        self.template, self.size = template, size
        self._rows: OrderedDict[bytes, Markup] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def render(
        self,
        views: Iterable[dict[str, Any]],
        *,
        lang: str,
        can: dict[str, bool],
        t: Callable[[str], str],
    ) -> list[Markup]:
        rendered = []
        for view in views:
            key = hashlib.blake2b(repr((lang, sorted(can.items()), view)).encode(), digest_size=16).digest()
            with self._lock:
                html = self._rows.get(key)
                if html is not None:
                    self._rows.move_to_end(key)
                    self.hits += 1
            if html is None:
                html = Markup(self.template.render(c=view, t=t, csrf=CSRF_SLOT, can=can, message=None, oob=False))
                with self._lock:
                    self.misses += 1
                    self._rows[key] = html
                    while len(self._rows) > self.size:
                        self._rows.popitem(last=False)
            rendered.append(html)
        return rendered


def fill_csrf(html: str, token: str) -> str:
    return html.replace(CSRF_SLOT, token) if CSRF_SLOT in html else html
