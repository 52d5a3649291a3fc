"""Compiled loops (numba) for the few steps of scoring that NumPy cannot do without many passes over
memory: each is a plain loop, the same arithmetic as the NumPy or Python statement it replaces, which
tests/classify checks against a plain Python statement of it.

Compiled on first use and cached beside this file (``__pycache__``), so a process pays the compilation
once per machine and then only loads it (about half a second, part of the model load time).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit
from numba.cpython.unsafe.numbers import trailing_zeros as _trailing_zeros

_BASE = np.uint64(0x100000001B3)  # odd multiplier of the polynomial hash (FNV prime)
_MIX = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: the top bits of h * _MIX are well spread
trailing_zeros: Any = _trailing_zeros  # (an LLVM intrinsic: its stub confuses type checkers)


@njit(cache=True, nogil=True, inline="always")
def _add(column, counts, level1, level2):
    """One more of ``column``; the two bitmaps mark it (bit ``column`` of level1, bit ``column >> 6`` of
    level2) so that the counted columns can be read back in order without sorting. No branch: setting a
    bit twice is harmless, and a mispredicted "first time?" test cost more than the writes."""
    level1[column >> 6] |= np.uint64(1) << np.uint64(column & 63)
    level2[column >> 12] |= np.uint64(1) << np.uint64((column >> 6) & 63)
    counts[column] += 1


@njit(cache=True, nogil=True)
def count_features(codes, starts, lengths, limits, bits, word_ngrams, low, high):
    """The hashed feature counts of each text as CSR arrays (indptr, indices, data): ``codes`` the code
    points of all texts, each followed by a 0 (at ``starts``, ``lengths`` counting the 0); ``limits``
    how many leading code points of each text its character n-grams read. Words are the maximal runs of
    code points above 32; the hash of a string is sum(c_i * B^(n-1-i)) modulo 2^64; a feature's column
    is the top ``bits - 1`` bits of (hash ^ salt) * MIX (salt 1: words, 2: word pairs, 100 + n: character
    n-grams, which go to the upper half of the columns). A 0 inside a text ends the n-grams too."""
    n_docs = len(starts)
    half = bits - 1
    shift = np.uint64(64 - half)
    char_start = np.int64(1) << half
    longest = 1
    for d in range(n_docs):
        longest = max(longest, lengths[d])
    width = np.int64(1) << bits
    counts = np.zeros(width, dtype=np.int32)
    level1 = np.zeros(max(width >> 6, 1), dtype=np.uint64)
    level2 = np.zeros(max(width >> 12, 1), dtype=np.uint64)
    powers = np.ones(max(high, 1) + 1, dtype=np.uint64)
    for i in range(1, len(powers)):
        powers[i] = powers[i - 1] * _BASE
    word_hashes = np.empty(longest, dtype=np.uint64)
    indptr = np.zeros(n_docs + 1, dtype=np.int32)
    capacity = 16 + 2 * (starts[n_docs - 1] + lengths[n_docs - 1] if n_docs else 0)
    indices = np.empty(capacity, dtype=np.int32)
    data = np.empty(capacity, dtype=np.float32)
    out = 0
    for d in range(n_docs):
        start = starts[d]
        added = 0
        # the words' hashes (the text's closing 0 ends the last one)
        n_words = 0
        h = np.uint64(0)
        in_word = False
        for p in range(start, start + lengths[d]):
            c = codes[p]
            if c <= 32:
                if in_word:
                    word_hashes[n_words] = h
                    n_words += 1
                    in_word = False
                    h = np.uint64(0)
            else:
                h = h * _BASE + np.uint64(c)
                in_word = True
        if word_ngrams >= 1:
            for w in range(n_words):
                _add(np.int64(((word_hashes[w] ^ np.uint64(1)) * _MIX) >> shift), counts, level1, level2)
            added += n_words
        if word_ngrams >= 2:
            for w in range(1, n_words):
                pair = word_hashes[w - 1] * _MIX + word_hashes[w]
                _add(np.int64(((pair ^ np.uint64(2)) * _MIX) >> shift), counts, level1, level2)
            added += max(n_words - 1, 0)
        if low:
            run = 0  # code points since the last 0
            for p in range(start, start + limits[d]):
                c = codes[p]
                if c == 0:
                    run = 0
                    continue
                run += 1
                g = np.uint64(c)  # the hashes of the n-grams ending at p, one code point longer each time
                for n in range(1, min(run, high) + 1):
                    if n > 1:
                        g += np.uint64(codes[p - n + 1]) * powers[n - 1]
                    if n >= low:
                        column = np.int64(((g ^ np.uint64(100 + n)) * _MIX) >> shift) + char_start
                        _add(column, counts, level1, level2)
                        added += 1
        if out + added > capacity:  # (at most ``added`` columns: grow the output to hold them)
            capacity = 2 * (out + added)
            bigger_indices = np.empty(capacity, dtype=np.int32)
            bigger_indices[:out] = indices[:out]
            indices = bigger_indices
            bigger_data = np.empty(capacity, dtype=np.float32)
            bigger_data[:out] = data[:out]
            data = bigger_data
        # the counted columns in order, read off the bitmaps (which, with the counts, are left all zero)
        for i2 in range(len(level2)):
            w2 = level2[i2]
            if w2 == 0:
                continue
            level2[i2] = 0
            while w2:
                i1 = i2 * 64 + trailing_zeros(w2)
                w2 &= w2 - np.uint64(1)
                w1 = level1[i1]
                level1[i1] = 0
                while w1:
                    column = i1 * 64 + trailing_zeros(w1)
                    w1 &= w1 - np.uint64(1)
                    indices[out] = column
                    data[out] = counts[column]
                    counts[column] = 0
                    out += 1
        indptr[d + 1] = out
    return indptr, indices[:out].copy(), data[:out].copy()


@njit(cache=True, nogil=True)
def compact_product(indptr, indices, data, rows_of, block, out):
    """``out = x @ W`` for a CSR ``x`` (indptr, indices, data) and a weight matrix ``W`` kept as the dense
    ``block`` of its used rows (``rows_of[column]``: the column's row in the block, or -1 where ``W``'s row
    is zero); ``out`` (zeros, rows x block columns) in the wider dtype of the two. Each output row adds
    ``value * block[row]`` for its stored entries in order, as scipy's csr_matvecs adds them (the entries
    of unused columns would add exact zeros)."""
    width = block.shape[1]
    for i in range(len(indptr) - 1):
        for j in range(indptr[i], indptr[i + 1]):
            row = rows_of[indices[j]]
            if row >= 0:
                value = data[j]
                for k in range(width):
                    out[i, k] += value * block[row, k]
