"""How the development set (classify/data/devset.jsonl) was sampled and assembled.

``python -m classify.devset_tools sample DATA_DIR`` draws the unlabelled items (fixed seed) from the
shared data sets; ``python -m classify.devset_tools merge`` joins them with the hand-written labels
(classify/data/devset_labels.tsv) into devset.jsonl. Labels were written by one annotator reading each
item according to RUBRIC.md; see classify/data/README.md.
"""

from __future__ import annotations

import gzip
import json
import random
import re
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent / "data"
SAMPLE = HERE / "devset_items.jsonl"
LABELS = HERE / "devset_labels.tsv"
DEVSET = HERE / "devset.jsonl"
_BKK = re.compile(r"กรุงเทพ|กทม|เขต|รถติด|น้ำท่วม|บีทีเอส|BTS|MRT|ชัชชาติ|อัศวิน|ผู้ว่า|ฟุตบาท|ทางเท้า|ขยะ")


def _read(path: Path) -> list[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def sample(data_dir: Path) -> list[dict[str, Any]]:
    rng = random.Random(20261124)
    items: list[dict[str, Any]] = []
    news = _read(data_dir / "news_th" / "articles.jsonl.gz")
    city = [r for r in news if r["source_category"] == "bangkok" or _BKK.search(r["title"] + r["text"][:600])]
    rest = [r for r in news if r not in city]
    picked = rng.sample(city, min(len(city), 80)) + rng.sample(rest, 60)
    for r in picked:
        items.append(
            {
                "id": f"news:{r['id']}",
                "title": r["title"],
                "text": r["text"][:1500],
                "source": r["outlet"],
                "published": r.get("published"),
                "url": r.get("url"),
                "origin": f"news_th {r['repo']} {r['path']}",
            }
        )
    traffy = _read(data_dir / "traffy" / "train.jsonl.gz")
    routed = [r for r in traffy if (r["organization"] or "").strip() not in ("กรุงเทพมหานคร", "")]
    for r in rng.sample(routed, 90):
        items.append(
            {
                "id": f"traffy:{r['id']}",
                "title": "",
                "text": r["text"][:1500],
                "source": "traffy",
                "district": r.get("district"),
                "origin": f"traffy {r['source']}",
                "traffy_type": r.get("type"),
                "traffy_organization": r.get("organization"),
            }
        )
    wise = _read(data_dir / "wisesight_sentiment" / "train.jsonl.gz")
    near = [i for i, r in enumerate(wise) if _BKK.search(r["texts"])]
    far = [i for i in range(len(wise)) if i not in set(near) and len(wise[i]["texts"]) > 30]
    for i in rng.sample(near, 45) + rng.sample(far, 40):
        items.append(
            {
                "id": f"wisesight:train:{i}",
                "title": "",
                "text": wise[i]["texts"][:1500],
                "source": "social",
                "origin": "wisesight_sentiment train.jsonl line " + str(i + 1),
            }
        )
    return items


def merge() -> int:
    source = SAMPLE if SAMPLE.exists() else DEVSET  # the sample is not kept in the repository
    items = {json.loads(line)["id"]: json.loads(line) for line in source.open(encoding="utf-8")}
    from bkkwatch.registry import shipped_registry

    registry = shipped_registry()
    out: list[str] = []
    for line in LABELS.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        key, bangkok, impact, agencies, note = (line.split("\t") + [""] * 5)[:5]
        item = items[key.strip()]
        names: list[str] = []
        for raw in filter(None, (a.strip() for a in agencies.split(","))):
            entry = registry.resolve(raw)
            if entry is None:
                raise SystemExit(f"{LABELS.name}: {key}: unknown agency {raw!r}")
            names.append(entry.name_th)
        item.update({"bangkok": int(bangkok), "impact": int(impact), "agencies": names, "note": note.strip()})
        out.append(json.dumps(item, ensure_ascii=False))
    DEVSET.write_text("\n".join(out) + "\n", encoding="utf-8")
    return len(out)


if __name__ == "__main__":
    if sys.argv[1:2] == ["sample"]:
        rows = sample(Path(sys.argv[2]))
        SAMPLE.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        print(len(rows))
    else:
        print(merge())
