"""`bkkwatch serve --workers 2` as deployed: two processes on one port, any of them serves any session."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from review_data import PASSWORD, make_users

from storage.db import dispose_engines, ensure_database, session_scope

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def test_two_worker_processes_share_the_port_and_the_sessions(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    ensure_database(url)
    with session_scope(url) as session:
        make_users(session)
    dispose_engines()
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "BKKWATCH_SECRET_KEY"}  # serve makes one for its workers
    env["BKKWATCH_DATABASE_URL"] = url
    command = [sys.executable, "-m", "bkkwatch", "serve", "--port", str(port), "--workers", "2", "--insecure-cookies"]
    server = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, server.stderr.read() if server.stderr else ""
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the workers did not start"
            time.sleep(0.3)
        time.sleep(1)
        workers = [p for p in _children(server.pid) if "spawn_main" in Path(f"/proc/{p}/cmdline").read_text()]
        assert len(workers) == 2

        with httpx.Client(base_url=base) as client:
            token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)  # type: ignore[union-attr]
            form = {"username": "wg", "password": PASSWORD, "csrf_token": token}
            assert client.post("/login", data=form).status_code == 303
            cookies = dict(client.cookies)
        # New connections land on either worker: each must know the session (the shared key).
        answers = {httpx.get(f"{base}/api/me", cookies=cookies).status_code for _ in range(12)}
        assert answers == {200}
    finally:
        server.send_signal(signal.SIGINT)  # Ctrl-C: the workers stop with the parent
        try:
            server.wait(60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(10)
    assert not [p for p in workers if Path(f"/proc/{p}").exists()]


def test_a_taken_port_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**os.environ, "BKKWATCH_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}"}
        done = subprocess.run(
            [sys.executable, "-m", "bkkwatch", "serve", "--port", str(port), "--workers", "2"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 2
    assert f"--port {port}: cannot listen there" in done.stderr and len(done.stderr.strip().splitlines()) == 1
