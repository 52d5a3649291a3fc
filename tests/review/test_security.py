"""Security of the web app: write routes found by walking the app, roles, agency scope, CSRF, XSS, login."""

from __future__ import annotations

import re
from typing import Any

import pytest
from review_data import XSS, Browser, Seeded, agency_id, candidates
from sqlalchemy import select

from review.app import SAFE_METHODS
from storage.db import session_scope
from storage.models import Candidate, Issue

PUBLIC_GET = {"/login", "/healthz", "/feed/clarifications.xml"}


def walk_routes(app: Any) -> list[tuple[str, str, set[str]]]:
    """(method, path, required role groups) of every route the app serves, included routers too."""
    found: list[tuple[str, str, set[str]]] = []

    def needs_of(dependant: Any) -> set[str]:
        names: set[str] = set()
        stack = [dependant]
        while stack:
            dep = stack.pop()
            call = getattr(dep, "call", None)
            if call is not None and getattr(call, "__name__", "").startswith("needs_"):
                names.add(call.__name__.removeprefix("needs_"))
            stack.extend(getattr(dep, "dependencies", []))
        return names

    def visit(route: Any) -> None:
        if hasattr(route, "effective_route_contexts"):
            for ctx in route.effective_route_contexts():
                visit(ctx)
            return
        methods = getattr(route, "methods", None)
        if not methods or not hasattr(route, "path"):
            return
        for method in methods:
            found.append((method, route.path, needs_of(getattr(route, "dependant", None))))

    for route in app.routes:
        visit(route)
    return found


def _fill(path: str, ids: dict[str, int]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(ids.get(m.group(1), 1)), path)


@pytest.fixture
def ids(seeded: Seeded) -> dict[str, int]:
    with session_scope(seeded.url) as session:
        rows = candidates(session, seeded.day)
        return {"candidate_id": rows[0].id, "story_id": rows[0].story_id, "issue_id": 1}


def test_the_walk_finds_the_write_routes(app: Any) -> None:
    writes = {(m, p) for m, p, _ in walk_routes(app) if m not in SAFE_METHODS}
    assert ("POST", "/candidates/{candidate_id}/confirm") in writes
    assert ("POST", "/api/candidates/{candidate_id}/confirm") in writes
    assert ("POST", "/api/issues/{issue_id}/answers") in writes
    assert len(writes) >= 15


def test_every_write_route_refuses_anonymous_users(app: Any, login: Any, ids: dict[str, int]) -> None:
    anonymous = login()  # has a session and a CSRF token, but no user
    for method, path, _ in walk_routes(app):
        if method in SAFE_METHODS:
            continue
        url = _fill(path, ids)
        without_token = anonymous.client.request(method, url, data={"x": "1"})
        assert without_token.status_code in (401, 403), (method, path, without_token.status_code)
        with_token = anonymous.client.request(
            method,
            url,
            data={"csrf_token": anonymous.csrf, "username": "wg", "password": "wrong-password"},
            headers={"X-CSRF-Token": anonymous.csrf},
        )
        assert with_token.status_code in (401, 403), (
            method,
            path,
            with_token.status_code,
            with_token.text[:200],
        )


def test_every_page_but_login_feed_and_static_needs_a_login(app: Any, login: Any, ids: dict[str, int]) -> None:
    anonymous = login()
    for method, path, _ in walk_routes(app):
        if method != "GET" or path in PUBLIC_GET:
            continue
        response = anonymous.get(_fill(path, ids))
        assert response.status_code in (303, 401, 403), (path, response.status_code)
        if response.status_code == 303:
            assert response.headers["location"].startswith("/login")
    assert anonymous.get("/static/style.css").status_code == 200


ROLE_USERS = {
    "read": ["bangkapi"],
    "triage": ["pr", "bangkapi"],
    "confirm": ["mon", "pr", "bangkapi"],
    "clarify": ["mon", "wg", "bangkapi"],
    "answer": ["mon", "wg", "pr"],
}


def test_every_role_guarded_route_refuses_the_wrong_roles(app: Any, login: Any, ids: dict[str, int]) -> None:
    browsers = {name: login(name) for name in {"mon", "wg", "pr", "bangkapi"}}
    checked = 0
    for method, path, needs in walk_routes(app):
        if not needs:
            continue
        for need in needs:
            for name in ROLE_USERS[need]:
                b = browsers[name]
                response = b.client.request(
                    method, _fill(path, ids), data={"csrf_token": b.csrf}, headers={"X-CSRF-Token": b.csrf}
                )
                assert response.status_code == 403, (name, method, path, response.status_code)
                checked += 1
    assert checked > 40


def _confirm_for(seeded: Seeded, agency: str) -> int:
    from casework import decisions

    with session_scope(seeded.url) as session:
        row = candidates(session, seeded.day)[0]
        issue = decisions.confirm(
            session, decisions.Actor(seeded.users["wg"], "wg"), row.id, None, [agency_id(session, agency)]
        )
        return issue.id


def test_agency_users_see_and_answer_only_their_own(seeded: Seeded, login: Any) -> None:
    issue_id = _confirm_for(seeded, "สำนักงานเขตบางกะปิ")
    with session_scope(seeded.url) as session:
        bangkapi, chatuchak = agency_id(session, "สำนักงานเขตบางกะปิ"), agency_id(session, "สำนักงานเขตจตุจักร")
    own, other = login("bangkapi"), login("chatuchak")
    assert f"i-{issue_id}" in own.get("/agency").text
    assert f"i-{issue_id}" not in other.get("/agency").text
    assert [i["id"] for i in own.get("/api/issues").json()] == [issue_id]
    assert other.get("/api/issues").json() == []
    for agency in (bangkapi, chatuchak):
        refused = other.api(f"/api/issues/{issue_id}/answers", {"agency_id": agency, "text": "ตอบแทน"})
        assert refused.status_code == 403  # type: ignore[attr-defined]
        refused = other.form(f"/issues/{issue_id}/answer", {"agency_id": agency, "text": "ตอบแทน"})
        assert refused.status_code == 403
    ok = own.form(f"/issues/{issue_id}/answer", {"agency_id": bangkapi, "text": "ลอกท่อแล้ว"})
    assert ok.status_code == 303
    with session_scope(seeded.url) as session:
        assert session.get(Issue, issue_id).answered_at is not None  # type: ignore[union-attr]


def test_csrf_less_and_cross_origin_posts_are_refused(seeded: Seeded, login: Any) -> None:
    wg = login("wg")
    with session_scope(seeded.url) as session:
        row = candidates(session, seeded.day)[0]
    no_token = wg.post(f"/candidates/{row.id}/dismiss", data={"reason": "x"})
    wrong = wg.post(f"/candidates/{row.id}/dismiss", data={"reason": "x", "csrf_token": "forged"})
    api = wg.post(f"/api/candidates/{row.id}/dismiss", json={"reason": "x"})
    foreign = wg.post(
        f"/api/candidates/{row.id}/dismiss",
        json={"reason": "x"},
        headers={"X-CSRF-Token": wg.csrf, "Origin": "https://evil.example"},
    )
    assert [r.status_code for r in (no_token, wrong, api, foreign)] == [403, 403, 403, 403]
    with session_scope(seeded.url) as session:
        assert session.get(Candidate, row.id).state.value == "proposed"  # type: ignore[union-attr]
    assert wg.api(f"/api/candidates/{row.id}/dismiss", {"reason": "x"}).status_code == 200  # type: ignore[attr-defined]


def test_scraped_markup_is_shown_as_text(seeded: Seeded, login: Any) -> None:
    wg = login("wg")
    with session_scope(seeded.url) as session:
        story_id = session.scalar(
            select(Candidate.story_id)
            .join(Candidate.story)
            .where(Candidate.review_day == seeded.day)
            .order_by(Candidate.rank)
            .limit(1)
        )
        from storage.models import Document

        vendor = session.scalar(select(Document).where(Document.text.contains("<script>")))
        assert vendor is not None and vendor.story_id
        story_id = vendor.story_id
    page = wg.get(f"/stories/{story_id}")
    assert page.status_code == 200
    assert "<script>window.__pwned" not in page.text and 'onerror="window' not in page.text
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in page.text
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert XSS not in wg.get(f"/queue?day={seeded.day.isoformat()}").text


def test_links_from_scraped_data_keep_only_http_schemes() -> None:
    from review.app import safe_url

    assert safe_url("javascript:alert(1)") == "#"
    assert safe_url(" data:text/html,x") == "#"
    assert safe_url("https://www.thairath.co.th/news/1") == "https://www.thairath.co.th/news/1"


def test_login_is_rate_limited(app: Any, login: Any) -> None:
    b = login()

    for _ in range(5):
        r = b.post("/login", data={"username": "wg", "password": "wrong-password", "csrf_token": b.csrf})
        assert r.status_code == 401
    blocked = b.post("/login", data={"username": "wg", "password": "correct-horse-battery", "csrf_token": b.csrf})
    assert blocked.status_code == 429
    other_name = b.post("/login", data={"username": "mon", "password": "correct-horse-battery", "csrf_token": b.csrf})
    assert other_name.status_code == 429  # the address is blocked, whatever name it tries next


def test_login_rotates_the_session_and_csrf_token(app: Any) -> None:
    anonymous = Browser(app)
    cookie, token = anonymous.client.cookies.get("bkkwatch_session"), anonymous.csrf
    data = {"username": "wg", "password": "correct-horse-battery", "csrf_token": token}
    assert anonymous.client.post("/login", data=data).status_code == 303
    assert anonymous.client.cookies.get("bkkwatch_session") != cookie
    assert anonymous.client.get("/api/me").json()["csrf_token"] != token
    anonymous.client.close()


def test_a_new_password_or_deactivation_ends_open_sessions(seeded: Seeded, login: Any) -> None:
    from review.auth import reset_password
    from storage.models import User

    wg, mon = login("wg"), login("mon")
    assert wg.get("/api/me").status_code == 200 and mon.get("/api/me").status_code == 200
    with session_scope(seeded.url) as session:
        reset_password(session, "wg", "a-brand-new-password")
        session.scalar(select(User).where(User.username == "mon")).active = False  # type: ignore[union-attr]
    assert wg.get("/api/me").status_code == 401
    assert mon.get("/api/me").status_code == 401


def test_session_cookie_flags(seeded: Seeded) -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from review.app import create_app

    secure = create_app(seeded.url, secret_key="k")  # the default: Secure cookies
    with TestClient(secure, base_url="https://testserver") as client:
        header = client.get("/login").headers["set-cookie"].lower()
    assert "httponly" in header and "samesite=lax" in header and "secure" in header
