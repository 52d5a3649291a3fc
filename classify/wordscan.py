"""Many fixed words found in one pass over a text (an Aho-Corasick automaton, ``pyahocorasick``).

The signals and the places each look for some dozens to a thousand fixed words in
every document. ``word in text`` once per word, or a regular expression tried at every position, costs
one scan per word or a long alternation per character; the automaton reads each character once and
reports every occurrence, overlapping ones included. Two views of the occurrences are given, each the
exact equivalent of what the code did before:

* :meth:`WordScan.occurring`: the set of words that occur anywhere (``[w for w in words if w in text]``);
* :func:`leftmost_longest` of :meth:`WordScan.occurrences`: the matches of ``re.finditer`` over a
  pattern that matches the longest of the words at a position (:func:`classify.places.trie_pattern`):
  from left to right, at the first position where a word starts the longest word starting there, then
  on from its end.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Sequence
from typing import Any

import ahocorasick
import numpy as np

from classify.kernels import word_occurrences


class WordScan:
    """The words (non-empty strings, matched case-sensitively) of one automaton."""

    def __init__(self, words: Iterable[str]) -> None:
        self.words = frozenset(w for w in words if w)
        self._automaton: ahocorasick.Automaton | None = None
        if self.words:
            automaton = ahocorasick.Automaton()
            for word in self.words:
                automaton.add_word(word, word)
            automaton.make_automaton()
            self._automaton = automaton
        self._tables: tuple[list[str], tuple[Any, ...]] | None = None  # (see _compiled)

    def occurrences(self, text: str) -> list[tuple[int, str]]:
        """(start, word) of every occurrence of every word, overlapping ones included (in no set order)."""
        if self._automaton is None or not text:
            return []
        return [(last + 1 - len(word), word) for last, word in self._automaton.iter(text)]

    def occurrences_many(self, texts: Sequence[str]) -> list[list[tuple[int, str]]]:
        """``[self.occurrences(text) for text in texts]`` (each text's list in another order, which means
        nothing: the same occurrences), found by one compiled pass over all the texts' code points
        (:func:`classify.kernels.word_occurrences`) rather than one automaton call per text."""
        if not self.words or not texts:
            return [[] for _ in texts]
        words, tables = self._compiled()
        joined = "".join(texts)  # (surrogatepass: one code point per character of the str, lone surrogates too)
        codes = np.frombuffer(joined.encode("utf-32-le", errors="surrogatepass"), dtype=np.uint32)
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        starts = np.zeros(len(texts), dtype=np.int64)
        np.cumsum(lengths[:-1], out=starts[1:])
        indptr, at, found = word_occurrences(codes, starts, lengths, *tables)
        pairs = list(zip(at.tolist(), map(words.__getitem__, found.tolist()), strict=True))
        bounds = indptr.tolist()
        return [pairs[bounds[i] : bounds[i + 1]] for i in range(len(texts))]

    def _compiled(self) -> tuple[list[str], tuple[Any, ...]]:
        """The words (sorted; numbered in that order) and their Aho-Corasick automaton as the tables of
        :func:`classify.kernels.word_occurrences`: the symbol of each code point up to the largest in a
        word, the transitions (states x symbols, flattened), the width of a row, the words ending in each
        state (pointers and word numbers) and the words' lengths. Built on the first call."""
        if self._tables is None:
            words = sorted(self.words)
            symbols, delta, ending = automaton_tables(words)
            width = delta.shape[1]
            ptr = np.zeros(len(ending) + 1, dtype=np.int64)
            ptr[1:] = np.cumsum([len(e) for e in ending])
            out_words = np.asarray([w for e in ending for w in e], dtype=np.int32)
            lengths = np.asarray([len(w) for w in words], dtype=np.int64)
            self._tables = words, (symbols, delta.ravel(), width, ptr, out_words, lengths)
        return self._tables

    def any_in(self, text: str) -> bool:
        """Whether any of the words occurs in ``text``."""
        if self._automaton is None or not text:
            return False
        return next(self._automaton.iter(text), None) is not None

    def occurring(self, text: str) -> set[str]:
        """The words that occur in ``text`` (anywhere, overlapping others or not)."""
        if self._automaton is None or not text:
            return set()
        return {word for _, word in self._automaton.iter(text)}


def automaton_tables(words: Sequence[str]) -> tuple[np.ndarray, np.ndarray, list[list[int]]]:
    """The Aho-Corasick automaton of ``words`` (non-empty) as tables for compiled scans: the symbol of each
    code point up to the largest in a word (1, 2, ... for the words' characters in code point order, 0 for
    the others), the transitions (states x symbols, symbol 0 back to the start state 0) and, per state,
    the numbers (positions in ``words``) of the words ending there: its own and its suffixes'."""
    alphabet = sorted(set("".join(words)))
    symbols = np.zeros(ord(alphabet[-1]) + 1, dtype=np.int32)
    for k, char in enumerate(alphabet):
        symbols[ord(char)] = k + 1
    goto: list[dict[int, int]] = [{}]
    ending: list[list[int]] = [[]]
    for number, word in enumerate(words):
        state = 0
        for char in word:
            symbol = int(symbols[ord(char)])
            child = goto[state].get(symbol)
            if child is None:
                child = goto[state][symbol] = len(goto)
                goto.append({})
                ending.append([])
            state = child
        ending[state].append(number)
    delta = np.zeros((len(goto), len(alphabet) + 1), dtype=np.int32)
    fail = [0] * len(goto)
    queue = list(goto[0].values())
    delta[0, list(goto[0])] = queue
    for state in queue:  # breadth first: a state's fail state (shorter) is complete before it
        back = fail[state]  # (0 for the start state's children)
        delta[state] = delta[back]
        ending[state] += ending[back]
        for symbol, child in goto[state].items():
            fail[child] = int(delta[back, symbol])
            delta[state, symbol] = child
            queue.append(child)
    return symbols, delta, ending


def leftmost_longest(
    occurrences: Iterable[tuple[int, str]], among: Container[str] | None = None
) -> list[tuple[int, int, str]]:
    """(start, end, word) of the non-overlapping matches that ``re.finditer`` finds for a pattern matching
    the longest of the words ``among`` (all by default) at a position: from left to right, at the first
    position where one starts the longest one starting there, then on from its end."""
    longest: dict[int, str] = {}
    get = longest.get
    if among is not None:
        occurrences = [(start, word) for start, word in occurrences if word in among]
    for start, word in occurrences:
        known = get(start)
        if known is None or len(word) > len(known):
            longest[start] = word
    if not longest:
        return []
    out: list[tuple[int, int, str]] = []
    position = 0
    for start in sorted(longest):
        if start >= position:
            word = longest[start]
            position = start + len(word)
            out.append((start, position, word))
    return out
