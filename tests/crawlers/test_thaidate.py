from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bkkwatch.timeutil import BANGKOK
from crawlers.thaidate import parse_thai_date

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=BANGKOK)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("24 พ.ย. 2569", datetime(2026, 11, 24, tzinfo=BANGKOK)),
        ("24 พฤศจิกายน 2569", datetime(2026, 11, 24, tzinfo=BANGKOK)),
        ("วันอังคารที่ 24 พฤศจิกายน 2569 เวลา 14.30 น.", datetime(2026, 11, 24, 14, 30, tzinfo=BANGKOK)),
        ("24 พ.ย. 69 10:05", datetime(2026, 11, 24, 10, 5, tzinfo=BANGKOK)),
        ("๒๔ พ.ย. ๒๕๖๙", datetime(2026, 11, 24, tzinfo=BANGKOK)),
        ("3 มี.ค. 2569 08:15 น.", datetime(2026, 3, 3, 8, 15, tzinfo=BANGKOK)),
        ("1 ม.ค. 2570", datetime(2027, 1, 1, tzinfo=BANGKOK)),
        ("24/11/2569 08:00", datetime(2026, 11, 24, 8, 0, tzinfo=BANGKOK)),
        ("19.01.2020", datetime(2020, 1, 19, tzinfo=BANGKOK)),
        ("เมื่อ 3 ชั่วโมงที่แล้ว", datetime(2026, 11, 24, 12, 0, tzinfo=BANGKOK)),
        ("5 นาทีที่แล้ว", datetime(2026, 11, 24, 14, 55, tzinfo=BANGKOK)),
        ("2 วันที่แล้ว", datetime(2026, 11, 22, 15, 0, tzinfo=BANGKOK)),
        ("เมื่อวานนี้ 10:15", datetime(2026, 11, 23, 10, 15, tzinfo=BANGKOK)),
        ("วันนี้ 08:30 น.", datetime(2026, 11, 24, 8, 30, tzinfo=BANGKOK)),
        ("2026-11-24T10:00:00+07:00", datetime(2026, 11, 24, 3, 0, tzinfo=UTC)),
        ("2026-11-24 10:00", datetime(2026, 11, 24, 10, 0, tzinfo=BANGKOK)),
        ("2569-11-24T10:00:00+07:00", datetime(2026, 11, 24, 3, 0, tzinfo=UTC)),
        ("Tue, 24 Nov 2026 03:00:00 GMT", datetime(2026, 11, 24, 3, 0, tzinfo=UTC)),
        ("November 24, 2026", datetime(2026, 11, 24, tzinfo=BANGKOK)),
    ],
)
def test_thai_dates(text: str, expected: datetime) -> None:
    parsed = parse_thai_date(text, now=NOW)
    assert parsed is not None and parsed.tzinfo is not None
    assert parsed == expected


@pytest.mark.parametrize("text", ["", "ไม่มีวันที่", "32 พ.ย. 2569", "hello"])
def test_not_a_date(text: str) -> None:
    assert parse_thai_date(text, now=NOW) is None
