"""The trained scorer: relevance, sentiment, impact, level, urgency, agencies and a Thai explanation.

``ModelScorer.score(...)`` has the same interface and result (:class:`classify.rules.ScoreResult`) as
the first rule scorer, so the pipeline, the command line and the evaluation use one function.
Definitions: RUBRIC.md. Models: ``classify/models/*.skops`` (see :mod:`classify.modelstore`).
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import attrgetter, itemgetter
from pathlib import Path
from types import EllipsisType
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.special import expit

from bkkwatch.registry import AgencyEntry, Registry, shipped_registry
from classify.features import FeatureSpec, hashed_counts, joined_counts, question_features
from classify.kernels import compact_product, relevance_products, sentiment_products, weighted_compact_products
from classify.modelstore import ModelError, load
from classify.places import Gazetteer, gazetteer, trie_pattern
from classify.rules import PROBLEM_WORDS, ScoreResult
from classify.signals import SIGNAL_WORDS, Signals, dense_rows, read_signals
from classify.text import model_text, model_texts_folding, normalize, normalize_many
from classify.wordscan import WordScan, leftmost_longest

MODEL_NAMES = ("relevance", "sentiment", "impact", "agencies")
TEXT_MODELS = ("relevance", "sentiment", "agencies")
# The features every text model reads (classify/features.py): words and word pairs of the model text with
# its signal tokens, and character 2-4-grams of the words (the spelling play of posts: มากก, 555, ชิมิ;
# the parts of place names). Hashed once per document for all models.
FEATURES = FeatureSpec(bits=18, word_ngrams=2, char_ngrams=(2, 4))
# Only the first part of a long article is read by the models: the headline and lead carry the matter,
# and a 6,000-character article would otherwise cost ten times a post. Places and signals read it all.
MODEL_CHARS = 1500
LEVEL2_AT = 0.5  # impact probability from which an item is level 2 (RUBRIC.md "high")
LEVEL1_AT = 0.12
RELEVANT_AT = 0.5
AGENCY_NAMED_FLOOR = 0.6  # relevance of an item that names a BMA agency
AGENCY_MIN_PROB = 0.02  # the topic model's probabilities an agency ranking reads
AGENCIES_FROM = 0.3  # the relevance from which a result lists agencies (only those items are ranked)
# Agency ranking: a district named in the text ("เขต…", แขวง, a station), a weaker place (a bare name, a
# road through several districts), other districts when the item's location is known, registry topic words.
PRIOR_NAMED = 0.75
PRIOR_WEAK = 0.25
PRIOR_WEAK_SLOPE = 0.3
PRIOR_OTHER_PENALTY = 0.3
# Text-only district guesses (issue 6): when neither the item's location nor a place in its text gives a
# district, the district model (the shared counts of Traffy complaints → their district: soi, road, village,
# condo names, and the wording of people who report often from one district) proposes its two likeliest
# districts at PRIOR_GUESS_SCALE x its probability, at most PRIOR_GUESS_MAX: below a named place, usually
# below the topic agencies. Set on a validation slice of the Traffy train split (20% by ticket id, models
# fitted on the rest as classify/train.py fits them): hit@3 from text without guesses 0.6643; scale 1.0
# 0.6643, 1.5 0.6679, 2.0 0.675, 2.5 0.675, 3.0 0.6661, 4.0 0.6607 (n 2, max 0.3; max 0.45/0.6 the same).
PRIOR_GUESS_SCALE = 2.0
PRIOR_GUESS_MAX = 0.3
PRIOR_GUESS_N = 2
# When the text names only weak places (bare names, roads and canals through several districts) the district
# model also reads it: each of the first PRIOR_WEAK_TOP of those districts rises from its weak prior towards
# PRIOR_WEAK_CAP by lift / (1 + lift), lift = PRIOR_WEAK_GUESS x the model's probability of that district
# (ถนนลาดพร้าว runs through four districts; the soi number and the wording point at one), and the model's own
# two likeliest districts join as guesses. Validation slices of the train split (20% by ticket id, two salts,
# models fitted on the rest): text hit@3 0.6502/0.6397 -> 0.6722/0.6603, hit@1 0.4890/0.4707 -> 0.5183/0.5052
# (lift x20: 0.6685/0.6466, x50 and x300 about as x100; cap 0.95 the same hit@3; five districts or ten alike).
PRIOR_WEAK_GUESS = 100.0
PRIOR_WEAK_CAP = 0.9
PRIOR_WEAK_TOP = 5
TOPIC_WORD_BASE = 0.35
TOPIC_WORD_MAX = 0.6
_PEOPLE_HURT = {"มีผู้บาดเจ็บ", "มีผู้เสียชีวิต"}
# Problem words that name something the city runs (not traffic flow): injuries with one of them are urgent.
_CITY_CAUSES = {w for w, weight in PROBLEM_WORDS.items() if weight >= 0.6} - {
    "รถติด",
    "ร้องเรียน",
    "ร้องทุกข์",
    "ไม่พอใจ",
    "วิจารณ์",
    "ตำหนิ",
    "โวย",
    "อันตราย",
    "เสียหาย",
    "ร้องขอ",
    "ผิดกฎหมาย",
    "เดือดร้อน",
    "ขาดแคลน",
}
_FLOOD_HARMS = {"น้ำท่วมสูง", "น้ำท่วมหนัก"}
_PROBLEM_ORDER = {w: -weight for w, weight in PROBLEM_WORDS.items()}  # the explanation's order: heaviest first
_SOURCE_TH = {"news": "ข่าวจากสื่อ", "social": "โพสต์โซเชียล", "complaint": "เรื่องร้องเรียน"}


@dataclass(slots=True)  # (a batch makes one per document: slots make and read them faster)
class Prepared:
    body: str
    words: str  # the model text (tokens joined by spaces), without signal tokens
    signals: Signals
    # The one automaton pass over the body that read its places and signals, if a scorer's own (see
    # ModelScorer.scan): its occurrences also give the scorer's topic words and agency names.
    scan: WordScan | None = None
    occurrences: list[tuple[int, str]] | None = None
    present: set[str] | None = None  # the words of the occurrences (which agency names, topic words occur)
    # The signal tokens, read once: the model input and the result both list them (see signal_tokens).
    _tokens: list[str] | None = field(default=None, init=False, repr=False, compare=False)

    def signal_tokens(self) -> list[str]:
        """``self.signals.tokens()``, computed on the first call (the signals are not changed after
        :func:`prepare`); the same list every call: callers that hand it on copy it."""
        if self._tokens is None:
            self._tokens = self.signals.tokens()
        return self._tokens


def prepare(
    places: Gazetteer,
    text: str,
    title: str = "",
    engagement: Mapping[str, Any] | None = None,
    source: str | None = None,
    district: str | None = None,
    lat: Any = None,
    lon: Any = None,
    scan: WordScan | None = None,
    at: str | EllipsisType | None = ...,
) -> Prepared:
    """Normalise, read the signals and tokenise once; every model reads the result. ``scan``: a
    :class:`WordScan` holding at least ``places.scan_words`` and :data:`classify.signals.SIGNAL_WORDS`,
    to find the places, the signals and its other words in one pass. ``at``: the district at ``lat, lon``,
    if looked up already (:meth:`Gazetteer.districts_at`)."""
    body = normalize(f"{title}\n{text}" if title else text)
    occurrences = scan.occurrences(body) if scan is not None else None
    present = {word for _, word in occurrences} if occurrences is not None else None
    signals = read_signals(places, body, engagement, source, district, lat, lon, occurrences, at, present)
    return Prepared(body, model_text(body[:MODEL_CHARS]), signals, scan, occurrences, present)


def prepare_item(
    places: Gazetteer, item: Mapping[str, Any], scan: WordScan | None = None, at: str | EllipsisType | None = ...
) -> Prepared:
    """:func:`prepare` for one object of the ``bkkwatch score`` contract."""
    return prepare(
        places,
        str(item.get("text") or ""),
        str(item.get("title") or ""),
        item.get("engagement") or {},
        item.get("source"),
        item.get("district"),
        item.get("lat"),
        item.get("lon"),
        scan,
        at,
    )


def prepare_many(
    places: Gazetteer,
    items: Sequence[Mapping[str, Any]],
    scan: WordScan | None = None,
    located: Sequence[str | None] | None = None,
) -> list[Prepared]:
    """``[prepare_item(places, item, scan, at) for item, at in zip(items, located)]``, the texts normalised
    and made model texts as one batch (:func:`classify.text.normalize_many`, :func:`classify.text.model_texts`).
    ``located``: the districts at the items' coordinates (:meth:`Gazetteer.districts_at`), if looked up."""
    texts = [(str(it.get("title") or ""), str(it.get("text") or "")) for it in items]
    bodies = normalize_many([f"{title}\n{text}" if title else text for title, text in texts])
    words, folding = model_texts_folding([body[:MODEL_CHARS] for body in bodies])
    ats: Sequence[str | EllipsisType | None] = located if located is not None else [...] * len(items)
    scanned: Sequence[list[tuple[int, str]] | None] = (
        scan.occurrences_many(bodies) if scan is not None else [None] * len(items)
    )
    out: list[Prepared] = []
    for it, body, text, at, occurrences, folds in zip(items, bodies, words, ats, scanned, folding, strict=True):
        present = {word for _, word in occurrences} if occurrences is not None else None
        # casefold leaves a body as it is if it leaves its model text's part so and that part is all of it
        lowered = None if folds or len(body) > MODEL_CHARS else body
        signals = read_signals(
            places,
            body,
            it.get("engagement") or {},
            it.get("source"),
            it.get("district"),
            it.get("lat"),
            it.get("lon"),
            occurrences,
            at,
            present,
            lowered,
        )
        out.append(Prepared(body, text, signals, scan, occurrences, present))
    return out


def features(docs: Sequence[Prepared]) -> Any:
    """The hashed counts (:data:`FEATURES`) of the documents, shared by every text model. What every model
    reads of a document: its words, its signal tokens and ``zzdist<name>`` for the first three districts
    its text names, separated by spaces; the words and word pairs of all of it, the character n-grams of
    the words alone."""
    if not docs:
        return hashed_counts([], FEATURES)
    # The documents' texts joined as hashed_counts joins them (each followed by a 0), built as one
    # string: no document's text is made and copied on its own.
    parts: list[str] = []
    sizes: list[int] = []
    limits: list[int] = []
    for doc in docs:
        words = doc.words
        tokens = " ".join(doc.signal_tokens())
        names = doc.signals.places.district_names  # (most texts name none)
        places = " ".join(["zzdist" + n for n in names[:3]]) if names else ""
        parts += (words, " ", tokens, " ", places, "\x00")
        limits.append(len(words))
        sizes.append(len(words) + len(tokens) + len(places) + 3)
    codes = np.frombuffer("".join(parts).encode("utf-32-le", errors="replace"), dtype=np.uint32)
    starts = np.zeros(len(docs), dtype=np.int64)
    np.cumsum(sizes[:-1], out=starts[1:])
    return joined_counts(codes, starts, FEATURES, char_limits=limits)


class Counts:
    """A batch's hashed counts with their sublinear term frequencies (1 + log count) computed once: each
    model then only multiplies by its own IDF weights and normalises, which is what its TfidfTransformer
    would do, without a sparse matrix product per model. The weighted matrices share the counts' index
    arrays (no copies)."""

    def __init__(self, counts: Any) -> None:
        self.raw = counts.tocsr()
        logged = np.log(self.raw.data)
        logged += 1.0
        self.logged = _same_structure(self.raw, logged)
        self._binary: Any = None

    @property
    def binary(self) -> Any:
        """The counts as 0/1 (the NB-SVM's input), built once."""
        if self._binary is None:
            self._binary = _same_structure(self.raw, np.ones_like(self.raw.data))
        return self._binary

    def weighted(self, tfidf: Any, rows: np.ndarray | None = None) -> Any:
        """``tfidf.transform(raw)`` for a fitted sublinear, l2-normalised TfidfTransformer (of the ``rows``
        only, if given). The columns from which the IDF weights are all zero (the relevance model's
        character n-grams) are left out rather than kept as explicit zeros: the same matrix, and every
        product with it adds the same terms (an exact zero added changes no sum)."""
        if not (tfidf.sublinear_tf and tfidf.norm == "l2" and tfidf.use_idf):
            raw = self.raw if rows is None else self.raw[rows]
            return tfidf.transform(raw)
        logged = self.logged if rows is None else self.logged[rows]
        idf, limit = _idf_of(tfidf, logged.dtype)
        if limit < logged.shape[1]:  # the entries of the columns before the limit, in their order
            keep = logged.indices < limit
            kept = np.zeros(len(keep) + 1, dtype=logged.indptr.dtype)  # kept entries before each one
            np.cumsum(keep, out=kept[1:])
            indptr = kept[logged.indptr]
            data, indices = logged.data[keep], logged.indices[keep]
        else:
            data, indices, indptr = logged.data, logged.indices, logged.indptr
        data = data * np.take(idf, indices, mode="clip")  # idf[indices]; "clip" skips the bounds check
        # Each row's sum of squares in float64, added in column order from zero as np.bincount did: a
        # sparse matrix-vector product with ones (sum += x * 1.0 per stored entry), half its time.
        squares = sp.csr_matrix((np.square(data, dtype=np.float64), indices, indptr), shape=logged.shape, copy=False)
        norms = squares @ np.ones(logged.shape[1])
        np.sqrt(norms, out=norms)
        norms[norms == 0] = 1.0
        data /= np.repeat(norms.astype(data.dtype), np.diff(indptr))
        return sp.csr_matrix((data, indices, indptr), shape=logged.shape, copy=False)

    def compact_products(
        self,
        tfidf: Any,
        rows: np.ndarray | None,
        weights: _CompactWeights,
        need: Sequence[int],
        district: _CompactWeights | None,
    ) -> tuple[np.ndarray, np.ndarray | None] | None:
        """``weighted(tfidf, rows) @ weights`` and ``weighted(tfidf, rows)[need] @ district`` (None without
        ``need`` or ``district``), the same float32 values, without building the weighted matrix
        (:func:`classify.kernels.weighted_compact_products`); None where that kernel does not apply (another
        weighting, other dtypes, or counts not in canonical format)."""
        logged = self.logged
        if not (tfidf.sublinear_tf and tfidf.norm == "l2" and tfidf.use_idf):
            return None
        if logged.dtype != np.float32 or weights.block.dtype != np.float32 or not self.raw.has_canonical_format:
            return None
        if district is not None and district.block.dtype != np.float32:
            return None
        idf, limit = _idf_of(tfidf, logged.dtype)
        picked = np.arange(logged.shape[0], dtype=np.int64) if rows is None else np.asarray(rows, dtype=np.int64)
        slots = np.full(len(picked), -1, dtype=np.int64)
        if district is not None and len(need):
            slots[np.asarray(need, dtype=np.int64)] = np.arange(len(need))
            d_column, d_block = district.column, district.block
        else:
            d_column, d_block = np.full(0, -1, dtype=np.int32), np.zeros((0, 0), dtype=np.float32)
        out = np.zeros((len(picked), weights.block.shape[1]), dtype=np.float32)
        d_out = np.zeros((len(need) if district is not None else 0, d_block.shape[1]), dtype=np.float32)
        weighted_compact_products(
            logged.indptr,
            logged.indices,
            logged.data,
            picked,
            idf,
            limit,
            weights.column,
            weights.block,
            out,
            slots,
            d_column,
            d_block,
            d_out,
        )
        return out, (d_out if district is not None and len(need) else None)


def _same_structure(matrix: Any, data: np.ndarray) -> Any:
    """A CSR matrix with ``matrix``'s indices and row pointers (shared, not copied) and other values."""
    return sp.csr_matrix((data, matrix.indices, matrix.indptr), shape=matrix.shape, copy=False)


def _idf_of(tfidf: Any, dtype: Any) -> tuple[np.ndarray, int]:
    """A TfidfTransformer's IDF weights in ``dtype`` and the column from which they are all zero (the
    number of columns if the last one is not); computed once per transformer, its IDF array and dtype
    (each model's weighting of every batch cast and searched all 262,144 weights: ~0.25 ms a call)."""
    source = tfidf.idf_
    key = (id(tfidf), np.dtype(dtype))
    known = _IDF_CACHE.get(key)
    if known is not None and known[0] is tfidf and known[1] is source:
        return known[2], known[3]
    idf = np.asarray(source).astype(dtype, copy=False)
    if len(idf) == 0 or idf[-1] != 0:
        limit = len(idf)
    else:
        used = np.flatnonzero(idf)
        limit = int(used[-1]) + 1 if len(used) else 0
    if len(_IDF_CACHE) >= 16:  # a scorer has three; training and cross-validation fit many (let them go)
        _IDF_CACHE.clear()
    _IDF_CACHE[key] = (tfidf, source, idf, limit)  # (the transformer kept: its id is not reused)
    return idf, limit


_IDF_CACHE: dict[tuple[int, np.dtype[Any]], tuple[Any, Any, np.ndarray, int]] = {}


def _weighted(model: Any, counts: Any, rows: np.ndarray | None = None) -> Any:
    """The pipeline's TF-IDF step applied to counts (a :class:`Counts` or a plain count matrix), of the
    ``rows`` only if given."""
    if isinstance(counts, Counts):
        return counts.weighted(model.named_steps["tfidf"], rows)
    if rows is not None:
        counts = sp.csr_matrix(counts)[rows]
    return model.named_steps["tfidf"].transform(counts)


def predict_relevance(model: Any, counts: Any) -> np.ndarray:
    table = _relevance_table(model) if isinstance(counts, Counts) else None
    if table is not None and counts.logged.dtype == np.float32:
        # predict_proba's own steps (expit of X @ coef.T + intercept, all float32) with X @ coef.T from
        # the kernel: the TF-IDF row and its product in one pass, the same sums in the same order.
        logged = counts.logged
        out = np.zeros(logged.shape[0], dtype=np.float32)
        relevance_products(logged.indptr, logged.indices, logged.data, table, out)
        return np.asarray(expit(out + model.named_steps["model"].intercept_))
    return np.asarray(model.named_steps["model"].predict_proba(_weighted(model, counts))[:, 1])


def _relevance_table(model: Any) -> np.ndarray | None:
    """For :func:`classify.kernels.relevance_products`: each word column's IDF weight and logistic
    regression weight side by side (float32, one read per entry), up to the TF-IDF step's limit (the
    character n-grams have zero IDF: see :meth:`Counts.weighted`); None unless the model is a sublinear,
    l2-normalised TF-IDF step and a binary float32 logistic regression (predict_proba then reads its
    weights as they are). Built once per model."""
    key = id(model)
    known = _RELEVANCE_TABLES.get(key)
    if known is not None and known[0] is model:
        return known[1]
    from sklearn.linear_model import LogisticRegression  # (here: importing it costs ~2 s, models load it anyway)

    steps = getattr(model, "named_steps", {})
    tfidf, lr = steps.get("tfidf"), steps.get("model")
    table = None
    if (
        isinstance(lr, LogisticRegression)
        and tfidf is not None
        and tfidf.sublinear_tf
        and tfidf.norm == "l2"
        and tfidf.use_idf
        and len(lr.classes_) == 2
        and lr.coef_.dtype == lr.intercept_.dtype == np.float32
        and lr.coef_.shape == (1, len(tfidf.idf_))
    ):
        idf, limit = _idf_of(tfidf, np.float32)
        table = np.ascontiguousarray(np.column_stack([idf[:limit], lr.coef_[0, :limit]]), dtype=np.float32)
    if len(_RELEVANCE_TABLES) >= 8:  # (training fits many)
        _RELEVANCE_TABLES.clear()
    _RELEVANCE_TABLES[key] = (model, table)
    return table


_RELEVANCE_TABLES: dict[int, tuple[Any, np.ndarray | None]] = {}


def sentiment_scores(model: Mapping[str, Any], counts: Any, questions: Any) -> np.ndarray:
    """The sentiment model's score of each class (columns in ``model["svm"].classes_`` order): a mix of
    a linear SVM on the TF-IDF counts and an NB-SVM (one-vs-rest SVMs on the binary counts scaled by each
    class's naive-Bayes log-count ratios, rows l2-normalised), both also reading the question cues
    (:func:`classify.features.question_features`). The NB-SVM's ratios are folded into its weights
    (``nb_coef``) and its row norms come from the squared ratios (``nb_r2``): the counts are binary."""
    fused = _fused_products(model, counts, questions)
    if fused is not None:  # every product in one compiled pass (the same sums: see _fused_products)
        linear = fused[0] + model["svm"].named_steps["model"].intercept_
        counted_r2, counted_coef = fused[1][:, :4], fused[1][:, 4:]
        asked = fused[2]
    else:
        counted_r2, counted_coef, linear = _products(model, counts, questions)
        asked = np.asarray(questions @ model["nb_qcoef"].T)
    # (scipy adds each row by np.add.reduceat, not term after term from 0: left to it, not the kernel)
    squares = np.asarray(questions.multiply(questions).sum(axis=1), dtype=np.float64)
    norms = np.sqrt(np.asarray(counted_r2, dtype=np.float64) + squares)
    norms[norms == 0] = 1.0
    nb = (counted_coef + asked) / norms
    mix = np.asarray(model["mix"], dtype=np.float64)
    return np.asarray(mix[0] * linear + mix[1] * (nb + model["nb_bias"]))


def _fused_products(model: Mapping[str, Any], counts: Any, questions: Any) -> tuple[np.ndarray, ...] | None:
    """The products :func:`_products` computes (the SVM's, before its intercept, and ``binary @
    nb_stack``) and ``questions @ nb_qcoef.T``, by :func:`classify.kernels.sentiment_products` from the
    model's ``sentiment_table`` (:func:`_contiguous_svm`), when the counts are a :class:`Counts` and the
    batch's arrays are float32 as the kernel reads them; None otherwise. The kernel adds the same terms
    in the same order as the sparse products."""
    table = model.get("sentiment_table")
    if table is None or not isinstance(counts, Counts):
        return None
    logged = counts.logged
    q_coef = model["svm_coef_t"][logged.shape[1] :]
    nb_qcoef = model["nb_qcoef"]
    if not (
        sp.issparse(questions)
        and isinstance(nb_qcoef, np.ndarray)
        and questions.format == "csr"
        and logged.dtype == questions.dtype == nb_qcoef.dtype == np.float32
        and nb_qcoef.shape == (4, len(q_coef))
        and questions.has_canonical_format
        and questions.shape == (logged.shape[0], len(q_coef))
        and logged.shape[1] == len(table)
    ):
        return None
    limit = _idf_of(model["svm"].named_steps["tfidf"], np.float32)[1]
    return sentiment_products(
        logged.indptr,
        logged.indices,
        logged.data,
        table,
        limit,
        questions.indptr,
        questions.indices,
        questions.data,
        q_coef,
        nb_qcoef,
    )


def _products(model: Mapping[str, Any], counts: Any, questions: Any) -> tuple[Any, Any, Any]:
    """The NB-SVM's ``binary @ nb_r2.T`` and ``binary @ nb_coef.T`` and the SVM's decision function, by
    sparse products (any counts, any dtypes)."""
    svm = model["svm"]
    weighted = _weighted(svm, counts)
    coef_t = model.get("svm_coef_t")
    if coef_t is None:
        linear = svm.named_steps["model"].decision_function(sp.hstack([weighted, questions], format="csr"))
    else:  # decision_function's own product (X @ coef_.T + intercept_) with coef_.T made contiguous once
        linear = _product_with_questions(weighted, questions, coef_t) + svm.named_steps["model"].intercept_
    if isinstance(counts, Counts):
        binary = counts.binary
    else:
        plain = sp.csr_matrix(counts)
        binary = _same_structure(plain, np.ones_like(plain.data))
    stacked = model.get("nb_stack")
    if stacked is not None and binary.dtype == stacked.dtype:
        # binary @ r2.T and binary @ coef.T in one product: each column's sum is computed on its own.
        both = np.asarray(binary @ stacked)
        counted_r2, counted_coef = both[:, : stacked.shape[1] // 2], both[:, stacked.shape[1] // 2 :]
    else:
        counted_r2 = np.asarray(binary @ np.asarray(model["nb_r2"], dtype=np.float32).T)
        counted_coef = np.asarray(binary @ np.asarray(model["nb_coef"], dtype=np.float32).T)
    return counted_r2, counted_coef, linear


def _product_with_questions(weighted: Any, questions: Any, coef_t: np.ndarray) -> np.ndarray:
    """``sp.hstack([weighted, questions], format="csr") @ coef_t`` without building the stacked matrix:
    the product of the weighted part, then each row's question terms added in their stored order, as the
    product of the stacked matrix adds them after the row's weighted terms (the same sums, term by term)."""
    weighted = sp.csr_matrix(weighted)
    questions = sp.csr_matrix(questions)
    n = weighted.shape[1]
    if not (weighted.dtype == questions.dtype == coef_t.dtype and questions.has_canonical_format):
        return np.asarray(sp.hstack([weighted, questions], format="csr") @ coef_t)
    out = np.asarray(weighted @ coef_t[:n])
    rows = np.repeat(np.arange(questions.shape[0]), np.diff(questions.indptr))
    # np.add.at adds unbuffered, one term after another in the order given: each row's in stored order.
    np.add.at(out, rows, questions.data[:, None] * coef_t[n + questions.indices])
    return out


def predict_sentiment(model: Mapping[str, Any], counts: Any, questions: Any, offsets: Any = None) -> list[str]:
    scores = sentiment_scores(model, counts, questions)
    if offsets is not None:
        scores = scores + np.asarray(offsets, dtype=float)
    classes = np.asarray(model["svm"].classes_)
    return [str(c) for c in classes[scores.argmax(axis=1)]]


def sentiment_questions(docs: Sequence[Prepared]) -> Any:
    """The question cues the sentiment model reads, of the text the models read."""
    return question_features([d.body[:MODEL_CHARS] for d in docs])


def impact_features(signals: Signals, bangkok: float, negative: float) -> list[float]:
    dense = signals.dense()
    return [*dense, bangkok, negative, bangkok * dense[5]]


def impact_rows(docs: Sequence[Prepared], bangkok: Any, sentiments: Sequence[str]) -> np.ndarray:
    """``np.asarray([impact_features(d.signals, b, float(s == "neg")) ...])`` of a batch, its dense part by
    :func:`classify.signals.dense_rows` and the last three columns by numpy: the same float64 values."""
    dense = dense_rows([d.signals for d in docs])
    b = np.asarray(bangkok, dtype=np.float64)
    negative = np.array([s == "neg" for s in sentiments], dtype=np.float64)
    return np.column_stack([dense, b, negative, b * dense[:, 5]])


def decide_level(sig: Signals, bangkok: float, impact: float) -> tuple[int, bool, float]:
    """Level 0-3, urgency and the impact probability made consistent with the level (RUBRIC.md):
    urgent = about Bangkok and harm now, misconduct or virality; level 2 from the impact probability."""
    harms = set(sig.harms)
    if harms and harms <= _PEOPLE_HURT and not any(w in _CITY_CAUSES for w in sig.problems):
        harms = set()  # road accident or crime casualties are the police's unless a city cause is named
    if sig.roundup:  # incidents relayed in a traffic round-up are not the BMA's; a flooded road still is
        harms &= _FLOOD_HARMS
    urgent = bangkok >= RELEVANT_AT and (bool(harms) or sig.viral)
    if bangkok < RELEVANT_AT:
        level = 0
    elif urgent:
        level = 3
    elif sig.roundup:  # a routine report: low at most
        level = int(impact >= LEVEL1_AT or bool(sig.problems))
        impact = min(impact, LEVEL2_AT - 0.01)
    elif impact >= LEVEL2_AT:
        level = 2
    elif impact >= LEVEL1_AT or sig.problems or sig.source == "complaint":
        level = 1
    else:
        level = 0
    if level == 3:
        impact = max(impact, 0.85)
    elif level == 0:
        impact = min(impact, 0.3)
    return level, urgent, impact


def _topic_words_found(occurrences: Sequence[tuple[int, str]], topic_words: Mapping[str, Any]) -> list[str]:
    """The topic words (of ``topic_words``) among ``occurrences`` that leftmost_longest matches, sorted."""
    topics = [(start, word) for start, word in occurrences if word in topic_words]
    if len(topics) <= 1:
        return [word for _, word in topics]
    return sorted({word for _, _, word in leftmost_longest(topics)})


_strong_of = attrgetter("strong")  # (of a PlaceHit: any(map(...)) loops in C)


class ModelScorer:
    def __init__(
        self, directory: Path | None = None, registry: Registry | None = None, places: Gazetteer | None = None
    ) -> None:
        self.registry = registry or shipped_registry()
        self.places = places or gazetteer()
        self.models: dict[str, Any] = {}
        self.meta: dict[str, dict[str, Any]] = {}
        for name in MODEL_NAMES:
            self.models[name], self.meta[name] = load(name, directory)
        created = max(str(m.get("created", "")) for m in self.meta.values())
        self.model_version = "ml-" + created[:10]
        self.agency_codes: list[str] = list(self.meta["agencies"]["classes"])
        self._agency_index = {code: i for i, code in enumerate(self.agency_codes)}
        self._is_district = [code.startswith("district-") for code in self.agency_codes]
        self.sentiment_offsets = np.asarray(self.meta["sentiment"].get("offsets", [0.0] * 4), dtype=float)
        self._by_code = {e.code: e for e in self.registry.entries}
        self._listed = {e.code: (e.name_th, e.external) for e in self.registry.entries}  # as a result lists it
        self._district_codes: dict[str, str | None] = {}
        self._code_array = np.array(self.agency_codes, dtype=object)
        self._district_columns = np.array(self._is_district, dtype=bool)
        self._office_entries: dict[str, AgencyEntry | None] = {}
        agencies = self.models["agencies"]
        # The agencies file holds the topic model and, since issue 6, the text → district model beside it.
        self.district_model: dict[str, Any] | None = None
        if isinstance(agencies, dict):
            self.models["agencies"] = agencies["topic"]
            self.district_model = agencies.get("districts")
        self._district_weights = _district_weights(self.district_model) if self.district_model is not None else None
        self._district_index = {str(n): i for i, n in enumerate((self.district_model or {}).get("districts", []))}
        # The same weights as a dense block of their used rows: a sparse x dense product gives the logits
        # sparse x sparse gave (the same terms added in the same order; the missing ones add zero).
        self._agency_fast = _stack_one_vs_rest(self.models["agencies"])
        # (its rows laid out by the topic model's IDF weights, which weight the counts it reads)
        topic_idf = getattr(getattr(self.models["agencies"], "named_steps", {}).get("tfidf"), "idf_", None)
        self._district_block = (
            _CompactWeights(self._district_weights, topic_idf) if self._district_weights is not None else None
        )
        _widen_float16(self.models["sentiment"])
        _contiguous_svm(self.models["sentiment"])
        for name in TEXT_MODELS:
            if self.meta[name].get("features") != FEATURES.as_dict():
                raise ModelError(
                    f"model {name!r} was trained on other features ({self.meta[name].get('features')}) than "
                    f"this code computes ({FEATURES.as_dict()}); rebuild the models with `bkkwatch train`"
                )
        self._topic_words: dict[str, list[str]] = {}
        self._topics = [
            (e, [k for k in e.keywords if len(k) >= 3])
            for e in self.registry.entries
            if e.kind != "district" and e.keywords
        ]
        for entry, words in self._topics:
            for word in words:
                self._topic_words.setdefault(word, []).append(entry.code)
        names = {
            n
            for e in self.registry.entries
            if not e.external
            for n in (e.name_th, e.short_th, *e.aliases)
            if n
            and len(n) >= 6
            and not n.isascii()
            and n not in self.registry.placeholders_raw
            and not n.startswith("เขต")  # "เขตบางรัก" is a place; "สำนักงานเขตบางรัก" is the agency
        }
        self._bma_re = re.compile(trie_pattern(sorted(names, key=len, reverse=True)))
        self._bma_names = frozenset(names)  # the pattern matches where one of them occurs
        # The topic words a text names: the matches of trie_pattern(words), longest first, in one pass.
        self._topic_scan = WordScan(self._topic_words)
        # One automaton pass over each document for its places, its signals, the topic words and the
        # agency names (each a few dozen to a thousand words): the scan costs per character, not per word.
        self.scan = WordScan(self.places.scan_words | SIGNAL_WORDS | self._topic_scan.words | self._bma_names)
        # The compiled loops (classify/kernels.py) load from numba's cache, or are compiled on a machine's
        # first run, and the batch scan's tables are built, here rather than in the first batch: part of
        # the load time, not of the first score.
        self.score_many([{"text": "น้ำท่วมขังถนนสุขุมวิท หน้าสำนักงานเขตวัฒนา กรุงเทพฯ ทำไม?", "source": "traffy"}])

    # --- preparing one document -------------------------------------------------------------------
    def prepare(
        self,
        text: str,
        title: str = "",
        engagement: Mapping[str, Any] | None = None,
        source: str | None = None,
        district: str | None = None,
        lat: Any = None,
        lon: Any = None,
    ) -> Prepared:
        return prepare(self.places, text, title, engagement, source, district, lat, lon, self.scan)

    # --- the parts --------------------------------------------------------------------------------
    def counts(self, docs: Sequence[Prepared]) -> Any:
        """The hashed counts of the documents (:func:`features`), shared by every model (each document's
        signal tokens are read once: :meth:`Prepared.signal_tokens`, listed in the results too)."""
        return Counts(features(docs))

    def relevance(self, docs: Sequence[Prepared], counts: Any = None) -> np.ndarray:
        counts = self.counts(docs) if counts is None else counts
        bangkok = predict_relevance(self.models["relevance"], counts)
        # Naming a BMA agency (สำนักงานเขต…, สำนักการระบายน้ำ, สถานธนานุบาล กทม.) is about its remit.
        named = np.array([self._names_agency(d) for d in docs], dtype=bool)
        return np.where(named, np.maximum(bangkok, AGENCY_NAMED_FLOOR), bangkok)

    def _names_agency(self, doc: Prepared) -> bool:
        """Whether the document names a BMA agency (``self._bma_re`` matches: one of the names occurs)."""
        if doc.scan is self.scan and doc.present is not None:
            return not self._bma_names.isdisjoint(doc.present)
        return bool(self._bma_re.search(doc.body))

    def sentiment(self, docs: Sequence[Prepared], counts: Any = None) -> list[str]:
        counts = self.counts(docs) if counts is None else counts
        return predict_sentiment(self.models["sentiment"], counts, sentiment_questions(docs), self.sentiment_offsets)

    def impact(self, docs: Sequence[Prepared], bangkok: np.ndarray, sentiments: Sequence[str]) -> np.ndarray:
        return np.asarray(self.models["impact"].predict_proba(impact_rows(docs, bangkok, sentiments))[:, 1])

    def agency_scores(
        self,
        docs: Sequence[Prepared],
        use_location: bool = True,
        counts: Any = None,
        wanted: Sequence[bool] | np.ndarray | None = None,
    ) -> list[list[dict[str, Any]]]:
        """Top 5 agencies per document: the topic model's probabilities, the district office of the item's
        location (field or coordinates) and of the places the text names, else the district model's guesses.
        ``wanted``: per document, whether its agencies are needed (an empty list for the others; every
        model reads a document's row alone, so the wanted ones rank as they would in the whole batch)."""
        counts = self.counts(docs) if counts is None else counts
        if wanted is None:
            return self._rank_batch(docs, counts, use_location)
        keep = np.flatnonzero(np.asarray(wanted, dtype=bool))
        out: list[list[dict[str, Any]]] = [[] for _ in docs]
        if len(keep):  # each row is weighted on its own: only the wanted ones are
            rows = keep.tolist()
            for i, agencies in zip(
                rows, self._rank_batch([docs[i] for i in rows], counts, use_location, keep), strict=True
            ):
                out[i] = agencies
        return out

    def _rank_batch(
        self, docs: Sequence[Prepared], counts: Any, use_location: bool, rows: np.ndarray | None = None
    ) -> list[list[dict[str, Any]]]:
        """:meth:`agency_scores` of the documents of the ``rows`` of ``counts`` (a :class:`Counts` or a count
        matrix; all its rows if None)."""
        need = self._district_need(docs, use_location)
        tfidf = self.models["agencies"].named_steps["tfidf"]
        fused = None
        if self._agency_fast is not None and isinstance(counts, Counts):
            fused = counts.compact_products(tfidf, rows, self._agency_fast[1], need, self._district_block)
        if fused is not None:  # the TF-IDF rows weighted inside the products (no weighted matrix built)
            logits, district_logits = fused
            probs = expit(logits + self._agency_fast[2])  # type: ignore[index]
        else:
            weighted = _weighted(self.models["agencies"], counts, rows)
            if self._agency_fast is not None:  # one sparse product instead of one per agency
                _, weights, intercepts = self._agency_fast
                probs = expit(weighted @ weights + intercepts)
            else:
                probs = np.asarray(self.models["agencies"].named_steps["model"].predict_proba(weighted))
            district_logits = self._district_logits(weighted, need)
        guesses = self._district_probs(len(docs), need, district_logits)
        # The threshold over the whole batch at once: each row's agencies at or above it (the district
        # offices left out for a located item), in index order, as rank_agencies would find them row by row.
        probs = np.asarray(probs, dtype=np.float64)
        hit_rows, hit_cols = np.nonzero(probs >= AGENCY_MIN_PROB)
        located = [use_location and d.signals.district_from in ("field", "coordinates") for d in docs]
        if any(located):
            keep = ~(np.asarray(located, dtype=bool)[hit_rows] & self._district_columns[hit_cols])
            hit_rows, hit_cols = hit_rows[keep], hit_cols[keep]
        values = probs[hit_rows, hit_cols].tolist()
        codes = self._code_array[hit_cols].tolist()
        bounds = np.searchsorted(hit_rows, np.arange(len(docs) + 1)).tolist()
        return [
            self._rank(
                doc,
                probs[k],  # (read only to break ties between equal scores: rare, so not made a list)
                located[k],
                guesses[k],
                dict(zip(codes[bounds[k] : bounds[k + 1]], values[bounds[k] : bounds[k + 1]], strict=True)),
            )
            for k, doc in enumerate(docs)
        ]

    def _office_entry(self, office: str | None) -> AgencyEntry | None:
        """The registry entry of a district office's name (``Registry.by_name`` reads every entry: cached)."""
        if not office:
            return None
        if office not in self._office_entries:
            self._office_entries[office] = self.registry.by_name(office)
        return self._office_entries[office]

    def district_guesses(self, docs: Sequence[Prepared], weighted: Any, use_location: bool) -> list[np.ndarray | None]:
        """The district model's probabilities (over ``district_model["districts"]``) for the documents whose
        district neither their location nor a strong place in their text (a named district, แขวง, station,
        a place in one district) gives, and which are not news naming weak places; None for the others; ``weighted``:
        the documents' counts weighted by the topic model's TF-IDF step."""
        need = self._district_need(docs, use_location)
        return self._district_probs(len(docs), need, self._district_logits(weighted, need))

    def _district_need(self, docs: Sequence[Prepared], use_location: bool) -> list[int]:
        """The documents :meth:`district_guesses` guesses the districts of (their indices)."""
        if self.district_model is None or self._district_block is None:
            return []
        return [
            i
            for i, d in enumerate(docs)
            if not (use_location and d.signals.district_from in ("field", "coordinates"))
            and not any(map(_strong_of, d.signals.places.districts))
            # A news report's weak places are left as they are: the model learnt from complaints, each about
            # one spot; a traffic round-up names roads all over the city, and lifting their districts filled
            # the top five with unrelated district offices at 0.65-0.8 (a Sathon item listed หนองจอก).
            and not (d.signals.source == "news" and d.signals.places.district_names)
        ]

    def _district_logits(self, weighted: Any, need: list[int]) -> np.ndarray | None:
        """The district model's logits (before its scale) of the ``need`` rows of ``weighted``."""
        if not need or self._district_block is None:
            return None
        return np.asarray(sp.csr_matrix(weighted)[need] @ self._district_block)

    def _district_probs(self, n: int, need: list[int], logits: np.ndarray | None) -> list[np.ndarray | None]:
        """:meth:`district_guesses` of ``n`` documents from the logits of the ``need`` ones."""
        out: list[np.ndarray | None] = [None] * n
        if self.district_model is None or logits is None or not need:
            return out
        logits = np.asarray(logits, dtype=np.float64)
        logits *= float(self.district_model["scale"])
        logits -= logits.max(axis=1, keepdims=True)
        probs = np.exp(logits)
        probs /= probs.sum(axis=1, keepdims=True)
        for i, row in zip(need, probs, strict=True):
            out[i] = row
        return out

    def rank_agencies(
        self,
        doc: Prepared,
        row: np.ndarray | Sequence[float],
        use_location: bool,
        guess: np.ndarray | None = None,
        above: Sequence[tuple[int, float]] | None = None,
    ) -> list[dict[str, Any]]:
        """One document's top 5 from the model's probabilities (``row``), its location and its places.
        ``above``: (index, probability) of the agencies of ``row`` at or above :data:`AGENCY_MIN_PROB`, in
        index order, if already found (:meth:`agency_scores` thresholds a whole batch at once)."""
        located = use_location and doc.signals.district_from in ("field", "coordinates")
        if above is None:
            row = np.asarray(row, dtype=np.float64)
            found = np.flatnonzero(row >= AGENCY_MIN_PROB).tolist()
            above = list(zip(found, row[found].tolist(), strict=True))
        # With a known location, other district offices come only from places the text names.
        codes = self.agency_codes
        if located:
            district = self._is_district
            scores = {codes[i]: p for i, p in above if not district[i]}
        else:
            scores = {codes[i]: p for i, p in above}
        return self._rank(doc, row, located, guess, scores)

    def _rank(
        self,
        doc: Prepared,
        row: np.ndarray | Sequence[float],
        located: bool,
        guess: np.ndarray | None,
        scores: dict[str, float],
    ) -> list[dict[str, Any]]:
        """:meth:`rank_agencies` from the model's agencies at or above the threshold (``scores``, code ->
        probability, in index order; without the district offices when the item is ``located``)."""
        sig = doc.signals
        places = sig.places
        text_districts = places.district_names
        codes = self._district_codes  # (filled by _district_code)
        get = scores.get
        if located:
            first = sig.districts[0]
            code = codes[first] if first in codes else self._district_code(first)
            if code is not None:
                scores[code] = max(get(code, 0.0), 0.97)
        if text_districts:
            weights = places.district_weights
            strong = {h.name for h in places.districts if h.strong}
            district_index = self._district_index
            for rank, name in enumerate(text_districts[: PRIOR_WEAK_TOP if guess is not None else 3]):
                code = codes[name] if name in codes else self._district_code(name)
                if code is None:
                    continue
                if name in strong:
                    prior = PRIOR_NAMED
                else:  # a bare name, or a road or canal through several districts
                    prior = PRIOR_WEAK + PRIOR_WEAK_SLOPE * min(weights.get(name, 0.0), 1.0)
                if rank:
                    prior -= 0.1 * min(rank, 2)  # the 4th and 5th weak places (see PRIOR_WEAK_TOP) as the 3rd
                if guess is not None and name in district_index:  # only weak places (see district_guesses)
                    lift = PRIOR_WEAK_GUESS * float(guess[district_index[name]])
                    prior += (PRIOR_WEAK_CAP - prior) * lift / (1.0 + lift)
                if located and name != sig.districts[0]:
                    prior -= PRIOR_OTHER_PENALTY
                known = get(code, 0.0)
                scores[code] = prior if prior > known else known  # max(known, prior)
        if guess is not None and self.district_model is not None:
            names = self.district_model["districts"]
            for i in np.argsort(-guess, kind="stable")[:PRIOR_GUESS_N].tolist():
                code = self._district_code(names[i])
                if code is not None:
                    value = min(PRIOR_GUESS_MAX, PRIOR_GUESS_SCALE * float(guess[i]))
                    scores[code] = max(scores.get(code, 0.0), value)
        # The registry's topic words (น้ำท่วม → drainage, ไฟจราจร → traffic): a floor under the model.
        topic_words = self._topic_words
        if doc.scan is self.scan and doc.occurrences is not None and doc.present is not None:
            named = self._topic_scan.words.intersection(doc.present)  # (the words of the occurrences)
            # (one topic word, the most common case: all its matches, so leftmost_longest's, are of that word)
            found = list(named) if len(named) <= 1 else _topic_words_found(doc.occurrences, topic_words)
        else:
            found = _topic_words_found(self._topic_scan.occurrences(doc.body), topic_words)
        if found:
            hits: dict[str, int] = {}
            for word in found:  # sorted: ties rank the same in every run
                for code in topic_words[word]:
                    hits[code] = hits.get(code, 0) + 1
            for code, n in hits.items():
                floor = min(TOPIC_WORD_MAX, TOPIC_WORD_BASE + 0.1 * n)
                known = get(code, 0.0)
                scores[code] = floor if floor > known else known  # max(known, floor)
        # Ties (two registry topic floors of the same size) go to the agency the model finds likelier.
        if len(set(scores.values())) == len(scores):  # no ties (most documents): the values alone order them
            ranked = sorted(scores.items(), key=itemgetter(1), reverse=True)
        else:
            index = self._agency_index
            ranked = sorted(
                scores.items(), key=lambda kv: (-kv[1], -float(row[index[kv[0]]]) if kv[0] in index else 0.0)
            )
        listed_of = self._listed
        agencies = []
        for code, value in ranked[:5]:
            listed = listed_of.get(code)
            if listed is not None:
                agencies.append({"name": listed[0], "score": round(value, 3), "external": listed[1]})
        return agencies

    def _district_code(self, name: str) -> str | None:
        """The registry code of a district's office (by its bare name), if there is one (cached)."""
        if name not in self._district_codes:
            entry = self._office_entry(self.places.office_of(name))
            self._district_codes[name] = entry.code if entry is not None else None
        return self._district_codes[name]

    # --- the whole score --------------------------------------------------------------------------
    def score_prepared(self, docs: Sequence[Prepared]) -> list[ScoreResult]:
        if not docs:
            return []
        counts = self.counts(docs)
        bangkok = self.relevance(docs, counts)
        sentiments = self.sentiment(docs, counts)
        impact = self.impact(docs, bangkok, sentiments)
        wanted = bangkok >= AGENCIES_FROM
        agencies = self.agency_scores(docs, counts=counts, wanted=wanted)
        results: list[ScoreResult] = []
        add, result, decide = results.append, ScoreResult, decide_level
        version, explain = self.model_version, self.explain
        # (the arrays as Python floats at once: the same values float() of each element gives)
        for doc, b, p, sentiment, ranked in zip(
            docs, np.asarray(bangkok).tolist(), np.asarray(impact).tolist(), sentiments, agencies, strict=True
        ):
            sig = doc.signals
            level, urgent, p = decide(sig, b, p)
            add(
                result(
                    bangkok=round(b, 3),
                    sentiment=sentiment,
                    impact=round(p, 3),
                    level=level,
                    urgent=urgent,
                    agencies=ranked,  # empty below AGENCIES_FROM (not ranked: see wanted)
                    places=sig.districts[:5],
                    explanation=explain(doc, b),
                    model_version=version,
                    signals=doc.signal_tokens().copy(),  # (a copy: the document keeps its own)
                )
            )
        return results

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
        return self.score_prepared([self.prepare(text, title, engagement, source_kind, district, lat, lon)])[0]

    def score_many(self, items: Sequence[Mapping[str, Any]], batch: int = 1024) -> list[ScoreResult]:
        """Score input objects of the ``bkkwatch score`` contract (text, title, source, district, lat, lon,
        engagement), in order, ``batch`` at a time (each document is scored on its own: the results do
        not depend on the batches; 1,024 was ~6% faster than 512 on the classify bench, fewer fixed costs
        per batch)."""
        out: list[ScoreResult] = []
        for start in range(0, len(items), batch):
            chunk = items[start : start + batch]
            with _gc_paused():
                located = self.places.districts_at([(it.get("lat"), it.get("lon")) for it in chunk])
                prepared = prepare_many(self.places, chunk, self.scan, located)
                out.extend(self.score_prepared(prepared))
                # Freed now, by reference counting: else the collection that follows the pause walks the
                # batch's prepared documents (some thirty objects each) before the next batch replaces them.
                del prepared
        return out

    # --- explanation ------------------------------------------------------------------------------
    def explain(self, doc: Prepared, bangkok: float) -> str:
        sig = doc.signals
        places = sig.places
        parts: list[str] = sig.harms[:3]
        if sig.problems:
            parts.extend(sorted(sig.problems, key=_PROBLEM_ORDER.__getitem__)[:3])
        if sig.roundup:  # the relayed incidents are not the item's matter; a flooded road is
            parts = ["รายงานสภาพจราจร (ข่าวรวม)", *(h for h in sig.harms if h in _FLOOD_HARMS)]
        if sig.lasting:
            parts.append("ปัญหายืดเยื้อ/แจ้งซ้ำ")
        if sig.districts:
            parts.extend(f"เขต{d}" for d in sig.districts[:2])
        if places.districts:
            parts.extend(places.landmarks[:1])
        if not sig.districts and places.bangkok_mentions:
            parts.append("กล่าวถึงกรุงเทพฯ")
        if sig.bma_hits:
            parts.append(f"เกี่ยวกับ กทม. ({sig.bma_hits[0]})")
        source = _SOURCE_TH.get(sig.source)
        if source is not None:
            parts.append(source)
        if sig.likes or sig.shares or sig.comments:  # (without engagement neither viral nor spreading)
            if sig.viral:
                parts.append("กำลังเป็นไวรัล")
            elif sig.spreading:
                parts.append("ยอดแชร์สูง" if sig.shares >= 300 else "มีผู้แสดงความเห็นมาก")
        if places.other_provinces:
            parts.append("จังหวัดอื่น: " + ", ".join(places.other_provinces[:2]))
        if bangkok < RELEVANT_AT:
            parts.append("ไม่น่าเกี่ยวกับ กทม.")
        return " · ".join(dict.fromkeys(parts)) if parts else "ไม่พบสัญญาณเกี่ยวกับ กทม."


@contextmanager
def _gc_paused() -> Iterator[None]:
    """The cyclic garbage collector held off while one batch is scored, then back on (if it was on).
    A batch allocates some hundred thousand short-lived, acyclic objects (strings, lists, dicts, results)
    that reference counting frees; meanwhile the collector's passes kept walking every live object (the
    models, the gazetteer, the caller's items): about a tenth of score_many's time. A batch's rare cyclic
    garbage waits for the next collection after it."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _contiguous_svm(model: Any) -> None:
    """Keep the sentiment SVM's ``coef_.T`` C-contiguous beside it (``svm_coef_t``): ``X @ coef_.T``
    copies the transposed array into that order on every call; and the NB-SVM's squared ratios and
    weights side by side (``nb_stack``, features x 8), read by one product instead of two."""
    if isinstance(model, dict) and "svm" in model:
        estimator = model["svm"].named_steps["model"]
        model["svm_coef_t"] = np.ascontiguousarray(estimator.coef_.T)
    if isinstance(model, dict) and "nb_r2" in model and "nb_coef" in model:
        r2, coef = (np.asarray(model[k], dtype=np.float32) for k in ("nb_r2", "nb_coef"))
        model["nb_stack"] = np.ascontiguousarray(np.hstack([r2.T, coef.T]))
    table = _sentiment_table(model)
    if table is not None:
        model["sentiment_table"] = table


def _sentiment_table(model: Any) -> np.ndarray | None:
    """The table :func:`classify.kernels.sentiment_products` reads: one 64-byte row per feature (a cache
    line: the array aligned to 64 bytes) holding its IDF weight, its 4 SVM weights and its 8 NB-SVM
    values (``nb_stack``), all float32 as the products read them; None if the model's arrays are not
    those (another TF-IDF step, other dtypes or shapes: the sparse products then score it)."""
    if not (isinstance(model, dict) and "svm_coef_t" in model and "nb_stack" in model):
        return None
    tfidf = model["svm"].named_steps.get("tfidf")
    coef_t, stacked = model["svm_coef_t"], model["nb_stack"]
    if tfidf is None or not (tfidf.sublinear_tf and tfidf.norm == "l2" and tfidf.use_idf):
        return None
    idf = _idf_of(tfidf, np.float32)[0]
    n = len(idf)
    if not (
        coef_t.dtype == stacked.dtype == np.float32
        and coef_t.shape[1] == 4
        and coef_t.shape[0] >= n
        and stacked.shape == (n, 8)
    ):
        return None
    memory = np.zeros(n * 16 + 16, dtype=np.float32)
    first = (-memory.ctypes.data % 64) // 4
    table = memory[first : first + n * 16].reshape(n, 16)
    table[:, 0] = idf
    table[:, 1:5] = coef_t[:n]
    table[:, 5:13] = stacked
    return table


def _widen_float16(model: Any) -> None:
    """A model's float16 arrays (stored small) as float32, once at load: every batch read them as float32
    (``np.asarray(..., dtype=np.float32)``), which then costs nothing; column-major, as the batches read
    them transposed (``x @ w.T`` copies a transposed row-major array first). The same values."""
    if isinstance(model, dict):
        for key, value in model.items():
            if isinstance(value, np.ndarray) and value.dtype == np.float16:
                model[key] = np.asfortranarray(value.astype(np.float32))


def _district_weights(model: Mapping[str, Any]) -> Any:
    """The district model's (features x districts) weights as a float32 CSR matrix (stored as float16
    arrays: scipy.sparse has no float16)."""
    shape = tuple(int(n) for n in model["shape"])
    return sp.csr_matrix(
        (np.asarray(model["data"], dtype=np.float32), np.asarray(model["indices"]), np.asarray(model["indptr"])),
        shape=shape,
    )


def _stack_one_vs_rest(pipeline: Any) -> tuple[Any, _CompactWeights, np.ndarray] | None:
    """The agency model's features step and its one-vs-rest weights as one sparse matrix: the same
    probabilities as ``predict_proba`` of a multi-label one-vs-rest logistic regression."""
    steps = getattr(pipeline, "named_steps", {})
    ovr = steps.get("model")
    if ovr is None or "tfidf" not in steps or not getattr(ovr, "multilabel_", False):
        return None
    estimators = list(ovr.estimators_)
    if not all(hasattr(e, "coef_") for e in estimators):
        return None
    weights = sp.vstack([sp.csr_matrix(e.coef_) for e in estimators]).T.tocsr()
    intercepts = np.array([float(np.ravel(e.intercept_)[0]) for e in estimators])
    return steps["tfidf"], _CompactWeights(weights, getattr(steps["tfidf"], "idf_", None)), intercepts


class _CompactWeights:
    """A sparse (features x agencies) weight matrix kept as a dense block of the few feature rows that have
    a weight (the pruned models keep some thousands of 262,144): ``x @ self`` skips a document's other
    features and adds the block's rows of the rest (:func:`classify.kernels.compact_product`), much faster
    than sparse @ sparse.
    ``order``: a value per feature (the IDF weights: the most frequent features first) by which the block's
    rows are laid out, so that the rows most documents read lie together in memory (the product reads a
    block of 15-20 MB row by row at random: ~30% faster on the bench than in feature order)."""

    def __init__(self, weights: Any, order: np.ndarray | None = None) -> None:
        used = np.unique(weights.nonzero()[0])
        if order is not None:
            used = used[np.argsort(np.asarray(order)[used], kind="stable")]
        self.column = np.full(weights.shape[0], -1, dtype=np.int32)  # (int32: half the cache lines)
        self.column[used] = np.arange(len(used))
        self.block = np.asarray(weights[used].todense(), dtype=np.float32)

    def __rmatmul__(self, x: Any) -> np.ndarray:
        x = sp.csr_matrix(x)
        if not x.has_canonical_format:  # duplicates summed and each row's columns in order, as sparse @ sparse
            x = x.copy()
            x.sum_duplicates()
        # x @ weights adds each row's terms in the order x stores them, from 0, in the wider of the two
        # dtypes; the columns without a row in the block add exact zeros, and are skipped.
        out = np.zeros((x.shape[0], self.block.shape[1]), dtype=np.result_type(x.dtype, self.block.dtype))
        compact_product(x.indptr, x.indices, x.data, self.column, self.block, out)
        return out


_DEFAULT: ModelScorer | None = None


def default_model_scorer() -> ModelScorer:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = ModelScorer()
    return _DEFAULT
