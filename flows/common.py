"""What every flow shares: retry rules for I/O tasks, and the record of each run for `bkkwatch status`."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bkkwatch.settings import get_settings
from storage import flowruns
from storage.db import session_factory

log = logging.getLogger(__name__)

RETRIES = 4


def retry_delays() -> list[float]:
    """Exponential backoff: base, 2x, 4x, 8x (BKKWATCH_RETRY_BASE_SECONDS, 10 s by default)."""
    base = get_settings().retry_base_seconds
    return [base * 2**i for i in range(RETRIES)]


def _is_transient(exc: BaseException | None) -> bool:
    if isinstance(exc, OperationalError | OSError | TimeoutError | httpx.TransportError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


def retry_on_io(task: Any, task_run: Any, state: Any) -> bool:
    """Prefect retry condition: retry only failures of I/O (a database or server away for a while)."""
    try:
        exc = state.result(raise_on_failure=False)
    except Exception as error:
        exc = error
    return _is_transient(exc if isinstance(exc, BaseException) else None)


IO_TASK: dict[str, Any] = {
    "retries": RETRIES,
    "retry_delay_seconds": retry_delays(),
    "retry_condition_fn": retry_on_io,
}


def sessions_for(database_url: str | None) -> sessionmaker[Session]:
    return session_factory(database_url or get_settings().database_url)


def _prefect_run_id() -> str | None:
    try:
        from prefect.runtime import flow_run

        return str(flow_run.id) if flow_run.id else None
    except Exception:
        return None


def _spool(flow: str, state: str, started: datetime, message: str | None, run_id: str | None) -> None:
    path = Path(get_settings().flow_spool)
    path.parent.mkdir(parents=True, exist_ok=True)
    entry = {
        "flow": flow,
        "state": state,
        "started_at": started.isoformat(),
        "finished_at": datetime.now(UTC).isoformat(),
        "message": message,
        "prefect_run_id": run_id,
    }
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry, ensure_ascii=False) + "\n")


@contextmanager
def recorded(flow: str, database_url: str | None) -> Iterator[dict[str, Any]]:
    """Record a flow run (running → completed | failed) in the database; when the database itself is
    away, the outcome goes to a local spool file that `bkkwatch status` also reads."""
    sessions = sessions_for(database_url)
    started = datetime.now(UTC)
    run_id = _prefect_run_id()
    row_id: int | None = None
    try:
        with sessions.begin() as session:
            row_id = flowruns.start(session, flow, run_id).id
    except Exception:
        log.warning("could not record the start of %s", flow)
    outcome: dict[str, Any] = {}
    try:
        yield outcome
    except BaseException as exc:
        _finish(sessions, flow, row_id, "failed", f"{exc.__class__.__name__}: {exc}"[:2000], None, started, run_id)
        raise
    _finish(sessions, flow, row_id, "completed", None, outcome, started, run_id)


def _finish(
    sessions: sessionmaker[Session],
    flow: str,
    row_id: int | None,
    state: str,
    message: str | None,
    result: dict[str, Any] | None,
    started: datetime,
    run_id: str | None,
) -> None:
    try:
        with sessions.begin() as session:
            if row_id is None:
                flowruns.record(session, flow, state, started, datetime.now(UTC), message, run_id)
            else:
                flowruns.finish(session, row_id, state, message, json.loads(json.dumps(result, default=str)))
    except Exception:
        _spool(flow, state, started, message, run_id)
