"""The sentiment model's question cues (classify/features.py) and its NB-SVM half, whose class ratios
are folded into its weights for scoring (classify/scorer.py)."""

from __future__ import annotations

import re

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import normalize
from sklearn.svm import LinearSVC

from classify.features import (
    _MARKS,
    N_QUESTION_FEATURES,
    QUESTION_CUES,
    QUESTION_TAIL,
    QUESTION_WEIGHT,
    question_features,
)
from classify.scorer import ModelScorer, default_model_scorer, sentiment_questions, sentiment_scores
from classify.train import _fit_nbsvm

N = len(QUESTION_CUES)


def _cues(row: sp.csr_matrix) -> tuple[set[str], set[str]]:
    cols = set(row.indices.tolist())
    return {QUESTION_CUES[j] for j in cols if j < N}, {QUESTION_CUES[j - N] for j in cols if N <= j < 2 * N}


def test_question_particles_at_the_end_are_cues_of_the_end() -> None:
    x = question_features(["ร้านนี้เปิดวันอาทิตย์ไหมคะ", "ไหมพรมสีสวยมาก ซื้อมาถักผ้าพันคอให้แม่ ชอบมากเลย"])
    assert x.shape == (2, N_QUESTION_FEATURES)
    anywhere, end = _cues(x[0])
    assert {"ไหม", "คะ"} <= anywhere and {"ไหม", "คะ"} <= end
    anywhere, end = _cues(x[1])
    assert "ไหม" in anywhere and "ไหม" not in end  # at the start of a long post: not its end
    assert np.allclose(x.data, QUESTION_WEIGHT)


def test_a_cue_followed_by_a_mark_is_another_word() -> None:
    # ไหม้ (burn) and ใหม่ (new) are not ไหม; เที่ยว is not a cue at all.
    x = question_features(["ไฟไหม้ตึกใหม่ ไปเที่ยวกัน"])
    assert x.nnz == 0


def _plain_question_features(texts: list[str]) -> sp.csr_matrix:
    """The question features as first written: per casefolded text, one regular expression per cue (the
    cue not followed by a mark) over the text, and over its tail (the last QUESTION_TAIL characters
    before its trailing run of characters that are not alphanumeric, or are "_"); the question marks."""
    patterns = [re.compile(re.escape(cue) + f"(?![{_MARKS}])") for cue in QUESTION_CUES]
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    for i, raw in enumerate(texts):
        text = raw.casefold()
        tail = re.sub(r"[\W_]+\Z", "", text)[-QUESTION_TAIL:]
        for j, pattern in enumerate(patterns):
            if pattern.search(text):
                rows.append(i), cols.append(j), vals.append(1.0)
                if pattern.search(tail):
                    rows.append(i), cols.append(N + j), vals.append(1.0)
        marks = text.count("?") + text.count("？")
        if marks:
            rows.append(i), cols.append(2 * N), vals.append(min(marks, 3) / 3)
            if text.rstrip().endswith(("?", "？")):
                rows.append(i), cols.append(2 * N + 1), vals.append(1.0)
    data = np.asarray(vals, dtype=np.float32) * np.float32(QUESTION_WEIGHT)
    return sp.csr_matrix((data, (rows, cols)), shape=(len(texts), N_QUESTION_FEATURES), dtype=np.float32)


def _assert_identical(texts: list[str]) -> None:
    got, expected = question_features(texts), _plain_question_features(texts)
    assert got.shape == expected.shape and got.dtype == expected.dtype == np.float32
    for name in ("indptr", "indices", "data"):
        a, b = getattr(got, name), getattr(expected, name)
        assert a.dtype == b.dtype and np.array_equal(a, b), name


def test_the_compiled_features_are_those_of_the_regular_expressions() -> None:
    """Random texts of cues, pieces of cues, marks, question marks, spaces, punctuation and characters
    that casefold changes (some into two or three characters, not all of them alphanumeric)."""
    rng = np.random.default_rng(6)
    pieces = [*QUESTION_CUES, *(cue[:k] for cue in QUESTION_CUES for k in range(1, len(cue)))]
    pieces += [*"\u0e48\u0e49\u0e4a\u0e4b\u0e31\u0e34\u0e35\u0e47\u0e4c\u0e3a"]  # marks
    pieces += [*"??？？ \n\t\u3000.,!_-()", "...", "ß", "İ", "ﬁ", "ΐ", "ŉ", "ǰ", "Σ", "A", "k", "7", "๙"]
    pieces += ["ร้าน", "ไฟ", "ใหม่", "ดี", "🙏🏻", "😂", "\x00", "\ud800", "𐐀", "ＡＢ"]
    texts = ["", "?", "ไหม", "ไหม้", "ไหม ไหม้", "ไหม้ ไหม", "ไหมİ", "ไหม" + "ß" * 12, "ไหม" + "ß" * 9]
    for _ in range(3000):
        texts.append("".join(rng.choice(pieces, size=int(rng.integers(0, 16)))))
    _assert_identical(texts)
    for k in range(0, len(texts), 700):  # batches of any size, a text's row whatever its neighbours
        _assert_identical(texts[k : k + 700])
    _assert_identical([])


def test_the_compiled_features_of_real_texts() -> None:
    import json
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "classify" / "data" / "devset.jsonl"
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    texts = [f"{it.get('title') or ''}\n{it.get('text') or ''}" for it in items]
    texts += [t[-k:] for t in texts[:100] for k in (30, 60)]
    _assert_identical(texts)


def test_the_character_table_of_every_code_point() -> None:
    """What the compiled loop assumes of Unicode: the table holds each code point's casefold length,
    which of its characters are kept at the end (alphanumeric, not "_"), and whether it is a space, a
    mark or a question mark; above the table's end, none is any of these or changed by casefold; and
    casefold leaves the Thai block, the spaces and the question marks alone and makes none of them."""
    import sys

    from classify.features import _CHAR_LIMIT, _CHARS, _THAI

    mark = re.compile(f"[{_MARKS}]")
    assert all(_THAI <= ord(c) < _THAI + 128 for c in mark.findall("".join(map(chr, range(sys.maxunicode + 1)))))
    special = {ord(c) for c in "?？"} | {c for c in range(_THAI, _THAI + 128)}
    for c in range(sys.maxunicode + 1):
        ch = chr(c)
        folded = ch.casefold()
        if c >= _CHAR_LIMIT:
            assert folded == ch and not ch.isalnum() and not ch.isspace() and c not in special
            continue
        kept = sum(1 << k for k, f in enumerate(folded) if f.isalnum() and f != "_")
        flags = kept | len(folded) << 3 | ch.isspace() << 5 | bool(mark.match(ch)) << 6 | (ch in "?？") << 7
        assert _CHARS[c] == flags, hex(c)
        if folded != ch:
            assert not ch.isspace() and c not in special
            assert not any(f.isspace() or ord(f) in special for f in folded), hex(c)


def test_question_marks_count_and_end() -> None:
    x = question_features(["จริง??", "จริง? ไม่เชื่อ", "จริงค่ะ"]).toarray()
    assert x[0, 2 * N] == pytest.approx(QUESTION_WEIGHT * 2 / 3) and x[0, 2 * N + 1] == pytest.approx(QUESTION_WEIGHT)
    assert x[1, 2 * N] == pytest.approx(QUESTION_WEIGHT / 3) and x[1, 2 * N + 1] == 0
    assert not x[2].any()


def test_the_folded_nbsvm_gives_the_nbsvm_scores() -> None:
    rng = np.random.default_rng(0)
    counts = sp.random(80, 40, density=0.2, format="csr", random_state=1, dtype=np.float32)
    binary = counts.copy()
    binary.data[:] = 1.0
    questions = question_features(["กี่บาทคะ?" if i % 4 == 0 else "ดีมาก" for i in range(80)])
    classes = ["neg", "neu", "pos", "q"]
    y = np.asarray([classes[i % 4] if rng.random() < 0.8 else "neu" for i in range(80)])
    folded = _fit_nbsvm(binary, questions, y, classes)
    expected = np.zeros((80, 4))
    for j, c in enumerate(classes):  # the textbook form: scale by the log-count ratios, normalise, SVM
        p = np.asarray(binary[y == c].sum(axis=0)).ravel() + 1.0
        q = np.asarray(binary[y != c].sum(axis=0)).ravel() + 1.0
        r = np.log((p / p.sum()) / (q / q.sum()))
        x = normalize(sp.hstack([binary @ sp.diags(r), questions], format="csr"))
        svm = LinearSVC(C=0.05, class_weight="balanced", random_state=0).fit(x, y == c)
        expected[:, j] = svm.decision_function(x)

    tfidf = TfidfTransformer(sublinear_tf=True).fit(counts)
    linear = LinearSVC().fit(sp.hstack([tfidf.transform(counts), questions], format="csr"), y)
    model = {"svm": Pipeline([("tfidf", tfidf), ("model", linear)]), **folded, "mix": np.array([0.0, 1.0])}
    got = sentiment_scores(model, counts, questions)
    assert np.allclose(got, expected, atol=1e-4)


@pytest.fixture(scope="module")
def scorer() -> ModelScorer:
    return default_model_scorer()


def test_a_question_scores_higher_as_a_question_than_the_same_statement(scorer: ModelScorer) -> None:
    pairs = [
        ("ร้านนี้เปิดวันอาทิตย์ไหมคะ", "ร้านนี้เปิดวันอาทิตย์ค่ะ"),
        ("สาขาไหนมีโปรนี้บ้างครับ", "สาขาสยามมีโปรนี้ครับ"),
        ("รุ่นนี้ราคาเท่าไหร่คะ", "รุ่นนี้ราคาไม่แพงค่ะ"),
    ]
    docs = [scorer.prepare(t, source="social") for pair in pairs for t in pair]
    scores = sentiment_scores(scorer.models["sentiment"], scorer.counts(docs), sentiment_questions(docs))
    q = list(scorer.models["sentiment"]["svm"].classes_).index("q")
    assert all(scores[2 * i, q] > scores[2 * i + 1, q] + 0.2 for i in range(len(pairs)))
    assert scorer.sentiment(docs[2:4]) == ["q", "neu"]


def test_the_loaded_svm_weights_give_decision_function_exactly(scorer: ModelScorer) -> None:
    """ModelScorer keeps the SVM's coef_.T contiguous (``svm_coef_t``), the NB-SVM's weights side by side
    (``nb_stack``) and both with the IDF weights in one table for the compiled products
    (``sentiment_table``); the scores must equal those of the model without them (sklearn's
    decision_function on the stacked matrix, one product per NB-SVM array) bit for bit."""
    model = scorer.models["sentiment"]
    assert "svm_coef_t" in model and "nb_stack" in model and "sentiment_table" in model
    plain = {k: v for k, v in model.items() if k not in ("svm_coef_t", "nb_stack", "sentiment_table")}
    sparse = {k: v for k, v in model.items() if k != "sentiment_table"}
    texts = ["ร้านนี้เปิดวันอาทิตย์ไหมคะ", "น้ำท่วมขังหน้าบ้าน แย่มาก", "", "ขอบคุณ กทม. ที่มาซ่อมให้เร็วมาก?"]
    docs = [scorer.prepare(t, source="social") for t in texts]
    counts, questions = scorer.counts(docs), sentiment_questions(docs)
    scores = sentiment_scores(model, counts, questions)
    assert np.array_equal(scores, sentiment_scores(plain, counts, questions))
    assert np.array_equal(scores, sentiment_scores(sparse, counts, questions))
