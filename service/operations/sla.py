"""SLA: the scheduled sweep that flags, escalates and auto-closes, and the due-time display state.

The sweep works in batches of rows it locks with SKIP LOCKED on PostgreSQL, so
two sweeps at once split the work instead of doubling it; each row's own
condition (flag not yet set, status still resolved) is re-checked under the
lock, which makes a second run a no-op. SQLite's write transaction is exclusive.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, exists, select
from sqlalchemy.orm import Session, aliased

from service.errors import N_
from service.models import OPEN_STATUSES, Event, EventKind, Role, ServiceRequest, Status, User
from service.models.base import utcnow
from service.operations import notifications
from service.operations.escalation import escalate
from service.operations.reminders import sweep_reminders
from service.operations.request_support import record
from service.operations.supervision_orders import tell_raised_tiers
from service.rules import lifecycle
from service.rules import sla as rules
from service.rules.sla_calendar import WorkingCalendar
from service.rules.supervision_orders import TierClock
from service.store.db import unit_of_work
from service.store.settings import DeskSettings, service_times

BATCH = 200
Order = tuple[ColumnElement[object], ...]
FIRST_RESPONSE_OVERDUE = N_("First response overdue")
RESOLUTION_OVERDUE = N_("Resolution overdue")
# The sweep's escalation reasons are stored as these message ids and worded in the reader's language.
SWEEP_REASONS = frozenset({FIRST_RESPONSE_OVERDUE, RESOLUTION_OVERDUE})


@dataclass(frozen=True)
class SweepReport:
    first_response_breaches: int = 0
    resolution_breaches: int = 0
    escalated: int = 0
    auto_closed: int = 0
    reminders: int = 0
    # Open supervision orders whose worsened tier was told to their unit and issuer.
    tiers_raised: int = 0


@dataclass(frozen=True)
class SlaState:
    first_response_due: datetime | None
    resolution_due: datetime | None
    overdue: bool
    paused: bool
    # Working seconds left before the next due time; negative once it has passed.
    remaining_seconds: float | None
    # Which due time the remaining seconds count towards: "first_response" or "resolution".
    target: str | None = None


def sla_state(request: ServiceRequest, calendar: WorkingCalendar, now: datetime) -> SlaState:
    """What a queue or detail page shows: time left, or overdue by, in working time."""
    first, resolution = request.first_response_due_at, request.resolution_due_at
    paused = request.status == Status.WAITING_ENTERPRISE
    if request.status not in OPEN_STATUSES:
        return SlaState(first, resolution, False, False, None)
    due: datetime | None
    if request.first_responded_at is None and first is not None:
        target, due = "first_response", first
    else:
        target, due = "resolution", resolution
    if due is None:
        return SlaState(first, resolution, False, paused, None, None)
    # While paused the clock stands where it stopped; the due time moves on resume.
    at = request.waiting_since if paused and request.waiting_since else now
    overdue = rules.OVERDUE.holds(request, now)
    if at < due:
        return SlaState(first, resolution, overdue, paused, calendar.working_seconds_between(at, due), target)
    return SlaState(first, resolution, overdue, paused, -calendar.working_seconds_between(due, at), target)


def _locked_batch(session: Session, *conditions: ColumnElement[bool], order: Order = ()) -> list[ServiceRequest]:
    query = (
        select(ServiceRequest)
        .where(*conditions)
        .order_by(*order, ServiceRequest.id)
        .limit(BATCH)
        .with_for_update(skip_locked=True)
    )
    return list(session.scalars(query))


def in_batches(
    session: Session,
    conditions: tuple[ColumnElement[bool], ...],
    handle: Callable[[ServiceRequest], None],
    order: Order = (),
) -> int:
    """Handle the rows ``conditions`` select, a locked batch at a time, in ``order`` (then by id): ordered by the
    column an index finds them by, the database reads only them rather than walking the table by id."""
    done = 0
    while True:
        with unit_of_work(session):
            batch = _locked_batch(session, *conditions, order=order)
            for request in batch:
                handle(request)
        done += len(batch)
        if len(batch) < BATCH:
            return done


def _enterprise_has_the_last_word() -> ColumnElement[bool]:
    """The enterprise replied after the resolution (past the reopen window) and the station has not answered:
    the request waits for its officer rather than closing unseen."""
    desk_reply = aliased(Event)
    enterprise = select(User.id).where(User.role == Role.ENTERPRISE)
    return exists().where(
        Event.request_id == ServiceRequest.id,
        Event.kind == EventKind.REPLY,
        Event.created_at >= ServiceRequest.resolved_at,
        Event.actor_id.in_(enterprise),
        ~exists().where(
            desk_reply.request_id == ServiceRequest.id,
            desk_reply.kind == EventKind.REPLY,
            desk_reply.created_at > Event.created_at,
            desk_reply.actor_id.not_in(enterprise),
        ),
    )


def sweep(session: Session, *, settings: DeskSettings, now: datetime | None = None) -> SweepReport:
    """Flag overdue first responses and resolutions (once), escalate them, send the reminders (催办) whose time
    has come (each once), auto-close old resolutions, tell the unit and the issuer of a supervision order (督办)
    whose tier has worsened (each worsening once)."""
    now = now or utcnow()
    calendar = service_times(session, settings).calendar
    escalated = 0

    def breach(target: str, flag: str, reason: str) -> Callable[[ServiceRequest], None]:
        def handle(request: ServiceRequest) -> None:
            nonlocal escalated
            setattr(request, flag, True)
            due = getattr(request, f"{target}_due_at")
            record(session, request, EventKind.SLA_BREACHED, None, now, target=target, due=due.isoformat())
            notifications.notify(session, notifications.desk_recipients(request), request, EventKind.SLA_BREACHED, now)
            escalated += escalate(session, request, None, reason, now)

        return handle

    first = in_batches(
        session,
        (rules.FIRST_RESPONSE_OVERDUE.clause(now), ServiceRequest.first_response_breached.is_(False)),
        breach("first_response", "first_response_breached", FIRST_RESPONSE_OVERDUE),
    )
    resolution = in_batches(
        session,
        (rules.RESOLUTION_OVERDUE.clause(now), ServiceRequest.resolution_breached.is_(False)),
        breach("resolution", "resolution_breached", RESOLUTION_OVERDUE),
    )

    def close(request: ServiceRequest) -> None:
        lifecycle.apply(session, request, lifecycle.Action.AUTO_CLOSE, None, now, calendar)
        notifications.tell_enterprise(
            session, None, request, EventKind.STATUS_CHANGED, now, status=request.status.value
        )

    cutoff = now - timedelta(days=settings.auto_close_days)
    closed = in_batches(
        session,
        (
            and_(
                ServiceRequest.status == Status.RESOLVED,
                ServiceRequest.resolved_at < cutoff,
                ~_enterprise_has_the_last_word(),
            ),
        ),
        close,
    )
    reminded = sweep_reminders(session, now, in_batches)
    clock = TierClock.at(
        now, calendar, red_days=settings.supervision_red_days, red_reminders=settings.supervision_red_reminders
    )
    return SweepReport(first, resolution, escalated, closed, reminded, tell_raised_tiers(session, clock))
