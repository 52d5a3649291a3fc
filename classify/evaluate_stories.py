"""Evaluation of duplicates and stories on the labelled set (classify/data/stories/).

``evaluate(data_dir)`` replays the labelled documents in time order through the same incremental
clusterer the product uses and returns:

- ``duplicate_precision / duplicate_recall / duplicate_f1``: over pairs of documents in one
  duplicate family (predicted ``duplicate_of`` families against the hand-marked ones);
- ``bcubed_precision / bcubed_recall / bcubed_f1``: B-cubed over story membership;
- ``bcubed_*_multi``: the same on the documents of multi-document stories only, and
  ``bcubed_f1_all_singletons_baseline``: what putting every document alone would score (most
  labelled stories have one document, which flatters B-cubed over all documents).

Floors live in classify/baseline.yaml under ``stories:``.
"""

from __future__ import annotations

import functools
import json
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable
from datetime import datetime
from pathlib import Path

from classify.clustering import Report, StoryClusterer, parse_published
from classify.dedup import fix_latlon
from classify.places import Gazetteer, gazetteer

SET_DIR = Path(__file__).resolve().parent / "data" / "stories"
SET_FILE = "stories.jsonl"


def find_set(data_dir: Path) -> Path:
    """The labelled file: ``data_dir`` may be the set's folder, its parent, or the file itself."""
    for candidate in (data_dir, data_dir / SET_FILE, data_dir / "stories" / SET_FILE):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"{data_dir}: no {SET_FILE} (expected it there or under stories/)")


def load_set(data_dir: Path) -> list[dict]:
    path = find_set(data_dir)
    with path.open(encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    rows.sort(key=lambda r: (_when(r["published"]), r["id"]))
    return rows


def _when(value: str) -> datetime:
    when = parse_published(value)
    if when is None:
        raise ValueError(f"labelled set: bad published time {value!r}")
    return when


def report_of(row: dict) -> Report:
    """A labelled row as the product sees it: with the Bangkok districts the gazetteer finds in its text
    (in the product they come from the scorer's ``places``, which is the same gazetteer)."""
    return Report(
        key=row["id"],
        text=row.get("text", ""),
        title=row.get("title", ""),
        when=_when(row["published"]),
        point=fix_latlon(row.get("lat"), row.get("lon")),
        district=row.get("district"),
        places=_places(f"{row.get('title', '')}\n{row.get('text', '')}"),
    )


@functools.cache
def _gazetteer() -> Gazetteer:
    return gazetteer()


def _places(text: str) -> list[str]:
    return _gazetteer().find(text).district_names[:5]


def _pairs(groups: Iterable[list[Hashable]]) -> set[frozenset[Hashable]]:
    out = set()
    for members in groups:
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                out.add(frozenset((a, b)))
    return out


def _families(dup_of: dict[Hashable, Hashable | None]) -> list[list[Hashable]]:
    fam: dict[Hashable, list[Hashable]] = defaultdict(list)
    for doc, head in dup_of.items():
        fam[head if head is not None else doc].append(doc)
    return list(fam.values())


def prf(tp: float, n_pred: float, n_gold: float) -> tuple[float, float, float]:
    p = tp / n_pred if n_pred else 1.0
    r = tp / n_gold if n_gold else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def bcubed(gold: dict[Hashable, Hashable], pred: dict[Hashable, Hashable]) -> tuple[float, float, float]:
    by_gold: dict[Hashable, set[Hashable]] = defaultdict(set)
    by_pred: dict[Hashable, set[Hashable]] = defaultdict(set)
    for doc, g in gold.items():
        by_gold[g].add(doc)
    for doc, s in pred.items():
        by_pred[s].add(doc)
    p_sum = r_sum = 0.0
    for doc in gold:
        same = by_gold[gold[doc]] & by_pred[pred[doc]]
        p_sum += len(same) / len(by_pred[pred[doc]])
        r_sum += len(same) / len(by_gold[gold[doc]])
    n = len(gold) or 1
    p, r = p_sum / n, r_sum / n
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def evaluate(data_dir: Path = SET_DIR) -> dict[str, float]:
    rows = load_set(Path(data_dir))
    clusterer = StoryClusterer()
    pred_story: dict[Hashable, Hashable] = {}
    pred_dup: dict[Hashable, Hashable | None] = {}
    for row in rows:
        placed = clusterer.add(report_of(row))
        pred_story[row["id"]] = placed.story
        pred_dup[row["id"]] = placed.duplicate_of
    gold_story = {r["id"]: r["story"] for r in rows}
    gold_dup = {r["id"]: r.get("duplicate_of") for r in rows}
    gold_pairs, pred_pairs = _pairs(_families(gold_dup)), _pairs(_families(pred_dup))
    dp, dr, df = prf(len(gold_pairs & pred_pairs), len(pred_pairs), len(gold_pairs))
    bp, br, bf = bcubed(gold_story, pred_story)
    # Most labelled stories have one document, so B-cubed over all documents is dominated by them
    # (putting every document alone already scores high): also report it on the documents of
    # multi-document stories, and the all-singletons baseline.
    size = Counter(gold_story.values())
    multi = {doc: s for doc, s in gold_story.items() if size[s] > 1}
    mp, mr, mf = bcubed(multi, {doc: pred_story[doc] for doc in multi})
    _, _, singleton_f1 = bcubed(gold_story, {doc: doc for doc in gold_story})
    return {
        "documents": float(len(rows)),
        "duplicate_pairs": float(len(gold_pairs)),
        "duplicate_precision": round(dp, 4),
        "duplicate_recall": round(dr, 4),
        "duplicate_f1": round(df, 4),
        "bcubed_precision": round(bp, 4),
        "bcubed_recall": round(br, 4),
        "bcubed_f1": round(bf, 4),
        "bcubed_precision_multi": round(mp, 4),
        "bcubed_recall_multi": round(mr, 4),
        "bcubed_f1_multi": round(mf, 4),
        "bcubed_f1_all_singletons_baseline": round(singleton_f1, 4),
    }


if __name__ == "__main__":
    print(json.dumps(evaluate(), indent=1))
