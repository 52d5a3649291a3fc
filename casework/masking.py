"""Personal data never leaves the building: phone numbers and Thai ID numbers are masked in
anything sent outside (LINE, e-mail, reports, the public clarification feed)."""

from __future__ import annotations

import re

_DIGIT = "[0-9๐-๙]"
# 13-digit Thai national ID, plain or as 1-2345-67890-12-3.
THAI_ID = re.compile(
    rf"(?<![0-9๐-๙]){_DIGIT}[- ]?{_DIGIT}{{4}}[- ]?{_DIGIT}{{5}}[- ]?{_DIGIT}{{2}}[- ]?{_DIGIT}(?![0-9๐-๙])"
)
# Thai phone numbers: 0X-XXX-XXXX, 0XX-XXX-XXXX, 0XXXXXXXXX, +66 X XXXX XXXX, with spaces, dots or dashes.
PHONE = re.compile(rf"(?<![0-9๐-๙])(?:\+66[- .]?|0){_DIGIT}{{1,2}}[- .]?{_DIGIT}{{3}}[- .]?{_DIGIT}{{3,4}}(?![0-9๐-๙])")


def _keep_last(match: re.Match[str], keep: int) -> str:
    text = match.group(0)
    digits = [i for i, ch in enumerate(text) if ch.isdigit()]
    hidden = set(digits[:-keep] if keep else digits)
    return "".join("x" if i in hidden else ch for i, ch in enumerate(text))


def mask_personal(text: str) -> str:
    """``โทร 081-234-5678`` -> ``โทร xxx-xxx-xx78``; a Thai ID loses every digit."""
    text = THAI_ID.sub(lambda m: _keep_last(m, 0), text)
    return PHONE.sub(lambda m: _keep_last(m, 2), text)
