"""Stories in the store: fold newly scored documents into stories and keep each story's facts.

The clustering itself is ``classify/clustering.py`` (no database). Here:

- ``assign_stories`` feeds the documents in state ``scored`` to a clusterer kept per database in
  this process and saved after each run under ``story_index_dir`` (each flow run is a new process:
  it loads the saved index instead of re-reading 30 days of documents). The index is checked against
  the store before each run (documents in stories, newest id, stories' latest change) and rebuilt
  from the open window of the store when it does not match (another process wrote, a transaction
  was rolled back, a person merged). Nothing is recomputed for the documents already placed.
- **People stay in charge**: a document that already has a story stays there (re-scoring an edited
  article, a document a person moved); a merged story is followed to the story it went into
  (``Story.merged_into_id``); a story a person pinned is never closed by the clock. The clusterer
  only ever adds documents to stories, it never moves or removes one.
- ``refresh_facts`` recomputes the facts of each story that changed.
"""

from __future__ import annotations

import hashlib
import logging
import math
import pickle
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from bkkwatch.settings import get_settings
from classify.clustering import Report, StoryClusterer
from classify.dedup import fix_latlon, shingle_text
from classify.rules import MODEL_VERSION
from storage.documents import documents_in_state
from storage.models import Document, DocumentState, Score, Story
from storage.scores import latest_scores
from storage.stories import (
    attach,
    index_watermark,
    live_story,
    new_story,
    person_decisions,
    story_documents,
    tickets_between,
    traffy_tickets_near,
    window_documents,
)

WINDOW_DAYS = 30  # what a rebuilt index holds: the duplicate window (longer than a story stays open)
_CACHE: dict[str, tuple[StoryClusterer, tuple[object, ...]]] = {}
log = logging.getLogger(__name__)


def report_of(document: Document, score: Score | None) -> Report:
    extra = document.extra or {}
    tags = [str(t) for t in (extra.get("type") or extra.get("categories") or []) if t]
    if score is not None:
        tags += [str(a["name"]) for a in (score.agencies or [])[:2] if isinstance(a, dict) and a.get("name")]
    return Report(
        key=document.id,
        text=document.text or "",
        title=document.title or "",
        when=document.published_at or document.fetched_at,
        canonical_url=document.canonical_url,
        content_hash=document.content_hash,
        point=fix_latlon(document.lat, document.lon),
        district=extra.get("district") or None,
        places=list(score.places) if score is not None else [],
        tags=tags,
    )


def _cache_key(session: Session) -> str:
    bind = session.get_bind()
    return bind.engine.url.render_as_string(hide_password=True)


def index_file(session: Session) -> Path:
    """Where this database's story index is kept between processes (each flow run is a new process)."""
    digest = hashlib.sha256(_cache_key(session).encode("utf-8")).hexdigest()[:16]
    return Path(get_settings().story_index_dir) / f"stories-{digest}.pkl"


def _load_saved(session: Session, mark: tuple[object, ...]) -> StoryClusterer | None:
    """The index saved by an earlier process, if it was saved at exactly the store's present state."""
    path = index_file(session)
    try:
        clusterer = StoryClusterer.load(path)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, EOFError, pickle.UnpicklingError, AttributeError) as exc:
        log.warning("story index %s not used (%s): rebuilding it from the store", path, exc)
        return None
    if tuple(clusterer.saved_meta.get("mark", ())) != mark:
        return None
    return clusterer


def _save(session: Session, clusterer: StoryClusterer, mark: tuple[object, ...]) -> None:
    path = index_file(session)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        clusterer.save(path, meta={"mark": list(mark)})
    except OSError as exc:  # the index is a cache: the next process rebuilds it from the store
        log.warning("story index not saved to %s: %s", path, exc)


def clusterer_for(session: Session, model_version: str) -> tuple[StoryClusterer, int]:
    """The index of this database kept in this process, else the one the last process saved, else one
    rebuilt from the store's open window. Also: how many documents were re-read to rebuild it."""
    key = _cache_key(session)
    mark = index_watermark(session)
    cached = _CACHE.pop(key, None)  # put back only when a run succeeds: a failed run leaves no half-index
    rebuilt = 0
    if cached is not None and cached[1] == mark:
        clusterer = cached[0]
    elif (saved := _load_saved(session, mark)) is not None:
        clusterer = saved
    else:
        clusterer = StoryClusterer()
        documents = window_documents(session, WINDOW_DAYS)
        scores = latest_scores(session, [d.id for d in documents], model_version)
        for document in documents:
            story = live_story(session, document.story_id) if document.story_id else None
            if story is not None:
                clusterer.add(report_of(document, scores.get(document.id)), story=story.id)
                rebuilt += 1
    merges, pinned = person_decisions(session)
    for source, target in merges:
        if clusterer.live(source) != clusterer.live(target):
            clusterer.merge(source, target)
    for story_id in pinned:
        clusterer.pin(story_id)
    return clusterer, rebuilt


def assign_stories(session: Session, model_version: str | None = None) -> dict[str, int]:
    """Put every scored document into a story and refresh the facts of the stories that changed."""
    model_version = model_version or MODEL_VERSION
    clusterer, rebuilt = clusterer_for(session, model_version)
    clusterer.new_story_key = lambda: new_story(session).id
    documents = documents_in_state(session, DocumentState.SCORED)
    documents.sort(key=lambda d: (d.published_at or d.fetched_at, d.id))
    scores = latest_scores(session, [d.id for d in documents], model_version)
    touched: dict[int, Story] = {}
    created = 0
    for document in documents:
        report = report_of(document, scores.get(document.id))
        kept = live_story(session, document.story_id) if document.story_id else None
        if kept is not None:  # re-scored, or placed by a person: it stays where it is
            clusterer.add(report, story=kept.id)
            story = kept
        else:
            placed = clusterer.add(report)
            found = session.get(Story, placed.story)
            assert found is not None
            story = found
            created += placed.new_story
            if placed.new_story and placed.recurrence_of is not None and placed.recurrence_of != story.id:
                story.recurrence_of_id = int(placed.recurrence_of)  # type: ignore[call-overload]
            if placed.duplicate_of is not None and document.duplicate_of_id is None:
                document.duplicate_of_id = int(placed.duplicate_of)  # type: ignore[call-overload]
        attach(document, story)
        touched[story.id] = story
    session.flush()
    for story in touched.values():
        refresh_facts(session, story, model_version)
    session.flush()
    clusterer.new_story_key = clusterer._next_key  # do not keep this session alive in the cache
    mark = index_watermark(session)
    _CACHE[_cache_key(session)] = (clusterer, mark)
    if documents or rebuilt:  # the next process (the next flow run) starts from here, not from the store
        _save(session, clusterer, mark)
    return {"stories_new": created, "stories_updated": len(touched) - created, "index_rebuilt": rebuilt}


# --- facts -------------------------------------------------------------------------------------


def refresh_facts(session: Session, story: Story, model_version: str, now: datetime | None = None) -> None:
    documents = story_documents(session, story.id)
    if not documents:
        return
    now = now or datetime.now(UTC)
    scores = latest_scores(session, [d.id for d in documents], model_version)
    seen = [d.published_at or d.fetched_at for d in documents]
    story.first_seen, story.last_seen = min(seen), max(seen)
    story.last_fetched = max(d.fetched_at for d in documents)
    story.n_documents = len(documents)
    story.n_outlets = len({d.source_id or urlsplit(d.url).hostname for d in documents})
    story.reach = sum((d.likes or 0) + (d.shares or 0) + (d.comments or 0) for d in documents)
    pace = velocity(seen, now)
    story.velocity = float(pace["per_hour"])
    story.spike = bool(pace["spike"])
    central = most_central(documents)
    story.title = central.title or _first_sentence(central.text) or story.title
    story.summary = summary(central, documents)
    scored = [(d, scores[d.id]) for d in documents if d.id in scores]
    trend = {"rising": "รายงานเพิ่มขึ้น", "falling": "รายงานลดลง"}.get(str(pace["trend"]), "")
    if scored:
        _, best = max(scored, key=lambda pair: (pair[1].level, pair[1].impact, -pair[0].id))
        story.bangkok = max(s.bangkok for _, s in scored)
        story.max_impact = max(s.impact for _, s in scored)
        story.max_level = max(s.level for _, s in scored)
        story.urgent = any(s.urgent for _, s in scored)
        story.explanation = " · ".join(p for p in (best.explanation, trend) if p)
        story.agencies = _merge_agencies([s.agencies for _, s in scored])
        places = Counter(p for _, s in scored for p in s.places)
        story.places = [p for p, _ in places.most_common()]
    story.traffy_tickets = traffy_tickets(documents, _nearby_tickets(session, documents, central, story.places))
    story.updated_at = now


def velocity(seen: list[datetime], now: datetime) -> dict[str, float | str | bool]:
    """Reports per hour over the last 24 hours, the trend against the 24 hours before, and a spike flag."""
    recent = sum(1 for t in seen if now - timedelta(hours=24) <= t <= now)
    before = sum(1 for t in seen if now - timedelta(hours=48) <= t < now - timedelta(hours=24))
    trend = "rising" if recent > before else "falling" if recent < before else "steady"
    spike = recent >= 4 and recent >= 3 * max(1, before)
    return {
        "per_hour": round(recent / 24.0, 3),
        "recent": recent,
        "before": before,
        "trend": trend,
        "spike": spike,
    }


def _grams(text: str, n: int = 4) -> set[str]:
    s = shingle_text(text)[:800]
    return {s[i : i + n] for i in range(max(0, len(s) - n + 1))}


def most_central(documents: list[Document]) -> Document:
    """The document sharing the most of its wording with the others (the story's typical report)."""
    if len(documents) <= 2:
        return max(documents, key=lambda d: (bool(d.title), len(d.text or ""), -d.id))
    sample = documents[:60]
    grams = {d.id: _grams(f"{d.title}\n{d.text}") for d in sample}
    df: Counter[str] = Counter(g for gs in grams.values() for g in gs)

    def centrality(d: Document) -> float:
        gs = grams[d.id]
        return sum(df[g] - 1 for g in gs) / (len(gs) or 1) + (0.5 if d.title else 0.0)

    return max(sample, key=lambda d: (centrality(d), -d.id))


_SENTENCE = re.compile(r"(?<=[.!?。])\s+|\n+|\s{2,}|(?<=[ะาิีึืุูเแโใไ่้๊๋็์ๆ])\s(?=[ก-ฮ])")


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text or "") if len(s.strip()) >= 8]


def _first_sentence(text: str) -> str:
    parts = _sentences(text)
    return parts[0][:200] if parts else (text or "")[:200]


def summary(central: Document, documents: list[Document], limit: int = 280) -> str:
    """A short Thai summary: the central report's headline, then its sentences most shared with the story."""
    df: Counter[str] = Counter(g for d in documents[:60] for g in _grams(f"{d.title}\n{d.text}"))
    sentences = _sentences(central.text)
    ranked = sorted(sentences, key=lambda s: -sum(df[g] for g in _grams(s)) / math.sqrt(len(_grams(s)) or 1))
    chosen = [s for s in sentences if s in ranked[:2]]  # keep the article's order
    head = central.title.strip() if central.title else ""
    text = " ".join(p for p in [head, *chosen] if p)
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit] + "…"


def _nearby_tickets(
    session: Session, documents: list[Document], central: Document, places: list[str]
) -> list[Document]:
    """Tickets outside the story about the same place and problem, reported while the story ran (or
    a week before): within 300 m of its reports when they have coordinates, else naming one of its
    places; and sharing its wording (character 4-gram Jaccard >= 0.1)."""
    members = {d.id for d in documents}
    points = [p for p in (fix_latlon(d.lat, d.lon) for d in documents) if p][:3]
    seen = [d.published_at or d.fetched_at for d in documents]
    candidates: list[Document] = []
    for lat, lon in points:
        candidates += traffy_tickets_near(session, lat, lon)
    if not points and places:
        for ticket in tickets_between(session, min(seen) - timedelta(days=7), max(seen) + timedelta(days=1)):
            where = f"{(ticket.extra or {}).get('district') or ''} {ticket.text}"
            if any(place in where for place in places):
                candidates.append(ticket)
    grams = _grams(f"{central.title}\n{central.text}")
    found: dict[int, Document] = {}
    for ticket in candidates:
        if ticket.id in members or ticket.id in found:
            continue
        other = _grams(ticket.text)
        if grams and other and len(grams & other) / len(grams | other) >= 0.1:
            found[ticket.id] = ticket
    return list(found.values())


def traffy_tickets(documents: list[Document], nearby: list[Document] | None = None) -> list[dict[str, Any]]:
    """The Traffy Fondue tickets of a story (its own, then nearby ones), with their state, newest first."""
    out = []
    ordered = sorted(documents, key=lambda d: d.published_at or d.fetched_at, reverse=True)
    for d in [*ordered, *(nearby or [])]:
        if d.kind != "ticket":
            continue
        extra = d.extra or {}
        ticket_id = str(extra.get("ticket_id") or urlsplit(d.url).path.rstrip("/").rsplit("/", 1)[-1] or d.id)
        out.append(
            {
                "ticket_id": ticket_id,
                "state": extra.get("state"),
                "url": d.url,
                "reported": (d.published_at or d.fetched_at).isoformat(),
                "in_story": d in documents,
            }
        )
    return out[:20]


def _merge_agencies(lists: list[list[dict[str, object]]]) -> list[dict[str, object]]:
    """The story's agencies: each agency's score averaged over the story's scored documents (0 where a
    document does not name it), best five. An agency every report points to (the drainage department
    for a city-wide flood) comes before a district office that one report of many happens to name."""
    total: dict[str, float] = {}
    first: dict[str, dict[str, object]] = {}
    for agencies in lists:
        for agency in agencies or []:
            name = str(agency["name"])
            total[name] = total.get(name, 0.0) + float(agency["score"])  # type: ignore[arg-type]
            first.setdefault(name, dict(agency))
    n = max(1, len(lists))
    merged = [{**first[name], "score": round(score / n, 4)} for name, score in total.items()]
    # a stable sort: equal scores keep the order the reports ranked them in (the scorer's own tie-break)
    return sorted(merged, key=lambda a: -float(a["score"]))[:5]  # type: ignore[arg-type]
