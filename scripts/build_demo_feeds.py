#!/usr/bin/env python3
"""Build the bundled demo RSS feeds from the shared news_th sample.

Usage (from anywhere):

    python3 scripts/build_demo_feeds.py [ARTICLES_JSONL_GZ] [--out DIR]

ARTICLES_JSONL_GZ defaults to ``$BKKWATCH_DATA_DIR/news_th/articles.jsonl.gz``
(the public news_th set is not in the repository: give the file or set the
variable; without either the script exits 2 saying so).  Output goes to
``bkkwatch/samples/feeds/``.

Only the standard library is used.  The output is deterministic: the same
input always gives byte-identical files (no "now" timestamps, fixed ordering).

Files written (see SOURCE.md for the full provenance):

* dailynews-bangkok.xml  Daily News, source_category == "bangkok" (all rows)
* dailynews-other.xml    Daily News, other sections (Bangkok-related extras
                         plus a fixed selection of non-Bangkok rows)
* thairath.xml           Thai Rath rows (Bangkok-related + non-Bangkok)
* ch3.xml                Ch3 News rows (non-Bangkok material only)
* aggregator.xml         CONSTRUCTED syndication feed: 5 Bangkok articles
                         re-published under a different URL (utm / amp)
* broken.xml             CONSTRUCTED ill-formed feed: the saved real
                         feeds/matichon-prospect.xml truncated mid-item

feeds/matichon-prospect.xml and feeds/prachachat-prospect.xml are saved
third-party feeds and are NOT written by this script (only read, to derive
broken.xml).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import sys
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent  # scripts/ -> repo root

ICT = timezone(timedelta(hours=7), "ICT")

# Rows we judge to be about Bangkok city matters.  All rows of the Daily News
# "bangkok" section (27) are Bangkok-related by definition; these 7 rows from
# other sections were added by reading them (our judgement, not a gold label):
BANGKOK_EXTRA_IDS = {
    "Thai-news-retrieval-43": "footbridge safety / 217 risk points in Bangkok (crime section)",
    "Thai-news-retrieval-159": "new BMTA bus route Suvarnabhumi - Sanam Luang (economic)",
    "Thai-news-retrieval-182": "homeless man under Lat Phrao footbridge, Mo Chit (regional)",
    "Thai-news-retrieval-96": "weather warning incl. heavy rain in Bangkok (regional)",
    "thainews_scraper-191": "BMTA buses and the Thai Chana QR check-in (Thai Rath business)",
    "thainews_scraper-103": "python in a Lat Phrao 107 condominium (Thai Rath society)",
    "thainews_scraper-3": "Bangkok MP, food handout in Khan Na Yao district (Thai Rath politic)",
}

# Non-Bangkok "not ours" material: per (outlet, source_category) group, take the
# first N rows ordered by numeric id.  royalnews is left out on purpose.
PER_GROUP = {"dailynews.co.th": 2, "thairath.co.th": 2, "news.ch3thailand.com": 1}
SKIP_CATEGORIES = {"royalnews"}

# Derived syndication feed: (row id, how the URL is changed)
AGGREGATOR = [
    ("Thai-news-retrieval-39", "utm"),
    ("Thai-news-retrieval-67", "amp"),
    ("Thai-news-retrieval-19", "utm"),
    ("Thai-news-retrieval-105", "amp"),
    ("thainews_scraper-191", "utm"),
]
AGGREGATOR_DELAY = timedelta(minutes=35)
UTM = "utm_source=rss&utm_medium=aggregator&utm_campaign=bkkwatch-demo"

OUTLETS = {
    "dailynews.co.th": ("เดลินิวส์ (Daily News)", "https://www.dailynews.co.th/"),
    "thairath.co.th": ("ไทยรัฐออนไลน์ (Thai Rath)", "https://www.thairath.co.th/"),
    "news.ch3thailand.com": ("ข่าวช่อง 3 (Ch3 News)", "http://news.ch3thailand.com/"),
}

DESC_CHARS = 300
_INVALID_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def id_key(row_id: str):
    m = re.match(r"(.*?)-(\d+)$", row_id)
    return (m.group(1), int(m.group(2))) if m else (row_id, 0)


def load(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def parse_published(value: str) -> datetime:
    """news_th has two formats:
    * Daily News 2017 rows (iorixxx/Thai-news-retrieval): ISO with 'Z' -> UTC.
      NOTE: this looks like the crawl time (early June 2017), not publication.
    * rosbas/thainews_scraper rows: 'YYYY-MM-DD HH:MM:SS' without zone; taken
      as Bangkok local time (+07:00).
    """
    if value.endswith("Z"):
        dt = datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    else:
        dt = datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=ICT)
    return dt.astimezone(ICT).replace(microsecond=0)


def rfc822(dt: datetime) -> str:
    return format_datetime(dt.astimezone(ICT))  # e.g. 'Sun, 04 Jun 2017 05:14:06 +0700'


def clean(text: str) -> str:
    return _INVALID_XML.sub("", text)


def summary(text: str) -> str:
    flat = re.sub(r"\s+", " ", text).strip()
    if len(flat) <= DESC_CHARS:
        return flat
    cut = flat[:DESC_CHARS]
    sp = cut.rfind(" ")
    if sp > DESC_CHARS * 0.6:
        cut = cut[:sp]
    return cut.rstrip() + " …"


def cdata(html: str) -> str:
    return "<![CDATA[" + html.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def content_html(text: str) -> str:
    paras = [p.strip() for p in text.split("\n") if p.strip()]
    return "".join("<p>" + escape(p) + "</p>" for p in paras)


def is_bangkok(row: dict) -> bool:
    return (row["outlet"] == "dailynews.co.th" and row["source_category"] == "bangkok") or (
        row["id"] in BANGKOK_EXTRA_IDS
    )


def item_xml(
    row: dict,
    *,
    link: str | None = None,
    pub: datetime | None = None,
    full: bool = True,
    source: tuple[str, str] | None = None,
) -> str:
    link = link or row["url"]
    pub = pub or parse_published(row["published"])
    title = clean(row["title"]).strip()
    text = clean(row["text"])
    out = [
        "    <item>",
        f"      <title>{escape(title)}</title>",
        f"      <link>{escape(link)}</link>",
        f'      <guid isPermaLink="true">{escape(link)}</guid>',
        f"      <pubDate>{rfc822(pub)}</pubDate>",
        f"      <category>{escape(row['source_category'])}</category>",
        f"      <description>{escape(summary(text))}</description>",
    ]
    if row.get("author"):
        out.append(f"      <dc:creator>{escape(row['author'])}</dc:creator>")
    if full:
        out.append(f"      <content:encoded>{cdata(content_html(text))}</content:encoded>")
    if source:
        out.append(f"      <source url={quoteattr(source[1])}>{escape(source[0])}</source>")
    out.append("    </item>")
    return "\n".join(out)


def channel(title: str, link: str, description: str, items: list[tuple[datetime, str]]) -> str:
    items = sorted(items, key=lambda t: (t[0], t[1]), reverse=True)  # newest first
    last = rfc822(items[0][0]) if items else "Thu, 01 Jan 1970 07:00:00 +0700"
    head = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/">',
        "  <channel>",
        f"    <title>{escape(title)}</title>",
        f"    <link>{escape(link)}</link>",
        f"    <description>{escape(description)}</description>",
        "    <language>th</language>",
        f"    <lastBuildDate>{last}</lastBuildDate>",
        "    <generator>bkkwatch samples/build_feeds.py (demo feed rebuilt from news_th)</generator>",
    ]
    body = [x for _, x in items]
    return "\n".join(head + body + ["  </channel>", "</rss>", ""])


def write(out_dir: Path, name: str, xml: str) -> None:
    (out_dir / name).write_text(xml, encoding="utf-8", newline="\n")


def select_other(rows: list[dict], outlet: str) -> list[dict]:
    groups: dict[str, list[dict]] = {}
    for r in rows:
        if r["outlet"] != outlet or is_bangkok(r) or r["source_category"] in SKIP_CATEGORIES:
            continue
        if outlet == "dailynews.co.th" and r["source_category"] == "bangkok":
            continue
        groups.setdefault(r["source_category"], []).append(r)
    picked = []
    for cat in sorted(groups):
        picked += sorted(groups[cat], key=lambda r: id_key(r["id"]))[: PER_GROUP[outlet]]
    return picked


def build(rows: list[dict], out_dir: Path) -> dict[str, list[str]]:
    by_id = {r["id"]: r for r in rows}
    manifest: dict[str, list[str]] = {}

    def emit(name, title, link, desc, chosen, **kw):
        items = [(parse_published(r["published"]), item_xml(r, **kw)) for r in chosen]
        write(out_dir, name, channel(title, link, desc, items))
        manifest[name] = sorted((r["id"] for r in chosen), key=id_key)

    dn_name, dn_site = OUTLETS["dailynews.co.th"]
    dn_bkk = [r for r in rows if r["outlet"] == "dailynews.co.th" and r["source_category"] == "bangkok"]
    emit(
        "dailynews-bangkok.xml",
        dn_name + " - กรุงเทพฯ",
        dn_site + "bangkok",
        "Demo feed rebuilt from real Daily News articles (news_th sample, section 'bangkok'). "
        "pubDate is the crawl time of 2017 rows, not the publication time.",
        dn_bkk,
    )

    dn_other = [r for r in rows if r["outlet"] == "dailynews.co.th" and r["id"] in BANGKOK_EXTRA_IDS]
    dn_other += select_other(rows, "dailynews.co.th")
    emit(
        "dailynews-other.xml",
        dn_name + " - ข่าวทั่วไป",
        dn_site,
        "Demo feed rebuilt from real Daily News articles (news_th sample, sections other than 'bangkok').",
        dn_other,
    )

    tr_name, tr_site = OUTLETS["thairath.co.th"]
    tr = [r for r in rows if r["outlet"] == "thairath.co.th" and r["id"] in BANGKOK_EXTRA_IDS]
    tr += select_other(rows, "thairath.co.th")
    emit(
        "thairath.xml",
        tr_name,
        tr_site,
        "Demo feed rebuilt from real Thai Rath articles (news_th sample).",
        tr,
    )

    c3_name, c3_site = OUTLETS["news.ch3thailand.com"]
    c3 = select_other(rows, "news.ch3thailand.com")
    emit("ch3.xml", c3_name, c3_site, "Demo feed rebuilt from real Ch3 News articles (news_th sample).", c3)

    # CONSTRUCTED syndication feed (same title, different URL) for story grouping.
    agg_items = []
    for rid, how in AGGREGATOR:
        r = by_id[rid]
        url = r["url"]
        if how == "utm":
            new = url + ("&" if "?" in url else "?") + UTM
        else:  # amp: insert /amp after the host
            m = re.match(r"(https?://[^/]+)(/.*)$", url)
            assert m is not None, url
            new = m.group(1) + "/amp" + m.group(2)
        pub = parse_published(r["published"]) + AGGREGATOR_DELAY
        agg_items.append((pub, item_xml(r, link=new, pub=pub, full=False, source=(OUTLETS[r["outlet"]][0], url))))
    write(
        out_dir,
        "aggregator.xml",
        channel(
            "ข่าวรวม กทม. (CONSTRUCTED demo syndication feed)",
            "http://127.0.0.1/aggregator",
            "Constructed for the bkkwatch demo: re-publishes 5 real Bangkok articles with the same "
            "title under a different URL (utm parameters or an /amp/ path) and a pubDate 35 minutes "
            "later, to exercise story grouping / de-duplication.",
            agg_items,
        ),
    )
    manifest["aggregator.xml"] = [rid for rid, _ in AGGREGATOR]

    # CONSTRUCTED broken feed: a real saved feed cut in the middle of an item.
    real = (out_dir / "matichon-prospect.xml").read_text(encoding="utf-8")
    starts = [m.start() for m in re.finditer(r"<item>", real)]
    cut_at = real.index("<title>", starts[5]) + len("<title>") + 20  # inside 6th title
    write(out_dir, "broken.xml", real[:cut_at])
    manifest["broken.xml"] = ["(truncated copy of matichon-prospect.xml)"]
    return manifest


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("articles", nargs="?", help="news_th's articles.jsonl.gz (default: under BKKWATCH_DATA_DIR)")
    ap.add_argument("--out", default=str(REPO_ROOT / "bkkwatch" / "samples" / "feeds"))
    ap.add_argument("--list", action="store_true", help="print the row ids used per feed")
    a = ap.parse_args(argv)
    data_dir = os.environ.get("BKKWATCH_DATA_DIR")
    if a.articles:
        articles = Path(a.articles)
    elif data_dir:
        articles = Path(data_dir) / "news_th" / "articles.jsonl.gz"
    else:
        ap.error("give ARTICLES_JSONL_GZ or set BKKWATCH_DATA_DIR: the news_th set is not in the repository")
    if not articles.is_file():
        ap.error(f"{articles}: no such file (news_th's articles.jsonl.gz)")
    rows = load(articles)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    manifest = build(rows, out)
    bkk = {r["id"] for r in rows if is_bangkok(r)}
    for name, ids in manifest.items():
        if name == "broken.xml":
            print("broken.xml: truncated copy of matichon-prospect.xml (expect parse error)", file=sys.stderr)
            continue
        n_bkk = sum(i in bkk for i in ids)
        print(f"{name}: {len(ids)} items, {n_bkk} Bangkok-related", file=sys.stderr)
        if a.list:
            print(name + ": " + " ".join(ids))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
