"""Classify benchmark: documents/s of the full scorer (``score_many``) on 10,000 real Thai documents
against the raw tokeniser alone on the same documents, in one run; peak memory; model load time.

Documents: news_th, traffy and wisesight from the data directory BKKWATCH_DATA_DIR (``make bench`` sets it
from DATA_DIR), repeated to 10,000; the repository's development set if those are absent (it says which).
"""

from __future__ import annotations

import gzip
import json
import time
from itertools import cycle, islice
from pathlib import Path
from typing import Any

from bench.common import max_rss_mb, measure, table

N_DOCS = 10_000


def _documents() -> tuple[list[dict[str, Any]], str]:
    from classify.train import default_data_dir, read_devset

    data = default_data_dir() or Path("(BKKWATCH_DATA_DIR not set)")
    rows: list[dict[str, Any]] = []
    news = data / "news_th" / "articles.jsonl.gz"
    traffy = data / "traffy" / "train.jsonl.gz"
    wise = data / "wisesight_sentiment" / "train.jsonl.gz"
    if news.exists() and traffy.exists() and wise.exists():
        with gzip.open(news, "rt", encoding="utf-8") as fh:
            rows += [
                {"id": r["id"], "title": r["title"], "text": r["text"], "source": "news"} for r in map(json.loads, fh)
            ]
        with gzip.open(traffy, "rt", encoding="utf-8") as fh:
            rows += [
                {
                    "id": r["id"],
                    "text": r["text"],
                    "source": "traffy",
                    "district": r.get("district"),
                    "lat": r.get("lat"),
                    "lon": r.get("lon"),
                }
                for r in islice(map(json.loads, fh), 4500)
            ]
        with gzip.open(wise, "rt", encoding="utf-8") as fh:
            rows += [
                {"id": str(i), "text": r["texts"], "source": "social"}
                for i, r in enumerate(islice(map(json.loads, fh), 5015))
            ]
        origin = f"{data} (news_th, traffy, wisesight)"
    else:
        rows = [
            {k: v for k, v in r.items() if k in ("id", "title", "text", "source", "district")} for r in read_devset()
        ]
        origin = "classify/data/devset.jsonl, repeated"
    return list(islice(cycle(rows), N_DOCS)), origin


def main() -> None:
    from classify.scorer import ModelScorer
    from classify.text import raw_tokenize

    docs, origin = _documents()
    chars = sum(len(d.get("title") or "") + len(d["text"]) for d in docs)
    started = time.perf_counter()
    scorer = ModelScorer()
    load_s = time.perf_counter() - started
    scorer.score_many(docs[:50])  # warm up (first calls build caches)
    base = measure(lambda: [raw_tokenize(f"{d.get('title') or ''}\n{d['text']}") for d in docs], trace_memory=False)
    full = measure(lambda: scorer.score_many(docs), trace_memory=False)
    base_rate, full_rate = len(docs) / base.seconds, len(docs) / full.seconds
    print(f"{len(docs)} documents ({chars / len(docs):.0f} characters on average) from {origin}")
    print(
        table(
            [
                ("raw tokeniser (nlpo3)", f"{base.seconds:.2f}", f"{base.cpu_seconds:.2f}", f"{base_rate:,.0f}"),
                ("bkkwatch score (all models)", f"{full.seconds:.2f}", f"{full.cpu_seconds:.2f}", f"{full_rate:,.0f}"),
            ],
            ("what", "seconds", "CPU seconds", "documents/s"),
        )
    )
    print(
        f"ratio score/tokeniser: {full_rate / base_rate:.2f}x (target >= 0.5x); by CPU time "
        f"{base.cpu_seconds / full.cpu_seconds:.2f}x (steadier when the machine is busy)"
    )
    print(f"model load time: {load_s:.2f} s; peak resident memory: {max_rss_mb():.0f} MB (target < 1024 MB)")


if __name__ == "__main__":
    main()
