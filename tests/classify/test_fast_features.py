"""The fast paths of the scorer: our Thai normalisation against PyThaiNLP's, the NumPy feature hashing,
the shared TF-IDF weighting, and the traffic round-up signal."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from pythainlp.util import normalize as pythainlp_normalize
from sklearn.feature_extraction.text import TfidfTransformer

from classify.features import FeatureSpec, hashed_counts
from classify.scorer import (
    FEATURES,
    Counts,
    ModelScorer,
    decide_level,
    default_model_scorer,
    predict_relevance,
    prepare_item,
    sentiment_questions,
    sentiment_scores,
)
from classify.text import emoji_tokens, normalize, thai_normalize
from classify.train import read_devset

TRICKY = [
    "เเปลก",  # two Sara E -> Sara Ae
    "นานาาา",  # repeated vowel
    "ดีีีี",
    "ก่่่่า",  # repeated tone marks
    "ก้ำ กํ้า",  # nikhahit + tone + sara aa -> tone + sara am
    "พ ุ่มดอกไม้",  # a space before a mark
    "ภาพ ุ่",  # ... kept after a vowel + consonant
    "่ก คำ ่ที่สอง",  # dangling marks at the start and after a space
    "ทา่น ขาาา   ไป\n\n  มา",  # follow vowel before tone; spaces and blank lines
    "สวัสดี\u200bครับ ภาษา\u200cไทย",
    "ฤๅษี และ กๅ",  # lakkhangyao after ฤ is kept, elsewhere it becomes sara aa
    "plain English text  with  spaces",
    "",
]


@pytest.mark.parametrize("text", TRICKY)
def test_our_thai_normalisation_is_pythainlps(text: str) -> None:
    assert thai_normalize(text) == pythainlp_normalize(text)


def test_our_thai_normalisation_matches_on_the_development_set() -> None:
    texts = [f"{item.get('title') or ''}\n{item['text']}" for item in read_devset()]
    differ = [t[:60] for t in texts if thai_normalize(t) != pythainlp_normalize(t)]
    assert not differ


def test_normalize_keeps_its_contract() -> None:
    assert normalize("ถนนพังงงงงง\u200b ซอย ๑๒  เเล้ว") == "ถนนพังง ซอย 12 แล้ว"
    assert emoji_tokens("ดีมาก😂😂😂😂😂 👍🏻") == ["😂", "😂", "😂", "👍"]


def test_normalising_a_batch_is_normalising_each_text() -> None:
    """normalize_many finds the texts that its rules can change by scans over the whole batch: the same
    results as normalize on the development set, the tricky texts, and random strings of the characters
    those scans look for (marks, runs, spaces, newlines, other white space, surrogates)."""
    import random

    from classify.text import normalize_many

    texts = [f"{item.get('title') or ''}\n{item['text']}" for item in read_devset()] + TRICKY
    assert normalize_many(texts) == [normalize(t) for t in texts]
    assert normalize_many([]) == [] and normalize_many([""]) == [""]
    rng = random.Random(0)
    alphabet = [*"ก ่้ัาะเ\n\n5๕a", "\u0e4d", "\u0e45", "\u0e4c", "\t", "ๆ", "\u00a0", "\u3000", "\r", "\u200b", "\ud83d"]
    alphabet += ["\u200c", "\u00ad", "\ufeff", "\u2060", "๙", "e\u0301", "\u0301"]  # _unicode's (and NFC's) work
    for _ in range(3000):
        batch = ["".join(rng.choices(alphabet, k=rng.randrange(0, 12))) for _ in range(rng.randrange(1, 5))]
        assert normalize_many(batch) == [normalize(t) for t in batch], batch


def test_model_texts_of_a_batch_are_each_texts_model_text() -> None:
    """model_texts skips strip_noise and emoji_tokens for the texts without noise characters or emoji
    (found over the batch's code points): the same model texts as model_text."""
    from classify.text import _char_kinds, model_text, model_texts, model_texts_folding

    texts = [normalize(f"{item.get('title') or ''}\n{item['text']}")[:1500] for item in read_devset()]
    texts += [
        "ดูที่ https://example.com/x?a=1 นะ",
        "WWW.Example.com ถนนพัง",
        "ไฟไหม้!!! 😱😱😱😱 #ด่วน (ข่าว) “จริง”",
        "ดีมากๆๆ 👍🏻👍🏻",
        "ซ้อน\u200d\ufe0f",
        "",
        "plain text",
        "ถนน STRASSE (Straße) ÉCOLE ǅ 😂",  # casefold in replace_runs, and its longer folds (ß -> ss) not
        "\U00010400 \U0001e900 #ถนน",  # letters above U+FFFF that casefold changes
    ]
    batches = [texts[i : i + 37] for i in range(0, len(texts), 37)]
    assert [t for batch in batches for t in model_texts(batch)] == [model_text(t) for t in texts]
    assert model_texts([]) == [] and model_texts(["", ""]) == ["", ""]
    # model_texts_folding: the same texts, and whether casefold changes each (read_signals then skips it)
    folding = [model_texts_folding(batch) for batch in batches]
    assert [t for words, _ in folding for t in words] == [model_text(t) for t in texts]
    assert [f for _, folds in folding for f in folds] == [t.casefold() != t for t in texts]
    assert any(f for _, folds in folding for f in folds) and model_texts_folding([]) == ([], [])
    kinds = _char_kinds()
    assert kinds[ord("😂")] & 3 == 3 and kinds[ord("#")] & 3 == 1 and kinds[ord("ๆ")] & 3 == 1 and kinds[ord("ก")] == 0


def test_the_kinds_of_model_texts_against_every_code_point() -> None:
    """model_texts skips casefold for the texts without a code point of _CASEFOLD_CHAR, and _maybe_url for
    those without one of _URL_CHAR; strip_noise's runs (_NOISE_RUNS) are _NOISE's, whose three kinds of
    noise share no character."""
    import random
    import re
    import sys

    from classify.text import (
        _CASEFOLD_CHAR,
        _EMOJI,
        _EMOJI_CHAR,
        _LONG_FOLD,
        _MARKUP_CHAR,
        _MODEL_DROP,
        _NOISE,
        _NOISE_CHAR,
        _REPEAT_MARK,
        _RUN_KINDS,
        _URL_CHAR,
        _casefolds,
        _char_kinds,
        _maybe_url,
        strip_noise,
    )

    kinds = _char_kinds()
    every = [chr(c) for c in range(sys.maxunicode + 1)]
    assert [c for c in every if kinds[ord(c)] & _CASEFOLD_CHAR] == [c for c in every if c.casefold() != c]
    # replace_runs' casefold: one code point each, but for those marked _LONG_FOLD (which model_texts
    # leaves to casefold itself)
    folds = _casefolds()
    assert [c for c in every if kinds[ord(c)] & _LONG_FOLD] == [c for c in every if len(c.casefold()) > 1]
    assert all(chr(folds[ord(c)]) == c.casefold() for c in every if not kinds[ord(c)] & _LONG_FOLD)
    assert [c for c in every if kinds[ord(c)] & _URL_CHAR] == [":", "W", "w"]
    emoji, markup = (re.compile(p.pattern.removesuffix("+")) for p in (_EMOJI, _MODEL_DROP))
    assert not [c for c in every if sum(map(bool, (emoji.match(c), markup.match(c), c == "ๆ"))) > 1]
    # The kinds of run that replace_runs tells apart: one for each noise character (none for the others).
    runs = [c for c in every if kinds[ord(c)] & _RUN_KINDS]
    assert runs == [c for c in every if kinds[ord(c)] & _NOISE_CHAR]
    assert all(kinds[ord(c)] & _RUN_KINDS in (_EMOJI_CHAR, _MARKUP_CHAR, _REPEAT_MARK) for c in runs)
    rng = random.Random(2)
    alphabet = [*"กๆ #()“”_a w:/.", "😂", "\ufe0f", "\u200d", "👍🏻", "www.", "http://x", "\u2b50", "\U000e0041"]
    for _ in range(5000):
        text = "".join(rng.choices(alphabet, k=rng.randrange(0, 12)))
        assert strip_noise(text) == _NOISE.sub(" ", text), text
        if not any(kinds[ord(c)] & _URL_CHAR for c in text):
            assert not _maybe_url(text), text


def test_the_rewritten_patterns_of_normalize() -> None:
    """_SPACES (which leaves a lone space alone) and _REPEATS, written to run faster, replace as the plain
    patterns do, on random strings of their characters."""
    import random
    import re

    from classify.text import _REPEATS, _SPACES

    spaces, repeats = re.compile("[ \t\u00a0\u3000]+"), re.compile(r"(.)\1{3,}")
    rng = random.Random(3)
    alphabet = [*" \t\u00a0\u3000\nกa", "ก่"]
    for _ in range(20000):
        text = "".join(rng.choices(alphabet, k=rng.randrange(0, 14)))
        assert _SPACES.sub(" ", text) == spaces.sub(" ", text), text
        assert _REPEATS.sub(r"\1\1", text) == repeats.sub(r"\1\1", text), text
    # and two of PyThaiNLP's rules (written as pythainlp.util.normalize writes them)
    from classify.text import (
        _CONSONANTS,
        _DANGLING,
        _DUP_SPACES,
        _NEWLINES,
        _SPACE_BEFORE_MARK,
        _TONE_RUN,
        _TONES,
        _VOWELS,
    )

    space_before_mark = re.compile(f"([{_CONSONANTS}])(?<![{_VOWELS}][{_CONSONANTS}]) ([{_DANGLING}])")
    tone_run = re.compile(f"[{_TONES}]{{2,}}")
    dup_spaces, newlines = re.compile(" {2,}"), re.compile("[ \n]*\n[ \n]*")
    for _ in range(20000):
        text = "".join(rng.choices(" \nab", k=rng.randrange(0, 12)))
        assert _DUP_SPACES.sub(" ", text) == dup_spaces.sub(" ", text), text
        assert _NEWLINES.sub("\n", text) == newlines.sub("\n", text), text
    alphabet = [*" กขเาะ่้๊ั์ุa"]
    for _ in range(20000):
        text = "".join(rng.choices(alphabet, k=rng.randrange(0, 14)))
        assert _SPACE_BEFORE_MARK.sub(r"\1", text) == space_before_mark.sub(r"\1\2", text), text
        assert _TONE_RUN.sub(r"\1", text) == tone_run.sub(lambda m: m.group(0)[-1], text), text


def test_a_lone_surrogate_becomes_a_replacement_character_in_both_paths() -> None:
    """A JSON escape such as \\ud800 without its pair gives a string that nlpo3 cannot encode: it is
    replaced (U+FFFD) by normalisation, one text or a batch, and the text still gets its words."""
    from classify.text import model_texts, normalize, normalize_many

    texts = ["น้ำท่วม \ud800 ถนนสุขุมวิท", "ปกติ", "\udfff"]
    assert normalize_many(texts) == [normalize(t) for t in texts]
    assert normalize(texts[0]) == "น้ำท่วม \ufffd ถนนสุขุมวิท" and normalize(texts[2]) == "\ufffd"
    assert "สุขุมวิท" in model_texts(normalize_many(texts))[0]


def test_the_tables_of_normalize_many_against_every_code_point() -> None:
    """The per-code-point tables of normalize_many's batch decisions, against the string methods they
    stand for, over every code point; and random texts that unicode_checks passes are left as they are."""
    import random
    import sys
    import unicodedata

    from classify.kernels import unicode_checks
    from classify.text import (
        _SPACED_KINDS,
        _SURROGATE,
        _THAI_DIGIT,
        _ZERO_WIDTH,
        _code_points,
        _spacing,
        _unicode,
        _unicode_tables,
    )

    table, ccc = _unicode_tables()
    top = len(table) - 1
    every = range(sys.maxunicode + 1)
    # The marks _unicode removes or replaces all have bit 1 (those above the table: its last entry).
    marked = [c for c in every if any(p.match(chr(c)) for p in (_ZERO_WIDTH, _THAI_DIGIT, _SURROGATE))]
    assert all(table[min(c, top)] & 1 for c in marked)
    # White space is bit 2, exactly (none above the table); the combining classes are exact below it.
    assert [c for c in every if table[min(c, top)] & 2] == [c for c in every if chr(c).isspace()]
    assert all(ccc[c] == unicodedata.combining(chr(c)) for c in range(top))
    # A code point without bit 1 is NFC alone and NFC keeps it; the second code point of every
    # canonical decomposition (what the quick check's Maybe stands for) has bit 1, and Hangul V and T.
    for c in range(top):
        if not table[c] & 1:
            assert unicodedata.is_normalized("NFC", chr(c)) and unicodedata.normalize("NFC", chr(c)) == chr(c)
        parts = unicodedata.decomposition(chr(c)).split()
        if parts and not parts[0].startswith("<"):
            assert table[c] & 1 and all(table[int(p, 16)] & 1 for p in parts[1:])
    assert all(table[c] & 1 for c in [*range(0x1161, 0x1176), *range(0x11A8, 0x11C3)])
    rng = random.Random(1)
    alphabet = [*"ก ่้ัาุู\n\t a", "\u0e38\u0e48", "\u0e48\u0e38", "e\u0301", "\u0301", "\u00e9", "\u212b"]
    alphabet += ["\u1100", "\u1161", "\uac00", "\u11a8", "\u0958", "\u200b", "\ud800", "😂", "\U0001d15e", "\u3000"]
    for _ in range(3000):
        texts = ["".join(rng.choices(alphabet, k=rng.randrange(0, 8))) for _ in range(rng.randrange(1, 5))]
        flags = unicode_checks(*_code_points(texts), table, ccc)
        for text, flag in zip(texts, flags.tolist(), strict=True):
            if not flag & 1:
                assert _unicode(text) == text, ascii(text)
            if not flag & 2:
                assert _spacing(text) == text, ascii(text)

    # spaced_checks' other white space (32) is exactly str.isspace's but " " and "\n" (none above its table)
    above = len(_SPACED_KINDS) - 1
    other = [c for c in every if _SPACED_KINDS[min(c, above)] & 32]
    assert other == [c for c in every if chr(c).isspace() and chr(c) not in " \n"] and not _SPACED_KINDS[above]


SPEC = FeatureSpec(bits=12, word_ngrams=2, char_ngrams=(2, 3))


def _columns(matrix: sp.csr_matrix, row: int) -> dict[int, float]:
    start, end = matrix.indptr[row], matrix.indptr[row + 1]
    return dict(zip(matrix.indices[start:end].tolist(), matrix.data[start:end].tolist(), strict=True))


def test_hashing_is_the_same_in_every_document_and_position() -> None:
    words_only = FeatureSpec(bits=12, word_ngrams=1)
    matrix = hashed_counts(["ถนน ทรุด", "ทรุด ถนน ถนน", "อื่น"], words_only)
    first, second = _columns(matrix, 0), _columns(matrix, 1)
    assert set(first) == set(second) and len(first) == 2
    assert sorted(second.values()) == [1.0, 2.0]  # counts are summed
    assert not set(_columns(matrix, 2)) & set(first)


def test_word_pairs_and_character_ngrams_in_their_own_columns() -> None:
    matrix = hashed_counts(["ab cd zzsrcnews"], SPEC, char_limits=[5])
    columns = _columns(matrix, 0)
    words = [c for c in columns if c < SPEC.char_start]
    chars = [c for c in columns if c >= SPEC.char_start]
    assert len(words) == 5  # three words, two pairs
    # character 2- and 3-grams of "ab cd" only (the limit keeps the signal token out): 4 + 3
    assert sum(columns[c] for c in chars) == 7
    alone = hashed_counts(["ab cd"], SPEC)
    assert {c for c in _columns(alone, 0) if c >= SPEC.char_start} == set(chars)


def test_no_ngram_crosses_two_documents() -> None:
    joint = hashed_counts(["ab", "cd"], SPEC)
    apart = sp.vstack([hashed_counts(["ab"], SPEC), hashed_counts(["cd"], SPEC)])
    assert (joint != apart).nnz == 0


def test_shared_weighting_equals_each_models_tfidf() -> None:
    rng = np.random.default_rng(0)
    counts = sp.random(40, 64, density=0.2, random_state=1, format="csr", dtype=np.float32)
    counts.data = np.ceil(counts.data * 4)
    tfidf = TfidfTransformer(sublinear_tf=True).fit(counts)
    tfidf.idf_ = tfidf.idf_ * rng.uniform(0, 1, 64)  # also zero-ish weights, as relevance has for characters
    expected = tfidf.transform(counts).toarray()
    assert np.allclose(Counts(counts).weighted(tfidf).toarray(), expected, atol=1e-5)


def _bits(matrix: sp.csr_matrix) -> tuple[list[int], list[int], bytes]:
    return matrix.indptr.tolist(), matrix.indices.tolist(), matrix.data.tobytes()


def test_weighting_leaves_out_zero_idf_columns_and_weighs_rows_alone() -> None:
    """Columns whose IDF weight is zero (relevance's character n-grams) are left out, not stored as zeros:
    the same values as the transformer's; a row subset is weighted exactly as those rows of the whole."""
    counts = sp.random(30, 64, density=0.3, random_state=2, format="csr", dtype=np.float32)
    counts.data = np.ceil(counts.data * 4)
    tfidf = TfidfTransformer(sublinear_tf=True).fit(counts)
    tfidf.idf_ = np.where(np.arange(64) < 40, tfidf.idf_, 0.0).astype(np.float32)
    weighted = Counts(counts).weighted(tfidf)
    assert weighted.indices.max() < 40 and weighted.nnz == (counts.indices < 40).sum()
    assert np.allclose(weighted.toarray(), tfidf.transform(counts).toarray(), atol=1e-6)
    rows = np.array([0, 3, 4, 17, 29])
    assert _bits(Counts(counts).weighted(tfidf, rows)) == _bits(weighted[rows])
    tfidf.idf_ = np.zeros(64, dtype=np.float32)
    assert Counts(counts).weighted(tfidf).nnz == 0


def test_the_product_with_the_questions_is_the_stacked_product_bit_for_bit() -> None:
    from classify.scorer import _product_with_questions

    weighted = sp.random(50, 300, density=0.1, random_state=3, format="csr", dtype=np.float32)
    questions = sp.random(50, 12, density=0.3, random_state=4, format="csr", dtype=np.float32)
    questions = sp.csr_matrix(sp.diags((np.arange(50) != 7).astype(np.float32)) @ questions)  # a row without cues
    questions.eliminate_zeros()
    assert questions[7].nnz == 0 and questions.nnz > 100
    coef = np.random.default_rng(5).normal(size=(312, 4)).astype(np.float32)
    expected = sp.hstack([weighted, questions], format="csr") @ coef
    assert _product_with_questions(weighted, questions, coef).tobytes() == expected.tobytes()


def test_the_sentiment_kernel_is_its_plain_statement() -> None:
    """classify.kernels.sentiment_products against the statement of its arithmetic, in float32 and float64
    scalars one term at a time: the TF-IDF values of the columns before the limit, normalised; their
    products and then the questions' with the SVM weights; the 0/1 counts' with the NB-SVM block."""
    import math

    from classify.kernels import sentiment_products

    rng = np.random.default_rng(11)
    counts = sp.random(9, 40, density=0.4, random_state=12, format="csr", dtype=np.float32)
    counts.data = np.ceil(counts.data * 4)  # counts 1-4
    counts = sp.csr_matrix(sp.diags((np.arange(9) != 2).astype(np.float32)) @ counts)  # a row with no counts
    counts.eliminate_zeros()
    logged = np.log(counts.data) + np.float32(1.0)
    limit = 30
    table = np.zeros((40, 16), dtype=np.float32)
    table[:limit, 0] = rng.uniform(1, 8, size=limit)
    table[:, 1:13] = rng.normal(size=(40, 12))
    questions = sp.random(9, 5, density=0.4, random_state=13, format="csr", dtype=np.float32)
    q_coef = rng.normal(size=(5, 4)).astype(np.float32)
    nb_qcoef = rng.normal(size=(4, 5)).astype(np.float32)
    args = (counts.indptr, counts.indices, logged, table, limit, questions.indptr, questions.indices)
    linear, counted, asked = sentiment_products(*args, questions.data, q_coef, nb_qcoef)
    for i in range(9):
        entries = range(counts.indptr[i], counts.indptr[i + 1])
        values = [(c, logged[j] * table[c, 0]) for j in entries if (c := counts.indices[j]) < limit]
        total = 0.0
        for _, v in values:
            total += float(v) * float(v)
        scale = np.float32(math.sqrt(total) or 1.0)
        row, block, cued = np.zeros(4, np.float32), np.zeros(8, np.float32), np.zeros(4, np.float32)
        for c, v in values:
            row += (v / scale) * table[c, 1:5]
        for j in range(questions.indptr[i], questions.indptr[i + 1]):
            row += questions.data[j] * q_coef[questions.indices[j]]
            cued += questions.data[j] * nb_qcoef[:, questions.indices[j]]
        for j in entries:
            block += table[counts.indices[j], 5:13]
        assert row.tobytes() == linear[i].tobytes()
        assert block.tobytes() == counted[i].tobytes()
        assert cued.tobytes() == asked[i].tobytes()


def test_models_trained_on_other_features_are_refused(tmp_path: Path) -> None:
    from classify.modelstore import MODEL_DIR, ModelError

    for path in MODEL_DIR.glob("*"):
        shutil.copy(path, tmp_path / path.name)
    meta_path = tmp_path / "sentiment.meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    assert meta["features"] == FEATURES.as_dict()
    meta["features"]["bits"] = 20
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelError, match=r"other features.*bkkwatch train"):
        ModelScorer(tmp_path)


@pytest.fixture(scope="module")
def scorer() -> ModelScorer:
    return default_model_scorer()


def _devset(key: str) -> dict[str, object]:
    return next(item for item in read_devset() if item["id"] == key)


def test_a_traffic_roundup_is_routine_not_urgent(scorer: ModelScorer) -> None:
    # Daily News 2017, a round-up of tweets with a crash and heavy traffic (devset: not ours, impact 0).
    item = _devset("news:Thai-news-retrieval-89")
    doc = prepare_item(scorer.places, item)
    assert doc.signals.roundup and "zzroundup" in doc.signals.tokens()
    result = scorer.score_prepared([doc])[0]
    assert not result.urgent and result.level <= 1
    assert "รายงานสภาพจราจร" in result.explanation
    # The same decision whatever the models say: a round-up is never urgent, at most low.
    assert decide_level(doc.signals, 0.99, 0.99)[:2] == (1, False)


def test_real_danger_stays_urgent(scorer: ModelScorer) -> None:
    # A Traffy ticket: a grass fire spreading towards houses (devset: urgent).
    item = _devset("traffy:2023-MCH97Q")
    doc = prepare_item(scorer.places, item)
    assert not doc.signals.roundup
    result = scorer.score_prepared([doc])[0]
    assert result.urgent and result.level == 3


def test_preparing_a_batch_is_preparing_each_item(scorer: ModelScorer) -> None:
    from classify.scorer import prepare_many

    items = [
        {"text": t, "title": title, "source": "news", "engagement": {"shares": 500}, "district": "บางรัก"}
        for t, title in [("ถนนทรุด ซอยลาดพร้าว ๑๐๑", ""), ("น้ำท่วมขังมากกกกก  😡", "หัวข้อ"), ("", "")]
    ]
    assert prepare_many(scorer.places, items) == [prepare_item(scorer.places, it) for it in items]


def test_the_fast_paths_give_the_pipelines_own_predictions(scorer: ModelScorer) -> None:
    from scipy.special import expit

    texts = ["ถนนทรุด ซอยลาดพร้าว 101", "ขยะล้น ไม่มีคนเก็บ 😡", "ไฟจราจรเสีย แยกอโศก", "ร้านนี้อร่อยมาก 555"]
    docs = [prepare_item(scorer.places, {"text": t, "source": "traffy"}) for t in texts]
    counts = scorer.counts(docs)
    assert scorer._agency_fast is not None
    _, weights, intercepts = scorer._agency_fast
    agencies = scorer.models["agencies"]
    fast = expit(counts.weighted(agencies.named_steps["tfidf"]) @ weights + intercepts)
    assert np.allclose(fast, agencies.predict_proba(counts.raw), atol=1e-5)
    relevance = scorer.models["relevance"]
    assert np.allclose(predict_relevance(relevance, counts), relevance.predict_proba(counts.raw)[:, 1], atol=1e-5)
    sentiment = scorer.models["sentiment"]
    questions = sentiment_questions(docs)
    svm = sentiment["svm"]
    linear = svm.named_steps["model"].decision_function(
        sp.hstack([svm.named_steps["tfidf"].transform(counts.raw), questions], format="csr")
    )
    mixed = sentiment_scores({**sentiment, "mix": np.array([1.0, 0.0])}, counts, questions)
    assert np.allclose(mixed, linear, atol=1e-4)


def test_the_relevance_kernel_is_the_models_own_predict_proba_exactly(scorer: ModelScorer) -> None:
    """classify.kernels.relevance_products (TF-IDF weighting and product in one pass) against the
    pipeline's model on the weighted counts: the same float32 probabilities bit for bit, on real texts
    and on rows with no word features (a norm of 0) or only character n-grams."""
    from classify.scorer import _relevance_table, _weighted

    devset = Path(__file__).resolve().parents[2] / "classify" / "data" / "devset.jsonl"
    rows = [json.loads(line) for line in devset.read_text(encoding="utf-8").splitlines()[:120]]
    docs = [prepare_item(scorer.places, r) for r in rows]
    docs += [prepare_item(scorer.places, {"text": t}) for t in ("", "😡", "a", "กขค")]
    counts = scorer.counts(docs)
    relevance = scorer.models["relevance"]
    assert _relevance_table(relevance) is not None  # (the shipped model takes the kernel's path)
    expected = relevance.named_steps["model"].predict_proba(_weighted(relevance, counts))[:, 1]
    got = predict_relevance(relevance, counts)
    assert got.dtype == expected.dtype and np.array_equal(got, expected)
