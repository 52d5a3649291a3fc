"""Time rules: stored in UTC, scheduled and shown in Asia/Bangkok, printed in the Buddhist Era."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

BANGKOK = ZoneInfo("Asia/Bangkok")
BE_OFFSET = 543
THAI_MONTHS = (
    "มกราคม",
    "กุมภาพันธ์",
    "มีนาคม",
    "เมษายน",
    "พฤษภาคม",
    "มิถุนายน",
    "กรกฎาคม",
    "สิงหาคม",
    "กันยายน",
    "ตุลาคม",
    "พฤศจิกายน",
    "ธันวาคม",
)
THAI_MONTHS_ABBR = (
    "ม.ค.",
    "ก.พ.",
    "มี.ค.",
    "เม.ย.",
    "พ.ค.",
    "มิ.ย.",
    "ก.ค.",
    "ส.ค.",
    "ก.ย.",
    "ต.ค.",
    "พ.ย.",
    "ธ.ค.",
)


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """An aware UTC datetime; naive values are taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def parse_hhmm(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def review_deadline(day: date, review_time: str = "10:30") -> datetime:
    """The working group's deadline on ``day`` (aware, Bangkok)."""
    return datetime.combine(day, parse_hhmm(review_time), tzinfo=BANGKOK)


def next_review_day(now: datetime | None = None, review_time: str = "10:30") -> date:
    """The review day whose 10:30 deadline is next: today before 10:30, tomorrow after.

    Every day counts: weekends and public holidays have a review too.
    """
    local = as_utc(now or utcnow()).astimezone(BANGKOK)
    if local.timetz().replace(tzinfo=None) < parse_hhmm(review_time):
        return local.date()
    return local.date() + timedelta(days=1)


def thai_datetime(value: datetime | None, with_time: bool = True) -> str:
    """``24 พ.ย. 2569 08:15`` in Bangkok time and the Buddhist Era."""
    if value is None:
        return "-"
    local = as_utc(value).astimezone(BANGKOK)
    text = f"{local.day} {THAI_MONTHS_ABBR[local.month - 1]} {local.year + BE_OFFSET}"
    return f"{text} {local:%H:%M}" if with_time else text


def thai_date(day: date) -> str:
    """``25 พ.ย. 2569``: a calendar day in the Buddhist Era."""
    return f"{day.day} {THAI_MONTHS_ABBR[day.month - 1]} {day.year + BE_OFFSET}"
