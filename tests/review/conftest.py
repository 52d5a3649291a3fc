"""Fixtures of the web app tests: a database seeded through the real stages, logged-in clients."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from review.app import create_app
from storage.db import session_scope
from tests.review.seed import PASSWORD, make_users, seed_pipeline

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Seeded:
    url: str
    day: date
    users: dict[str, int]


@pytest.fixture
def seeded(db_url: str) -> Seeded:
    with session_scope(db_url) as session:
        day = seed_pipeline(session)
        users = make_users(session)
    return Seeded(db_url, day, users)


@pytest.fixture
def app(seeded: Seeded):  # type: ignore[no-untyped-def]
    return create_app(seeded.url, secret_key="test-secret", secure_cookies=False)


class Browser:
    """A TestClient with its CSRF token, logged in (or not)."""

    def __init__(self, app, username: str | None = None) -> None:  # type: ignore[no-untyped-def]
        self.client = TestClient(app, follow_redirects=False)
        page = self.client.get("/login")
        self.csrf = _CSRF.search(page.text).group(1)  # type: ignore[union-attr]
        if username:
            response = self.client.post(
                "/login",
                data={"username": username, "password": PASSWORD, "csrf_token": self.csrf, "next": "/"},
            )
            assert response.status_code == 303, response.text
            self.csrf = self.client.get("/api/me").json()["csrf_token"]

    def post(self, path: str, **kwargs):  # type: ignore[no-untyped-def]
        return self.client.post(path, **kwargs)

    def api(self, path: str, body: dict) -> object:  # type: ignore[type-arg]
        return self.client.post(path, json=body, headers={"X-CSRF-Token": self.csrf})

    def form(self, path: str, data: dict, htmx: bool = False):  # type: ignore[no-untyped-def,type-arg]
        headers = {"HX-Request": "true"} if htmx else {}
        return self.client.post(path, data={**data, "csrf_token": self.csrf}, headers=headers)

    def get(self, path: str, **kwargs):  # type: ignore[no-untyped-def]
        return self.client.get(path, **kwargs)


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
