"""Thai dates as outlets print them, to aware datetimes in Asia/Bangkok.

Handles Buddhist Era years (2569, or two digits: 69), Thai month names full and abbreviated
("24 พ.ย. 2569", "วันอังคารที่ 24 พฤศจิกายน 2569 เวลา 14.30 น."), relative phrases
("เมื่อ 3 ชั่วโมงที่แล้ว", "เมื่อวานนี้ 10:15"), English month names and ISO 8601 (a naive ISO value
is taken to be Bangkok time).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

from bkkwatch.timeutil import BANGKOK

BE_OFFSET = 543

_MONTHS: dict[str, int] = {}
for _number, (_full, _abbr) in enumerate(
    [
        ("มกราคม", "ม.ค."),
        ("กุมภาพันธ์", "ก.พ."),
        ("มีนาคม", "มี.ค."),
        ("เมษายน", "เม.ย."),
        ("พฤษภาคม", "พ.ค."),
        ("มิถุนายน", "มิ.ย."),
        ("กรกฎาคม", "ก.ค."),
        ("สิงหาคม", "ส.ค."),
        ("กันยายน", "ก.ย."),
        ("ตุลาคม", "ต.ค."),
        ("พฤศจิกายน", "พ.ย."),
        ("ธันวาคม", "ธ.ค."),
    ],
    start=1,
):
    _MONTHS[_full] = _number
    _MONTHS[_abbr] = _number
    _MONTHS[_abbr.replace(".", "")] = _number  # "พย" as some sites write it
for _number, _name in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1
):
    _MONTHS[_name] = _number
for _number, _name in enumerate(
    [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ],
    start=1,
):
    _MONTHS[_name] = _number

_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_MONTH_ALT = "|".join(sorted((re.escape(m) for m in _MONTHS), key=len, reverse=True))
_DMY = re.compile(
    rf"(?P<day>\d{{1,2}})\s*(?P<month>{_MONTH_ALT})\.?\s*(?:พ\.ศ\.|ค\.ศ\.)?\s*(?P<year>\d{{4}}|\d{{2}})(?!\d)",
    re.IGNORECASE,
)
_MDY = re.compile(rf"(?P<month>{_MONTH_ALT})\.?\s+(?P<day>\d{{1,2}}),?\s+(?P<year>\d{{4}})", re.IGNORECASE)
_NUMERIC = re.compile(r"(?<!\d)(?P<day>\d{1,2})[/.](?P<month>\d{1,2})[/.](?P<year>\d{4}|\d{2})(?!\d)")
_TIME = re.compile(r"(?<!\d)(?P<h>[01]?\d|2[0-3])[:.](?P<m>[0-5]\d)(?:[:.](?P<s>[0-5]\d))?(?!\d)")
_RELATIVE = re.compile(
    r"(?P<n>\d+)\s*(?P<unit>วินาที|นาที|ชั่วโมง|ชม\.?|วัน|สัปดาห์|อาทิตย์|เดือน|ปี|"
    r"seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?)\s*(?:ที่แล้ว|ที่ผ่านมา|ago|ก่อน)",
    re.IGNORECASE,
)
_UNIT_SECONDS = {
    "วินาที": 1,
    "นาที": 60,
    "ชั่วโมง": 3600,
    "ชม": 3600,
    "วัน": 86400,
    "สัปดาห์": 7 * 86400,
    "อาทิตย์": 7 * 86400,
    "เดือน": 30 * 86400,
    "ปี": 365 * 86400,
    "sec": 1,
    "min": 60,
    "hr": 3600,
    "hou": 3600,
    "day": 86400,
    "wee": 7 * 86400,
}
_RFC_ZONE = re.compile(r"^[A-Za-z]{3},? .*\d{2}:\d{2}(:\d{2})?\s*(GMT|UTC|UT|[+-]\d{4})$")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$")


def _year(raw: str) -> int:
    year = int(raw)
    if year < 100:  # two digits: a Buddhist Era year in Thai text ("69" = 2569)
        year += 2500
    if year > 2400:
        year -= BE_OFFSET
    return year


def _unit_seconds(unit: str) -> int:
    unit = unit.lower().rstrip(".")
    if unit in _UNIT_SECONDS:
        return _UNIT_SECONDS[unit]
    return _UNIT_SECONDS[unit[:3]]


def _with_time(day: datetime, text: str) -> datetime:
    match = _TIME.search(text)
    if match:
        return day.replace(hour=int(match["h"]), minute=int(match["m"]), second=int(match["s"] or 0))
    return day


def parse_thai_date(value: str | None, now: datetime | None = None) -> datetime | None:
    """An aware datetime (Asia/Bangkok) for a date as printed on a Thai page, or None."""
    if not value:
        return None
    text = " ".join(value.translate(_THAI_DIGITS).split())
    if not text:
        return None
    now = (now or datetime.now(BANGKOK)).astimezone(BANGKOK)
    if _ISO.match(text):
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            parsed = None
        if parsed is not None:
            if parsed.year > 2400:
                parsed = parsed.replace(year=parsed.year - BE_OFFSET)
            return parsed.replace(tzinfo=BANGKOK) if parsed.tzinfo is None else parsed
    if _RFC_ZONE.search(text):
        try:
            return parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            pass
    relative = _RELATIVE.search(text)
    if relative:
        return (now - timedelta(seconds=int(relative["n"]) * _unit_seconds(relative["unit"]))).replace(microsecond=0)
    lowered = text.lower()
    if "เมื่อสักครู่" in text or "just now" in lowered:
        return now.replace(microsecond=0)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if "เมื่อวานซืน" in text:
        return _with_time(midnight - timedelta(days=2), text)
    if "เมื่อวาน" in text or "yesterday" in lowered:
        return _with_time(midnight - timedelta(days=1), text)
    if "วันนี้" in text or "today" in lowered:
        return _with_time(midnight, text)
    for pattern in (_DMY, _MDY, _NUMERIC):
        match = pattern.search(text)
        if not match:
            continue
        month_raw = match["month"]
        month = int(month_raw) if month_raw.isdigit() else _MONTHS.get(month_raw.lower().rstrip("."))
        if month is None:
            month = _MONTHS.get(month_raw.lower())
        if not month or not 1 <= month <= 12:
            continue
        try:
            day = datetime(_year(match["year"]), month, int(match["day"]), tzinfo=BANGKOK)
        except ValueError:
            continue
        rest = text[match.end() :] + " " + text[: match.start()]
        return _with_time(day, rest)
    try:  # RFC 2822, as in feeds and HTTP headers
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.year > 2400:
        parsed = parsed.replace(year=parsed.year - BE_OFFSET)
    return parsed.replace(tzinfo=BANGKOK) if parsed.tzinfo is None else parsed
