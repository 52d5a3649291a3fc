"""Commands of the review web app: ``bkkwatch serve`` and ``bkkwatch users add|reset-password|list``."""

from __future__ import annotations

import getpass
import secrets
import sys
from typing import Annotated

import typer

users_app = typer.Typer(help="People who use the web app, their roles and agencies.", no_args_is_help=True)


def _password(from_stdin: bool, confirm: bool = True) -> str:
    from bkkwatch.cli import fail

    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        if not sys.stdin.isatty():
            fail("password: no terminal to prompt on; use --password-stdin")
        password = getpass.getpass("password: ")
        if confirm and getpass.getpass("again: ") != password:
            fail("password: the two entries differ")
    if not password:
        fail("password: empty")
    return password


def users_add(
    name: Annotated[str, typer.Argument(help="login name")],
    role: Annotated[
        list[str],
        typer.Option("--role", help="monitor | working_group | pr_editor | agency | admin (repeatable)"),
    ],
    agency: Annotated[
        list[str] | None,
        typer.Option("--agency", help="agency code or name (repeatable; needed for --role agency)"),
    ] = None,
    display_name: Annotated[str, typer.Option(help="name shown in the app")] = "",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="read the password from standard input")
    ] = False,
) -> None:
    """Add a user with one or more roles (and agencies for an agency user)."""
    from bkkwatch.cli import _ready, fail, out
    from review.auth import AccountError, add_user
    from storage.db import session_scope

    url = _ready()
    password = _password(password_stdin)
    try:
        with session_scope(url) as session:
            user = add_user(session, name, password, role, agency or [], display_name)
            summary = f"user {user.username} added: roles {', '.join(r.name.value for r in user.roles)}"
            if user.agencies:
                summary += f"; agencies {', '.join(a.name_th for a in user.agencies)}"
    except AccountError as exc:
        fail(str(exc))
    out.print(summary)


def users_reset_password(
    name: Annotated[str, typer.Argument(help="login name")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="read the password from standard input")
    ] = False,
) -> None:
    """Set a new password for a user."""
    from bkkwatch.cli import _ready, fail, out
    from review.auth import AccountError, reset_password
    from storage.db import session_scope

    url = _ready()
    password = _password(password_stdin)
    try:
        with session_scope(url) as session:
            reset_password(session, name, password)
    except AccountError as exc:
        fail(str(exc))
    out.print(f"password of {name} changed")


def users_list() -> None:
    """List the users with their roles and agencies."""
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from bkkwatch.cli import _ready, out
    from storage.db import session_scope
    from storage.models import User

    with session_scope(_ready()) as session:
        for user in session.scalars(
            select(User).options(selectinload(User.roles), selectinload(User.agencies)).order_by(User.username)
        ):
            roles = ",".join(r.name.value for r in user.roles)
            agencies = ", ".join(a.name_th for a in user.agencies)
            out.print(f"{user.username}\t{roles}\t{agencies}\t{'' if user.active else 'inactive'}")


def default_workers() -> int:
    """One server process per CPU core this process may use, at most 8."""
    import os

    return max(1, min(8, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))


def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8000,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=64,
            help="server processes sharing the port (default: one per CPU core, at most 8); "
            "they share sessions through BKKWATCH_SECRET_KEY",
        ),
    ] = None,
    insecure_cookies: Annotated[
        bool,
        typer.Option(
            "--insecure-cookies",
            help="allow session cookies over plain http (a local demo only; production sits behind https)",
        ),
    ] = False,
) -> None:
    """Serve the review web app (uvicorn)."""
    from bkkwatch.cli import _ready

    run_server(_ready(), host, port, secure_cookies=not insecure_cookies, workers=workers or default_workers())


def run_server(database_url: str, host: str, port: int, secure_cookies: bool = True, workers: int = 1) -> None:
    """The web app on host:port: in this process, or in ``workers`` processes sharing one listening socket."""
    import os
    import socket

    import uvicorn

    from bkkwatch.cli import err, fail
    from review.app import create_app

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio turns TCP_NODELAY on only for sockets that say they are TCP, and
    # without it every small response waits ~40 ms for the client's delayed ACK (Nagle).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        fail(f"--host {host} --port {port}: cannot listen there ({exc.strerror}); choose another --port")
    sock.listen(2048)
    sock.set_inheritable(True)

    err.print(
        f"review web app on http://{host}:{port}/ ({workers} process{'es' if workers > 1 else ''}; Ctrl-C stops it)"
    )
    if workers == 1:
        app = create_app(database_url, secure_cookies=secure_cookies)
        config = uvicorn.Config(app, log_level="warning", proxy_headers=True)
        uvicorn.Server(config).run(sockets=[sock])
        return
    from uvicorn.supervisors import Multiprocess

    # The worker processes build the app themselves (review.app:create_app) from the environment:
    # the same database, cookie setting and session key in each, so any of them serves any session.
    os.environ["BKKWATCH_DATABASE_URL"] = database_url
    os.environ["BKKWATCH_SECURE_COOKIES"] = "1" if secure_cookies else "0"
    os.environ.setdefault("BKKWATCH_SECRET_KEY", secrets.token_urlsafe(48))
    config = uvicorn.Config(
        "review.app:create_app", factory=True, workers=workers, log_level="warning", proxy_headers=True
    )
    Multiprocess(config, sockets=[sock]).run()


def demo_user(database_url: str) -> tuple[str, str]:
    """A working-group demo user with a fresh random password (the password is reset on every demo)."""
    from sqlalchemy import select

    from review.auth import add_user, reset_password
    from storage.db import session_scope
    from storage.models import User

    name, password = "demo", secrets.token_urlsafe(12)
    with session_scope(database_url) as session:
        if session.scalar(select(User.id).where(User.username == name)) is None:
            add_user(session, name, password, ["working_group", "monitor", "pr_editor"], display_name="Demo")
        else:
            reset_password(session, name, password)
    return name, password


def register(app: typer.Typer) -> None:
    users_app.command("add")(users_add)
    users_app.command("reset-password")(users_reset_password)
    users_app.command("list")(users_list)
    app.add_typer(users_app, name="users")
    app.command("serve")(serve)
