"""One normalisation and one tokeniser for Thai text, used before every rule and model.

The tokeniser is chosen here and nowhere else: ``nlpo3`` (a Rust port of PyThaiNLP's ``newmm``, about
six times faster here) with PyThaiNLP's own word list, falling back to ``pythainlp``'s ``newmm`` if
nlpo3 cannot be loaded. Both work offline.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_SPACES = re.compile(r"[ \t\u00a0\u3000]+")
_REPEATS = re.compile(r"(.)\1{3,}")  # "มากกกกก" -> "มากก"; keeps Thai's legitimate doubled letters
_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
# Pictographs, dingbats, symbols and their joiners/variation selectors (kept out of the model text).
_EMOJI = re.compile(
    "[\U0001f000-\U0001faff\U00002600-\U000027bf\U0001f900-\U0001f9ff\u2300-\u23ff\u2b00-\u2bff"
    "\ufe0e\ufe0f\u200d\U000e0020-\U000e007f]+"
)
_THAI_REPEAT_MARK = re.compile(r"ๆ+")
_MODEL_DROP = re.compile(r"[\"'“”‘’()\[\]{}<>|#*_=~^`]+")

TOKENIZER_ENGINE: str


def _pythainlp_normalize(text: str) -> str:
    try:
        from pythainlp.util import normalize as thai_normalize
    except ImportError:  # pragma: no cover - pythainlp is a dependency
        return text
    return str(thai_normalize(text))


def normalize(text: str) -> str:
    """NFC, PyThaiNLP's Thai normalisation (vowel order, doubled vowels), no zero-width marks, Arabic
    digits, single spaces, runs of a repeated character shortened. URLs and emoji are kept (the rules
    and explanations may quote them); :func:`model_text` removes them for the models."""
    text = unicodedata.normalize("NFC", text or "")
    text = _ZERO_WIDTH.sub("", text).translate(_THAI_DIGITS)
    text = _pythainlp_normalize(text)
    text = _REPEATS.sub(r"\1\1", text)
    lines = (_SPACES.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def strip_noise(text: str) -> str:
    """Normalised text without URLs, emoji and markup punctuation (what the models read)."""
    text = _URL.sub(" ", text)
    text = _EMOJI.sub(" ", text)
    text = _THAI_REPEAT_MARK.sub(" ", text)
    return _MODEL_DROP.sub(" ", text)


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


def tokenize(text: str) -> list[str]:
    """Words of already normalised text (no whitespace tokens), with the one chosen engine."""
    if TOKENIZER_ENGINE == "nlpo3":
        from nlpo3 import segment

        parts = segment(text, "bkkwatch_th")
    else:  # pragma: no cover
        from pythainlp.tokenize import word_tokenize

        parts = word_tokenize(text, engine="newmm")
    return [p for p in (s.strip() for s in parts) if p]


def raw_tokenize(text: str) -> list[str]:
    """The tokeniser alone, with no normalisation (the benchmark's baseline)."""
    if TOKENIZER_ENGINE == "nlpo3":
        from nlpo3 import segment

        return list(segment(text, "bkkwatch_th"))
    from pythainlp.tokenize import word_tokenize  # pragma: no cover

    return list(word_tokenize(text, engine="newmm"))  # pragma: no cover


def model_text(text: str, extra_tokens: Iterable[str] = ()) -> str:
    """What every model reads: the normalised text's words joined by spaces, lower-cased, plus
    signal tokens (source, engagement, places) that the linear models can weigh."""
    words = tokenize(strip_noise(text).casefold())
    return " ".join([*words, *extra_tokens])
