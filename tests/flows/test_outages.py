"""The database refusing connections for a while: I/O tasks retry and the flow succeeds when it comes
back; a run that gives up is reported by `status` (from the spool file when the database is away)."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import make_url

from casework.status import collect
from flows.score_documents import score_documents
from storage.db import session_factory


class FlakyProxy:
    """A TCP proxy on 127.0.0.1 to the real PostgreSQL that can refuse connections (nothing listening)."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._server: socket.socket | None = None
        self._stop = threading.Event()

    def up(self) -> None:
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen(16)
        server.settimeout(0.2)
        self._server = server
        self._stop.clear()
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    def down(self) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.close()
            self._server = None

    def _accept(self, server: socket.socket) -> None:
        while not self._stop.is_set():
            try:
                client, _ = server.accept()
            except (TimeoutError, OSError):
                continue
            upstream = socket.create_connection(self.target)
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def proxied(pg_url: str) -> Iterator[tuple[str, FlakyProxy]]:
    url = make_url(pg_url)
    proxy = FlakyProxy((url.host or "127.0.0.1", url.port or 5432))
    yield url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False), proxy
    proxy.down()


@pytest.fixture(autouse=True)
def _api(prefect_api: None) -> None:
    pass


@pytest.mark.postgres
def test_flow_retries_until_the_database_returns(proxied, line_env) -> None:  # type: ignore[no-untyped-def]
    url, proxy = proxied  # down: connections are refused
    threading.Timer(1.5, proxy.up).start()  # back after 1.5 s; retries wait 0.2, 0.4, 0.8, 1.6 s
    started = time.monotonic()
    result = score_documents(url)
    assert result == {"scored": 0, "stories_new": 0, "stories_updated": 0, "index_rebuilt": 0}
    assert time.monotonic() - started >= 1.0  # it really waited for the database
    with session_factory(url)() as session:
        status = collect(session)
    assert next(f for f in status.flows if f.flow == "score-documents").last_state == "completed"


@pytest.mark.postgres
def test_a_run_that_gives_up_is_reported_in_status(proxied, line_env, pg_url) -> None:  # type: ignore[no-untyped-def]
    url, proxy = proxied  # down for the whole run
    with pytest.raises(Exception, match=r"(?i)connect|refused"):
        score_documents(url)
    proxy.up()
    with session_factory(pg_url)() as session:  # the database is back; the outcome came from the spool
        status = collect(session)
    assert next(f for f in status.flows if f.flow == "score-documents").last_state == "failed"
    assert any(p.startswith("flow score-documents failed") for p in status.problems)
