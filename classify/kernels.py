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


@njit(cache=True, nogil=True)
def question_cues(codes, starts, lengths, chars, symbols, delta, out_ptr, out_cues, cue_lengths, tail_size, values):
    """The question cues of each text as CSR arrays (indptr, indices, data), those of
    ``question_features`` in classify/features.py, which builds the tables: ``codes`` the code points of
    all texts (at ``starts``, ``lengths`` code points each, the closing 0 not counted).

    ``chars[c]`` describes code point ``c`` (from ``len(chars)`` on: itself when casefolded, none of the
    following): bits 0-2 which characters of
    ``c.casefold()`` are kept at the end of a text (alphanumeric and not "_"), bits 3-4 its length, bit 5
    whether ``c`` is a space, bit 6 whether it is a Thai vowel or tone mark, bit 7 whether it is "?" or
    "？". ``symbols[c - 0x0E00]`` numbers the Thai characters of the cues (0: any other code point);
    ``delta[state + symbol]`` is the cues' Aho-Corasick automaton (symbol 0 leads to state 0),
    ``out_cues[out_ptr[s]:out_ptr[s + 1]]`` the cues ending in state ``s``. Casefolding changes no Thai
    character, space or question mark and makes none, so only the tail is counted in the characters of
    the casefolded text; everything else is read off the code points of the text as given.

    Per text, cue ``j`` (of ``n``) is column ``j`` if it occurs with no mark after it (or at the end),
    then column ``n + j`` if it also occurs so in the tail: the last ``tail_size`` characters of the
    casefolded text before its trailing characters that are not kept (the end of the tail counting as the
    end). Column ``2n``: the number of question marks, ``values[min(marks, 3)]``; ``2n + 1``: whether the
    text without its trailing spaces ends in one, ``values[3]``; columns in increasing order."""
    n_docs = len(starts)
    n = len(cue_lengths)
    limit = len(chars)
    found = np.zeros(n, dtype=np.bool_)
    in_tail = np.zeros(n, dtype=np.bool_)
    indptr = np.zeros(n_docs + 1, dtype=np.int32)
    indices = np.empty(n_docs * (2 * n + 2), dtype=np.int32)
    data = np.empty(n_docs * (2 * n + 2), dtype=np.float32)
    out = 0
    for d in range(n_docs):
        start = starts[d]
        end = start + lengths[d]
        # the tail: code points [tail_start, tail_end) of the text, counted in casefolded characters
        q = end - 1
        while q >= start:
            c = codes[q]
            kept = (chars[c] & 7) if c < limit else 0
            if kept:
                break
            q -= 1
        tail_start = tail_end = start
        if q >= start:
            last = 2 if kept & 4 else (1 if kept & 2 else 0)  # the last kept character of q's casefold
            budget = tail_size - (last + 1)
            tail_end = q + 1
            q -= 1
            while q >= start:
                c = codes[q]
                size = ((chars[c] >> 3) & 3) if c < limit else 1
                if size > budget:
                    break
                budget -= size
                q -= 1
            tail_start = q + 1
        state = 0
        marks = 0
        for p in range(start, end):
            c = codes[p]
            if 0x0E00 <= c < 0x0E80:
                state = delta[state + symbols[c - 0x0E00]]
            else:
                state = 0  # (symbol 0) and perhaps a question mark
                if c < limit and chars[c] & 128:
                    marks += 1
            for o in range(out_ptr[state], out_ptr[state + 1]):
                j = out_cues[o]
                after = p + 1  # the code point after the cue
                marked = after < end and codes[after] < limit and (chars[codes[after]] & 64) != 0
                if not marked:
                    found[j] = True
                if (after == tail_end or (after < tail_end and not marked)) and after - cue_lengths[j] >= tail_start:
                    in_tail[j] = True
        for j in range(n):
            if found[j]:
                indices[out] = j
                data[out] = values[3]
                out += 1
        for j in range(n):
            if found[j] and in_tail[j]:
                indices[out] = n + j
                data[out] = values[3]
                out += 1
            found[j] = False
            in_tail[j] = False
        if marks:
            indices[out] = 2 * n
            data[out] = values[min(marks, 3)]
            out += 1
            q = end - 1
            while q >= start and codes[q] < limit and chars[codes[q]] & 32:
                q -= 1
            if q >= start and codes[q] < limit and chars[codes[q]] & 128:
                indices[out] = 2 * n + 1
                data[out] = values[3]
                out += 1
        indptr[d + 1] = out
    return indptr, indices[:out].copy(), data[:out].copy()


@njit(cache=True, nogil=True)
def unicode_checks(codes, starts, lengths, table, ccc):
    """Per text (``codes[starts[i]:starts[i] + lengths[i]]``), what :func:`classify.text.normalize_many`
    must do in Python before its Thai rules: bit 1 if the text holds a code point of ``table``'s bit 1
    (index ``min(c, len(table) - 1)``: a mark _unicode removes or replaces, or one that NFC may change)
    or a combining mark after one of a higher class (``ccc``, the canonical combining classes: what
    ``unicodedata.is_normalized`` checks besides its quick-check property); bit 2 if _spacing would change
    it: two spaces, a space and a newline either way round, two newlines, or white space (``table``'s
    bit 2) first or last."""
    out = np.zeros(len(starts), dtype=np.uint8)
    top = len(table) - 1
    for d in range(len(starts)):
        start = starts[d]
        end = start + lengths[d]
        if end == start:
            continue
        flags = np.uint8(0)
        if table[min(codes[start], top)] & 2 or table[min(codes[end - 1], top)] & 2:
            flags |= np.uint8(2)
        previous_class = 0
        previous = 0
        for p in range(start, end):
            c = codes[p]
            index = min(c, top)
            if table[index] & 1:
                flags |= np.uint8(1)
            klass = ccc[index]
            if klass != 0 and previous_class > klass:
                flags |= np.uint8(1)
            previous_class = klass
            if (previous == 32 or previous == 10) and (c == 32 or c == 10):
                flags |= np.uint8(2)
            previous = c
        out[d] = flags
    return out


@njit(cache=True, nogil=True)
def spaced_checks(codes, starts, lengths, table):
    """Per text of single spaces (``codes[starts[i]:starts[i] + lengths[i]]``), the batch decisions of
    :func:`classify.text.normalize_many` in one pass. ``table[min(c, len(table) - 1)]``: a Thai code
    point's parts in the strings of ``_MISORDER_SCAN`` (1 first of a pair, 2 second of a pair, 4 twice
    or with a space between, 8 a mark after a space or first, 16 alone) and 32 for white space other
    than spaces and newlines. Bit 1 of the result if the Thai rules can change the text (one of those
    strings, or a mark first), bit 2 if ``_REPEATS`` finds a run (four of one code point other than a
    newline), bit 4 if it holds white space other than spaces and newlines."""
    out = np.zeros(len(starts), dtype=np.uint8)
    top = len(table) - 1
    for d in range(len(starts)):
        start = starts[d]
        end = start + lengths[d]
        flags = np.int64(0)
        kind_1 = np.int64(0)  # the kind of the previous code point, and the three previous code points
        c_1 = np.int64(-1)  # (-1: none)
        c_2 = np.int64(-1)
        c_3 = np.int64(-1)
        if end > start:
            flags |= (table[min(np.int64(codes[start]), top)] >> 3) & 1  # a mark first
        for p in range(start, end):  # (no branches: Thai text's marks come at no predictable place)
            c = np.int64(codes[p])
            kind = np.int64(table[min(c, top)])
            flags |= (kind >> 4) & 1  # alone
            flags |= kind_1 & (kind >> 1) & 1  # the first of a pair, then the second
            flags |= (kind >> 3) & (c_1 == 32)  # a mark after a space
            flags |= (kind >> 2) & ((c_1 == c) | ((c_1 == 32) & (c_2 == c)))  # twice, or with a space between
            flags |= ((c == c_1) & (c == c_2) & (c == c_3) & (c != 10)) << 1  # four times
            flags |= (kind >> 5) << 2  # (32 is the table's top bit)
            kind_1 = kind
            c_3 = c_2
            c_2 = c_1
            c_1 = c
        out[d] = flags
    return out


@njit(cache=True, nogil=True)
def replace_runs(codes, kinds, folds, starts, lengths, chosen):
    """The chosen texts (``codes[starts[i]:starts[i] + lengths[i]]`` for i in ``chosen``) one after the
    other, each maximal run of code points of one nonzero kind (``kinds``, one per code point) replaced
    by one space (32) and every other code point c by ``folds[c]``; and where each starts in the result,
    and its length."""
    total = 0
    for i in chosen:
        total += lengths[i]
    out = np.empty(total, dtype=np.uint32)
    out_starts = np.empty(len(chosen), dtype=np.int64)
    out_lengths = np.empty(len(chosen), dtype=np.int64)
    o = 0
    for n in range(len(chosen)):
        i = chosen[n]
        out_starts[n] = o
        previous = 0
        for p in range(starts[i], starts[i] + lengths[i]):
            kind = kinds[p]
            if kind == 0:
                out[o] = folds[codes[p]]
                o += 1
            elif kind != previous:
                out[o] = 32
                o += 1
            previous = kind
        out_lengths[n] = o - out_starts[n]
    return out[:o], out_starts, out_lengths
