"""Article extraction shared by the site spiders.

Order of trust: JSON-LD (NewsArticle and kin), then OpenGraph and meta tags, then the page itself.
The body comes from JSON-LD ``articleBody`` when it is there, else from the article container
(``itemprop=articleBody``, ``.entry-content``, ``article`` ...), else from trafilatura.
Pages are decoded with their real encoding: Thai sites still serve TIS-620 / windows-874, and some
declare one encoding and send another.
"""

from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

import lxml.html
from lxml import etree

from crawlers.thaidate import parse_thai_date
from crawlers.urls import canonical_url

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.IGNORECASE)
_THAI_CODECS = {"tis-620", "tis620", "tis_620", "cp874", "windows-874", "x-windows-874", "iso-8859-11"}
_ARTICLE_TYPES = {
    "newsarticle",
    "article",
    "reportagenews",
    "blogposting",
    "analysisnewsarticle",
    "opinionnewsarticle",
    "backgroundnewsarticle",
    "report",
    "liveblogposting",
}
# Where the article body is, most trusted first: microdata, then the class names of common CMS themes
# (a whole class token, as XPath's contains(concat(" ", normalize-space(@class), " "), " x ") matches).
_BODY_CLASSES = (
    "entry-content",
    "article-body",
    "td-post-content",  # tagDiv "Newspaper" theme
    "news-content",
    "content-detail",
    "field-name-body",
)
_DETAIL_CLASS = "detail"  # on a <div> only
# One pass over the page finds every element that may be a body (a cheap substring test on @class);
# which rule each one really meets is decided in Python (_body_rules), instead of one XPath scan of
# the whole page per rule.
_BODY_CANDIDATES = etree.XPath(
    '//*[@itemprop="articleBody" or @class['
    + " or ".join(f'contains(., "{name}")' for name in (*_BODY_CLASSES, _DETAIL_CLASS))
    + "]]"
)
_XML_SPACE = re.compile(r"[ \t\r\n]+")  # what normalize-space() collapses
_DROP_TAGS = ("script", "style", "noscript", "iframe", "template", "figure", "aside", "nav", "form", "button")
_WS = re.compile(r"[ \t\u00a0\u200b]+")
_ODD_SPACE = ("  ", "\t", "\u00a0", "\u200b")  # text without any of these is left as it is by _WS
MIN_BODY = 120
_SITE_SUFFIX = re.compile(r"\s+(\||–|—|-)\s+(?!.*\s(\||–|—|-)\s).{1,60}$")


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    if name in _THAI_CODECS:
        return "cp874"  # a superset of TIS-620
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_html(body: bytes, declared: str | None = None) -> tuple[str, str]:
    """The page as text and the encoding really used (the declared one is checked, not trusted)."""
    if body.startswith(codecs.BOM_UTF8):
        return body[3:].decode("utf-8", errors="replace"), "utf-8"
    meta = _META_CHARSET.search(body[:4096])
    candidates = [_codec(declared), _codec(meta.group(1).decode("ascii", "ignore") if meta else None)]
    # UTF-8 that decodes strictly is UTF-8 whatever the page says (a TIS-620 page almost never does).
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    for name in candidates:
        if name and name not in ("utf-8", "ascii"):
            try:
                return body.decode(name), name
            except UnicodeDecodeError:
                continue
    # Declared UTF-8 (or nothing) but not valid UTF-8: Thai bytes in 0xA1-0xFB are windows-874.
    thai_bytes = sum(1 for b in body[:20000] if 0xA1 <= b <= 0xFB)
    if thai_bytes > 20:
        return body.decode("cp874", errors="replace"), "cp874"
    return body.decode("utf-8", errors="replace"), "utf-8"


@dataclass
class Article:
    url: str
    canonical_url: str
    title: str = ""
    text: str = ""
    author: str | None = None
    published: datetime | None = None
    modified: datetime | None = None
    description: str = ""
    site_name: str | None = None
    image: str | None = None
    section: str | None = None
    tags: list[str] = field(default_factory=list)
    body_from: str = ""  # jsonld | container | trafilatura | meta


def _clean(text: str | None) -> str:
    """Runs of spaces, tabs, no-break and zero-width spaces as one space; lines trimmed, blank ones gone."""
    if not text:
        return ""
    text = str(text).replace("\r", "\n")
    if any(odd in text for odd in _ODD_SPACE):  # a single space needs no rewriting: most text has no other
        text = _WS.sub(" ", text)  # _WS never spans a line break, so the whole text at once is the same
    lines = (line.strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _walk_jsonld(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, list):
        for child in node:
            found.extend(_walk_jsonld(child))
    elif isinstance(node, dict):
        found.append(node)
        for key in ("@graph", "mainEntity", "itemListElement"):
            if key in node:
                found.extend(_walk_jsonld(node[key]))
    return found


def _types(node: dict[str, Any]) -> set[str]:
    raw = node.get("@type") or []
    return {str(t).lower() for t in (raw if isinstance(raw, list) else [raw])}


def jsonld_article(doc: Any) -> dict[str, Any]:
    """The first JSON-LD node typed as a news article (tolerating the usual broken JSON)."""
    for script in _JSONLD(doc):
        raw = (script.text or "").strip()
        if not raw:
            continue
        try:
            data = json.loads(raw, strict=False)
        except ValueError:
            try:
                data = json.loads(re.sub(r",\s*([}\]])", r"\1", raw.replace("\n", " ")), strict=False)
            except ValueError:
                continue
        for node in _walk_jsonld(data):
            if _types(node) & _ARTICLE_TYPES:
                return node
    return {}


def _person(value: Any) -> str | None:
    if isinstance(value, list):
        names = [n for n in (_person(v) for v in value) if n]
        return ", ".join(names) or None
    if isinstance(value, dict):
        value = value.get("name")
    value = _clean(value) if isinstance(value, str) else ""
    return value or None


# Compiled once: lxml compiles an XPath string on every ``.xpath()`` call.
_METAS = etree.XPath("//meta[@content]")
_JSONLD = etree.XPath('//script[@type="application/ld+json"]')
_CANONICAL = etree.XPath('//link[@rel="canonical"]/@href')
_H1 = etree.XPath("//h1")
_TITLE = etree.XPath("//title/text()")
_TIME_ATTRS = etree.XPath("//time/@datetime")
_TIME_TEXTS = etree.XPath("//time/text()")
# ``@class[contains(., "x")]`` rather than ``contains(@class, "x")``: the same elements, but an element
# without a class is passed over at once instead of having its (missing) class read once per name.
_DATE_TEXT = etree.XPath('//*[@class[contains(., "date") or contains(., "time")]]/text()')
_LABELLED_AUTHOR = etree.XPath(  # the cheap contains() first: normalize-space() only where it can match
    '//*[text()[1][contains(., "Author") or contains(., "ผู้เขียน")]'  # contains(text(), ..) reads text()[1]
    ' and (normalize-space(text())="Author" or normalize-space(text())="ผู้เขียน")]'
    "/following-sibling::text()[normalize-space()][1]"
)
# Not on <article>/<body>/<main>: Drupal marks the whole node "author-<login>", which is no byline.
_BYLINE = etree.XPath(
    '//*[(@class[contains(., "author") or contains(., "byline") or contains(., "submitted")] or @rel="author")'
    " and not(self::article or self::body or self::main or self::section)]//text()"
)
# Drupal's "submitted" line: "Submitted by NAME on DATE" or just "Submitted on DATE".
_SUBMITTED = re.compile(r"^(?:submitted|posted|published)\s+(?:by\s+(?P<name>.+?)\s+)?on\s+(?P<date>.+)$", re.I)
_SUBMITTED_DATE = etree.XPath('//*[@class[contains(., "submitted")]]//text()')
_EMBEDDED_ISO = re.compile(r"\d{4}-\d{2}-\d{2}(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?")
# The "related stories" block some outlets put inside the article body, at its end.
_RELATED = ("เรื่องที่เกี่ยวข้อง", "ข่าวที่เกี่ยวข้อง", "อ่านข่าวที่เกี่ยวข้อง", "Related stories", "Related articles")
_DROP = etree.XPath(" | ".join(f".//{t}" for t in _DROP_TAGS))
# Paragraph-like blocks of a body, less those inside another paragraph, item or quote (counted there).
_ANY_PARAGRAPH = ".//p | .//h2 | .//h3 | .//li | .//blockquote"
_PARAGRAPHS = etree.XPath(f"({_ANY_PARAGRAPH})[not(ancestor::p or ancestor::li or ancestor::blockquote)]")
_HAS_PARAGRAPHS = etree.XPath(f"boolean({_ANY_PARAGRAPH})")


def _metas(doc: Any) -> dict[str, str]:
    """Every named meta tag's first non-empty content (property, name or itemprop), read once."""
    found: dict[str, str] = {}
    for node in _METAS(doc):
        content = (node.get("content") or "").strip()
        if not content:
            continue
        for attr in ("property", "name", "itemprop"):
            key = node.get(attr)
            if key and key not in found:
                found[key] = content
    return found


def _meta(metas: dict[str, str], *names: str) -> str:
    for name in names:
        if name in metas:
            return metas[name]
    return ""


def _body_rules(node: Any) -> list[int]:
    """Which of the body rules (0: itemprop=articleBody, 1..: _BODY_CLASSES, last: div.detail) ``node`` meets."""
    rules = [0] if node.get("itemprop") == "articleBody" else []
    classes = set(_XML_SPACE.split(node.get("class") or ""))
    rules += [i for i, name in enumerate(_BODY_CLASSES, 1) if name in classes]
    if node.tag == "div" and _DETAIL_CLASS in classes:
        rules.append(len(_BODY_CLASSES) + 1)
    return rules


def _attached(node: Any, root: Any) -> bool:
    """Still in the page (not inside a subtree an earlier rule's clean-up dropped)."""
    while node is not None:
        if node is root:
            return True
        node = node.getparent()
    return False


def _container_text(doc: Any) -> str:
    """Each rule in order of trust tries its first element in page order; the first long enough text wins."""
    by_rule: dict[int, list[Any]] = {}
    for node in _BODY_CANDIDATES(doc):
        for rule in _body_rules(node):
            by_rule.setdefault(rule, []).append(node)
    root = doc.getroottree().getroot()
    for rule in sorted(by_rule):
        node = next((n for n in by_rule[rule] if _attached(n, root)), None)
        if node is None:
            continue
        for bad in _DROP(node):
            bad.drop_tree()
        paragraphs = _PARAGRAPHS(node)
        if paragraphs:
            parts = [_clean(p.text_content()) for p in paragraphs]
        elif _HAS_PARAGRAPHS(node):  # all of them inside a <p>/<li>/<blockquote> (the ancestor may be
            parts = []  # outside the body, e.g. a body in a list item): nothing, as before
        else:
            parts = [_clean(node.text_content())]
        text = "\n".join(p for p in parts if p)
        if len(text) >= MIN_BODY:
            return text
    return ""


def _trafilatura_text(html: str, url: str) -> str:
    """trafilatura's own extractor first (``fast``: no readability/jusText comparison, several times
    cheaper); the full run with its fallbacks only when that finds no body."""
    import trafilatura

    text = ""
    for fast in (True, False):
        try:
            text = _clean(
                trafilatura.extract(
                    html,
                    url=url,
                    include_comments=False,
                    include_tables=False,
                    favor_precision=True,
                    deduplicate=False,
                    fast=fast,
                )
            )
        except Exception:  # trafilatura on a hostile page: treat as no body
            text = ""
        if len(text) >= MIN_BODY:
            break
    return text


def _trim_body(text: str, title: str) -> str:
    """No repeated headline on top, no copyright line at the bottom."""
    lines = text.split("\n")
    if lines and title and lines[0].strip() == title.strip():
        lines = lines[1:]
    while lines and lines[-1].lstrip().startswith(("©", "Copyright", "(c)", *_RELATED)):
        lines = lines[:-1]
    return "\n".join(lines)


def _trafilatura_metadata(html: str, url: str) -> tuple[str | None, datetime | None]:
    try:
        from trafilatura.metadata import extract_metadata

        meta = extract_metadata(html, default_url=url)
    except Exception:
        return None, None
    if meta is None:
        return None, None
    author = _clean(meta.author) or None
    return author, None


def _date(*values: Any) -> datetime | None:
    for value in values:
        if isinstance(value, str) and value.strip():
            parsed = parse_thai_date(value)
            if parsed is not None:
                return parsed
    return None


def _submitted_date(doc: Any) -> datetime | None:
    """The date in a "Submitted on Mon, 2019-01-21 13:49" line (Drupal), read as an ISO date in it."""
    for text in _SUBMITTED_DATE(doc)[:3]:
        match = _SUBMITTED.match(_clean(text))
        iso = _EMBEDDED_ISO.search(match.group("date")) if match else None
        if iso:
            return parse_thai_date(iso.group(0))
    return None


def extract_article(html: str, url: str) -> Article:
    """Everything we keep from one article page."""
    try:
        doc = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return Article(url=url, canonical_url=canonical_url(url))
    ld = jsonld_article(doc)
    metas = _metas(doc)
    canonical = ""
    for href in _CANONICAL(doc):
        if href.strip():
            canonical = urljoin(url, href.strip())
            break
    canonical = canonical or _meta(metas, "og:url") or (str(ld["url"]) if isinstance(ld.get("url"), str) else "")
    canonical = canonical_url(urljoin(url, canonical) if canonical else url)

    h1 = _H1(doc)
    page_title = _TITLE(doc)
    h1_text = _clean(h1[0].text_content()) if h1 else ""
    og_title = _clean(_meta(metas, "og:title", "twitter:title"))
    if h1_text and og_title.startswith(h1_text) and len(og_title) > len(h1_text):
        og_title = h1_text  # "Headline | Site | date": the page's own headline is the title
    title_from_page = _clean((ld.get("headline") if isinstance(ld.get("headline"), str) else "") or og_title or h1_text)
    title = _clean(title_from_page or (page_title[0] if page_title else ""))
    if not title_from_page and page_title:
        title = _SITE_SUFFIX.sub("", title)
    published = (
        _date(
            ld.get("datePublished"),
            _meta(metas, "article:published_time", "datePublished", "pubdate", "publishdate", "date", "dc.date"),
            ld.get("dateCreated"),
        )
        or _date(*_TIME_ATTRS(doc), *_TIME_TEXTS(doc))  # the page is searched only when metadata has no date
        or _date(*_DATE_TEXT(doc)[:5])
        or _submitted_date(doc)
    )
    modified = _date(ld.get("dateModified"), _meta(metas, "article:modified_time", "dateModified"))
    author = _person(ld.get("author")) or (_meta(metas, "author", "article:author") or None)
    publisher = _meta(metas, "publisher", "og:site_name") or _person(ld.get("publisher"))
    if author and publisher and author == publisher:
        author = None  # the outlet named as author: look for the byline on the page
    if not author:
        labelled = _LABELLED_AUTHOR(doc)
        author = _clean(labelled[0]) if labelled else None
    if not author:
        shown = [_clean(t) for t in _BYLINE(doc)]
        shown = [t for t in shown if t]
        author = re.sub(r"^(โดย|by)\s*", "", shown[0], flags=re.IGNORECASE) if shown else None
        submitted = _SUBMITTED.match(author) if author else None
        if submitted:  # "Submitted by NAME on DATE" names the author; "Submitted on DATE" names nobody
            author = submitted.group("name")
    if author and (author.startswith(("http://", "https://")) or len(author) > 120):
        author = None
    description = _clean(ld.get("description") if isinstance(ld.get("description"), str) else "") or _clean(
        _meta(metas, "og:description", "description", "twitter:description")
    )
    site = _meta(metas, "og:site_name") or _person(ld.get("publisher"))
    image = ld.get("image")
    if isinstance(image, list):
        image = image[0] if image else None
    if isinstance(image, dict):
        image = image.get("url")
    image = (image if isinstance(image, str) else None) or _meta(metas, "og:image") or None
    section = ld.get("articleSection")
    if isinstance(section, list):
        section = section[0] if section else None
    keywords = ld.get("keywords") or _meta(metas, "keywords", "news_keywords")
    tags = (
        [k.strip() for k in (keywords if isinstance(keywords, list) else str(keywords).split(",")) if str(k).strip()]
        if keywords
        else []
    )

    text, body_from = "", ""
    body = ld.get("articleBody")
    if isinstance(body, str) and len(body.strip()) >= MIN_BODY:
        text, body_from = _clean(lxml.html.fromstring(body).text_content() if "<" in body else body), "jsonld"
    if not text:
        text = _container_text(doc)
        body_from = "container" if text else ""
    if not text:
        text = _trafilatura_text(html, url)
        body_from = "trafilatura" if text else ""
    if text:
        text = _trim_body(text, title)
    if not author and body_from == "trafilatura":  # an unknown layout: let trafilatura look for a byline
        author = _trafilatura_metadata(html, url)[0]
    if not text and description:
        text, body_from = description, "meta"
    return Article(
        url=url,
        canonical_url=canonical,
        title=title,
        text=text,
        author=author,
        published=published,
        modified=modified,
        description=description,
        site_name=site,
        image=image,
        section=str(section) if section else None,
        tags=[str(t) for t in tags][:30],
        body_from=body_from,
    )
