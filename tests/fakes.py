"""Local fake servers for the outside services, checked the way the real ones check requests.

- ``FakeLine``: the LINE Messaging API push endpoint on 127.0.0.1 (bearer token, JSON body,
  X-Line-Retry-Key de-duplication answering 409 as LINE does).
- ``FakeSmtp``: an SMTP server (aiosmtpd) on 127.0.0.1 keeping every message.
"""

from __future__ import annotations

import email
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOKEN = "test-channel-token"


@dataclass
class FakeLine:
    url: str = ""
    pushes: list[dict[str, Any]] = field(default_factory=list)
    retry_keys: set[str] = field(default_factory=set)
    fail_next: int = 0  # answer 500 to this many requests first
    requests: int = 0

    def texts(self) -> list[str]:
        return [m["text"] for p in self.pushes for m in p["messages"]]


@contextmanager
def fake_line() -> Iterator[FakeLine]:
    state = FakeLine()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _answer(self, code: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            body = json.loads(self.rfile.read(length) or b"{}")
            with lock:
                state.requests += 1
                if self.path != "/v2/bot/message/push":
                    return self._answer(404, {"message": "Not found"})
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    return self._answer(401, {"message": "Authentication failed"})
                if state.fail_next > 0:
                    state.fail_next -= 1
                    return self._answer(500, {"message": "Internal error"})
                if not body.get("to") or not body.get("messages"):
                    return self._answer(400, {"message": "The request body has 1 error(s)"})
                key = self.headers.get("X-Line-Retry-Key")
                if key and key in state.retry_keys:
                    return self._answer(409, {"message": "The retry key is already accepted"})
                if key:
                    state.retry_keys.add(key)
                state.pushes.append(body)
            return self._answer(200, {"sentMessages": [{"id": str(len(state.pushes))}]})

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class FakeSmtp:
    port: int = 0
    messages: list[Message] = field(default_factory=list)


@contextmanager
def fake_smtp() -> Iterator[FakeSmtp]:
    from aiosmtpd.controller import Controller

    state = FakeSmtp()

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            state.messages.append(email.message_from_bytes(envelope.original_content))
            return "250 Message accepted for delivery"

    import socket

    with socket.socket() as probe:  # aiosmtpd needs a concrete port
        probe.bind(("127.0.0.1", 0))
        state.port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=state.port)
    controller.start()
    try:
        yield state
    finally:
        controller.stop()
