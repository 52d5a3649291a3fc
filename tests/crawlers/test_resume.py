"""A crawl killed with SIGKILL mid-run and started again ends with every document exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fixture_server import FAST, FixtureServer, add_source, run
from sqlalchemy import func, select

from storage.db import session_scope
from storage.models import Document

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
PAGES = 60


def mirror(server: FixtureServer) -> None:
    for i in range(PAGES):
        server.mirror[f"/m/{i}.html"] = (
            f'<html><head><meta charset="utf-8"><title>ข่าวที่ {i} กทม.</title></head><body><article>'
            f"<h1>ข่าวที่ {i} กทม. เร่งซ่อมทางเท้าเขตที่ {i}</h1>"
            f"<p>สำนักงานเขตที่ {i} แจ้งว่าจะซ่อมทางเท้าที่ชำรุดให้เสร็จภายในสัปดาห์นี้ เพื่อความปลอดภัยของประชาชน</p>"
            f"<p>ผู้อำนวยการเขตกล่าวว่าได้รับเรื่องร้องเรียนจากประชาชนหลายรายและได้ส่งเจ้าหน้าที่ไปตรวจสอบแล้ว {i}</p>"
            "</article></body></html>"
        ).encode()
        server.delay[f"/m/{i}.html"] = 0.5  # the first crawl would take 15 s: it is killed well before
    urls = "".join(f"<url><loc>{server.base}/m/{i}.html</loc></url>" for i in range(PAGES))
    server.mirror["/m/sitemap.xml"] = (
        f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
    ).encode()


def stored(url: str) -> list[str]:
    with session_scope(url) as session:
        return list(session.scalars(select(Document.canonical_url)))


def test_sigkill_then_resume(server: FixtureServer, module_db: str) -> None:
    mirror(server)
    add_source(module_db, "mirror", "sitemap", f"{server.base}/m/sitemap.xml", concurrency=2)
    env = {**os.environ, "BKKWATCH_DATABASE_URL": module_db, "BKKWATCH_ALLOW_PRIVATE_HOSTS": "1"}
    first = subprocess.Popen(
        [sys.executable, "-m", "bkkwatch", "crawl", "--source", "mirror"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        while len(stored(module_db)) < 10:
            assert first.poll() is None, "the crawl ended before it could be killed"
            assert time.monotonic() < deadline, "nothing stored in 90 s"
            time.sleep(0.2)
    finally:
        os.killpg(first.pid, signal.SIGKILL)  # the CLI and its Scrapy worker, mid-run
        first.wait()
    before = set(stored(module_db))
    assert 10 <= len(before) < PAGES
    server.delay.clear()  # the second crawl need not be slow
    hits_before = {path: server.hits[path] for path in (f"/m/{i}.html" for i in range(PAGES))}

    again = run(module_db, "mirror")["mirror"]
    assert again.status == "ok", again.message
    with session_scope(module_db) as session:
        assert session.scalar(select(func.count()).select_from(Document)) == PAGES
        assert session.scalar(select(func.count(func.distinct(Document.canonical_url)))) == PAGES
    # what was stored before the kill was not fetched again
    for url in before:
        path = url.split(server.base, 1)[1]
        assert server.hits[path] == hits_before[path] == 1, path
    assert again.stored == PAGES - len(before)
    assert FAST["delay"] == 0
