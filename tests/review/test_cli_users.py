"""`bkkwatch users add|reset-password|list` as a person runs them (a real subprocess, real database)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from review.auth import verify_password
from storage.db import session_scope
from storage.models import User


def _run(db_url: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """The installed entry point in a real subprocess (the first command of a test)."""
    env = {**os.environ, "BKKWATCH_DATABASE_URL": db_url}
    return subprocess.run(
        [sys.executable, "-c", "from bkkwatch.cli import main; main()", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def _main(capsys: Any, monkeypatch: Any, *args: str, stdin: str = "") -> tuple[int, str, str]:
    """``bkkwatch.cli.main`` in this process (same code path, without a new interpreter per call)."""
    from bkkwatch.cli import main

    monkeypatch.setattr(sys, "argv", ["bkkwatch", *args])
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_add_an_agency_user_then_reset_the_password(db_url: str, capsys: Any, monkeypatch: Any) -> None:
    added = _run(
        db_url,
        "users",
        "add",
        "somchai",
        "--role",
        "agency",
        "--agency",
        "เขตบางกะปิ",
        "--agency",
        "สำนักการระบายน้ำ",
        "--password-stdin",
        stdin="first-password-123\n",
    )
    assert added.returncode == 0, added.stderr
    assert "สำนักงานเขตบางกะปิ" in added.stdout
    reset = _run(db_url, "users", "reset-password", "somchai", "--password-stdin", stdin="second-password-456\n")
    assert reset.returncode == 0, reset.stderr
    with session_scope(db_url) as session:
        user = session.scalar(
            select(User)
            .where(User.username == "somchai")
            .options(selectinload(User.roles), selectinload(User.agencies))
        )
        assert user is not None and [r.name.value for r in user.roles] == ["agency"]
        assert sorted(a.name_th for a in user.agencies) == ["สำนักการระบายน้ำ", "สำนักงานเขตบางกะปิ"]
        assert user.password_hash and user.password_hash.startswith("$argon2id$")
        assert verify_password(user.password_hash, "second-password-456")
        assert not verify_password(user.password_hash, "first-password-123")
    code, stdout, _ = _main(capsys, monkeypatch, "users", "list")
    assert code == 0 and "somchai" in stdout


def test_bad_input_is_one_line_and_exit_2_with_nothing_written(db_url: str, capsys: Any, monkeypatch: Any) -> None:
    cases = [
        (["users", "add", "x", "--role", "boss", "--password-stdin"], "long-enough-pass", "--role 'boss'"),
        (["users", "add", "x", "--role", "agency", "--password-stdin"], "long-enough-pass", "--agency"),
        (
            ["users", "add", "x", "--role", "agency", "--agency", "เขตไม่มีจริง", "--password-stdin"],
            "long-enough-pass",
            "no such agency",
        ),
        (["users", "add", "x", "--role", "monitor", "--password-stdin"], "short", "at least"),
        (["users", "reset-password", "nobody", "--password-stdin"], "long-enough-pass", "no such user"),
    ]
    for args, password, expected in cases:
        code, _, stderr = _main(capsys, monkeypatch, *args, stdin=password + "\n")
        assert code == 2, (args, stderr)
        assert expected in stderr and "Traceback" not in stderr
        assert len(stderr.strip().splitlines()) == 1, stderr
    with session_scope(db_url) as session:
        assert session.scalar(select(User.id)) is None
