"""Read queries of the review web app: the filtered queue, a story's record, issues, sources."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from operator import itemgetter
from typing import Any

from sqlalchemy import RowMapping, String, cast, exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from storage.models import (
    Agency,
    Answer,
    Candidate,
    CandidateState,
    Clarification,
    ClarificationState,
    CrawlRun,
    Document,
    Issue,
    IssueAgency,
    Score,
    Source,
    Story,
)

OPEN = (CandidateState.PROPOSED, CandidateState.FROZEN)
# What a queue row shows of its story (not the summary, explanation or Traffy tickets).
_QUEUE_STORY_COLUMNS = (
    Story.title,
    Story.max_level,
    Story.max_impact,
    Story.urgent,
    Story.velocity,
    Story.reach,
    Story.spike,
    Story.n_outlets,
    Story.n_documents,
    Story.first_seen,
    Story.last_seen,
    Story.places,
    Story.agencies,
)


@dataclass
class QueueFilter:
    level: int | None = None  # at least this impact level
    agency: str | None = None  # Thai name of a suggested agency
    district: str | None = None  # a place name (district) of the story
    kind: str | None = None  # document kind: article | post | ticket | comment
    open_only: bool = False


# What a queue row shows of its candidate.
_QUEUE_CANDIDATE_COLUMNS = (
    Candidate.id,
    Candidate.rank,
    Candidate.state,
    Candidate.lock_version,
    Candidate.review_day,
    Candidate.score,
    Candidate.explanation,
    Candidate.decision_note,
    Candidate.story_id,
)


@dataclass
class QueuePage:
    """One page of the queue: flat rows (candidate and story columns by name, see ``_QUEUE_*_COLUMNS``)."""

    rows: list[RowMapping]
    total: int
    urls: dict[int, list[str]] = field(default_factory=dict)
    kinds: dict[int, list[str]] = field(default_factory=dict)


def _json_contains(column: Any, text: str) -> Any:
    """A JSON list column containing ``text`` as stored (PostgreSQL: raw; SQLite: JSON-escaped)."""
    as_text = cast(column, String)
    escaped = json.dumps(text)[1:-1]
    return or_(as_text.contains(text, autoescape=True), as_text.contains(escaped, autoescape=True))


# What tells whether a queue row changed: a decision bumps the candidate's lock_version and
# updated_at, a re-rank its updated_at, re-clustering its story's updated_at (TimestampMixin).
_QUEUE_VERSION_COLUMNS = (
    Candidate.id,
    Candidate.rank,
    Candidate.lock_version,
    Candidate.updated_at,
    Candidate.story_id,
    Story.updated_at.label("story_updated_at"),
    Story.n_documents,
)


_VERSION = itemgetter(*(c.key for c in _QUEUE_VERSION_COLUMNS))


def version_key(row: RowMapping) -> tuple[Any, ...]:
    """A row of :func:`queue_versions` as a hashable version (without the window count)."""
    return tuple(_VERSION(row))


def _queue_where(day: date, flt: QueueFilter) -> tuple[list[Any], list[Any]]:
    where = [Candidate.review_day == day]
    if flt.open_only:
        where.append(Candidate.state.in_(OPEN))
    story_filters = []
    if flt.level is not None:
        story_filters.append(Story.max_level >= flt.level)
    if flt.agency:
        story_filters.append(_json_contains(Story.agencies, flt.agency))
    if flt.district:
        story_filters.append(_json_contains(Story.places, flt.district))
    if flt.kind:
        story_filters.append(exists().where(Document.story_id == Story.id, Document.kind == flt.kind))
    return where, story_filters


def _ranked(session: Session, columns: Any, day: date, flt: QueueFilter, limit: int, offset: int) -> QueuePage:
    """The page's rows with ``columns`` and the total, filters applied in SQL.

    The page walks ``ix_candidates_review_day_rank`` (candidates joined to their stories); the count
    reads ``candidates`` alone. With a story filter the matching set is found once and counted in
    the same query (a window count), since finding it means reading every story of the day.
    """
    where, story_filters = _queue_where(day, flt)
    page = (
        select(*columns)
        .join(Story, Story.id == Candidate.story_id)
        .where(*where, *story_filters)
        .order_by(Candidate.rank, Candidate.id)
        .limit(limit)
        .offset(offset)
    )
    if story_filters:
        rows = [r._mapping for r in session.execute(page.add_columns(func.count().over().label("_total")))]
        if rows:
            total = int(rows[0]["_total"])
        else:  # past the last page: count alone
            count = select(func.count(Candidate.id)).join(Story, Story.id == Candidate.story_id)
            total = session.scalar(count.where(*where, *story_filters)) or 0
    else:
        total = session.scalar(select(func.count(Candidate.id)).where(*where)) or 0
        rows = [r._mapping for r in session.execute(page)]
    return QueuePage(rows, total)


def _with_links(session: Session, page: QueuePage) -> QueuePage:
    story_ids = [r["story_id"] for r in page.rows]
    if story_ids:
        for story_id, url, kind in session.execute(
            select(Document.story_id, Document.url, Document.kind)
            .where(Document.story_id.in_(story_ids))
            .order_by(Document.story_id, Document.published_at, Document.id)
        ):
            assert story_id is not None
            page.urls.setdefault(story_id, []).append(url)
            kinds = page.kinds.setdefault(story_id, [])
            if kind not in kinds:
                kinds.append(kind)
    return page


_QUEUE_ROW_COLUMNS = (*_QUEUE_CANDIDATE_COLUMNS, *(c.label(c.key) for c in _QUEUE_STORY_COLUMNS))


def queue_page(session: Session, day: date, flt: QueueFilter, limit: int = 50, offset: int = 0) -> QueuePage:
    """One page of the day's candidates in rank order, every column a row shows, with their links."""
    return _with_links(session, _ranked(session, _QUEUE_ROW_COLUMNS, day, flt, limit, offset))


def queue_versions(session: Session, day: date, flt: QueueFilter, limit: int = 50, offset: int = 0) -> QueuePage:
    """One page of the queue as narrow version rows (``_QUEUE_VERSION_COLUMNS``): enough to tell
    which rows a cache already holds; :func:`queue_rows` reads the rest."""
    return _ranked(session, _QUEUE_VERSION_COLUMNS, day, flt, limit, offset)


def queue_rows(session: Session, candidate_ids: list[int]) -> QueuePage:
    """Every column a queue row shows, with links, for these candidates (in rank order)."""
    if not candidate_ids:
        return QueuePage([], 0)
    rows = [
        r._mapping
        for r in session.execute(
            select(*_QUEUE_ROW_COLUMNS)
            .join(Story, Story.id == Candidate.story_id)
            .where(Candidate.id.in_(candidate_ids))
            .order_by(Candidate.rank, Candidate.id)
        )
    ]
    return _with_links(session, QueuePage(rows, len(rows)))


def candidate_of_day_by_rank(session: Session, day: date, rank: int) -> Candidate | None:
    return session.scalar(select(Candidate).where(Candidate.review_day == day, Candidate.rank == rank).limit(1))


def story_documents_with_scores(session: Session, story_id: int) -> list[tuple[Document, Score | None]]:
    documents = list(
        session.scalars(
            select(Document)
            .where(Document.story_id == story_id)
            .options(selectinload(Document.source))
            .order_by(Document.published_at, Document.id)
        )
    )
    latest: dict[int, Score] = {}
    if documents:
        for score in session.scalars(
            select(Score).where(Score.document_id.in_([d.id for d in documents])).order_by(Score.created_at, Score.id)
        ):
            latest[score.document_id] = score
    return [(d, latest.get(d.id)) for d in documents]


def story_candidates(session: Session, story_id: int) -> list[Candidate]:
    return list(session.scalars(select(Candidate).where(Candidate.story_id == story_id).order_by(Candidate.review_day)))


def story_issues(session: Session, story_id: int) -> list[Issue]:
    return list(session.scalars(select(Issue).where(Issue.story_id == story_id).options(selectinload(Issue.agencies))))


@dataclass
class IssueView:
    issue: Issue
    agencies: list[Agency]
    answers: list[Answer]
    clarifications: list[Clarification]


def issues_with_details(session: Session, agency_ids: set[int] | None = None, limit: int = 200) -> list[IssueView]:
    """Confirmed issues, newest first; only those sent to ``agency_ids`` when given."""
    query = select(Issue).order_by(Issue.confirmed_at.desc(), Issue.id.desc()).limit(limit)
    if agency_ids is not None:
        if not agency_ids:
            return []
        query = query.where(exists().where(IssueAgency.issue_id == Issue.id, IssueAgency.agency_id.in_(agency_ids)))
    issues = list(session.scalars(query.options(selectinload(Issue.agencies))))
    ids = [i.id for i in issues]
    answers: dict[int, list[Answer]] = {}
    drafts: dict[int, list[Clarification]] = {}
    if ids:
        answer_query = select(Answer).where(Answer.issue_id.in_(ids)).order_by(Answer.received_at, Answer.id)
        if agency_ids is not None:
            answer_query = answer_query.where(Answer.agency_id.in_(agency_ids))
        for reply in session.scalars(answer_query):
            answers.setdefault(reply.issue_id, []).append(reply)
        if agency_ids is None:
            for draft in session.scalars(
                select(Clarification).where(Clarification.issue_id.in_(ids)).order_by(Clarification.id)
            ):
                drafts.setdefault(draft.issue_id, []).append(draft)
    return [
        IssueView(
            i,
            [a for a in i.agencies if agency_ids is None or a.id in agency_ids],
            answers.get(i.id, []),
            drafts.get(i.id, []),
        )
        for i in issues
    ]


def agencies_by_id(session: Session, ids: set[int]) -> dict[int, Agency]:
    if not ids:
        return {}
    return {a.id: a for a in session.scalars(select(Agency).where(Agency.id.in_(ids)))}


def active_agencies(session: Session) -> list[Agency]:
    return list(session.scalars(select(Agency).where(Agency.active.is_(True)).order_by(Agency.kind, Agency.name_th)))


def published_clarifications(session: Session, limit: int = 50) -> list[Clarification]:
    return list(
        session.scalars(
            select(Clarification)
            .where(Clarification.state == ClarificationState.PUBLISHED)
            .order_by(Clarification.published_at.desc(), Clarification.id.desc())
            .limit(limit)
        )
    )


def sources_with_last_run(session: Session) -> list[tuple[Source, CrawlRun | None]]:
    sources = list(session.scalars(select(Source).order_by(Source.name)))
    last_ids = select(func.max(CrawlRun.id)).group_by(CrawlRun.source_id).scalar_subquery()
    runs = {r.source_id: r for r in session.scalars(select(CrawlRun).where(CrawlRun.id.in_(last_ids)))}
    return [(s, runs.get(s.id)) for s in sources]


def recent_crawl_runs(session: Session, limit: int = 30) -> list[CrawlRun]:
    """The latest crawl runs of every source (one row per source per run), newest first."""
    return list(
        session.scalars(
            select(CrawlRun)
            .options(selectinload(CrawlRun.source))
            .order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc())
            .limit(limit)
        )
    )
