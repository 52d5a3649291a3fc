"""Sources and their crawl runs."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import CrawlRun, CrawlStatus, Source, SourceKind


def upsert_source(session: Session, name: str, kind: str, url: str, **fields: Any) -> Source:
    """Create or update a source by name (idempotent)."""
    source = session.scalar(select(Source).where(Source.name == name))
    if source is None:
        source = Source(name=name, kind=SourceKind(kind), url=url, **fields)
        session.add(source)
    else:
        source.kind = SourceKind(kind)
        if source.url != url:  # a new address: forget the old conditional-GET validators
            source.url, source.etag, source.last_modified = url, None, None
        for key, value in fields.items():
            setattr(source, key, value)
    session.flush()
    return source


def sources_by_names(session: Session, names: Iterable[str] | None = None, enabled_only: bool = True) -> list[Source]:
    query = select(Source).order_by(Source.name)
    wanted = list(names or [])
    if wanted:
        query = query.where(Source.name.in_(wanted))
    elif enabled_only:
        query = query.where(Source.enabled.is_(True))
    return list(session.scalars(query))


def start_run(session: Session, source: Source, flow_run_id: str | None = None) -> CrawlRun:
    run = CrawlRun(source_id=source.id, flow_run_id=flow_run_id, status=CrawlStatus.RUNNING)
    session.add(run)
    session.flush()
    return run


def finish_run(run: CrawlRun, source: Source, error_kind: str | None = None, message: str | None = None) -> None:
    now = datetime.now(UTC)
    run.finished_at = now
    if error_kind:
        run.status = CrawlStatus.FAILED
        run.errors = {**(run.errors or {}), error_kind: (run.errors or {}).get(error_kind, 0) + 1}
        run.message = message
        source.last_error, source.last_error_at = message, now
    else:
        run.status = CrawlStatus.OK
        run.message = message
        source.last_success_at = now


# --- the shipped registry (crawlers/sources.yaml) -----------------------------------------------

REGISTRY_KEYS = {
    "name",
    "title",
    "kind",
    "url",
    "urls",
    "language",
    "schedule",
    "spider",
    "follow",
    "politeness",
    "credentials_env",
    "enabled",
}


@dataclass
class RegistrySync:
    added: int = 0
    updated: int = 0
    unchanged: int = 0


def registry_path() -> Path:
    return Path(__file__).resolve().parents[1] / "crawlers" / "sources.yaml"


def load_registry(path: Path | None = None) -> list[dict[str, Any]]:
    """The registry's sources, defaults applied and checked (ValueError names the bad entry)."""
    raw = yaml.safe_load((path or registry_path()).read_text(encoding="utf-8")) or {}
    defaults = raw.get("defaults") or {}
    entries = []
    seen: set[str] = set()
    for index, entry in enumerate(raw.get("sources") or [], start=1):
        name = str(entry.get("name") or "")
        unknown = set(entry) - REGISTRY_KEYS
        if not name or name in seen or unknown or entry.get("kind") not in {k.value for k in SourceKind}:
            raise ValueError(
                f"sources.yaml entry {index} ({name or 'no name'}): bad name, kind or keys "
                f"{sorted(unknown) if unknown else ''}".rstrip()
            )
        if not str(entry.get("url", "")).startswith(("http://", "https://")):
            raise ValueError(f"sources.yaml entry {index} ({name}): url must be http(s)")
        seen.add(name)
        politeness = {**(defaults.get("politeness") or {}), **(entry.get("politeness") or {})}
        for key in ("spider", "follow"):
            if key in entry:
                politeness[key] = entry[key]
        entries.append(
            {
                "name": name,
                "kind": entry["kind"],
                "url": entry["url"],
                "urls": list(entry.get("urls") or []),
                "title": entry.get("title") or name,
                "language": entry.get("language", defaults.get("language", "th")),
                "schedule_class": entry.get("schedule", defaults.get("schedule", "overnight")),
                "politeness": politeness,
                "credentials_env": list(entry.get("credentials_env") or []),
                "enabled": bool(entry.get("enabled", True)),
            }
        )
    return entries


def sync_registry(session: Session, path: Path | None = None) -> RegistrySync:
    """Load the registry: new sources added, registry fields updated; ``enabled`` is never turned back on."""
    result = RegistrySync()
    existing = {s.name: s for s in session.scalars(select(Source))}
    for entry in load_registry(path):
        source = existing.get(entry["name"])
        fields = {k: v for k, v in entry.items() if k not in ("name", "kind", "url")}
        if source is None:
            upsert_source(session, entry["name"], entry["kind"], entry["url"], **fields)
            result.added += 1
            continue
        fields.pop("enabled")
        before = (
            source.kind.value,
            source.url,
            source.urls,
            source.title,
            source.language,
            source.schedule_class,
            source.politeness,
            source.credentials_env,
        )
        after = (
            entry["kind"],
            entry["url"],
            fields["urls"],
            fields["title"],
            fields["language"],
            fields["schedule_class"],
            fields["politeness"],
            fields["credentials_env"],
        )
        if before == after:
            result.unchanged += 1
        else:
            upsert_source(session, entry["name"], entry["kind"], entry["url"], **fields)
            result.updated += 1
    return result


def ensure_registry(session: Session) -> bool:
    """Load the registry when any of its sources is missing from the database; True if it ran."""
    names = {e["name"] for e in load_registry()}
    present = set(session.scalars(select(Source.name).where(Source.name.in_(names))))
    if names <= present:
        return False
    sync_registry(session)
    return True


@dataclass
class SourceHealth:
    name: str
    kind: str
    enabled: bool
    state: str  # ok | failing | never_run | disabled | needs_token
    last_success_at: datetime | None
    last_error_at: datetime | None
    last_error: str | None
    failing_for_hours: float | None
    runs: int
    last_run: dict[str, Any] | None


FAILING_AFTER = timedelta(hours=24)


def source_health(
    session: Session, now: datetime | None = None, env: dict[str, str] | None = None
) -> list[SourceHealth]:
    """Per source: the last run's counts, and whether it has been failing for 24 hours or more."""
    import os

    from sqlalchemy import func

    now = now or datetime.now(UTC)
    env = dict(os.environ) if env is None else env
    counts: dict[int, int] = {
        int(source_id): int(n)
        for source_id, n in session.execute(select(CrawlRun.source_id, func.count()).group_by(CrawlRun.source_id))
    }
    rows = []
    for source in session.scalars(select(Source).order_by(Source.name)):
        last = session.scalar(
            select(CrawlRun)
            .where(CrawlRun.source_id == source.id)
            .order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc())
            .limit(1)
        )
        since_ok = source.last_success_at
        failing_hours = None
        if source.last_error_at and (since_ok is None or source.last_error_at > since_ok):
            first_failure = session.scalar(
                select(func.min(CrawlRun.started_at)).where(
                    CrawlRun.source_id == source.id,
                    CrawlRun.status == CrawlStatus.FAILED,
                    *([CrawlRun.started_at > since_ok] if since_ok else []),
                )
            )
            if first_failure is not None:
                failing_hours = (now - first_failure).total_seconds() / 3600
        if not source.enabled:
            state = "disabled"
        elif any(not env.get(str(v)) for v in source.credentials_env or []):
            state = "needs_token"
        elif failing_hours is not None and failing_hours >= FAILING_AFTER.total_seconds() / 3600:
            state = "failing"
        elif last is None:
            state = "never_run"
        elif last.status is CrawlStatus.FAILED:
            state = "error"
        else:
            state = "ok"
        rows.append(
            SourceHealth(
                name=source.name,
                kind=source.kind.value,
                enabled=source.enabled,
                state=state,
                last_success_at=source.last_success_at,
                last_error_at=source.last_error_at,
                last_error=source.last_error,
                failing_for_hours=failing_hours,
                runs=int(counts.get(source.id, 0)),
                last_run=None
                if last is None
                else {
                    "started_at": last.started_at.isoformat(),
                    "status": last.status.value,
                    "requests": last.requests,
                    "stored": last.items_stored,
                    "updated": last.items_updated,
                    "duplicates": last.duplicates,
                    "rejected": last.rejected,
                    "errors": dict(last.errors or {}),
                    "message": last.message,
                },
            )
        )
    return rows
