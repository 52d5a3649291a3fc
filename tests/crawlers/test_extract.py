"""Extraction, decoding and canonical URLs on the saved fixtures (no network)."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from fixture_server import ARTICLE_SITES, FIXTURES

from bkkwatch.timeutil import BANGKOK
from crawlers.extract import decode_html, extract_article
from crawlers.urls import canonical_url


def expected(site: str) -> dict:
    return json.loads((FIXTURES / site / "expected.json").read_text(encoding="utf-8"))


def check_article(
    site: str,
    title: str,
    text: str,
    author: str | None,
    published: datetime | None,
    canonical: str,
    served_url: str,
) -> None:
    exp = expected(site)
    assert title == exp["title"]
    assert text.startswith(exp["first_sentence"]), text[:120]
    assert text.endswith(exp["last_sentence"]), text[-120:]
    assert author == exp["author"]
    assert published is not None and published.tzinfo is not None
    if exp.get("published"):
        assert published == datetime.fromisoformat(exp["published"])
    else:
        assert published.astimezone(BANGKOK).date().isoformat() == exp["published_date"]
    assert canonical == (exp["canonical_url"] or canonical_url(served_url))


def test_enough_real_sites() -> None:
    sites = {p.name for p in FIXTURES.iterdir() if (p / "SOURCE.md").exists()}
    assert len(sites) >= 12
    for site in sites:
        assert "http" in (FIXTURES / site / "SOURCE.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("site", ARTICLE_SITES)
def test_extract_fixture(site: str) -> None:
    exp = expected(site)
    html, encoding = decode_html((FIXTURES / site / "page.html").read_bytes(), None)
    assert encoding == exp["charset"]
    article = extract_article(html, exp["url"])
    check_article(
        site,
        article.title,
        article.text,
        article.author,
        article.published,
        article.canonical_url,
        exp["url"],
    )


def test_tis620_page_declared_wrongly_as_utf8() -> None:
    raw = (FIXTURES / "ch3" / "page.html").read_bytes()
    text, encoding = decode_html(raw, "utf-8")
    assert encoding == "cp874"
    assert expected("ch3")["title"] in text


def test_utf8_page_declared_as_tis620() -> None:
    raw = (FIXTURES / "dailynews" / "page.html").read_bytes()
    text, encoding = decode_html(raw, "tis-620")
    assert encoding == "utf-8"
    assert "ท่วม29จุด กทม.เร่งระบายน้ำคืนสู่ปกติ" in text


@pytest.mark.parametrize("declared", ["tis-620", "TIS620", "windows-874", "cp874", "iso-8859-11", None])
def test_thai_codecs(declared: str | None) -> None:
    raw = "<html><body><p>กรุงเทพมหานคร น้ำท่วมขังถนนสุขุมวิท</p></body></html>".encode("cp874")
    text, _ = decode_html(raw, declared)
    assert "กรุงเทพมหานคร น้ำท่วมขังถนนสุขุมวิท" in text


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        (
            "https://www.khaosod.co.th/news_1?utm_source=fb&utm_medium=x&fbclid=abc",
            "https://www.khaosod.co.th/news_1",
        ),
        ("https://www.khaosod.co.th/news_1/amp", "https://www.khaosod.co.th/news_1"),
        ("https://m.thairath.co.th/news/local/123", "https://www.thairath.co.th/news/local/123"),
        ("https://amp.thairath.co.th/news/local/123#top", "https://www.thairath.co.th/news/local/123"),
        (
            "HTTPS://WWW.Matichon.co.th:443/local/news_5?b=2&a=1",
            "https://www.matichon.co.th/local/news_5?a=1&b=2",
        ),
    ],
)
def test_canonical_urls(url: str, canonical: str) -> None:
    assert canonical_url(url) == canonical


def test_amp_page_folds_to_canonical() -> None:
    exp = expected("mthai")
    html, _ = decode_html((FIXTURES / "mthai" / "page.html").read_bytes(), None)
    assert extract_article(html, exp["url"] + "/amp").canonical_url == exp["canonical_url"]


def test_hostile_page_does_not_crash() -> None:
    article = extract_article("<html><script>alert(1)</script><p>" + "ก" * 10 + "</p></html>", "https://x.th/a")
    assert "alert" not in article.text
    assert extract_article("", "https://x.th/a").title == ""


# --- where the body is taken from (the rules, their order, and what counts as a paragraph) -------------

URL = "https://www.example.co.th/news/1.html"


def body(html: str) -> str:
    return extract_article(f"<html><body>{html}</body></html>", URL).text


def test_body_rules_in_order_of_trust_not_page_order() -> None:
    first, second = "ก " * 80, "ข " * 80
    page = f'<div class="detail"><p>{first}</p></div><div itemprop="articleBody"><p>{second}</p></div>'
    assert body(page) == second.strip()


def test_a_too_short_body_falls_through_to_the_next_rule() -> None:
    text = "ค " * 80
    assert body(f'<div itemprop="articleBody"><p>สั้น</p></div><div class="news-content"><p>{text}</p></div>') == (
        text.strip()
    )


def test_a_body_rule_matches_whole_class_names_only() -> None:
    wrong, right = "ง " * 80, "จ " * 80
    page = (
        f'<div class="entry-content-sidebar"><p>{wrong}</p></div>'
        f'<span class="detail"><p>{wrong}</p></span>'  # "detail" counts on a <div> only
        f'<div class="a\tentry-content\nb"><p>{right}</p></div>'
    )
    assert body(page) == right.strip()


def test_a_body_inside_a_block_an_earlier_rule_cleaned_up_is_not_used() -> None:
    hidden, shown = "ฉ " * 80, "ช " * 80
    page = (
        f'<div itemprop="articleBody"><p>สั้น</p><figure><div class="entry-content"><p>{hidden}</p></div></figure>'
        f'</div><div class="x entry-content"><p>{shown}</p></div>'
    )
    assert body(page) == shown.strip()


def test_nested_paragraphs_count_once_and_spaces_are_folded() -> None:
    outer, inner = "ซ" * 80, "ฌ" * 80
    page = (
        f'<div class="article-body"><ul><li>{outer}<p>{inner}</p></li></ul><blockquote><p>{inner}</p></blockquote>'
        f"<p>  a\t\tb\u00a0\u00a0c\u200bd  </p><p>\r\n x  y \r</p></div>"
    )
    assert body(page).split("\n") == [outer + inner, inner, "a b c d", "x y"]


def test_a_body_whose_paragraphs_all_sit_in_an_outer_list_item_gives_way_to_the_next_rule() -> None:
    # Kept as it was: "nested" looks past the body, so a body inside a <li> counts none of its paragraphs.
    inside, after = "ฐ " * 80, "ฑ " * 80
    page = f'<ul><li><div class="news-content"><p>{inside}</p></div></li></ul><div class="content-detail">{after}</div>'
    assert body(page) == after.strip()
