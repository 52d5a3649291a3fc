"""Users, roles, passwords (argon2), login rate limiting and CSRF tokens."""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Agency, Role, RoleName, User, UserAgency, UserRole

_HASHER = PasswordHasher()
# A real hash to verify against when the user does not exist, so timing does not tell names apart.
_DUMMY_HASH = _HASHER.hash("not-a-password")

STAFF = (RoleName.MONITOR, RoleName.WORKING_GROUP, RoleName.PR_EDITOR, RoleName.ADMIN)
ROLE_TH = {
    RoleName.MONITOR: "เจ้าหน้าที่ติดตามข่าว (monitoring staff)",
    RoleName.WORKING_GROUP: "คณะทำงาน (working group)",
    RoleName.PR_EDITOR: "บรรณาธิการประชาสัมพันธ์ (PR editor)",
    RoleName.AGENCY: "หน่วยงาน (agency)",
    RoleName.ADMIN: "ผู้ดูแลระบบ (admin)",
}
MIN_PASSWORD = 10


class AccountError(ValueError):
    """A bad user name, role, agency or password; the message names which."""


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    try:
        return _HASHER.verify(stored or _DUMMY_HASH, password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def ensure_roles(session: Session) -> dict[RoleName, Role]:
    roles = {r.name: r for r in session.scalars(select(Role))}
    for name in RoleName:
        if name not in roles:
            roles[name] = Role(name=name, description=ROLE_TH[name])
            session.add(roles[name])
    session.flush()
    return roles


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"password: at least {MIN_PASSWORD} characters")


def resolve_agencies(session: Session, names: Iterable[str]) -> list[Agency]:
    """Agencies by code, Thai name, English name or any alias the registry knows."""
    from storage.agencies import registry_from_db

    found: list[Agency] = []
    registry = None
    for name in names:
        name = name.replace("\x00", "")
        agency = session.scalar(select(Agency).where((Agency.code == name) | (Agency.name_th == name)))
        if agency is None:
            registry = registry or registry_from_db(session)
            entry = registry.resolve(name)
            agency = session.scalar(select(Agency).where(Agency.code == entry.code)) if entry else None
        if agency is None:
            raise AccountError(f"--agency {name!r}: no such agency (see `bkkwatch agencies list`)")
        found.append(agency)
    return found


def add_user(
    session: Session,
    username: str,
    password: str,
    roles: Iterable[str],
    agencies: Iterable[str] = (),
    display_name: str = "",
    password_hash: str | None = None,
) -> User:
    """A new user; ``password_hash`` (an argon2 hash made elsewhere) stands in for ``password`` when given."""
    username = username.strip()
    if not username or len(username) > 100 or any(c.isspace() for c in username):
        raise AccountError(f"name {username!r}: 1-100 characters, no spaces")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise AccountError(f"name {username!r}: a user of that name exists (use reset-password)")
    wanted: list[RoleName] = []
    for role in roles:
        try:
            wanted.append(RoleName(role))
        except ValueError:
            raise AccountError(f"--role {role!r}: expected one of {', '.join(r.value for r in RoleName)}") from None
    if not wanted:
        raise AccountError("--role: give at least one role")
    scoped = resolve_agencies(session, agencies)
    if RoleName.AGENCY in wanted and not scoped:
        raise AccountError("--agency: an agency user needs at least one agency")
    if password_hash is None:
        check_password(password)
    known = ensure_roles(session)
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=password_hash or hash_password(password),
    )
    user.roles = [known[r] for r in dict.fromkeys(wanted)]
    user.agencies = scoped
    session.add(user)
    session.flush()
    return user


def reset_password(session: Session, username: str, password: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise AccountError(f"name {username!r}: no such user")
    check_password(password)
    user.password_hash = hash_password(password)
    session.flush()
    return user


@dataclass(frozen=True)
class Principal:
    """The logged-in person as every request needs them: read in one query, no ORM objects."""

    id: int
    username: str
    password_hash: str | None
    roles: frozenset[RoleName]
    agency_ids: frozenset[int]


def load_principal(session: Session, user_id: int) -> Principal | None:
    """An active user with roles and agencies (one row per role x agency), or None."""
    rows = session.execute(
        select(User.id, User.username, User.password_hash, Role.name, UserAgency.agency_id)
        .outerjoin(UserRole, UserRole.user_id == User.id)
        .outerjoin(Role, Role.id == UserRole.role_id)
        .outerjoin(UserAgency, UserAgency.user_id == User.id)
        .where(User.id == user_id, User.active.is_(True))
    ).all()
    if not rows:
        return None
    first = rows[0]
    return Principal(
        first.id,
        first.username,
        first.password_hash,
        frozenset(r.name for r in rows if r.name is not None),
        frozenset(r.agency_id for r in rows if r.agency_id is not None),
    )


def role_names(user: User | Principal) -> set[RoleName]:
    if isinstance(user, Principal):
        return set(user.roles)
    return {r.name for r in user.roles}


def has_role(user: User | Principal, *roles: RoleName) -> bool:
    names = role_names(user)
    return RoleName.ADMIN in names or bool(names.intersection(roles))


def agency_scope(user: User | Principal) -> set[int] | None:
    """The agencies a user speaks for; None means every agency (admin)."""
    if RoleName.ADMIN in role_names(user):
        return None
    if isinstance(user, Principal):
        return set(user.agency_ids)
    return {a.id for a in user.agencies}


def password_mark(user: User | Principal) -> str:
    """A short digest of the user's password hash kept in the session: a new password ends old sessions."""
    import hashlib

    return hashlib.sha256((user.password_hash or "").encode()).hexdigest()[:16]


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def same_token(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))


class LoginLimiter:
    """At most ``limit`` failed logins per ``window`` seconds per client address and per user name."""

    def __init__(self, limit: int = 5, window: float = 900.0) -> None:
        self.limit, self.window = limit, window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def blocked(self, *keys: str) -> bool:
        now = time.monotonic()
        with self._lock:
            return any(len(self._recent(k, now)) >= self.limit for k in keys)

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in keys:
                self._recent(key, now).append(now)

    def succeeded(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)
