"""Pages and API on SQLite and PostgreSQL: filters, the 24-hour clock, clarifications to the public feed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from review_data import Seeded, agency_id, candidates

from casework import decisions
from storage.db import session_scope
from storage.models import Issue


def _titles(browser: Any, query: str) -> list[str]:
    rows = browser.get(f"/api/queue?{query}").json()["rows"]
    return [r["title"] for r in rows]


def test_queue_filters_by_level_agency_district_and_source_kind(seeded: Seeded, login: Any) -> None:
    mon = login("mon")
    day = f"day={seeded.day.isoformat()}"
    everything = _titles(mon, day)
    assert len(everything) == 5
    assert all("รามคำแหง" in t for t in _titles(mon, f"{day}&agency=สำนักงานเขตบางกะปิ"))
    assert len(_titles(mon, f"{day}&agency=สำนักงานเขตบางกะปิ")) == 1
    assert [t for t in _titles(mon, f"{day}&district=จตุจักร")] == [t for t in everything if "จตุจักร" in t]
    assert [t for t in _titles(mon, f"{day}&kind=post")] == [t for t in everything if "รามคำแหง" in t]
    high = _titles(mon, f"{day}&level=2")
    assert 0 < len(high) < len(everything)
    page = mon.get(f"/queue?{day}&district=จตุจักร")
    assert page.status_code == 200 and page.text.count('class="cand ') == 1
    assert mon.get(f"/api/queue?{day}&agency=100%25").json()["total"] == 0  # LIKE wildcards are literal


def test_action_forms_load_on_demand_and_keep_the_version_seen(seeded: Seeded, login: Any) -> None:
    mon, wg = login("mon"), login("wg")
    with session_scope(seeded.url) as session:
        row = candidates(session, seeded.day)[0]
    assert mon.get(f"/candidates/{row.id}/form/confirm").status_code == 403  # monitors do not confirm
    fragment = wg.get(f"/candidates/{row.id}/form/confirm?v=7", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert 'name="lock_version" value="7"' in fragment.text and 'hx-post="/candidates/' in fragment.text
    page = wg.get(f"/candidates/{row.id}/form/dismiss")  # without JavaScript: a whole page, plain form
    assert page.status_code == 200 and "<html" in page.text and "hx-post" not in page.text
    assert wg.form(f"/candidates/{row.id}/dismiss", {"lock_version": 7, "reason": "x"}).status_code == 409


def test_english_labels_on_request(seeded: Seeded, login: Any) -> None:
    mon = login("mon")
    assert "คิวพิจารณา 10:30" in mon.get("/queue").text
    english = mon.get("/queue?lang=en").text
    assert "10:30 queue" in english and 'lang="en"' in english
    assert "10:30 queue" in mon.get("/issues").text  # the choice stays for the session


def test_the_24_hour_clock_and_clarification_to_the_public_feed(seeded: Seeded, login: Any) -> None:
    with session_scope(seeded.url) as session:
        row = candidates(session, seeded.day)[0]
        bangkapi = agency_id(session, "สำนักงานเขตบางกะปิ")
        issue = decisions.confirm(session, decisions.Actor(seeded.users["wg"], "wg"), row.id, None, [bangkapi])
        issue.confirmed_at = issue.confirmed_at - timedelta(hours=30)
        issue.due_at = datetime.now(UTC) - timedelta(hours=6)
        issue_id = issue.id
    wg, pr, agency, anonymous = login("wg"), login("pr"), login("bangkapi"), login()
    overdue = wg.get("/issues?show=overdue").text
    assert f'id="i-{issue_id}"' in overdue and "เกินกำหนด" in overdue
    assert wg.get("/api/issues").json()[0]["clock"] == "overdue"

    answer = "ลอกท่อแล้ว ติดต่อ ผอ.เขต โทร 081-234-5678 เลขบัตร 1-1020-30405-06-7"
    assert agency.form(f"/issues/{issue_id}/answer", {"agency_id": bangkapi, "text": answer}).status_code == 303
    assert wg.get("/api/issues").json()[0]["clock"] == "answered"
    assert wg.api(f"/api/issues/{issue_id}/clarifications", {"title": "x", "body": "y"}).status_code == 403  # type: ignore[attr-defined]
    made = pr.api(f"/api/issues/{issue_id}/clarifications", {"title": "กทม.ชี้แจง น้ำท่วมรามคำแหง", "body": answer})
    draft_id = made.json()["clarification_id"]  # type: ignore[attr-defined]
    assert "กทม.ชี้แจง น้ำท่วมรามคำแหง" not in anonymous.get("/feed/clarifications.xml").text  # a draft is private
    assert pr.form(f"/clarifications/{draft_id}/publish", {}).status_code == 303
    feed = anonymous.get("/feed/clarifications.xml")
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("application/rss+xml")
    assert "กทม.ชี้แจง น้ำท่วมรามคำแหง" in feed.text
    assert "081-234-5678" not in feed.text and "30405" not in feed.text and "xxx-xxx-xx78" in feed.text
    with session_scope(seeded.url) as session:
        assert session.get(Issue, issue_id).state.value == "clarified"  # type: ignore[union-attr]


def test_sources_page_shows_health_and_recent_runs(seeded: Seeded, login: Any) -> None:
    from storage.models import Source
    from storage.sources import finish_run, start_run

    with session_scope(seeded.url) as session:
        source = session.query(Source).filter_by(name="test-news").one()
        good = start_run(session, source, "flow-run-abc")
        good.items_seen, good.items_stored = 12, 5
        finish_run(good, source)
        bad = start_run(session, source)
        finish_run(bad, source, "http", "HTTP 503 <b>from</b> the site")
        from storage import flowruns

        flowruns.record(
            session,
            "crawl-sources",
            "failed",
            datetime.now(UTC) - timedelta(hours=1),
            datetime.now(UTC),
            "database away",
            None,
        )
    page = login("mon").get("/sources")
    assert page.status_code == 200
    assert "crawl-sources" in page.text and "flow crawl-sources failed: database away" in page.text
    assert "test-news" in page.text and "12 / 5" in page.text and "flow flow-run-abc" in page.text
    assert "HTTP 503 &lt;b&gt;from&lt;/b&gt; the site" in page.text and 'class="bad"' in page.text
    assert login("bangkapi").get("/sources").status_code == 403
