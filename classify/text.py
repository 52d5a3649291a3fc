"""One normalisation and one tokeniser for Thai text, used before every rule and model.

The tokeniser is chosen here and nowhere else: ``nlpo3`` (a Rust port of PyThaiNLP's ``newmm``, about
six times faster here) with PyThaiNLP's own word list, falling back to ``pythainlp``'s ``newmm`` if
nlpo3 cannot be loaded. Both work offline.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache

import numpy as np

from classify.kernels import replace_runs, spaced_checks, unicode_checks
from classify.wordscan import WordScan

_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
# Runs of spaces, tabs and no-break spaces but a lone " " (which would stay as it is): one space each.
# (The lookarounds come after a character class, which the regular expression engine scans for fast.)
_SPACES = re.compile("[ \t\u00a0\u3000](?:(?<=[\t\u00a0\u3000])|(?=[ \t\u00a0\u3000]))[ \t\u00a0\u3000]*")
# "มากกกกก" -> "มากก": a character four times or more (r"(.)\1{3,}", written so that it runs faster);
# keeps Thai's legitimate doubled letters
_REPEATS = re.compile(r"(.)\1\1\1+")
_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
# Pictographs, dingbats, symbols and their joiners/variation selectors (kept out of the model text).
_EMOJI = re.compile(
    "[\U0001f000-\U0001faff\U00002600-\U000027bf\U0001f900-\U0001f9ff\u2300-\u23ff\u2b00-\u2bff"
    "\ufe0e\ufe0f\u200d\U000e0020-\U000e007f]+"
)
_THAI_REPEAT_MARK = re.compile(r"ๆ+")
_MODEL_DROP = re.compile(r"[\"'“”‘’()\[\]{}<>|#*_=~^`]+")

TOKENIZER_ENGINE: str


# PyThaiNLP's ``normalize`` (pythainlp.util.normalize, Apache-2.0) done with precompiled patterns: the same
# rules in the same order (zero-width marks, duplicate spaces, a space before a mark, vowel and tone-mark
# order, repeated vowels and signs, repeated tone marks, dangling marks), about ten times faster because
# the library compiles and runs some twenty patterns per call. tests/classify compares the two on real text.
_ABOVE = "\u0e31\u0e34\u0e35\u0e36\u0e37\u0e4d\u0e47"
_BELOW = "\u0e38\u0e39"
_TONES = "\u0e48\u0e49\u0e4a\u0e4b"
_FOLLOW = "\u0e30\u0e32\u0e33\u0e45"
_LEAD = "\u0e40\u0e41\u0e42\u0e43\u0e44"
_CONSONANTS = "".join(chr(c) for c in range(0x0E01, 0x0E2F) if c not in (0x0E24, 0x0E26))
_VOWELS = "\u0e24\u0e26" + _FOLLOW + _ABOVE + _BELOW + _LEAD + "\u0e45"
_DANGLING = f"{_ABOVE}{_BELOW}{_TONES}\u0e3a\u0e4c\u0e4d\u0e4e"
_THAI = re.compile("[\u0e01-\u0e5b]")
# pythainlp's " {2,}" and "[ \n]*\n[ \n]*", written so that the engine scans fast for where they may
# start (a literal prefix of two spaces; a space or newline, then whether its run holds a newline).
_DUP_SPACES = re.compile("   *")
_NEWLINES = re.compile("[ \n](?:(?<=\n)|(?= *\n))[ \n]*")
# pythainlp's f"([{_CONSONANTS}])(?<![{_VOWELS}][{_CONSONANTS}]) ([{_DANGLING}])" (replaced by r"\1\2"), found
# from the space (a literal, which the engine scans for fast) with the consonant looked behind (tests).
_SPACE_BEFORE_MARK = re.compile(f" (?<=[{_CONSONANTS}] )(?<![{_VOWELS}][{_CONSONANTS}] )([{_DANGLING}])")
# (a character the pattern needs, so that a text without it skips the pattern; pattern; replacement)
_REORDER = [
    ("\u0e40\u0e40", re.compile("\u0e40\u0e40"), "\u0e41"),
    ("", re.compile(f"([{_TONES}\u0e4c]+)([{_ABOVE}{_BELOW}]+)"), r"\2\1"),
    ("\u0e4d", re.compile(f"\u0e4d([{_TONES}]*)\u0e32"), "\\1\u0e33"),
    ("", re.compile(f"([{_FOLLOW}]+)([{_TONES}]+)"), r"\2\1"),
    ("\u0e45", re.compile("([^\u0e24\u0e26])\u0e45"), "\\1\u0e32"),
]
_NO_REPEAT = re.compile(f"([{_FOLLOW}{_LEAD}{_ABOVE}{_BELOW}\u0e3a\u0e4c\u0e4d\u0e4e])(?: *\\1)+")
_TONE_RUN = re.compile(f"[{_TONES}]+([{_TONES}])")  # two tone marks or more: the last (no Python callback)
_DANGLING_START = re.compile(f"^[{_DANGLING}]+")
_DANGLING_AFTER_SPACE = re.compile(f" +[{_DANGLING}]+")
# Correctly typed Thai meets none of the rules below: each needs one of these short strings (once the
# spaces are single): a tone or ์ or a following vowel before a mark (misordered marks, a run of tones),
# the same vowel or sign twice (with a space between or not), a space before a mark, ◌ํ or ๅ. One pass of
# an automaton looks for them all; a text with none of them (and no mark at its start) is left as it is.
_PAIR_FIRST = _TONES + "\u0e4c" + _FOLLOW  # ... before one of _PAIR_SECOND
_PAIR_SECOND = _ABOVE + _BELOW + _TONES
_TWICE = _FOLLOW + _LEAD + _ABOVE + _BELOW + "\u0e3a\u0e4c\u0e4d\u0e4e"  # twice, or with a space between
_ALONE = "\u0e4d\u0e45"  # anywhere
_MISORDER_SCAN = WordScan(
    [
        *(a + b for a in _PAIR_FIRST for b in _PAIR_SECOND),
        *(c + c for c in _TWICE),
        *(c + " " + c for c in _TWICE),
        *(" " + c for c in _DANGLING),
        *_ALONE,
    ]
)


def thai_normalize(text: str) -> str:
    """pythainlp.util.normalize, the same rules with precompiled patterns (see above)."""
    text = _thai_spacing(text)
    if not _MISORDER_SCAN.any_in(text) and text[:1] not in _DANGLING:
        return text  # no rule can apply (nor when the text has no Thai)
    return _thai_rules(text)


def _thai_spacing(text: str) -> str:
    """The first rules of :func:`thai_normalize`: no ZWSP/ZWNJ, single spaces and newlines, stripped."""
    return _spacing(text.replace("\u200b", "").replace("\u200c", ""))


def _spacing(text: str) -> str:
    """:func:`_thai_spacing` of a text without ZWSP and ZWNJ: single spaces and newlines, stripped."""
    if "  " in text:
        text = _DUP_SPACES.sub(" ", text)
    if " \n" in text or "\n " in text or "\n\n" in text:
        text = _NEWLINES.sub("\n", text)
    return text.strip()


def _thai_rules(text: str) -> str:
    """The Thai rules of :func:`thai_normalize`, on text whose spaces and newlines are already single."""
    if not _THAI.search(text):
        return text
    text = _SPACE_BEFORE_MARK.sub(r"\1", text)
    for needed, pattern, replacement in _REORDER:
        if needed in text:
            text = pattern.sub(replacement, text)
    text = _NO_REPEAT.sub(r"\1", text)
    text = _TONE_RUN.sub(r"\1", text)
    text = _DANGLING_START.sub("", text)
    return _DANGLING_AFTER_SPACE.sub(" ", text)


def normalize(text: str) -> str:
    """NFC, PyThaiNLP's Thai normalisation (vowel order, doubled vowels), no zero-width marks, Arabic
    digits, single spaces, runs of a repeated character shortened. URLs and emoji are kept (the rules
    and explanations may quote them); :func:`model_text` removes them for the models."""
    return _lines(_REPEATS.sub(r"\1\1", thai_normalize(_unicode(text))))


def _unicode(text: str) -> str:
    """The first steps of :func:`normalize`: NFC, no zero-width marks, Arabic digits, and a lone surrogate
    (a JSON ``\\ud800`` escape with no pair: not a character, which the tokeniser cannot encode) as U+FFFD."""
    text = text or ""
    if _SURROGATE.search(text):
        text = _SURROGATE.sub("\ufffd", text)
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    text = _ZERO_WIDTH.sub("", text)
    if _THAI_DIGIT.search(text):
        text = text.translate(_THAI_DIGITS)
    return text


def _lines(text: str) -> str:
    """The last step of :func:`normalize`: each line stripped, runs of spaces shortened, no empty lines.
    (No run of _SPACES holds a line break, so shortening them in the whole text is shortening them in
    each line.)"""
    if "  " in text or "\t" in text or "\u00a0" in text or "\u3000" in text:
        text = _SPACES.sub(" ", text)
    return "\n".join(filter(None, map(str.strip, text.splitlines())))


def normalize_many(texts: Sequence[str]) -> list[str]:
    """``[normalize(t) for t in texts]``, with the decisions of each step made once over the whole batch
    (as one array of code points, in two compiled passes, :func:`classify.kernels.unicode_checks` and
    :func:`classify.kernels.spaced_checks`) instead of once per text: which texts _unicode and _spacing
    can change, which the Thai rules can change (the strings of ``_MISORDER_SCAN`` or a mark at the
    start), which have a run of four of a character (``_REPEATS``) and which other white space (_lines).
    The other texts skip those steps, which would leave them as they are."""
    # No text needs _thai_spacing's ZWSP and ZWNJ removal after _unicode (which removes them).
    raw, raw_starts, raw_lengths = _code_points(texts)
    table, ccc = _unicode_tables()
    unicode_flags = unicode_checks(raw, raw_starts, raw_lengths, table, ccc)
    spaced = list(texts)
    changed = np.flatnonzero(unicode_flags).tolist()
    for i in changed:
        t = texts[i]
        if unicode_flags[i] & 1:  # a mark to remove or replace, or maybe not NFC (else _unicode keeps it)
            t = _unicode(t)
        spaced[i] = _spacing(t)
    # the decisions on the texts as _unicode and _spacing left them (the others: their code points above)
    flags = spaced_checks(raw, raw_starts, raw_lengths, _SPACED_KINDS)
    del raw
    if changed:
        codes, starts, lengths = _code_points([spaced[i] for i in changed])
        flags[changed] = spaced_checks(codes, starts, lengths, _SPACED_KINDS)
    out: list[str] = []
    for text, flag in zip(spaced, flags.tolist(), strict=True):
        if flag & _RULED:  # the rules may make a run or double a space: the next steps as they are
            out.append(_lines(_REPEATS.sub(r"\1\1", _thai_rules(text))))
            continue
        if flag & _REPEATED:  # runs of a character are never runs of spaces and newlines (made single)
            text = _REPEATS.sub(r"\1\1", text)
        # _lines leaves a text as it is if its only white space is single spaces and newlines between
        # words, which _spacing makes of every text but those with other white space (a tab, a no-break space).
        out.append(_lines(text) if flag & _SPACES_OTHER else text)
    return out


_RULED, _REPEATED, _SPACES_OTHER = 1, 2, 4  # spaced_checks' bits


def _code_points(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The texts joined by newlines as one array of code points (lone surrogates included), where each
    text starts in it and its length."""
    joined = "\n".join(texts).encode("utf-32-le", errors="surrogatepass")
    codes = np.frombuffer(joined, dtype=np.uint32)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    starts = np.zeros(len(texts), dtype=np.int64)
    np.cumsum(lengths[:-1] + 1, out=starts[1:])
    return codes, starts, lengths


def _classes(chars: str, flag: int, table: np.ndarray) -> None:
    for c in chars:
        table[ord(c) - 0x0E00] |= flag


# Each Thai character's parts in the strings of _MISORDER_SCAN (U+0E00-U+0E7F; index 128: any other).
_FIRST, _SECOND, _DOUBLE, _MARK, _ANY = 1, 2, 4, 8, 16
_SCAN_CLASS = np.zeros(128, dtype=np.uint8)
for _chars, _flag in ((_PAIR_FIRST, _FIRST), (_PAIR_SECOND, _SECOND), (_TWICE, _DOUBLE), (_DANGLING, _MARK)):
    _classes(_chars, _flag, _SCAN_CLASS)
_classes(_ALONE, _ANY, _SCAN_CLASS)


@lru_cache(maxsize=1)
def _unicode_tables() -> tuple[np.ndarray, np.ndarray]:
    """What :func:`classify.kernels.unicode_checks` reads of each code point up to U+FFFF (the last
    entry: every code point above): bit 1 for the marks _unicode removes or replaces (_ZERO_WIDTH's,
    _THAI_DIGITS', lone surrogates) and for those NFC may change (a canonical decomposition, or the
    second code point of one, or a Hangul vowel or final: the quick check's No and Maybe, and more),
    bit 2 for white space (str.isspace); and the canonical combining classes (0 above U+FFFF, where
    every code point has bit 1)."""
    table = np.zeros(0x10001, dtype=np.uint8)
    ccc = np.zeros(0x10001, dtype=np.uint8)
    table[[ord(c) for c in "\u200b\u200c\u200d\u2060\ufeff\u00ad๐๑๒๓๔๕๖๗๘๙"]] = 1
    table[0xD800:0xE000] = 1  # lone surrogates (see _unicode)
    table[0x1161:0x1176] = table[0x11A8:0x11C3] = 1  # Hangul vowels and finals (composed with a syllable)
    table[0x10000] = 1
    for c in range(0x10000):
        char = chr(c)
        ccc[c] = unicodedata.combining(char)
        if char.isspace():
            table[c] |= 2
        decomposition = unicodedata.decomposition(char)
        if decomposition and not decomposition.startswith("<"):
            table[c] |= 1
            for part in decomposition.split()[1:]:
                table[int(part, 16)] |= 1
    return table, ccc


_SURROGATE = re.compile("[\ud800-\udfff]")

# What spaced_checks reads of each code point up to U+3001 (the last entry: every code point above):
# _SCAN_CLASS for the Thai block, and 32 for white space (str.isspace: what strip and splitlines read)
# other than " " and "\n" (none above U+3000: tests/classify checks).
_SPACED_KINDS = np.array([32 * (chr(c).isspace() and chr(c) not in " \n") for c in range(0x3002)], dtype=np.uint8)
_SPACED_KINDS[0x0E00:0x0E80] |= _SCAN_CLASS


_NOISE = re.compile("|".join(p.pattern for p in (_URL, _EMOJI, _THAI_REPEAT_MARK, _MODEL_DROP)), re.IGNORECASE)
_THAI_DIGIT = re.compile("[๐-๙]")
# The characters of _NOISE without its URLs (emoji, markup and ๆ), one by one (for _char_kinds).
_NOISE_CHARS = re.compile("[" + "".join(p.pattern[1:-2] for p in (_EMOJI, _MODEL_DROP)) + "ๆ]+")
# _NOISE without its URLs: each run of emoji, of ๆ or of markup (one kind: no character is of two) one
# match. It starts with a character class, which the regular expression engine scans for fast, where
# _NOISE's alternation is tried at every position; the lookbehinds then tell the run's kind.
_E, _M = _EMOJI.pattern[1:-2], _MODEL_DROP.pattern[1:-2]
_NOISE_RUNS = re.compile(f"[{_E}{_M}ๆ](?:(?<=[{_E}])[{_E}]*|(?<=ๆ)ๆ*|(?<=[{_M}])[{_M}]*)")


def _maybe_url(text: str) -> bool:
    return "://" in text or (("w" in text or "W" in text) and "www." in text.lower())


def strip_noise(text: str) -> str:
    """Normalised text without URLs, emoji and markup punctuation (what the models read)."""
    if _maybe_url(text):
        return _NOISE.sub(" ", text)
    # No URL: the same as _NOISE.sub, which replaces each run of emoji, of ๆ or of markup by a space.
    return _NOISE_RUNS.sub(" ", text)


@lru_cache(maxsize=1)
def _nlpo3_ready() -> bool:
    try:
        import os

        import pythainlp
        from nlpo3 import load_dict

        words = os.path.join(os.path.dirname(pythainlp.__file__), "corpus", "words_th.txt")
        load_dict(words, "bkkwatch_th")
        return True
    except Exception:  # pragma: no cover - fall back to pythainlp's newmm
        return False


def _choose() -> str:
    return "nlpo3" if _nlpo3_ready() else "newmm"


TOKENIZER_ENGINE = _choose()


def _nlpo3_segment() -> Callable[[str, str], list[str]] | None:
    """nlpo3's segment, imported once (an import statement in :func:`tokenize` ran per text)."""
    if TOKENIZER_ENGINE != "nlpo3":
        return None  # pragma: no cover
    from nlpo3 import segment

    return segment


_SEGMENT = _nlpo3_segment()


def tokenize(text: str) -> list[str]:
    """Words of already normalised text (no whitespace tokens), with the one chosen engine."""
    if _SEGMENT is not None:
        parts = _SEGMENT(text, "bkkwatch_th")
    else:  # pragma: no cover
        from pythainlp.tokenize import word_tokenize

        parts = word_tokenize(text, engine="newmm")
    return list(filter(None, map(str.strip, parts)))  # [p for p in map(str.strip, parts) if p], in C


def raw_tokenize(text: str) -> list[str]:
    """The tokeniser alone, with no normalisation (the benchmark's baseline)."""
    if TOKENIZER_ENGINE == "nlpo3":
        from nlpo3 import segment

        return list(segment(text, "bkkwatch_th"))
    from pythainlp.tokenize import word_tokenize  # pragma: no cover

    return list(word_tokenize(text, engine="newmm"))  # pragma: no cover


_EMOJI_JOINERS = str.maketrans("", "", "\ufe0e\ufe0f\u200d\U0001f3fb\U0001f3fc\U0001f3fd\U0001f3fe\U0001f3ff")


def emoji_tokens(text: str) -> list[str]:
    """The emoji of a text, one token each, at most three of a run (😂😂😂😂 and 😂 differ a little, not
    fourfold): they carry much of a social post's sentiment, which the model text would otherwise lose."""
    out: list[str] = []
    for run in _EMOJI.findall(text):
        chars = run.translate(_EMOJI_JOINERS)
        out.extend(chars[:3])
    return out


def model_text(text: str, extra_tokens: Iterable[str] = ()) -> str:
    """What every model reads: the normalised text's words joined by spaces, lower-cased, its emoji,
    plus signal tokens (source, engagement, places) that the linear models can weigh."""
    words = tokenize(strip_noise(text).casefold())
    return " ".join([*words, *emoji_tokens(text), *extra_tokens])


def model_texts(texts: Sequence[str]) -> list[str]:
    """``[model_text(t) for t in texts]`` (see :func:`model_texts_folding`)."""
    return model_texts_folding(texts)[0]


def model_texts_folding(texts: Sequence[str]) -> tuple[list[str], list[bool]]:
    """``[model_text(t) for t in texts]``, and for each text whether casefold changes it
    (``t.casefold() != t``, read off its code points' kinds). Which texts hold a noise character (``_NOISE_CHARS``), an
    emoji, a character that casefold may change, or one of a URL's (":", "w", "W") is found for the
    whole batch at once, from its code points; the others skip strip_noise, casefold and emoji_tokens,
    which would leave them as they are or find nothing in them. strip_noise of the texts with noise but
    no URL is one compiled pass over their code points (:func:`classify.kernels.replace_runs`: each
    run of emoji, of ๆ or of markup, one space)."""
    codes, starts, lengths = _code_points(texts)
    kinds = np.zeros(len(codes) + 1, dtype=np.uint8)  # and a 0 for a last text of "" to start at
    np.take(_char_kinds(), codes, out=kinds[:-1], mode="clip")  # (no code point is past the table)
    found = np.bitwise_or.reduceat(kinds, starts).tolist() if len(texts) else []  # each text's kinds
    urls = [bool(kind & _URL_CHAR) and _maybe_url(text) for text, kind in zip(texts, found, strict=True)]
    # strip_noise and casefold in one compiled pass, but for URLs and casefold's longer folds (ß -> ss)
    chosen = [i for i, kind in enumerate(found) if kind & _PASS and not kind & _LONG_FOLD and not urls[i]]
    prepared: dict[int, str] = {}
    if chosen:
        out, out_starts, out_lengths = replace_runs(
            codes, kinds & _RUN_KINDS, _casefolds(), starts, lengths, np.array(chosen)
        )
        joined = out.tobytes().decode("utf-32-le", errors="surrogatepass")
        ends = (out_starts + out_lengths).tolist()
        prepared = {i: joined[a:b] for i, a, b in zip(chosen, out_starts.tolist(), ends, strict=True)}
    out_texts: list[str] = []
    for i, (text, kind) in enumerate(zip(texts, found, strict=True)):
        words = prepared.get(i)
        if words is None:
            words = strip_noise(text) if kind & _NOISE_CHAR or urls[i] else text
            if kind & _CASEFOLD_CHAR:
                words = words.casefold()
        tokens = tokenize(words)
        out_texts.append(" ".join([*tokens, *emoji_tokens(text)] if kind & _EMOJI_CHAR else tokens))
    return out_texts, [bool(kind & _CASEFOLD_CHAR) for kind in found]


_NOISE_CHAR, _EMOJI_CHAR, _CASEFOLD_CHAR, _URL_CHAR, _MARKUP_CHAR, _REPEAT_MARK = 1, 2, 4, 8, 16, 32
_RUN_KINDS = _EMOJI_CHAR | _MARKUP_CHAR | _REPEAT_MARK  # a noise character's kind (of run): one of them
_LONG_FOLD = 64  # casefold makes more than one code point of it
_PASS = _NOISE_CHAR | _CASEFOLD_CHAR  # what replace_runs does


@lru_cache(maxsize=1)
def _char_kinds() -> np.ndarray:
    """Per code point: _NOISE_CHAR if ``_NOISE_CHARS`` matches it, plus _EMOJI_CHAR if ``_EMOJI`` does
    (read off the patterns themselves, over every code point, once), plus _CASEFOLD_CHAR if casefold
    changes it, and _LONG_FOLD too if it makes more than one code point of it, plus _URL_CHAR for ":",
    "w" and "W" (one of which every text that _maybe_url passes holds), plus _MARKUP_CHAR for those of
    ``_MODEL_DROP`` and _REPEAT_MARK for ๆ (the kinds of noise that strip_noise tells apart, with emoji)."""
    every = np.arange(sys.maxunicode + 1, dtype=np.uint32).tobytes().decode("utf-32-le", errors="surrogatepass")
    kinds = np.zeros(sys.maxunicode + 1, dtype=np.uint8)
    for pattern, kind in ((_NOISE_CHARS, _NOISE_CHAR), (_EMOJI, _EMOJI_CHAR)):
        one = re.compile(pattern.pattern.removesuffix("+"), pattern.flags)  # a run's one character
        kinds[[m.start() for m in one.finditer(every)]] |= kind
    folds = _casefolds()
    kinds[folds != np.arange(len(folds))] |= _CASEFOLD_CHAR
    kinds[[c for c in range(0x10000) if len(every[c].casefold()) > 1]] |= _CASEFOLD_CHAR | _LONG_FOLD
    if len(every[0x10000:].casefold()) != len(every) - 0x10000:  # pragma: no cover (none in Python 3.12)
        kinds[0x10000:] |= _CASEFOLD_CHAR | _LONG_FOLD
    kinds[[ord(":"), ord("w"), ord("W")]] |= _URL_CHAR
    kinds[[m.start() for m in re.finditer(_MODEL_DROP.pattern.removesuffix("+"), every)]] |= _MARKUP_CHAR
    kinds[ord("ๆ")] |= _REPEAT_MARK
    return kinds


@lru_cache(maxsize=1)
def _casefolds() -> np.ndarray:
    """Per code point, the one code point casefold makes of it (itself where casefold makes more than one,
    which _char_kinds marks _LONG_FOLD). Casefold reads no context: the casefold of a text is its code
    points' one by one."""
    every = np.arange(sys.maxunicode + 1, dtype=np.uint32)
    folds = every.copy()
    chars = every.tobytes().decode("utf-32-le", errors="surrogatepass")
    for c in range(0x10000):
        fold = chars[c].casefold()
        if len(fold) == 1:
            folds[c] = ord(fold)
    above = chars[0x10000:].casefold()
    if len(above) == len(chars) - 0x10000:  # one code point each (else _char_kinds marks them all)
        folds[0x10000:] = np.frombuffer(above.encode("utf-32-le", errors="surrogatepass"), dtype=np.uint32)
    return folds
