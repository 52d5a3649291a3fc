"""The thin overnight path: parse + validate + store + score + group the bundled feeds, against
feedparser alone parsing the same bytes (the floor no pipeline can beat), in one run."""

from __future__ import annotations

import tempfile
from pathlib import Path

import feedparser

from bench.common import max_rss_mb, measure, table
from bkkwatch.demo import sample_sources, samples_dir
from classify.pipeline import process_new_documents
from crawlers.feeds import parse_feed
from storage import db
from storage.documents import store_item

ROUNDS = 5


def _feeds() -> list[tuple[str, bytes]]:
    return [(s.name, (samples_dir() / s.path).read_bytes()) for s in sample_sources() if not s.expect_error]


def main() -> None:
    feeds = _feeds()
    n_items = sum(len(feedparser.parse(body).entries) for _, body in feeds)

    def parse_only() -> int:
        return sum(len(feedparser.parse(body).entries) for _ in range(ROUNDS) for _, body in feeds)

    def pipeline() -> int:
        stored = 0
        for round_ in range(ROUNDS):
            with tempfile.TemporaryDirectory() as tmp:
                url = f"sqlite:///{Path(tmp) / 'bench.db'}"
                db.ensure_database(url)
                with db.session_scope(url) as session:
                    for name, body in feeds:
                        for item in parse_feed(body, name).items:
                            # a new URL per round, so every round stores and scores everything
                            item = item.model_copy(update={"url": f"{item.url}#r{round_}"})
                            store_item(session, item, None)
                            stored += 1
                with db.session_scope(url) as session:
                    process_new_documents(session)
                db.get_engine(url).dispose()
                db._ENGINES.pop(url, None)
        return stored

    base = measure(parse_only)
    ours = measure(pipeline)
    base_rate = ROUNDS * n_items / base.seconds
    our_rate = ours.result / ours.seconds
    print(
        table(
            [
                ("feedparser.parse only", f"{base_rate:,.0f}", f"{base.peak_python_mb:.1f}"),
                ("parse+store+score+stories (SQLite)", f"{our_rate:,.0f}", f"{ours.peak_python_mb:.1f}"),
            ],
            ("run", "items/s", "peak heap MB"),
        )
    )
    print(
        f"items per round: {n_items}; rounds: {ROUNDS}; "
        f"ratio pipeline/parse-only: {our_rate / base_rate:.2f}; "
        f"max RSS {max_rss_mb():.0f} MB"
    )


if __name__ == "__main__":
    main()
