from __future__ import annotations

from typing import Any

import pytest

from classify.places import fix_coordinates, gazetteer
from classify.text import TOKENIZER_ENGINE, model_text, normalize, tokenize


def test_normalize_digits_zero_width_repeats_and_thai_order() -> None:
    text = normalize("ถนนพังงงงงง\u200b ซอย ๑๒  เเล้ว")
    assert "12" in text and "\u200b" not in text
    assert "งงงง" not in text
    assert "แล้ว" in text  # two เ made one แ (pythainlp normalize)


def test_one_tokeniser_and_the_model_text_drops_urls_and_keeps_emoji_apart() -> None:
    assert TOKENIZER_ENGINE == "nlpo3"
    assert tokenize("ถนนทรุดที่เขตลาดพร้าว") == ["ถนน", "ทรุด", "ที่", "เขต", "ลาดพร้าว"]
    words = model_text(normalize("น้ำท่วม 😱😱 https://example.com/x ดูที่ www.foo.th"), ["zzsrcnews"]).split()
    assert "น้ำท่วม" in words and words[-1] == "zzsrcnews"
    assert not any("http" in w or "www" in w for w in words)
    assert words[-3:-1] == ["😱", "😱"]  # emoji as tokens of their own, after the words (sentiment reads them)


def test_gazetteer_finds_districts_landmarks_short_forms_and_other_provinces() -> None:
    gaz = gazetteer()
    found = gaz.find("น้ำท่วมหน้าสถานีหมอชิต ถนนเป็นหลุมที่แขวงคลองตัน")
    assert found.district_names[:2] == ["จตุจักร", "คลองเตย"] or set(found.district_names) >= {
        "จตุจักร",
        "คลองเตย",
    }
    assert "สถานีหมอชิต" in found.landmarks
    assert gaz.find("ไฟดับที่ลาดกะบัง").district_names == ["ลาดกระบัง"]
    other = gaz.find("น้ำท่วมตัวเมือง จ.อุดรธานี")
    assert other.district_names == [] and other.other_provinces == ["อุดรธานี"]
    assert gaz.find("รถติดถนนกำแพงเพชร").other_provinces == []  # a Bangkok street named after a province


def test_hospital_names_do_not_place_an_item_in_bangkok() -> None:
    assert gazetteer().find("โรงพยาบาลกรุงเทพพัทยา จัดงาน").bangkok_mentions == []
    assert gazetteer().find("ผู้ว่าฯ กทม. ลงพื้นที่").bangkok_mentions


@pytest.mark.parametrize("lat,lon", [(13.8024, 100.5532), (100.5532, 13.8024)])  # as given, and swapped
def test_coordinates_to_district_either_way_round(lat: float, lon: float) -> None:
    assert fix_coordinates(lat, lon) == (13.8024, 100.5532)
    assert gazetteer().district_at(lat, lon) == "จตุจักร"


def test_points_outside_bangkok_have_no_district() -> None:
    assert gazetteer().district_at(18.79, 98.98) is None  # Chiang Mai
    assert fix_coordinates("x", None) is None


def test_roads_and_sois_are_found_as_people_abbreviate_them() -> None:
    gaz = gazetteer()
    for text in ("ถ.จันทน์ ใกล้แยก", "ถ. จันทน์", "ถนน จันทน์", "ถนนจันทน์"):
        assert [h.name for h in gaz.find(normalize(text)).districts] == ["สาทร", "ยานนาวา"], text
    assert [h.name for h in gaz.find(normalize("ขยะล้น ซ.ลาซาล")).districts] == ["บางนา"]
    kamphaeng = gaz.find(normalize("ถ.กำแพงเพชร 2 ฝาท่อแตก"))
    assert kamphaeng.districts and kamphaeng.other_provinces == []  # a Bangkok road, not the province


def test_districts_of_a_batch_of_points_are_each_points_district() -> None:
    """districts_at (all the points' distances at once) gives district_at's answer for every point:
    inside and outside Bangkok, swapped pairs, strings, rounded values, missing and unreadable values."""
    import random

    gaz = gazetteer()
    rng = random.Random(3)
    points: list[tuple[Any, Any]] = []
    for i in range(6000):
        kind = i % 5
        if kind == 0:
            points.append((13.45 + rng.random() * 0.6, 100.25 + rng.random() * 0.8))
        elif kind == 1:
            points.append((100.25 + rng.random() * 0.8, 13.45 + rng.random() * 0.6))
        elif kind == 2:
            points.append((rng.choice([None, "x", float("nan"), "13.7", 13.7]), rng.choice([None, "100.5", 100.5])))
        elif kind == 3:
            points.append((str(13.6 + rng.random() * 0.3), str(100.4 + rng.random() * 0.4)))
        else:
            points.append((round(13.6 + rng.random() * 0.3, rng.randint(0, 6)), round(100.4 + rng.random() * 0.4, 3)))
    found = gaz.districts_at(points)
    assert found == [gaz.district_at(lat, lon) for lat, lon in points]
    assert sum(name is not None for name in found) > 2000 and None in found
    assert gaz.districts_at([]) == []
