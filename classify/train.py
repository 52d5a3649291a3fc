"""``bkkwatch train``: rebuild the shipped models from the shared data sets and the working group's
decisions in the database.

Sets (under ``--data-dir``, default ``$BKKWATCH_DATA_DIR``): ``traffy/train.jsonl.gz``
(agencies, relevance; district centroids), ``wisesight_sentiment/{train,valid}.jsonl.gz`` (sentiment;
social posts as "not ours" for relevance), ``news_th/articles.jsonl.gz`` (relevance, by the outlet's
section). The repository's development set (``classify/data/devset.jsonl``) trains the impact head; its
items are kept out of every other model's training data, so that it can evaluate relevance honestly.
A model whose sets are missing is kept as shipped, and the report says so.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median
from typing import Any

import numpy as np

from bkkwatch.registry import Registry, shipped_registry
from classify.modelstore import MODEL_DIR, TRAFFY_LICENCE_NOTE, file_digest, save
from classify.places import DATA_DIR, Gazetteer, fix_coordinates, gazetteer
from classify.scorer import (
    FEATURES,
    Prepared,
    features,
    impact_features,
    predict_relevance,
    predict_sentiment,
    prepare,
    prepare_item,
    sentiment_questions,
    sentiment_scores,
)

SETS = {
    "traffy": "traffy/train.jsonl.gz",
    "wisesight_train": "wisesight_sentiment/train.jsonl.gz",
    "wisesight_valid": "wisesight_sentiment/valid.jsonl.gz",
    "news_th": "news_th/articles.jsonl.gz",
}
DEVSET = DATA_DIR / "devset.jsonl"
HOLDOUT_PERCENT = 20  # Traffy tickets held out of the agency model for evaluation (by ticket id)
MIN_AGENCY_EXAMPLES = 3
AGENCY_WEIGHTS_KEPT = 2500
DISTRICT_ALPHA = 0.1  # complement naive Bayes smoothing (validation slice: 0.1 top-3 0.356, 0.3 0.344, 1.0 0.300)
DISTRICT_WEIGHTS_KEPT = 4000  # per district (validation hit@3 from text: all 0.6725, 8000 0.6708, 4000 0.6673)
SEED = 20261124


def default_data_dir() -> Path | None:
    """The data sets named by ``BKKWATCH_DATA_DIR`` (``make`` sets it from ``DATA_DIR``), else None:
    the product ships its models and needs no data set to run, only to retrain or evaluate."""
    from bkkwatch.settings import get_settings

    configured = get_settings().data_dir
    return Path(configured) if configured else None


def locate(data_dir: Path) -> tuple[dict[str, Path], list[str]]:
    """The sets present under data_dir, and a readable line for each one missing."""
    found: dict[str, Path] = {}
    missing: list[str] = []
    for name, rel in SETS.items():
        path = data_dir / rel
        if path.is_file():
            found[name] = path
        else:
            missing.append(f"{name} ({path})")
    return found, missing


def read_jsonl_gz(path: Path) -> list[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def read_devset(path: Path | None = None) -> list[dict[str, Any]]:
    path = path or DEVSET
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def ticket_key(ticket_id: str) -> str:
    """A Traffy ticket id without its ``YYYY-`` prefix (the same ticket appears with and without)."""
    head, _, tail = ticket_id.partition("-")
    return tail if head.isdigit() and len(head) == 4 and tail else ticket_id


def is_holdout(ticket_id: str) -> bool:
    digest = int(hashlib.sha1(("bkkwatch:" + ticket_key(ticket_id)).encode()).hexdigest(), 16)
    return digest % 100 < HOLDOUT_PERCENT


def traffy_records(path: Path, registry: Registry | None = None) -> list[dict[str, Any]]:
    """Traffy rows with their agencies resolved to registry codes (placeholders dropped) and coordinates
    put the right way round."""
    registry = registry or shipped_registry()
    out = []
    for row in read_jsonl_gz(path):
        entries = registry.resolve_many(row.get("organization") or "")
        point = fix_coordinates(row.get("lat"), row.get("lon"))
        out.append(
            {
                "id": str(row["id"]),
                "text": row.get("text") or "",
                "source": "traffy",
                "district": row.get("district"),
                "lat": point[0] if point else None,
                "lon": point[1] if point else None,
                "codes": [e.code for e in entries],
                "type": row.get("type") or [],
                "holdout": is_holdout(str(row["id"])),
            }
        )
    return out


def ticket_district(record: dict[str, Any], gaz: Gazetteer) -> str | None:
    """A ticket's district (bare name): its district field, else the district nearest its coordinates
    (the ``fondue.csv`` rows carry no address; on tickets with both, the nearest centroid is the field's
    district for 82%)."""
    bare = str(record.get("district") or "").removeprefix("เขต").strip()
    if gaz.office_of(bare):
        return bare
    return gaz.district_at(record.get("lat"), record.get("lon")) if record.get("lat") is not None else None


def district_centroids(records: Iterable[dict[str, Any]], gaz: Gazetteer) -> dict[str, list[float]]:
    """Median coordinates of the Traffy tickets of each district (50 numbers pairs; aggregate facts)."""
    points: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for r in records:
        bare = str(r.get("district") or "").removeprefix("เขต").strip()
        if r.get("lat") is not None and gaz.office_of(bare):
            points[bare].append((float(r["lat"]), float(r["lon"])))
    return {
        k: [round(median(p[0] for p in v), 5), round(median(p[1] for p in v), 5)]
        for k, v in sorted(points.items())
        if len(v) >= 3
    }


@dataclass
class TrainingSets:
    """What each model is trained on; built before any fitting so tests can look at it."""

    relevance: list[tuple[dict[str, Any], int]] = field(default_factory=list)
    impact: list[tuple[dict[str, Any], int]] = field(default_factory=list)
    agencies: list[tuple[dict[str, Any], list[str]]] = field(default_factory=list)
    districts: list[tuple[dict[str, Any], str]] = field(default_factory=list)
    sentiment: list[tuple[str, str]] = field(default_factory=list)
    digests: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def build_training_sets(
    data_dir: Path | None,
    decisions: Sequence[dict[str, Any]] = (),
    devset: Sequence[dict[str, Any]] | None = None,
    registry: Registry | None = None,
) -> TrainingSets:
    registry = registry or shipped_registry()
    rng = random.Random(SEED)
    sets = TrainingSets()
    found, sets.missing = (
        locate(data_dir) if data_dir is not None else ({}, [f"{name} (no data directory)" for name in SETS])
    )
    devset = list(devset) if devset is not None else read_devset()
    sets.digests["devset"] = hashlib.sha256(DEVSET.read_bytes()).hexdigest() if DEVSET.exists() else "absent"
    for name, path in found.items():
        sets.digests[name] = file_digest(path)
    held = {item["id"] for item in devset}

    if "traffy" in found:
        records = traffy_records(found["traffy"], registry)
        fit = [r for r in records if not r["holdout"] and f"traffy:{r['id']}" not in held]
        gaz = gazetteer()
        for r in fit:
            if r["codes"]:
                sets.agencies.append((r, r["codes"]))
            place = ticket_district(r, gaz)
            if place:
                sets.districts.append((r, place))
        sample = rng.sample(fit, min(2500, len(fit)))
        sets.relevance.extend((r, 1) for r in sample)
    if "news_th" in found:
        for r in read_jsonl_gz(found["news_th"]):
            if f"news:{r['id']}" in held:
                continue
            item = {
                "id": r["id"],
                "title": r.get("title") or "",
                "text": r.get("text") or "",
                "source": "news",
            }
            sets.relevance.append((item, int(r.get("source_category") == "bangkok")))
    if "wisesight_train" in found:
        rows = read_jsonl_gz(found["wisesight_train"])
        sets.sentiment = [(r["texts"], r["category"]) for r in rows]
        keep = [i for i in range(len(rows)) if f"wisesight:train:{i}" not in held]
        for i in rng.sample(keep, min(3000, len(keep))):
            sets.relevance.append(({"id": f"w{i}", "text": rows[i]["texts"], "source": "social"}, 0))
    for item in devset:
        sets.impact.append((item, int(item["impact"] >= 2)))
    # The working group's decisions: a confirmed candidate is about Bangkok and matters (impact >= 2);
    # a dismissed one did not matter enough; the agencies people set on an issue are the right ones.
    for row in decisions:
        sets.relevance.extend([(row, 1)] * 2 if row["confirmed"] else [])
        sets.impact.extend([(row, int(bool(row["confirmed"])))] * 2)
        if row.get("agencies"):
            sets.agencies.extend([(row, list(row["agencies"]))] * 3)
    if decisions:
        sets.notes.append(f"{len(decisions)} documents from the working group's decisions")
    return sets


def _pipeline(model: Any) -> Any:
    """TF-IDF weights of the shared hashed counts (classify/features.py: no vocabulary to store, a small,
    fast-loading file; the scorer hashes a document once for every model), then the model."""
    from sklearn.feature_extraction.text import TfidfTransformer
    from sklearn.pipeline import Pipeline

    return Pipeline([("tfidf", TfidfTransformer(sublinear_tf=True)), ("model", model)])


SENTIMENT_SVM_SHARE = 0.7  # of the mix of the two models' standardised scores (3-fold CV: 0.5 0.601, 0.7 0.603)


def _fit_nbsvm(binary: Any, questions: Any, y: np.ndarray, classes: Sequence[str]) -> dict[str, np.ndarray]:
    """One-vs-rest NB-SVM (Wang and Manning 2012) on binary counts: each class's SVM reads the counts
    scaled by that class's log-count ratios, rows l2-normalised, and the question cues."""
    import scipy.sparse as sp
    from sklearn.preprocessing import normalize
    from sklearn.svm import LinearSVC

    coef, r2, qcoef, bias = [], [], [], []
    for c in classes:
        mine = y == c
        p = np.asarray(binary[mine].sum(axis=0)).ravel() + 1.0
        q = np.asarray(binary[~mine].sum(axis=0)).ravel() + 1.0
        r = np.log((p / p.sum()) / (q / q.sum())).astype(np.float32)
        x = normalize(sp.hstack([binary @ sp.diags(r), questions], format="csr"))
        svm = LinearSVC(C=0.05, class_weight="balanced", random_state=0).fit(x, mine)
        w = svm.coef_.ravel().astype(np.float32)
        coef.append(r * w[: len(r)])
        r2.append(r * r)
        qcoef.append(w[len(r) :])
        bias.append(float(svm.intercept_[0]))
    return {
        "nb_coef": np.vstack(coef),
        "nb_r2": np.vstack(r2),
        "nb_qcoef": np.vstack(qcoef),
        "nb_bias": np.asarray(bias),
    }


def _fit_sentiment_parts(counts: Any, questions: Any, y: np.ndarray) -> dict[str, Any]:
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import TfidfTransformer
    from sklearn.pipeline import Pipeline
    from sklearn.svm import LinearSVC

    tfidf = TfidfTransformer(sublinear_tf=True).fit(counts)
    svm = LinearSVC(C=0.2, class_weight="balanced", random_state=0)
    svm.fit(sp.hstack([tfidf.transform(counts), questions], format="csr"), y)
    _shrink(svm)
    binary = sp.csr_matrix(counts, copy=True)
    binary.data[:] = 1.0
    return {
        "svm": Pipeline([("tfidf", tfidf), ("model", svm)]),
        # float16 NB-SVM weights and squared ratios keep the file under 6 MB (half the size; the scores move
        # by about 1e-3 of their spread).
        **{
            k: v.astype(np.float16) if k in ("nb_coef", "nb_r2") else v
            for k, v in _fit_nbsvm(binary, questions, y, [str(c) for c in svm.classes_]).items()
        },
        "mix": np.asarray([1.0, 0.0]),
    }


def _fit_sentiment(docs: Sequence[Prepared], labels: Sequence[str]) -> dict[str, Any]:
    """Words and word pairs, and character n-grams of the words: characters carry the spelling play of
    social posts (มากกก, 555, ชิมิ); and the question cues of classify/features.py (the "q" class).
    Two models whose scores are mixed: a linear SVM on TF-IDF weights (balanced class weights, C 0.2 by
    3-fold CV on the train split: 0.1, 0.2, 0.35) and an NB-SVM. Each model's scores are divided by
    their spread on out-of-fold predictions of the train split (3 folds) before they are mixed.
    3-fold CV macro-F1 on the train split: SVM alone 0.591, with the cues 0.596, mixed with the NB-SVM
    0.603."""
    from sklearn.model_selection import StratifiedKFold

    counts = features(docs)
    questions = sentiment_questions(docs)
    y = np.asarray(labels)
    linear, nb = np.zeros((len(y), 4)), np.zeros((len(y), 4))
    for fit, held in StratifiedKFold(3, shuffle=True, random_state=0).split(counts, y):
        part = _fit_sentiment_parts(counts[fit], questions[fit], y[fit])
        part["mix"] = np.asarray([1.0, 0.0])
        linear[held] = sentiment_scores(part, counts[held], questions[held])
        part["mix"] = np.asarray([0.0, 1.0])
        nb[held] = sentiment_scores(part, counts[held], questions[held])
    model = _fit_sentiment_parts(counts, questions, y)
    model["mix"] = np.asarray([SENTIMENT_SVM_SHARE / linear.std(), (1 - SENTIMENT_SVM_SHARE) / nb.std()])
    return model


def words_only(counts: Any) -> Any:
    """The counts with the character n-gram columns emptied."""
    import scipy.sparse as sp

    counts = sp.csr_matrix(counts, copy=True)
    counts.data[counts.indices >= FEATURES.char_start] = 0
    counts.eliminate_zeros()
    return counts


def _fit_relevance(docs: Sequence[Prepared], labels: Sequence[int]) -> Any:
    """Words and word pairs only: character n-grams learn the outlets' and posts' style (relevance F1 on
    the development set 0.87-0.89 with them, 0.915 without). Their columns get IDF weight 0, so the
    shared counts can be passed as they are."""
    from sklearn.linear_model import LogisticRegression

    model = _pipeline(LogisticRegression(C=4.0, max_iter=2000))
    model.fit(words_only(features(docs)), list(labels))
    tfidf = model.named_steps["tfidf"]
    idf = np.array(tfidf.idf_)
    idf[FEATURES.char_start :] = 0.0
    tfidf.idf_ = idf
    _shrink(model.named_steps["model"])
    return model


def _fit_agencies(docs: Sequence[Prepared], labels: Sequence[list[str]]) -> tuple[Any, list[str]]:
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.preprocessing import MultiLabelBinarizer

    counts = Counter(code for codes in labels for code in codes)
    classes = sorted(code for code, n in counts.items() if n >= MIN_AGENCY_EXAMPLES)
    binarizer = MultiLabelBinarizer(classes=classes)
    y = binarizer.fit_transform([[c for c in codes if counts[c] >= MIN_AGENCY_EXAMPLES] for codes in labels])
    model = _pipeline(OneVsRestClassifier(LogisticRegression(C=8.0, solver="liblinear", random_state=0)))
    model.fit(features(docs), y)
    for estimator in model.named_steps["model"].estimators_:
        _prune(estimator, AGENCY_WEIGHTS_KEPT)
    return model, classes


def _fit_districts(topic: Any, docs: Sequence[Prepared], districts: Sequence[str]) -> dict[str, Any]:
    """The text → district model (issue 6): complement naive Bayes (Rennie et al. 2003) over the agency
    model's TF-IDF weights of the shared counts, so that scoring weighs a document's counts once for both.
    Trained on every Traffy ticket of the train split with a district (field or coordinates, routed or not):
    it learns which soi, road, village, market and condo names belong to which district. Stored as a linear
    model: the log-probabilities minus their mean over districts (the same softmax), the
    ``DISTRICT_WEIGHTS_KEPT`` largest per district, float16 CSR arrays. On the validation slice (20% of the train
    split by ticket id, the model fitted on the rest) its top-3 district is right for 0.36 of the
    complaints that name no place (the most frequent three districts: 0.13)."""
    from sklearn.naive_bayes import ComplementNB

    x = topic.named_steps["tfidf"].transform(features(docs))
    nb = ComplementNB(alpha=DISTRICT_ALPHA).fit(x, list(districts))
    logp = np.asarray(nb.feature_log_prob_, dtype=np.float64)
    logp -= logp.mean(axis=0, keepdims=True)
    for row in logp:
        cut = np.partition(np.abs(row), -DISTRICT_WEIGHTS_KEPT)[-DISTRICT_WEIGHTS_KEPT]
        row[np.abs(row) < cut] = 0.0
    import scipy.sparse as sp

    coef = sp.csr_matrix(logp.T.astype(np.float32))  # features x districts
    return {  # scipy.sparse has no float16: the CSR arrays, rebuilt by the scorer
        "data": coef.data.astype(np.float16),
        "indices": coef.indices.astype(np.int32),
        "indptr": coef.indptr.astype(np.int32),
        "shape": np.asarray(coef.shape, dtype=np.int64),
        "districts": [str(c) for c in nb.classes_],
        "scale": 1.0,
    }


def fit_impact(features: np.ndarray, labels: Sequence[int]) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=1.0, max_iter=2000).fit(features, list(labels))


def _prune(estimator: Any, keep: int) -> None:
    """Keep the ``keep`` largest weights of a one-class linear model, stored sparse: a 60-agency model
    fits in a small file, and the weights dropped are the near-zero ones."""
    import scipy.sparse as sp

    coef = np.asarray(estimator.coef_, dtype=np.float32)
    if coef.shape[1] > keep:
        cut = np.partition(np.abs(coef).ravel(), -keep)[-keep]
        coef = np.where(np.abs(coef) >= cut, coef, 0.0).astype(np.float32)
    estimator.coef_ = sp.csr_matrix(coef)


def _shrink(estimator: Any) -> None:
    """float32 coefficients: half the file, the same decisions."""
    if hasattr(estimator, "coef_") and isinstance(estimator.coef_, np.ndarray):
        estimator.coef_ = estimator.coef_.astype(np.float32)


def _base_meta(sets: TrainingSets, used: Sequence[str], **extra: Any) -> dict[str, Any]:
    meta = {
        "features": FEATURES.as_dict(),
        "training_data": {k: sets.digests[k] for k in used if k in sets.digests},
        "data_notes": [TRAFFY_LICENCE_NOTE] if "traffy" in used else [],
        **extra,
    }
    meta["data_notes"] += [
        "wisesight_sentiment: CC0-1.0",
        "news_th: research/testing use; text (c) the outlets",
        "devset: classify/data/devset.jsonl, labelled by one annotator (see README)",
    ]
    return meta


def _timed(say: Callable[[str], None], label: str, func: Callable[[], Any]) -> Any:
    import time

    started = time.perf_counter()
    result = func()
    say(f"  {label}: {time.perf_counter() - started:.1f} s")
    return result


def _where(name: str, out_dir: Path) -> Path:
    """A model just built in out_dir, else the shipped one (kept because its data were missing)."""
    return out_dir if (out_dir / f"{name}.skops").exists() else MODEL_DIR


def train_sentiment(sets: TrainingSets, gaz: Gazetteer, out_dir: Path, say: Callable[[str], None] = print) -> None:
    """Fit and save the sentiment model on the wisesight train split of ``sets``."""
    say(f"sentiment: {len(sets.sentiment)} wisesight posts")
    posts = [prepare(gaz, text, source="social") for text, _ in sets.sentiment]
    labels = [y for _, y in sets.sentiment]
    save(
        "sentiment",
        _timed(say, "fit", lambda: _fit_sentiment(posts, labels)),
        _base_meta(sets, ["wisesight_train"], offsets=[0.0, 0.0, 0.0, 0.0]),
        out_dir,
    )


def refit_impact(sets: TrainingSets, gaz: Gazetteer, out_dir: Path, decisions: int = 0) -> None:
    """Fit and save the impact head on ``sets.impact`` from the outputs of the relevance and sentiment
    models in ``out_dir`` (else the shipped ones): after either is retrained, the head must be too
    (``train_sentiment`` then ``refit_impact`` retrains sentiment alone)."""
    from classify.modelstore import load

    relevance, _ = load("relevance", _where("relevance", out_dir))
    sentiment, sentiment_meta = load("sentiment", _where("sentiment", out_dir))
    docs = [prepare_item(gaz, item) for item, _ in sets.impact]
    counts = features(docs)
    bangkok = predict_relevance(relevance, counts)
    questions = sentiment_questions(docs)
    negative = np.asarray(predict_sentiment(sentiment, counts, questions, sentiment_meta.get("offsets"))) == "neg"
    impact_rows = np.asarray(
        [impact_features(d.signals, float(b), float(n)) for d, b, n in zip(docs, bangkok, negative, strict=True)]
    )
    save(
        "impact",
        fit_impact(impact_rows, [y for _, y in sets.impact]),
        _base_meta(sets, ["devset"], decisions=decisions, n=len(impact_rows)),
        out_dir,
    )


def train_all(
    data_dir: Path | None,
    decisions: Sequence[dict[str, Any]] = (),
    out_dir: Path | None = None,
    say: Callable[[str], None] = print,
    evaluate: bool = True,
) -> dict[str, Any]:
    """Build every model whose data is present, save it, and return a report."""
    from classify.evaluate import evaluate_models

    out_dir = out_dir or MODEL_DIR
    gaz = gazetteer()
    sets = build_training_sets(data_dir, decisions)
    for line in sets.missing:
        say(f"missing data set: {line}")
    report: dict[str, Any] = {"trained": [], "kept": [], "missing": sets.missing}
    if sets.sentiment:
        train_sentiment(sets, gaz, out_dir, say)
        report["trained"].append("sentiment")
    else:
        report["kept"].append("sentiment")
    if "traffy" in sets.digests:
        records = traffy_records(data_dir / SETS["traffy"])  # type: ignore[operator]
        centroids = district_centroids(records, gaz)
        (DATA_DIR / "district_centroids.json").write_text(
            json.dumps(
                {
                    "source": "median coordinates of Traffy Fondue tickets per district "
                    "(the data sets' traffy/, "
                    "licence not stated upstream); aggregate facts only",
                    "centroids": centroids,
                },
                ensure_ascii=False,
                indent=0,
            )
            + "\n",
            encoding="utf-8",
        )
    shared = {"traffy", "news_th", "wisesight_train"} & set(sets.digests)
    if shared and len({y for _, y in sets.relevance}) == 2:
        say(f"relevance: {len(sets.relevance)} items")
        docs = [prepare_item(gaz, item) for item, _ in sets.relevance]
        save(
            "relevance",
            _timed(say, "fit", lambda: _fit_relevance(docs, [y for _, y in sets.relevance])),
            _base_meta(sets, ["traffy", "news_th", "wisesight_train"], decisions=len(decisions)),
            out_dir,
        )
        report["trained"].append("relevance")
    else:
        report["kept"].append("relevance")
    if "traffy" in sets.digests and sets.agencies:  # decisions alone are too few to replace the model
        say(f"agencies: {len(sets.agencies)} routed complaints (held-out {HOLDOUT_PERCENT}% by ticket id kept out)")
        docs = [prepare_item(gaz, item) for item, _ in sets.agencies]
        model, classes = _timed(say, "fit", lambda: _fit_agencies(docs, [codes for _, codes in sets.agencies]))
        # The district model reads the text alone: the tickets' districts are its labels, not its input.
        say(f"districts: {len(sets.districts)} tickets with a district (field or coordinates)")
        placed = [prepare(gaz, str(item.get("text") or ""), source="traffy") for item, _ in sets.districts]
        districts = _timed(say, "fit", lambda: _fit_districts(model, placed, [name for _, name in sets.districts]))
        save(
            "agencies",
            {"topic": model, "districts": districts},
            _base_meta(
                sets,
                ["traffy"],
                classes=classes,
                decisions=len(decisions),
                district_model={
                    "kind": "complement naive Bayes on the topic model's TF-IDF weights, pruned",
                    "alpha": DISTRICT_ALPHA,
                    "weights_kept_per_district": DISTRICT_WEIGHTS_KEPT,
                    "tickets": len(sets.districts),
                    "labels": "Traffy district field, else the district nearest the coordinates",
                    "districts": len(districts["districts"]),
                },
            ),
            out_dir,
        )
        report["trained"].append("agencies")
    else:
        report["kept"].append("agencies")
    # The impact head reads the relevance and sentiment models' outputs: fit it with the ones just saved.
    refit_impact(sets, gaz, out_dir, len(decisions))
    report["trained"].append("impact")
    complete = all((out_dir / f"{name}.skops").exists() for name in ("relevance", "sentiment", "agencies"))
    if evaluate and data_dir is not None and complete:
        scores = evaluate_models(data_dir, out_dir, say=say)
        for name in ("relevance", "sentiment", "impact", "agencies"):
            path = out_dir / f"{name}.meta.json"
            meta = json.loads(path.read_text(encoding="utf-8"))
            meta["evaluation"] = scores
            path.write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        report["evaluation"] = scores
    return report
