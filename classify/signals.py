"""Signals read from one document before any model: places, remit and problem words, harm, source and
engagement. They feed the models (as extra tokens and dense features) and the Thai explanation."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice
from types import EllipsisType
from typing import Any

import numpy as np

from classify.places import Gazetteer, Places
from classify.rules import BMA_WORDS, POSITIVE_WORDS, PROBLEM_WORDS, URGENT_WORDS, count
from classify.wordscan import WordScan

# Complaints that have lasted or repeat (RUBRIC.md impact 2).
LASTING_WORDS = (
    "หลายครั้ง",
    "หลายรอบ",
    "เป็นปี",
    "หลายเดือน",
    "หลายปี",
    "นานแล้ว",
    "มานาน",
    "ซ้ำซาก",
    "ไม่ได้รับการแก้ไข",
    "ไม่มีการแก้ไข",
    "เรื่องเงียบ",
    "แจ้งไปแล้ว",
    "แจ้งแล้ว",
    "ยังไม่ได้",
    "ครึ่งปี",
    "นานนับ",
    "ทุกวัน",
    "ทุกปี",
)
# Harm now: a flood that is in houses or deep on a road (RUBRIC.md impact 3, with URGENT_WORDS).
_FLOOD_NOW = re.compile(r"(น้ำท่วม|ท่วมขัง|ท่วมสูง)[^\n]{0,60}?(เข้าบ้าน|หัวเข่า|เอว|\d+\s*(?:-\s*\d+\s*)?ซม|สูง)")
_SOURCE_KINDS = {
    "complaint": ("traffy", "ticket", "1555", "ร้องเรียน", "fondue"),
    "social": (
        "social",
        "post",
        "comment",
        "facebook",
        "twitter",
        "x.com",
        "pantip",
        "tiktok",
        "youtube",
        "instagram",
        "line",
        "wisesight",
    ),
    "news": (
        "news",
        "article",
        "rss",
        ".co.th",
        ".com",
        "thairath",
        "dailynews",
        "matichon",
        "khaosod",
        "ch3",
        "thaipbs",
        "bangkokpost",
        "nation",
        "prachachat",
        "outlet",
    ),
}


# A traffic round-up: a string of timed traffic-flow reports (a radio station's or readers' tweets,
# "08.57 น. ... ติดสนิท 08.49 น. ... ชะลอตัว"). By RUBRIC.md traffic flow is the police's, and the harm
# words in it (a crash, a vehicle fire) are single incidents relayed, not harm the BMA must answer: a
# round-up is routine, never urgent.
_ROUNDUP_TIME = re.compile(r"(?<!\d)\d{1,2}[.:]\d{2}\s?น\.")
_FLOW_WORDS = (
    "รถติด",
    "ติดขัด",
    "ชะลอตัว",
    "หนาแน่น",
    "เคลื่อนตัว",
    "ติดสนิท",
    "ติดหนึบ",
    "รถมาก",
    "หยุดนิ่ง",
    "คล่องตัว",
)
_FLOW_SET = frozenset(_FLOW_WORDS)
_ROUNDUP_SOURCES = ("js100", "จส.100", "จส100", "สวพ.91", "สวพ91", "ทวิต")


def is_roundup(body: str, lowered: str, present: set[str] | None = None) -> bool:
    """Whether a text is a traffic round-up (see above): several timed reports and traffic-flow words.
    ``present``: the words of :data:`_BODY_WORDS` that occur in ``body``, if already known."""
    flow = sum(1 for w in _FLOW_WORDS if w in body) if present is None else len(present & _FLOW_SET)
    if flow == 0:
        return False
    relayed = any(w in lowered for w in _ROUNDUP_SOURCES)
    if flow < 2 and not relayed:
        return False
    # (times >= 3 and flow >= 2) or (relayed and times >= 2), the timed reports counted only up to that
    need = 2 if relayed else 3
    return sum(1 for _ in islice(_ROUNDUP_TIME.finditer(body, 0, 3000), need)) >= need


_NEGATION = re.compile(r"(?:ไม่|ไม่มี|ไม่พบ|ยังไม่พบ|ปราศจาก)\s*(?:ผู้|คน)?\s*(?:ได้รับ)?\s*(?:บาดเจ็บ\s*(?:และ|หรือ))?\s*$")


_PROBLEMS = [(w, w.casefold()) for w in PROBLEM_WORDS]
_BMA = [(w, w.casefold()) for w in BMA_WORDS]
# Every fixed word the signals look for, found by one automaton pass over the body (case-sensitive lists)
# and one over its case-folded form (the problem and BMA words), rather than one ``in`` per word.
_FLOOD_WORDS = ("น้ำท่วม", "ท่วมขัง", "ท่วมสูง")  # _FLOOD_NOW cannot match without one of them
_BODY_WORDS = WordScan([*URGENT_WORDS, *POSITIVE_WORDS, *LASTING_WORDS, *_FLOW_WORDS, *_FLOOD_WORDS])
_FOLDED_WORDS = WordScan([folded for _, folded in (*_PROBLEMS, *_BMA)])
_ALL_WORDS = WordScan(_BODY_WORDS.words | _FOLDED_WORDS.words)
SIGNAL_WORDS = _ALL_WORDS.words  # what a caller's own pass must look for to hand read_signals its occurrences
# The urgent words as a set: a text holds few of them, so whether it holds any is asked before the list is
# walked in its order (the sets found hold the places' and the caller's words too: never empty to test).
# The other lists are read by _in_order.
_URGENT_SET = frozenset(URGENT_WORDS)
# A problem or BMA word with a character outside the Thai block and ASCII's non-letters ("pm2.5"): case
# folding can make it occur in the folded text where the body does not hold it (PM2.5). The others occur in
# the folded text exactly where they occur in the body (no character folds into one of theirs: test), so
# the body's occurrences answer for them and only these few are looked for in the folded text.
_FOLDABLE = tuple(
    sorted(
        w
        for w in _FOLDED_WORDS.words
        if not all("\u0e00" <= c <= "\u0e7f" or (c.isascii() and not c.isalpha()) for c in w)
    )
)


def _in_order(found: set[str], rank: tuple[frozenset[str], dict[str, tuple[int, str]]]) -> list[str]:
    """The words of a list among ``found``, in the list's order (``rank``: :func:`_ranks` of the list):
    ``[w for w in words if w in found]`` without walking the whole list."""
    keys, order = rank
    if keys.isdisjoint(found):  # (iterates the smaller set, as & does, and builds none)
        return []
    hits = keys & found
    if len(hits) == 1:
        return [order[next(iter(hits))][1]]
    return [w for _, w in sorted(order[h] for h in hits)]


def _ranks(pairs: list[tuple[str, str]]) -> tuple[frozenset[str], dict[str, tuple[int, str]]]:
    """(word, key) pairs of a list -> the keys, and {key: (index, word)} (distinct keys: checked)."""
    order = {key: (i, word) for i, (word, key) in enumerate(pairs)}
    if len(order) != len(pairs):
        raise ValueError("two words of a signal list fold to the same word")
    return frozenset(order), order


_PROBLEM_RANK = _ranks(_PROBLEMS)
_BMA_RANK = _ranks(_BMA)
_POSITIVE_RANK = _ranks([(w, w) for w in POSITIVE_WORDS])
_LASTING_RANK = _ranks([(w, w) for w in LASTING_WORDS])
# The keys of the four lists: a text holding none (most) reads four empty lists without looking them up.
_LISTED = _PROBLEM_RANK[0] | _BMA_RANK[0] | _POSITIVE_RANK[0] | _LASTING_RANK[0]


def _affirmed(body: str, word: str) -> bool:
    """``word`` occurs at least once not right after a negation ("ไม่พบผู้บาดเจ็บ" is no injury)."""
    start = body.find(word)
    while start >= 0:
        if not _NEGATION.search(body[max(0, start - 24) : start]):
            return True
        start = body.find(word, start + 1)
    return False


@lru_cache(maxsize=4096)  # a feed or platform name: few distinct values, looked up once per document
def source_kind(source: str | None) -> str:
    value = (source or "").casefold()
    if not value:
        return "unknown"
    for kind, needles in _SOURCE_KINDS.items():
        if any(n in value for n in needles):
            return kind
    return "other"


@dataclass(slots=True)
class Signals:
    places: Places
    districts: list[str]  # bare names, best first
    district_from: str  # field | coordinates | text | ""
    problems: list[str]
    harms: list[str]
    bma_hits: list[str]
    positives: list[str]
    lasting: list[str]
    source: str
    likes: int = 0
    shares: int = 0
    comments: int = 0
    roundup: bool = False  # a traffic round-up (:func:`is_roundup`)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def reach(self) -> int:
        return self.likes + 3 * self.shares + 2 * self.comments

    @property
    def spreading(self) -> bool:
        return self.shares >= 300 or self.comments >= 150 or self.likes >= 2000

    @property
    def viral(self) -> bool:
        return self.shares >= 3000 or self.comments >= 1500 or self.likes >= 20000

    @property
    def strong_place(self) -> bool:
        return any(h.strong for h in self.places.districts) or self.district_from in ("field", "coordinates")

    def tokens(self) -> list[str]:
        """Signal tokens appended to the model text (names start with ``zz`` so that no Thai word clashes)."""
        # (strong_place, spreading and viral read inline: once per document of every batch)
        out = [f"zzsrc{self.source}"]
        places = self.places
        hits = places.districts
        if self.district_from in ("field", "coordinates") or any(h.strong for h in hits):
            out.append("zzplacestrong")
        if hits:
            out.append("zzplace")
        if places.bangkok_mentions:
            out.append("zzbangkok")
        if places.other_provinces:
            out.append("zzprovince")
            if not hits and not places.bangkok_mentions:
                out.append("zzprovinceonly")
        if self.bma_hits:
            out.append("zzbma")
        if self.harms:
            out.append("zzharm")
        if self.lasting:
            out.append("zzlasting")
        likes, shares, comments = self.likes, self.shares, self.comments
        if likes or shares or comments:
            if shares >= 300 or comments >= 150 or likes >= 2000:
                out.append("zzspreading")
            if shares >= 3000 or comments >= 1500 or likes >= 20000:
                out.append("zzviral")
        if self.roundup:
            out.append("zzroundup")
        return out

    def dense(self) -> list[float]:
        """Dense features for the impact model (order fixed by DENSE_NAMES): one row of :func:`dense_rows`,
        which defines them (the scorer builds a whole batch's at once)."""
        return dense_rows([self])[0].tolist()


_DENSE_CAPS = np.array([3, 5, 3, 3, 3, 2, 2, 2])  # the caps of dense()'s counted features, in the order below
_SOURCE_COLUMNS = {"news": 12, "social": 13, "complaint": 14}


def dense_rows(signals: Sequence[Signals]) -> np.ndarray:
    """The impact model's dense features (documents x DENSE_NAMES): counts of strong places, places,
    Bangkok mentions, other provinces, BMA names, harms, lasting and positive words, each capped
    (_DENSE_CAPS) and divided by its cap for the whole batch at once; the problem weight (capped at 4,
    over 4); log1p(reach) / 12, spreading, viral; the source kind; whether the location gave the district."""
    out = np.zeros((len(signals), len(DENSE_NAMES)))
    if not signals:
        return out
    counts: list[tuple[int, int, int, int, int, int, int, int]] = []
    for i, sig in enumerate(signals):
        places = sig.places
        hits = places.districts
        counts.append(
            (
                sum(1 for h in hits if h.strong) if hits else 0,
                len(hits),
                len(places.bangkok_mentions),
                len(places.other_provinces),
                len(sig.bma_hits),
                len(sig.harms),
                len(sig.lasting),
                len(sig.positives),
            )
        )
        if sig.problems:
            out[i, 5] = min(sum(PROBLEM_WORDS[w] for w in sig.problems), 4.0) / 4
        if sig.likes or sig.shares or sig.comments:  # (else log1p(0) / 12 and the two flags: 0.0)
            out[i, 9] = math.log1p(sig.reach) / 12
            out[i, 10] = float(sig.spreading)
            out[i, 11] = float(sig.viral)
        column = _SOURCE_COLUMNS.get(sig.source)
        if column is not None:
            out[i, column] = 1.0
        if sig.district_from in ("field", "coordinates"):
            out[i, 15] = 1.0
    capped = np.minimum(np.array(counts), _DENSE_CAPS) / _DENSE_CAPS
    out[:, :5] = capped[:, :5]
    out[:, 6:9] = capped[:, 5:]
    return out


DENSE_NAMES = (
    "strong_places",
    "places",
    "bangkok_words",
    "other_provinces",
    "bma_words",
    "problem_weight",
    "harm",
    "lasting",
    "positive",
    "reach",
    "spreading",
    "viral",
    "src_news",
    "src_social",
    "src_complaint",
    "located",
)


def read_signals(
    gaz: Gazetteer,
    body: str,
    engagement: Mapping[str, Any] | None = None,
    source: str | None = None,
    district: str | None = None,
    lat: Any = None,
    lon: Any = None,
    occurrences: list[tuple[int, str]] | None = None,
    at: str | EllipsisType | None = ...,
    present: set[str] | None = None,
    lowered: str | None = None,
) -> Signals:
    """All signals of one normalised text (title and body joined). ``occurrences``: (start, word) of every
    occurrence in ``body`` of the words of one :class:`WordScan` holding at least ``gaz.scan_words`` and
    :data:`SIGNAL_WORDS` (one automaton pass for the places, the signals and the caller's own words), if
    the caller has found them; else the text is scanned here; ``present``: the set of their words, if the
    caller has made it (not changed here). ``at``: ``gaz.district_at(lat, lon)`` if the
    caller has looked it up (:meth:`Gazetteer.districts_at` does a batch's at once). ``lowered``:
    ``body.casefold()``, if the caller knows it (``body`` itself where casefold leaves it as it is)."""
    if occurrences is None:
        present = None
    elif present is None:
        present = {word for _, word in occurrences}
    found = gaz.find(body, occurrences, present)
    districts = found.district_names  # (a fresh list)
    district_from = "text" if districts else ""
    if at is ...:
        at = gaz.district_at(lat, lon) if lat is not None and lon is not None else None
    given = None
    if district:
        bare = str(district).strip().removeprefix("สำนักงานเขต").removeprefix("เขต").strip()
        given = bare if gaz.office_of(bare) else None
    if at:
        if at in districts:
            districts.remove(at)
        districts.insert(0, at)
        district_from = "coordinates"
    if given:
        if given in districts:
            districts.remove(given)
        districts.insert(0, given)
        district_from = "field"
    if lowered is None:
        lowered = body.casefold()
    # Each list is read by membership only, so a set holding other words too reads the same.
    if present is not None:
        # (see _FOLDABLE) rather than a second pass over the folded text
        folded_present = present if lowered == body else present.union(w for w in _FOLDABLE if w in lowered)
    elif lowered == body:  # (most Thai texts) one pass finds both lists
        present = folded_present = _ALL_WORDS.occurring(body)
    else:
        present = _BODY_WORDS.occurring(body)
        folded_present = _FOLDED_WORDS.occurring(lowered)
    harms = (
        sorted({URGENT_WORDS[w] for w in _URGENT_SET.intersection(present) if _affirmed(body, w)})
        if not _URGENT_SET.isdisjoint(present)
        else []
    )
    if not present.isdisjoint(_FLOOD_WORDS) and _FLOOD_NOW.search(body):
        harms = sorted({*harms, "น้ำท่วมสูง"})
    if engagement:
        likes, shares = count(engagement.get("likes")), count(engagement.get("shares"))
        comments = count(engagement.get("comments"))
    else:
        likes = shares = comments = 0
    if _LISTED.isdisjoint(folded_present) and (folded_present is present or _LISTED.isdisjoint(present)):
        problems, bma_hits, positives, lasting = [], [], [], []
    else:
        problems, bma_hits = _in_order(folded_present, _PROBLEM_RANK), _in_order(folded_present, _BMA_RANK)
        positives, lasting = _in_order(present, _POSITIVE_RANK), _in_order(present, _LASTING_RANK)
    return Signals(  # (by position, in the order of its fields: half the cost of naming them, per document)
        found,  # places
        districts,
        district_from,
        problems,
        harms,
        bma_hits,
        positives,
        lasting,
        source_kind(source),
        likes,
        shares,
        comments,
        not _FLOW_SET.isdisjoint(present) and is_roundup(body, lowered, present),  # roundup
    )
