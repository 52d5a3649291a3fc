"""The command line as a person uses it: real subprocesses, real SQLite files."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main

from bkkwatch.cli import app

ROOT = Path(__file__).resolve().parents[2]


def run(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {
        **os.environ,
        "BKKWATCH_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "DO_NOT_TRACK": "1",
        **env,
    }
    environ.pop("BKKWATCH_ALLOW_PRIVATE_HOSTS", None)
    return subprocess.run(
        [sys.executable, "-m", "bkkwatch.cli", *args],
        cwd=tmp_path,
        env=environ,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_agencies_resolve_on_a_fresh_database(tmp_path: Path) -> None:
    assert run(["db", "upgrade"], tmp_path).returncode == 0
    for name in ("เขตบางรัก", "สนข.บางรัก", "Bang Rak district office"):
        done = run(["agencies", "resolve", name], tmp_path)
        assert done.returncode == 0 and done.stdout.strip() == "สำนักงานเขตบางรัก", done.stderr


def test_unknown_agency_and_bad_options_give_one_line_and_status_2(tmp_path: Path) -> None:
    for args in (
        ["agencies", "resolve", "ไม่มีหน่วยงานนี้"],
        ["agencies", "list", "--bogus"],
        ["queue", "--date", "2026-02-30"],
        ["agencies", "list", "--kind", "ministry"],
        ["crawl", "--source", "no-such-source"],
    ):
        done = run(args, tmp_path)
        assert done.returncode == 2, (args, done.stderr)
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("bkkwatch"), (args, done.stderr)
        assert "Traceback" not in done.stderr


def test_agencies_list_json(tmp_path: Path) -> None:
    done = run(["agencies", "list", "--json"], tmp_path)
    rows = json.loads(done.stdout)
    assert len(rows) >= 80 and sum(r["kind"] == "district" for r in rows) == 50
    assert any(r["external"] and r["name_en"] == "Metropolitan Electricity Authority" for r in rows)


def _commands(group: typer.Typer) -> list[list[str]]:
    click_group = typer.main.get_command(group)
    found: list[list[str]] = []

    def walk(command, path):  # type: ignore[no-untyped-def]
        found.append(path)
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, [*path, name])

    walk(click_group, [])
    return found


def test_help_everywhere(tmp_path: Path) -> None:
    commands = _commands(app)
    assert ["queue"] in commands and ["agencies", "resolve"] in commands and ["demo"] in commands
    for path in commands:
        done = run([*path, "--help"], tmp_path)
        assert done.returncode == 0 and "Usage" in done.stdout, path


@pytest.mark.slow
def test_demo_twice_then_queue_json(tmp_path: Path) -> None:
    first = run(["demo", "--no-serve"], tmp_path)
    assert first.returncode == 0, first.stderr[-2000:]
    assert "candidates" in first.stdout and "demo-dailynews-bangkok" in first.stdout

    def counts() -> tuple[int, ...]:
        with sqlite3.connect(tmp_path / "cli.db") as db:
            return tuple(
                db.execute(f"select count(*) from {t}").fetchone()[0]
                for t in ("documents", "stories", "candidates", "sources")
            )

    before = counts()
    second = run(["demo", "--no-serve"], tmp_path)
    assert second.returncode == 0, second.stderr[-2000:]
    assert counts() == before

    done = run(["queue", "--json"], tmp_path)
    rows = json.loads(done.stdout)
    assert len(rows) == before[2] > 10
    for key in ("rank", "story_id", "title", "impact", "agencies", "urls", "first_seen", "documents"):
        assert all(key in row for row in rows), key
    assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1))
    scores = [r["score"] for r in rows]
    assert scores == sorted(scores, reverse=True)
    assert all(r["urls"] and r["urls"][0].startswith("http") for r in rows)
    # Real Bangkok items lead the queue.
    assert any("กทม" in r["title"] or "กรุงเทพ" in r["title"] for r in rows[:5])


def test_status_exit_code_follows_what_needs_a_person(tmp_path: Path) -> None:
    done = run(["status", "--json"], tmp_path, BKKWATCH_FLOW_SPOOL=str(tmp_path / "spool.jsonl"))
    assert done.returncode == 0, done.stderr
    status = json.loads(done.stdout)
    assert {f["flow"] for f in status["flows"]} >= {"crawl-sources", "watch-urgent", "monthly-report"}
    assert status["queue"]["undecided"] == 0 and status["needs_a_person"] is False
    with sqlite3.connect(tmp_path / "cli.db") as db:
        db.execute(
            "insert into flow_runs (flow, state, started_at, finished_at, message) values "
            "('send-issues', 'failed', '2026-11-24 03:30:00', '2026-11-24 03:31:00', 'LINE answered 500')"
        )
    done = run(["status"], tmp_path, BKKWATCH_FLOW_SPOOL=str(tmp_path / "spool.jsonl"))
    assert done.returncode == 1
    assert "flow send-issues failed: LINE answered 500" in done.stdout
