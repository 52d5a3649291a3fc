"""The review web app under load: the queue page and the confirm action, 10,000 candidates in PostgreSQL.

A fresh PostgreSQL database gets 10,000 stories (one document each) queued for one review day; the
app runs as deployed, ``bkkwatch serve --workers 2`` (uvicorn processes sharing one socket) on
127.0.0.1, in its own process tree; 20 concurrent httpx clients (one logged-in
session) call, in turn, a trivial ``/healthz`` (the baseline), the queue page (first page of 50, and
a filtered page) and the confirm action (each client confirms its own candidates), back to back (the
server saturated: latency there is about clients x CPU per request / cores); then the same 20 clients
paced like reviewers (queue page, confirm, with a pause of about 0.5 s after each request). Prints
p50/p95 latency, throughput, CPU per request, peak memory and the ratio of each to the baseline.
Target: p95 < 150 ms.

    python -m bench.bench_review            # BKKWATCH_BENCH_POSTGRES_URL picks the server
"""

from __future__ import annotations

import asyncio
import json as _json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url

from bench.common import max_rss_mb, table

POSTGRES_URL = os.environ.get("BKKWATCH_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
CANDIDATES = 10_000
CLIENTS = 20
WORKERS = int(os.environ.get("BKKWATCH_BENCH_WORKERS", "2"))  # server processes: one per core here
ROUNDS = {"healthz": 15, "queue": 8, "queue filtered": 4, "confirm": 6}
# Paced: each of the CLIENTS reviewers opens the queue, then confirms a story, pausing THINK seconds
# (uniform 0.5x-1.5x, seeded) after each request: people read before they click. Back-to-back
# requests (the rounds above) measure the server saturated instead.
PACED_ROUNDS, THINK = 6, 0.5
PASSWORD = "bench-password-long"
ROOT = Path(__file__).resolve().parents[1]


def _admin_exec(sql: str) -> None:
    engine = create_engine(make_url(POSTGRES_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(sql))
    engine.dispose()


def _seed(url: str, day: date) -> None:
    from review.auth import add_user
    from storage.db import ensure_database, session_scope
    from storage.models import Agency, Candidate, Document, Source, SourceKind, Story

    ensure_database(url)
    now = datetime.now(UTC)
    with session_scope(url) as session:
        agencies = [
            {"name": a.name_th, "score": 0.9, "external": False}
            for a in session.scalars(select(Agency).where(Agency.kind == "district").limit(50))
        ]
        source = Source(name="bench", kind=SourceKind.RSS, url="https://bench.example.test/rss")
        session.add(source)
        session.flush()
        stories = [
            {
                "title": f"เรื่องร้องเรียนทดสอบหมายเลข {i} น้ำท่วมขังถนน",
                "summary": "ข้อความสรุป",
                "first_seen": now - timedelta(hours=5),
                "last_seen": now - timedelta(hours=1),
                "last_fetched": now - timedelta(hours=1),
                "n_documents": 1,
                "n_outlets": 1,
                "reach": i % 500,
                "velocity": 0.1,
                "bangkok": 0.9,
                "max_impact": 0.5,
                "max_level": 1 + i % 3,
                "urgent": i % 17 == 0,
                "agencies": [agencies[i % len(agencies)], {"name": "สำนักการระบายน้ำ", "score": 0.8}],
                "places": [str(agencies[i % len(agencies)]["name"]).removeprefix("สำนักงานเขต")],
                "explanation": "ผลกระทบระดับ 2 · น้ำท่วม",
            }
            for i in range(CANDIDATES)
        ]
        ids = list(session.scalars(insert(Story).returning(Story.id), stories))
        session.execute(
            insert(Document),
            [
                {
                    "source_id": source.id,
                    "url": f"https://bench.example.test/{sid}",
                    "canonical_url": f"https://bench.example.test/{sid}",
                    "content_hash": f"{sid:064d}",
                    "title": "ข่าว",
                    "text": "ข้อความ",
                    "story_id": sid,
                    "kind": "article",
                    "state": "in_story",
                    "fetched_at": now,
                }
                for sid in ids
            ],
        )
        session.execute(
            insert(Candidate),
            [
                {
                    "review_day": day,
                    "story_id": sid,
                    "rank": rank,
                    "score": 10.0 - rank / CANDIDATES,
                    "explanation": "ผลกระทบระดับ 2 · น้ำท่วม",
                    "state": "proposed",
                }
                for rank, sid in enumerate(ids, start=1)
            ],
        )
        add_user(session, "bench", PASSWORD, ["working_group"])
        session.execute(text("ANALYZE"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _peak_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


_TICK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process so far (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICK
    except (OSError, IndexError, ValueError):
        return 0.0


def _postgres_backends(database: str) -> list[int]:
    """The PostgreSQL server processes serving ``database`` (their title names it)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if title.startswith("postgres:") and f" {database} " in title:
                found.append(int(entry.name))
    return found


class CpuMeter:
    """CPU time spent by the server processes, the PostgreSQL backends and this load generator."""

    def __init__(self, server_pids: list[int], database: str) -> None:
        self.server_pids, self.database = server_pids, database

    def snapshot(self) -> dict[str, Any]:
        return {
            "server": sum(_cpu_seconds(p) for p in self.server_pids),
            "postgres": {p: _cpu_seconds(p) for p in _postgres_backends(self.database)},
            "client": time.process_time(),
        }

    @staticmethod
    def spent(before: dict[str, Any], after: dict[str, Any]) -> dict[str, float]:
        """CPU seconds between two snapshots; a backend that started meanwhile counts from zero."""
        postgres = sum(t - before["postgres"].get(p, 0.0) for p, t in after["postgres"].items())
        return {
            "server": after["server"] - before["server"],
            "postgres": postgres,
            "client": after["client"] - before["client"],
        }


class Connection:
    """One keep-alive HTTP/1.1 connection, as a browser tab holds one: a request, then its whole response.

    A dozen lines instead of httpx for the timed requests: on this 2-core machine the load
    generator shares the CPU with the server it measures, and httpx spends ~2 ms of CPU per request.
    """

    def __init__(self, host: str, port: int, cookie: str) -> None:
        self.host, self.port, self.cookie = host, port, cookie
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        lines = [f"{method} {quote(path, safe='/?=&%')} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"Cookie: {self.cookie}", f"Content-Length: {len(body)}"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = re.search(rb"\r\ncontent-length: *(\d+)", head, re.IGNORECASE)
        if length is None:
            raise RuntimeError(f"{method} {path}: no Content-Length in {head[:200]!r}")
        self.last_body = await self.reader.readexactly(int(length.group(1)))
        return status

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            await self.writer.wait_closed()


async def _run(
    bases: list[str], day: date, agency_id: int, candidate_ids: list[int], meter: CpuMeter
) -> tuple[dict[str, list[float]], dict[str, dict[str, float]]]:
    limits = httpx.Limits(max_connections=CLIENTS + 5)
    # One cookie jar: the session cookie is signed with the key all server processes share. Each of the
    # CLIENTS coroutines holds its own keep-alive connection; the kernel spreads them over the workers.
    async with httpx.AsyncClient(base_url=bases[0], limits=limits, timeout=60) as client:
        login_page = await client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', login_page.text).group(1)  # type: ignore[union-attr]
        done = await client.post("/login", data={"username": "bench", "password": PASSWORD, "csrf_token": token})
        assert done.status_code == 303, done.text
        csrf = (await client.get("/api/me")).json()["csrf_token"]
        await client.get(f"/queue?day={day}")  # warm up
        cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
        where = urlsplit(bases[0])
        connections = [Connection(where.hostname or "127.0.0.1", where.port or 80, cookie) for _ in range(CLIENTS)]

        timings: dict[str, list[float]] = {name: [] for name in ROUNDS}

        async def timed(
            name: str, method: str, url: str, n: int = 0, json: object = None, headers: dict[str, str] | None = None
        ) -> None:
            body = b""
            if json is not None:
                body = _json.dumps(json).encode()
                headers = {**(headers or {}), "Content-Type": "application/json"}
            started = time.perf_counter()
            status = await connections[n].request(method, url, body, headers)
            timings[name].append((time.perf_counter() - started) * 1000)
            if status != 200:
                raise RuntimeError(f"{method} {url}: {status} {connections[n].last_body[:200]!r}")

        async def worker(n: int) -> None:
            for _ in range(ROUNDS["healthz"]):
                await timed("healthz", "GET", "/healthz", n)

        async def queue_worker(n: int) -> None:
            for _ in range(ROUNDS["queue"]):
                await timed("queue", "GET", f"/queue?day={day}", n)
            for _ in range(ROUNDS["queue filtered"]):
                await timed("queue filtered", "GET", f"/queue?day={day}&level=2&district=บางรัก&show=open", n)

        confirm_body = {"lock_version": 1, "agency_ids": [agency_id], "note": "bench"}

        async def paced_worker(n: int) -> None:
            first = CLIENTS * ROUNDS["confirm"] + n * PACED_ROUNDS
            pause = random.Random(n)
            await asyncio.sleep(pause.uniform(0, THINK))  # reviewers do not all click at the same instant
            for cid in candidate_ids[first : first + PACED_ROUNDS]:
                await timed("queue, paced", "GET", f"/queue?day={day}", n)
                await asyncio.sleep(THINK * pause.uniform(0.5, 1.5))
                await timed(
                    "confirm, paced",
                    "POST",
                    f"/api/candidates/{cid}/confirm",
                    n,
                    json=confirm_body,
                    headers={"X-CSRF-Token": csrf},
                )
                await asyncio.sleep(THINK * pause.uniform(0.5, 1.5))

        async def confirm_worker(n: int) -> None:
            mine = candidate_ids[n * ROUNDS["confirm"] : (n + 1) * ROUNDS["confirm"]]
            for cid in mine:
                await timed(
                    "confirm",
                    "POST",
                    f"/api/candidates/{cid}/confirm",
                    n,
                    json={"lock_version": 1, "agency_ids": [agency_id], "note": "bench"},
                    headers={"X-CSRF-Token": csrf},
                )

        # One client alone first: the service time of each request, without queueing behind others.
        timings.update({"healthz, 1 client": [], "queue, 1 client": [], "confirm, 1 client": []})
        for _ in range(20):
            await timed("healthz, 1 client", "GET", "/healthz")
            await timed("queue, 1 client", "GET", f"/queue?day={day}")
        for cid in candidate_ids[-10:]:
            await timed(
                "confirm, 1 client",
                "POST",
                f"/api/candidates/{cid}/confirm",
                json={"lock_version": 1, "agency_ids": [agency_id]},
                headers={"X-CSRF-Token": csrf},
            )

        phases: dict[str, float] = {}
        cpu: dict[str, dict[str, float]] = {}
        timings.update({"queue, paced": [], "confirm, paced": []})
        jobs = (("healthz", worker), ("queue", queue_worker), ("confirm", confirm_worker), ("paced", paced_worker))
        for name, job in jobs:
            before = meter.snapshot()
            started = time.perf_counter()
            await asyncio.gather(*(job(n) for n in range(CLIENTS)))
            phases[name] = time.perf_counter() - started
            after = meter.snapshot()
            cpu[name] = meter.spent(before, after)
        timings["_phases"] = [phases["healthz"], phases["queue"], phases["confirm"], phases["paced"]]
        for connection in connections:
            await connection.close()
        return timings, cpu


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    name = f"bkkwatch_bench_review_{uuid.uuid4().hex[:8]}"
    try:
        _admin_exec(f'CREATE DATABASE "{name}"')
    except Exception as exc:
        print(f"bench_review: no PostgreSQL at {POSTGRES_URL} ({exc.__class__.__name__}); skipped")
        return
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    day = date.today()
    servers: list[subprocess.Popen[bytes]] = []
    try:
        started = time.perf_counter()
        _seed(url, day)
        from storage.db import dispose_engines, session_scope
        from storage.models import Agency, Candidate

        with session_scope(url) as session:
            agency_id = session.scalar(select(Agency.id).where(Agency.name_th == "สำนักการระบายน้ำ"))
            wanted = CLIENTS * (ROUNDS["confirm"] + PACED_ROUNDS) + 10
            candidate_ids = list(session.scalars(select(Candidate.id).order_by(Candidate.rank).limit(wanted)))
        dispose_engines()
        print(f"seeded {CANDIDATES:,} candidates in PostgreSQL in {time.perf_counter() - started:.1f} s")
        env = {
            **os.environ,
            "BKKWATCH_DATABASE_URL": url,
            "BKKWATCH_SECRET_KEY": uuid.uuid4().hex,
            "BKKWATCH_SECURE_COOKIES": "0",
        }
        # The server as it is deployed: `bkkwatch serve --workers N`, N processes on one listening socket.
        port = _free_port()
        servers.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "bkkwatch",
                    "serve",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--workers",
                    str(WORKERS),
                    "--insecure-cookies",
                ],
                cwd=ROOT,
                env=env,
                stderr=subprocess.DEVNULL,
            )
        )
        bases = [f"http://127.0.0.1:{port}"]
        deadline = time.monotonic() + 120
        for base in bases:
            while True:
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline or servers[0].poll() is not None:
                    raise RuntimeError("the server did not start")
                time.sleep(0.2)
        time.sleep(2)  # every worker up, not only the first
        load_before = os.getloadavg()
        workers = _children(servers[0].pid)
        meter = CpuMeter([servers[0].pid, *workers], name)
        timings, cpu = asyncio.run(_run(bases, day, int(agency_id or 1), candidate_ids, meter))
        load_after = os.getloadavg()
        phases = timings.pop("_phases")
        base_p50 = statistics.median(timings["healthz"])
        base_one = statistics.median(timings["healthz, 1 client"])
        rows: list[tuple[str, ...]] = []
        for label, values in timings.items():
            p50, p95 = statistics.median(values), _pct(values, 0.95)
            rows.append(
                (
                    label,
                    str(len(values)),
                    f"{p50:.1f}",
                    f"{p95:.1f}",
                    f"{max(values):.1f}",
                    f"{p50 / (base_one if ('1 client' in label or 'paced' in label) else base_p50):.1f}x",
                    "-" if label.startswith("healthz") else ("yes" if p95 < 150 else "NO"),
                )
            )
        print(
            f"{CLIENTS} concurrent clients, `bkkwatch serve --workers {WORKERS}`, {CANDIDATES:,} candidates for {day}; "
            f"load average before {load_before[0]:.1f}, after {load_after[0]:.1f} ({os.cpu_count()} cores)"
        )
        print(table(rows, ("request", "n", "p50 ms", "p95 ms", "max ms", "p50 vs healthz", "p95<150ms")))
        total = sum(len(v) for v in timings.values())
        print(
            f"throughput: healthz {len(timings['healthz']) / phases[0]:.0f} req/s, "
            f"queue pages {(len(timings['queue']) + len(timings['queue filtered'])) / phases[1]:.0f} req/s, "
            f"confirms {len(timings['confirm']) / phases[2]:.0f} req/s; paced {CLIENTS} reviewers "
            f"{(len(timings['queue, paced']) + len(timings['confirm, paced'])) / phases[3]:.0f} req/s "
            f"(think {THINK} s ±50%) ({total} requests)"
        )
        # CPU per request does not depend on what else the machine runs (latency under load does):
        # with C clients busy and K cores, latency is about C x (CPU per request) / K.
        counts = {
            "healthz": len(timings["healthz"]),
            "queue": len(timings["queue"]) + len(timings["queue filtered"]),
            "confirm": len(timings["confirm"]),
            "paced": len(timings["queue, paced"]) + len(timings["confirm, paced"]),
        }
        print(
            "CPU per request (ms; server processes / PostgreSQL / load generator): "
            + ", ".join(
                f"{phase} {c['server'] * 1000 / counts[phase]:.1f} / {c['postgres'] * 1000 / counts[phase]:.1f} / "
                f"{c['client'] * 1000 / counts[phase]:.1f}"
                for phase, c in cpu.items()
            )
        )
        print(
            f"peak memory: server process {max([_peak_rss_mb(p) for p in workers] or [0.0]):.0f} MB RSS, "
            f"load generator {max_rss_mb():.0f} MB RSS"
        )
    finally:
        for process in servers:
            process.terminate()
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
        from storage.db import dispose_engines

        dispose_engines()
        _admin_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
