"""``bkkwatch crawl`` and ``bkkwatch sources ...``: the source registry and crawling from the command line."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import typer
from rich.table import Table

sources_app = typer.Typer(
    help="The source registry: feeds, sitemaps, sites and APIs that bkkwatch reads.", no_args_is_help=True
)
_APP: list[typer.Typer] = []


def _cli() -> Any:
    """The command-line module that is running: ``bkkwatch.cli``, or ``__main__`` under ``python -m``
    (so UserError raised here is the class its ``main()`` catches)."""
    import sys

    running = sys.modules.get("__main__")
    if running is not None and _APP and getattr(running, "app", None) is _APP[0]:
        return running
    import bkkwatch.cli

    return bkkwatch.cli


_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")
_SINCE = re.compile(r"^(\d+)\s*([hd])$")


def _ready_sources() -> str:
    """The database ready, with the shipped source registry loaded (like the agency registry)."""
    _ready, fail = _cli()._ready, _cli().fail
    from storage.db import session_scope
    from storage.sources import ensure_registry

    url = _ready()
    try:
        with session_scope(url) as session:
            ensure_registry(session)
    except ValueError as exc:
        fail(str(exc))
    return url


def parse_since(value: str | None) -> datetime | None:
    """``--since``: 24h, 3d, an ISO date or datetime (Bangkok when no zone is given)."""
    fail = _cli().fail
    from bkkwatch.timeutil import BANGKOK

    if value is None:
        return None
    match = _SINCE.match(value.strip().lower())
    if match:
        amount = int(match.group(1))
        return datetime.now(UTC) - (timedelta(hours=amount) if match.group(2) == "h" else timedelta(days=amount))
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        fail(f"--since {value!r}: expected e.g. 24h, 3d, 2026-11-24 or 2026-11-24T06:00+07:00")
    return parsed.replace(tzinfo=BANGKOK) if parsed.tzinfo is None else parsed


def crawl_table(summaries: list[dict[str, Any]]) -> Table:
    table = Table(
        "source",
        "status",
        "requests",
        "items",
        "new",
        "updated",
        "same",
        "dup",
        "rejected",
        "errors",
        "message",
        title="crawl",
    )
    for s in summaries:
        errors = ", ".join(f"{k} {v}" for k, v in sorted((s.get("errors") or {}).items()))
        table.add_row(
            str(s["source"]),
            str(s["status"]),
            str(s.get("requests", "")),
            str(s["items"]),
            str(s["stored"]),
            str(s["updated"]),
            str(s["unchanged"]),
            str(s["duplicates"]),
            str(s["rejected"]),
            errors or "-",
            str(s["message"])[:100],
        )
    return table


def crawl(
    source: Annotated[list[str] | None, typer.Option("--source", help="crawl only this source (repeatable)")] = None,
    since: Annotated[str | None, typer.Option(help="only items published since: 24h, 3d or an ISO date")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the summaries as JSON")] = False,
    workers: Annotated[int, typer.Option(help="Scrapy worker processes sharing each source (needs --redis)")] = 1,
    redis: Annotated[
        str | None,
        typer.Option(
            help="Redis URL of the shared frontier, e.g. redis://127.0.0.1:6379/0",
            envvar="BKKWATCH_REDIS_URL",
        ),
    ] = None,
) -> None:
    """Crawl the enabled sources now (or the named ones) and print a per-source summary.

    Exit status 0 when the run completed, even when some sources failed (see the table and
    `bkkwatch sources health`); 2 for bad options.
    """
    err, fail, out = _cli().err, _cli().fail, _cli().out
    from crawlers.run import crawl as run_crawl
    from storage.db import session_factory, session_scope
    from storage.sources import sources_by_names

    since_at = parse_since(since)
    if not 1 <= workers <= 16:
        fail(f"--workers {workers}: expected 1 to 16")
    if workers > 1 and not redis:
        fail("--workers above 1 needs a shared frontier: give --redis URL (or BKKWATCH_REDIS_URL)")
    if redis and not redis.startswith(("redis://", "rediss://", "unix://")):
        fail(f"--redis {redis!r}: expected a redis:// URL")
    url = _ready_sources()
    if source:
        with session_scope(url) as session:
            known = {s.name for s in sources_by_names(session, source, enabled_only=False)}
        unknown = [s for s in source if s not in known]
        if unknown:
            fail(f"--source: no source named {', '.join(map(repr, unknown))} (see `bkkwatch sources list`)")

    def progress(summary: Any) -> None:
        if summary.status == "failed":
            err.print(f"  {summary.source}: failed: {summary.message}", markup=False)
        else:
            err.print(f"  {summary.source}: {summary.status} ({summary.stored} new)", markup=False)

    summaries = [
        s.as_dict()
        for s in run_crawl(
            session_factory(url), source, progress=progress, since=since_at, workers=workers, redis_url=redis
        )
    ]
    if as_json:
        out.print_json(json.dumps(summaries, ensure_ascii=False, default=str))
    else:
        out.print(crawl_table(summaries))


@sources_app.command("list")
def sources_list(as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False) -> None:
    """List the sources (the shipped registry plus any added)."""
    import os

    out = _cli().out
    from storage.db import session_scope
    from storage.models import Source

    with session_scope(_ready_sources()) as session:
        rows: list[dict[str, Any]] = [
            {
                "name": s.name,
                "title": s.title,
                "kind": s.kind.value,
                "url": s.url,
                "urls": s.urls,
                "spider": (s.politeness or {}).get("spider"),
                "follow": bool((s.politeness or {}).get("follow")),
                "language": s.language,
                "schedule": s.schedule_class,
                "enabled": s.enabled,
                "credentials_env": s.credentials_env,
                "needs_token": [v for v in s.credentials_env or [] if not os.environ.get(str(v))],
                "politeness": {k: v for k, v in (s.politeness or {}).items() if k not in ("spider", "follow")},
                "last_success_at": s.last_success_at.isoformat() if s.last_success_at else None,
            }
            for s in session.query(Source).order_by(Source.name)
        ]
    for row in rows:  # a source waiting for its token is not crawled: it does not count as enabled
        row["active"] = bool(row["enabled"] and not row["needs_token"])
    if as_json:
        out.print_json(json.dumps(rows, ensure_ascii=False))
        return
    table = Table("name", "kind", "spider", "enabled", "schedule", "url")
    for row in rows:
        state = "yes" if row["active"] else ("needs " + ", ".join(row["needs_token"]) if row["enabled"] else "no")
        table.add_row(row["name"], row["kind"], row["spider"] or "-", state, row["schedule"], row["url"][:90])
    out.print(table)
    out.print(f"{len(rows)} sources, {sum(r['active'] for r in rows)} enabled")


@sources_app.command("add")
def sources_add(
    name: Annotated[str, typer.Argument(help="a short unique name: lower-case letters, digits, . _ -")],
    feed: Annotated[str | None, typer.Option("--feed", help="an RSS or Atom feed URL")] = None,
    sitemap: Annotated[str | None, typer.Option("--sitemap", help="a sitemap URL")] = None,
    site: Annotated[str | None, typer.Option("--site", help="a listing page whose article links are followed")] = None,
    title: Annotated[str | None, typer.Option(help="a readable title")] = None,
    follow: Annotated[bool, typer.Option("--follow", help="feeds: fetch each entry's page for the full text")] = False,
    language: Annotated[str, typer.Option(help="th or en")] = "th",
) -> None:
    """Add a source (or change the address of one you added)."""
    fail, out = _cli().fail, _cli().out
    from storage.db import session_scope
    from storage.sources import upsert_source

    given = [(kind, url) for kind, url in (("rss", feed), ("sitemap", sitemap), ("site", site)) if url]
    if not _NAME.match(name):
        fail(f"source name {name!r}: use lower-case letters, digits, '.', '_' or '-' (at most 100)")
    if len(given) != 1:
        fail("give exactly one of --feed URL, --sitemap URL or --site URL")
    kind, url = given[0]
    if not url.lower().startswith(("http://", "https://")) or len(url) > 2000:
        fail(f"--{'feed' if kind == 'rss' else kind} {url!r}: expected an http:// or https:// URL")
    if language not in ("th", "en"):
        fail(f"--language {language!r}: expected th or en")
    with session_scope(_ready_sources()) as session:
        politeness = {"follow": True} if follow else {}
        upsert_source(
            session,
            name,
            kind,
            url,
            title=title or name,
            language=language,
            enabled=True,
            politeness=politeness,
            schedule_class="hourly",
        )
    out.print(f"source {name}: {kind} {url}")


@sources_app.command("disable")
def sources_disable(name: Annotated[list[str], typer.Argument(help="source name(s)")]) -> None:
    """Stop crawling a source (it stays in the registry; `sources enable` turns it back on)."""
    _set_enabled(name, False)


@sources_app.command("enable")
def sources_enable(name: Annotated[list[str], typer.Argument(help="source name(s)")]) -> None:
    """Crawl a disabled source again."""
    _set_enabled(name, True)


def _set_enabled(names: list[str], enabled: bool) -> None:
    fail, out = _cli().fail, _cli().out
    from storage.db import session_scope
    from storage.sources import sources_by_names

    with session_scope(_ready_sources()) as session:
        found = {s.name: s for s in sources_by_names(session, names, enabled_only=False)}
        unknown = [n for n in names if n not in found]
        if unknown:
            fail(f"no source named {', '.join(map(repr, unknown))} (see `bkkwatch sources list`)")
        for source in found.values():
            source.enabled = enabled
    out.print(f"{'enabled' if enabled else 'disabled'}: {', '.join(names)}")


@sources_app.command("health")
def sources_health(as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False) -> None:
    """Each source's last run and state; sources failing for 24 hours or more are flagged."""
    from dataclasses import asdict

    out = _cli().out
    from bkkwatch.timeutil import thai_datetime
    from storage.db import session_scope
    from storage.sources import source_health

    with session_scope(_ready_sources()) as session:
        rows = source_health(session)
    if as_json:
        out.print_json(json.dumps([asdict(r) for r in rows], ensure_ascii=False, default=str))
        return
    table = Table("source", "state", "runs", "last success", "failing for", "last run", "last error")
    for r in rows:
        state = f"[bold red]{r.state}" if r.state == "failing" else r.state
        last = r.last_run or {}
        counts = (
            f"{last.get('status')}: {last.get('requests')} req, {last.get('stored')} new, "
            f"{last.get('rejected')} rejected"
            if last
            else "-"
        )
        table.add_row(
            r.name,
            state,
            str(r.runs),
            thai_datetime(r.last_success_at) if r.last_success_at else "-",
            f"{r.failing_for_hours:.0f} h" if r.failing_for_hours is not None else "-",
            counts,
            (r.last_error or "-")[:80],
        )
    out.print(table)
    failing = [r.name for r in rows if r.state == "failing"]
    if failing:
        out.print(f"failing for 24 h or more: {', '.join(failing)}")


def register(app: typer.Typer) -> None:
    _APP[:] = [app]
    app.command("crawl")(crawl)
    app.add_typer(sources_app, name="sources")
