"""Rebuild ``stories.jsonl`` (the labelled story/duplicate set) from the public data sets and the hand decisions.

    python classify/data/stories/build.py --data DIR [--proposals]     # DIR: the public data sets (traffy/, news_th/)

Step 1 (proposals): rules propose duplicate families and same-story groups from the Traffy rows'
metadata (coordinates, time, the citizen's category) and a list of problem words; news articles
are proposed from shared headline words. Step 2: one annotator read every proposed group and
wrote the corrections into ``decisions.yaml`` (``split``: documents taken out of their proposed
group into a story of their own; ``join``: groups of ids that are one story though no rule
proposed it; ``not_duplicate``: ids taken out of a proposed duplicate family). ``--proposals``
prints the proposed groups for reading. See README.md.
"""

from __future__ import annotations

import argparse
import difflib
import gzip
import json
import re
import sys
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(ROOT))

from classify.dedup import fix_latlon, metres_between, shingle_text  # noqa: E402

NEWS_CHARS = 1200  # articles are cut to their opening to keep the file small
TRAFFY_SOURCE = "tphaengnet/work-1:teamchadchart.csv"  # 26-28 Nov 2023: dense in time, many repeats
GENERIC_TYPES = {
    "อื่นๆ",
    "ร้องเรียน",
    "เสนอแนะ",
    "ความปลอดภัย",
    "กรุงเทพโปร่งใส",
    "ทุจริต",
    "สอบถาม",
    "ประชาสัมพันธ์",
    "จุดเสี่ยง",
}
# problem classes: a proposal needs two nearby reports to share one (a labelling aid, read afterwards)
PROBLEMS = {
    "light": r"ไฟ(?:ฟ้า)?(?:ส่อง|ถนน|ทาง|ดับ|ไม่ติด|เสีย|ป้าย|ใน)|แสงสว่าง|มืด",
    "footpath": r"(?:ทางเท้า|ทางเดิน|ฟุตบาท).{0,12}(?:พัง|ยุบ|แตก|เเตก|ชำรุ|ทรุด)"
    r"|(?:พัง|ยุบ|ทรุด).{0,8}(?:ทางเท้า|ทางเดิน)",
    "vendor": r"ขาย|แผงลอย|หาบเร่",
    "parking": r"จอด|ขับขี่บน|ขับรถบน",
    "garbage": r"ขยะ",
    "sign": r"ป้าย",
    "road": r"ถนน.{0,15}(?:หลุม|แตก|เเตก|ขรุขระ|ชำรุด|พัง|ยุบ)|หลุม|ผิวจราจร",
    "tree": r"ต้นไม้|กิ่ง|เถาวัลย์",
    "noise": r"เสียงดัง|ดนตรี|เพลง",
    "water": r"น้ำขัง|น้ำท่วม|น้ำเน่า|ท่อ",
    "smoke": r"เผา|ควัน|กลิ่น",
    "traffic": r"รถติด|กลับรถ|ไฟแดง|สัญญาณไฟ|ทางม้าลาย",
}
PROBLEM_RE = {k: re.compile(v) for k, v in PROBLEMS.items()}


def parse_time(value: str) -> datetime:
    value = value.strip()
    if "/" in value:
        return datetime.strptime(value, "%d/%m/%Y %H:%M").replace(tzinfo=UTC) - timedelta(hours=7)
    value = re.sub(r"\+00$", "+00:00", value)
    return datetime.fromisoformat(value).astimezone(UTC)


def problems(text: str) -> set[str]:
    return {k for k, rx in PROBLEM_RE.items() if rx.search(text)}


class Union:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def join(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def traffy_rows(data: Path) -> list[dict]:
    with gzip.open(data / "traffy" / "train.jsonl.gz", "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    out = []
    for r in rows:
        if r["source"] != TRAFFY_SOURCE or not r["text"].strip():
            continue
        point = fix_latlon(r["lat"], r["lon"])
        out.append(
            {
                "id": f"traffy:{r['id']}",
                "title": "",
                "text": r["text"],
                "source": "traffy",
                "kind": "ticket",
                "published": parse_time(r["timestamp"]).isoformat(),
                "lat": point[0] if point else None,
                "lon": point[1] if point else None,
                "district": r.get("district") or None,
                "type": r["type"],
                "state": r["state"],
            }
        )
    return out


def news_rows(data: Path) -> list[dict]:
    out = []
    with gzip.open(data / "news_th" / "articles.jsonl.gz", "rt", encoding="utf-8") as fh:
        lines = list(fh)
    for line in lines:
        r = json.loads(line)
        out.append(
            {
                "id": f"news:{r['id']}",
                "title": r["title"],
                "text": r["text"][:NEWS_CHARS],
                "source": r["outlet"],
                "kind": "article",
                "published": r["published"],
                "url": r["url"],
                "lat": None,
                "lon": None,
                "district": None,
                "type": [],
                "state": None,
            }
        )
    return out


def propose(
    traffy: list[dict], news: list[dict], not_dup: frozenset[str] | set[str] = frozenset()
) -> tuple[Union, Union]:
    stories, dups = Union(), Union()
    norm = {r["id"]: shingle_text(r["text"]) for r in traffy}
    when = {r["id"]: datetime.fromisoformat(r["published"]) for r in traffy}
    probs = {r["id"]: problems(r["text"]) for r in traffy}
    for i, a in enumerate(traffy):
        for b in traffy[i + 1 :]:
            if a["lat"] is None or b["lat"] is None:
                continue
            d = metres_between((a["lat"], a["lon"]), (b["lat"], b["lon"]))
            if d > 300 or abs(when[a["id"]] - when[b["id"]]) > timedelta(days=7):
                continue
            na, nb = norm[a["id"]], norm[b["id"]]
            copy = a["id"] not in not_dup and b["id"] not in not_dup
            if copy and na and (na == nb or difflib.SequenceMatcher(None, na, nb).ratio() >= 0.85):
                dups.join(a["id"], b["id"])
                stories.join(a["id"], b["id"])
                continue
            shared_type = (set(a["type"]) & set(b["type"])) - GENERIC_TYPES
            if d <= 150 and shared_type and probs[a["id"]] & probs[b["id"]]:
                stories.join(a["id"], b["id"])
    words = {r["id"]: set(re.findall(r"[ก-๙A-Za-z0-9]{3,}", r["title"])) for r in news}
    for i, a in enumerate(news):
        for b in news[i + 1 :]:
            ta, tb = shingle_text(a["title"]), shingle_text(b["title"])
            similar = bool(ta) and difflib.SequenceMatcher(None, ta, tb).ratio() >= 0.5
            if similar or len(words[a["id"]] & words[b["id"]]) >= 3:
                stories.join(a["id"], b["id"])
    return stories, dups


def groups(u: Union, ids: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for i in ids:
        out[u.find(i)].append(i)
    return out


def build(data: Path, show: bool = False) -> list[dict]:
    traffy, news = traffy_rows(data), news_rows(data)
    rows = traffy + news
    decisions = yaml.safe_load((HERE / "decisions.yaml").read_text(encoding="utf-8")) or {}
    stories, dups = propose(traffy, news, set(decisions.get("not_duplicate") or []))
    ids = [r["id"] for r in rows]
    by_id = {r["id"]: r for r in rows}
    if show:
        for members in groups(stories, ids).values():
            if len(members) > 1:
                print("==", " ".join(members))
                for m in members:
                    r = by_id[m]
                    print(
                        "   ",
                        m,
                        r.get("published", "")[:16],
                        ",".join(r["type"]),
                        (r["title"] + " | " + r["text"]).replace("\n", " ")[:110],
                    )
    split = set(decisions.get("split") or [])
    story_of = {i: (f"split:{i}" if i in split else stories.find(i)) for i in ids}
    for group in decisions.get("join") or []:
        target = story_of[group[0]]
        for doc in group[1:]:
            old = story_of[doc]
            for k, v in story_of.items():
                if v == old:
                    story_of[k] = target
    family = groups(dups, ids)
    head = {}
    for members in family.values():
        members.sort(key=lambda m: (by_id[m]["published"], m))
        for m in members:
            head[m] = members[0] if story_of[m] == story_of[members[0]] and m != members[0] else None
    out = []
    for r in sorted(rows, key=lambda r: (r["published"], r["id"])):
        rec = {k: v for k, v in r.items() if v not in (None, [], "") or k in ("text",)}
        rec["story"] = story_of[r["id"]]
        rec["duplicate_of"] = head[r["id"]]
        out.append(rec)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="the public data sets (traffy/, news_th/)")
    parser.add_argument("--proposals", action="store_true", help="print the proposed groups for reading")
    args = parser.parse_args()
    missing = [name for name in ("traffy", "news_th") if not (args.data / name).is_dir()]
    if missing:
        sys.exit(f"build: {args.data} lacks {', '.join(missing)}")
    rows = build(args.data, args.proposals)
    if not args.proposals:
        with (HERE / "stories.jsonl").open("w", encoding="utf-8") as fh:
            for r in rows:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
        n_stories = len({r["story"] for r in rows})
        n_dups = sum(1 for r in rows if r["duplicate_of"])
        print(f"{len(rows)} documents, {n_stories} stories, {n_dups} marked duplicates")


if __name__ == "__main__":
    main()
