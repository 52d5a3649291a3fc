"""The duty roster (จัดเวร): who is on duty on a day, weekends and holidays included."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from storage.models import DutyDay, Role, RoleName, User, UserRole


def duty_officers(session: Session, day: date) -> list[User]:
    """The primary duty officers of ``day``; when nobody is rostered, the working group and admins
    (an alert must always reach someone)."""
    rostered = list(
        session.scalars(
            select(User)
            .join(DutyDay, DutyDay.user_id == User.id)
            .where(DutyDay.day == day, DutyDay.duty == "primary", User.active.is_(True))
            .order_by(User.username)
        )
    )
    if rostered:
        return rostered
    return list(
        session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .join(Role, Role.id == UserRole.role_id)
            .where(Role.name.in_([RoleName.WORKING_GROUP, RoleName.ADMIN]), User.active.is_(True))
            .options(selectinload(User.roles))
            .order_by(User.username)
            .distinct()
        )
    )


def set_duty(session: Session, day: date, user: User, duty: str = "primary") -> DutyDay:
    row = session.scalar(select(DutyDay).where(DutyDay.day == day, DutyDay.user_id == user.id))
    if row is None:
        row = DutyDay(day=day, user_id=user.id, duty=duty)
        session.add(row)
    else:
        row.duty = duty
    session.flush()
    return row
