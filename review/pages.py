"""HTML pages and their form actions (HTMX swaps a row; without JavaScript a redirect does)."""

from __future__ import annotations

import functools
from datetime import timedelta
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from bkkwatch.timeutil import thai_datetime
from casework import decisions
from casework.decisions import DecisionError, StaleDecision
from review import auth
from review.app import (
    PAGE_SIZE,
    Answerer,
    Anyone,
    Clarifier,
    Confirmer,
    Db,
    Forbidden,
    IdPath,
    Reader,
    Triager,
    Who,
    _lang,
    agency_ids_for,
    agency_map,
    candidate_view,
    clock,
    csrf_token,
    parse_day,
    row_view,
)
from review.i18n import label
from review.rows import RowCache, fill_csrf
from storage import review as queries
from storage.models import Candidate, ClarificationState, Document, Issue, RoleName, Story, User

router = APIRouter(include_in_schema=False)


def _render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    return request.app.state.render(request, name, status, **context)


def commit(db: Session) -> None:
    try:
        db.commit()
    except (StaleDataError, IntegrityError, OperationalError) as exc:
        db.rollback()
        if isinstance(exc, OperationalError) and "locked" not in str(exc):
            raise
        raise StaleDecision(
            "มีผู้อื่นตัดสินเรื่องนี้พร้อมกัน กรุณาโหลดหน้าใหม่ (decided by someone else at the same time; reload)"
        ) from exc


def _home_for(who: Who) -> str:
    if who.can("read"):
        return "/queue"
    return "/agency"


# --- login --------------------


@router.get("/healthz")
def healthz() -> dict[str, bool]:
    return {"ok": True}


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/") -> HTMLResponse:
    return _render(request, "login.html", next=_local(next), error=None)


def _local(target: str) -> str:
    """Only same-site paths after login (no open redirect)."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/"


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    db: Db,
    username: Annotated[str, Form(max_length=100)],
    password: Annotated[str, Form(max_length=1000)],
    next: Annotated[str, Form()] = "/",
) -> Response:
    limiter: auth.LoginLimiter = request.app.state.limiter
    client = request.client.host if request.client else "?"
    keys = (f"ip:{client}", f"user:{username.casefold()}")
    if limiter.blocked(*keys):
        return _render(request, "login.html", 429, next=_local(next), error="too_many")
    user = db.scalar(select(User).where(User.username == username.replace("\x00", "")))
    ok = auth.verify_password(user.password_hash if user else None, password) and user is not None and user.active
    if not ok or user is None:
        limiter.failed(*keys)
        return _render(request, "login.html", 401, next=_local(next), error="bad_login")
    limiter.succeeded(*keys)
    from datetime import UTC, datetime

    user.last_login_at = datetime.now(UTC)
    db.commit()
    lang = request.session.get("lang")
    request.session.clear()  # a fresh session: no fixation
    request.session.update(
        {"uid": user.id, "pw": auth.password_mark(user), "csrf": auth.new_csrf_token(), "lang": lang or "th"}
    )
    return RedirectResponse(_local(next) if next != "/" else "/", status_code=303)


@router.post("/logout")
def logout(request: Request, who: Anyone) -> Response:
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.get("/")
def home(who: Anyone) -> Response:
    return RedirectResponse(_home_for(who), status_code=303)


# --- queue --------------------


def _filters(
    level: str | None, agency: str | None, district: str | None, kind: str | None, show: str | None
) -> queries.QueueFilter:
    agency, district = (agency or "").replace("\x00", ""), (district or "").replace("\x00", "")
    lvl = int(level) if level and level.isdigit() and 0 <= int(level) <= 3 else None
    return queries.QueueFilter(
        level=lvl,
        agency=(agency or "").strip()[:200] or None,
        district=(district or "").strip()[:200] or None,
        kind=kind if kind in ("article", "post", "ticket", "comment") else None,
        open_only=show == "open",
    )


class QueueQuery:
    """The queue's query string: day, filters and page (shared by the page and its "more" rows)."""

    def __init__(
        self,
        day: str | None,
        level: str | None,
        agency: str | None,
        district: str | None,
        kind: str | None,
        show: str | None,
        page: int,
    ) -> None:
        self.day, self.page, self.show = parse_day(day), page, show
        self.flt = _filters(level, agency, district, kind, show)
        given = {"level": level, "agency": agency, "district": district, "kind": kind, "show": show}
        self.params = {"day": self.day.isoformat(), **{k: v for k, v in given.items() if v}}


async def queue_query(request: Request) -> QueueQuery:
    """The query string, read by hand: no I/O (so no worker thread) and none of FastAPI's per-parameter work."""
    given = request.query_params
    page = given.get("page") or "1"
    if not page.isdigit() or not 1 <= int(page) <= 10000:
        raise HTTPException(422, f"page {page!r}: expected a number from 1 to 10000")
    return QueueQuery(
        given.get("day"),
        given.get("level"),
        given.get("agency"),
        given.get("district"),
        given.get("kind"),
        given.get("show"),
        int(page),
    )


@functools.lru_cache(maxsize=8)
def _datalist(names: tuple[str, ...]) -> Markup:
    """The agency names the filter and confirm forms suggest (the same for every page)."""
    options = "".join(f'<option value="{escape(n)}">' for n in names)
    return Markup(f'<datalist id="agency-names">{options}</datalist>')


def _queue_rows(request: Request, db: Session, who: Who, q: QueueQuery) -> dict[str, Any]:
    """One page of the queue as rendered rows (see review.rows) and what the pager needs."""
    versions = queries.queue_versions(db, q.day, q.flt, limit=PAGE_SIZE, offset=(q.page - 1) * PAGE_SIZE)
    names = agency_map(db)
    lang = _lang(request)
    t = request.app.state.translators[lang]
    can = who.actions
    cache: RowCache = request.app.state.rows
    shown_with = (lang, tuple(sorted(can.items())), hash(frozenset(names.items())))
    keys = [(shown_with, queries.version_key(v)) for v in versions.rows]
    rows: list[Markup | None] = [cache.get(k) for k in keys]
    missing = [v["id"] for v, html in zip(versions.rows, rows, strict=True) if html is None]
    if missing:
        full = queries.queue_rows(db, missing)
        views = {
            r["id"]: row_view(r, full.urls.get(r["story_id"], []), full.kinds.get(r["story_id"], []), names)
            for r in full.rows
        }
        for i, (v, key) in enumerate(zip(versions.rows, keys, strict=True)):
            if rows[i] is None and v["id"] in views:  # (a row deleted meanwhile is left out)
                rows[i] = cache.render(key, views[v["id"]], can=can, t=t)
    return {
        "rows": Markup("").join(html for html in rows if html is not None),
        "names": names,
        "total": versions.total,
        "page": q.page,
        "pages": max(1, -(-versions.total // PAGE_SIZE)),
        "shown": min(versions.total, (q.page - 1) * PAGE_SIZE + len(rows)),
        "query": urlencode(q.params),
    }


@router.get("/queue", response_class=HTMLResponse)
def queue_page(request: Request, db: Db, who: Reader, q: Annotated[QueueQuery, Depends(queue_query)]) -> HTMLResponse:
    found = _queue_rows(request, db, who, q)
    return _render(
        request,
        "queue.html",
        who=who,
        day=q.day,
        flt=q.flt,
        show=q.show,
        datalist=_datalist(tuple(sorted(found.pop("names")))),
        prev_day=(q.day - timedelta(days=1)).isoformat(),
        next_day=(q.day + timedelta(days=1)).isoformat(),
        day_text=thai_datetime_day(q.day),
        **found,
    )


@router.get("/queue/rows", response_class=HTMLResponse)
def queue_rows(request: Request, db: Db, who: Reader, q: Annotated[QueueQuery, Depends(queue_query)]) -> HTMLResponse:
    """The rows of one page and the "more" link to the next: what HTMX appends to the queue."""
    found = _queue_rows(request, db, who, q)
    found.pop("names")
    t = request.app.state.translators[_lang(request)]
    html = request.app.state.templates.get_template("_rows.html").render(t=t, **found)
    return HTMLResponse(fill_csrf(html, csrf_token(request)))


def thai_datetime_day(day: Any) -> str:
    from datetime import datetime

    from bkkwatch.timeutil import BANGKOK

    return thai_datetime(datetime.combine(day, datetime.min.time(), tzinfo=BANGKOK), with_time=False)


def _row(
    request: Request,
    db: Db,
    who: Who,
    candidate_id: IdPath,
    message: str | None = None,
    oob: list[int] | None = None,
) -> Response:
    """The candidate's row (HTMX) or, for a plain form post, back to the queue."""
    if request.headers.get("hx-request") != "true":
        candidate = db.get(Candidate, candidate_id)
        day = candidate.review_day.isoformat() if candidate else ""
        return RedirectResponse(f"/queue?day={day}#c-{candidate_id}", status_code=303)
    names = agency_map(db)
    lang = "en" if request.session.get("lang") == "en" else "th"
    html = []
    for i, cid in enumerate([candidate_id, *(oob or [])]):
        candidate = db.get(Candidate, cid)
        if candidate is None:
            continue
        db.refresh(candidate)
        urls = list(
            db.scalars(
                select(Document.url)
                .where(Document.story_id == candidate.story_id)
                .order_by(Document.published_at, Document.id)
            )
        )
        view = candidate_view(candidate, urls, [], names)
        html.append(
            request.app.state.templates.get_template("_candidate.html").render(
                c=view,
                t=lambda key: label(key, lang),
                csrf=csrf_token(request),
                can=who.actions,
                message=message if i == 0 else None,
                oob=i > 0,
                agency_names=sorted(names),
                STATE_TH=decisions.STATE_TH,
            )
        )
    return HTMLResponse("".join(html))


@router.get("/candidates/{candidate_id}/form/{kind}", response_class=HTMLResponse)
def action_form(
    request: Request,
    db: Db,
    who: Reader,
    candidate_id: IdPath,
    kind: Literal["confirm", "dismiss", "merge"],
    v: Annotated[int | None, Query(ge=0, le=2**31 - 1)] = None,
) -> HTMLResponse:
    """A candidate's action form: a fragment for HTMX, a whole page without JavaScript.

    ``v`` is the lock_version of the row the person saw, so the decision is checked against it.
    """
    if not who.can("confirm" if kind == "confirm" else "triage"):
        raise Forbidden()
    candidate = db.get(Candidate, candidate_id)
    if candidate is None:
        return _render(request, "missing.html", 404, who=who)
    names = agency_map(db)
    view = candidate_view(candidate, [], [], names)
    if v is not None:
        view["lock_version"] = v
    if request.headers.get("hx-request") == "true":
        lang = "en" if request.session.get("lang") == "en" else "th"
        html = request.app.state.templates.get_template("_action_form.html").render(
            c=view, kind=kind, inline=True, csrf=csrf_token(request), t=lambda key: label(key, lang)
        )
        return HTMLResponse(html)
    return _render(request, "action.html", who=who, c=view, kind=kind, inline=False, agency_names=sorted(names))


@router.post("/candidates/{candidate_id}/confirm")
def confirm(
    request: Request,
    db: Db,
    who: Confirmer,
    candidate_id: IdPath,
    lock_version: Annotated[int | None, Form(ge=0, le=2**31 - 1)] = None,
    agency_id: Annotated[list[int] | None, Form()] = None,
    agency_name: Annotated[list[str] | None, Form()] = None,
    urgent: Annotated[str | None, Form()] = None,
    note: Annotated[str | None, Form()] = None,
) -> Response:
    ids = agency_ids_for(db, agency_id or [], agency_name or [])
    issue = decisions.confirm(db, who.actor, candidate_id, lock_version, ids, urgent=bool(urgent), note=note)
    commit(db)
    return _row(request, db, who, candidate_id, message=f"ยืนยันแล้ว: ประเด็น #{issue.id} (confirmed)")


@router.post("/candidates/{candidate_id}/dismiss")
def dismiss(
    request: Request,
    db: Db,
    who: Triager,
    candidate_id: IdPath,
    lock_version: Annotated[int | None, Form(ge=0, le=2**31 - 1)] = None,
    reason: Annotated[str, Form()] = "",
) -> Response:
    decisions.dismiss(db, who.actor, candidate_id, lock_version, reason)
    commit(db)
    return _row(request, db, who, candidate_id, message="ไม่รับแล้ว (dismissed)")


@router.post("/candidates/{candidate_id}/snooze")
def snooze(
    request: Request,
    db: Db,
    who: Triager,
    candidate_id: IdPath,
    lock_version: Annotated[int | None, Form(ge=0, le=2**31 - 1)] = None,
    note: Annotated[str | None, Form()] = None,
) -> Response:
    decisions.snooze(db, who.actor, candidate_id, lock_version, note)
    commit(db)
    return _row(request, db, who, candidate_id, message="เลื่อนไปพรุ่งนี้แล้ว (snoozed)")


@router.post("/candidates/{candidate_id}/merge")
def merge(
    request: Request,
    db: Db,
    who: Triager,
    candidate_id: IdPath,
    other_rank: Annotated[int, Form(ge=1, le=2**31 - 1)],
    lock_version: Annotated[int | None, Form(ge=0, le=2**31 - 1)] = None,
    note: Annotated[str | None, Form()] = None,
) -> Response:
    keep = db.get(Candidate, candidate_id)
    if keep is None:
        raise decisions.NotFound(f"ไม่พบเรื่องหมายเลข {candidate_id} (candidate not found)")
    other = queries.candidate_of_day_by_rank(db, keep.review_day, other_rank)
    if other is None:
        raise DecisionError(f"ไม่มีเรื่องลำดับที่ {other_rank} ในคิววันนี้ (no story ranked {other_rank})")
    decisions.merge(db, who.actor, candidate_id, lock_version, other.id, None, note)
    commit(db)
    return _row(request, db, who, candidate_id, message=f"รวมเรื่องลำดับที่ {other_rank} เข้ามาแล้ว (merged)", oob=[other.id])


@router.post("/candidates/{candidate_id}/split")
def split(
    request: Request,
    db: Db,
    who: Triager,
    candidate_id: IdPath,
    document_id: Annotated[list[int], Form()],
    lock_version: Annotated[int | None, Form(ge=0, le=2**31 - 1)] = None,
    note: Annotated[str | None, Form()] = None,
) -> Response:
    created = decisions.split(db, who.actor, candidate_id, lock_version, document_id, note)
    commit(db)
    return RedirectResponse(f"/stories/{created.story_id}", status_code=303)


# --- story --------------------


@router.get("/stories/{story_id}", response_class=HTMLResponse)
def story_page(request: Request, db: Db, who: Reader, story_id: IdPath) -> HTMLResponse:
    story = db.get(Story, story_id)
    if story is None:
        return _render(request, "missing.html", 404, who=who)
    documents = queries.story_documents_with_scores(db, story_id)
    candidates = queries.story_candidates(db, story_id)
    history = decisions.story_history(db, story_id)
    actors = {e.actor_id for e in history}
    open_candidate = next((c for c in reversed(candidates) if c.state in decisions.OPEN_STATES), None)
    return _render(
        request,
        "story.html",
        who=who,
        story=story,
        documents=documents,
        candidates=candidates,
        issues=queries.story_issues(db, story_id),
        history=history,
        open_candidate=open_candidate,
        merged_into=story.merged_into_id,
        actors=actors,
    )


# --- issues, agency view, clarifications --------------------


@router.get("/issues", response_class=HTMLResponse)
def issues_page(request: Request, db: Db, who: Reader, show: str | None = None) -> HTMLResponse:
    views = queries.issues_with_details(db)
    rows = [(v, clock(v.issue)) for v in views]
    if show == "overdue":
        rows = [(v, c) for v, c in rows if c["state"] == "overdue"]
    return _render(request, "issues.html", who=who, rows=rows, show=show, agency_view=False)


@router.get("/agency", response_class=HTMLResponse)
def agency_page(request: Request, db: Db, who: Answerer) -> HTMLResponse:
    views = queries.issues_with_details(db, agency_ids=who.scope)
    rows = [(v, clock(v.issue)) for v in views]
    mine = sorted(queries.agencies_by_id(db, who.scope).values(), key=lambda a: a.name_th) if who.scope else []
    return _render(request, "issues.html", who=who, rows=rows, show=None, agency_view=True, mine=mine)


@router.post("/issues/{issue_id}/answer")
def answer(
    request: Request,
    db: Db,
    who: Answerer,
    issue_id: IdPath,
    agency_id: Annotated[int, Form(ge=1, le=2**31 - 1)],
    text: Annotated[str, Form()] = "",
) -> Response:
    decisions.answer(db, who.actor, issue_id, agency_id, text, allowed_agency_ids=who.scope)
    commit(db)
    return RedirectResponse(f"/agency#i-{issue_id}", status_code=303)


@router.post("/issues/{issue_id}/clarifications")
def clarify(
    request: Request,
    db: Db,
    who: Clarifier,
    issue_id: IdPath,
    title: Annotated[str, Form()] = "",
    body: Annotated[str, Form()] = "",
) -> Response:
    decisions.draft_clarification(db, who.actor, issue_id, title, body)
    commit(db)
    return RedirectResponse(f"/issues#i-{issue_id}", status_code=303)


@router.post("/clarifications/{clarification_id}/publish")
def publish(request: Request, db: Db, who: Clarifier, clarification_id: IdPath) -> Response:
    draft = decisions.publish_clarification(db, who.actor, clarification_id)
    commit(db)
    return RedirectResponse(f"/issues#i-{draft.issue_id}", status_code=303)


# --- sources and the public feed --------------------


@router.get("/sources", response_class=HTMLResponse)
def sources_page(request: Request, db: Db, who: Reader) -> HTMLResponse:
    from casework.status import collect

    return _render(
        request,
        "sources.html",
        who=who,
        health=collect(db),
        rows=queries.sources_with_last_run(db),
        runs=queries.recent_crawl_runs(db),
    )


@router.get("/feed/clarifications.xml")
def clarification_feed(request: Request, db: Db) -> Response:
    """The public feed of published clarification news (กทม.ชี้แจงข่าวร้องเรียน), personal numbers masked."""
    from casework.masking import mask_personal

    items = [
        {
            "id": c.id,
            "title": mask_personal(c.title),
            "body": mask_personal(c.body),
            "published": c.published_at,
        }
        for c in queries.published_clarifications(db)
        if c.state is ClarificationState.PUBLISHED
    ]
    xml = request.app.state.templates.get_template("feed.xml").render(items=items, base=str(request.base_url))
    return Response(xml, media_type="application/rss+xml; charset=utf-8")


__all__ = ["Issue", "RoleName", "router"]
