"""One normalisation for Thai text, used before every rule and model."""

from __future__ import annotations

import re
import unicodedata

_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_SPACES = re.compile(r"[ \t\u00a0\u3000]+")
_REPEATS = re.compile(r"(.)\1{3,}")  # "มากกกกก" -> "มากก"; keeps Thai's legitimate doubled letters


def normalize(text: str) -> str:
    """NFC, no zero-width marks, Arabic digits, single spaces, runs of a repeated character shortened."""
    text = unicodedata.normalize("NFC", text or "")
    text = _ZERO_WIDTH.sub("", text).translate(_THAI_DIGITS)
    text = _REPEATS.sub(r"\1\1", text)
    lines = (_SPACES.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)
