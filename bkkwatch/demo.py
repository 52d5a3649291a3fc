"""The demo: bundled real Thai feeds served on 127.0.0.1, the overnight flow run on them."""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from storage.db import session_scope
from storage.sources import upsert_source


def samples_dir() -> Path:
    return Path(str(resources.files("bkkwatch") / "samples"))


@dataclass(frozen=True)
class SampleSource:
    name: str
    path: str
    title: str
    expect_error: bool = False


def sample_sources() -> list[SampleSource]:
    raw = yaml.safe_load((samples_dir() / "sources.yaml").read_text(encoding="utf-8"))
    return [
        SampleSource(s["name"], s["path"], s.get("title", s["name"]), bool(s.get("expect_error")))
        for s in raw["sources"]
    ]


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass

    def end_headers(self) -> None:
        if self.path.endswith(".xml"):
            self.send_header("Cache-Control", "max-age=60")
        super().end_headers()

    def guess_type(self, path: str | os.PathLike[str]) -> str:
        if str(path).endswith(".xml"):
            return "application/rss+xml; charset=utf-8"
        return super().guess_type(path)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up early (a size limit, a timeout) is not the server's problem.
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@contextmanager
def serve_samples(host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve the bundled samples over HTTP; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(samples_dir()))
    server = _Server((host, port), handler)
    thread = threading.Thread(target=server.serve_forever, name="bkkwatch-samples", daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def register_sample_sources(base_url: str, database_url: str | None = None) -> list[str]:
    """Point the demo sources at the local server (idempotent: keyed on the source name)."""
    names = []
    with session_scope(database_url) as session:
        for sample in sample_sources():
            upsert_source(
                session,
                f"demo-{sample.name}",
                "rss",
                f"{base_url}/{sample.path}",
                title=sample.title,
                schedule_class="overnight",
                enabled=True,
            )
            names.append(f"demo-{sample.name}")
    return names
