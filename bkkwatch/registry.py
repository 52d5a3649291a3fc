"""The agency registry shipped in the repository (``bkkwatch/data/agencies.yaml``) and name resolution.

One agency has many spellings: "เขตบางรัก", "สนข.บางรัก", "สำนักงานเขตบางรัก" and "Bang Rak district office"
are one district office. ``Registry.resolve`` maps any of them to the canonical Thai name. The same
class serves the command line, the database loader and the rule scorer's gazetteer.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

KINDS = ("district", "department", "enterprise", "external")
_SPACES_AND_DOTS = re.compile(r"[\s.\u200b\u200c\u200d\ufeff]+")
# Suffixes that say "of Bangkok" without changing which agency is meant.
_BANGKOK_SUFFIXES = ("กรุงเทพมหานคร", "กทม", "bma", "bangkok")


class RegistryError(ValueError):
    """The registry file is missing or malformed."""


def name_key(text: str) -> str:
    """Comparison key for agency names: NFC, case-folded, without spaces, dots and zero-width marks."""
    return _SPACES_AND_DOTS.sub("", unicodedata.normalize("NFC", text)).casefold()


@dataclass(frozen=True)
class AgencyEntry:
    code: str
    kind: str
    name_th: str
    name_en: str
    short_th: str | None = None
    external: bool = False
    aliases: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    alias_patterns: tuple[str, ...] = ()
    district_code: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any], where: str) -> AgencyEntry:
        missing = [k for k in ("code", "kind", "name_th", "name_en") if not raw.get(k)]
        if missing:
            raise RegistryError(f"{where}: missing {', '.join(missing)}")
        if raw["kind"] not in KINDS:
            raise RegistryError(f"{where}: kind {raw['kind']!r} is not one of {', '.join(KINDS)}")
        details = {key: raw[key] for key in ("district_th", "district_en", "subdistricts") if raw.get(key) is not None}
        district_code = raw.get("district_code")
        return cls(
            code=str(raw["code"]),
            kind=str(raw["kind"]),
            name_th=str(raw["name_th"]),
            name_en=str(raw["name_en"]),
            short_th=raw.get("short_th"),
            external=bool(raw.get("external", raw["kind"] == "external")),
            aliases=tuple(str(a) for a in raw.get("aliases") or ()),
            keywords=tuple(str(k) for k in raw.get("keywords") or ()),
            alias_patterns=tuple(str(p) for p in raw.get("alias_patterns") or ()),
            district_code=str(district_code) if district_code is not None else None,
            details=details,
        )

    @property
    def district_th(self) -> str | None:
        value = self.details.get("district_th")
        return str(value) if value else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "kind": self.kind,
            "name_th": self.name_th,
            "name_en": self.name_en,
            "short_th": self.short_th,
            "external": self.external,
            "district_code": self.district_code,
            "aliases": list(self.aliases),
            "keywords": list(self.keywords),
            **({"alias_patterns": list(self.alias_patterns)} if self.alias_patterns else {}),
            **dict(self.details),
        }


class Registry:
    """All agencies with an index of their names and aliases."""

    def __init__(self, entries: Iterable[AgencyEntry], placeholders: Iterable[str] = ()) -> None:
        self.entries: list[AgencyEntry] = list(entries)
        self.placeholders_raw = tuple(placeholders)
        self.placeholders = {name_key(p) for p in self.placeholders_raw}
        self._by_key: dict[str, AgencyEntry] = {}
        self._patterns: list[tuple[re.Pattern[str], AgencyEntry]] = []
        for entry in self.entries:
            for name in (entry.name_th, entry.name_en, entry.short_th, *entry.aliases):
                if not name:
                    continue
                key = name_key(name)
                other = self._by_key.get(key)
                if other is not None and other.code != entry.code:
                    raise RegistryError(f"alias {name!r} names both {other.code} and {entry.code}")
                self._by_key[key] = entry
            for pattern in entry.alias_patterns:
                self._patterns.append((re.compile(pattern), entry))
        codes = [e.code for e in self.entries]
        if len(codes) != len(set(codes)):
            raise RegistryError("agency codes are not unique")

    def __len__(self) -> int:
        return len(self.entries)

    def by_code(self, code: str) -> AgencyEntry | None:
        return next((e for e in self.entries if e.code == code), None)

    def by_name(self, name_th: str) -> AgencyEntry | None:
        return next((e for e in self.entries if e.name_th == name_th), None)

    def districts(self) -> list[AgencyEntry]:
        return [e for e in self.entries if e.kind == "district"]

    def resolve(self, text: str) -> AgencyEntry | None:
        """The agency a free-text name means, or None (also for platform placeholders)."""
        key = name_key(text)
        if not key or key in self.placeholders:
            return None
        found = self._by_key.get(key)
        if found is not None:
            return found
        for suffix in _BANGKOK_SUFFIXES:  # "สำนักการระบายน้ำ กทม."
            if key.endswith(suffix) and len(key) > len(suffix):
                found = self._by_key.get(key[: -len(suffix)])
                if found is not None:
                    return found
        stripped = unicodedata.normalize("NFC", text).strip()
        for pattern, entry in self._patterns:
            if pattern.search(stripped):
                return entry
        return None

    def resolve_many(self, organisation: str) -> list[AgencyEntry]:
        """Agencies named in a comma-joined organisation string (as Traffy Fondue writes them)."""
        seen: dict[str, AgencyEntry] = {}
        for part in re.split(r"[,;\n]", organisation):
            entry = self.resolve(part)
            if entry is not None:
                seen.setdefault(entry.code, entry)
        return list(seen.values())


def default_registry_path() -> Path:
    return Path(str(resources.files("bkkwatch") / "data" / "agencies.yaml"))


def read_registry(path: Path | None = None) -> Registry:
    path = path or default_registry_path()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise RegistryError(f"{path}: registry file not found") from exc
    except yaml.YAMLError as exc:
        raise RegistryError(f"{path}: not valid YAML ({exc})") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("agencies"), list):
        raise RegistryError(f"{path}: expected a mapping with an 'agencies' list")
    entries = [
        AgencyEntry.from_mapping(item, f"{path.name}: agency #{i + 1}")
        for i, item in enumerate(raw["agencies"])
        if isinstance(item, dict)
    ]
    if len(entries) != len(raw["agencies"]):
        raise RegistryError(f"{path}: every agency must be a mapping")
    return Registry(entries, raw.get("placeholders") or ())


@lru_cache(maxsize=1)
def shipped_registry() -> Registry:
    """The registry file shipped with bkkwatch (read once per process)."""
    return read_registry()
