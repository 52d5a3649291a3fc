"""Incremental story clustering: each arriving report joins an open story or starts a new one.

No database here: ``classify/stories.py`` feeds it from storage, ``bkkwatch stories`` from a file.

- **Text**: TF-IDF over character 4-grams of headline (counted twice) and the opening of the text,
  with document frequencies counted as documents arrive; a story keeps a centroid of its
  reports' vectors (the strongest terms only, so cost per report stays flat).
- **Place**: coordinates (Traffy tickets, geotagged posts) within a few hundred metres, and the
  districts/places the scorer found; a far-away report cannot join on text alone.
- **Tags**: shared categories or suggested agencies add a little.
- **Time**: a story is open while reports keep coming (``open_days`` since its last report).
  A matching report after that starts a NEW story linked to the old one (``recurrence_of``).
- **Duplicates** (classify/dedup.py) always join their family's story while it is open.

Candidates are found through an inverted index of each report's rarest terms and a grid of
about 250 m cells, both holding open stories only, so the work per report does not grow with the
store. ``save``/``load`` keep the whole state in one file; ``classify/stories.py`` rebuilds it from
the database when the file is missing.
"""

from __future__ import annotations

import gc
import heapq
import itertools
import math
import os
import pickle
import re
import unicodedata
from collections import Counter, deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np

from classify.dedup import (
    DocPrint,
    DuplicateIndex,
    fix_latlon,
    gram_hashes,
    metres_between,
    shingle_hashes,
    shingle_text,
    signature,
)

GRAM = 4
TEXT_CHARS = 400  # opening of the text used for story similarity
DOC_TERMS = 100  # strongest terms kept per report
STORY_TERMS = 150  # strongest terms kept per story centroid
POSTING_TERMS = 40  # strongest terms of a story in the inverted index
MAX_CANDIDATES = 8  # stories compared in full per report (by shared terms), plus as many nearby
MAX_POSTING = 40  # terms held by more open stories than this are not used to find candidates
LOOKUP_TERMS = 40  # a report's strongest terms looked up in the inverted index
CELL_DEG = 0.0025  # ~270 m grid cells for coordinates
MAX_CLOSED_POSTING = 20  # the same for closed stories (looked up only to find recurrences)
CLOSED_PER_CELL = 12  # the most recently closed stories kept per grid cell to find recurrences
CLOSED_TERMS = 12  # strongest terms of a closed story kept to find recurrences
OPEN_DAYS = 3.0  # a story closes after this many days without a new report
JOIN = 0.45  # combined similarity needed to join a story
RECUR = 0.30  # similarity for "the same matter again" to an earlier, closed story
MIN_TEXT = 0.15  # below this text similarity, nothing else can make two reports one story
FAR_METRES = 1500.0  # reports with coordinates further apart are never one story
TERM_BITS = 22  # terms are hashed 4-grams folded into 2**22 ids (document frequencies in one array)
TERM_MASK = np.uint32((1 << TERM_BITS) - 1)
# City-wide events: one heavy rain floods many streets at once, and outlets write it up from many
# angles (the governor's apology, the flooded junctions, the pumping stations, the traffic) with
# hardly a shared word. A headline naming the event, in Bangkok, from a report without coordinates
# (news, posts), joins the open story of that event whose last such report is at most EVENT_HOURS
# old. Local events (a fire, a sinkhole) are not here: two fires on one day are two stories.
CITY_EVENTS = {
    "flood": re.compile(r"น้ำท่วม|ท่วมขัง|น้ำขัง|ท่วม\s*\d+\s*จุด|ระบายน้ำ|น้ำรอการระบาย|flood"),
    "dust": re.compile(r"pm\s?2[.,]5|ฝุ่นละออง|ฝุ่นพิษ|ค่าฝุ่น|หมอกควัน"),
}
BANGKOK_CUES = re.compile(r"กทม|กรุงเทพ|เมืองกรุง|น้ำท่วมกรุง|เมืองหลวง|bangkok")
EVENT_HOURS = 24.0
EVENT_WINDOW = timedelta(hours=EVENT_HOURS)
STATE_VERSION = 2
FREEZE_EVERY = 2048  # reports between two gc.freeze() calls (see StoryClusterer.add)
_NONE = np.zeros(0, dtype=np.uint32)
_SATURATED: frozenset[Hashable] = frozenset()  # a closed-story term held by too many stories


@dataclass
class Report:
    """One document as the clusterer sees it."""

    key: Hashable
    text: str
    title: str = ""
    when: datetime | None = None
    canonical_url: str | None = None
    content_hash: str | None = None
    point: tuple[float, float] | None = None
    district: str | None = None
    places: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)

    @property
    def place_set(self) -> set[str]:
        return set(self.places) | ({self.district} if self.district else set())


@dataclass
class Placement:
    key: Hashable
    story: Hashable
    duplicate_of: Hashable | None
    new_story: bool
    recurrence_of: Hashable | None = None
    similarity: float = 0.0


@dataclass
class StoryProfile:
    key: Hashable
    first_seen: datetime
    last_seen: datetime
    n: int = 0
    centroid: dict[int, float] = field(default_factory=dict)
    points: list[tuple[float, float]] = field(default_factory=list)
    places: Counter[str] = field(default_factory=Counter)
    tags: Counter[str] = field(default_factory=Counter)
    indexed_terms: set[int] = field(default_factory=set)
    cells: set[tuple[int, int]] = field(default_factory=set)
    open: bool = True
    pinned: bool = False
    norm: float = 0.0  # of the centroid, kept up to date by the clusterer
    seq: int = 0  # creation order (a stable tie-break)
    events: dict[str, datetime] = field(default_factory=dict)  # city-wide event -> its latest report

    def renorm(self) -> None:
        self.norm = math.sqrt(sum(w * w for w in self.centroid.values())) or 1.0


def _cell(point: tuple[float, float]) -> tuple[int, int]:
    return (int(point[0] // CELL_DEG), int(point[1] // CELL_DEG))


def _neighbours(cell: tuple[int, int]) -> list[tuple[int, int]]:
    return [(cell[0] + i, cell[1] + j) for i in (-1, 0, 1) for j in (-1, 0, 1)]


class StoryClusterer:
    def __init__(
        self,
        new_story_key: Callable[[], Hashable] | None = None,
        open_days: float = OPEN_DAYS,
        recurrence_days: float = 365.0,
    ) -> None:
        self.new_story_key: Callable[[], Hashable] = new_story_key or self._next_key
        self.story_counter = 0
        self.open_for = timedelta(days=open_days)
        self.recurrence_for = timedelta(days=recurrence_days)
        self.dups = DuplicateIndex()
        self.df = np.zeros(1 << TERM_BITS, dtype=np.int32)  # documents each term id occurred in
        self.n_docs = 0
        self.stories: dict[Hashable, StoryProfile] = {}
        self.closed: dict[Hashable, StoryProfile] = {}
        self.postings: dict[int, set[Hashable]] = {}
        self.grid: dict[tuple[int, int], set[Hashable]] = {}
        # Closed stories are looked up only to find recurrences; both indexes are bounded: a cell keeps
        # its most recently closed stories, a term found in too many closed stories is dropped for good.
        self.closed_grid: dict[tuple[int, int], deque[Hashable]] = {}
        self.closed_postings: dict[int, set[Hashable] | frozenset[Hashable]] = {}
        self._forgetting: list[tuple[datetime, int, Hashable]] = []  # closed stories, by last report
        self.doc_story: dict[Hashable, Hashable] = {}
        self.merged: dict[Hashable, Hashable] = {}
        self.clock: datetime | None = None
        self._closing: list[tuple[datetime, int, Hashable]] = []
        self._seq = itertools.count()
        self.event_story: dict[str, Hashable] = {}  # city-wide event -> the open story that has it
        self.saved_meta: dict[str, Any] = {}
        self._added = 0

    # --- features ----------------------------------------------------------------------------

    def _terms(self, report: Report) -> tuple[np.ndarray, np.ndarray]:
        """The report's terms (hashed character 4-grams of the headline, counted twice, and the opening
        of the text) as sorted unique term ids and their counts."""
        title = gram_hashes(shingle_text(report.title), GRAM) if len(shingle_text(report.title)) >= GRAM else _NONE
        body_text = shingle_text(report.text[:TEXT_CHARS])
        body = gram_hashes(body_text, GRAM) if len(body_text) >= GRAM else _NONE
        ids = np.concatenate([title, title, body]) & TERM_MASK
        terms, counts = np.unique(ids, return_counts=True)
        return terms, counts

    def _vector(self, terms: tuple[np.ndarray, np.ndarray]) -> dict[int, float]:
        """TF-IDF of the strongest ``DOC_TERMS`` terms, unit length, strongest first."""
        ids, tf = terms
        if not ids.size:
            return {}
        n = self.n_docs + 1
        weights = (1.0 + np.log(tf)) * (np.log((n + 1) / (self.df[ids] + 1.0)) + 1.0)
        if ids.size > DOC_TERMS:
            keep = np.argpartition(-weights, DOC_TERMS - 1)[:DOC_TERMS]
            ids, weights = ids[keep], weights[keep]
        order = np.lexsort((ids, -weights))  # strongest first; ties by term id (a stable order)
        ids, weights = ids[order], weights[order]
        weights = weights / (float(np.sqrt(np.dot(weights, weights))) or 1.0)
        return dict(zip(ids.tolist(), weights.tolist(), strict=True))

    @staticmethod
    def _cosine(vec: dict[int, float], story: StoryProfile) -> float:
        centroid = story.centroid
        if not vec or not centroid:
            return 0.0
        shared = vec.keys() & centroid.keys()  # a set operation in C: only shared terms are visited
        dot = sum([vec[g] * centroid[g] for g in shared])
        return dot / (story.norm or 1.0)

    def _similarity(self, report: Report, vec: dict[int, float], story: StoryProfile) -> float:
        """Text cosine plus place and tag evidence; -1 when the two cannot be one matter."""
        score = self._cosine(vec, story)
        if score < MIN_TEXT:  # places alone never make a story: one citizen reports many problems on a walk
            return -1.0
        if report.point and story.points:
            d = min(metres_between(report.point, p) for p in story.points)
            if d > FAR_METRES:
                return -1.0
            score += 0.3 if d <= 150 else 0.1 if d <= 500 else -0.2
        places = report.place_set
        if places and story.places:
            score += -0.25 if places.isdisjoint(story.places.keys()) else 0.08
        if report.tags and story.tags and not story.tags.keys().isdisjoint(report.tags):
            score += 0.06
        return score

    def _next_key(self) -> Hashable:
        """s1, s2, ...: kept in the saved state, so a loaded index never reuses a key."""
        self.story_counter += 1
        return f"s{self.story_counter}"

    # --- time --------------------------------------------------------------------------------

    def _advance(self, when: datetime | None) -> datetime | None:
        if when is not None and (self.clock is None or when > self.clock):
            self.clock = when
            self._close_stale()
            self.dups.expire(when)
        return when or self.clock

    def _close_stale(self) -> None:
        assert self.clock is not None
        while self._closing and self._closing[0][0] + self.open_for < self.clock:
            last, _, key = heapq.heappop(self._closing)
            story = self.stories.get(key)
            if story is not None and story.last_seen == last and not story.pinned:
                self._close(story)
        while self._forgetting and self._forgetting[0][0] + self.recurrence_for < self.clock:
            last, _, key = heapq.heappop(self._forgetting)
            story = self.closed.get(key)
            if story is not None and story.last_seen == last:
                self._forget(story)

    def _forget(self, story: StoryProfile) -> None:
        """A closed story older than the recurrence window: nothing can recur to it any more."""
        del self.closed[story.key]
        for term in story.indexed_terms:
            keys = self.closed_postings.get(term)
            if isinstance(keys, set):
                keys.discard(story.key)
                if not keys:
                    del self.closed_postings[term]

    def _close(self, story: StoryProfile) -> None:
        self._unindex(story)
        story.open = False
        del self.stories[story.key]
        story.centroid = dict(heapq.nlargest(30, story.centroid.items(), key=lambda kv: kv[1]))
        story.renorm()
        story.tags = Counter()  # a closed story is only looked at again for a recurrence
        self.closed[story.key] = story
        heapq.heappush(self._forgetting, (story.last_seen, next(self._seq), story.key))
        for cell in story.cells:
            near = self.closed_grid.get(cell)
            if near is None:
                near = self.closed_grid[cell] = deque(maxlen=CLOSED_PER_CELL)
            near.append(story.key)
        story.indexed_terms = set()
        for term in heapq.nlargest(CLOSED_TERMS, story.centroid, key=story.centroid.__getitem__):
            keys = self.closed_postings.get(term)
            if keys is None:
                keys = self.closed_postings[term] = set()
            elif isinstance(keys, frozenset):
                continue
            keys.add(story.key)
            story.indexed_terms.add(term)
            if len(keys) > MAX_CLOSED_POSTING:  # too common a term to tell a recurrence: dropped for good
                for key in keys:
                    other = self.closed.get(key)
                    if other is not None:
                        other.indexed_terms.discard(term)
                self.closed_postings[term] = _SATURATED

    def _unindex(self, story: StoryProfile) -> None:
        for term in story.indexed_terms:
            keys = self.postings.get(term)
            if keys is not None:
                keys.discard(story.key)
                if not keys:
                    del self.postings[term]
        for cell in story.cells:
            keys = self.grid.get(cell)
            if keys is not None:
                keys.discard(story.key)
                if not keys:
                    del self.grid[cell]

    # --- the public interface ----------------------------------------------------------------

    def live(self, story_key: Hashable) -> Hashable:
        """Follow people's merges to the story that now holds the documents."""
        seen = set()
        while story_key in self.merged and story_key not in seen:
            seen.add(story_key)
            story_key = self.merged[story_key]
        return story_key

    def add(self, report: Report, story: Hashable | None = None) -> Placement:
        """Place one report. ``story`` forces the story (a person's decision, or where it already is)."""
        self._added += 1
        if self._added % FREEZE_EVERY == 0:
            # The index is millions of long-lived containers: without this, each full collection of
            # Python's cyclic garbage collector walks all of them, and its cost grows with the store
            # (up to 1 s per daily batch at 100,000 documents). Frozen objects are still freed by
            # reference counting when the index drops them; only cycles among them would stay.
            gc.freeze()
        when = self._advance(report.when)
        report.when = when
        hashes = shingle_hashes(report.title + "\n" + report.text)
        sig = signature(hashes) if hashes.size else None
        fingerprint = DocPrint(report.key, hashes, when, report.point, report.district)
        duplicate_of = self.dups.find(fingerprint, report.content_hash, report.canonical_url, sig=sig)
        fingerprint.duplicate_of = duplicate_of
        recurrence_of: Hashable | None = None
        similarity = 1.0
        new = False
        head_story = self.live(self.doc_story[duplicate_of]) if duplicate_of in self.doc_story else None
        if story is None and head_story is not None and head_story in self.stories:
            # a copy joins its family's open story and adds nothing to its words: the cheap path
            self._touch(self.stories[head_story], when)
            self.dups.add(fingerprint, report.content_hash, report.canonical_url, sig=sig)
            self.doc_story[report.key] = head_story
            return Placement(report.key, head_story, duplicate_of, False, None, 1.0)
        terms = self._terms(report)
        vec = self._vector(terms)
        if story is not None:
            target = self.live(story)
        else:
            target, similarity = self._best_open(report, vec)
            if target is None:
                target, new = self.new_story_key(), True
                recurrence_of = self._recurrence_of(report, vec)
                if recurrence_of is None and head_story is not None:
                    recurrence_of = head_story  # a repost of a closed story's report
        self._join(target, report, vec, when)
        self.dups.add(fingerprint, report.content_hash, report.canonical_url, sig=sig)
        if duplicate_of is None:  # copies would make a story's own words look common
            self.df[terms[0]] += 1
            self.n_docs += 1
        self.doc_story[report.key] = target
        return Placement(report.key, target, duplicate_of, new, recurrence_of, round(similarity, 4))

    def merge(self, source: Hashable, target: Hashable) -> None:
        """A person merged ``source`` into ``target``: its reports now count for the target."""
        target = self.live(target)
        if source == target:
            return
        self.merged[source] = target
        src = self.stories.pop(source, None) or self.closed.pop(source, None)
        if src is None:
            return
        self._unindex(src)
        dst = self.stories.get(target) or self.closed.get(target)
        if dst is None:
            src.key = target
            self.stories[target] = src
            self._index(src)
            return
        for g, w in src.centroid.items():
            dst.centroid[g] = dst.centroid.get(g, 0.0) + w
        dst.points.extend(src.points[: max(0, 8 - len(dst.points))])
        dst.places.update(src.places)
        dst.tags.update(src.tags)
        dst.renorm()
        dst.n += src.n
        dst.first_seen = min(dst.first_seen, src.first_seen)
        dst.last_seen = max(dst.last_seen, src.last_seen)
        if dst.open:
            self._index(dst)

    def pin(self, story_key: Hashable, pinned: bool = True) -> None:
        story = self.stories.get(self.live(story_key))
        if story is not None:
            story.pinned = pinned

    # --- internals ---------------------------------------------------------------------------

    def _candidates(self, report: Report, vec: dict[int, float]) -> list[StoryProfile]:
        hits: Counter[Hashable] = Counter()
        postings = self.postings
        for term in itertools.islice(vec, LOOKUP_TERMS):  # vec is ordered strongest first
            keys = postings.get(term)
            if keys and len(keys) <= MAX_POSTING:  # a term in that many open stories tells nothing
                hits.update(keys)
        # Sets have no stable order (string hashing is salted per process): rank by shared terms,
        # then by the story's age, so that the same input always gives the same stories.
        found = self._top(hits, 2)
        if report.point:
            near: list[Hashable] = []
            for cell in _neighbours(_cell(report.point)):
                near.extend(self.grid.get(cell, ()))
            if len(near) > MAX_CANDIDATES:  # a busy corner: keep those that share words too
                near = [k for k in near if hits.get(k, 0) >= 1]
            near.sort(key=self._age)
            found.extend(near[:MAX_CANDIDATES])
        seen: set[Hashable] = set()
        out = []
        for key in found:
            if key not in seen and key in self.stories:
                seen.add(key)
                out.append(self.stories[key])
        return out

    def _age(self, key: Hashable) -> int:
        story = self.stories.get(key) or self.closed.get(key)
        return story.seq if story is not None else -1

    def _top(self, hits: Counter[Hashable], least: int) -> list[Hashable]:
        """The stories sharing the most terms (at least ``least``), older first among equals."""
        ranked = [(n, k) for k, n in hits.items() if n >= least]
        if len(ranked) > MAX_CANDIDATES:  # the cut-off count first: the age is looked up only near it
            cut = heapq.nlargest(MAX_CANDIDATES, [n for n, _ in ranked])[-1]
            ranked = [nk for nk in ranked if nk[0] >= cut]
        age = self._age
        ranked.sort(key=lambda nk: (-nk[0], age(nk[1])))
        return [k for _, k in ranked[:MAX_CANDIDATES]]

    def _best_open(self, report: Report, vec: dict[int, float]) -> tuple[Hashable | None, float]:
        best: tuple[float, Hashable] | None = None
        for story in self._candidates(report, vec):
            score = self._similarity(report, vec, story)
            if score >= JOIN and (best is None or score > best[0]):
                best = (score, story.key)
        if best is None:
            for event in self._events(report):
                key = self.event_story.get(event)
                found = self.stories.get(key) if key is not None else None
                last = found.events.get(event) if found is not None else None
                recent = last is not None and report.when is not None and abs(report.when - last) <= EVENT_WINDOW
                if found is not None and recent:
                    return found.key, JOIN
        return (best[1], best[0]) if best else (None, 0.0)

    @staticmethod
    def _events(report: Report) -> list[str]:
        """The city-wide events a report's headline names, when it is in Bangkok and has no coordinates."""
        if report.point or not report.title:
            return []
        title = unicodedata.normalize("NFC", report.title).lower()
        events = [name for name, pattern in CITY_EVENTS.items() if pattern.search(title)]
        if not events:
            return []
        opening = title + " " + unicodedata.normalize("NFC", report.text[:TEXT_CHARS]).lower()
        return events if report.places or BANGKOK_CUES.search(opening) else []

    def _recurrence_of(self, report: Report, vec: dict[int, float]) -> Hashable | None:
        """The latest closed story about the same matter: same place (within 300 m, or a shared place
        name) and similar words. A report with coordinates looks only at the stories closed in its
        grid cell and the eight around it (each cell keeps its latest ``CLOSED_PER_CELL``); one without
        looks up the closed stories' strongest terms. The work stays bounded however long the history."""
        places = set(report.places) | ({report.district} if report.district else set())
        if not report.point and not places:
            return None  # a recurrence is the same matter at the same place
        found: list[Hashable]
        if report.point:
            lookup = set(itertools.islice(vec, LOOKUP_TERMS))
            near: dict[Hashable, int] = {}
            for cell in _neighbours(_cell(report.point)):
                for key in self.closed_grid.get(cell, ()):
                    story = self.closed.get(key)
                    if story is not None and key not in near and not lookup.isdisjoint(story.centroid.keys()):
                        near[key] = story.seq
            found = sorted(near, key=near.__getitem__)[-MAX_CANDIDATES:]  # the latest
        else:
            hits: Counter[Hashable] = Counter()
            for term in itertools.islice(vec, LOOKUP_TERMS):
                keys = self.closed_postings.get(term)
                if keys:  # terms held by too many closed stories are dropped (frozenset: falsy)
                    hits.update(keys)
            found = self._top(hits, 2)
        best: tuple[float, datetime, Hashable] | None = None
        for key in dict.fromkeys(found):
            story = self.closed.get(key)
            if story is None or (report.when and report.when - story.last_seen > self.recurrence_for):
                continue
            if report.point and story.points:
                if min(metres_between(report.point, p) for p in story.points) > 300:
                    continue
            elif not (places & set(story.places)):
                continue
            score = self._similarity(report, vec, story)
            if score >= RECUR and (best is None or (score, story.last_seen) > best[:2]):
                best = (score, story.last_seen, key)
        return self.live(best[2]) if best else None

    def _join(self, key: Hashable, report: Report, vec: dict[int, float], when: datetime | None) -> None:
        story = self.stories.get(key)
        if story is None and key in self.closed:  # a person put a late report into a closed story
            story = self.closed.pop(key)
            story.open = True
            self.stories[key] = story
        t = when or datetime.min
        if story is None:
            story = StoryProfile(key, t, t, seq=next(self._seq))
            self.stories[key] = story
        else:
            self._unindex(story)
        story.n += 1
        if story.n <= 50:  # the first reports define a story; later ones only refresh its time
            for g, w in vec.items():
                story.centroid[g] = story.centroid.get(g, 0.0) + w
            if len(story.centroid) > STORY_TERMS * 2:
                story.centroid = dict(heapq.nlargest(STORY_TERMS, story.centroid.items(), key=lambda kv: kv[1]))
            story.renorm()
            if report.point and len(story.points) < 8:
                story.points.append(report.point)
            story.places.update(set(report.places) | ({report.district} if report.district else set()))
            story.tags.update(report.tags)
        for event in self._events(report):
            if event not in story.events or t > story.events[event]:
                story.events[event] = t
            self.event_story[event] = key
        story.first_seen = min(story.first_seen, t)
        if t > story.last_seen:
            story.last_seen = t
        heapq.heappush(self._closing, (story.last_seen, next(self._seq), key))
        self._index(story)

    def _touch(self, story: StoryProfile, when: datetime | None) -> None:
        """One more report (a copy): count and time only."""
        story.n += 1
        t = when or story.last_seen
        story.first_seen = min(story.first_seen, t)
        if t > story.last_seen:
            story.last_seen = t
            heapq.heappush(self._closing, (story.last_seen, next(self._seq), story.key))

    def _index(self, story: StoryProfile) -> None:
        top = heapq.nlargest(POSTING_TERMS, story.centroid.items(), key=lambda kv: kv[1])
        story.indexed_terms = {g for g, _ in top}
        for term in story.indexed_terms:
            self.postings.setdefault(term, set()).add(story.key)
        story.cells = {_cell(p) for p in story.points}
        for cell in story.cells:
            self.grid.setdefault(cell, set()).add(story.key)

    # --- persistence -------------------------------------------------------------------------

    def save(self, path: Path, meta: dict[str, Any] | None = None) -> None:
        """Write the index atomically (a temporary file renamed over the old one); ``meta`` comes back
        as ``saved_meta`` when it is loaded."""
        state = dict(self.__dict__)
        state.pop("new_story_key")  # a function: the loader supplies its own
        state.pop("saved_meta", None)
        tmp = path.with_suffix(path.suffix + f".{os.getpid()}.tmp")
        with tmp.open("wb") as fh:
            pickle.dump(
                {"version": STATE_VERSION, "state": state, "meta": meta or {}}, fh, protocol=pickle.HIGHEST_PROTOCOL
            )
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path, new_story_key: Callable[[], Hashable] | None = None) -> StoryClusterer:
        """Load a saved index (a file this program wrote: pickle is not for untrusted files)."""
        with path.open("rb") as fh:
            data: dict[str, Any] = pickle.load(fh)
        if data.get("version") != STATE_VERSION:
            raise ValueError(f"{path}: story index version {data.get('version')}, expected {STATE_VERSION}")
        obj = cls(new_story_key)
        obj.__dict__.update(data["state"])
        obj.saved_meta = dict(data.get("meta") or {})
        return obj


def report_point(lat: Any, lon: Any) -> tuple[float, float] | None:
    return fix_latlon(lat, lon)


_BANGKOK = timezone(timedelta(hours=7))


def parse_published(value: Any) -> datetime | None:
    """An ISO date-time (or ``YYYY-MM-DD HH:MM``) as aware UTC; naive = Bangkok time; None if absent/bad."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        when = value
    else:
        try:
            when = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=_BANGKOK)
    return when.astimezone(UTC)
