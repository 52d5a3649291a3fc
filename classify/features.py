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

from classify.kernels import count_features
from classify.wordscan import WordScan

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


def _codes(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """All texts as one uint32 array of code points with a separator after each; the start offsets."""
    joined = "\x00".join(texts) + "\x00"
    codes = np.frombuffer(joined.encode("utf-32-le", errors="replace"), dtype=np.uint32)
    lengths = np.fromiter((len(t) + 1 for t in texts), dtype=np.int64, count=len(texts))
    starts = np.zeros(len(texts), dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    return codes, starts


def hashed_counts(texts: Sequence[str], spec: FeatureSpec, char_limits: Sequence[int] | None = None) -> sp.csr_matrix:
    """Counts of the words (and word pairs; words are separated by spaces or other control/space
    characters) and of the character n-grams of each text, hashed into ``2**spec.bits`` columns (words,
    pairs and n-grams of each size salted apart). ``char_limits``: per text, how many leading characters
    the character n-grams read (the words, not the signal tokens appended after them)."""
    n_docs = len(texts)
    if n_docs == 0:
        return sp.csr_matrix((0, 1 << spec.bits), dtype=np.float32)
    codes, starts = _codes(texts)
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
