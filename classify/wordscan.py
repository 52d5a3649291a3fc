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

from collections.abc import Container, Iterable

import ahocorasick


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

    def occurrences(self, text: str) -> list[tuple[int, str]]:
        """(start, word) of every occurrence of every word, overlapping ones included (in no set order)."""
        if self._automaton is None or not text:
            return []
        return [(last + 1 - len(word), word) for last, word in self._automaton.iter(text)]

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
