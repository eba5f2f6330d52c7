"""In-app notifications: who hears about a change, and the reader's inbox.

``notify`` and the recipient helpers run inside the transaction of the change
they announce; the inbox only lists notifications about requests the reader
can still see (a request transferred away leaves no dangling links).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Insert, Select, bindparam, func, insert, or_, select, update
from sqlalchemy.orm import Session, selectinload

from service.errors import NotFound
from service.models import EventKind, Notification, Role, ServiceRequest, Station, User
from service.models.base import utcnow
from service.operations.mail import queue_mail
from service.rules import policy
from service.store.db import unit_of_work

Recipients = Iterable[int] | Select[int]
_TABLE = Notification.__table__
_INSERT = insert(_TABLE)


def notify(
    session: Session,
    recipients: Recipients,
    request: ServiceRequest | None,
    kind: EventKind,
    now: datetime,
    *,
    exclude: int | None = None,
    data: dict[str, Any] | None = None,
    plan_id: int | None = None,
) -> None:
    """Queue one notification per distinct recipient about a change ``exclude`` made (None: the sweep).

    The one who made the change is named in the notification and never told of it; ``data`` says what
    changed (e.g. the new status), as values the inbox renders in the reader's language. One statement,
    not an object per recipient: a query of recipients (a station's whole desk hears of each new request)
    becomes INSERT ... SELECT, a list of ids a multi-row INSERT. The kinds a user hears of outside the app
    are queued for email too, in the same transaction (service/operations/mail.py).
    """
    given = {
        "request_id": request.id if request else None,
        "plan_id": plan_id,
        "kind": kind,
        "created_at": now,
        "actor_id": exclude,
        "data": data,
    }
    # Into the table itself: the ORM's bulk path would only add work to a plain INSERT.
    if isinstance(recipients, Select):
        session.execute(_insert_selected(recipients, exclude is not None), {**given, "exclude": exclude})
    else:
        recipients = sorted(set(recipients) - {exclude})
        if recipients:
            session.execute(_INSERT, [{"user_id": user_id, **given} for user_id in recipients])
    queue_mail(session, recipients, request, kind, now, exclude=exclude, data=data, plan_id=plan_id)


@functools.lru_cache(maxsize=256)
def _insert_selected(recipients: Select[int], excluding: bool) -> Insert:
    """INSERT ... SELECT for one query of recipients, built once per query (see ``station_desk``)."""
    who = recipients.subquery()
    given = ("request_id", "plan_id", "kind", "created_at", "actor_id", "data")
    rows = select(who.c.id, *(bindparam(name, type_=_TABLE.c[name].type) for name in given))
    if excluding:
        rows = rows.where(who.c.id != bindparam("exclude"))
    return insert(_TABLE).from_select(["user_id", *given], rows)


def tell_enterprise(
    session: Session, actor: User | None, request: ServiceRequest, kind: EventKind, now: datetime, **data: Any
) -> None:
    """Notify the request's enterprise users (but the actor) of ``kind``, with ``data`` for the message."""
    notify(
        session,
        enterprise_users(request.enterprise_id),
        request,
        kind,
        now,
        exclude=actor.id if actor else None,
        data=data,
    )


def ids_of(session: Session, *groups: Recipients) -> list[int]:
    """Several groups of recipients as one list of ids (a query among them is run here)."""
    found: list[int] = []
    for group in groups:
        found.extend(session.scalars(group) if isinstance(group, Select) else group)
    return found


@functools.lru_cache(maxsize=256)
def station_desk(station_id: int, *, directors_only: bool = False) -> Select[int]:
    """Active staff and directors of one station (its own people, not the hub's).

    Kept per station (statements are immutable): every submission asks for its station's desk, and a
    statement used again skips working out its cache key, which costs as much as running it on SQLite.
    """
    roles = [Role.DIRECTOR] if directors_only else [Role.STAFF, Role.DIRECTOR]
    return select(User.id).where(User.station_id == station_id, User.role.in_(roles), User.active.is_(True))


def director_ids(session: Session, station_id: int) -> list[int]:
    """The station's directors, or the provincial directors when the station has none."""
    found = list(session.scalars(station_desk(station_id, directors_only=True)))
    if found:
        return found
    return provincial_director_ids(session)


def provincial_director_ids(session: Session) -> list[int]:
    """The active directors of the hub station."""
    return list(
        session.scalars(
            select(User.id)
            .join(Station, User.station_id == Station.id)
            .where(Station.is_hub.is_(True), User.role == Role.DIRECTOR, User.active.is_(True))
        )
    )


@functools.lru_cache(maxsize=256)
def enterprise_users(enterprise_id: int) -> Select[int]:
    """An enterprise's active users (kept per enterprise, as ``station_desk`` is)."""
    return select(User.id).where(
        User.enterprise_id == enterprise_id, User.role == Role.ENTERPRISE, User.active.is_(True)
    )


def desk_recipients(request: ServiceRequest) -> Recipients:
    """Who on the desk hears from the enterprise: the assignee, else the whole station."""
    if request.assignee_id is not None:
        return [request.assignee_id]
    return station_desk(request.station_id)


def _inbox(user: User) -> Select[Notification]:
    return (
        select(Notification)
        .outerjoin(ServiceRequest, Notification.request_id == ServiceRequest.id)
        .where(Notification.user_id == user.id, or_(Notification.request_id.is_(None), policy.visible_requests(user)))
    )


def unread_count_query(user: User, cap: int | None = None) -> Select[int]:
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
    """Newest first by when the change happened, with the request and who made the change loaded."""
    query = (
        _inbox(user)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
        .options(selectinload(Notification.request), selectinload(Notification.plan), selectinload(Notification.actor))
    )
    return list(session.scalars(query))


def mark_all_read(session: Session, user: User, now: datetime | None = None) -> int:
    with unit_of_work(session):
        # An UPDATE's result is a cursor result, which has the row count.
        result = cast(
            CursorResult[Any],
            session.execute(
                update(Notification)
                .where(Notification.user_id == user.id, Notification.read_at.is_(None))
                .values(read_at=now or utcnow())
                .execution_options(synchronize_session=False)
            ),
        )
    return result.rowcount or 0


def mark_read(session: Session, user: User, notification_id: int, now: datetime | None = None) -> Notification:
    """Raises NotFound for someone else's notification."""
    with unit_of_work(session):
        found = session.get(Notification, notification_id)
        if found is None or found.user_id != user.id:
            raise NotFound()
        if found.read_at is None:
            found.read_at = now or utcnow()
    return found
