"""The first scorer on real Thai text: Bangkok matters rank above other provinces and national news."""

from __future__ import annotations

from classify.places import gazetteer
from classify.rules import RuleScorer

FLOOD = (
    "ฝนตกหนักทำให้น้ำท่วมขังถนนลาดพร้าว หน้าสำนักงานเขตจตุจักร รถติดยาว ประชาชนร้องเรียนว่าท่อระบายน้ำอุดตัน ไม่ได้รับการแก้ไข กทม. เร่งสูบน้ำ"
)
PROVINCE = "จังหวัดเชียงใหม่จัดงานเทศกาลดอกไม้ ประชาชนร่วมงานจำนวนมาก นักท่องเที่ยวชื่นชมความสวยงาม"
SINKHOLE = "ถนนทรุดตัวเป็นหลุมยุบกลางถนนพหลโยธิน เขตจตุจักร รถจักรยานยนต์ตกหลุม มีผู้บาดเจ็บ 2 ราย กทม.เร่งซ่อม"


def test_places_found_and_other_provinces_counted() -> None:
    found = gazetteer().find(FLOOD)
    assert "จตุจักร" in found.district_names
    assert gazetteer().find(PROVINCE).other_provinces == ["เชียงใหม่"]
    # Ayutthaya is a province, not Phra Nakhon district; a street named after a province is a street.
    assert gazetteer().find("เที่ยวพระนครศรีอยุธยา").district_names == []
    assert gazetteer().find("รถติดถนนกำแพงเพชร 2 เขตจตุจักร").other_provinces == []


def test_bangkok_complaint_scores_high_and_names_agencies() -> None:
    result = RuleScorer().score(FLOOD, title="น้ำท่วมขังลาดพร้าว")
    assert result.bangkok > 0.9
    assert result.level == 2 and not result.urgent
    assert result.sentiment == "neg"
    names = [a["name"] for a in result.agencies]
    assert "สำนักงานเขตจตุจักร" in names and "สำนักการระบายน้ำ" in names
    assert all(0 < a["score"] <= 1 and a["external"] is False for a in result.agencies)
    assert "น้ำท่วม" in result.explanation and "เขตจตุจักร" in result.explanation


def test_other_province_is_not_ours() -> None:
    result = RuleScorer().score(PROVINCE)
    assert result.bangkok < 0.5 and result.level == 0 and result.agencies == []
    assert "เชียงใหม่" in result.explanation


def test_danger_to_people_is_urgent() -> None:
    result = RuleScorer().score(SINKHOLE)
    assert result.urgent and result.level == 3 and result.impact >= 0.85
    assert "หลุมยุบ" in result.explanation


def test_engagement_raises_impact() -> None:
    quiet = RuleScorer().score("ขยะล้นถังหน้าซอยสุขุมวิท 101 เขตพระโขนง ส่งกลิ่นเหม็น", source_kind="post")
    loud = RuleScorer().score(
        "ขยะล้นถังหน้าซอยสุขุมวิท 101 เขตพระโขนง ส่งกลิ่นเหม็น", source_kind="post", engagement={"shares": 5000}
    )
    assert loud.impact > quiet.impact and loud.level > quiet.level
    assert "ไวรัล" in loud.explanation


def test_outside_body_is_marked_external() -> None:
    result = RuleScorer().score("ไฟดับทั้งซอย สายไฟห้อยต่ำ เสาไฟฟ้าเอียง เขตบางกะปิ ร้องเรียน กฟน. แล้วยังไม่แก้ไข")
    external = [a for a in result.agencies if a["external"]]
    assert external and external[0]["name"] == "การไฟฟ้านครหลวง"


def test_thai_digits_and_zero_width_are_normalised() -> None:
    plain = RuleScorer().score("น้ำท่วมขัง เขตบางรัก ๒ วัน")
    odd = RuleScorer().score("น้ำ\u200bท่วมขัง เขต\u200bบางรัก 2 วัน")
    assert plain.as_dict() == odd.as_dict()


def test_unreadable_engagement_counts_zero() -> None:
    # Engagement comes from scraped pages and outside APIs: "x", "1.2K" or a negative figure must not stop
    # the scorer (it used to raise ValueError on int("x")); readable figures in the same object still count.
    plain = RuleScorer().score(SINKHOLE)
    odd = RuleScorer().score(SINKHOLE, engagement={"comments": "x", "likes": "1.2K", "shares": -5})
    assert odd.impact == plain.impact and odd.level == plain.level
    spread = RuleScorer().score(SINKHOLE, engagement={"comments": "x", "shares": "5000"})
    assert spread.impact > plain.impact
