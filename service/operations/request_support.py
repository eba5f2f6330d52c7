"""Pieces every request operation shares: loading in scope, optimistic locking, due times, events."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.orm.interfaces import ORMOption

from service.errors import N_, NeedsConfirmation, StaleVersion
from service.models import Event, EventKind, Priority, ServiceRequest, User
from service.rules import policy
from service.rules.policy import PolicyAction
from service.rules.reminders import first_reminder
from service.store.db import unit_of_work
from service.store.loading import load
from service.store.open_work import open_items
from service.store.settings import ServiceTimes
from service.store.versioning import check_version, stale_is_conflict

CHANGED_MEANWHILE = N_(
    "Someone else changed this request while you were working on it. "
    "Review the current version below; what you typed has been kept."
)


def load_request(
    session: Session,
    actor: User,
    request_id: int,
    action: PolicyAction = PolicyAction.REQUEST_VIEW,
    options: Sequence[ORMOption] = (),
) -> ServiceRequest:
    """The request (with ``options``' related rows), if ``actor`` may take ``action`` on it.

    Raises NotFound outside scope, Forbidden.
    """
    return load(session, actor, ServiceRequest, request_id, action, options=options)


def conflict(session: Session, request_id: int) -> StaleVersion:
    """A StaleVersion whose ``current`` attribute is the request as it now stands (or None if it is gone)."""
    error = StaleVersion(CHANGED_MEANWHILE)
    if session.in_transaction():
        session.rollback()
    session.expire_all()
    error.current = session.get(ServiceRequest, request_id)
    return error


@contextmanager
def editing(
    session: Session,
    actor: User | None,
    request_id: int,
    expected_version: int | None,
    action: PolicyAction,
    *,
    then: PolicyAction | None = None,
) -> Iterator[ServiceRequest]:
    """One transaction editing one request: scope, permission and version checked first.

    ``expected_version`` None skips the check (used where the caller holds no
    version, e.g. the SLA sweep); a concurrent commit still surfaces as StaleVersion
    through the version column. ``then`` is a permission the policy grants only in some
    states, checked after the version: a page that went stale meanwhile gets the conflict
    (with the request as it now stands) before the refusal its new state would give.
    """
    try:
        with stale_is_conflict(CHANGED_MEANWHILE), unit_of_work(session):
            # The request's row is locked first, so concurrent edits of one request queue up here
            # instead of deadlocking later over the rows they touch in different orders (PostgreSQL).
            request = load(session, actor, ServiceRequest, request_id, action, lock=True)
            check_version(request.version, expected_version, CHANGED_MEANWHILE)
            if then is not None and actor is not None:
                policy.authorize(actor, then, request)
            yield request
    except StaleVersion:
        raise conflict(session, request_id) from None


def untriaged_priority(urgent: bool) -> Priority:
    """Until triage, an urgent request is treated as P2 and any other as P3."""
    return Priority.P2 if urgent else Priority.P3


def provisional_priority(request: ServiceRequest) -> Priority:
    return request.priority or untriaged_priority(request.urgent)


def due_times(
    times: ServiceTimes, submitted_at: datetime, priority: Priority, paused: float = 0.0
) -> tuple[datetime, datetime]:
    """First-response and resolution due times, in working time from submission plus time spent waiting."""
    first, resolution = times.target_seconds(priority)
    return (
        times.calendar.add_working_time(submitted_at, first + paused),
        times.calendar.add_working_time(submitted_at, resolution + paused),
    )


def set_due_times(request: ServiceRequest, times: ServiceTimes, paused: float, share: float, now: datetime) -> None:
    """Recount the due times from submission, and when the resolution clock next reminds (催办)."""
    request.first_response_due_at, request.resolution_due_at = due_times(
        times, request.created_at, provisional_priority(request), paused
    )
    request.resolution_remind_at = first_reminder(
        times.calendar, request.created_at, request.resolution_due_at, share, now
    )


def paused_so_far(request: ServiceRequest, times: ServiceTimes) -> float:
    """Working seconds the resolution clock was stopped: how far its due time sits past the target."""
    if request.resolution_due_at is None:
        return 0.0
    _, resolution = times.target_seconds(provisional_priority(request))
    return max(0.0, times.calendar.working_seconds_between(request.created_at, request.resolution_due_at) - resolution)


def event_values(
    request_id: int, kind: EventKind, actor: User | None, now: datetime, *, public: bool = False, **data: Any
) -> dict[str, Any]:
    """The columns of an event on a request's timeline."""
    return {
        "request_id": request_id,
        "kind": kind,
        "public": public,
        "actor_id": actor.id if actor else None,
        "created_at": now,
        "data": data,
    }


def record(
    session: Session,
    request: ServiceRequest,
    kind: EventKind,
    actor: User | None,
    now: datetime,
    *,
    public: bool = False,
    **data: Any,
) -> Event:
    event = Event(**event_values(request.id, kind, actor, now, public=public, **data))
    session.add(event)
    return event


def confirm_nothing_left_open(session: Session, request: ServiceRequest, confirmed: bool) -> None:
    """Resolving with follow-ups, instructions, task forces or milestones still open needs the actor's say-so.

    Raises NeedsConfirmation listing them unless ``confirmed``; read only when resolving (never on a page view).
    """
    if confirmed:
        return
    items = open_items(session, request)
    if items:
        raise NeedsConfirmation(
            N_("Work on this request is still open. Resolve it anyway?"), [item.as_dict() for item in items]
        )
