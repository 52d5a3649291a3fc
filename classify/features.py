"""Hashed features of many documents at once, in NumPy: the word and word-pair counts and the character
n-gram counts that every model reads.

scikit-learn's HashingVectorizer builds every n-gram as a Python string and hashes it one by one; on
10,000 short documents that cost several times the tokeniser itself. Here a batch of texts becomes one
array of code points; a polynomial prefix hash gives the hash of any substring in O(1), so every word,
word pair and character n-gram of the whole batch is hashed by a few vectorised operations. The counts
are identical in training and scoring because both call :func:`hashed_counts`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import scipy.sparse as sp

from classify.wordscan import WordScan

_BASE = np.uint64(0x100000001B3)  # odd multiplier of the polynomial hash (FNV prime)
_MIX = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: the top bits of h * _MIX are well spread
_SEP = 0  # code point between documents: no n-gram crosses it
_INVERSE = np.uint64(pow(int(_BASE), -1, 1 << 64))  # B * _INVERSE = 1 modulo 2^64


@dataclass(frozen=True)
class FeatureSpec:
    """What a model was trained on; saved in its metadata and checked when it is loaded."""

    bits: int = 18
    word_ngrams: int = 2  # words and word pairs
    char_ngrams: tuple[int, int] = (0, 0)  # (low, high) character n-gram sizes; (0, 0) for none

    @property
    def char_start(self) -> int:
        """Words and pairs hash into the columns below this one, character n-grams into those above: a
        model can leave the characters out by weighting their columns zero."""
        return 1 << (self.bits - 1)

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": "bkkwatch-hash-1",
            "bits": self.bits,
            "word_ngrams": self.word_ngrams,
            "char_ngrams": list(self.char_ngrams),
        }


def _codes(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """All texts as one uint32 array of code points with a separator after each; the start offsets."""
    joined = "\x00".join(texts) + "\x00"
    codes = np.frombuffer(joined.encode("utf-32-le", errors="replace"), dtype=np.uint32)
    lengths = np.fromiter((len(t) + 1 for t in texts), dtype=np.int64, count=len(texts))
    starts = np.zeros(len(texts), dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    return codes, starts


def _prefix_hash(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """H[i] = hash of codes[:i] and the powers of the base (wrapping uint64 arithmetic)."""
    n = len(codes)
    prefix = np.zeros(n + 1, dtype=np.uint64)
    powers, inv_powers = _powers(n + 1)
    # H[i] = sum_{j<i} codes[j] * B^(i-1-j) = B^(i-1) * sum_{j<i} codes[j] * B^(-j) modulo 2^64: B is odd,
    # so it has an inverse modulo 2^64, and the sequential recurrence becomes cumulative sums and products.
    with np.errstate(over="ignore"):  # in place in ``prefix`` (the uint32 codes widened by the product)
        np.multiply(codes, inv_powers[:n], out=prefix[1:])
        np.cumsum(prefix[1:], out=prefix[1:])
        prefix[1:] *= powers[:n]
    return prefix, powers


_POWERS: tuple[np.ndarray, np.ndarray] = (np.ones(1, dtype=np.uint64), np.ones(1, dtype=np.uint64))


def _powers(n: int) -> tuple[np.ndarray, np.ndarray]:
    """B^i and B^-i modulo 2^64 for i < n (at least: computed once for the longest batch so far)."""
    global _POWERS
    if len(_POWERS[0]) < n:
        size = max(n, 2 * len(_POWERS[0]))
        powers = np.ones(size, dtype=np.uint64)
        inv_powers = np.ones(size, dtype=np.uint64)
        with np.errstate(over="ignore"):
            np.cumprod(np.full(size - 1, _BASE, dtype=np.uint64), out=powers[1:])
            np.cumprod(np.full(size - 1, _INVERSE, dtype=np.uint64), out=inv_powers[1:])
        _POWERS = (powers, inv_powers)
    return _POWERS


def _substring_hash(prefix: np.ndarray, powers: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        return prefix[end] - prefix[start] * powers[end - start]


def _bucket(hashes: np.ndarray, salt: int, bits: int, dtype: type = np.int64, overwrite: bool = False) -> np.ndarray:
    """The column (below ``2**bits``) of each hash, salted; ``overwrite``: the hashes may be overwritten (no
    temporary arrays)."""
    mixed = np.bitwise_xor(hashes, np.uint64(salt), out=hashes if overwrite else None)
    with np.errstate(over="ignore"):
        mixed *= _MIX
    mixed >>= np.uint64(64 - bits)
    return mixed.astype(dtype)


def _count_matrix(parts: Sequence[np.ndarray], n_rows: int, bits: int) -> sp.csr_matrix:
    """The counts of the keys (row << bits | column) of ``parts``, each part's keys in row order, as a
    matrix with each row's columns in order."""
    # The parts' keys gathered row by row, then each row's keys sorted on its own: NumPy's sort costs
    # about three times as much per key on a whole batch's keys as on one document's few hundred (on
    # this machine's AVX-512 sort), and sorting each part and merging them cost more than the rest of the
    # hashing together.
    dtype = parts[0].dtype
    each_row = np.arange(n_rows + 1, dtype=dtype)
    firsts = [np.searchsorted(part >> bits, each_row) for part in parts]  # where each row starts in each part
    lengths = [np.diff(first) for first in firsts]
    bounds = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(sum(lengths), out=bounds[1:])
    keys = np.empty(int(bounds[-1]), dtype=dtype)
    free = bounds[:-1].copy()  # where each row's next part goes
    for part, first, length in zip(parts, firsts, lengths, strict=True):
        where = np.repeat(free - first[:-1], length)  # each key's shift from its part to keys
        where += np.arange(len(part))
        keys[where] = part
        free += length
    for start, end in pairwise(bounds.tolist()):
        if end - start > 1:
            keys[start:end].sort()
    # np.unique(keys, return_counts=True) of the sorted keys; the counts (each under 2**24: exact in
    # float32) written as float32 at once, from the gaps between the first positions of the keys.
    first_of = np.empty(len(keys), dtype=bool)
    first_of[:1] = True
    np.not_equal(keys[1:], keys[:-1], out=first_of[1:])
    where = np.flatnonzero(first_of)
    counts = np.empty(len(where), dtype=np.float32)
    np.subtract(where[1:], where[:-1], out=counts[:-1], casting="unsafe")
    counts[-1:] = len(keys) - where[-1:]
    keys = keys[where]
    indptr = np.searchsorted(keys >> bits, np.arange(n_rows + 1, dtype=keys.dtype)).astype(np.int32)
    keys &= (1 << bits) - 1  # the columns
    return sp.csr_matrix((counts, keys.astype(np.int32, copy=False), indptr), shape=(n_rows, 1 << bits))


def hashed_counts(texts: Sequence[str], spec: FeatureSpec, char_limits: Sequence[int] | None = None) -> sp.csr_matrix:
    """Counts of the words (and word pairs; words are separated by spaces or other control/space
    characters) and of the character n-grams of each text, hashed into ``2**spec.bits`` columns (words,
    pairs and n-grams of each size salted apart). ``char_limits``: per text, how many leading characters
    the character n-grams read (the words, not the signal tokens appended after them)."""
    n_docs = len(texts)
    if n_docs == 0:
        return sp.csr_matrix((0, 1 << spec.bits), dtype=np.float32)
    codes, starts = _codes(texts)
    prefix, powers = _prefix_hash(codes)
    lengths = np.diff(np.append(starts, len(codes)))
    # Each feature becomes one key, row << bits | column, counted at the end; int32 keys when they fit (a
    # batch of up to 2**(31 - bits) documents): sorting them is twice as fast. ``row_key``: each code
    # point's row part.
    dtype: type = np.int32 if n_docs << spec.bits < 2**31 else np.int64
    row_key = np.repeat(np.left_shift(np.arange(n_docs, dtype=dtype), spec.bits), lengths)
    keys: list[np.ndarray] = []
    # Words: maximal runs between spaces/separators.
    boundary = np.flatnonzero(codes <= 32)
    word_start = np.concatenate(([0], boundary[:-1] + 1))
    word_end = boundary
    keep = word_end > word_start
    ws, we = word_start[keep], word_end[keep]
    word_hash = _substring_hash(prefix, powers, ws, we)
    word_row = row_key[ws]
    if spec.word_ngrams >= 1 and len(ws):
        keys.append(word_row | _bucket(word_hash, 1, spec.bits - 1, dtype))
    if spec.word_ngrams >= 2 and len(ws) > 1:
        same = word_row[1:] == word_row[:-1]
        with np.errstate(over="ignore"):
            pair = word_hash[:-1][same] * _MIX + word_hash[1:][same]
        keys.append(word_row[1:][same] | _bucket(pair, 2, spec.bits - 1, dtype))
    low, high = spec.char_ngrams
    if low:
        ends = codes == _SEP
        if char_limits is not None:  # positions past a text's limit end the n-grams like a separator
            limits = np.clip(np.asarray(char_limits, dtype=np.int64), 0, [len(t) for t in texts])
            # Per text, its first ``limit`` positions False, then the rest (its separator among them) True.
            runs = np.column_stack([limits, lengths - limits]).ravel()
            ends |= np.repeat(np.tile(np.array([False, True]), n_docs), runs)
        separators = np.concatenate(([0], np.cumsum(ends)))
        for n in range(low, high + 1):
            # The n-grams starting at 0 .. m-1 that cross no separator; their hashes (as _substring_hash,
            # with slices for gathers: every n-gram has the same length).
            m = max(len(codes) - n + 1, 0)
            if m == 0:  # every text shorter than n
                keys.append(np.zeros(0, dtype=dtype))
                continue
            ok = separators[n : n + m] == separators[:m]
            hashes = prefix[:m][ok]
            with np.errstate(over="ignore"):  # the same wrapping arithmetic, in place
                hashes *= powers[n]
                np.subtract(prefix[n : n + m][ok], hashes, out=hashes)
            part = _bucket(hashes, 100 + n, spec.bits - 1, dtype, overwrite=True)
            part += spec.char_start
            part |= row_key[:m][ok]
            keys.append(part)
    if not keys:
        return sp.csr_matrix((n_docs, 1 << spec.bits), dtype=np.float32)
    return _count_matrix(keys, n_docs, spec.bits)


# --- question cues (the sentiment model's "q" class) ---------------------------------------------------
# Thai questions are marked by particles and question words rather than by word order, often at the end
# of the post ("... ไหมคะ", "... เท่าไหร่ครับ") and often run into the word before ("ที้ไหนคะ"), which
# the tokeniser then splits differently. Each cue is one column where it occurs anywhere, one where it
# occurs in the last characters of the text, plus the question marks: the linear model weighs them.
QUESTION_CUES: tuple[str, ...] = (
    # yes/no particles
    *("ไหม", "มั้ย", "มั๊ย", "มั๋ย", "เหรอ", "หรอ", "หรือเปล่า", "รึเปล่า", "ป่าว", "เปล่า", "หรือยัง"),
    *("รึยัง", "หรือไม่", "ได้ป่ะ", "ปะ", "ป่ะ"),
    # question words
    *("อะไร", "ยังไง", "อย่างไร", "ทำไม", "ที่ไหน", "ไหน", "เมื่อไหร่", "เมื่อไร", "กี่", "ใคร", "ไง"),
    *("เท่าไหร่", "เท่าไร", "แค่ไหน", "ยังไร", "หรือ", "รึ"),
    # asking
    *("ขอถาม", "สอบถาม", "ใครรู้", "แนะนำหน่อย", "ดีไหม", "ดีมั้ย", "รบกวน", "อยากทราบ", "อยากรู้"),
    *("ช่วยบอก", "ได้ไหม", "ได้มั้ย", "บ้าง", "ยังคะ", "ยังครับ"),
    # polite particles that close a question more often than a statement
    *("คะ", "คับ", "ครับ", "จ๊ะ", "จ้ะ", "ค้ะ", "นะคะ"),
)
QUESTION_TAIL = 20  # characters at the end of a text (after trailing punctuation) that count as its end
QUESTION_WEIGHT = 0.3  # the cue columns' scale next to the l2-normalised TF-IDF row (3-fold CV: 0.3 > 0.5 > 1)
_MARKS = "\u0e31\u0e34-\u0e3a\u0e47-\u0e4e"  # a cue followed by a vowel or tone mark is another word (ไหม้)
_CUE_RES = [re.compile(re.escape(cue) + f"(?![{_MARKS}])") for cue in QUESTION_CUES]
_CUE_INDEX = {cue: j for j, cue in enumerate(QUESTION_CUES)}
_CUE_SCAN = WordScan(QUESTION_CUES)  # which cues occur at all, in one pass (the patterns then check the marks)
_TRAILING = re.compile(r"[\s\W_]+$")  # what _tail strips (tests/classify compares the two)
N_QUESTION_FEATURES = 2 * len(QUESTION_CUES) + 2


def _tail(text: str) -> str:
    """The last :data:`QUESTION_TAIL` characters of ``_TRAILING.sub("", text)``: the text without its
    trailing run of the pattern's characters (every character but the alphanumeric ones, and the
    underscore). A loop over the few trailing characters; the pattern was tried at every position."""
    end = len(text)
    while end and (not text[end - 1].isalnum() or text[end - 1] == "_"):
        end -= 1
    return text[max(end - QUESTION_TAIL, 0) : end]


def question_features(texts: Sequence[str]) -> sp.csr_matrix:
    """Question cues of each (normalised) text, scaled by :data:`QUESTION_WEIGHT`: for cue ``i``, column
    ``i`` if it occurs, column ``len(QUESTION_CUES) + i`` if it occurs in the last :data:`QUESTION_TAIL`
    characters; then the number of question marks (at most 3, over 3) and whether the text ends in one."""
    n = len(QUESTION_CUES)
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    for i, raw in enumerate(texts):
        text = raw.casefold()
        present = _CUE_SCAN.occurring(text)
        if present:
            end = _tail(text)
            for j in sorted(_CUE_INDEX[cue] for cue in present):
                pattern = _CUE_RES[j]
                if pattern.search(text):
                    rows.append(i)
                    cols.append(j)
                    vals.append(1.0)
                    if QUESTION_CUES[j] in end and pattern.search(end):
                        rows.append(i)
                        cols.append(n + j)
                        vals.append(1.0)
        marks = text.count("?") + text.count("？")
        if marks:
            rows.append(i)
            cols.append(2 * n)
            vals.append(min(marks, 3) / 3)
            if text.rstrip().endswith(("?", "？")):
                rows.append(i)
                cols.append(2 * n + 1)
                vals.append(1.0)
    data = np.asarray(vals, dtype=np.float32) * np.float32(QUESTION_WEIGHT)
    return sp.csr_matrix((data, (rows, cols)), shape=(len(texts), N_QUESTION_FEATURES), dtype=np.float32)
