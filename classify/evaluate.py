"""``bkkwatch eval``: the evaluation gate.

Prints, on fixed sets whose sha256 digests are pinned in ``classify/baseline.yaml``:
- agency hit@1 / hit@3 on the Traffy tickets held out of training (by ticket id), with the item's location
  and from its text only, and the topic owner's hit@3 (the department or outside body: a true one among the
  first three non-district agencies suggested, with location);
- sentiment accuracy and macro-F1 on the wisesight validation split;
- relevance F1, impact ROC-AUC (out-of-fold: the impact head is refitted in 5 folds of the development set,
  since the shipped head is trained on all of it) and urgent recall on the development set.
Floors are in the same file; a score below its floor fails (exit 1). Other parts plug in: if the module
``classify.evaluate_stories`` exists, its ``evaluate(data_dir) -> dict[str, float]`` runs too, with floors
under the ``stories:`` key.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from classify.scorer import ModelScorer, Prepared, decide_level, impact_features, prepare, prepare_item
from classify.train import DEVSET, SETS, fit_impact, locate, read_devset, read_jsonl_gz, traffy_records

BASELINE = Path(__file__).parent / "baseline.yaml"
PINNED = {"traffy": "traffy", "wisesight_valid": "wisesight_valid", "devset": "devset"}


def _hits(ranked: list[list[str]], truth: list[set[str]], k: int) -> float:
    pairs = [(r, t) for r, t in zip(ranked, truth, strict=True) if t]
    return round(sum(1 for r, t in pairs if set(r[:k]) & t) / max(1, len(pairs)), 4)


def evaluate_agencies(scorer: ModelScorer, path: Path) -> dict[str, float]:
    gaz = scorer.places
    held = [r for r in traffy_records(path, scorer.registry) if r["holdout"] and r["codes"]]
    names = {e.code: e.name_th for e in scorer.registry.entries}
    kind = {e.name_th: e.kind for e in scorer.registry.entries}
    truth = [{names[c] for c in r["codes"]} for r in held]
    located = [
        prepare(gaz, r["text"], source="traffy", district=r["district"], lat=r["lat"], lon=r["lon"]) for r in held
    ]
    text_only = [prepare(gaz, r["text"], source="traffy") for r in held]
    with_loc = [[a["name"] for a in row] for row in scorer.agency_scores(located, use_location=True)]
    no_loc = [[a["name"] for a in row] for row in scorer.agency_scores(text_only, use_location=False)]
    topic_truth = [{n for n in t if kind.get(n) != "district"} for t in truth]
    topic_ranked = [[n for n in row if kind.get(n) != "district"] for row in with_loc]
    return {
        "agency_hit1_location": _hits(with_loc, truth, 1),
        "agency_hit3_location": _hits(with_loc, truth, 3),
        "agency_hit1_text": _hits(no_loc, truth, 1),
        "agency_hit3_text": _hits(no_loc, truth, 3),
        "topic_owner_hit3": _hits(topic_ranked, topic_truth, 3),
        "agency_heldout_n": float(len(held)),
        "topic_owner_n": float(sum(1 for t in topic_truth if t)),
    }


def evaluate_sentiment(scorer: ModelScorer, path: Path) -> dict[str, float]:
    from sklearn.metrics import accuracy_score, f1_score

    rows = read_jsonl_gz(path)
    docs = [prepare(scorer.places, r["texts"], source="social") for r in rows]
    predicted = scorer.sentiment(docs)
    gold = [r["category"] for r in rows]
    return {
        "sentiment_accuracy": round(float(accuracy_score(gold, predicted)), 4),
        "sentiment_macro_f1": round(float(f1_score(gold, predicted, average="macro")), 4),
    }


def evaluate_devset(scorer: ModelScorer, items: list[dict[str, Any]], folds: int = 5) -> dict[str, float]:
    from sklearn.metrics import f1_score, roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    docs: list[Prepared] = [prepare_item(scorer.places, it) for it in items]
    bangkok = scorer.relevance(docs)
    sentiments = scorer.sentiment(docs)
    features = np.asarray(
        [
            impact_features(d.signals, float(b), float(s == "neg"))
            for d, b, s in zip(docs, bangkok, sentiments, strict=True)
        ]
    )
    high = np.asarray([int(it["impact"] >= 2) for it in items])
    oof = np.zeros(len(items))
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=0).split(features, high):
        oof[test] = fit_impact(features[train], high[train]).predict_proba(features[test])[:, 1]
    decided = [decide_level(d.signals, float(b), float(p)) for d, b, p in zip(docs, bangkok, oof, strict=True)]
    urgent_gold = [it["impact"] == 3 for it in items]
    urgent_hits = sum(1 for (_, u, _), g in zip(decided, urgent_gold, strict=True) if g and u)
    false_alarms = sum(1 for (_, u, _), g in zip(decided, urgent_gold, strict=True) if u and not g)
    levels = [lv for lv, _, _ in decided]
    return {
        "relevance_f1": round(float(f1_score([it["bangkok"] for it in items], [int(b >= 0.5) for b in bangkok])), 4),
        "impact_roc_auc": round(float(roc_auc_score(high, oof)), 4),
        "urgent_recall": round(urgent_hits / max(1, sum(urgent_gold)), 4),
        "urgent_false_alarms": float(false_alarms),
        "level_exact": round(float(np.mean([lv == it["impact"] for lv, it in zip(levels, items, strict=True)])), 4),
        "devset_n": float(len(items)),
    }


def evaluate_models(
    data_dir: Path, model_dir: Path | None = None, say: Callable[[str], None] = print
) -> dict[str, float]:
    scorer = ModelScorer(model_dir)
    found, missing = locate(data_dir)
    for line in missing:
        say(f"missing data set (its scores are skipped): {line}")
    scores: dict[str, float] = {}
    if "traffy" in found:
        scores.update(evaluate_agencies(scorer, found["traffy"]))
    if "wisesight_valid" in found:
        scores.update(evaluate_sentiment(scorer, found["wisesight_valid"]))
    scores.update(evaluate_devset(scorer, read_devset()))
    return scores


@dataclass
class GateRow:
    group: str
    metric: str
    value: float | None
    floor: float | None

    @property
    def ok(self) -> bool:
        return self.floor is None or (self.value is not None and self.value >= self.floor - 1e-9)


def read_baseline(path: Path | None = None) -> dict[str, Any]:
    path = path or BASELINE
    return dict(yaml.safe_load(path.read_text(encoding="utf-8")) or {})


def check_digests(data_dir: Path, baseline: dict[str, Any]) -> list[str]:
    """Problems with the pinned sets: a set whose digest differs from the pinned one is not the fixed set."""
    from classify.modelstore import file_digest

    problems = []
    pinned = baseline.get("digests") or {}
    for name, digest in pinned.items():
        if name == "devset":
            path = DEVSET
        elif name in SETS:
            path = data_dir / SETS[name]
        else:
            continue
        if not path.exists():
            continue
        actual = file_digest(path) if name != "devset" else hashlib.sha256(path.read_bytes()).hexdigest()
        if actual != digest:
            problems.append(
                f"{path}: sha256 {actual[:12]}… is not the pinned {str(digest)[:12]}… "
                "(a changed evaluation set: re-pin it in classify/baseline.yaml on purpose)"
            )
    return problems


def run_gate(
    data_dir: Path,
    baseline_path: Path | None = None,
    model_dir: Path | None = None,
    say: Callable[[str], None] = print,
) -> tuple[list[GateRow], list[str]]:
    """Every score against its floor, and the problems (digest mismatches) that fail the gate anyway."""
    baseline = read_baseline(baseline_path)
    problems = check_digests(data_dir, baseline)
    scores = evaluate_models(data_dir, model_dir, say=say)
    floors = baseline.get("floors") or {}
    rows = [GateRow("classify", k, v, floors.get(k)) for k, v in scores.items()]
    rows += [
        GateRow("classify", k, None, f)
        for k, f in floors.items()
        if k not in scores and _set_of(k) in locate(data_dir)[0]
    ]
    if importlib.util.find_spec("classify.evaluate_stories") is not None:
        module = importlib.import_module("classify.evaluate_stories")
        story_scores: dict[str, float] = module.evaluate()  # its labelled set ships in the repository
        story_floors = baseline.get("stories") or {}
        rows += [GateRow("stories", k, float(v), story_floors.get(k)) for k, v in story_scores.items()]
        rows += [GateRow("stories", k, None, f) for k, f in story_floors.items() if k not in story_scores]
    return rows, problems


def _set_of(metric: str) -> str:
    if metric.startswith(("agency", "topic")):
        return "traffy"
    if metric.startswith("sentiment"):
        return "wisesight_valid"
    return "traffy"  # devset metrics need no shared set; never reported missing


def format_table(rows: list[GateRow]) -> str:
    header = ("group", "metric", "value", "floor", "")
    body = [
        (
            r.group,
            r.metric,
            "—" if r.value is None else f"{r.value:.4g}",
            "" if r.floor is None else f"{r.floor:.4g}",
            "ok" if r.ok else "BELOW FLOOR",
        )
        for r in rows
    ]
    widths = [max(len(str(x[i])) for x in [header, *body]) for i in range(len(header))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(header, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in body]
    return "\n".join(lines)
