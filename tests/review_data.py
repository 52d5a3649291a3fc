"""Data and helpers of the review tests; the data go through the real stages (store, score, group, queue)."""

from __future__ import annotations

import functools
import re
import warnings
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.orm import Session

from bkkwatch.timeutil import next_review_day
from casework.queue import build_queue
from classify.pipeline import process_new_documents
from crawlers.items import Item
from review.auth import add_user
from storage.documents import store_item
from storage.models import Agency, Candidate
from storage.sources import upsert_source

with warnings.catch_warnings():  # starlette's TestClient warns about httpx on import
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

PASSWORD = "correct-horse-battery"
XSS = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'

STORIES = [
    (
        "น้ำท่วมขังถนนรามคำแหง เขตบางกะปิ รถติดยาว ชาวบ้านร้องเรียนท่อระบายน้ำอุดตัน",
        "ฝนตกหนักทำให้น้ำท่วมขังถนนรามคำแหง เขตบางกะปิ สูง 30 ซม. ท่อระบายน้ำอุดตัน ประชาชนร้องเรียน กทม. ให้สำนักการระบายน้ำเร่งสูบน้ำ",
        2,
    ),
    (
        "ขยะล้นถังริมถนนพหลโยธิน เขตจตุจักร ไม่มีรถเก็บขยะมาหลายวัน",
        "ชาวบ้านร้องเรียนขยะล้นถังส่งกลิ่นเหม็น ริมถนนพหลโยธิน เขตจตุจักร กรุงเทพมหานคร ไม่มีรถเก็บขยะมาสามวัน",
        1,
    ),
    (
        "ทางเท้าชำรุดหน้าโรงเรียน เขตดินแดง เด็กนักเรียนสะดุดล้มบาดเจ็บ",
        "ทางเท้าแตกเป็นหลุมหน้าโรงเรียนสังกัด กทม. เขตดินแดง นักเรียนสะดุดล้มบาดเจ็บ ผู้ปกครองร้องเรียนสำนักงานเขต",
        1,
    ),
    (
        "หาบเร่แผงลอยรุกล้ำทางเท้า ถนนสีลม เขตบางรัก คนเดินต้องลงถนน",
        "แผงลอยตั้งขายบนทางเท้าถนนสีลม เขตบางรัก ประชาชนร้องเรียนเทศกิจไม่จัดระเบียบ " + XSS,
        1,
    ),
    (
        "ไฟจราจรแยกอโศกดับ รถติดหนัก ตำรวจต้องโบกรถ เขตวัฒนา",
        "สัญญาณไฟจราจรแยกอโศกดับตั้งแต่เช้า รถติดยาวหลายกิโลเมตร เขตวัฒนา กรุงเทพมหานคร สำนักการจราจรและขนส่ง",
        1,
    ),
]


def seed_pipeline(session: Session, now: datetime | None = None) -> date:
    """Store the documents (two outlets for the first story), score, group, queue; returns the review day."""
    now = now or datetime.now(UTC)
    source = upsert_source(session, "test-news", "rss", "https://news.example.test/rss", title="ข่าวทดสอบ")
    other = upsert_source(session, "test-social", "rss", "https://social.example.test/rss", title="โซเชียลทดสอบ")
    for i, (title, text, copies) in enumerate(STORIES):
        for copy in range(copies):
            src = source if copy == 0 else other
            item = Item(
                url=f"https://{'news' if copy == 0 else 'social'}.example.test/{i}-{copy}",
                title=title,
                text=text,
                published=now - timedelta(hours=3 + i, minutes=copy),
                kind="article" if copy == 0 else "post",
                likes=10 * (i + 1),
                shares=i,
            )
            store_item(session, item, src.id)
    session.flush()
    process_new_documents(session)
    day = next_review_day(now)
    build_queue(session, day, now=now)
    session.flush()
    return day


@functools.cache
def password_hash() -> str:
    """A real argon2 hash of PASSWORD with small parameters, so that test logins take milliseconds."""
    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)


def make_users(session: Session) -> dict[str, int]:
    """One user per role; the agency user speaks for เขตบางกะปิ only, the other one for เขตจตุจักร."""
    users = {
        "monitor": add_user(session, "mon", PASSWORD, password_hash=password_hash(), roles=["monitor"]),
        "wg": add_user(session, "wg", PASSWORD, password_hash=password_hash(), roles=["working_group"]),
        "wg2": add_user(session, "wg2", PASSWORD, password_hash=password_hash(), roles=["working_group"]),
        "pr": add_user(session, "pr", PASSWORD, password_hash=password_hash(), roles=["pr_editor"]),
        "admin": add_user(session, "admin", PASSWORD, password_hash=password_hash(), roles=["admin"]),
        "bangkapi": add_user(
            session,
            "bangkapi",
            PASSWORD,
            password_hash=password_hash(),
            roles=["agency"],
            agencies=["สำนักงานเขตบางกะปิ"],
        ),
        "chatuchak": add_user(
            session,
            "chatuchak",
            PASSWORD,
            password_hash=password_hash(),
            roles=["agency"],
            agencies=["สำนักงานเขตจตุจักร"],
        ),
    }
    session.flush()
    return {k: u.id for k, u in users.items()}


def agency_id(session: Session, name: str) -> int:
    found = session.scalar(select(Agency.id).where(Agency.name_th == name))
    assert found is not None, name
    return found


def candidates(session: Session, day: date) -> list[Candidate]:
    return list(session.scalars(select(Candidate).where(Candidate.review_day == day).order_by(Candidate.rank)))


_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Seeded:
    url: str
    day: date
    users: dict[str, int]


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
