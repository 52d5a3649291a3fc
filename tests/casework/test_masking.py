from __future__ import annotations

import pytest

from casework.masking import mask_personal


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ติดต่อ 081-234-5678 ได้เลย", "ติดต่อ xxx-xxx-xx78 ได้เลย"),
        ("โทร 0812345678", "โทร xxxxxxxx78"),
        ("โทร 02-123-4567", "โทร xx-xxx-xx67"),
        ("+66 81 234 5678", "+xx xx xxx xx78"),
        ("เลขบัตร 1-1014-00123-45-6 ครับ", "เลขบัตร x-xxxx-xxxxx-xx-x ครับ"),
        ("บัตรประชาชน 1101400123456", "บัตรประชาชน xxxxxxxxxxxxx"),
        ("ถนนพหลโยธิน ซอย 45 ยาว 120 เมตร เมื่อ 24 พ.ย. 2569", "ถนนพหลโยธิน ซอย 45 ยาว 120 เมตร เมื่อ 24 พ.ย. 2569"),
    ],
)
def test_phone_numbers_and_thai_ids_are_masked(text: str, expected: str) -> None:
    assert mask_personal(text) == expected
