"""The first scorer: keyword and gazetteer rules, explained in Thai.

Deliberately simple and transparent; the trained models of ``classify/`` replace its parts and are
measured against the same contract (``bkkwatch score``). Definitions: RUBRIC.md (relevance, impact
0–3, agencies).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bkkwatch.registry import Registry, shipped_registry
from classify.places import Gazetteer, gazetteer
from classify.text import normalize

MODEL_VERSION = "rules-2026.11"

# Words of the BMA's remit and of complaints (a problem someone should fix), with weights.
PROBLEM_WORDS: Mapping[str, float] = {
    "ร้องเรียน": 1.0,
    "ร้องทุกข์": 1.0,
    "ชำรุด": 1.0,
    "พัง": 0.8,
    "เสียหาย": 0.6,
    "น้ำท่วม": 1.2,
    "น้ำขัง": 1.0,
    "ท่วมขัง": 1.0,
    "ขยะ": 0.8,
    "กลิ่นเหม็น": 0.8,
    "ส่งกลิ่น": 0.8,
    "ทางเท้า": 0.6,
    "ฟุตบาท": 0.6,
    "หาบเร่": 0.8,
    "แผงลอย": 0.8,
    "รุกล้ำ": 0.8,
    "ท่อระบายน้ำ": 0.8,
    "อุดตัน": 0.8,
    "ไฟดับ": 0.8,
    "ไฟฟ้าส่องสว่าง": 0.5,
    "มืด": 0.4,
    "รถติด": 0.6,
    "การจราจร": 0.3,
    "หลุม": 0.8,
    "บ่อ": 0.3,
    "ฝุ่น": 0.7,
    "PM2.5": 0.9,
    "pm 2.5": 0.9,
    "มลพิษ": 0.8,
    "เสียงดัง": 0.6,
    "สุนัขจรจัด": 0.8,
    "หมาจรจัด": 0.8,
    "ไม่ได้รับการแก้ไข": 1.2,
    "ไม่มีการแก้ไข": 1.2,
    "ปล่อยปละละเลย": 1.2,
    "ล่าช้า": 0.8,
    "ไม่คืบหน้า": 1.0,
    "ก่อสร้าง": 0.4,
    "สร้างความเดือดร้อน": 1.2,
    "เดือดร้อน": 1.0,
    "อันตราย": 1.0,
    "เสี่ยง": 0.5,
    "ร้องขอ": 0.6,
    "ประชาชนเดือดร้อน": 1.2,
    "วิจารณ์": 0.8,
    "ไม่พอใจ": 0.8,
    "โวย": 1.0,
    "ตำหนิ": 0.8,
    "ผิดกฎหมาย": 0.8,
    "บุกรุก": 0.8,
    "คลอง": 0.3,
    "น้ำเน่า": 1.0,
    "ต้นไม้": 0.3,
    "ล้มทับ": 1.2,
    "ป้ายรถเมล์": 0.4,
    "ขาดแคลน": 0.6,
}
# Harm or danger to people now, misconduct, or virality: impact 3 (RUBRIC.md).
URGENT_WORDS: Mapping[str, str] = {
    "เสียชีวิต": "มีผู้เสียชีวิต",
    "บาดเจ็บ": "มีผู้บาดเจ็บ",
    "เจ็บสาหัส": "มีผู้บาดเจ็บ",
    "ไฟไหม้": "ไฟไหม้",
    "เพลิงไหม้": "ไฟไหม้",
    "พังถล่ม": "สิ่งก่อสร้างถล่ม",
    "อาคารถล่ม": "สิ่งก่อสร้างถล่ม",
    "สะพานถล่ม": "สิ่งก่อสร้างถล่ม",
    "ป้ายถล่ม": "สิ่งก่อสร้างถล่ม",
    "ทรุดตัว": "ถนนทรุด",
    "ถนนทรุด": "ถนนทรุด",
    "หลุมยุบ": "หลุมยุบ",
    "ถนนยุบ": "หลุมยุบ",
    "ทุจริต": "ข้อกล่าวหาทุจริต",
    "คอร์รัปชัน": "ข้อกล่าวหาทุจริต",
    "คอรัปชั่น": "ข้อกล่าวหาทุจริต",
    "ส่วย": "ข้อกล่าวหาเรียกรับเงิน",
    "รับสินบน": "ข้อกล่าวหาเรียกรับเงิน",
    "เรียกรับเงิน": "ข้อกล่าวหาเรียกรับเงิน",
    "ไวรัล": "เป็นไวรัล",
    "แชร์สนั่น": "เป็นไวรัล",
    "ไฟดูด": "ไฟดูด",
    "ไฟรั่ว": "ไฟดูด",  # a lamp post or wire leaking current where people walk
    "ไฟฟ้ารั่ว": "ไฟดูด",
    "จมน้ำ": "จมน้ำ",
    "ท่วมหนัก": "น้ำท่วมหนัก",
    "ท่วมสูง": "น้ำท่วมหนัก",
}
POSITIVE_WORDS = ("ขอบคุณ", "ชื่นชม", "ดีมาก", "สะอาด", "สวยงาม", "ประทับใจ", "แก้ไขแล้ว", "เรียบร้อยแล้ว")
QUESTION_MARKS = ("?", "ไหม", "มั้ย", "หรือไม่", "อย่างไร", "ทำไม", "เมื่อไหร่", "ที่ไหน")
BMA_WORDS = (
    "ผู้ว่าฯ กทม",
    "ผู้ว่าราชการกรุงเทพมหานคร",
    "ผู้ว่ากทม",
    "ชัชชาติ",
    "อัศวิน",
    "สุขุมพันธุ์",
    "สำนักงานเขต",
    "ผู้อำนวยการเขต",
    "ผอ.เขต",
    "สภากทม",
    "ส.ก.",
    "เทศกิจ",
    "ศาลาว่าการ",
)


def count(value: Any) -> int:
    """An engagement figure as a non-negative int; anything unreadable ("x", None, -3) counts 0."""
    try:
        return max(0, int(value or 0))
    except (TypeError, ValueError):
        return 0


@dataclass
class ScoreResult:
    bangkok: float
    sentiment: str
    impact: float
    level: int
    urgent: bool
    agencies: list[dict[str, Any]]
    places: list[str]
    explanation: str
    model_version: str = MODEL_VERSION
    signals: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "bangkok": self.bangkok,
            "sentiment": self.sentiment,
            "impact": self.impact,
            "level": self.level,
            "urgent": self.urgent,
            "agencies": self.agencies,
            "places": self.places,
            "explanation": self.explanation,
        }


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


class RuleScorer:
    def __init__(self, registry: Registry | None = None, places: Gazetteer | None = None) -> None:
        self.registry = registry or shipped_registry()
        self.places = places or gazetteer()
        self.topics = [(e, [k for k in e.keywords if k]) for e in self.registry.entries if e.keywords]

    model_version = MODEL_VERSION

    def score(
        self,
        text: str,
        title: str = "",
        engagement: Mapping[str, Any] | None = None,
        source_kind: str | None = None,
        district: str | None = None,
        lat: Any = None,
        lon: Any = None,
    ) -> ScoreResult:
        body = normalize(f"{title}\n{text}")
        lowered = body.casefold()
        found = self.places.find(body)
        districts = found.district_names
        if district:
            entry = self.registry.resolve(district) or self.registry.resolve(f"เขต{district}")
            if entry is not None and entry.district_th and entry.district_th not in districts:
                districts.insert(0, entry.district_th)
        bma_hits = [w for w in BMA_WORDS if w.casefold() in lowered]
        problems = [w for w in PROBLEM_WORDS if w.casefold() in lowered]
        harms = sorted({URGENT_WORDS[w] for w in URGENT_WORDS if w in body})
        engagement = engagement or {}
        shares = count(engagement.get("shares"))
        comments = count(engagement.get("comments"))
        likes = count(engagement.get("likes"))
        spreading = shares >= 300 or comments >= 150 or likes >= 2000
        viral = shares >= 3000 or comments >= 1500

        # Relevance: Bangkok places and BMA words for; other provinces against.
        strong = sum(1 for h in found.districts if h.strong)
        evidence = (
            1.6 * min(strong, 3)
            + 0.7 * min(len(found.districts) - strong, 3)
            + 1.2 * min(len(found.bangkok_mentions), 3)
            + 1.0 * min(len(bma_hits), 3)
            + (2.0 if district else 0.0)
        )
        against = 1.2 * min(len(found.other_provinces), 3) * (0.5 if strong or district else 1.0)
        bangkok = round(_sigmoid(-1.6 + evidence - against), 3)

        # Image impact (RUBRIC.md): level 0-3 and the probability of level >= 2.
        problem_weight = sum(PROBLEM_WORDS[w] for w in problems)
        explicit = bool(strong or found.bangkok_mentions or bma_hits or district)
        if bangkok < 0.5:
            level = 0
        elif not explicit:  # only bare place names: a routine mention at most
            level = 1 if problem_weight > 0 else 0
        elif (harms and (problem_weight > 0 or bma_hits) and bangkok >= 0.6) or viral:
            level = 3
        elif problem_weight >= 2.0 and (spreading or source_kind in (None, "article") or bma_hits):
            level = 2
        elif problem_weight > 0:
            level = 1
        else:
            level = 0
        raw = -2.2 + 0.9 * min(problem_weight, 4) + 2.5 * bool(harms) + 1.2 * spreading + 2.0 * viral
        impact = round(_sigmoid(raw) * (0.3 + 0.7 * bangkok), 3)
        if level >= 2:
            impact = max(impact, 0.6 if level == 2 else 0.85)
        elif level == 0:
            impact = min(impact, 0.3)
        urgent = level == 3

        sentiment = "neu"
        if problems or harms:
            sentiment = "neg"
        elif any(w in body for w in POSITIVE_WORDS):
            sentiment = "pos"
        if any(q in body for q in QUESTION_MARKS) and not harms:
            sentiment = "q" if not problems else sentiment

        agencies = self._agencies(body, districts, bangkok, found.districts)
        explanation = self._explain(problems, harms, found, districts, bma_hits, spreading, viral, engagement)
        return ScoreResult(bangkok, sentiment, impact, level, urgent, agencies, districts, explanation)

    def _agencies(self, body: str, districts: list[str], bangkok: float, hits: list[Any]) -> list[dict[str, Any]]:
        if bangkok < 0.5:
            return []
        scores: dict[str, tuple[float, bool]] = {}
        for rank, name in enumerate(districts[:3]):
            entry = self.registry.resolve(f"เขต{name}")
            if entry is not None:
                scores[entry.name_th] = (round(0.9 - 0.15 * rank, 3), entry.external)
        for entry, keywords in self.topics:
            if entry.kind == "district":
                continue
            hits_n = sum(1 for k in keywords if k in body)
            if hits_n:
                value = round(min(0.95, 0.45 + 0.15 * hits_n), 3)
                if value > scores.get(entry.name_th, (0.0, False))[0]:
                    scores[entry.name_th] = (value, entry.external)
        ranked = sorted(scores.items(), key=lambda kv: kv[1][0], reverse=True)[:5]
        return [{"name": name, "score": value, "external": external} for name, (value, external) in ranked]

    @staticmethod
    def _explain(
        problems: list[str],
        harms: list[str],
        found: Any,
        districts: list[str],
        bma_hits: list[str],
        spreading: bool,
        viral: bool,
        engagement: Mapping[str, Any],
    ) -> str:
        parts: list[str] = []
        parts.extend(harms[:3])
        parts.extend(sorted(problems, key=lambda w: -PROBLEM_WORDS[w])[:3])
        parts.extend(f"เขต{d}" for d in districts[:3])
        if not districts and found.bangkok_mentions:
            parts.append("กล่าวถึงกรุงเทพฯ")
        if bma_hits:
            parts.append(f"เกี่ยวกับ กทม. ({bma_hits[0]})")
        if viral:
            parts.append("กำลังเป็นไวรัล")
        elif spreading:
            parts.append("ยอดแชร์สูง" if count(engagement.get("shares")) >= 300 else "มีผู้แสดงความเห็นมาก")
        if found.other_provinces:
            parts.append("จังหวัดอื่น: " + ", ".join(found.other_provinces[:2]))
        return " · ".join(parts) if parts else "ไม่พบสัญญาณเกี่ยวกับ กทม."


_DEFAULT: RuleScorer | None = None


def default_scorer() -> RuleScorer:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = RuleScorer()
    return _DEFAULT
