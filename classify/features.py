"""Hashed features of many documents at once: the word and word-pair counts and the character
n-gram counts that every model reads.

scikit-learn's HashingVectorizer builds every n-gram as a Python string and hashes it one by one; on
10,000 short documents that cost several times the tokeniser itself. Here a batch of texts becomes one
array of code points, and one compiled loop (:func:`classify.kernels.count_features`) hashes every word,
word pair and character n-gram with a polynomial hash and counts them per document. The counts are
identical in training and scoring because both call :func:`hashed_counts`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from classify.kernels import count_features, question_cues
from classify.wordscan import automaton_tables

_SEP = 0  # code point between documents: no n-gram crosses it


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


def _codes(texts: Sequence[str], errors: str = "replace") -> tuple[np.ndarray, np.ndarray]:
    """All texts as one uint32 array of code points with a separator after each; the start offsets.
    ``errors``: what becomes of a lone surrogate ("replace": "?"; "surrogatepass": its code point)."""
    joined = "\x00".join(texts) + "\x00"
    codes = np.frombuffer(joined.encode("utf-32-le", errors=errors), dtype=np.uint32)
    lengths = np.fromiter((len(t) + 1 for t in texts), dtype=np.int64, count=len(texts))
    starts = np.zeros(len(texts), dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    return codes, starts


def hashed_counts(texts: Sequence[str], spec: FeatureSpec, char_limits: Sequence[int] | None = None) -> sp.csr_matrix:
    """Counts of the words (and word pairs; words are separated by spaces or other control/space
    characters) and of the character n-grams of each text, hashed into ``2**spec.bits`` columns (words,
    pairs and n-grams of each size salted apart). ``char_limits``: per text, how many leading characters
    the character n-grams read (the words, not the signal tokens appended after them)."""
    if len(texts) == 0:
        return sp.csr_matrix((0, 1 << spec.bits), dtype=np.float32)
    codes, starts = _codes(texts)
    return joined_counts(codes, starts, spec, char_limits)


def joined_counts(
    codes: np.ndarray, starts: np.ndarray, spec: FeatureSpec, char_limits: Sequence[int] | None = None
) -> sp.csr_matrix:
    """:func:`hashed_counts` of texts already made one array of code points as :func:`_codes` makes them
    (each text followed by a 0; ``starts``: where each begins; at least one text)."""
    n_docs = len(starts)
    lengths = np.diff(np.append(starts, len(codes)))  # each text's code points and its closing separator
    sizes = lengths - 1
    limits = sizes if char_limits is None else np.clip(np.asarray(char_limits, dtype=np.int64), 0, sizes)
    low, high = spec.char_ngrams
    indptr, indices, data = count_features(codes, starts, lengths, limits, spec.bits, spec.word_ngrams, low, high)
    return sp.csr_matrix((data, indices, indptr), shape=(n_docs, 1 << spec.bits))


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
N_QUESTION_FEATURES = 2 * len(QUESTION_CUES) + 2
_THAI = 0x0E00  # the Thai block, [0x0E00, 0x0E80): every character of the cues and every mark is in it
_CHAR_LIMIT = 0x40000  # no code point from here on is alphanumeric, a space, a mark, "?" or changed by casefold


def _char_table() -> np.ndarray:
    """What :func:`classify.kernels.question_cues` needs to know of each code point below
    :data:`_CHAR_LIMIT` (see there): which characters of its casefold are kept at the end of a text
    (``c.isalnum() and c != "_"``, which is the regular expression ``[^\\W_]``), how many there are, and
    whether it is a space (``\\s``, ``str.isspace``), a mark or a question mark. One pass of a regular
    expression per property over all the code points, and casefold only of the blocks that it changes:
    about 10 ms at import (tests/classify checks it against the per-character methods)."""
    every = np.arange(_CHAR_LIMIT, dtype=np.uint32).tobytes().decode("utf-32-le", errors="surrogatepass")
    chars = np.full(_CHAR_LIMIT, 1 << 3, dtype=np.uint8)  # a casefold of one character, not kept
    for flag, pattern in ((1, r"[^\W_]+"), (32, r"\s+"), (64, f"[{_MARKS}]+"), (128, "[?？]+")):
        for match in re.finditer(pattern, every):
            chars[match.start() : match.end()] |= flag
    block = 256
    for low in range(0, _CHAR_LIMIT, block):
        if every[low : low + block].casefold() != every[low : low + block]:
            for c in range(low, low + block):
                folded = chr(c).casefold()
                if folded != chr(c):
                    kept = sum(1 << k for k, f in enumerate(folded) if f.isalnum() and f != "_")
                    chars[c] = (chars[c] & 0b11100000) | len(folded) << 3 | kept
    return chars


def _cue_automaton() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The question cues' Aho-Corasick automaton as tables: the symbol of each code point of the Thai
    block (0: none of the cues' characters), the transitions ``delta[state + symbol]`` (the states
    numbered by the start of their row, 0 the start state), the cues ending in each state
    (``cues[ptr[s]:ptr[s + 1]]``) and the cues' lengths."""
    every, delta, ending = automaton_tables(QUESTION_CUES)
    assert not every[:_THAI].any() and len(every) <= _THAI + 128  # (the cues are Thai)
    symbols = np.zeros(128, dtype=np.int32)
    symbols[: len(every) - _THAI] = every[_THAI:]
    width = delta.shape[1]  # the states as the offsets of their rows: one load per character, no product
    flat = (delta * width).ravel()
    ptr = np.zeros(len(flat) + 1, dtype=np.int32)
    ptr[1:][::width] = [len(e) for e in ending]
    np.cumsum(ptr, out=ptr)
    cues = np.asarray([j for e in ending for j in e], dtype=np.int32)
    lengths = np.asarray([len(cue) for cue in QUESTION_CUES], dtype=np.int64)
    return symbols, flat, ptr, cues, lengths


_CHARS = _char_table()
_AUTOMATON = _cue_automaton()
# the values of the columns: a cue or a question mark at the end, and 1, 2 or 3 question marks
_VALUES = np.asarray([1.0, 1 / 3, 2 / 3, 3 / 3], dtype=np.float32) * np.float32(QUESTION_WEIGHT)


def question_features(texts: Sequence[str]) -> sp.csr_matrix:
    """Question cues of each (normalised) text, scaled by :data:`QUESTION_WEIGHT`: for cue ``i``, column
    ``i`` if it occurs (not followed by a mark), column ``len(QUESTION_CUES) + i`` if it also occurs in the
    last :data:`QUESTION_TAIL` characters of the casefolded text without its trailing characters that are
    not alphanumeric (or are "_"); then the number of question marks (at most 3, over 3) and whether the
    text ends in one. One compiled pass over the code points (:func:`classify.kernels.question_cues`)."""
    codes, starts = _codes(texts, errors="surrogatepass")
    lengths = np.diff(starts, append=len(codes)) - 1  # without the separator
    indptr, indices, data = question_cues(codes, starts, lengths, _CHARS, *_AUTOMATON, QUESTION_TAIL, _VALUES)
    return sp.csr_matrix((data, indices, indptr), shape=(len(texts), N_QUESTION_FEATURES))
