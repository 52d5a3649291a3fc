"""Stories at scale: 100,000 documents arriving in 30 daily batches through the incremental clusterer
(duplicates + stories), without a database. Prints time per batch as the store grows, the ratio of
the last batch to the first (the index must not slow down as it fills), throughput and peak memory.

    python -m bench.bench_stories [--docs 100000] [--days 30] [--data DIR]

Documents are synthesised from real Thai text: Traffy Fondue complaints and news openings from
``--data`` when present, else the labelled set shipped in classify/data/stories/. Each synthetic
report takes real text (the first part of one real text and the last part of another: see
``fresh_text``), a place (a point in Bangkok and its district name) and a time; 10 % are exact reposts
and 10 % lightly edited copies of a recent report (the same day included), 10 % further reports of a
recent problem at its place.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import max_rss_mb, table
from classify.clustering import Report, StoryClusterer
from classify.evaluate_stories import SET_DIR, load_set

ROOT = Path(__file__).resolve().parents[1]
START = datetime(2026, 10, 1, tzinfo=UTC)
EDITS = (" #กทม", " ด่วน", " (อัปเดต)", " แจ้งซ้ำ", " ช่วยด้วยครับ", " รบกวนเร่งแก้ไข", "!!")


def real_texts(data: Path | None) -> tuple[list[str], str]:
    texts: list[str] = []
    data = data or Path("(BKKWATCH_DATA_DIR not set)")
    traffy, news = data / "traffy" / "train.jsonl.gz", data / "news_th" / "articles.jsonl.gz"
    if traffy.is_file():
        with gzip.open(traffy, "rt", encoding="utf-8") as fh:
            texts += [t for t in (json.loads(line)["text"] for line in fh) if len(t) >= 15]
    if news.is_file():
        with gzip.open(news, "rt", encoding="utf-8") as fh:
            for line in fh:
                row = json.loads(line)
                texts.append(f"{row['title']}\n{row['text'][:800]}")
    if texts:
        return sorted(set(texts)), f"{data} (traffy + news_th)"
    rows = load_set(SET_DIR)
    return sorted({f"{r.get('title', '')}\n{r['text']}".strip() for r in rows}), "classify/data/stories (data missing)"


def fresh_text(rng: random.Random, texts: list[str]) -> str:
    """A new report's text: the first part of one real text and the last part of another, cut at a
    space near the middle. With 5,518 real texts for 70,000 new reports, drawing whole texts would
    make nearly every new report from the second day on a word-for-word copy of an earlier one, and
    the later batches would measure a different mix (mostly copies) from the first, not a larger index."""
    a, b = rng.choice(texts), rng.choice(texts)
    cut_a = a.find(" ", len(a) // 2)
    cut_b = b.find(" ", len(b) // 2)
    head = a[:cut_a] if cut_a > 0 else a[: len(a) // 2]
    tail = b[cut_b:] if cut_b > 0 else b[len(b) // 2 :]
    return f"{head} {tail.strip()}"


def synthesise(texts: list[str], n: int, days: int, seed: int = 7) -> list[list[Report]]:
    """``days`` batches of reports (about n/days each), in time order."""
    rng = random.Random(seed)
    districts = [f"เขต{i}" for i in range(50)]
    per_day = n // days
    batches: list[list[Report]] = []
    earlier: list[Report] = []
    key = 0
    for day in range(days):
        batch: list[Report] = []
        for _ in range(per_day):
            key += 1
            when = START + timedelta(days=day, seconds=rng.randrange(86_400))
            roll = rng.random()
            if earlier and roll < 0.10:  # an exact repost of a recent report
                src = earlier[-rng.randrange(1, min(len(earlier), 3000) + 1)]
                rep = Report(key, src.text, src.title, when, point=src.point, district=src.district)
            elif earlier and roll < 0.20:  # a lightly edited copy
                src = earlier[-rng.randrange(1, min(len(earlier), 3000) + 1)]
                rep = Report(key, src.text + rng.choice(EDITS), src.title, when, point=src.point, district=src.district)
            elif earlier and roll < 0.30:  # another citizen's report of a recent problem at its place
                src = earlier[-rng.randrange(1, min(len(earlier), 3000) + 1)]
                rep = Report(key, fresh_text(rng, texts), "", when, point=src.point, district=src.district)
            else:
                text = fresh_text(rng, texts)
                point = (13.5 + rng.random() * 0.45, 100.33 + rng.random() * 0.55)
                rep = Report(key, text, "", when, point=point, district=rng.choice(districts))
            batch.append(rep)
            earlier.append(rep)  # reposts and copies may follow a report the same day, as they do
        batch.sort(key=lambda r: r.when)  # type: ignore[arg-type,return-value]
        batches.append(batch)
    return batches


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="stories benchmark")
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=30)
    configured = os.environ.get("BKKWATCH_DATA_DIR")
    parser.add_argument(
        "--data", type=Path, default=Path(configured) if configured else None, help="default $BKKWATCH_DATA_DIR"
    )
    args = parser.parse_args(argv)
    texts, origin = real_texts(args.data)
    batches = synthesise(texts, args.docs, args.days)
    n = sum(len(b) for b in batches)
    print(f"{n:,} documents in {len(batches)} daily batches, from {len(texts):,} real texts of {origin}")
    rss_before = max_rss_mb()
    clusterer = StoryClusterer()
    times: list[float] = []  # CPU seconds of this process: the machine is shared, wall time is noisy
    walls: list[float] = []
    dups = new = 0
    started, cpu_started = time.perf_counter(), time.process_time()
    for batch in batches:
        t0, c0 = time.perf_counter(), time.process_time()
        for report in batch:
            placed = clusterer.add(report)
            dups += placed.duplicate_of is not None
            new += placed.new_story
        times.append(time.process_time() - c0)
        walls.append(time.perf_counter() - t0)
    total = time.perf_counter() - started
    cpu_total = time.process_time() - cpu_started
    rows = [
        (
            str(i + 1),
            f"{sum(len(b) for b in batches[: i + 1]):,}",
            f"{t:.2f}",
            f"{walls[i]:.2f}",
            f"{len(batches[i]) / t:,.0f}",
        )
        for i, t in enumerate(times)
        if i in (0, 1, 2) or i % 5 == 4 or i == len(times) - 1
    ]
    print(table(rows, ("day", "store size", "batch CPU s", "wall s", "docs/CPU s")))
    first = times[0]
    ratio = times[-1] / first
    print(
        f"total {total:.1f} s wall, {cpu_total:.1f} s CPU ({n / cpu_total:,.0f} docs per CPU second); "
        f"{new:,} stories, {dups:,} duplicates; "
        f"open stories at the end {len(clusterer.stories):,}"
    )
    print(f"peak memory (max RSS) {max_rss_mb():.0f} MB (before clustering {rss_before:.0f} MB)")
    print(
        f"last batch / first batch (CPU) = {ratio:.2f} (target <= 1.5); "
        f"last / mean of the first three = {times[-1] / (sum(times[:3]) / 3):.2f}"
    )
    print(
        f"targets: total < 120 s: {'yes' if total < 120 else 'NO'} wall, "
        f"{'yes' if cpu_total < 120 else 'NO'} CPU; memory < 2048 MB: "
        f"{'yes' if max_rss_mb() < 2048 else 'NO'}; ratio <= 1.5: {'yes' if ratio <= 1.5 else 'NO'}"
    )


if __name__ == "__main__":
    main()
