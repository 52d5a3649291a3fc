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


def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8000,
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

    run_server(_ready(), host, port, secure_cookies=not insecure_cookies)


def run_server(database_url: str, host: str, port: int, secure_cookies: bool = True) -> None:
    import socket

    import uvicorn

    from bkkwatch.cli import err, fail
    from review.app import create_app

    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as exc:
        fail(f"--host {host} --port {port}: cannot listen there ({exc.strerror}); choose another --port")

    app = create_app(database_url, secure_cookies=secure_cookies)
    err.print(f"review web app on http://{host}:{port}/ (Ctrl-C stops it)")
    uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=True)


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
