"""Mask personal numbers in anything published outside: Thai phone numbers and national ID numbers."""

from __future__ import annotations

import re

# 13-digit national ID, with or without the usual dashes/spaces (1-2345-67890-12-3).
_THAI_ID = re.compile(r"(?<!\d)\d[-\s]?\d{4}[-\s]?\d{5}[-\s]?\d{2}[-\s]?\d(?!\d)")
# Mobile and Bangkok/provincial numbers: 0X-XXXX-XXXX, 02-XXX-XXXX, +66 X XXXX XXXX.
_PHONE = re.compile(r"(?<!\d)(?:\+66[-\s]?|0)\d{1,2}[-\s]?\d{3}[-\s]?\d{3,4}(?!\d)")
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")


def mask_personal(text: str) -> str:
    """Replace Thai ID and phone numbers (Thai or Arabic digits) with x's, keeping the rest."""
    if not text:
        return text
    latin = text.translate(_THAI_DIGITS)
    spans: list[tuple[int, int]] = [m.span() for m in _THAI_ID.finditer(latin)]
    spans += [m.span() for m in _PHONE.finditer(latin) if not any(a <= m.start() < b for a, b in spans)]
    if not spans:
        return text
    chars = list(text)
    for start, end in spans:
        for i in range(start, end):
            if latin[i].isdigit():
                chars[i] = "x"
    return "".join(chars)
