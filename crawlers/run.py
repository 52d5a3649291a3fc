"""One crawl of feed sources: fetch, parse, validate, store; every outcome recorded per source."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bkkwatch.settings import Settings, get_settings
from crawlers.feeds import FetchError, fetch, parse_feed
from storage.documents import Outcome, store_item
from storage.models import CrawlRun, CrawlStatus, Source, SourceKind
from storage.sources import finish_run, sources_by_names, start_run

WORKER_TIMEOUT = 3600.0

log = logging.getLogger(__name__)


@dataclass
class SourceSummary:
    source: str
    status: str = "ok"  # ok | not_modified | failed | skipped
    items: int = 0
    stored: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    rejected: int = 0
    message: str = ""
    requests: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def crawl_feed_source(
    sessions: sessionmaker[Session],
    source_id: int,
    settings: Settings | None = None,
    flow_run_id: str | None = None,
    since: datetime | None = None,
) -> SourceSummary:
    """Crawl one feed source. Items are stored in one transaction: all of them, or (on failure) none."""
    settings = settings or get_settings()
    with sessions.begin() as session:
        source = session.get_one(Source, source_id)
        name, url, etag, last_modified = source.name, source.url, source.etag, source.last_modified
        politeness = dict(source.politeness or {})
        run_id = start_run(session, source, flow_run_id).id
    summary = SourceSummary(source=name)
    error_kind: str | None = None
    limits = {
        k: v
        for k, v in (
            ("fetch_timeout", politeness.get("timeout")),
            ("max_response_bytes", politeness.get("max_bytes")),
        )
        if v
    }
    if limits:
        settings = settings.model_copy(update=limits)
    try:
        fetched = fetch(url, etag, last_modified, settings)
        if fetched.not_modified:
            summary.status, summary.message = "not_modified", "feed not modified since the last crawl"
        else:
            parsed = parse_feed(fetched.content, url, fetched.headers)
            summary.items = len(parsed.items) + len(parsed.rejected)
            summary.rejected = len(parsed.rejected)
            summary.reasons = [f"entry {r.index + 1}: {r.reason}" for r in parsed.rejected]
            for reason in summary.reasons:
                log.warning("%s: rejected %s", name, reason)
            if parsed.warning:
                summary.message = f"ill-formed feed, kept {len(parsed.items)} entries ({parsed.warning})"
            with sessions.begin() as session:
                for item in parsed.items:
                    if since and item.published and item.published < since:
                        continue
                    outcome = store_item(session, item, source_id, run_id).outcome
                    if outcome is Outcome.STORED:
                        summary.stored += 1
                    elif outcome is Outcome.UPDATED:
                        summary.updated += 1
                    elif outcome is Outcome.DUPLICATE:
                        summary.duplicates += 1
                    else:
                        summary.unchanged += 1
                source = session.get_one(Source, source_id)
                source.etag = fetched.headers.get("etag")
                source.last_modified = fetched.headers.get("last-modified")
    except FetchError as exc:
        error_kind, summary.status, summary.message = exc.kind, "failed", str(exc)
    except Exception as exc:  # a bug or a database failure: record it, keep the other sources going
        log.exception("crawl of %s failed", name)
        error_kind, summary.status = "internal", "failed"
        summary.message = f"{exc.__class__.__name__}: {exc}"
    with sessions.begin() as session:
        source = session.get_one(Source, source_id)
        run = session.get_one(CrawlRun, run_id)
        run.requests = summary.requests = 1
        if error_kind:
            summary.errors = {error_kind: 1}
        run.items_seen, run.items_stored, run.items_updated = summary.items, summary.stored, summary.updated
        run.duplicates, run.rejected = summary.duplicates + summary.unchanged, summary.rejected
        finish_run(run, source, error_kind, summary.message or None)
    return summary


def uses_scrapy(kind: SourceKind, politeness: dict[str, Any]) -> bool:
    """Plain feeds are read in-process; pages, sitemaps, sites and APIs go to a Scrapy worker."""
    return kind is not SourceKind.RSS or bool(politeness.get("follow") or politeness.get("spider"))


def missing_token(politeness: dict[str, Any], credentials_env: Sequence[str]) -> str | None:
    """The first credential variable a source needs and the environment lacks."""
    from crawlers.spiders import TOKEN_ENV

    needed = list(credentials_env or [])
    spider = politeness.get("spider")
    if not needed and spider in TOKEN_ENV:
        needed = [TOKEN_ENV[str(spider)]]
    for name in needed:
        if not os.environ.get(str(name)):
            return str(name)
    return None


def close_interrupted_runs(sessions: sessionmaker[Session], older_than: timedelta = timedelta(hours=2)) -> int:
    """Runs left "running" by a killed crawl are marked failed (kind ``interrupted``)."""
    from sqlalchemy import select

    cutoff = datetime.now(UTC) - older_than
    with sessions.begin() as session:
        stale = list(
            session.scalars(
                select(CrawlRun).where(CrawlRun.status == CrawlStatus.RUNNING, CrawlRun.started_at < cutoff)
            )
        )
        for run in stale:
            run.status, run.finished_at = CrawlStatus.FAILED, datetime.now(UTC)
            run.errors = {**(run.errors or {}), "interrupted": 1}
            run.message = run.message or "the crawl was interrupted before it finished"
    return len(stale)


def crawl_scrapy_sources(
    sessions: sessionmaker[Session],
    source_ids: Sequence[int],
    settings: Settings | None = None,
    flow_run_id: str | None = None,
    since: datetime | None = None,
    timeout: float = WORKER_TIMEOUT,
    workers: int = 1,
    redis_url: str | None = None,
) -> list[SourceSummary]:
    """Crawl sources with their Scrapy spiders in child processes; record what each reports.

    One worker runs every source's spider side by side. With ``workers`` > 1 and a Redis URL, that
    many workers share each source's frontier (crawlers/frontier.py) and their counts are added up.
    """
    if workers > 1 and not redis_url:
        raise ValueError("several workers need a shared frontier: give a Redis URL")
    settings = settings or get_settings()
    runs: list[tuple[int, int, str]] = []
    with sessions.begin() as session:
        for source_id in source_ids:
            source = session.get_one(Source, source_id)
            runs.append((source_id, start_run(session, source, flow_run_id).id, source.name))
    url = str(sessions.kw["bind"].url.render_as_string(hide_password=False))
    results: dict[int, dict[str, Any]] = {}
    worker_error: tuple[str, str] | None = None
    with tempfile.TemporaryDirectory(prefix="bkkwatch-crawl-") as tmp:
        commands = []
        for k in range(max(1, workers)):
            command = [sys.executable, "-m", "crawlers.worker", "--database-url", url]
            for source_id, run_id, _name in runs:
                command += ["--job", f"{source_id}:{run_id}:{Path(tmp) / f'{run_id}-{k}.json'}"]
            if since:
                command += ["--since", since.isoformat()]
            if redis_url:
                command += ["--redis", redis_url]
            commands.append(command)
        env = {
            **os.environ,
            "BKKWATCH_DATABASE_URL": url,
            "BKKWATCH_ALLOW_PRIVATE_HOSTS": "1" if settings.allow_private_hosts else "0",
        }
        processes = [
            subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            for command in commands
        ]
        deadline = time.monotonic() + timeout
        for process in processes:
            try:
                _, stderr = process.communicate(timeout=max(1.0, deadline - time.monotonic()))
                if process.returncode != 0:
                    tail = (stderr or "").strip().splitlines()[-1:] or ["no output"]
                    worker_error = (
                        "internal",
                        f"the crawl worker exited {process.returncode}: {tail[0][:200]}",
                    )
            except subprocess.TimeoutExpired:
                process.kill()  # our own child, by its id
                process.communicate()
                worker_error = ("timeout", f"the crawl took longer than {timeout:.0f} s and was stopped")
        if redis_url:  # the shared frontier of this crawl is spent
            from crawlers.frontier import RedisFrontier

            for _source_id, run_id, name in runs:
                RedisFrontier(redis_url, f"bkkwatch:frontier:{name}:{run_id}").clear()
        for _source_id, run_id, _name in runs:
            parts = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(Path(tmp).glob(f"{run_id}-*.json"))]
            if parts:
                results[run_id] = merge_results(parts)
    return [
        _record(sessions, source_id, run_id, name, results.get(run_id, {}), worker_error, complete_crawl=since is None)
        for source_id, run_id, name in runs
    ]


# Failures that will not go away by asking again: they do not stop the source's validators being kept.
_PERMANENT_ERRORS = {"robots", "refused", "redirect_loop", "too_large", "ignored", "unresolved"}


def _transient(kind: str) -> bool:
    # 404, 410, 403 ... give the same answer next time; 408 and 429 may not.
    permanent_http = kind.startswith("http_4") and kind not in ("http_408", "http_429")
    return kind not in _PERMANENT_ERRORS and not permanent_http


def _keep_validators(source: Source, data: dict[str, Any], error_kind: str | None, complete_crawl: bool) -> None:
    """Store the main URL's ETag / Last-Modified only after a crawl that got everything it was sent for.

    A later 304 skips the whole document, so validators saved after a partial crawl (a budget cut,
    a timeout, a --since window) would hide the pages that run missed until the feed changes again:
    then they are cleared and the next crawl asks unconditionally (stored pages are still not refetched).
    """
    seen = (data.get("validators") or {}).get(source.url) or {}
    complete = (
        complete_crawl
        and error_kind is None
        and data.get("finish_reason") == "finished"
        and not data.get("over_budget")
        and not any(_transient(str(kind)) for kind in (data.get("errors") or {}))
    )
    if complete and seen:
        source.etag, source.last_modified = seen.get("etag"), seen.get("last_modified")
    elif not complete:
        source.etag = source.last_modified = None


def merge_results(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """The counts of several workers that shared one source's crawl, added up."""
    if len(parts) == 1:
        return parts[0]
    merged: dict[str, Any] = {"errors": {}, "reasons": []}
    for part in parts:
        for key, value in part.items():
            if key == "errors":
                for kind, n in (value or {}).items():
                    merged["errors"][kind] = merged["errors"].get(kind, 0) + int(n)
            elif key == "reasons":
                merged["reasons"] += list(value or [])
            elif isinstance(value, (int, float)) and not isinstance(value, bool) and key != "http_status":
                merged[key] = max(merged.get(key, 0), value) if key == "elapsed" else merged.get(key, 0) + value
            elif key not in merged or merged[key] in (None, "finished"):
                merged[key] = value
    fatal = [p.get("fatal") for p in parts]
    merged["fatal"] = fatal[0] if all(fatal) else None
    return merged


def _record(
    sessions: sessionmaker[Session],
    source_id: int,
    run_id: int,
    name: str,
    data: dict[str, Any],
    worker_error: tuple[str, str] | None,
    complete_crawl: bool = True,
) -> SourceSummary:
    summary = SourceSummary(source=name)
    error_kind: str | None = None
    summary.requests = int(data.get("requests", 0))
    summary.items = int(data.get("items", 0))
    summary.stored, summary.updated = int(data.get("stored", 0)), int(data.get("updated", 0))
    summary.unchanged, summary.duplicates = int(data.get("unchanged", 0)), int(data.get("duplicates", 0))
    summary.rejected = int(data.get("rejected", 0))
    summary.reasons = list(data.get("reasons", []))
    summary.errors = {str(k): int(v) for k, v in (data.get("errors") or {}).items()}
    if not data:
        error_kind, summary.message = worker_error or ("internal", "the crawl worker reported nothing")
    elif data.get("fatal"):
        error_kind, _, message = str(data["fatal"]).partition(": ")
        summary.message = message or error_kind
    elif data.get("finish_reason") not in ("finished", None):
        error_kind, summary.message = "internal", f"the crawl stopped early ({data.get('finish_reason')})"
    else:
        notes = []
        if summary.errors:
            notes.append("errors " + ", ".join(f"{k} {v}" for k, v in sorted(summary.errors.items())))
        if data.get("already_stored"):
            notes.append(f"{data['already_stored']} pages already stored")
        if data.get("over_budget"):
            notes.append(f"budget reached ({data['over_budget']} requests left out)")
        if summary.rejected:
            notes.append(f"rejected: {summary.reasons[0]}" if summary.reasons else "")
        summary.message = "; ".join(n for n in notes if n)
        start_ok, not_modified = int(data.get("start_ok") or 0), int(data.get("not_modified") or 0)
        if not_modified and not_modified == start_ok and not summary.errors:
            summary.status = "not_modified"
            summary.message = summary.message or "not modified since the last crawl (HTTP 304)"
        elif not_modified:
            notes.insert(0, f"{not_modified} of {start_ok} start documents not modified")
            summary.message = "; ".join(n for n in notes if n)
    if error_kind:
        summary.status = "failed"
    with sessions.begin() as session:
        source = session.get_one(Source, source_id)
        run = session.get_one(CrawlRun, run_id)
        run.requests = summary.requests
        run.http_status = data.get("http_status")
        run.items_seen, run.items_stored, run.items_updated = summary.items, summary.stored, summary.updated
        run.duplicates, run.rejected = summary.duplicates + summary.unchanged, summary.rejected
        run.errors = dict(summary.errors)
        finish_run(run, source, error_kind, summary.message or None)
        if data:
            _keep_validators(source, data, error_kind, complete_crawl)
        if error_kind and error_kind not in summary.errors:
            summary.errors[error_kind] = 1
    return summary


def crawl(
    sessions: sessionmaker[Session],
    names: Sequence[str] | None = None,
    settings: Settings | None = None,
    progress: Callable[[SourceSummary], None] | None = None,
    flow_run_id: str | None = None,
    since: datetime | None = None,
    workers: int = 1,
    redis_url: str | None = None,
) -> list[SourceSummary]:
    """Crawl the named sources (or every enabled one); a failing source never stops the others."""
    close_interrupted_runs(sessions)
    with sessions.begin() as session:
        sources = [
            (s.id, s.name, s.kind, dict(s.politeness or {}), list(s.credentials_env or []))
            for s in sources_by_names(session, names)
        ]
    summaries: dict[str, SourceSummary] = {}
    scrapy_ids: list[int] = []
    for source_id, name, kind, politeness, credentials in sources:
        token = missing_token(politeness, credentials)
        if token:
            summary = SourceSummary(
                source=name,
                status="skipped",
                message=f"disabled until {token} is set (the platform needs a token)",
            )
        elif uses_scrapy(kind, politeness):
            scrapy_ids.append(source_id)
            continue
        else:
            summary = crawl_feed_source(sessions, source_id, settings, flow_run_id, since)
        summaries[name] = summary
        if progress:
            progress(summary)
    if scrapy_ids:
        for summary in crawl_scrapy_sources(
            sessions, scrapy_ids, settings, flow_run_id, since, workers=workers, redis_url=redis_url
        ):
            summaries[summary.source] = summary
            if progress:
                progress(summary)
    return [summaries[name] for _id, name, *_rest in sources]
