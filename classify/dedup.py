"""Duplicates: exact (canonical URL, content hash) and near-identical (MinHash LSH over shingles).

Shingles are character 4-grams of the normalised text with spaces and punctuation removed. Thai is
written without spaces between words, so character shingles need no tokenizer; on the labelled set
(classify/data/stories) they matched word shingles from pythainlp's ``newmm`` in quality and
were several times faster (figures in classify/data/stories/README.md).

MinHash signatures are computed with numpy (one vectorised pass per document) and indexed by bands
(``BandIndex``: 12 bands of 4 rows, the banding datasketch's ``MinHashLSH`` chooses for threshold 0.5
and 48 permutations); a candidate is confirmed with the exact Jaccard similarity of the two shingle
sets (kept as sorted ``uint32`` hash arrays, about 400 bytes per document). Unlike datasketch's
buckets, a band bucket keeps only its ``BUCKET_CAP`` most recent documents: a template pasted
thousands of times would otherwise make every look-up scan all its copies, and the work per document
would grow with the store (the most recent copies are the ones worth confirming anyway).

Identical text is not always the same report: Traffy Fondue users paste one template
("ยังคงพบรถจักรยานยนต์คันนี้จอดบนทางเท้า ...") for different places. So when both documents have a
location (coordinates, or a district) that disagree, they are not duplicates.
"""

from __future__ import annotations

import heapq
import itertools
import math
import re
import unicodedata
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

SHINGLE = 4
NUM_PERM = 48
DUP_JACCARD = 0.7  # confirmed near-duplicate: shingle-set Jaccard at least this
BANDS, ROWS = 12, 4  # a pair at Jaccard 0.7 shares a band 96% of the time, at 0.5 54%, at 0.3 10%
BUCKET_CAP = 24  # documents kept per band bucket (the most recent)
SAME_PLACE_METRES = 300.0
MAX_CHECKED = 40  # near-duplicate candidates confirmed per document, most recent first
_MERSENNE = np.uint64((1 << 61) - 1)
_MAX32 = np.uint64(0xFFFFFFFF)
_rng = np.random.RandomState(20261124)
_A = _rng.randint(1, 1 << 31, size=NUM_PERM, dtype=np.int64).astype(np.uint64)
_B = _rng.randint(0, 1 << 31, size=NUM_PERM, dtype=np.int64).astype(np.uint64)

_URLS = re.compile(r"https?://\S+|www\.\S+")
_HASHTAGS = re.compile(r"#\S+")
_NOISE = re.compile(r"[^\w\u0e00-\u0e7f]+|_")  # \w alone drops Thai vowel and tone marks
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")


def shingle_text(text: str) -> str:
    """What shingles come from: NFC, lower case, Arabic digits; no URLs, hashtags, spaces, punctuation."""
    text = unicodedata.normalize("NFC", text or "").lower().translate(_THAI_DIGITS)
    text = _HASHTAGS.sub(" ", _URLS.sub(" ", text))
    return _NOISE.sub("", text)


_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)
_MIX1 = np.uint64(0xFF51AFD7ED558CCD)
_MIX2 = np.uint64(0xC4CEB9FE1A85EC53)
_S33 = np.uint64(33)


def gram_hashes(s: str, k: int = SHINGLE) -> np.ndarray:
    """A 32-bit hash of every character k-gram of ``s``, in order (one numpy pass, no Python loop per gram).

    FNV-1a over the k code points, then MurmurHash3's 64-bit finaliser; stable across processes. A text
    shorter than k is one gram. Empty text: no grams."""
    if not s:
        return np.zeros(0, dtype=np.uint32)
    codes = np.frombuffer(s.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    if codes.size < k:
        codes = np.concatenate([codes, np.zeros(k - codes.size, dtype=np.uint64)])
    n = codes.size - k + 1
    h = np.full(n, _FNV_OFFSET, dtype=np.uint64)
    for j in range(k):
        h ^= codes[j : j + n]
        h *= _FNV_PRIME
    h ^= h >> _S33
    h *= _MIX1
    h ^= h >> _S33
    h *= _MIX2
    h ^= h >> _S33
    return (h & _MAX32).astype(np.uint32)


def shingle_hashes(text: str, k: int = SHINGLE) -> np.ndarray:
    """Sorted unique hashes of the character k-grams of the normalised text."""
    return np.unique(gram_hashes(shingle_text(text), k))


def signature(hashes: np.ndarray) -> np.ndarray:
    """MinHash signature (NUM_PERM uint64 values) of a shingle-hash set."""
    if hashes.size == 0:
        return np.full(NUM_PERM, _MAX32, dtype=np.uint64)
    h = hashes.astype(np.uint64)
    values = (np.outer(_A, h) + _B[:, None]) % _MERSENNE & _MAX32
    return np.asarray(values.min(axis=1), dtype=np.uint64)


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    if a.size == 0 or b.size == 0:
        return 1.0 if a.size == b.size else 0.0
    inter = np.intersect1d(a, b, assume_unique=True).size
    return inter / (a.size + b.size - inter)


def metres_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1 = a
    lat2, lon2 = b
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    y = math.radians(lat2 - lat1)
    return 6_371_000.0 * math.hypot(x, y)


def fix_latlon(lat: float | None, lon: float | None) -> tuple[float, float] | None:
    """(lat, lon), swapped back when a source wrote them the other way round (Bangkok: 13.x, 100.x)."""
    if lat is None or lon is None:
        return None
    try:
        lat, lon = float(lat), float(lon)
    except (TypeError, ValueError):
        return None
    if abs(lat) > 90 and abs(lon) <= 90:
        lat, lon = lon, lat
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return None
    return lat, lon


@dataclass
class DocPrint:
    """What the duplicate index keeps of one document."""

    key: Hashable
    hashes: np.ndarray
    when: datetime | None
    point: tuple[float, float] | None
    district: str | None
    duplicate_of: Hashable | None = None
    seq: int = 0  # arrival order in the index


def places_disagree(a: DocPrint, b: DocPrint) -> bool:
    if a.point and b.point:
        return metres_between(a.point, b.point) > SAME_PLACE_METRES
    if a.district and b.district:  # some exports cut names short: ป้อมปราบศัตรูพ่า(ย)
        x, y = sorted((a.district, b.district), key=len)
        return not y.startswith(x)
    return False


class BandIndex:
    """Locality-sensitive hashing of MinHash signatures by bands, with bounded buckets."""

    def __init__(self, bands: int = BANDS, rows: int = ROWS, cap: int = BUCKET_CAP) -> None:
        self.bands, self.rows, self.cap = bands, rows, cap
        self.tables: list[dict[bytes, dict[Hashable, None]]] = [{} for _ in range(bands)]
        self.keys: dict[Hashable, list[bytes]] = {}

    def _bands(self, sig: np.ndarray) -> list[bytes]:
        r = self.rows
        return [sig[i * r : (i + 1) * r].tobytes() for i in range(self.bands)]

    def __contains__(self, key: Hashable) -> bool:
        return key in self.keys

    def __len__(self) -> int:
        return len(self.keys)

    def insert(self, key: Hashable, sig: np.ndarray) -> None:
        bands = self._bands(sig)
        self.keys[key] = bands
        for table, band in zip(self.tables, bands, strict=True):
            bucket = table.get(band)
            if bucket is None:
                bucket = table[band] = {}
            bucket[key] = None  # a dict keeps insertion order: the oldest is first
            if len(bucket) > self.cap:
                del bucket[next(iter(bucket))]

    def remove(self, key: Hashable) -> None:
        for table, band in zip(self.tables, self.keys.pop(key, ()), strict=False):
            bucket = table.get(band)
            if bucket is not None:
                bucket.pop(key, None)
                if not bucket:
                    del table[band]

    def query(self, sig: np.ndarray) -> set[Hashable]:
        found: set[Hashable] = set()
        for table, band in zip(self.tables, self._bands(sig), strict=True):
            bucket = table.get(band)
            if bucket:
                found.update(bucket)
        return found


@dataclass
class DuplicateIndex:
    """Exact and near-duplicate look-up over the documents seen so far (kept for ``window_days``)."""

    window_days: int = 30
    lsh: BandIndex = field(default_factory=BandIndex)
    prints: dict[Hashable, DocPrint] = field(default_factory=dict)
    by_hash: dict[str, Hashable] = field(default_factory=dict)
    by_url: dict[str, Hashable] = field(default_factory=dict)
    _order: list[tuple[datetime, int, Hashable]] = field(default_factory=list)
    _seq: itertools.count = field(default_factory=itertools.count)

    def find(
        self,
        doc: DocPrint,
        content_hash: str | None = None,
        canonical_url: str | None = None,
        sig: np.ndarray | None = None,
    ) -> Hashable | None:
        """The key of the earliest document ``doc`` duplicates (the head of its family), or None."""
        for table, value in ((self.by_url, canonical_url), (self.by_hash, content_hash)):
            if value and value in table:
                other = self.prints.get(table[value])
                if other is not None and not places_disagree(doc, other):
                    return other.duplicate_of if other.duplicate_of is not None else other.key
        if doc.hashes.size == 0:
            return None
        sig = signature(doc.hashes) if sig is None else sig
        best: tuple[float, Hashable] | None = None
        found = [self.prints[k] for k in self.lsh.query(sig) if k in self.prints]
        found.sort(key=lambda p: p.seq)  # a stable order whatever the set's (ties go to the earliest)
        if len(found) > MAX_CHECKED:  # a much-repeated template: the most recent copies are enough
            found = found[-MAX_CHECKED:]
        for other in found:
            key = other.key
            if places_disagree(doc, other):
                continue
            score = jaccard(doc.hashes, other.hashes)
            if score >= DUP_JACCARD and (best is None or score > best[0]):
                best = (score, key)
        if best is None:
            return None
        head = self.prints[best[1]]
        return head.duplicate_of if head.duplicate_of is not None else head.key

    def add(
        self,
        doc: DocPrint,
        content_hash: str | None = None,
        canonical_url: str | None = None,
        sig: np.ndarray | None = None,
    ) -> None:
        if doc.key in self.prints:
            self.remove(doc.key)
        doc.seq = next(self._seq)
        self.prints[doc.key] = doc
        if content_hash:
            self.by_hash.setdefault(content_hash, doc.key)
        if canonical_url:
            self.by_url.setdefault(canonical_url, doc.key)
        if doc.hashes.size:
            sig = signature(doc.hashes) if sig is None else sig
            self.lsh.insert(doc.key, sig)
        if doc.when is not None:
            heapq.heappush(self._order, (doc.when, next(self._seq), doc.key))

    def remove(self, key: Hashable) -> None:
        doc = self.prints.pop(key, None)
        if doc is not None and doc.hashes.size and key in self.lsh:
            self.lsh.remove(key)

    def expire(self, now: datetime) -> int:
        """Forget documents older than the window (their exact hashes stay: they are small)."""
        cutoff = now - timedelta(days=self.window_days)
        n = 0
        while self._order and self._order[0][0] < cutoff:
            when, _, key = heapq.heappop(self._order)
            doc = self.prints.get(key)
            if doc is not None and doc.when == when:
                self.remove(key)
                n += 1
        return n


def exact_families(keys_and_hashes: Iterable[tuple[Hashable, str]]) -> dict[Hashable, Hashable]:
    """key -> the first key with the same content hash (for the exact pass over a batch)."""
    first: dict[str, Hashable] = {}
    out: dict[Hashable, Hashable] = {}
    for key, digest in keys_and_hashes:
        if digest in first:
            out[key] = first[digest]
        else:
            first[digest] = key
    return out
