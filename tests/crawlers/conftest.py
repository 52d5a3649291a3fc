"""Crawler test helpers: the fixture server, a migrated SQLite database shared by a module, sources."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fixture_server import FixtureServer, serve

from storage import db as storage_db


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
