"""The one-pass word search (classify/wordscan.py) and the fast paths built on it give what the regular
expressions and ``word in text`` loops they replace gave, on random text made to hit the corner cases
(overlapping words, words that are prefixes of others, misordered Thai marks, URLs next to emoji)."""

from __future__ import annotations

import random
import re

import pytest

from classify.places import gazetteer, trie_pattern
from classify.signals import read_signals
from classify.text import _NOISE, _thai_rules, strip_noise, thai_normalize
from classify.wordscan import WordScan, leftmost_longest

WORDS = ["ab", "abc", "abcd", "bc", "b", "cab", "dd", "ca", "ท่วม", "น้ำท่วม", "น้ำ", "ท่วมขัง"]
LETTERS = ["a", "b", "c", "d", " ", "น้ำ", "ท่วม", "ขัง", "x"]


def _random_texts(alphabet: list[str], count: int, longest: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, longest))) for _ in range(count)]


def test_occurring_is_every_word_in_the_text() -> None:
    scan = WordScan(WORDS)
    for text in _random_texts(LETTERS, 3000, 12, seed=1):
        assert scan.occurring(text) == {w for w in WORDS if w in text}
        assert scan.any_in(text) == any(w in text for w in WORDS)


def test_occurrences_of_many_texts_are_every_start_of_every_word() -> None:
    scan = WordScan(WORDS)
    texts = _random_texts([*LETTERS, "\ud800", "😀", "é"], 3000, 12, seed=5)
    for text, found in zip(texts, scan.occurrences_many(texts), strict=True):
        expected = sorted((i, w) for w in WORDS for i in range(len(text)) if text.startswith(w, i))
        assert sorted(found) == expected
        assert sorted(scan.occurrences(text)) == expected
    assert scan.occurrences_many([]) == []
    assert WordScan([]).occurrences_many(["ab", ""]) == [[], []]


def test_leftmost_longest_is_what_the_trie_pattern_finds() -> None:
    scan = WordScan(WORDS)
    pattern = re.compile(trie_pattern(sorted(WORDS, key=len, reverse=True)))
    among = {"ab", "abcd", "b", "ท่วม", "น้ำ"}
    pattern_among = re.compile(trie_pattern(sorted(among, key=len, reverse=True)))
    for text in _random_texts(LETTERS, 3000, 12, seed=2):
        expected = [(m.start(), m.end(), m.group(0)) for m in pattern.finditer(text)]
        assert leftmost_longest(scan.occurrences(text)) == expected
        expected_among = [(m.start(), m.end(), m.group(0)) for m in pattern_among.finditer(text)]
        assert leftmost_longest(scan.occurrences(text), among) == expected_among


def test_no_words_find_nothing() -> None:
    scan = WordScan([])
    assert scan.occurring("abc") == set()
    assert scan.occurrences("abc") == []
    assert not scan.any_in("abc")
    assert not WordScan(["ab"]).any_in("")


THAI_PIECES = [
    *"กขคงจนมยรลวสหอะาำิีึืุูเแโใไั่้๊๋็์ํๅๆฤฦ",
    " ",
    "  ",
    "\n",
    " \n",
    "\u200b",
    "เเ",
    "\u0e4d\u0e32",
    "ab",
]


def test_thai_normalize_skips_its_rules_only_when_none_applies() -> None:
    """The automaton's pre-check never skips a text that one of the rules would change."""
    for text in _random_texts(THAI_PIECES, 20000, 14, seed=3):
        spaced = re.sub("[ \n]*\n[ \n]*", "\n", re.sub(" {2,}", " ", text.replace("\u200b", ""))).strip()
        assert thai_normalize(text) == _thai_rules(spaced), repr(text)


NOISE_PIECES = [
    "ก",
    "a",
    " ",
    "ๆ",
    "ๆๆ",
    "😀",
    "😂😂",
    "\ufe0f",
    "(",
    ")",
    "'",
    "#",
    "_",
    "“",
    "http://a.b/c_d",
    "WwW.x",
]


@pytest.mark.parametrize("seed", [4, 5])
def test_strip_noise_is_the_one_pattern(seed: int) -> None:
    for text in _random_texts(NOISE_PIECES, 5000, 10, seed=seed):
        assert strip_noise(text) == _NOISE.sub(" ", text), repr(text)


def test_places_and_signals_read_through_the_automaton() -> None:
    gaz = gazetteer()
    found = gaz.find("ไฟไหม้ที่เขตบางรัก ใกล้สยาม ไม่ใช่ จ.ตาก แต่ BANGKOK")
    assert "บางรัก" in found.district_names
    assert found.other_provinces == ["ตาก"]
    assert found.bangkok_mentions == ["BANGKOK"]
    assert gaz.find("ไปเที่ยวตากอากาศกันเลย").other_provinces == []  # a short name needs จ./จังหวัด
    assert gaz.find("แม่น้ำเจ้าพระยา ที่พระนครศรีอยุธยา").other_provinces == ["พระนครศรีอยุธยา"]
    signals = read_signals(gaz, "น้ำท่วมขังสูง 30 ซม. ถนนพัง ร้องเรียนหลายครั้ง PM2.5 สูง")
    assert "น้ำท่วมสูง" in signals.harms
    assert "หลายครั้ง" in signals.lasting
    assert "PM2.5" in signals.problems  # matched case-insensitively
    assert read_signals(gaz, "ไม่มีผู้บาดเจ็บ").harms == []


def test_cached_place_rankings_are_handed_out_as_copies() -> None:
    found = gazetteer().find("น้ำท่วมเขตบางรัก และ สีลม ถนนสุขุมวิท")
    names, weights = found.district_names, found.district_weights
    assert names and names[0] == "บางรัก"
    names.clear()
    weights.clear()
    assert found.district_names and found.district_weights  # the cached values are not the caller's


def test_source_kinds_are_cached_within_a_bound() -> None:
    from classify.signals import source_kind

    assert source_kind("Traffy") == source_kind("traffy") == "complaint"
    assert source_kind(None) == "unknown" and source_kind("somewhere") == "other"
    for i in range(5000):
        source_kind(f"feed-{i}")
    assert source_kind.cache_info().currsize <= 4096


def test_signals_of_a_text_without_capitals_come_from_one_pass() -> None:
    """A text equal to its case-folded form is scanned once for both word lists (the same result)."""
    text = "ขยะล้น ส่งกลิ่นเหม็น แจ้งสำนักงานเขตหลายครั้ง ยังไม่ได้แก้"
    assert text == text.casefold()
    signals = read_signals(gazetteer(), text)
    assert signals.problems == ["ขยะ", "กลิ่นเหม็น", "ส่งกลิ่น"]
    assert signals.bma_hits == ["สำนักงานเขต"]
    assert signals.lasting == ["หลายครั้ง", "ยังไม่ได้"]
    assert signals.harms == [] and not signals.roundup


PLACE_PIECES = [
    "จ.",
    "จังหวัด",
    " ",
    "\u3000",
    "ตาก",
    "ตากอากาศ",
    "นนทบุรี",
    "พระนครศรีอยุธยา",
    "ศรีอยุธยา",
    "พระนคร",
    "ถนน",
    "แยก",
    "เขตบางรัก",
    "บางรัก",
    "กรุงเทพ",
    "กรุงเทพมหานคร",
    "ฯ",
    "กทม",
    "b",
    "B",
    "ank",
    "angkok",
    "ma",
    "โรงพยาบาล",
    "ธนาคาร",
    "x",
]


def test_matches_from_is_finditer_when_matches_begin_with_found_words() -> None:
    """matches_from on a pattern whose matches overlap the words it begins with: finditer's matches."""
    from classify.places import matches_from

    pattern = re.compile("abc?d?|bcd|b ?ca|d(?:d|a)")
    scan = WordScan(["ab", "bcd", "b", "dd", "da"])
    for text in _random_texts(LETTERS, 3000, 12, seed=9):
        starts = [start for start, _ in scan.occurrences(text)]
        expected = [(m.span(), m.group(0)) for m in pattern.finditer(text)]
        assert [(m.span(), m.group(0)) for m in matches_from(pattern, text, starts)] == expected, repr(text)


def test_place_patterns_tried_where_the_automaton_finds_their_first_words() -> None:
    """find tries the province and Bangkok patterns only where the automaton found a word they begin
    with (matches_from): the same matches as finditer over the whole text."""
    from classify.places import _BANGKOK_THAI, _LETTER_B, _PROVINCE_PREFIX_WORDS, matches_from

    gaz = gazetteer()
    for text in _random_texts(PLACE_PIECES, 5000, 10, seed=6):
        occurrences = gaz._scan.occurrences(text)
        starts = [s for s, w in occurrences if w in gaz._plain_provinces or w in _PROVINCE_PREFIX_WORDS]
        got = [(m.span(), m.group(0)) for m in matches_from(gaz._province_re, text, starts)]
        assert got == [(m.span(), m.group(0)) for m in gaz._province_re.finditer(text)], repr(text)
        starts = [s for s, w in occurrences if w in _BANGKOK_THAI] + [m.start() for m in _LETTER_B.finditer(text)]
        got = [(m.span(), m.group(0)) for m in matches_from(gaz._bangkok_re, text, starts)]
        assert got == [(m.span(), m.group(0)) for m in gaz._bangkok_re.finditer(text)], repr(text)


def test_signals_read_from_a_callers_wider_pass_are_the_same() -> None:
    """read_signals and find given the occurrences of a scan holding more words (a scorer's one pass)
    read what their own scans read, for texts with and without capitals."""
    from classify.signals import SIGNAL_WORDS

    gaz = gazetteer()
    wider = WordScan(gaz.scan_words | SIGNAL_WORDS | {"ท่อ", "ไฟฟ้า", "ab"})
    pieces = [*PLACE_PIECES, "น้ำท่วม", "ขัง", "ไม่มี", "ผู้บาดเจ็บ", "PM2.5", "pm2.5", "ขยะ", "หลายครั้ง", "ขอบคุณ"]
    pieces += ["PM 2.5", "Pm", "M", "2.5", "ß", "İ", "ร้องเรียน", "สำนักงานเขต", "ขอบคุณ", "แจ้งแล้ว"]
    for text in _random_texts(pieces, 3000, 12, seed=7):
        occurrences = wider.occurrences(text)
        assert gaz.find(text, occurrences) == gaz.find(text), repr(text)
        assert read_signals(gaz, text, occurrences=occurrences) == read_signals(gaz, text), repr(text)


def test_only_the_foldable_signal_words_can_appear_by_case_folding() -> None:
    """No character case-folds into a string holding a character of a problem or BMA word outside
    signals._FOLDABLE: those words occur in a case-folded text exactly where they occur in the text itself,
    which read_signals relies on (it looks only for the foldable ones in the folded text)."""
    from classify.signals import _FOLDABLE, _FOLDED_WORDS

    produced: set[str] = set()
    for code in range(0x110000):
        char = chr(code)
        folded = char.casefold()
        if folded != char:
            produced.update(folded)
    assert _FOLDABLE  # pm2.5: the test below is not vacuous
    for word in _FOLDED_WORDS.words:
        if word not in _FOLDABLE:
            assert produced.isdisjoint(word), word
        assert word.casefold() == word  # (the lists hold the folded words)


def test_roundup_counts_the_timed_reports_only_as_far_as_it_needs() -> None:
    """is_roundup gives what counting every timed report in the first 3,000 characters gave."""
    from classify.signals import _FLOW_WORDS, _ROUNDUP_SOURCES, _ROUNDUP_TIME, is_roundup

    def counted_all(body: str) -> bool:
        flow = sum(1 for w in _FLOW_WORDS if w in body)
        times = len(_ROUNDUP_TIME.findall(body, 0, 3000))
        relayed = any(w in body.casefold() for w in _ROUNDUP_SOURCES)
        return flow > 0 and ((times >= 3 and flow >= 2) or (relayed and times >= 2))

    pieces = ["08.57 น. ", "8:05 น.", "108.57 น.", "รถติด", "ชะลอตัว", "ติดสนิท", "JS100 ", "ทวิต", " ", "ถนน"]
    texts = [*_random_texts(pieces, 4000, 10, seed=11), "x" * 2990 + "08.57 น. 09.01 น. 09.30 น. รถติด ชะลอตัว"]
    assert any(counted_all(t) for t in texts) and not all(counted_all(t) for t in texts)
    for text in texts:
        assert is_roundup(text, text.casefold()) == counted_all(text), repr(text)
