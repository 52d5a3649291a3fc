"""Fixtures of the web app tests: a database seeded through the real stages, logged-in clients."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from review_data import Browser, Seeded, make_users, seed_pipeline

from review.app import create_app
from storage.db import session_scope


@pytest.fixture
def seeded(db_url: str) -> Seeded:
    with session_scope(db_url) as session:
        day = seed_pipeline(session)
        users = make_users(session)
    return Seeded(db_url, day, users)


@pytest.fixture
def app(seeded: Seeded):  # type: ignore[no-untyped-def]
    return create_app(seeded.url, secret_key="test-secret", secure_cookies=False)


@pytest.fixture
def login(app) -> Iterator:  # type: ignore[no-untyped-def,type-arg]
    made: list[Browser] = []

    def _login(username: str | None = None) -> Browser:
        browser = Browser(app, username)
        made.append(browser)
        return browser

    yield _login
    for browser in made:
        browser.client.close()
