"""Bangkok gazetteer: districts, แขวง, short forms, stations, markets, landmarks, canals and main roads;
other provinces (which count against relevance); and coordinates → district.

Built from the shipped agency registry (itself generated from the ``geothai`` package),
``bkkwatch/data/provinces.yaml`` and the hand-made ``classify/data/places.yaml``; district centroids for
coordinates come from ``classify/data/district_centroids.json`` (see classify/data/README.md).
Matching is on normalised text, longest name first.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from bkkwatch.registry import Registry, shipped_registry
from classify.wordscan import WordScan, leftmost_longest

# Province names that are also everyday words or parts of Bangkok names: only counted after จ./จังหวัด.
_NEEDS_PREFIX_CHARS = 5
_PROVINCE_PREFIX = r"(?:จ\.\s?|จังหวัด\s?)"
_STREET_WORDS = ("ถนน", "ถ.", "แยก", "สะพาน", "ซอย", "ซ.", "สถานี", "ทางด่วน", "ถนนสาย", "โรงพยาบาล", "รพ.")
# Bangkok's bounding box (with a margin): a point outside it is not in Bangkok.
_LAT_RANGE = (13.45, 14.0)
_LON_RANGE = (100.3, 100.97)
_MAX_KM_FROM_CENTROID = 12.0

DATA_DIR = Path(__file__).parent / "data"


@dataclass(frozen=True, slots=True)
class PlaceHit:
    name: str  # the district's bare Thai name, e.g. บางรัก
    agency: str  # the district office's canonical name
    surface: str  # what the text said
    strong: bool  # "เขต…" / "แขวง…" / a named station or landmark rather than a bare name
    kind: str = "district"  # district | subdistrict | station | market | landmark | road | canal | ...
    weight: float = 1.0  # 1 for a place in one district; 1/n for a road through n districts


@dataclass(frozen=True, slots=True)
class Places:
    districts: list[PlaceHit]
    bangkok_mentions: list[str]
    other_provinces: list[str]

    @property
    def district_weights(self) -> dict[str, float]:
        """How strongly the text points at each district: a named district, แขวง, station or market
        counts 1.5, a road or canal through n districts 1/n."""
        return dict(self._weights)

    @property
    def district_names(self) -> list[str]:
        """Districts, most mentioned (weighted) first."""
        return list(self._names)

    # Computed once, when the places are found (the signals, the model text and the agency ranking each
    # read them; the properties above hand out copies). Plain attributes: a cached_property's lookup cost
    # more than computing them for every text.
    _weights: dict[str, float] = field(init=False, repr=False, compare=False)
    _names: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        score: dict[str, float] = {}
        for hit in self.districts:
            score[hit.name] = score.get(hit.name, 0.0) + hit.weight * (1.5 if hit.strong else 1.0)
        object.__setattr__(self, "_weights", score)
        object.__setattr__(self, "_names", tuple(sorted(score, key=lambda name: -score[name])) if score else ())

    @property
    def landmarks(self) -> list[str]:
        return list(dict.fromkeys(h.surface for h in self.districts if h.kind not in ("district", "subdistrict")))


BANGKOK_WORDS = ("กรุงเทพมหานคร", "กรุงเทพฯ", "กรุงเทพ", "กทม", "bangkok", "bma", "เมืองหลวง", "เมืองกรุง")
_BANGKOK_THAI = frozenset(w for w in BANGKOK_WORDS if not w.isascii())
_LETTER_B = re.compile("[bB]")  # where an English Bangkok word can begin (no other letter folds to b)
_PROVINCE_PREFIX_WORDS = frozenset(("จ.", "จังหวัด"))  # what _PROVINCE_PREFIX must start with
# "กรุงเทพ" inside a company/hospital name (โรงพยาบาลกรุงเทพ…, ธนาคารกรุงเทพ) does not place an item in Bangkok.
_BANGKOK_NAME_PREFIXES = ("โรงพยาบาล", "รพ.", "ธนาคาร", "มหาวิทยาลัย", "ม.", "ประกันภัย", "ดุสิต", "โตโยต้า")


def trie_pattern(words: list[str]) -> str:
    """One regular expression matching any of ``words``, longest first, factored as a trie: a plain
    alternation of thousands of names tries each at every position; the trie tries one character."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = True

    def build(node: dict[str, Any]) -> str:
        end = "" in node
        branches = [re.escape(char) + build(child) for char, child in sorted(node.items()) if char != ""]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if end else body

    return build(trie)


_ABBREVIATED = (("ถนน", "ถ."), ("ซอย", "ซ."))


def _written_forms(names: list[str]) -> list[str]:
    """A road's or soi's name as people write it: ถนนจันทน์ also as ถ.จันทน์, ถ. จันทน์ and ถนน จันทน์
    (Traffy complaints write all four), ซอยลาซาล also as ซ.ลาซาล."""
    out = list(names)
    for name in names:
        for word, short in _ABBREVIATED:
            if name.startswith(word) and len(name) > len(word) + 1 and name[len(word)] != " ":
                rest = name[len(word) :]
                out += [f"{word} {rest}", f"{short}{rest}", f"{short} {rest}"]
    return list(dict.fromkeys(out))


def _load_places(path: Path) -> dict[str, Any]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: expected a mapping with 'places' and 'short_forms'")
    return raw


class Gazetteer:
    def __init__(
        self,
        registry: Registry,
        provinces: list[dict[str, str]],
        places: dict[str, Any] | None = None,
        centroids: dict[str, list[float]] | None = None,
    ) -> None:
        forms: list[tuple[str, PlaceHit]] = []
        self._office: dict[str, str] = {}
        for entry in registry.districts():
            bare = entry.district_th or (entry.short_th or "").removeprefix("เขต")
            if not bare:
                continue
            self._office[bare] = entry.name_th
            forms.append((f"เขต{bare}", PlaceHit(bare, entry.name_th, f"เขต{bare}", True)))
            forms.append((f"เขต {bare}", PlaceHit(bare, entry.name_th, f"เขต{bare}", True)))
            forms.append((bare, PlaceHit(bare, entry.name_th, bare, False)))
            for sub in entry.details.get("subdistricts") or []:
                name = str(sub.get("name_th", "")).removeprefix("แขวง")
                if name:
                    hit = PlaceHit(bare, entry.name_th, f"แขวง{name}", True, "subdistrict")
                    forms.append((f"แขวง{name}", hit))
                    forms.append((f"แขวง {name}", hit))
        places = places or {}
        for bare, variants in (places.get("short_forms") or {}).items():
            if bare not in self._office:
                raise ValueError(f"places.yaml: short form of unknown district {bare!r}")
            for variant in variants:
                forms.append((variant, PlaceHit(bare, self._office[bare], f"เขต{bare}", False)))
                forms.append((f"เขต{variant}", PlaceHit(bare, self._office[bare], f"เขต{bare}", True)))
        for item in places.get("places") or []:
            districts = [d for d in item.get("districts") or [] if d in self._office]
            if len(districts) != len(item.get("districts") or []):
                raise ValueError(f"places.yaml: {item.get('name')!r} names an unknown district")
            weight = 1.0 / len(districts)
            for surface in _written_forms([item["name"], *(item.get("aliases") or [])]):
                for rank, bare in enumerate(districts):
                    hit = PlaceHit(
                        bare,
                        self._office[bare],
                        item["name"],
                        len(districts) == 1,
                        str(item.get("kind", "landmark")),
                        round(weight * (1.0 - 0.1 * rank), 3),
                    )
                    forms.append((surface, hit))
        forms.sort(key=lambda pair: len(pair[0]), reverse=True)
        self._forms: dict[str, list[PlaceHit]] = {}
        for form, hit in forms:
            bucket = self._forms.setdefault(form, [])
            if all(h.name != hit.name for h in bucket):
                bucket.append(hit)
        others = [p["name_th"] for p in provinces if p.get("code") != "10"]
        plain = [n for n in others if len(n) >= _NEEDS_PREFIX_CHARS]
        prefixed = [n for n in others if len(n) < _NEEDS_PREFIX_CHARS]
        # Tries, not an alternation of 76 names (tried one by one at every position of every text).
        self._province_re = re.compile(f"{trie_pattern(plain)}|{_PROVINCE_PREFIX}(?:{trie_pattern(prefixed)})")
        self._bangkok_re = re.compile("|".join(re.escape(w) for w in BANGKOK_WORDS), re.IGNORECASE)
        # One pass of an automaton finds the districts' forms (longest first, the matches of a regular
        # expression ``trie_pattern(forms)``) and whether the two patterns above can match at all: most
        # texts name no province and do not say Bangkok.
        self._scan = WordScan([*self._forms, *plain, *prefixed, *_PROVINCE_PREFIX_WORDS, *_BANGKOK_THAI])
        self._plain_provinces = frozenset(plain)
        self._province_starts = self._plain_provinces | _PROVINCE_PREFIX_WORDS  # where a province match begins
        self._prefixed_provinces = frozenset(prefixed)
        self.centroids = {k: (float(v[0]), float(v[1])) for k, v in (centroids or {}).items() if k in self._office}
        self._centroid_arrays = (
            list(self.centroids),
            np.array([c[0] for c in self.centroids.values()]),
            np.array([c[1] for c in self.centroids.values()]),
        )

    def office_of(self, bare: str) -> str | None:
        return self._office.get(bare)

    @property
    def district_bare_names(self) -> list[str]:
        return list(self._office)

    @property
    def scan_words(self) -> frozenset[str]:
        """The words :meth:`find` looks for in one automaton pass (the places' forms, the provinces' names
        and the words that say whether the province and Bangkok patterns can match)."""
        return self._scan.words

    def find(
        self, text: str, occurrences: list[tuple[int, str]] | None = None, present: set[str] | None = None
    ) -> Places:
        """The places ``text`` names. ``occurrences``: (start, word) of every occurrence in ``text`` of the
        words of a :class:`WordScan` holding at least :attr:`scan_words`, if a caller's pass (for its own
        words too) has found them; the other words are ignored. ``present``: the set of those words, if
        the caller has it (read_signals does)."""
        if occurrences is None:
            occurrences = self._scan.occurrences(text)
            present = None
        if present is None:
            present = {word for _, word in occurrences}
        provinces: dict[str, None] = {}
        province_spans: list[tuple[int, int]] = []
        # The province pattern needs a long name, or จ./จังหวัด and a short name (else it cannot match).
        if not present.isdisjoint(self._plain_provinces) or (
            not present.isdisjoint(_PROVINCE_PREFIX_WORDS) and not present.isdisjoint(self._prefixed_provinces)
        ):
            starts = [start for start, word in occurrences if word in self._province_starts]
            for match in matches_from(self._province_re, text, starts):
                before = text[max(0, match.start() - 9) : match.start()].rstrip()
                if before.endswith(_STREET_WORDS):
                    continue  # ถนนกำแพงเพชร, แยกนนทบุรี: Bangkok streets named after provinces
                provinces.setdefault(re.sub(_PROVINCE_PREFIX, "", match.group(0)), None)
                province_spans.append(match.span())
        hits: list[PlaceHit] = []
        forms = self._forms
        named = [(start, word) for start, word in occurrences if word in forms]
        if named:  # (one form, the most common case: its one match without leftmost_longest's sort)
            start, word = named[0]
            matches = leftmost_longest(named) if len(named) > 1 else [(start, start + len(word), word)]
            for match_start, match_end, form in matches:
                bucket = forms[form]
                if province_spans and any(start < match_end and match_start < end for start, end in province_spans):
                    continue  # inside a province's name: ศรีอยุธยา (a road) in พระนครศรีอยุธยา
                if bucket[0].name == "พระนคร" and text.startswith("ศรี", match_end):
                    continue  # พระนครศรีอยุธยา is a province
                hits.extend(bucket)
        bangkok: list[str] = []
        # Bangkok's Thai words, or a b/B for the English ones (case-insensitive: no other letter folds to b).
        if present.isdisjoint(_BANGKOK_THAI) and "b" not in text and "B" not in text:
            return Places(hits, bangkok, list(provinces))
        starts = [start for start, word in occurrences if word in _BANGKOK_THAI]
        if "b" in text or "B" in text:
            starts += [m.start() for m in _LETTER_B.finditer(text)]
        for m in matches_from(self._bangkok_re, text, starts):
            before = text[max(0, m.start() - 10) : m.start()].rstrip()
            if before.endswith(_BANGKOK_NAME_PREFIXES) or text[m.end() : m.end() + 6].startswith(
                ("สุราษฎร์", "พัทยา", "ราชสีมา", "อุดร", "ภูเก็ต", "เชียงใหม่", "ธนาคม", "ธุรกิจ", "ยนต์")
            ):
                continue
            bangkok.append(m.group(0))
        return Places(hits, bangkok, list(provinces))

    def district_at(self, lat: float | None, lon: float | None) -> str | None:
        """The district (bare name) nearest to a point, or None when the point is not in Bangkok.
        Traffy rows often carry latitude and longitude swapped: a (100.5, 13.7) pair is read as
        (13.7, 100.5)."""
        point = fix_coordinates(lat, lon)
        if point is None or not self.centroids:
            return None
        names, lats, lons = self._centroid_arrays
        dlat = np.radians(lats - point[0])
        dlon = np.radians(lons - point[1]) * math.cos(math.radians(point[0]))
        km = 6371.0 * np.hypot(dlat, dlon)
        best = int(km.argmin())
        return names[best] if km[best] <= _MAX_KM_FROM_CENTROID else None

    def districts_at(self, points: Sequence[tuple[Any, Any]]) -> list[str | None]:
        """``[self.district_at(lat, lon) for lat, lon in points]`` (None for a missing or unreadable value),
        the distances of all the points to the centroids computed at once: the same arithmetic, element by
        element, as one point's (the cosine of each latitude from :func:`math.cos`, as there)."""
        out: list[str | None] = [None] * len(points)
        fixed = [
            (i, point)
            for i, (lat, lon) in enumerate(points)
            if lat is not None and lon is not None and (point := fix_coordinates(lat, lon)) is not None
        ]
        if not fixed or not self.centroids:
            return out
        names, lats, lons = self._centroid_arrays
        at = np.array([point for _, point in fixed])
        scale = np.array([math.cos(math.radians(point[0])) for _, point in fixed])
        dlat = np.radians(lats[None, :] - at[:, :1])
        dlon = np.radians(lons[None, :] - at[:, 1:]) * scale[:, None]
        km = 6371.0 * np.hypot(dlat, dlon)
        best = km.argmin(axis=1)
        nearest = km[np.arange(len(fixed)), best].tolist()
        for (i, _), column, distance in zip(fixed, best.tolist(), nearest, strict=True):
            out[i] = names[column] if distance <= _MAX_KM_FROM_CENTROID else None
        return out


def fix_coordinates(lat: Any, lon: Any) -> tuple[float, float] | None:
    """(lat, lon) inside Bangkok's box, swapping the pair if that is what puts it there; else None."""
    try:
        a, b = float(lat), float(lon)
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(a) and math.isfinite(b)):
        return None
    for la, lo in ((a, b), (b, a)):
        if _LAT_RANGE[0] <= la <= _LAT_RANGE[1] and _LON_RANGE[0] <= lo <= _LON_RANGE[1]:
            return la, lo
    return None


def matches_from(pattern: re.Pattern[str], text: str, starts: list[int]) -> Iterator[re.Match[str]]:
    """The matches of ``pattern.finditer(text)`` for a pattern that matches only where one of ``starts``
    is (the automaton found there a word every match begins with) and never the empty string: the
    pattern tried at those positions alone, from left to right and on from each match's end, rather
    than at every character of the text."""
    end = 0
    for start in sorted(set(starts)):
        if start >= end:
            match = pattern.match(text, start)
            if match is not None:
                end = match.end()
                yield match


def _provinces_path() -> Path:
    return Path(str(resources.files("bkkwatch") / "data" / "provinces.yaml"))


def read_centroids(path: Path | None = None) -> dict[str, list[float]]:
    path = path or DATA_DIR / "district_centroids.json"
    if not path.exists():
        return {}
    return dict(json.loads(path.read_text(encoding="utf-8"))["centroids"])


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    provinces = yaml.safe_load(_provinces_path().read_text(encoding="utf-8"))["provinces"]
    return Gazetteer(shipped_registry(), provinces, _load_places(DATA_DIR / "places.yaml"), read_centroids())
