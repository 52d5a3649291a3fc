"""The whole domain schema (SQLAlchemy 2.0). States and owners: docs/design.md.

Times are stored in UTC (``UTCDateTime`` returns aware datetimes on SQLite and PostgreSQL alike).
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes in UTC, whatever the backend keeps."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONType = JSON().with_variant(JSONB(), "postgresql")


def _now() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSONType, list[Any]: JSONType}


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=_now)
    updated_at: Mapped[datetime] = mapped_column(default=_now, onupdate=_now)


def _enum_values(enum_cls: type[enum.Enum]) -> list[str]:
    return [member.value for member in enum_cls]


def _state(enum_cls: type[enum.Enum], name: str) -> Any:
    from sqlalchemy import Enum

    # Stored as plain strings with a CHECK constraint, so adding a state is a small migration.
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        values_callable=_enum_values,
        length=20,
        validate_strings=True,
        create_constraint=True,
    )


# --- enumerations ---------------------------------------------------------------------------


class AgencyKind(enum.StrEnum):
    DISTRICT = "district"
    DEPARTMENT = "department"
    ENTERPRISE = "enterprise"
    EXTERNAL = "external"


class SourceKind(enum.StrEnum):
    RSS = "rss"
    SITEMAP = "sitemap"
    SITE = "site"
    API = "api"


class CrawlStatus(enum.StrEnum):
    RUNNING = "running"
    OK = "ok"
    FAILED = "failed"


class DocumentState(enum.StrEnum):
    FETCHED = "fetched"
    SCORED = "scored"
    IN_STORY = "in_story"


class StoryState(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    MERGED = "merged"


class CandidateState(enum.StrEnum):
    PROPOSED = "proposed"
    FROZEN = "frozen"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"
    SNOOZED = "snoozed"
    MERGED = "merged"


class IssueState(enum.StrEnum):
    CONFIRMED = "confirmed"
    SENT = "sent"
    ANSWERED = "answered"
    CLARIFIED = "clarified"
    CLOSED = "closed"


class DispatchStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class ClarificationState(enum.StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    PUBLISHED = "published"


class RoleName(enum.StrEnum):
    MONITOR = "monitor"
    WORKING_GROUP = "working_group"
    PR_EDITOR = "pr_editor"
    AGENCY = "agency"
    ADMIN = "admin"


# --- agencies --------------------------------------------------------------------------------


class Agency(TimestampMixin, Base):
    """A body that can be asked to answer: district office, BMA department or enterprise, or outside."""

    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[AgencyKind] = mapped_column(_state(AgencyKind, "agency_kind"))
    name_th: Mapped[str] = mapped_column(String(200), unique=True)
    name_en: Mapped[str] = mapped_column(String(200))
    short_th: Mapped[str | None] = mapped_column(String(100))
    external: Mapped[bool] = mapped_column(Boolean, default=False)
    district_code: Mapped[str | None] = mapped_column(String(8), index=True)
    aliases: Mapped[list[Any]] = mapped_column(default=list)
    keywords: Mapped[list[Any]] = mapped_column(default=list)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)  # subdistricts, alias patterns, ...
    active: Mapped[bool] = mapped_column(Boolean, default=True)


# --- sources and crawling ------------------------------------------------------------------


class Source(TimestampMixin, Base):
    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[SourceKind] = mapped_column(_state(SourceKind, "source_kind"))
    url: Mapped[str] = mapped_column(String(2000))
    urls: Mapped[list[Any]] = mapped_column(default=list)
    title: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(8), default="th")
    schedule_class: Mapped[str] = mapped_column(String(20), default="overnight")  # hourly | overnight
    politeness: Mapped[dict[str, Any]] = mapped_column(default=dict)
    credentials_env: Mapped[list[Any]] = mapped_column(default=list)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    etag: Mapped[str | None] = mapped_column(String(300))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    last_success_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None]


class CrawlRun(Base):
    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), index=True)
    flow_run_id: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(default=_now)
    finished_at: Mapped[datetime | None]
    status: Mapped[CrawlStatus] = mapped_column(_state(CrawlStatus, "crawl_status"), default=CrawlStatus.RUNNING)
    http_status: Mapped[int | None]
    requests: Mapped[int] = mapped_column(default=0)
    items_seen: Mapped[int] = mapped_column(default=0)
    items_stored: Mapped[int] = mapped_column(default=0)
    items_updated: Mapped[int] = mapped_column(default=0)
    duplicates: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    errors: Mapped[dict[str, Any]] = mapped_column(default=dict)  # kind -> count
    message: Mapped[str | None] = mapped_column(Text)

    source: Mapped[Source] = relationship()


# --- documents, scores, stories ------------------------------------------------------------


class Document(TimestampMixin, Base):
    """One fetched article, post or ticket. Edits keep their earlier text in ``document_versions``."""

    __tablename__ = "documents"
    __table_args__ = (Index("ix_documents_source_id_content_hash", "source_id", "content_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id", ondelete="SET NULL"), index=True)
    crawl_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id", ondelete="SET NULL"))
    url: Mapped[str] = mapped_column(String(2000))
    canonical_url: Mapped[str] = mapped_column(String(2000), unique=True)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    title: Mapped[str] = mapped_column(Text, default="")
    title_key: Mapped[str] = mapped_column(String(300), index=True, default="")
    text: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str | None] = mapped_column(String(300))
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    fetched_at: Mapped[datetime] = mapped_column(default=_now, index=True)
    language: Mapped[str] = mapped_column(String(8), default="th")
    kind: Mapped[str] = mapped_column(String(20), default="article")  # article | post | comment | ticket
    likes: Mapped[int | None]
    shares: Mapped[int | None]
    comments: Mapped[int | None]
    views: Mapped[int | None]
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)  # fields of one source kind
    raw_ref: Mapped[str | None] = mapped_column(String(500))  # where the raw response is kept
    version: Mapped[int] = mapped_column(default=1)
    state: Mapped[DocumentState] = mapped_column(
        _state(DocumentState, "document_state"), default=DocumentState.FETCHED, index=True
    )
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"))
    story_id: Mapped[int | None] = mapped_column(ForeignKey("stories.id", ondelete="SET NULL"), index=True)

    source: Mapped[Source | None] = relationship()
    story: Mapped[Story | None] = relationship(back_populates="documents")
    scores: Mapped[list[Score]] = relationship(back_populates="document", cascade="all, delete-orphan")


class DocumentVersion(Base):
    """An earlier text of an edited document."""

    __tablename__ = "document_versions"
    __table_args__ = (UniqueConstraint("document_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    version: Mapped[int]
    title: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    fetched_at: Mapped[datetime]


class Score(Base):
    """One per document and model version."""

    __tablename__ = "scores"
    __table_args__ = (UniqueConstraint("document_id", "model_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    model_version: Mapped[str] = mapped_column(String(64))
    bangkok: Mapped[float] = mapped_column(Float)
    sentiment: Mapped[str] = mapped_column(String(8))  # pos | neu | neg | q
    impact: Mapped[float] = mapped_column(Float)
    level: Mapped[int]
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    agencies: Mapped[list[Any]] = mapped_column(default=list)  # [{name, score, external}]
    places: Mapped[list[Any]] = mapped_column(default=list)
    explanation: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=_now)

    document: Mapped[Document] = relationship(back_populates="scores")


class Story(TimestampMixin, Base):
    """Documents about one real-world matter (ประเด็น)."""

    __tablename__ = "stories"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[StoryState] = mapped_column(_state(StoryState, "story_state"), default=StoryState.OPEN)
    first_seen: Mapped[datetime | None] = mapped_column(index=True)
    last_seen: Mapped[datetime | None] = mapped_column(index=True)
    last_fetched: Mapped[datetime | None] = mapped_column(index=True)
    n_documents: Mapped[int] = mapped_column(default=0)
    n_outlets: Mapped[int] = mapped_column(default=0)
    reach: Mapped[int] = mapped_column(default=0)
    velocity: Mapped[float] = mapped_column(Float, default=0.0)
    spike: Mapped[bool] = mapped_column(Boolean, default=False)
    bangkok: Mapped[float] = mapped_column(Float, default=0.0)
    max_impact: Mapped[float] = mapped_column(Float, default=0.0)
    max_level: Mapped[int] = mapped_column(default=0)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    agencies: Mapped[list[Any]] = mapped_column(default=list)
    places: Mapped[list[Any]] = mapped_column(default=list)
    explanation: Mapped[str] = mapped_column(Text, default="")
    traffy_tickets: Mapped[list[Any]] = mapped_column(default=list)  # [{ticket_id, state, url}]
    recurrence_of_id: Mapped[int | None] = mapped_column(ForeignKey("stories.id", ondelete="SET NULL"))
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("stories.id", ondelete="SET NULL"))
    pinned_by_person: Mapped[bool] = mapped_column(Boolean, default=False)  # a person merged/split it

    documents: Mapped[list[Document]] = relationship(back_populates="story", foreign_keys=[Document.story_id])


# --- the review and casework ---------------------------------------------------------------


class User(TimestampMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(300))
    line_user_id: Mapped[str | None] = mapped_column(String(100))
    password_hash: Mapped[str | None] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_login_at: Mapped[datetime | None]

    roles: Mapped[list[Role]] = relationship(secondary="user_roles")
    agencies: Mapped[list[Agency]] = relationship(secondary="user_agencies")


class Role(Base):
    __tablename__ = "roles"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[RoleName] = mapped_column(_state(RoleName, "role_name"), unique=True)
    description: Mapped[str] = mapped_column(String(300), default="")


class UserRole(Base):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role_id: Mapped[int] = mapped_column(ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True)


class UserAgency(Base):
    """An agency user's scope."""

    __tablename__ = "user_agencies"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), primary_key=True)


class Candidate(TimestampMixin, Base):
    """A story proposed for one review day. Keyed on (review day, story)."""

    __tablename__ = "candidates"
    # The queue page reads one review day in rank order, 50 at a time: an index walk, not a sort.
    __table_args__ = (
        UniqueConstraint("review_day", "story_id"),
        Index("ix_candidates_review_day_rank", "review_day", "rank", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    review_day: Mapped[date] = mapped_column(Date)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"), index=True)
    rank: Mapped[int]
    score: Mapped[float] = mapped_column(Float)
    explanation: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[CandidateState] = mapped_column(
        _state(CandidateState, "candidate_state"), default=CandidateState.PROPOSED
    )
    frozen_rank: Mapped[int | None]
    frozen_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str | None] = mapped_column(Text)
    lock_version: Mapped[int] = mapped_column(default=1)  # optimistic locking

    story: Mapped[Story] = relationship()

    __mapper_args__ = {"version_id_col": lock_version}


class Issue(TimestampMixin, Base):
    """ประเด็น: a candidate the working group confirmed, to be sent to its agencies."""

    __tablename__ = "issues"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int | None] = mapped_column(ForeignKey("candidates.id", ondelete="SET NULL"), unique=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="RESTRICT"), index=True)
    title: Mapped[str] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[IssueState] = mapped_column(_state(IssueState, "issue_state"), default=IssueState.CONFIRMED)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    confirmed_at: Mapped[datetime] = mapped_column(default=_now)
    sent_at: Mapped[datetime | None]
    due_at: Mapped[datetime | None] = mapped_column(index=True)
    answered_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    lock_version: Mapped[int] = mapped_column(default=1)

    agencies: Mapped[list[Agency]] = relationship(secondary="issue_agencies", order_by="IssueAgency.position")

    __mapper_args__ = {"version_id_col": lock_version}


class IssueAgency(Base):
    __tablename__ = "issue_agencies"

    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"), primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="RESTRICT"), primary_key=True)
    position: Mapped[int] = mapped_column(default=0)  # 0 = most responsible


class Dispatch(TimestampMixin, Base):
    """One message of an issue to one agency on one channel; idempotent by key."""

    __tablename__ = "dispatches"

    id: Mapped[int] = mapped_column(primary_key=True)
    # An issue's message to an agency, or (issue empty) a message to staff: an urgent alert about a
    # story, the 10:00 review reminder, the monthly report.
    issue_id: Mapped[int | None] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"), index=True)
    story_id: Mapped[int | None] = mapped_column(ForeignKey("stories.id", ondelete="SET NULL"), index=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(String(20))  # line | email
    # issue | reminder | escalation | alert | review_reminder | report
    kind: Mapped[str] = mapped_column(String(20), default="issue")
    body: Mapped[str] = mapped_column(Text, default="")  # what was sent (masked)
    recipient: Mapped[str] = mapped_column(String(300))
    status: Mapped[DispatchStatus] = mapped_column(
        _state(DispatchStatus, "dispatch_status"), default=DispatchStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]


class Answer(TimestampMixin, Base):
    __tablename__ = "answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"), index=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(20), default="web")
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    received_at: Mapped[datetime] = mapped_column(default=_now)


class Clarification(TimestampMixin, Base):
    """กทม.ชี้แจงข่าวร้องเรียน: the PR office's public text about an issue."""

    __tablename__ = "clarifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[ClarificationState] = mapped_column(
        _state(ClarificationState, "clarification_state"), default=ClarificationState.DRAFT
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    published_at: Mapped[datetime | None]


class DutyDay(Base):
    """The duty roster (จัดเวร): who covers a day, weekends and holidays included."""

    __tablename__ = "duty_days"
    __table_args__ = (UniqueConstraint("day", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    duty: Mapped[str] = mapped_column(String(20), default="primary")  # primary | backup
    note: Mapped[str | None] = mapped_column(Text)


class AuditEvent(Base):
    """Who did what, when, with the record before and after."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_entity", "entity_type", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=_now, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_label: Mapped[str] = mapped_column(String(100))  # username, or "system:<flow>"
    action: Mapped[str] = mapped_column(String(50))
    entity_type: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[int | None]
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    note: Mapped[str | None] = mapped_column(Text)


class FlowRun(Base):
    """One run of a scheduled flow, as `bkkwatch status` and the status page report it."""

    __tablename__ = "flow_runs"
    __table_args__ = (Index("ix_flow_runs_flow_started", "flow", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    flow: Mapped[str] = mapped_column(String(100))
    prefect_run_id: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(20))  # running | completed | failed | crashed | cancelled
    started_at: Mapped[datetime] = mapped_column(default=_now)
    finished_at: Mapped[datetime | None]
    message: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
