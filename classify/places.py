"""Bangkok gazetteer: district offices' districts and แขวง, and the other provinces (which count against).

Built from the shipped agency registry (itself generated from the ``geothai`` package) and
``bkkwatch/data/provinces.yaml``. Matching is on normalised text, longest name first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml

from bkkwatch.registry import Registry, shipped_registry

# Province names that are also everyday words or parts of Bangkok names: only counted after จ./จังหวัด.
_NEEDS_PREFIX_CHARS = 5
_PROVINCE_PREFIX = r"(?:จ\.\s?|จังหวัด\s?)"
_STREET_WORDS = ("ถนน", "ถ.", "แยก", "สะพาน", "ซอย", "ซ.", "สถานี", "ทางด่วน", "ถนนสาย")


@dataclass(frozen=True)
class PlaceHit:
    name: str  # the district's bare Thai name, e.g. บางรัก
    agency: str  # the district office's canonical name
    surface: str  # what the text said
    strong: bool  # "เขต…" / "แขวง…" rather than a bare name


@dataclass(frozen=True)
class Places:
    districts: list[PlaceHit]
    bangkok_mentions: list[str]
    other_provinces: list[str]

    @property
    def district_names(self) -> list[str]:
        seen: dict[str, None] = {}
        for hit in self.districts:
            seen.setdefault(hit.name, None)
        return list(seen)


BANGKOK_WORDS = ("กรุงเทพมหานคร", "กรุงเทพฯ", "กรุงเทพ", "กทม", "bangkok", "bma", "เมืองหลวง")


class Gazetteer:
    def __init__(self, registry: Registry, provinces: list[dict[str, str]]) -> None:
        forms: list[tuple[str, PlaceHit]] = []
        for entry in registry.districts():
            bare = entry.district_th or (entry.short_th or "").removeprefix("เขต")
            if not bare:
                continue
            forms.append((f"เขต{bare}", PlaceHit(bare, entry.name_th, f"เขต{bare}", True)))
            forms.append((f"เขต {bare}", PlaceHit(bare, entry.name_th, f"เขต{bare}", True)))
            forms.append((bare, PlaceHit(bare, entry.name_th, bare, False)))
            for sub in entry.details.get("subdistricts") or []:
                name = str(sub.get("name_th", "")).removeprefix("แขวง")
                if name:
                    forms.append((f"แขวง{name}", PlaceHit(bare, entry.name_th, f"แขวง{name}", True)))
        forms.sort(key=lambda pair: len(pair[0]), reverse=True)
        self._forms = {form: hit for form, hit in forms}
        self._district_re = re.compile("|".join(re.escape(form) for form, _ in forms)) if forms else None
        others = [p["name_th"] for p in provinces if p.get("code") != "10"]
        plain = [n for n in others if len(n) >= _NEEDS_PREFIX_CHARS]
        prefixed = [n for n in others if len(n) < _NEEDS_PREFIX_CHARS]
        alternatives = [re.escape(n) for n in sorted(plain, key=len, reverse=True)]
        alternatives += [_PROVINCE_PREFIX + re.escape(n) for n in prefixed]
        self._province_re = re.compile("|".join(alternatives))
        self._bangkok_re = re.compile("|".join(re.escape(w) for w in BANGKOK_WORDS), re.IGNORECASE)

    def find(self, text: str) -> Places:
        hits: list[PlaceHit] = []
        if self._district_re is not None:
            for match in self._district_re.finditer(text):
                hit = self._forms[match.group(0)]
                following = text[match.end() : match.end() + 3]
                if hit.name == "พระนคร" and following.startswith("ศรี"):
                    continue  # พระนครศรีอยุธยา is a province
                hits.append(hit)
        provinces: dict[str, None] = {}
        for match in self._province_re.finditer(text):
            before = text[max(0, match.start() - 6) : match.start()].rstrip()
            if before.endswith(_STREET_WORDS):
                continue  # ถนนกำแพงเพชร, แยกนนทบุรี: Bangkok streets named after provinces
            provinces.setdefault(re.sub(_PROVINCE_PREFIX, "", match.group(0)), None)
        bangkok = [m.group(0) for m in self._bangkok_re.finditer(text)]
        return Places(hits, bangkok, list(provinces))


def _provinces_path() -> Path:
    return Path(str(resources.files("bkkwatch") / "data" / "provinces.yaml"))


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    provinces = yaml.safe_load(_provinces_path().read_text(encoding="utf-8"))["provinces"]
    return Gazetteer(shipped_registry(), provinces)
