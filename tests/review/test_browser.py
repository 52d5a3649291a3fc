"""The web app in a real headless Chromium (Debian's /usr/bin/chromium driven by Playwright).

Goes through the morning: log in, the queue, confirm one story with two agencies, dismiss one,
merge two; then an agency user sees only its own issue and answers it. Screenshots of the main
pages go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from review_data import PASSWORD, make_users, seed_pipeline
from sqlalchemy import select

from storage.db import session_scope
from storage.models import Candidate, CandidateState, Issue, IssueAgency, Story, StoryState

CHROMIUM = os.environ.get("BKKWATCH_CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM} (.ci/run installs it)"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """The app under uvicorn on 127.0.0.1 over a SQLite file seeded through the real stages."""
    import uvicorn

    from review.app import create_app
    from storage.db import dispose_engines, ensure_database

    url = f"sqlite:///{tmp_path / 'browser.db'}"
    ensure_database(url)
    with session_scope(url) as session:
        seed_pipeline(session)
        make_users(session)
    port = _free_port()
    app = create_app(url, secret_key="browser-test", secure_cookies=False)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", url
    finally:
        uv.should_exit = True
        thread.join(10)
        dispose_engines()


@pytest.fixture
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-dev-shm-usage",
            ],
        )
        try:
            yield chromium
        finally:
            chromium.close()


def _shot(page: Any, name: str, full: bool = True) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full)


def _login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_load_state("networkidle")


def _row(page: Any, text: str) -> Any:
    return page.locator("li.cand", has_text=text)


def test_the_morning_review_in_a_real_browser(server: tuple[str, str], browser: Any) -> None:
    base, url = server
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="th-TH")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda dialog: (errors.append(f"dialog: {dialog.message}"), dialog.dismiss()))

    page.goto(f"{base}/queue")
    assert page.url.startswith(f"{base}/login")
    _shot(page, "login")
    _login(page, base, "wg")
    page.goto(f"{base}/queue")
    assert page.locator("li.cand").count() == 5
    _shot(page, "queue")

    # Keyboard: j focuses the first row, c opens its confirm form.
    page.keyboard.press("j")
    page.keyboard.press("c")
    assert page.locator("li.cand").first.locator("details.confirm").get_attribute("open") is not None

    # Confirm the flooding story with both suggested agencies.
    flood = _row(page, "รามคำแหง")
    if flood.locator("details.confirm").get_attribute("open") is None:  # "c" above may have opened it
        flood.locator("details.confirm summary").click()
    flood.locator("details.confirm fieldset").wait_for()  # the form arrives when the details open
    flood.scroll_into_view_if_needed()
    _shot(page, "queue-confirm", full=False)
    for label in flood.locator("details.confirm fieldset label").all():
        box = label.locator("input")
        if any(name in label.inner_text() for name in ("สำนักการระบายน้ำ", "สำนักงานเขตบางกะปิ")):
            box.check()
        else:
            box.uncheck()
    flood.locator("details.confirm button[type=submit]").click()
    page.wait_for_selector("li.cand.state-confirmed")
    assert "ยืนยันแล้ว" in _row(page, "รามคำแหง").inner_text()

    # Dismiss the garbage story with a reason.
    garbage = _row(page, "ขยะล้นถัง")
    garbage.locator("details.dismiss summary").click()
    garbage.locator("details.dismiss input[name=reason]").fill("ข่าวซ้ำกับเมื่อวาน")
    garbage.locator("details.dismiss button[type=submit]").click()
    page.wait_for_selector("li.cand.state-dismissed")

    # Merge the traffic-light story into the vendor story (by its rank on the page).
    lights_rank = _row(page, "ไฟจราจร").locator(".rank").inner_text().lstrip("#")
    vendors = _row(page, "หาบเร่")
    vendors.locator("details.merge summary").click()
    vendors.locator("details.merge input[name=other_rank]").fill(lights_rank)
    vendors.locator("details.merge button[type=submit]").click()
    page.wait_for_selector("li.cand.state-merged")
    assert "รวมเรื่อง" in _row(page, "หาบเร่").inner_text()

    # A second reviewer with the old page open gets a clear message, not an overwrite.
    stale = context.new_page()
    stale.goto(f"{base}/queue")
    footpath = _row(stale, "ทางเท้าชำรุด")
    page.reload()
    page_footpath = _row(page, "ทางเท้าชำรุด")
    page_footpath.locator("details.dismiss summary").click()
    page_footpath.locator("details.dismiss input[name=reason]").fill("ไม่ใช่ภารกิจ กทม.")
    page_footpath.locator("details.dismiss button[type=submit]").click()
    page.wait_for_selector("li.cand.state-dismissed >> text=ทางเท้าชำรุด")
    footpath.locator("details.dismiss summary").click()
    footpath.locator("details.dismiss input[name=reason]").fill("ซ้ำ")
    footpath.locator("details.dismiss button[type=submit]").click()
    stale.wait_for_selector(".flash.error")
    assert "มีผู้ตัดสินแล้ว" in stale.locator(".flash.error").inner_text()
    stale.close()

    # The vendor story: scraped <script> and onerror stay text; the decision history is there.
    page.goto(f"{base}/queue")
    _row(page, "หาบเร่").locator("h2 a").click()
    page.wait_for_load_state("networkidle")
    for summary in page.locator("details summary", has_text="ข้อความ").all():
        summary.click()
    shown = page.locator(".text", has_text="__pwned").inner_text()
    assert "<script>window.__pwned = 1</script>" in shown and 'onerror="window.__pwned = 2"' in shown
    assert page.evaluate("window.__pwned") is None
    assert "merge" in page.locator("section.history").inner_text()
    _shot(page, "story")
    page.goto(f"{base}/issues")
    _shot(page, "issues")
    page.goto(f"{base}/sources")
    _shot(page, "sources")

    with session_scope(url) as session:
        issue = session.scalar(select(Issue))
        assert issue is not None
        assert len(list(session.scalars(select(IssueAgency).where(IssueAgency.issue_id == issue.id)))) == 2
        states = {c.story.title[:8]: c.state for c in session.scalars(select(Candidate))}
        assert CandidateState.MERGED in states.values() and CandidateState.DISMISSED in states.values()
        assert session.scalar(select(Story).where(Story.state == StoryState.MERGED)).pinned_by_person  # type: ignore[union-attr]
        issue_id = issue.id

    # The agency user sees only its own agency's issue, and answers it.
    page.click("header form button")  # log out
    page.wait_for_load_state("networkidle")
    _login(page, base, "chatuchak")
    page.goto(f"{base}/agency")
    assert page.locator(f"#i-{issue_id}").count() == 0
    assert page.goto(f"{base}/queue").status == 403
    page.goto(f"{base}/agency")
    page.click("header form button")
    _login(page, base, "bangkapi")
    page.goto(f"{base}/agency")
    mine = page.locator(f"#i-{issue_id}")
    assert mine.count() == 1
    assert "สำนักการระบายน้ำ" not in mine.locator("select[name=agency_id]").inner_text()  # only its own agency
    mine.locator("textarea[name=text]").fill("สำนักงานเขตบางกะปิส่งเจ้าหน้าที่ลอกท่อระบายน้ำแล้ว")
    mine.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert "ลอกท่อระบายน้ำแล้ว" in page.locator(f"#i-{issue_id}").inner_text()
    _shot(page, "agency")

    # A phone-sized screen.
    phone = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
    mobile = phone.new_page()
    _login(mobile, base, "wg")
    mobile.goto(f"{base}/queue")
    width = mobile.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"the queue scrolls sideways on a phone ({width}px)"
    _shot(mobile, "queue-phone", full=False)
    phone.close()
    context.close()
    assert not errors, errors


def test_more_rows_arrive_with_htmx_and_the_keyboard(
    server: tuple[str, str], browser: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import review.pages

    monkeypatch.setattr(review.pages, "PAGE_SIZE", 2)  # 5 candidates: pages of 2, 2 and 1
    base, _ = server
    page = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _login(page, base, "wg")
    page.goto(f"{base}/queue")
    assert page.locator("li.cand").count() == 2 and "2 / 5" in page.locator("li.more").inner_text()
    ranks = [page.locator("li.cand .rank").nth(i).inner_text() for i in range(2)]

    for _ in range(3):  # j to the last row, then once more: the next page is appended
        page.keyboard.press("j")
    page.locator("li.cand").nth(3).wait_for()  # (the CSP forbids wait_for_function's eval)
    assert page.locator("li.cand").count() == 4
    assert page.url.endswith("/queue")  # appended in place, no navigation
    page.locator("li.more a").click()
    page.locator("li.cand").nth(4).wait_for()
    page.locator("li.more").wait_for(state="detached")  # nothing left to load
    assert page.locator("li.cand").count() == 5
    shown = [page.locator("li.cand .rank").nth(i).inner_text() for i in range(5)]
    assert shown[:2] == ranks and shown == sorted(shown, key=lambda r: int(r.lstrip("#")))

    last = page.locator("li.cand").last  # an appended row works like the others: its form loads on demand
    last.locator("details.dismiss summary").click()
    last.locator("details.dismiss input[name=reason]").wait_for()
    assert errors == []
