"""The review web app: the 10:30 queue, stories, issues, the agency view and source status.

Security model (candidates hold unverified complaints and personal data):
- everything but ``/login``, ``/static``, ``/healthz`` and the public clarification feed needs a
  logged-in user; pages redirect to the login page, the API answers 401;
- roles decide what a user may see and do (:data:`CAN`); agency users see only their agencies;
- sessions are signed cookies (HttpOnly, SameSite=Lax, Secure unless served on plain http for a
  local demo), rotated at login; every unsafe request carries the session's CSRF token (form field
  ``csrf_token`` or header ``X-CSRF-Token``) and, when the browser sends one, a same-origin
  ``Origin``;
- scraped text is only ever rendered through Jinja's autoescaping, links only with http(s)
  schemes, and a strict Content-Security-Policy forbids inline scripts.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import MutableHeaders
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bkkwatch.timeutil import BANGKOK, next_review_day, thai_datetime
from casework import decisions
from casework.decisions import Actor, DecisionError
from review import auth
from review.i18n import LABELS, label
from review.rows import RowCache, fill_csrf
from storage.db import session_factory
from storage.models import Agency, Candidate, Issue, RoleName, Story

HERE = Path(__file__).resolve().parent
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
PAGE_SIZE = 50
MAX_ID = 2**31 - 1  # database integer keys: larger numbers cannot name a record
IdPath = Annotated[int, PathParam(ge=1, le=MAX_ID)]
R = RoleName
# Who may do what. Admin may do everything (auth.has_role).
CAN: dict[str, tuple[RoleName, ...]] = {
    "read": (R.MONITOR, R.WORKING_GROUP, R.PR_EDITOR),
    "triage": (R.MONITOR, R.WORKING_GROUP),  # dismiss, snooze, merge, split
    "confirm": (R.WORKING_GROUP,),
    "clarify": (R.PR_EDITOR,),
    "answer": (R.AGENCY,),
}


class LoginRequired(Exception):
    pass


class Forbidden(Exception):
    pass


class CsrfFailed(Exception):
    pass


@dataclass
class Who:
    user: auth.Principal
    roles: set[RoleName]
    scope: set[int] | None  # agency ids; None = all

    @property
    def actor(self) -> Actor:
        return Actor(self.user.id, self.user.username)

    def can(self, what: str) -> bool:
        return auth.has_role(self.user, *CAN[what])

    @property
    def actions(self) -> dict[str, bool]:
        """The queue actions this person may take (what a row's buttons depend on)."""
        return {"confirm": self.can("confirm"), "triage": self.can("triage")}


# --- plumbing -------------------------------------------------------------------------------------


def get_db(request: Request) -> Iterator[Session]:
    session: Session = request.app.state.sessions()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


Db = Annotated[Session, Depends(get_db)]


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = auth.new_csrf_token()
        request.session["csrf"] = token
    return str(token)


async def csrf_protect(request: Request) -> None:
    """Refuse unsafe requests without the session's CSRF token or from another origin."""
    if request.method in SAFE_METHODS:
        return
    origin = request.headers.get("origin")
    if origin and origin != "null":
        host = request.headers.get("host", "")
        if urlsplit(origin).netloc != host:
            raise CsrfFailed()
    given = request.headers.get("x-csrf-token")
    if not given and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get("csrf_token")
        given = value if isinstance(value, str) else None
    if not auth.same_token(request.session.get("csrf"), given):
        raise CsrfFailed()


def current(request: Request, db: Db) -> Who:
    user_id = request.session.get("uid")
    user = auth.load_principal(db, int(user_id)) if isinstance(user_id, int) else None
    if user is None or request.session.get("pw") != auth.password_mark(user):
        raise LoginRequired()  # unknown, deactivated, or the password changed since this login
    return Who(user, auth.role_names(user), auth.agency_scope(user))


def needs(what: str) -> Any:
    async def dependency(who: Annotated[Who, Depends(current)]) -> Who:  # no I/O: no thread needed
        if not who.can(what):
            raise Forbidden()
        return who

    dependency.__name__ = f"needs_{what}"
    return dependency


Reader = Annotated[Who, Depends(needs("read"))]
Triager = Annotated[Who, Depends(needs("triage"))]
Confirmer = Annotated[Who, Depends(needs("confirm"))]
Clarifier = Annotated[Who, Depends(needs("clarify"))]
Answerer = Annotated[Who, Depends(needs("answer"))]
Anyone = Annotated[Who, Depends(current)]


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def safe_url(url: str | None) -> str:
    """Only http(s) links from scraped data; anything else (javascript:, data:) becomes '#'."""
    if not url:
        return "#"
    return url if urlsplit(url).scheme.lower() in ("http", "https") else "#"


def _lang(request: Request) -> str:
    wanted = request.query_params.get("lang")
    if wanted in ("th", "en"):
        request.session["lang"] = wanted
    return "en" if request.session.get("lang") == "en" else "th"


def clock(issue: Issue, now: datetime | None = None) -> dict[str, Any]:
    """The 24-hour answer clock of an issue."""
    now = now or datetime.now(UTC)
    start = issue.sent_at or issue.confirmed_at
    due = issue.due_at or (start + timedelta(hours=decisions.ANSWER_HOURS))
    if issue.answered_at is not None:
        return {"due": due, "state": "answered", "hours_left": None}
    left = (due - now).total_seconds() / 3600
    return {
        "due": due,
        "state": "overdue" if left < 0 else ("soon" if left < 4 else "open"),
        "hours_left": round(left, 1),
    }


SECURITY_HEADERS = (
    (
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'",
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
)


class SecurityHeaders:
    """Pure ASGI middleware: the security headers on every response, no-store on all but static files."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS:
                    headers.setdefault(name, value)
                if not static:
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)


# --- the app --------------------------------------------------------------------------------------


def create_app(
    database_url: str | None = None,
    *,
    secret_key: str | None = None,
    secure_cookies: bool | None = None,
    login_limit: int = 5,
) -> FastAPI:
    """The web app on ``database_url``.

    ``secret_key`` signs the session cookies (BKKWATCH_SECRET_KEY; a random one per process when
    unset, so sessions end at a restart). ``secure_cookies`` (BKKWATCH_SECURE_COOKIES, default on)
    marks them Secure; only a demo on plain http at 127.0.0.1 turns it off.
    """
    secret = secret_key or os.environ.get("BKKWATCH_SECRET_KEY") or secrets.token_urlsafe(48)
    if secure_cookies is None:
        secure_cookies = os.environ.get("BKKWATCH_SECURE_COOKIES", "1").lower() not in ("0", "false", "no")
    app = FastAPI(
        title="bkkwatch review API",
        description="The 10:30 queue, decisions, issues and answers. Every call needs a logged-in session "
        "(POST /login) and, for writes, the header X-CSRF-Token from GET /api/me.",
        version="0.1.0",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        dependencies=[Depends(csrf_protect)],
    )
    app.state.sessions = session_factory(database_url)
    app.state.limiter = auth.LoginLimiter(limit=login_limit)
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret,
        session_cookie="bkkwatch_session",
        max_age=12 * 3600,
        same_site="lax",
        https_only=secure_cookies,
    )

    app.add_middleware(SecurityHeaders)

    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.filters["thai_dt"] = thai_datetime
    templates.env.filters["safe_url"] = safe_url
    templates.env.filters["thai_iso"] = lambda text: thai_datetime(datetime.fromisoformat(text)) if text else "-"
    templates.env.filters["host"] = lambda url: urlsplit(url or "").hostname or ""
    templates.env.globals["STATE_TH"] = decisions.STATE_TH
    app.state.templates = templates

    translators = {lang: (lambda key, lang=lang: label(key, lang)) for lang in ("th", "en")}
    app.state.translators = translators
    app.state.rows = RowCache(templates.get_template("_candidate.html"))

    def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        lang = _lang(request)
        context.setdefault("who", None)
        csrf = csrf_token(request)
        html = templates.get_template(name).render(
            {"request": request, "t": translators[lang], "lang": lang, "csrf": csrf, "labels": LABELS, **context}
        )
        return HTMLResponse(fill_csrf(html, csrf), status_code=status)

    app.state.render = render

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, exc: LoginRequired) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": "login required"}, status_code=401)
        if request.method in SAFE_METHODS:
            target = quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""), safe="")
            return RedirectResponse(f"/login?next={target}", status_code=303)
        return HTMLResponse("login required", status_code=401)

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Forbidden) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": "not allowed for your role"}, status_code=403)
        return HTMLResponse("ไม่มีสิทธิ์ (not allowed for your role)", status_code=403)

    @app.exception_handler(CsrfFailed)
    async def _csrf(request: Request, exc: CsrfFailed) -> Response:
        return JSONResponse({"detail": "CSRF token missing or wrong; reload the page"}, status_code=403)

    @app.exception_handler(DecisionError)
    async def _decision(request: Request, exc: DecisionError) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": str(exc)}, status_code=exc.status)
        return HTMLResponse(f'<div class="flash error" role="alert">{_escape(str(exc))}</div>', status_code=exc.status)

    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    from review import api, pages

    app.include_router(pages.router)
    app.include_router(api.router)

    @app.get("/api/openapi.json", include_in_schema=False)
    def openapi_schema(who: Anyone) -> JSONResponse:
        return JSONResponse(app.openapi())

    return app


def _escape(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))


# --- shared by pages and API ------------------------------------------------------------------------


def parse_day(value: str | None) -> date:
    if not value:
        return next_review_day()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise HTTPException(422, f"day {value!r}: expected YYYY-MM-DD") from None


def agency_ids_for(db: Session, ids: list[int], names: list[str]) -> list[int]:
    """Agency ids from checked boxes and typed names (any name the registry knows)."""
    if any(not 0 < i <= MAX_ID for i in ids):
        raise DecisionError("ไม่รู้จักหน่วยงาน (unknown agency id)")
    wanted = list(ids)
    typed = [n.strip() for n in names if n and n.strip()]
    if typed:
        try:
            wanted += [a.id for a in auth.resolve_agencies(db, typed)]
        except auth.AccountError as exc:
            raise DecisionError(f"ไม่รู้จักหน่วยงาน (unknown agency): {str(exc).split(':', 1)[1]}") from None
    return wanted


def agency_map(db: Session) -> dict[str, int]:
    return {name: id_ for id_, name in db.execute(select(Agency.id, Agency.name_th).where(Agency.active.is_(True)))}


def candidate_view(candidate: Candidate, urls: list[str], kinds: list[str], names: dict[str, int]) -> dict[str, Any]:
    """What a queue row shows of a candidate (an ORM object) and its story."""
    story: Story = candidate.story
    flat = {c: getattr(candidate, c) for c in _CANDIDATE_FIELDS}
    flat.update({c: getattr(story, c) for c in _STORY_FIELDS})
    return row_view(flat, urls, kinds, names)


_CANDIDATE_FIELDS = (
    "id",
    "rank",
    "state",
    "lock_version",
    "review_day",
    "score",
    "explanation",
    "decision_note",
    "story_id",
)
_STORY_FIELDS = (
    "title",
    "max_level",
    "max_impact",
    "urgent",
    "velocity",
    "reach",
    "spike",
    "n_outlets",
    "n_documents",
    "first_seen",
    "last_seen",
    "places",
    "agencies",
)


def row_view(row: Mapping[Any, Any], urls: list[str], kinds: list[str], names: dict[str, int]) -> dict[str, Any]:
    """What a queue row shows, from the candidate's and its story's columns by name (``id`` is the candidate's)."""
    suggested = [
        {
            "name": str(a.get("name", "")),
            "score": a.get("score"),
            "external": bool(a.get("external")),
            "id": names.get(str(a.get("name", ""))),
        }
        for a in (row["agencies"] or [])
    ]
    state = row["state"]
    return {
        "id": row["id"],
        "rank": row["rank"],
        "state": state.value,
        "open": state in decisions.OPEN_STATES,
        "lock_version": row["lock_version"],
        "review_day": row["review_day"].isoformat(),
        "score": row["score"],
        "explanation": row["explanation"],
        "decision_note": row["decision_note"],
        "story_id": row["story_id"],
        "title": row["title"],
        "level": row["max_level"],
        "impact": round(row["max_impact"], 2),
        "urgent": row["urgent"],
        "velocity": row["velocity"],
        "reach": row["reach"],
        "outlets": row["n_outlets"],
        "documents": row["n_documents"],
        "first_seen": row["first_seen"],
        "last_seen": row["last_seen"],
        "places": list(row["places"] or []),
        "agencies": suggested,
        "urls": urls[:5],
        "kinds": kinds,
        "spike": row["spike"],
    }


def local_now() -> datetime:
    return datetime.now(UTC).astimezone(BANGKOK)


class ConfirmBody(BaseModel):
    lock_version: int | None = Field(None, ge=0, le=MAX_ID, description="the candidate's lock_version you saw")
    agency_ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(default_factory=list, max_length=20)
    agency_names: list[str] = Field(default_factory=list, max_length=20)
    urgent: bool = False
    note: str | None = Field(None, max_length=2000)
