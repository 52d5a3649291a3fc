"""Test fixtures: real SQLite files and real PostgreSQL databases (the local server), never mocks.

- ``db_url``: a migrated database with the agency registry loaded, fresh for each test, once on
  SQLite and once on PostgreSQL (PostgreSQL tests are skipped, with the reason printed, only when no
  server answers at BKKWATCH_TEST_POSTGRES_URL, default postgresql+psycopg://postgres@127.0.0.1:5432/test).
- ``session``: a Session on ``db_url`` whose work is rolled back at the end of the test.
"""

from __future__ import annotations

import os
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))  # shared helpers: fakes.py, casework_data.py
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_HOME", str(ROOT / "var" / "test-prefect"))
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
os.environ.setdefault("BKKWATCH_RETRY_BASE_SECONDS", "0.2")  # I/O retries in tests: 0.2, 0.4, 0.8, 1.6 s
os.environ["BKKWATCH_ALLOW_PRIVATE_HOSTS"] = "1"  # fixtures are served from 127.0.0.1
(ROOT / "var").mkdir(exist_ok=True)
os.environ.setdefault("BKKWATCH_STORY_INDEX_DIR", tempfile.mkdtemp(prefix="test-story-index-", dir=ROOT / "var"))
Path(os.environ["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bkkwatch.settings import reset_settings  # noqa: E402
from storage import db as storage_db  # noqa: E402

POSTGRES_URL = os.environ.get("BKKWATCH_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
_TEMPLATE = f"bkkwatch_tmpl_{os.getpid()}"
_pg_state: dict[str, object] = {}


def _pg_admin_url() -> str:
    return make_url(POSTGRES_URL).set(database="postgres").render_as_string(hide_password=False)


def _postgres_available() -> str | None:
    """None when the server answers, else the reason it does not."""
    if "reason" not in _pg_state:
        try:
            engine = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
            with engine.connect() as conn:
                conn.execute(text("select 1"))
            engine.dispose()
            _pg_state["reason"] = None
        except Exception as exc:  # pragma: no cover - depends on the machine
            _pg_state["reason"] = f"no PostgreSQL at {POSTGRES_URL}: {exc.__class__.__name__}"
    return _pg_state["reason"]  # type: ignore[return-value]


def _pg_url(name: str) -> str:
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


def _pg_exec(sql: str) -> None:
    engine = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(sql))
    engine.dispose()


def _pg_template() -> str:
    """A migrated database with the registry loaded, copied for each test (CREATE DATABASE ... TEMPLATE)."""
    if "template" not in _pg_state:
        _pg_exec(f'DROP DATABASE IF EXISTS "{_TEMPLATE}"')
        _pg_exec(f'CREATE DATABASE "{_TEMPLATE}"')
        url = _pg_url(_TEMPLATE)
        storage_db.ensure_database(url)
        storage_db.get_engine(url).dispose()
        storage_db._ENGINES.pop(url, None)
        _pg_state["template"] = _TEMPLATE
    return str(_pg_state["template"])


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    storage_db.dispose_engines()
    if _pg_state.get("template"):
        _pg_exec(f'DROP DATABASE IF EXISTS "{_TEMPLATE}"')


def pytest_report_header(config: pytest.Config) -> str:
    reason = _postgres_available()
    return f"postgresql: {reason}" if reason else f"postgresql: {POSTGRES_URL}"


_SQLITE_TEMPLATE: dict[str, bytes] = {}


def _sqlite_db(tmp_path: Path) -> str:
    """A migrated SQLite file, copied from one migrated once per run."""
    target = tmp_path / "bkkwatch.db"
    if "bytes" not in _SQLITE_TEMPLATE:
        seed = tmp_path / "seed.db"
        url = f"sqlite:///{seed}"
        storage_db.ensure_database(url)
        storage_db._ENGINES.pop(url).dispose()
        _SQLITE_TEMPLATE["bytes"] = seed.read_bytes()
        seed.unlink()
    target.write_bytes(_SQLITE_TEMPLATE["bytes"])
    return f"sqlite:///{target}"


@contextmanager
def _database(kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh migrated database of ``kind``; BKKWATCH_DATABASE_URL points at it while it lives."""
    name = None
    if kind == "sqlite":
        url = _sqlite_db(tmp_path)
    else:
        reason = _postgres_available()
        if reason:
            pytest.skip(reason)
        name = f"bkkwatch_t_{uuid.uuid4().hex[:12]}"
        _pg_exec(f'CREATE DATABASE "{name}" TEMPLATE "{_pg_template()}"')
        url = _pg_url(name)
    monkeypatch.setenv("BKKWATCH_DATABASE_URL", url)
    reset_settings()
    try:
        yield url
    finally:
        engine = storage_db._ENGINES.pop(url, None)
        if engine is not None:
            engine.dispose()
        reset_settings()
        if name:
            _pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh, migrated database (SQLite, then PostgreSQL); BKKWATCH_DATABASE_URL points at it."""
    with _database(request.param, tmp_path, monkeypatch) as url:
        yield url


@pytest.fixture
def pg_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database only (for what SQLite cannot show, e.g. a server away)."""
    with _database("postgres", tmp_path, monkeypatch) as url:
        yield url


@pytest.fixture
def session(db_url: str) -> Iterator[Session]:
    """A session whose work is rolled back after the test (commits inside become savepoints)."""
    engine = storage_db.get_engine(db_url)
    connection = engine.connect()
    transaction = connection.begin()
    sess = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield sess
    finally:
        sess.close()
        transaction.rollback()
        connection.close()
