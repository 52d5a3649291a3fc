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

from classify.features import N_QUESTION_FEATURES, QUESTION_CUES, QUESTION_WEIGHT, question_features
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


def test_the_tail_is_the_text_without_the_trailing_pattern() -> None:
    """_tail strips what ``_TRAILING.sub("", text)`` strips: the same characters (all of Unicode) and the
    same texts (the end of a line, an underscore, marks, a newline at the very end)."""
    import sys

    from classify.features import _TRAILING, QUESTION_TAIL, _tail

    assert _TRAILING.pattern.endswith("+$")
    one = re.compile(_TRAILING.pattern.removesuffix("+$"))  # one character of the run
    every = "".join(chr(c) for c in range(sys.maxunicode + 1))
    assert set(one.findall(every)) == {c for c in every if _tail("a" + c) == "a"}
    texts = ["ไหมคะ?? ", "ok_\n", "ดีไหม ่\n\n", "a\nb?\n", "", "?!", "ถามหน่อย ครับ 🙏🏻", "x" * 40 + " ..."]
    for text in texts:
        assert _tail(text) == _TRAILING.sub("", text)[-QUESTION_TAIL:]


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
