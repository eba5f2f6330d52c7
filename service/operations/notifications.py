"""In-app notifications: who hears about a change, and the reader's inbox.

``notify`` and the recipient helpers run inside the transaction of the change
they announce; the inbox only lists notifications about requests the reader
can still see (a request transferred away leaves no dangling links).
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Select, func, insert, or_, select, update
from sqlalchemy.orm import Session, selectinload

from service.db import unit_of_work, utcnow
from service.errors import NotFound
from service.models import EventKind, Notification, Role, ServiceRequest, Station, User
from service.rules import policy


def notify(session: Session, user_ids: Iterable[int], request: ServiceRequest | None, kind: EventKind,
           now: datetime, *, exclude: int | None = None) -> None:
    """Queue one notification per distinct recipient (never to ``exclude``, usually the actor).

    One multi-row INSERT, not an object per recipient: a station's whole desk hears of each new request.
    """
    rows = [{"user_id": user_id, "request_id": request.id if request else None, "kind": kind, "created_at": now}
            for user_id in sorted(set(user_ids) - {exclude})]
    if rows:
        session.execute(insert(Notification), rows)


def station_desk_ids(session: Session, station_id: int, *, directors_only: bool = False) -> list[int]:
    """Active staff and directors of one station (its own people, not the hub's)."""
    roles = [Role.DIRECTOR] if directors_only else [Role.STAFF, Role.DIRECTOR]
    return list(session.scalars(select(User.id).where(
        User.station_id == station_id, User.role.in_(roles), User.active.is_(True))))


def director_ids(session: Session, station_id: int) -> list[int]:
    """The station's directors, or the provincial directors when the station has none."""
    found = station_desk_ids(session, station_id, directors_only=True)
    if found:
        return found
    return list(session.scalars(select(User.id).join(Station, User.station_id == Station.id).where(
        Station.is_hub.is_(True), User.role == Role.DIRECTOR, User.active.is_(True))))


def enterprise_user_ids(session: Session, enterprise_id: int) -> list[int]:
    return list(session.scalars(select(User.id).where(
        User.enterprise_id == enterprise_id, User.role == Role.ENTERPRISE, User.active.is_(True))))


def desk_recipients(session: Session, request: ServiceRequest) -> list[int]:
    """Who on the desk hears from the enterprise: the assignee, else the whole station."""
    if request.assignee_id is not None:
        return [request.assignee_id]
    return station_desk_ids(session, request.station_id)


def _inbox(user: User):  # type: ignore[no-untyped-def]
    return (select(Notification)
            .outerjoin(ServiceRequest, Notification.request_id == ServiceRequest.id)
            .where(Notification.user_id == user.id,
                   or_(Notification.request_id.is_(None), policy.visible_requests(user))))


def unread_count_query(user: User, cap: int | None = None) -> Select[tuple[int]]:
    """The query counting the unread part of the inbox (the menu badge runs it with the other counts).

    With ``cap`` it stops counting past cap + 1: the badge says "99+", and a desk whose notifications
    nobody reads (a hundred thousand after a few busy years) costs every page the same as any other.
    """
    unread = _inbox(user).where(Notification.read_at.is_(None))
    if cap is None:
        return unread.with_only_columns(func.count(Notification.id))
    return select(func.count()).select_from(unread.with_only_columns(Notification.id).limit(cap + 1).subquery())


def unread_count(session: Session, user: User) -> int:
    return session.scalar(unread_count_query(user)) or 0


def list_notifications(session: Session, user: User, limit: int = 50) -> list[Notification]:
    """Newest first, with the request loaded for the link."""
    query = _inbox(user).order_by(Notification.id.desc()).limit(limit).options(
        selectinload(Notification.request))
    return list(session.scalars(query))


def mark_all_read(session: Session, user: User, now: datetime | None = None) -> int:
    with unit_of_work(session):
        result = session.execute(
            update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
            .values(read_at=now or utcnow()).execution_options(synchronize_session=False))
    return result.rowcount or 0  # type: ignore[attr-defined]


def mark_read(session: Session, user: User, notification_id: int, now: datetime | None = None) -> Notification:
    """Raises NotFound for someone else's notification."""
    with unit_of_work(session):
        found = session.get(Notification, notification_id)
        if found is None or found.user_id != user.id:
            raise NotFound()
        if found.read_at is None:
            found.read_at = now or utcnow()
    return found
