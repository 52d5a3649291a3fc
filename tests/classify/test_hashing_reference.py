"""The vectorised feature hashing (classify/features.py) against a plain Python statement of the same
hash, on random texts: the trained models read these columns, so a faster implementation must give
exactly the same counts (texts shorter than an n-gram, empty texts, limits past the end included)."""

from __future__ import annotations

import random
import re
from itertools import pairwise

import numpy as np
import pytest

from classify.features import FeatureSpec, hashed_counts

_M = 1 << 64
_BASE = 0x100000001B3
_MIX = 0x9E3779B97F4A7C15


def _hash(text: str) -> int:
    value = 0
    for char in text:
        value = (value * _BASE + ord(char)) % _M
    return value


def _bucket(value: int, salt: int, bits: int) -> int:
    return (((value ^ salt) * _MIX) % _M) >> (64 - bits)


def _reference(texts: list[str], spec: FeatureSpec, limits: list[int] | None) -> list[dict[int, float]]:
    rows: list[dict[int, float]] = []
    for i, text in enumerate(texts):
        counts: dict[int, float] = {}

        def add(column: int, counts: dict[int, float] = counts) -> None:
            counts[column] = counts.get(column, 0.0) + 1.0

        words = [w for w in re.split("[\x00-\x20]+", text) if w]
        hashes = [_hash(w) for w in words]
        if spec.word_ngrams >= 1:
            for h in hashes:
                add(_bucket(h, 1, spec.bits - 1))
        if spec.word_ngrams >= 2:
            for a, b in pairwise(hashes):
                add(_bucket((a * _MIX + b) % _M, 2, spec.bits - 1))
        low, high = spec.char_ngrams
        if low:
            read = text[: limits[i]] if limits is not None else text
            for n in range(low, high + 1):
                for start in range(len(read) - n + 1):
                    add(_bucket(_hash(read[start : start + n]), 100 + n, spec.bits - 1) + spec.char_start)
        rows.append(counts)
    return rows


SPECS = [
    FeatureSpec(bits=12, word_ngrams=2, char_ngrams=(2, 4)),
    FeatureSpec(bits=18, word_ngrams=1),
    FeatureSpec(bits=10, word_ngrams=2, char_ngrams=(1, 5)),
    FeatureSpec(bits=14, word_ngrams=0, char_ngrams=(3, 3)),
]


@pytest.mark.parametrize("spec", SPECS, ids=str)
def test_hashed_counts_are_the_plain_statement_of_the_hash(spec: FeatureSpec) -> None:
    rng = random.Random(spec.bits)
    for trial in range(150):
        texts = [
            "".join(rng.choice("ab c\tกข\n😀") for _ in range(rng.randint(0, 9))) for _ in range(rng.randint(1, 5))
        ]
        limits = [rng.randint(0, 12) for _ in texts] if trial % 2 else None
        matrix = hashed_counts(texts, spec, char_limits=limits)
        assert matrix.shape == (len(texts), 1 << spec.bits) and matrix.dtype == np.float32
        for row, expected in enumerate(_reference(texts, spec, limits)):
            start, end = matrix.indptr[row], matrix.indptr[row + 1]
            columns = matrix.indices[start:end].tolist()
            assert columns == sorted(expected)  # columns in order within a row
            assert dict(zip(columns, matrix.data[start:end].tolist(), strict=True)) == expected
