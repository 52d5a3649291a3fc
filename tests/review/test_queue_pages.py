"""The queue in pages ("more" rows through HTMX) and its kept rows never showing stale data (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from review_data import Seeded, agency_id, candidates

from storage.db import session_scope
from storage.models import Story

ROW = re.compile(r'<li class="cand [^"]*" id="c-(\d+)"')
MORE = re.compile(r'<li class="more"><a href="([^"]+)" hx-get="([^"]+)"')


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> int:
    import review.pages

    monkeypatch.setattr(review.pages, "PAGE_SIZE", 2)
    return 2


def test_the_queue_comes_in_pages_and_more_rows_append_in_rank_order(
    seeded: Seeded, login: Any, small_pages: int
) -> None:
    mon = login("mon")
    day = seeded.day.isoformat()
    with session_scope(seeded.url) as session:
        ranked = [c.id for c in candidates(session, seeded.day)]
    assert len(ranked) == 5

    page = mon.get(f"/queue?day={day}").text
    assert [int(i) for i in ROW.findall(page)] == ranked[:2]
    link, more = MORE.search(page).groups()  # type: ignore[union-attr]
    assert link == f"/queue?day={day}&amp;page=2"  # without JavaScript: the next page
    assert more == f"/queue/rows?day={day}&amp;page=2"
    assert "2 / 5" in page

    seen = ROW.findall(page)
    while more:
        fragment = mon.get(more.replace("&amp;", "&"), headers={"HX-Request": "true"})
        assert fragment.status_code == 200 and "<html" not in fragment.text
        seen += ROW.findall(fragment.text)
        found = MORE.search(fragment.text)
        more = found.group(2) if found else ""
    assert [int(i) for i in seen] == ranked  # every candidate once, in rank order
    assert 'name="csrf_token" value="' + mon.csrf + '"' in fragment.text  # the session's token in the rows
    assert mon.get(f"/queue/rows?day={day}&page=9").text.strip() == ""  # past the end: nothing, no "more"
    assert mon.get(f"/queue/rows?day={day}&page=0").status_code == 422


def test_more_rows_keep_the_filters(seeded: Seeded, login: Any, small_pages: int) -> None:
    mon = login("mon")
    day = seeded.day.isoformat()
    everything = mon.get(f"/api/queue?day={day}").json()["rows"]
    open_high = [r["id"] for r in everything if r["level"] >= 1]
    page = mon.get(f"/queue?day={day}&level=1&show=open").text
    assert [int(i) for i in ROW.findall(page)] == open_high[:2]
    if len(open_high) > 2:
        more = MORE.search(page).group(2)  # type: ignore[union-attr]
        assert "level=1" in more and "show=open" in more
        rest = mon.get(more.replace("&amp;", "&")).text
        assert [int(i) for i in ROW.findall(rest)] == open_high[2:4]


def test_kept_rows_show_decisions_story_changes_roles_and_language(seeded: Seeded, login: Any) -> None:
    wg, mon = login("wg"), login("mon")
    day = seeded.day.isoformat()
    with session_scope(seeded.url) as session:
        first, second = candidates(session, seeded.day)[:2]
        bangkapi = agency_id(session, "สำนักงานเขตบางกะปิ")
    before = wg.get(f"/queue?day={day}").text  # every row rendered and kept
    assert f'hx-get="/candidates/{first.id}/form/confirm' in before

    done = wg.api(f"/api/candidates/{first.id}/confirm", {"lock_version": first.lock_version, "agency_ids": [bangkapi]})
    assert done.status_code == 200  # type: ignore[attr-defined]
    after = wg.get(f"/queue?day={day}").text
    row = after[after.index(f'id="c-{first.id}"') :].split("</li>", 1)[0]
    assert "state-confirmed" in after and "ยืนยันเป็นประเด็นแล้ว" in row
    assert f"/candidates/{first.id}/form/confirm" not in after  # no action on a decided row

    with session_scope(seeded.url) as session:  # re-clustering renames the story
        story = session.get(Story, second.story_id)
        assert story is not None
        story.title = "หัวข้อใหม่หลังรวมข่าว"
    assert "หัวข้อใหม่หลังรวมข่าว" in wg.get(f"/queue?day={day}").text

    monitor_page = mon.get(f"/queue?day={day}").text  # the same rows, kept for the working group
    assert "/form/confirm" not in monitor_page and "/form/dismiss" in monitor_page  # monitors do not confirm
    english = wg.get(f"/queue?day={day}&lang=en").text
    assert "Confirm as issue" in english and "ยืนยันเป็นประเด็น<" not in english
