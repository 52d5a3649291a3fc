"""Compiled loops (numba) for the few steps of scoring that NumPy cannot do without many passes over
memory: each is a plain loop, the same arithmetic as the NumPy or Python statement it replaces, which
tests/classify checks against a plain Python statement of it.

Compiled on first use and cached beside this file (``__pycache__``), so a process pays the compilation
once per machine and then only loads it (about half a second, part of the model load time).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from llvmlite import ir
from numba import njit
from numba.core import cgutils, types
from numba.cpython.unsafe.numbers import trailing_zeros as _trailing_zeros
from numba.extending import intrinsic

_BASE = np.uint64(0x100000001B3)  # odd multiplier of the polynomial hash (FNV prime)
_MIX = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: the top bits of h * _MIX are well spread
trailing_zeros: Any = _trailing_zeros  # (an LLVM intrinsic: its stub confuses type checkers)
_PREFETCH_AHEAD = 32  # entries: the table's rows are read from L3 (or memory) at random


@intrinsic
def _prefetch(typingctx: Any, table: Any, row: Any, column: Any) -> Any:
    """Ask the CPU to bring the cache line of ``table[row, column]`` (a 2-d C-contiguous array) into its
    caches (LLVM's prefetch: for reading, all cache levels); nothing else, no value changes. The out-of-order core alone
    only looks a few entries ahead, and the random reads of a large table then wait for memory."""
    signature = types.void(table, row, column)

    def codegen(context: Any, builder: Any, sig: Any, args: Any) -> Any:
        array_type, row_type, column_type = sig.args
        array = context.make_array(array_type)(context, builder, args[0])
        index = context.cast(builder, args[1], row_type, types.intp)
        column = context.cast(builder, args[2], column_type, types.intp)
        pointer = cgutils.get_item_pointer2(
            context,
            builder,
            data=array.data,
            shape=cgutils.unpack_tuple(builder, array.shape),
            strides=cgutils.unpack_tuple(builder, array.strides),
            layout=array_type.layout,
            inds=[index, column],
            wraparound=False,
            boundscheck=False,
        )
        bytes_pointer = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        function_type = ir.FunctionType(ir.VoidType(), [bytes_pointer, i32, i32, i32])
        prefetch = cgutils.get_or_insert_function(builder.module, function_type, "llvm.prefetch.p0i8")
        builder.call(prefetch, [builder.bitcast(pointer, bytes_pointer), i32(0), i32(3), i32(1)])
        return context.get_dummy_value()

    return signature, codegen


_prefetch_line: Any = _prefetch  # (called with the table, row and column: the typing context is numba's)


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
    line = max(64 // block.itemsize, 1)  # entries per cache line
    end = len(indices)
    for i in range(len(indptr) - 1):
        for j in range(indptr[i], indptr[i + 1]):
            if j + _PREFETCH_AHEAD < end:  # the block's rows are read at random: fetched ahead
                ahead = rows_of[indices[j + _PREFETCH_AHEAD]]
                if ahead >= 0:
                    for k in range(0, width, line):
                        _prefetch_line(block, ahead, k)
            row = rows_of[indices[j]]
            if row >= 0:
                value = data[j]
                for k in range(width):
                    out[i, k] += value * block[row, k]


@njit(cache=True, nogil=True)
def weighted_compact_products(
    indptr, indices, logged, rows, idf, limit, rows_of, block, out, need, d_rows_of, d_block, d_out
):
    """:func:`compact_product` (all float32) of the TF-IDF rows of :meth:`classify.scorer.Counts.weighted`
    for the ``rows`` of the CSR counts ``indptr``, ``indices``, ``logged`` (their 1 + log count), without
    building them: per selected row, v = logged * idf (float32) of its entries of the columns before
    ``limit`` (the others dropped), the norm the square root of the float64 squares added in stored order
    from 0.0 (1.0 if 0), each value v / float32(norm); then ``out[r]`` (zeros) adds value *
    block[rows_of[column]] for the kept entries in stored order, as :func:`compact_product` does (the
    entries whose ``rows_of`` is -1 would add exact zeros); and if ``need[r] >= 0``, ``d_out[need[r]]``
    the same with ``d_rows_of`` and ``d_block``. The first pass over a row (its norm) prefetches the
    block rows its entries read in the second, and the IDF weights and ``rows_of`` entries 32 ahead."""
    width = block.shape[1]
    d_width = d_block.shape[1]
    line = max(64 // block.itemsize, 1)  # entries per cache line
    longest = 0
    for r in range(len(rows)):
        longest = max(longest, indptr[rows[r] + 1] - indptr[rows[r]])
    values = np.empty(longest, dtype=np.float32)
    columns = np.empty(longest, dtype=np.int64)
    # (the per-feature arrays as tables of one column, for _prefetch_line)
    idf_table, rows_table, d_rows_table = idf.reshape((-1, 1)), rows_of.reshape((-1, 1)), d_rows_of.reshape((-1, 1))
    for r in range(len(rows)):
        start, end = indptr[rows[r]], indptr[rows[r] + 1]
        total = 0.0
        kept = 0
        needed = need[r] >= 0
        for j in range(start, end):
            if j + _PREFETCH_AHEAD < end:  # the IDF weights and block rows of an entry further on
                ahead = indices[j + _PREFETCH_AHEAD]
                _prefetch_line(idf_table, ahead, 0)
                _prefetch_line(rows_table, ahead, 0)
                if needed:
                    _prefetch_line(d_rows_table, ahead, 0)
            column = indices[j]
            if column < limit:
                ahead = rows_of[column]
                if ahead >= 0:  # the block's rows are read at random: fetched before the second pass
                    for k in range(0, width, line):
                        _prefetch_line(block, ahead, k)
                v = logged[j] * idf[column]
                total += np.float64(v) * np.float64(v)
                values[kept] = v
                columns[kept] = column
                kept += 1
        norm = np.sqrt(total)
        if norm == 0.0:
            norm = 1.0
        scale = np.float32(norm)
        for t in range(kept):
            values[t] = values[t] / scale
        for t in range(kept):
            row = rows_of[columns[t]]
            if row >= 0:
                value = values[t]
                for k in range(width):
                    out[r, k] += value * block[row, k]
        slot = need[r]
        if slot >= 0:
            for t in range(kept):
                row = d_rows_of[columns[t]]
                if row >= 0:
                    value = values[t]
                    for k in range(d_width):
                        d_out[slot, k] += value * d_block[row, k]


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
def sentiment_products(indptr, indices, logged, table, limit, q_indptr, q_indices, q_data, q_coef, nb_qcoef):
    """The sentiment model's two products of a batch (CSR ``indptr``, ``indices``, ``logged``: the
    counts' 1 + log count) read from one 64-byte row of ``table`` per feature: its IDF weight (column 0),
    SVM weights (1-4) and NB-SVM block (5-12). ``linear``: the TF-IDF rows, then the question rows
    (CSR ``q_*``, weights ``q_coef``), times the SVM weights; ``counted``: the 0/1 counts times the
    NB-SVM block. The TF-IDF values are those of :meth:`classify.scorer.Counts.weighted`: v = logged *
    idf (float32) of the entries of the columns before ``limit`` (the others dropped), each row's norm
    the float64 sum of float64(v)**2 in stored order from 0.0, its square root, 1.0 if it is 0, and the
    value v / float32(norm). As scipy's csr products, each output starts from 0 and adds its row's
    terms in stored order in float32: linear[k] += value * w[k] (the question terms after the TF-IDF
    terms), counted[k] += block[k] (1 * w is w) over all the stored entries; and ``asked``, the question
    rows times ``nb_qcoef.T``: asked[k] += value * nb_qcoef[k, column].

    Each row takes two passes: its norm and 0/1 sums, then its TF-IDF terms. The first pass prefetches the
    table's row of the entry 32 entries ahead; the second finds it in the caches."""
    n_rows = len(indptr) - 1
    linear = np.zeros((n_rows, 4), dtype=np.float32)
    counted = np.zeros((n_rows, 8), dtype=np.float32)
    asked = np.zeros((n_rows, 4), dtype=np.float32)
    longest = 0
    for i in range(n_rows):
        longest = max(longest, indptr[i + 1] - indptr[i])
    values = np.empty(longest, dtype=np.float32)  # the row's kept entries' TF-IDF values and columns
    columns = np.empty(longest, dtype=np.int64)
    zero = np.float32(0.0)
    for i in range(n_rows):
        total = 0.0
        kept = 0
        c0 = c1 = c2 = c3 = c4 = c5 = c6 = c7 = zero
        for j in range(indptr[i], indptr[i + 1]):
            if j + _PREFETCH_AHEAD < len(indices):
                _prefetch_line(table, indices[j + _PREFETCH_AHEAD], 0)
            column = indices[j]
            if column < limit:
                v = np.float32(logged[j] * table[column, 0])
                total += np.float64(v) * np.float64(v)
                values[kept] = v
                columns[kept] = column
                kept += 1
            c0 += table[column, 5]
            c1 += table[column, 6]
            c2 += table[column, 7]
            c3 += table[column, 8]
            c4 += table[column, 9]
            c5 += table[column, 10]
            c6 += table[column, 11]
            c7 += table[column, 12]
        counted[i, 0], counted[i, 1], counted[i, 2], counted[i, 3] = c0, c1, c2, c3
        counted[i, 4], counted[i, 5], counted[i, 6], counted[i, 7] = c4, c5, c6, c7
        norm = np.sqrt(total)
        if norm == 0.0:
            norm = 1.0
        scale = np.float32(norm)
        a0 = a1 = a2 = a3 = zero
        for t in range(kept):
            value = values[t] / scale
            column = columns[t]
            a0 += value * table[column, 1]
            a1 += value * table[column, 2]
            a2 += value * table[column, 3]
            a3 += value * table[column, 4]
        b0 = b1 = b2 = b3 = zero
        for j in range(q_indptr[i], q_indptr[i + 1]):
            value = q_data[j]
            q = q_indices[j]
            a0 += value * q_coef[q, 0]
            a1 += value * q_coef[q, 1]
            a2 += value * q_coef[q, 2]
            a3 += value * q_coef[q, 3]
            b0 += value * nb_qcoef[0, q]
            b1 += value * nb_qcoef[1, q]
            b2 += value * nb_qcoef[2, q]
            b3 += value * nb_qcoef[3, q]
        linear[i, 0], linear[i, 1], linear[i, 2], linear[i, 3] = a0, a1, a2, a3
        asked[i, 0], asked[i, 1], asked[i, 2], asked[i, 3] = b0, b1, b2, b3
    return linear, counted, asked


@njit(cache=True, nogil=True)
def relevance_products(indptr, indices, logged, table, out):
    """``X @ coef.T`` of the relevance model, with X the TF-IDF rows of :meth:`classify.scorer.Counts.weighted`:
    ``logged`` the counts' 1 + log count (CSR), ``table[column]`` the column's IDF weight and model weight
    for the columns before ``len(table)`` (the others dropped). Per row: v = logged * idf (float32); the
    norm the square root of the float64 squares added in stored order from 0 (1 if 0); then ``out[row]``
    (zeros) adds float32(v / float32(norm)) * weight in stored order, in ``out``'s dtype, as scipy's
    csr_matvec does."""
    limit = len(table)
    for i in range(len(indptr) - 1):
        squares = 0.0
        for j in range(indptr[i], indptr[i + 1]):
            column = indices[j]
            if column < limit:
                value = logged[j] * table[column, 0]
                squares += np.float64(value) * np.float64(value)
        norm = np.sqrt(squares)
        if norm == 0.0:
            norm = 1.0
        scale = np.float32(norm)
        total = out[i]
        for j in range(indptr[i], indptr[i + 1]):
            column = indices[j]
            if column < limit:
                total += (logged[j] * table[column, 0]) / scale * table[column, 1]
        out[i] = total


@njit(cache=True, nogil=True)
def word_occurrences(codes, starts, lengths, symbols, delta, width, out_ptr, out_words, word_lengths):
    """Every occurrence of every word of an Aho-Corasick automaton in each text, overlapping ones
    included, as CSR arrays (indptr; the start of each occurrence in its text; the word's number): those
    of ``WordScan.occurrences_many`` in classify/wordscan.py, which builds the tables. ``codes``: the code
    points of all texts (at ``starts``, ``lengths`` code points each). ``symbols[c]`` numbers the words'
    characters (0: a code point from ``len(symbols)`` on, or one in no word, which leads back to state 0);
    ``delta[state * width + symbol]`` is the next state, ``out_words[out_ptr[s]:out_ptr[s + 1]]`` the words
    ending in state ``s`` (its own and its suffixes'). Per text the occurrences in the order of their
    last character, the longer first at one position."""
    n_docs = len(starts)
    limit = len(symbols)
    indptr = np.zeros(n_docs + 1, dtype=np.int64)
    size = 1024
    at = np.empty(size, dtype=np.int64)
    words = np.empty(size, dtype=np.int32)
    out = 0
    for d in range(n_docs):
        first = starts[d]
        state = 0
        for p in range(first, first + lengths[d]):
            c = codes[p]
            state = delta[state * width + (symbols[c] if c < limit else 0)]
            for o in range(out_ptr[state], out_ptr[state + 1]):
                if out == size:
                    size *= 2
                    grown_at = np.empty(size, dtype=np.int64)
                    grown_at[:out] = at[:out]
                    at = grown_at
                    grown_words = np.empty(size, dtype=np.int32)
                    grown_words[:out] = words[:out]
                    words = grown_words
                w = out_words[o]
                at[out] = p - first + 1 - word_lengths[w]
                words[out] = w
                out += 1
        indptr[d + 1] = out
    return indptr, at[:out], words[:out]


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
