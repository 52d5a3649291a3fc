"""Crawler test helpers: the fixture server, a migrated SQLite database shared by a module, sources."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fixture_server import FixtureServer, serve

from storage import db as storage_db

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


@pytest.fixture(scope="module")
def server() -> Iterator[FixtureServer]:
    with serve() as running:
        yield running


@pytest.fixture(scope="module")
def module_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated SQLite database for one test module (crawls there run once, tests read the results)."""
    path = tmp_path_factory.mktemp("crawl") / "bkkwatch.db"
    url = f"sqlite:///{path}"
    storage_db.ensure_database(url)
    yield url
    engine = storage_db._ENGINES.pop(url, None)
    if engine is not None:
        engine.dispose()


def add_source(url: str, name: str, kind: str, start: str, **politeness: Any) -> int:
    from storage.db import session_scope
    from storage.sources import upsert_source

    with session_scope(url) as session:
        return upsert_source(
            session, name, kind, start, title=name, politeness={**FAST, **politeness}, enabled=True
        ).id


def run(url: str, *names: str) -> dict[str, Any]:
    from bkkwatch.settings import get_settings
    from crawlers.run import crawl
    from storage.db import session_factory

    return {s.source: s for s in crawl(session_factory(url), list(names), get_settings())}
