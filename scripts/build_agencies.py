#!/usr/bin/env python3
"""Build bkkwatch/data/agencies.yaml, the shipped agency registry.

Sources
-------
* The 50 Bangkok district offices (สำนักงานเขต) and their แขวง come from the
  PyPI package ``geothai`` (code MIT, data CC BY 4.0, "GeoThai"; DOPA codes).
* BMA departments, BMA enterprises and outside bodies are hand-written below,
  from the organisations' public names (Thai / English) and abbreviations.

Usage
-----
    python scripts/build_agencies.py            # writes bkkwatch/data/agencies.yaml
    python scripts/build_agencies.py --check    # exit 1 if the file on disk is stale
    python scripts/build_agencies.py --traffy PATH.jsonl.gz   # coverage report

Needs ``geothai`` and ``pyyaml``. Output is deterministic (stable order, no
timestamps), so re-running gives a byte-identical file for the same geothai
version.

Alias normalisation (used for the uniqueness assertion and meant to be used by
the loader too): NFC, lowercase, drop whitespace, dots and zero-width chars.
``name_th`` is never repeated in ``aliases``: a loader must index name_th,
name_en, short_th and aliases (and may use alias_patterns with re.search).
"""

from __future__ import annotations

import argparse
import collections
import gzip
import json
import re
import sys
import unicodedata
from pathlib import Path

import geothai
import yaml

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bkkwatch" / "data" / "agencies.yaml"
BANGKOK = "10"

_ZW = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)


def norm(s: str) -> str:
    """Normalised alias key: NFC, lowercase, no whitespace / dots / zero-width chars."""
    s = unicodedata.normalize("NFC", s).translate(_ZW).lower()
    return re.sub(r"[\s.]+", "", s)


# --------------------------------------------------------------------------
# Placeholders: Traffy Fondue organisation strings that are NOT an agency.
# --------------------------------------------------------------------------
PLACEHOLDERS = [
    "กรุงเทพมหานคร",  # the platform's default, i.e. "not yet routed"
    "กทม.",
    "เพื่อนชัชชาติ",  # teamchadchart volunteer / tracking account
    "ร้องทุกข์ กทม. 1555",  # BMA 1555 complaint hotline (forwarding account)
    "กรุงเทพโปร่งใส",  # Traffy's anti-corruption intake channel
    "Traffy Fondue",
    "ทราฟฟี่ฟองดูว์",
]

# --------------------------------------------------------------------------
# Extra English spellings for districts (the normaliser already ignores
# spaces, so "Bang Rak" == "Bangrak"; only real spelling variants here).
# --------------------------------------------------------------------------
DISTRICT_EN_VARIANTS = {
    "1001": ["Phranakhon"],
    "1003": ["Nong Jok"],
    "1005": ["Bangkhen"],
    "1008": ["Pom Prap", "Pomprap Sattruphai"],
    "1012": ["Yannawa"],
    "1015": ["Thonburi"],
    "1017": ["Huay Kwang", "Huai Kwang"],
    "1018": ["Klong San"],
    "1020": ["Bangkoknoi"],
    "1024": ["Rajburana", "Ratburana"],
    "1025": ["Bang Plad", "Bang Phlad"],
    "1028": ["Sathorn"],
    "1029": ["Bang Su"],
    "1030": ["Jatujak", "Chatuchuk"],
    "1031": ["Bang Kor Laem", "Bang Kholaem"],
    "1032": ["Pravet"],
    "1033": ["Khlong Toey", "Klong Toey", "Klong Toei"],
    "1036": ["Don Muang"],
    "1037": ["Rajthevi", "Ratchathevi"],
    "1038": ["Ladprao", "Lad Phrao"],
    "1039": ["Watthana", "Wattana"],
    "1011": ["Ladkrabang", "Lad Krabang"],
    "1046": ["Klong Sam Wa", "Khlongsamwa"],
}


# --------------------------------------------------------------------------
# BMA departments (kind: department)
# --------------------------------------------------------------------------
# abbr: the common abbreviation (with dot); old: former / variant names.
# patterns: regexes (re.search) for Traffy sub-unit strings, e.g.
#   "กองควบคุมการก่อสร้าง สำนักการโยธา (กคส.สนย.) กทม.".
DEPARTMENTS = [
    dict(
        code="dept-public-works",
        name_th="สำนักการโยธา",
        name_en="Department of Public Works",
        abbr="สนย.",
        en_aliases=["Public Works Department", "BMA Public Works", "BMA Department of Public Works"],
        extra_aliases=["โยธา กทม."],
        patterns=[r"สำนักการโยธา", r"[.\s(]สนย\."],
        keywords=[
            "ถนนชำรุด",
            "ถนนทรุด",
            "ถนนยุบ",
            "ถนนพัง",
            "หลุมบ่อ",
            "ผิวจราจร",
            "ซ่อมถนน",
            "สะพาน",
            "ทางยกระดับ",
            "สะพานข้ามแยก",
            "ก่อสร้าง",
            "ใบอนุญาตก่อสร้าง",
            "ควบคุมอาคาร",
            "อาคารผิดกฎหมาย",
            "ต่อเติมอาคาร",
            "ไฟฟ้าส่องสว่าง",
            "ไฟส่องสว่าง",
            "ไฟทาง",
            "ไฟถนน",
            "ป้ายโฆษณาขนาดใหญ่",
            "นั่งร้าน",
            "ปรับปรุงทางเท้า",
        ],
    ),
    dict(
        code="dept-drainage",
        name_th="สำนักการระบายน้ำ",
        name_en="Department of Drainage and Sewerage",
        abbr="สนน.",
        en_aliases=[
            "Drainage and Sewerage Department",
            "BMA Drainage and Sewerage Department",
            "BMA Drainage Department",
        ],
        extra_aliases=[],
        patterns=[r"สำนักการระบายน้ำ", r"[.\s(]สนน\."],
        keywords=[
            "น้ำท่วม",
            "น้ำท่วมขัง",
            "น้ำขัง",
            "ท่อระบายน้ำ",
            "ท่อตัน",
            "ลอกท่อ",
            "ฝาท่อ",
            "คลอง",
            "ขุดลอกคลอง",
            "สูบน้ำ",
            "เครื่องสูบน้ำ",
            "สถานีสูบน้ำ",
            "อุโมงค์ระบายน้ำ",
            "ประตูระบายน้ำ",
            "แก้มลิง",
            "น้ำเสีย",
            "บำบัดน้ำเสีย",
            "น้ำเน่า",
            "ผักตบชวา",
            "คันกั้นน้ำ",
            "เขื่อนริมแม่น้ำ",
            "น้ำทะลัก",
            "ระดับน้ำ",
        ],
    ),
    dict(
        code="dept-environment",
        name_th="สำนักสิ่งแวดล้อม",
        name_en="Department of Environment",
        abbr="สสล.",
        en_aliases=["Environment Department", "BMA Environment Department", "BMA Department of Environment"],
        extra_aliases=[],
        # "[ก-ฮ].สสล." requires a preceding sub-unit abbreviation ("กกฝ. สสล.",
        # "(สกส.กรร.สสล.)") so MWA branch strings like "...ลาดพร้าว สสล." do not match.
        patterns=[r"สำนักสิ่งแวดล้อม", r"[ก-ฮ]\.\s?สสล\."],
        keywords=[
            "ขยะ",
            "มูลฝอย",
            "เก็บขยะ",
            "ถังขยะ",
            "ขยะตกค้าง",
            "ขยะล้น",
            "คัดแยกขยะ",
            "PM2.5",
            "ฝุ่น",
            "ฝุ่นละออง",
            "ฝุ่น PM2.5",
            "คุณภาพอากาศ",
            "มลพิษทางอากาศ",
            "ควันดำ",
            "สวนสาธารณะ",
            "สวน 15 นาที",
            "ต้นไม้",
            "ตัดต้นไม้",
            "ตัดแต่งกิ่งไม้",
            "ต้นไม้ล้ม",
            "กลิ่นเหม็น",
            "เสียงดัง",
            "ศูนย์กำจัดมูลฝอย",
        ],
    ),
    dict(
        code="dept-traffic",
        name_th="สำนักการจราจรและขนส่ง",
        name_en="Traffic and Transportation Department",
        abbr="สจส.",
        en_aliases=[
            "Department of Traffic and Transportation",
            "BMA Traffic and Transportation Department",
            "BMA Traffic and Transport Department",
        ],
        extra_aliases=["สำนักการจราจรและขนส่ง กรุงเทพมหานคร (สจส.)"],
        patterns=[r"สำนักการจราจรและขนส่ง", r"[.\s(]สจส\.", r"^กลุ่มงานเครื่องหมายจราจร", r"\sสขส\.$"],
        keywords=[
            "สัญญาณไฟจราจร",
            "ไฟจราจร",
            "ไฟแดง",
            "ไฟจราจรเสีย",
            "กล้องวงจรปิด",
            "CCTV",
            "สะพานลอย",
            "สะพานลอยคนข้าม",
            "ทางม้าลาย",
            "เครื่องหมายจราจร",
            "ป้ายจราจร",
            "ตีเส้นจราจร",
            "BRT",
            "บีอาร์ที",
            "รถไฟฟ้าสายสีเขียว",
            "ส่วนต่อขยายสายสีเขียว",
            "สัมปทานรถไฟฟ้า",
            "เรือโดยสารคลองผดุงกรุงเกษม",
            "ศาลาที่พักผู้โดยสาร",
            "ป้ายรถเมล์",
            "รถติด",
            "จราจรติดขัด",
            "ที่จอดรถ",
            "จุดจอดแล้วจร",
            "ล้อยกรถ",
        ],
    ),
    dict(
        code="dept-city-law-enforcement",
        name_th="สำนักเทศกิจ",
        name_en="City Law Enforcement Department",
        abbr="สนท.",
        en_aliases=["BMA City Law Enforcement Department", "Thetsakij", "Tessakij"],
        extra_aliases=["เทศกิจ กทม."],
        patterns=[r"สำนักเทศกิจ", r"[.\s(]สนท\."],
        keywords=[
            "หาบเร่แผงลอย",
            "หาบเร่",
            "แผงลอย",
            "ผู้ค้า",
            "ผู้ค้าริมทาง",
            "จุดผ่อนผัน",
            "รุกล้ำที่สาธารณะ",
            "บุกรุกที่สาธารณะ",
            "กีดขวางทางเท้า",
            "วางของบนทางเท้า",
            "จอดรถบนทางเท้า",
            "ขับขี่บนทางเท้า",
            "ขับมอเตอร์ไซค์บนทางเท้า",
            "ป้ายโฆษณาผิดกฎหมาย",
            "ติดป้ายโฆษณา",
            "เทศกิจ",
            "ทิ้งขยะในที่สาธารณะ",
            "ปรับผู้ทิ้งขยะ",
        ],
    ),
    dict(
        code="dept-health",
        name_th="สำนักอนามัย",
        name_en="Health Department",
        abbr="สนอ.",
        en_aliases=["Department of Health (BMA)", "BMA Health Department"],
        extra_aliases=["สำนักอนามัย (ภายใน)"],
        patterns=[r"สำนักอนามัย", r"[.\s(]สนอ\."],
        keywords=[
            "ศูนย์บริการสาธารณสุข",
            "สาธารณสุข",
            "อาหารปลอดภัย",
            "สุขาภิบาลอาหาร",
            "สุนัขจรจัด",
            "หมาจรจัด",
            "แมวจรจัด",
            "สัตว์จรจัด",
            "พิษสุนัขบ้า",
            "ยุง",
            "ยุงลาย",
            "ไข้เลือดออก",
            "ลูกน้ำยุงลาย",
            "เหตุเดือดร้อนรำคาญ",
            "ฉีดวัคซีน",
            "ห้องน้ำสาธารณะ",
            "สถานประกอบการ",
            "ยาเสพติด",
            "ผู้ติดยา",
        ],
    ),
    dict(
        code="dept-medical",
        name_th="สำนักการแพทย์",
        name_en="Medical Service Department",
        abbr="สนพ.",
        en_aliases=["BMA Medical Service Department", "Medical Services Department"],
        extra_aliases=[],
        patterns=[r"สำนักการแพทย์", r"[.\s(]สนพ\."],
        keywords=[
            "โรงพยาบาล",
            "โรงพยาบาลสังกัดกรุงเทพมหานคร",
            "โรงพยาบาลกลาง",
            "โรงพยาบาลตากสิน",
            "โรงพยาบาลเจริญกรุงประชารักษ์",
            "โรงพยาบาลราชพิพัฒน์",
            "โรงพยาบาลสิรินธร",
            "โรงพยาบาลเวชการุณย์รัศมิ์",
            "โรงพยาบาลลาดกระบังกรุงเทพมหานคร",
            "ศูนย์เอราวัณ",
            "รถพยาบาล",
            "ผู้ป่วย",
            "คนไข้",
            "แพทย์",
            "พยาบาล",
            "ห้องฉุกเฉิน",
            "1669",
            "รอคิวตรวจ",
            "การรักษาพยาบาล",
        ],
    ),
    dict(
        code="dept-fire-rescue",
        name_th="สำนักป้องกันและบรรเทาสาธารณภัย",
        name_en="Fire and Rescue Department",
        abbr="สปภ.",
        en_aliases=["BMA Fire and Rescue Department", "Bangkok Fire and Rescue Department"],
        # ศูนย์วิทยุพระราม 199 = the department's fire/rescue dispatch centre
        extra_aliases=["ศูนย์วิทยุพระราม 199", "ศูนย์วิทยุพระราม สายด่วน 199"],
        patterns=[r"สำนักป้องกันและบรรเทาสาธารณภัย", r"[.\s(]สปภ\.", r"^ศูนย์วิทยุพระราม"],
        keywords=[
            "ไฟไหม้",
            "เพลิงไหม้",
            "อัคคีภัย",
            "ดับเพลิง",
            "รถดับเพลิง",
            "สถานีดับเพลิง",
            "กู้ภัย",
            "หัวจ่ายน้ำดับเพลิง",
            "ถังดับเพลิง",
            "สารเคมีรั่ว",
            "แก๊สรั่ว",
            "อาคารถล่ม",
            "ตึกถล่ม",
            "จับงู",
            "งูเข้าบ้าน",
            "รังผึ้ง",
            "รังต่อ",
            "สาธารณภัย",
            "199",
        ],
    ),
    dict(
        code="dept-education",
        name_th="สำนักการศึกษา",
        name_en="Education Department",
        abbr="สนศ.",
        en_aliases=["BMA Education Department", "Department of Education (BMA)"],
        extra_aliases=[],
        patterns=[r"สำนักการศึกษา", r"[.\s(]สนศ\."],
        keywords=[
            "โรงเรียน",
            "โรงเรียนสังกัดกรุงเทพมหานคร",
            "โรงเรียนสังกัด กทม.",
            "ครู",
            "นักเรียน",
            "อาหารกลางวัน",
            "นมโรงเรียน",
            "ชุดนักเรียน",
            "การเรียนการสอน",
            "ผู้อำนวยการโรงเรียน",
            "ห้องเรียน",
            "ทุนการศึกษา",
            "แท็บเล็ตนักเรียน",
        ],
    ),
    dict(
        code="dept-social-development",
        name_th="สำนักพัฒนาสังคม",
        name_en="Social Development Department",
        abbr="สพส.",
        en_aliases=["BMA Social Development Department"],
        extra_aliases=[],
        patterns=[r"สำนักพัฒนาสังคม", r"[.\s(]สพส\."],
        keywords=[
            "คนไร้บ้าน",
            "คนไร้ที่พึ่ง",
            "คนเร่ร่อน",
            "เด็กเร่ร่อน",
            "ขอทาน",
            "ผู้สูงอายุ",
            "เบี้ยยังชีพ",
            "ผู้พิการ",
            "คนพิการ",
            "ฝึกอาชีพ",
            "โรงเรียนฝึกอาชีพ",
            "ชุมชน",
            "กรรมการชุมชน",
            "ศูนย์พัฒนาเด็กเล็ก",
            "สวัสดิการสังคม",
            "กองทุนชุมชน",
        ],
    ),
    dict(
        code="dept-city-planning",
        name_th="สำนักการวางผังและพัฒนาเมือง",
        name_en="City Planning and Urban Development Department",
        abbr="สวพ.",
        en_aliases=["BMA City Planning Department", "City Planning Department"],
        # former name สำนักผังเมือง (abbr. สผม.)
        extra_aliases=["สำนักผังเมือง", "สำนักผังเมือง กทม.", "สผม."],
        patterns=[r"สำนักการวางผังและพัฒนาเมือง", r"[.\s(]สวพ\."],
        keywords=[
            "ผังเมือง",
            "ผังเมืองรวม",
            "ผังเมืองรวมกรุงเทพมหานคร",
            "สีผังเมือง",
            "การใช้ประโยชน์ที่ดิน",
            "จัดรูปที่ดิน",
            "ฟื้นฟูเมือง",
            "พัฒนาเมือง",
            "ผังพัฒนาพื้นที่",
            "ข้อกำหนดผังเมือง",
            "FAR",
        ],
    ),
    dict(
        code="dept-culture-sports-tourism",
        name_th="สำนักวัฒนธรรม กีฬาและการท่องเที่ยว",
        name_en="Culture, Sports and Tourism Department",
        abbr="สวท.",
        en_aliases=["BMA Culture, Sports and Tourism Department"],
        extra_aliases=["สำนักวัฒนธรรม กีฬา และการท่องเที่ยว"],
        patterns=[r"สำนักวัฒนธรรม\s?กีฬา", r"[.\s(]สวท\."],
        keywords=[
            "ท่องเที่ยว",
            "นักท่องเที่ยว",
            "วัฒนธรรม",
            "ประเพณี",
            "เทศกาล",
            "สงกรานต์",
            "ลอยกระทง",
            "กีฬา",
            "ศูนย์กีฬา",
            "ศูนย์เยาวชน",
            "สนามกีฬา",
            "ลานกีฬา",
            "ห้องสมุด",
            "บ้านหนังสือ",
            "ดนตรีในสวน",
            "ถนนคนเดิน",
        ],
    ),
    dict(
        code="dept-public-relations",
        name_th="สำนักงานประชาสัมพันธ์",
        name_en="Public Relations Office",
        # "สปส." is also the national Social Security Office; only the qualified
        # form is an alias here.
        abbr=None,
        en_aliases=["BMA Public Relations Office", "BMA Public Relations Division"],
        extra_aliases=["สำนักงานประชาสัมพันธ์ กทม.", "สำนักงานประชาสัมพันธ์ กรุงเทพมหานคร", "สปส.กทม."],
        patterns=[],
        keywords=[
            "ประชาสัมพันธ์",
            "ข่าวประชาสัมพันธ์",
            "แถลงข่าว",
            "ข่าวปลอม",
            "เฟกนิวส์",
            "โฆษก กทม.",
            "สื่อมวลชน",
            "ชี้แจงข้อเท็จจริง",
            "ผู้ว่าฯ กทม. แถลง",
        ],
    ),
    dict(
        code="dept-finance",
        name_th="สำนักการคลัง",
        name_en="Finance Department",
        abbr="สนค.",
        en_aliases=["BMA Finance Department", "Department of Finance (BMA)"],
        extra_aliases=[],
        patterns=[r"สำนักการคลัง", r"[.\s(]สนค\."],
        keywords=[
            "ภาษีที่ดินและสิ่งปลูกสร้าง",
            "ภาษีป้าย",
            "ภาษีบำรุงท้องที่",
            "ภาษีโรงเรือน",
            "จัดเก็บรายได้",
            "รายได้ กทม.",
            "ค่าธรรมเนียม",
            "ชำระภาษี",
            "ค้างชำระภาษี",
            "จัดซื้อจัดจ้าง",
            "การคลัง",
        ],
    ),
    dict(
        code="dept-personnel",
        name_th="สำนักงานการเจ้าหน้าที่",
        name_en="Personnel Office",
        abbr=None,  # unsure of an unambiguous abbreviation
        en_aliases=["BMA Personnel Office", "BMA Human Resources Office"],
        # NB: Traffy has "สำนักงานการเจ้าหน้าที่ สนศ.กทม." = the personnel unit of
        # the Education Department; alias_patterns map it to dept-education.
        extra_aliases=["สำนักงานการเจ้าหน้าที่ กทม.", "สำนักงานการเจ้าหน้าที่ กรุงเทพมหานคร"],
        patterns=[],
        keywords=[
            "ทุจริต",
            "ประพฤติมิชอบ",
            "เรียกรับเงิน",
            "สินบน",
            "เรียกรับสินบน",
            "ร้องเรียนเจ้าหน้าที่",
            "เจ้าหน้าที่ไม่สุภาพ",
            "วินัย",
            "สอบสวนวินัย",
            "ลงโทษทางวินัย",
            "ข้าราชการ กทม.",
            "ลูกจ้าง กทม.",
            "โยกย้าย",
            "สั่งย้าย",
        ],
    ),
    dict(
        code="dept-civil-service-commission",
        name_th="สำนักงานคณะกรรมการข้าราชการกรุงเทพมหานคร",
        name_en="Office of the Bangkok Metropolitan Civil Service Commission",
        abbr=None,  # "ก.ก." alone is too short / ambiguous (police "กก." = กองกำกับการ)
        short="สำนักงาน ก.ก.",
        en_aliases=["Bangkok Metropolitan Civil Service Commission"],
        extra_aliases=["สำนักงาน ก.ก.", "คณะกรรมการข้าราชการกรุงเทพมหานคร"],
        patterns=[],
        keywords=[
            "สอบบรรจุ",
            "สอบแข่งขัน",
            "ข้าราชการกรุงเทพมหานคร",
            "อัตรากำลัง",
            "บรรจุแต่งตั้ง",
            "เลื่อนขั้น",
            "ตำแหน่งว่าง",
            "ก.ก.",
        ],
    ),
]

# --------------------------------------------------------------------------
# BMA enterprises (kind: enterprise)
# --------------------------------------------------------------------------
ENTERPRISES = [
    dict(
        code="ent-krungthep-thanakom",
        name_th="บริษัท กรุงเทพธนาคม จำกัด",
        name_en="Krungthep Thanakom Co., Ltd.",
        short="กรุงเทพธนาคม",
        aliases=[
            "กรุงเทพธนาคม",
            "บริษัทกรุงเทพธนาคม",
            "บจ.กรุงเทพธนาคม",
            "KT",
            "Krungthep Thanakom",
            "Krungthep Thanakom Company Limited",
        ],
        patterns=[],
        keywords=[
            "กรุงเทพธนาคม",
            "สัญญาจ้างเดินรถ",
            "เดินรถไฟฟ้าสายสีเขียว",
            "BRT",
            "สายสื่อสารลงดิน",
            "ท่อร้อยสาย",
            "หนี้รถไฟฟ้าสายสีเขียว",
        ],
    ),
    dict(
        code="ent-bma-pawnshop",
        name_th="สถานธนานุบาลกรุงเทพมหานคร",
        name_en="Bangkok Metropolitan Pawnshop",
        short="สถานธนานุบาล กทม.",
        aliases=["สถานธนานุบาล กทม.", "โรงรับจำนำ กทม.", "สำนักงานธนานุบาล", "BMA Pawnshop"],
        patterns=[],
        keywords=[
            "โรงรับจำนำ",
            "จำนำ",
            "ไถ่ถอน",
            "ดอกเบี้ยจำนำ",
            "สถานธนานุบาล",
            "ทรัพย์หลุดจำนำ",
            "ขายทอดตลาด",
            "ลดดอกเบี้ย",
        ],
    ),
]

# --------------------------------------------------------------------------
# Bodies outside the BMA (kind: external, external: true)
# --------------------------------------------------------------------------
EXTERNALS = [
    dict(
        code="ext-mea",
        name_th="การไฟฟ้านครหลวง",
        name_en="Metropolitan Electricity Authority",
        short="กฟน.",
        aliases=["กฟน.", "MEA", "การไฟฟ้านครหลวง MEA", "การไฟฟ้านครหลวง (กฟน.)", "ไฟฟ้านครหลวง"],
        # branch strings "การไฟฟ้านครหลวง เขตธนบุรี" contain a district name: they
        # are MEA branches, not district offices.
        patterns=[r"^การไฟฟ้านครหลวง", r"(^|\s)กฟน\.?$"],
        keywords=[
            "ไฟดับ",
            "ไฟฟ้าดับ",
            "ไฟตก",
            "สายไฟ",
            "สายไฟห้อย",
            "สายไฟฟ้า",
            "สายไฟขาด",
            "เสาไฟฟ้า",
            "เสาไฟฟ้าล้ม",
            "เสาไฟฟ้าเอียง",
            "หม้อแปลง",
            "หม้อแปลงระเบิด",
            "มิเตอร์ไฟฟ้า",
            "ค่าไฟ",
            "ค่าไฟฟ้า",
            "ไฟฟ้าลัดวงจร",
            "สายไฟฟ้าลงดิน",
            "ไฟช็อต",
        ],
    ),
    dict(
        code="ext-mwa",
        name_th="การประปานครหลวง",
        name_en="Metropolitan Waterworks Authority",
        short="กปน.",
        aliases=[
            "กปน.",
            "MWA",
            "การประปานครหลวง (กปน.)",
            "การประปานครหลวง กปน. (Metropolitan Waterworks Authority - MWA)",
            "ประปานครหลวง",
        ],
        patterns=[r"^การประปานครหลวง", r"^สำนักงานประปาสาขา"],
        keywords=[
            "ท่อประปาแตก",
            "ท่อประปารั่ว",
            "ท่อประปา",
            "น้ำประปาไม่ไหล",
            "น้ำไม่ไหล",
            "น้ำประปาไหลอ่อน",
            "น้ำประปาขุ่น",
            "น้ำประปามีกลิ่น",
            "น้ำประปา",
            "ประปา",
            "มาตรวัดน้ำ",
            "มิเตอร์น้ำ",
            "ค่าน้ำประปา",
            "น้ำรั่ว",
        ],
    ),
    dict(
        code="ext-doh",
        name_th="กรมทางหลวง",
        name_en="Department of Highways",
        short="ทล.",
        aliases=["ทล.", "DOH", "Department of Highways (Thailand)", "กรมทางหลวง กระทรวงคมนาคม"],
        patterns=[r"^กรมทางหลวง(?!ชนบท)", r"^แขวงทางหลวง(?!ชนบท)", r"^สำนักงานทางหลวง(?!ชนบท)"],
        keywords=[
            "ทางหลวง",
            "ทางหลวงแผ่นดิน",
            "แขวงทางหลวง",
            "ถนนพระราม 2",
            "พระราม 2",
            "ถนนกาญจนาภิเษก",
            "วงแหวนกาญจนาภิเษก",
            "ถนนบางนา-ตราด",
            "ถนนวิภาวดีรังสิต",
            "ทางหลวงหมายเลข",
        ],
    ),
    dict(
        code="ext-police",
        name_th="สำนักงานตำรวจแห่งชาติ",
        name_en="Royal Thai Police",
        short="สตช.",
        aliases=[
            "สตช.",
            "ตำรวจ",
            "ตำรวจแห่งชาติ",
            "RTP",
            "สำนักงานตำรวจแห่งชาติ (Royal Thai Police)",
            "กองบัญชาการตำรวจนครบาล",
            "กองบัญชาการตำรวจนครบาล (บช.น.)",
            "บช.น.",
            "ตำรวจนครบาล",
            "Metropolitan Police Bureau",
            "กองบังคับการตำรวจจราจร",
            "กองบังคับการตำรวจจราจร (บก.จร.)",
            "บก.จร.",
            "ตำรวจจราจร",
            "Traffic Police",
        ],
        # "สน.ลุมพินี" = สถานีตำรวจนครบาลลุมพินี (a police station).
        patterns=[
            r"^สน\.",
            r"^สถานีตำรวจ",
            r"^กองบัญชาการตำรวจ",
            r"^กองบังคับการตำรวจ",
            r"^กองกำกับการ",
            r"^ตำรวจ",
            r"บก\.\s?น\.\s?\d",
            r"บก\.จร\.",
        ],
        keywords=[
            "ตำรวจ",
            "สถานีตำรวจ",
            "แจ้งความ",
            "โจรกรรม",
            "ลักทรัพย์",
            "อาชญากรรม",
            "ยาเสพติด",
            "ตำรวจจราจร",
            "จับกุม",
            "แข่งรถ",
            "เด็กแว้น",
            "ทะเลาะวิวาท",
            "การพนัน",
            "บ่อน",
            "ปิดถนน",
        ],
    ),
    dict(
        code="ext-mrta",
        name_th="การรถไฟฟ้าขนส่งมวลชนแห่งประเทศไทย",
        name_en="Mass Rapid Transit Authority of Thailand",
        short="รฟม.",
        aliases=[
            "รฟม.",
            "MRTA",
            "MRT",
            "การรถไฟฟ้าขนส่งมวลชนแห่งประเทศไทย (รฟม.)",
            "รถไฟฟ้ามหานคร",
            "MRT Bangkok Metro",
        ],
        patterns=[],
        keywords=[
            "รถไฟฟ้าใต้ดิน",
            "รถไฟฟ้ามหานคร",
            "รถไฟฟ้าสายสีน้ำเงิน",
            "รถไฟฟ้าสายสีม่วง",
            "รถไฟฟ้าสายสีส้ม",
            "รถไฟฟ้าสายสีเหลือง",
            "รถไฟฟ้าสายสีชมพู",
            "ก่อสร้างรถไฟฟ้า",
            "สถานีรถไฟฟ้า MRT",
            "ไซต์ก่อสร้างรถไฟฟ้า",
        ],
    ),
    dict(
        code="ext-btsc",
        name_th="บริษัท ระบบขนส่งมวลชนกรุงเทพ จำกัด (มหาชน)",
        name_en="Bangkok Mass Transit System Public Company Limited",
        short="BTSC",
        aliases=[
            "BTSC",
            "BTS",
            "บีทีเอส",
            "รถไฟฟ้าบีทีเอส",
            "Bangkok Mass Transit System",
            "บริษัท ระบบขนส่งมวลชนกรุงเทพ จำกัด",
            "ระบบขนส่งมวลชนกรุงเทพ",
            "BTS Skytrain",
        ],
        patterns=[],
        keywords=[
            "บีทีเอส",
            "BTS",
            "รถไฟฟ้าบีทีเอส",
            "สถานีบีทีเอส",
            "รถไฟฟ้าสายสีเขียว",
            "ค่าโดยสารรถไฟฟ้า",
            "บัตรแรบบิท",
            "รถไฟฟ้าขัดข้อง",
            "ลิฟต์สถานีรถไฟฟ้า",
        ],
    ),
    dict(
        code="ext-srt",
        name_th="การรถไฟแห่งประเทศไทย",
        name_en="State Railway of Thailand",
        short="รฟท.",
        aliases=["รฟท.", "SRT", "การรถไฟฯ", "การรถไฟแห่งประเทศไทย (รฟท.)"],
        patterns=[r"^การรถไฟแห่งประเทศไทย"],
        keywords=[
            "รถไฟ",
            "ทางรถไฟ",
            "จุดตัดทางรถไฟ",
            "เครื่องกั้นทางรถไฟ",
            "สถานีรถไฟ",
            "รถไฟสายสีแดง",
            "รถไฟฟ้าสายสีแดง",
            "ที่ดินการรถไฟ",
            "ชุมชนริมทางรถไฟ",
            "สถานีกลางกรุงเทพอภิวัฒน์",
            "หัวลำโพง",
            "รถไฟความเร็วสูง",
        ],
    ),
    dict(
        code="ext-exat",
        name_th="การทางพิเศษแห่งประเทศไทย",
        name_en="Expressway Authority of Thailand",
        short="กทพ.",
        aliases=["กทพ.", "EXAT", "ทางด่วน", "การทางพิเศษแห่งประเทศไทย (กทพ.)", "การทางพิเศษฯ"],
        patterns=[r"^การทางพิเศษ"],
        keywords=[
            "ทางด่วน",
            "ทางพิเศษ",
            "ด่านเก็บเงิน",
            "ด่านทางด่วน",
            "ค่าผ่านทาง",
            "Easy Pass",
            "ทางลงทางด่วน",
            "ทางขึ้นทางด่วน",
            "ทางพิเศษศรีรัช",
            "ทางพิเศษเฉลิมมหานคร",
        ],
    ),
    dict(
        code="ext-bmta",
        name_th="องค์การขนส่งมวลชนกรุงเทพ",
        name_en="Bangkok Mass Transit Authority",
        short="ขสมก.",
        aliases=["ขสมก.", "BMTA", "รถเมล์", "องค์การขนส่งมวลชนกรุงเทพ (ขสมก.)", "รถเมล์ ขสมก."],
        patterns=[r"^องค์การขนส่งมวลชนกรุงเทพ"],
        keywords=[
            "รถเมล์",
            "รถโดยสารประจำทาง",
            "รถเมล์ไฟฟ้า",
            "สายรถเมล์",
            "คนขับรถเมล์",
            "กระเป๋ารถเมล์",
            "รถเมล์ไม่จอดป้าย",
            "ควันดำรถเมล์",
            "รถเมล์ ขสมก.",
        ],
    ),
    dict(
        code="ext-drr",
        name_th="กรมทางหลวงชนบท",
        name_en="Department of Rural Roads",
        short="ทช.",
        aliases=["ทช.", "DRR", "กรมทางหลวงชนบท กระทรวงคมนาคม"],
        patterns=[r"^กรมทางหลวงชนบท", r"^แขวงทางหลวงชนบท", r"^สำนักงานทางหลวงชนบท"],
        keywords=[
            "ทางหลวงชนบท",
            "แขวงทางหลวงชนบท",
            "ถนนราชพฤกษ์",
            "ถนนสาย ทช.",
            "สะพานข้ามแม่น้ำเจ้าพระยา",
            "ถนนกัลปพฤกษ์",
            "ไฟทางหลวงชนบท",
            "ทางหลวงท้องถิ่น",
        ],
    ),
    dict(
        code="ext-nt",
        name_th="บริษัท โทรคมนาคมแห่งชาติ จำกัด (มหาชน)",
        name_en="National Telecom Public Company Limited",
        short="NT",
        aliases=[
            "NT",
            "โทรคมนาคมแห่งชาติ",
            "National Telecom",
            "CAT TELECOM (Official)",
            "CAT Telecom",
            "กสท โทรคมนาคม",
            "TOT",
            "ทีโอที",
        ],
        patterns=[],
        keywords=[
            "สายสื่อสาร",
            "สายสื่อสารห้อย",
            "สายโทรศัพท์",
            "สายอินเทอร์เน็ต",
            "เสาโทรศัพท์",
            "สายสื่อสารรกรุงรัง",
            "จัดระเบียบสายสื่อสาร",
            "ท่อร้อยสายสื่อสาร",
        ],
    ),
    dict(
        code="ext-nbtc",
        name_th="สำนักงานคณะกรรมการกิจการกระจายเสียง กิจการโทรทัศน์และกิจการโทรคมนาคมแห่งชาติ",
        name_en="Office of the National Broadcasting and Telecommunications Commission",
        short="กสทช.",
        aliases=[
            "กสทช.",
            "NBTC",
            "สำนักงาน กสทช.",
            "สำนักงานคณะกรรมการกิจการกระจายเสียง กิจการโทรทัศน์และกิจการโทรคมนาคมแห่งชาติ (กสทช.)",
        ],
        patterns=[],
        keywords=[
            "สายสื่อสาร",
            "สายสื่อสารห้อย",
            "สายสื่อสารรกรุงรัง",
            "จัดระเบียบสายสื่อสาร",
            "สายสื่อสารลงดิน",
            "ผู้ให้บริการโทรคมนาคม",
            "สายเคเบิล",
            "สายอินเทอร์เน็ต",
        ],
    ),
    dict(
        code="ext-pcd",
        name_th="กรมควบคุมมลพิษ",
        name_en="Pollution Control Department",
        short="คพ.",
        aliases=["คพ.", "PCD", "กรมควบคุมมลพิษ (คพ.)"],
        patterns=[],
        keywords=[
            "มลพิษ",
            "ค่าฝุ่น",
            "PM2.5",
            "คุณภาพอากาศ",
            "มลพิษทางอากาศ",
            "มลพิษทางเสียง",
            "น้ำเสีย",
            "ควันดำ",
            "โรงงานปล่อยควัน",
        ],
    ),
    dict(
        code="ext-dlt",
        name_th="กรมการขนส่งทางบก",
        name_en="Department of Land Transport",
        short="ขบ.",
        aliases=["ขบ.", "DLT", "กรมการขนส่งทางบก (ขบ.)", "กรมขนส่งทางบก"],
        patterns=[],
        keywords=[
            "ใบขับขี่",
            "ทะเบียนรถ",
            "แท็กซี่",
            "ปฏิเสธผู้โดยสาร",
            "วินมอเตอร์ไซค์",
            "มอเตอร์ไซค์รับจ้าง",
            "รถตู้โดยสาร",
            "ตรวจสภาพรถ",
            "รถโดยสารสาธารณะ",
        ],
    ),
    dict(
        code="ext-nha",
        name_th="การเคหะแห่งชาติ",
        name_en="National Housing Authority",
        short="กคช.",
        aliases=["กคช.", "NHA", "การเคหะแห่งชาติ (กคช.)"],
        patterns=[],
        keywords=[
            "การเคหะ",
            "เคหะชุมชน",
            "แฟลตการเคหะ",
            "แฟลตดินแดง",
            "บ้านเอื้ออาทร",
            "อาคารสงเคราะห์",
            "ผู้เช่าแฟลต",
            "ที่อยู่อาศัย",
        ],
    ),
    dict(
        code="ext-md",
        name_th="กรมเจ้าท่า",
        name_en="Marine Department",
        short="จท.",
        aliases=["จท.", "กรมเจ้าท่า (Marine Department)", "Marine Department (Thailand)"],
        patterns=[],
        keywords=[
            "ท่าเรือ",
            "เรือด่วนเจ้าพระยา",
            "เรือโดยสาร",
            "โป๊ะเรือ",
            "รุกล้ำลำน้ำ",
            "แม่น้ำเจ้าพระยา",
            "คลื่นเรือ",
            "เรือข้ามฟาก",
        ],
    ),
    dict(
        code="ext-msdhs",
        name_th="กระทรวงพัฒนาสังคมและความมั่นคงของมนุษย์",
        name_en="Ministry of Social Development and Human Security",
        short="พม.",
        aliases=["พม.", "กระทรวง พม.", "MSDHS"],
        patterns=[],
        keywords=[
            "คนไร้ที่พึ่ง",
            "ขอทาน",
            "ความรุนแรงในครอบครัว",
            "เด็กถูกทอดทิ้ง",
            "ค้ามนุษย์",
            "บ้านพักเด็ก",
            "ผู้สูงอายุถูกทอดทิ้ง",
            "1300",
        ],
    ),
]


# --------------------------------------------------------------------------
def uniq(items):
    seen, out = set(), []
    for x in items:
        if x and x not in seen:
            seen.add(x)
            out.append(x)
    return out


def district_entries():
    prov = geothai.province(BANGKOK)
    assert prov is not None and prov.name_en == "Bangkok", prov
    out = []
    for d in sorted(geothai.districts(BANGKOK), key=lambda d: d.code):
        raw_th = unicodedata.normalize("NFC", d.name_th).translate(_ZW)
        th = re.sub(r"\s+", "", raw_th)  # Thai names contain no real spaces
        if th.startswith("เขต"):
            th = th[len("เขต") :]
        en = re.sub(r"\s+", " ", unicodedata.normalize("NFC", d.name_en)).strip()
        assert th and en, d
        subs = [
            {
                "code": s.code,
                "name_th": re.sub(r"\s+", "", s.name_th).removeprefix("แขวง"),
                "name_en": re.sub(r"\s+", " ", s.name_en).strip(),
            }
            for s in sorted(geothai.subdistricts(d.code), key=lambda s: s.code)
        ]
        assert subs, d
        name_th = f"สำนักงานเขต{th}"
        aliases = [
            f"เขต{th}",
            f"เขต {th}",
            f"สนข.{th}",
            f"สนข. {th}",
            f"สำนักงานเขต {th}",
            f"สำนักงานเขต{th} กทม.",
            f"เขต{th} กทม.",
            f"{en} district office",
            f"{en} district",
            en,
            f"Khet {en}",
        ]
        for v in DISTRICT_EN_VARIANTS.get(d.code, []):
            aliases += [f"{v} district office", f"{v} district", v]
        out.append(
            {
                "code": f"district-{d.code}",
                "kind": "district",
                "name_th": name_th,
                "name_en": f"{en} District Office",
                "short_th": f"เขต{th}",
                "external": False,
                "aliases": [a for a in uniq(aliases) if a != name_th],
                "keywords": [],
                "district_code": d.code,
                "district_th": th,
                "district_en": en,
                "subdistricts": subs,
            }
        )
    assert len(out) == 50, f"expected 50 Bangkok districts, got {len(out)}"
    return out


def dept_entries():
    out = []
    for d in DEPARTMENTS:
        th, abbr = d["name_th"], d.get("abbr")
        aliases = [f"{th} กทม.", f"{th} กรุงเทพมหานคร"]
        if abbr:
            aliases += [abbr, f"{abbr} กทม.", f"{th} ({abbr})", f"{th} กทม. ({abbr})"]
        aliases += d["extra_aliases"]
        aliases += d["en_aliases"]
        e = {
            "code": d["code"],
            "kind": "department",
            "name_th": th,
            "name_en": d["name_en"],
            "short_th": d.get("short") or abbr or th,
            "external": False,
            "aliases": [a for a in uniq(aliases) if a != th],
            "keywords": uniq(d["keywords"]),
        }
        if d["patterns"]:
            e["alias_patterns"] = d["patterns"]
        assert 8 <= len(e["keywords"]) <= 25, (d["code"], len(e["keywords"]))
        out.append(e)
    return out


def other_entries(items, kind, external):
    out = []
    for d in items:
        e = {
            "code": d["code"],
            "kind": kind,
            "name_th": d["name_th"],
            "name_en": d["name_en"],
            "short_th": d["short"],
            "external": external,
            "aliases": [a for a in uniq(d["aliases"]) if a != d["name_th"]],
            "keywords": uniq(d["keywords"]),
        }
        if d.get("patterns"):
            e["alias_patterns"] = d["patterns"]
        out.append(e)
    return out


def check(agencies, placeholders):
    """Codes unique/ascii; no alias key maps to two agencies; patterns compile."""
    codes = [a["code"] for a in agencies]
    assert len(codes) == len(set(codes)), "duplicate codes"
    assert all(re.fullmatch(r"[a-z0-9-]+", c) for c in codes), "non-ascii code"
    owner: dict[str, str] = {}
    for a in agencies:
        keys = [a["name_th"], a["name_en"], a["short_th"], *a["aliases"]]
        assert len(a["aliases"]) == len(set(a["aliases"])), a["code"]
        assert a["name_th"] not in a["aliases"], a["code"]
        for k in keys:
            n = norm(k)
            assert n, (a["code"], k)
            prev = owner.setdefault(n, a["code"])
            if prev != a["code"]:
                raise SystemExit(f"alias collision: {k!r} -> {prev} and {a['code']}")
        for p in a.get("alias_patterns", []):
            re.compile(p)
    for p in placeholders:
        if norm(p) in owner:
            raise SystemExit(f"placeholder {p!r} is also an alias of {owner[norm(p)]}")
    return owner


# Traffy strings for sections *inside* a district office ("ฝ่ายโยธา เขตบางเขน",
# "พนักงานกวาด เขตบางพลัด", "กลุ่มงานระบายน้ำ 1 (โยธา จตุจักร)"): deliberately not aliases.
SECTION_RE = re.compile(r"ฝ่าย|^พนักงานกวาด|\(โยธา|^กลุ่มงาน.*เขต")
POLITICAL_RE = re.compile(r"ส\.?ส\.|ก้าวไกล|พรรค|สมาชิกสภา|สภาเด็ก")


def resolve(org: str, owner, compiled):
    """All agency codes an organisation string maps to (exact alias, else patterns)."""
    n = norm(org)
    if n in owner:
        return {owner[n]}
    return {code for code, pats in compiled for p in pats if p.search(org)}


def traffy_report(path: Path, agencies, owner, placeholders):
    compiled = [(a["code"], [re.compile(p) for p in a.get("alias_patterns", [])]) for a in agencies]
    ph = {norm(p) for p in placeholders}
    counts = collections.Counter()
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            org = json.loads(line).get("organization") or ""
            for part in org.split(","):
                part = part.strip()
                if part:
                    counts[part] += 1
    mapped = placeholder = 0
    unmapped = []
    for org, c in counts.most_common():
        if norm(org) in ph:
            placeholder += c
            continue
        hits = resolve(org, owner, compiled)
        assert len(hits) <= 1, f"Traffy component {org!r} matches several agencies: {sorted(hits)}"
        if hits:
            mapped += c
        else:
            unmapped.append((c, org))
    total = sum(counts.values())
    print(
        f"traffy: {len(counts)} distinct components, {total} occurrences; "
        f"mapped {mapped}, placeholders {placeholder}, unmapped {total - mapped - placeholder}"
    )
    sec = [(c, o) for c, o in unmapped if SECTION_RE.search(o)]
    pol = [(c, o) for c, o in unmapped if POLITICAL_RE.search(o) and (c, o) not in sec]
    rest = [(c, o) for c, o in unmapped if (c, o) not in sec and (c, o) not in pol]
    print(
        f"  unmapped district sections (by design, not aliases): {len(sec)} strings, "
        f"{sum(c for c, _ in sec)} occurrences"
    )
    print(f"  unmapped politicians / parties / councils: {len(pol)} strings, {sum(c for c, _ in pol)} occurrences")
    print("  other unmapped components:")
    for c, o in rest:
        print(f"    {c:4d}  {o}")


HEADER = """\
# bkkwatch agency registry — GENERATED FILE, do not edit by hand.
# Generator: scripts/build_agencies.py  (re-run it to regenerate; see AGENCIES.md)
# District offices and แขวง: geothai {gv} (data {dv}; DOPA codes via GeoThai/data,
#   CC BY 4.0, credit "GeoThai"). Departments, enterprises and external bodies:
#   hand-written in the generator from the organisations' public names.
# Alias keys compare after normalising: NFC, lowercase, no whitespace/dots/zero-width.
"""


def build() -> tuple[str, list[dict], dict[str, str]]:
    agencies = (
        district_entries()
        + dept_entries()
        + other_entries(ENTERPRISES, "enterprise", False)
        + other_entries(EXTERNALS, "external", True)
    )
    owner = check(agencies, PLACEHOLDERS)
    gv = getattr(geothai, "__version__", None)
    if gv is None:
        from importlib.metadata import version

        gv = version("geothai")
    doc = {"version": 1, "placeholders": PLACEHOLDERS, "agencies": agencies}
    body = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=120, default_flow_style=False)
    return HEADER.format(gv=gv, dv=geothai.DATA_VERSION) + body, agencies, owner


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--check", action="store_true", help="only compare with the file on disk")
    ap.add_argument(
        "--traffy",
        type=Path,
        default=None,
        help="Traffy train.jsonl.gz for a coverage report (none by default)",
    )
    args = ap.parse_args(argv)

    text, agencies, owner = build()
    if args.check:
        ok = args.out.exists() and args.out.read_text(encoding="utf-8") == text
        print("up to date" if ok else f"STALE: {args.out}")
        return 0 if ok else 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")

    kinds = collections.Counter(a["kind"] for a in agencies)
    n_alias = sum(len(a["aliases"]) for a in agencies)
    n_pat = sum(len(a.get("alias_patterns", [])) for a in agencies)
    print(f"wrote {args.out} ({len(text.encode('utf-8')):,} bytes)")
    print("agencies by kind: " + ", ".join(f"{k}={v}" for k, v in kinds.items()) + f"; total={len(agencies)}")
    print(
        f"aliases: {n_alias} (distinct normalised keys incl. names: {len(owner)}); "
        f"alias_patterns: {n_pat}; placeholders: {len(PLACEHOLDERS)}"
    )
    print("alias collisions between agencies: 0 (asserted)")
    if args.traffy and args.traffy.exists():
        traffy_report(args.traffy, agencies, owner, PLACEHOLDERS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
