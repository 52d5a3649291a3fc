"""Agencies in the database: loaded from the shipped registry (idempotent), listed and resolved."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bkkwatch.registry import AgencyEntry, Registry, shipped_registry
from storage.models import Agency, AgencyKind


@dataclass
class SyncResult:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0


def _row_values(entry: AgencyEntry) -> dict[str, object]:
    details = dict(entry.details)
    if entry.alias_patterns:
        details["alias_patterns"] = list(entry.alias_patterns)
    return {
        "kind": AgencyKind(entry.kind),
        "name_th": entry.name_th,
        "name_en": entry.name_en,
        "short_th": entry.short_th,
        "external": entry.external,
        "district_code": entry.district_code,
        "aliases": list(entry.aliases),
        "keywords": list(entry.keywords),
        "details": details,
        "active": True,
    }


def sync_agencies(session: Session, registry: Registry | None = None) -> SyncResult:
    """Make the agencies table match the registry, keyed on the agency code.

    Running it twice changes nothing; agencies that left the registry are deactivated, not deleted
    (issues and answers keep pointing at them).
    """
    registry = registry or shipped_registry()
    result = SyncResult()
    existing = {row.code: row for row in session.scalars(select(Agency))}
    for entry in registry.entries:
        values = _row_values(entry)
        row = existing.pop(entry.code, None)
        if row is None:
            session.add(Agency(code=entry.code, **values))
            result.added += 1
            continue
        changed = {k: v for k, v in values.items() if getattr(row, k) != v}
        if changed:
            for key, value in changed.items():
                setattr(row, key, value)
            result.updated += 1
        else:
            result.unchanged += 1
    for row in existing.values():
        if row.active:
            row.active = False
            result.deactivated += 1
    session.flush()
    return result


def list_agencies(session: Session, kind: str | None = None) -> list[Agency]:
    query = select(Agency).where(Agency.active.is_(True)).order_by(Agency.kind, Agency.code)
    if kind:
        query = query.where(Agency.kind == AgencyKind(kind))
    return list(session.scalars(query))


def registry_from_db(session: Session) -> Registry:
    """A resolver over the agencies stored in the database (what people may have edited)."""
    entries = []
    for row in list_agencies(session):
        details = dict(row.details or {})
        patterns = tuple(details.pop("alias_patterns", ()) or ())
        entries.append(
            AgencyEntry(
                code=row.code,
                kind=row.kind.value,
                name_th=row.name_th,
                name_en=row.name_en,
                short_th=row.short_th,
                external=row.external,
                aliases=tuple(row.aliases or ()),
                keywords=tuple(row.keywords or ()),
                alias_patterns=patterns,
                district_code=row.district_code,
                details=details,
            )
        )
    return Registry(entries, shipped_registry().placeholders_raw)


def agency_ids_by_name(session: Session) -> dict[str, int]:
    return {name: id_ for id_, name in session.execute(select(Agency.id, Agency.name_th))}
