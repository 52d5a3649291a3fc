"""Classify benchmark: documents/s of the full scorer (``score_many``) on 10,000 real Thai documents
against the raw tokeniser alone on the same documents, in one run; peak memory; model load time.

The ratio is the median over rounds (5 by default, ``--rounds N``) of the two measured back to back, each
going first in turn: on this shared 2-core machine the tokeniser alone took 0.67-0.92 s in three runs
minutes apart, so one pair of runs could move the ratio from 0.34x to 0.50x.

Documents: news_th, traffy and wisesight from the data directory BKKWATCH_DATA_DIR (``make bench`` sets it
from DATA_DIR), repeated to 10,000; the repository's development set if those are absent (it says which).
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import subprocess
import sys
import time
from itertools import cycle, islice
from pathlib import Path
from typing import Any

from bench.common import Measured, max_rss_mb, measure, table

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


def main(argv: list[str] | None = None) -> None:
    from classify.scorer import ModelScorer
    from classify.text import raw_tokenize

    parser = argparse.ArgumentParser(prog="python -m bench.bench_classify")
    parser.add_argument("--rounds", type=int, default=5, help="back-to-back pairs of runs (default 5)")
    args = parser.parse_args(argv)
    docs, origin = _documents()
    chars = sum(len(d.get("title") or "") + len(d["text"]) for d in docs)
    started = time.perf_counter()
    scorer = ModelScorer()
    load_s = time.perf_counter() - started
    scorer.score_many(docs[:50])  # warm up (first calls build caches)

    def tokenise() -> Measured:
        m = measure(lambda: [raw_tokenize(f"{d.get('title') or ''}\n{d['text']}") for d in docs], False)
        m.result = None  # (the rounds keep only the times: the peak memory is one run's)
        return m

    def score() -> Measured:
        m = measure(lambda: scorer.score_many(docs), trace_memory=False)
        m.result = None
        return m

    bases: list[Measured] = []
    fulls: list[Measured] = []
    for round_ in range(max(1, args.rounds)):
        first, second = (tokenise, score) if round_ % 2 == 0 else (score, tokenise)
        a, b = first(), second()
        base, full = (a, b) if first is tokenise else (b, a)
        bases.append(base)
        fulls.append(full)
        print(
            f"round {round_ + 1}/{args.rounds}: tokeniser {base.cpu_seconds:.2f} CPU s, score {full.cpu_seconds:.2f} "
            f"CPU s, ratio {base.cpu_seconds / full.cpu_seconds:.2f}x",
            flush=True,
        )
    base_s = statistics.median(m.seconds for m in bases)
    full_s = statistics.median(m.seconds for m in fulls)
    base_cpu = statistics.median(m.cpu_seconds for m in bases)
    full_cpu = statistics.median(m.cpu_seconds for m in fulls)
    wall_ratios = [b.seconds / f.seconds for b, f in zip(bases, fulls, strict=True)]
    cpu_ratios = [b.cpu_seconds / f.cpu_seconds for b, f in zip(bases, fulls, strict=True)]
    print(f"{len(docs)} documents ({chars / len(docs):.0f} characters on average) from {origin}")
    print(
        table(
            [
                ("raw tokeniser (nlpo3)", f"{base_s:.2f}", f"{base_cpu:.2f}", f"{len(docs) / base_s:,.0f}"),
                ("bkkwatch score (all models)", f"{full_s:.2f}", f"{full_cpu:.2f}", f"{len(docs) / full_s:,.0f}"),
            ],
            ("what (median of rounds)", "seconds", "CPU seconds", "documents/s"),
        )
    )
    print(
        f"ratio score/tokeniser: {statistics.median(wall_ratios):.2f}x (target >= 0.5x; median of {len(bases)} "
        f"rounds, {min(wall_ratios):.2f}-{max(wall_ratios):.2f}); by CPU time {statistics.median(cpu_ratios):.2f}x "
        f"({min(cpu_ratios):.2f}-{max(cpu_ratios):.2f}, steadier when the machine is busy)"
    )
    print(
        f"model load time: {load_s:.2f} s (a new process, with its imports: {_cold_start_s():.2f} s); peak resident "
        f"memory: {max_rss_mb():.0f} MB (target < 1024 MB)"
    )


def _cold_start_s() -> float:
    """Seconds for a new Python process to import the scorer (numba, scikit-learn, ...) and load the models,
    as ``bkkwatch score`` does before it reads a line."""
    code = (
        "import time; t = time.perf_counter(); from classify.scorer import ModelScorer; ModelScorer(); "
        "print(time.perf_counter() - t)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(done.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
