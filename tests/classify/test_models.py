"""The shipped models: loading checks, scoring on real-looking items, the command-line contract."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from classify.modelstore import MODEL_DIR, ModelError, load, save
from classify.scorer import ModelScorer, default_model_scorer

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def scorer() -> ModelScorer:
    return default_model_scorer()


def test_save_and_load_round_trip_with_metadata(tmp_path: Path) -> None:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression().fit([[0.0], [1.0]], [0, 1])
    save("tiny", model, {"training_data": {"x": "abc"}, "data_notes": ["note"]}, tmp_path)
    loaded, meta = load("tiny", tmp_path)
    assert loaded.predict([[1.0]])[0] == 1
    assert meta["training_data"] == {"x": "abc"} and "scikit-learn" in meta["versions"]
    assert meta["created"] and meta["file_sha256"]


def test_loading_refuses_other_library_versions(tmp_path: Path) -> None:
    from sklearn.linear_model import LogisticRegression

    save("tiny", LogisticRegression().fit([[0.0], [1.0]], [0, 1]), {}, tmp_path)
    path = tmp_path / "tiny.meta.json"
    meta = json.loads(path.read_text())
    meta["versions"]["scikit-learn"] = "0.24.2"
    path.write_text(json.dumps(meta))
    with pytest.raises(ModelError, match=r"scikit-learn 0\.24\.2 \(saved\).*bkkwatch train"):
        load("tiny", tmp_path)


def test_loading_refuses_a_changed_file(tmp_path: Path) -> None:
    from sklearn.linear_model import LogisticRegression

    save("tiny", LogisticRegression().fit([[0.0], [1.0]], [0, 1]), {}, tmp_path)
    (tmp_path / "tiny.skops").write_bytes(b"not a model")
    with pytest.raises(ModelError, match="digest"):
        load("tiny", tmp_path)


def test_shipped_models_are_small_and_carry_their_metadata() -> None:
    for name in ("relevance", "sentiment", "impact", "agencies"):
        assert (MODEL_DIR / f"{name}.skops").stat().st_size < 6 * 2**20, name
        meta = json.loads((MODEL_DIR / f"{name}.meta.json").read_text(encoding="utf-8"))
        assert meta["versions"]["scikit-learn"] and meta["training_data"] and meta["created"]
    agencies = json.loads((MODEL_DIR / "agencies.meta.json").read_text(encoding="utf-8"))
    assert any("licence NOT stated" in note for note in agencies["data_notes"])


def test_a_flooded_bangkok_street_is_relevant_urgent_and_routed(scorer: ModelScorer) -> None:
    result = scorer.score(
        "น้ำท่วมขังสูง 50 ซม. บนถนนรัชดาภิเษก หน้าสถานีรัชดาภิเษก เขตห้วยขวาง รถเล็กผ่านไม่ได้ "
        "ชาวบ้านเดือดร้อน ร้องเรียนสำนักงานเขตแล้วไม่มีการแก้ไข",
        "น้ำท่วมรัชดา",
        {"shares": 800, "comments": 300},
        "news",
    )
    assert result.bangkok >= 0.7
    assert result.level == 3 and result.urgent and result.impact >= 0.85
    names = [a["name"] for a in result.agencies]
    assert "สำนักงานเขตห้วยขวาง" in names[:3] and "สำนักการระบายน้ำ" in names
    assert all(isinstance(a["external"], bool) for a in result.agencies)
    assert result.places[0] == "ห้วยขวาง"
    assert "เขตห้วยขวาง" in result.explanation and "ยอดแชร์สูง" in result.explanation


def test_another_province_and_a_product_post_are_not_ours(scorer: ModelScorer) -> None:
    udon = scorer.score("ฝนตกหนักในตัวเมืองอุดรธานี น้ำท่วมหลายชุมชน จ.อุดรธานี เทศบาลเร่งระบายน้ำ", "", None, "news")
    assert udon.bangkok < 0.5 and udon.level == 0 and udon.agencies == []
    assert "จังหวัดอื่น: อุดรธานี" in udon.explanation
    post = scorer.score("รีวิวลิปสติกสีใหม่ ติดทนมาก ชอบมากกก 😍", source_kind="social")
    assert post.bangkok < 0.5 and post.sentiment == "pos" and not post.urgent


def test_location_puts_the_district_office_first(scorer: ModelScorer) -> None:
    with_field = scorer.score("ไฟส่องสว่างในซอยดับ มืดมาก", source_kind="traffy", district="บางแค")
    assert with_field.agencies[0]["name"] == "สำนักงานเขตบางแค"
    swapped = scorer.score("ไฟส่องสว่างในซอยดับ มืดมาก", source_kind="traffy", lat=100.5532, lon=13.8024)
    assert swapped.agencies[0]["name"] == "สำนักงานเขตจตุจักร" and swapped.places == ["จตุจักร"]


@pytest.mark.parametrize(
    ("text", "office"),
    [
        ("ฝาท่อชำรุด ซอยสายลม 3", "สำนักงานเขตพญาไท"),
        ("ไฟฟ้าส่องสว่างในซอยสุภาพงษ์ 1 ดับหลายจุด มืดมาก", "สำนักงานเขตพระโขนง"),
        ("ทางเท้าชำรุดหน้าคอนโดไอวี่ริเวอร์ เดินลำบาก", "สำนักงานเขตบางคอแหลม"),
    ],
)
def test_a_soi_or_condo_the_gazetteer_does_not_know_still_ranks_its_district_office(
    scorer: ModelScorer, text: str, office: str
) -> None:
    """Issue 6: from the text alone, the district model knows which district a soi or condo belongs to
    (names that Traffy complaints of the train split give with their district)."""
    doc = scorer.prepare(text, source="traffy")
    assert doc.signals.places.district_names == []  # no district, road or landmark the gazetteer knows
    names = [a["name"] for a in scorer.agency_scores([doc], use_location=False)[0]]
    assert office in names[:3]


def test_district_guesses_give_way_to_a_named_place_and_to_the_location(scorer: ModelScorer) -> None:
    assert scorer.district_model is not None
    named = scorer.prepare("ฝาท่อชำรุด ซอยสายลม 3 เขตบางแค", source="traffy")
    located = scorer.prepare("ฝาท่อชำรุด ซอยสายลม 3", source="traffy", district="บางแค")
    counts = scorer.counts([named, located])
    from classify.scorer import _weighted

    weighted = _weighted(scorer.models["agencies"], counts)
    assert scorer.district_guesses([named, located], weighted, use_location=True) == [None, None]
    for doc in (named, located):
        assert scorer.agency_scores([doc])[0][0]["name"] == "สำนักงานเขตบางแค"


def test_a_news_round_up_of_roads_keeps_its_weak_places_as_they_are(scorer: ModelScorer) -> None:
    """The district model (learnt from complaints about one spot) does not reorder a news report's weak
    places: a traffic report naming Sukhumvit and Bang Na lists no district office the text does not name
    and none above the weak prior, while the same words as a complaint are lifted."""
    text = "ถ.สุขุมวิทมุ่งบางนามีรถมาก แต่ยังเคลื่อนตัวได้เรื่อยๆ ถนนสุขุมวิท ขาออก รถติดสะสม"
    named = {f"สำนักงานเขต{n}" for n in scorer.prepare(text, source="news").signals.places.district_names}
    news = scorer.agency_scores([scorer.prepare(text, source="news")], use_location=False)[0]
    complaint = scorer.agency_scores([scorer.prepare(text, source="traffy")], use_location=False)[0]
    offices = [a for a in news if a["name"].startswith("สำนักงานเขต")]
    assert offices and all(a["name"] in named for a in offices)
    assert max(a["score"] for a in offices) <= 0.75
    assert max(a["score"] for a in complaint if a["name"].startswith("สำนักงานเขต")) > 0.75


@pytest.mark.parametrize("text", ["น้ำท่วมขัง ถนนเพชรเกษม ซอย 69", "ไฟดับ ถนนพระราม 2 ซอย 50"])
def test_a_road_through_several_districts_is_ordered_by_the_district_model(scorer: ModelScorer, text: str) -> None:
    """A text whose only places are weak (a road through several districts) is read by the district model
    too: the road's district the model finds likeliest comes first, ahead of the topic agencies, and every
    score stays a number from 0 to 1."""
    from classify.scorer import _weighted

    assert scorer.district_model is not None
    doc = scorer.prepare(text, source="traffy")
    places = doc.signals.places
    assert len(places.district_names) >= 2 and not any(h.strong for h in places.districts)
    weighted = _weighted(scorer.models["agencies"], scorer.counts([doc]))
    [guess] = scorer.district_guesses([doc], weighted, use_location=False)
    assert guess is not None
    index = {n: i for i, n in enumerate(scorer.district_model["districts"])}
    likeliest = max(places.district_names, key=lambda n: guess[index[n]])
    ranked = scorer.agency_scores([doc], use_location=False)[0]
    assert ranked[0]["name"] == scorer.places.office_of(likeliest)
    assert all(0.0 <= a["score"] <= 1.0 for a in ranked)
    # With a location the road's other districts do not lead.
    located = scorer.prepare(text, source="traffy", district="หนองแขม")
    assert scorer.agency_scores([located])[0][0]["name"] == "สำนักงานเขตหนองแขม"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ROOT / ".venv" / "bin" / "bkkwatch"), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )


def test_score_command_keeps_order_and_names_the_malformed_line(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    rows = [
        {
            "id": "a",
            "text": "ขยะล้นถังหน้าตลาดบางกะปิ ส่งกลิ่นเหม็น",
            "source": "traffy",
            "engagement": {"likes": 3, "shares": 0, "comments": 1},
        },
        "{not json",
        {"id": "b", "text": "ขายรถมือสอง สภาพดี", "title": "ขายรถ", "lat": 13.75, "lon": 100.5},
        {"text": "no id"},
    ]
    source.write_text(
        "\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows) + "\n",
        encoding="utf-8",
    )
    target = tmp_path / "out.jsonl"
    done = _run("score", "--input", str(source), "--output", str(target))
    assert done.returncode == 2
    assert "line 2" in done.stderr and "line 4" in done.stderr and "Traceback" not in done.stderr
    out = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert [o["id"] for o in out] == ["a", "b"]
    for o in out:
        assert set(o) >= {
            "bangkok",
            "sentiment",
            "impact",
            "level",
            "urgent",
            "agencies",
            "places",
            "explanation",
        }
        assert o["sentiment"] in ("pos", "neu", "neg", "q") and isinstance(o["level"], int)
    assert out[0]["bangkok"] > out[1]["bangkok"]


def test_score_command_missing_input_is_one_line(tmp_path: Path) -> None:
    done = _run("score", "--input", str(tmp_path / "nope.jsonl"), "--output", str(tmp_path / "o.jsonl"))
    assert done.returncode == 2 and "nope.jsonl" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "o.jsonl").exists()


def test_models_from_other_versions_are_refused_by_the_command(tmp_path: Path) -> None:
    copy = tmp_path / "models"
    shutil.copytree(MODEL_DIR, copy)
    meta = json.loads((copy / "sentiment.meta.json").read_text())
    meta["versions"]["numpy"] = "1.0.0"
    (copy / "sentiment.meta.json").write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="numpy"):
        ModelScorer(copy)
    assert sys.version_info >= (3, 11)


def test_the_district_model_is_fitted_on_text_and_stored_small() -> None:
    """_fit_districts: a linear model over the topic model's TF-IDF weights, kept as float16 CSR arrays that
    the scorer rebuilds; a text naming a soi seen only in one district's tickets goes to that district."""
    import numpy as np

    from classify.places import gazetteer
    from classify.scorer import _district_weights, features, prepare
    from classify.train import _fit_agencies, _fit_districts

    gaz = gazetteer()
    tickets = [
        ("ไฟดับในซอยสุภาพงษ์ 1 มืดมาก", "พระโขนง", ["district-1009"]),
        ("ขยะล้นถังหน้าซอยสุภาพงษ์ 3", "พระโขนง", ["district-1009"]),
        ("ฝาท่อแตกในซอยสายลม 3", "พญาไท", ["district-1014"]),
        ("ทางเท้าชำรุดซอยสายลม 1", "พญาไท", ["district-1014"]),
        ("ต้นไม้ล้มขวางถนนในซอยโพธิ์แก้ว 3", "บึงกุ่ม", ["district-1027"]),
        ("น้ำท่วมขังหน้าหมู่บ้านในซอยโพธิ์แก้ว 5", "บึงกุ่ม", ["district-1027"]),
    ]
    docs = [prepare(gaz, text, source="traffy") for text, _, _ in tickets]
    topic, _ = _fit_agencies(docs * 3, [codes for _, _, codes in tickets] * 3)
    model = _fit_districts(topic, docs, [d for _, d, _ in tickets])
    assert model["data"].dtype == np.float16 and model["districts"] == sorted({d for _, d, _ in tickets})
    weights = _district_weights(model)
    assert weights.shape == (int(model["shape"][0]), 3)
    query = prepare(gaz, "ไฟทางเดินในซอยสายลม 2 ไม่ติด", source="traffy")
    scores = np.asarray((topic.named_steps["tfidf"].transform(features([query])) @ weights).todense()).ravel()
    assert model["districts"][int(scores.argmax())] == "พญาไท"


_BATCH_TEXTS = [
    ("ฝาท่อชำรุด ซอยสายลม 3 เขตบางแค", {"source": "traffy"}),
    ("ฝาท่อชำรุด ซอยสายลม 3", {"source": "traffy", "district": "บางแค"}),
    ("น้ำท่วมขังถนนสุขุมวิท ไฟจราจรดับ ขยะล้น", {"source": "traffy", "lat": 13.73, "lon": 100.52}),
    ("วันนี้อากาศดีมาก ไปเที่ยวทะเลกับเพื่อน", {"source": "social"}),  # likely no agency above threshold
    ("", {}),
    ("ไฟฟ้าส่องสว่างในซอยสุภาพงษ์ 1 ดับหลายจุด มืดมาก น้ำท่วม ไฟจราจร", {"source": "traffy"}),
]


@pytest.mark.parametrize("use_location", [True, False])
def test_batch_agency_ranking_equals_the_per_document_one(scorer: ModelScorer, use_location: bool) -> None:
    """agency_scores thresholds the whole batch's probabilities at once; rank_agencies alone (a row of
    probabilities, no ``above``) must rank every document the same, ties and empty rows included."""
    import numpy as np
    from scipy.special import expit

    from classify.scorer import _weighted

    docs = [scorer.prepare(text, **kw) for text, kw in _BATCH_TEXTS]
    weighted = _weighted(scorer.models["agencies"], scorer.counts(docs))
    assert scorer._agency_fast is not None
    _, weights, intercepts = scorer._agency_fast
    probs = expit(weighted @ weights + intercepts)
    guesses = scorer.district_guesses(docs, weighted, use_location)
    expected = [scorer.rank_agencies(d, row, use_location, g) for d, row, g in zip(docs, probs, guesses, strict=True)]
    assert scorer.agency_scores(docs, use_location=use_location) == expected
    # No agency at or above the threshold, and ties between topic-word floors: the same either way.
    for doc in docs:
        empty = np.zeros(len(scorer.agency_codes))
        assert scorer.rank_agencies(doc, empty, use_location, above=[]) == scorer.rank_agencies(
            doc, empty, use_location
        )
        flat = np.full(len(scorer.agency_codes), 0.4)
        above = list(enumerate(flat.tolist()))
        assert scorer.rank_agencies(doc, flat.tolist(), use_location, above=above) == scorer.rank_agencies(
            doc, flat, use_location
        )


def test_one_pass_preparation_scores_the_same(scorer: ModelScorer) -> None:
    """Documents prepared through the scorer's one automaton pass (places, signals, topic words and
    agency names) score as documents whose every word list is scanned on its own."""
    from classify.scorer import prepare

    texts: list[tuple[str, dict[str, Any]]] = [
        *_BATCH_TEXTS,  # type: ignore[list-item]
        ("สำนักการระบายน้ำ ลอกท่อ ถนนพระราม 4 เขตคลองเตย PM2.5 สูง แจ้ง กทม. หลายครั้ง", {"source": "news"}),
        ("ไฟไหม้ตึกย่านสีลม ไม่มีผู้บาดเจ็บ Bangkok, จ.นนทบุรี", {"source": "social"}),
    ]
    one_pass = [scorer.prepare(text, **kw) for text, kw in texts]
    assert all(d.scan is scorer.scan and d.occurrences is not None for d in one_pass)
    apart = [prepare(scorer.places, text, **kw) for text, kw in texts]
    assert all(d.occurrences is None for d in apart)
    assert [d.signals for d in one_pass] == [d.signals for d in apart]
    assert scorer.relevance(one_pass).tolist() == scorer.relevance(apart).tolist()
    assert scorer.relevance(one_pass)[-3] >= 0.6  # names an agency: the floor, found in the one pass
    assert scorer.agency_scores(one_pass) == scorer.agency_scores(apart)
    assert scorer.score_prepared(one_pass) == scorer.score_prepared(apart)


def test_compact_weights_give_the_sparse_product_bit_for_bit(scorer: ModelScorer) -> None:
    """_CompactWeights (a dense block of the used feature rows) against sparse x sparse: the same float32
    values exactly, for the district model's weights and for rows with unsorted or no entries, with the
    block's rows in feature order or in IDF order."""
    import numpy as np
    import scipy.sparse as sp

    from classify.scorer import _CompactWeights, _weighted

    assert scorer._district_weights is not None
    docs = [scorer.prepare(text, **kw) for text, kw in _BATCH_TEXTS]
    weighted = sp.csr_matrix(_weighted(scorer.models["agencies"], scorer.counts(docs)))
    compact = _CompactWeights(scorer._district_weights)
    expected = np.asarray((weighted @ scorer._district_weights).todense())
    assert np.array_equal(np.asarray(weighted @ compact), expected)
    shuffled = weighted.copy()
    for i in range(shuffled.shape[0]):  # the same entries, each row's order reversed
        lo, hi = shuffled.indptr[i], shuffled.indptr[i + 1]
        shuffled.indices[lo:hi] = shuffled.indices[lo:hi][::-1].copy()
        shuffled.data[lo:hi] = shuffled.data[lo:hi][::-1].copy()
    shuffled.has_sorted_indices = False
    assert np.array_equal(np.asarray(shuffled @ compact), expected)
    # The block's rows laid out by IDF (as the scorer keeps them): the same sums, in the same order.
    idf = scorer.models["agencies"].named_steps["tfidf"].idf_
    ordered = _CompactWeights(scorer._district_weights, idf)
    assert not np.all(np.diff(ordered.column[ordered.column >= 0]) > 0)  # not in feature order
    assert np.array_equal(np.asarray(weighted @ ordered), expected)
    assert np.array_equal(np.asarray(shuffled @ ordered), expected)


def test_score_many_leaves_the_garbage_collector_as_it_found_it(scorer: ModelScorer) -> None:
    """score_many holds the cyclic collector off during each batch only: on after if it was on, off if it
    was off, on again after an error."""
    import gc

    items = [{"text": "น้ำท่วมขังหน้าบ้าน เขตบางแค", "source": "traffy"}, {"text": "ร้านนี้เปิดไหมคะ"}]
    assert gc.isenabled()
    first = scorer.score_many(items, batch=1)
    assert gc.isenabled()
    gc.disable()
    try:
        assert scorer.score_many(items) == first
        assert not gc.isenabled()
    finally:
        gc.enable()
    with pytest.raises(AttributeError):
        scorer.score_many([{"text": "x", "engagement": "not a mapping"}])
    assert gc.isenabled()


@pytest.mark.parametrize("use_location", [True, False])
def test_agency_scores_of_some_documents_equal_those_of_the_whole_batch(
    scorer: ModelScorer, use_location: bool
) -> None:
    """score_prepared ranks agencies only for the items that list them (``wanted``): the same rankings as
    in the whole batch for those, empty lists for the others (none wanted, all wanted, some)."""
    docs = [scorer.prepare(text, **kw) for text, kw in _BATCH_TEXTS]
    counts = scorer.counts(docs)
    full = scorer.agency_scores(docs, use_location=use_location, counts=counts)
    for wanted in (
        [False] * len(docs),
        [True] * len(docs),
        [i % 2 == 0 for i in range(len(docs))],
        [i in (1, 3) for i in range(len(docs))],
    ):
        got = scorer.agency_scores(docs, use_location=use_location, counts=counts, wanted=wanted)
        assert got == [f if w else [] for f, w in zip(full, wanted, strict=True)]


def test_impact_rows_of_a_batch_are_the_per_document_features(scorer: ModelScorer) -> None:
    """impact_rows (the dense features of a batch divided at once) gives, bit for bit, the rows that
    impact_features gives one document at a time: places, word lists, engagement, sources and locations."""
    import numpy as np

    from classify.scorer import impact_features, impact_rows

    texts: list[tuple[str, dict[str, Any]]] = [
        *_BATCH_TEXTS,  # type: ignore[list-item]
        ("น้ำท่วมสูง เข้าบ้าน เขตบางรัก เขตสาทร แขวงสีลม สยาม กทม. กรุงเทพฯ จ.นนทบุรี จ.ตาก หลายครั้ง", {}),
        ("ขยะ กลิ่นเหม็น ท่อตัน ไฟดับ PM2.5 ขอบคุณ ชื่นชม แจ้งแล้ว", {"source": "traffy", "district": "บางรัก"}),
        ("ไฟไหม้ มีผู้บาดเจ็บ", {"engagement": {"likes": 25000, "shares": 10, "comments": 3}, "source": "pantip"}),
        ("ถนนพัง", {"engagement": {"likes": 7, "shares": 301, "comments": 0}, "lat": 13.72, "lon": 100.52}),
        ("", {"engagement": {"likes": "x", "comments": 160}, "source": "news"}),
    ]
    docs = [scorer.prepare(text, **kw) for text, kw in texts]
    bangkok = np.linspace(0.0, 1.0, len(docs)) ** 3
    sentiments = (["neg", "pos", "neu", "q"] * len(docs))[: len(docs)]
    expected = np.asarray(
        [
            impact_features(d.signals, b, float(s == "neg"))
            for d, b, s in zip(docs, bangkok.tolist(), sentiments, strict=True)
        ]
    )
    got = impact_rows(docs, bangkok, sentiments)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    assert np.array_equal(got, expected)
    assert len({tuple(row) for row in expected[:, :16].tolist()}) == len(docs)  # varied rows, not all zeros
    assert impact_rows([], np.zeros(0), []).shape == (0, expected.shape[1])


def test_compact_products_weight_inside_the_kernel_bit_for_bit(scorer: ModelScorer) -> None:
    """Counts.compact_products (the TF-IDF weighting of the selected rows done inside the product) against
    the weighted matrix's products: the same float32 agency and district logits, for all rows and for some."""
    import numpy as np

    from classify.scorer import _weighted

    assert scorer._agency_fast is not None and scorer._district_block is not None
    tfidf, weights, _ = scorer._agency_fast
    docs = [scorer.prepare(text, **kw) for text, kw in _BATCH_TEXTS]
    counts = scorer.counts(docs)
    for rows in (None, np.array([1, 3]), np.array([len(docs) - 1])):
        weighted = _weighted(scorer.models["agencies"], counts, rows)
        for need in ([], [0], list(range(weighted.shape[0]))):
            fused = counts.compact_products(tfidf, rows, weights, need, scorer._district_block)
            assert fused is not None
            logits, district = fused
            assert logits.dtype == np.float32 and np.array_equal(logits, weighted @ weights)
            if need:
                assert district is not None and np.array_equal(district, weighted[need] @ scorer._district_block)
            else:
                assert district is None
