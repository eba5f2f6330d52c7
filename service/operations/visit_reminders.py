"""Return-visit reminders (回访提醒): a result whose days for a return visit are nearly over, with no visit yet,
is told once to those who may visit it: its station's head and its officers, but not its handler (a visit is
someone else's, service/rules/policy.py).

"Nearly over" is in working time: one working day or less is left before the visit's deadline, the horizon of
the desk's "due" queue. The reminder is on the request's timeline (inside the desk): a result is reminded once,
and a new result (after a reopen or a redo) once again.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, exists
from sqlalchemy.orm import Session

from service.models import RESULT_STATUSES, Event, EventKind, ServiceRequest
from service.models.base import utcnow
from service.operations import notifications
from service.operations.request_support import record
from service.operations.sla import in_batches
from service.rules.sla import one_working_day_on
from service.rules.visits import visit_deadline
from service.store.settings import DeskSettings, service_times


def _reminded_of_this_result() -> ColumnElement[bool]:
    return exists().where(
        Event.request_id == ServiceRequest.id,
        Event.kind == EventKind.VISIT_DUE,
        Event.created_at >= ServiceRequest.resolved_at,
    )


def remind_visits(session: Session, *, settings: DeskSettings, now: datetime | None = None) -> int:
    """Remind of every unvisited result whose visit deadline is one working day away or less (and not passed),
    once per result; return how many results were reminded. Idempotent."""
    now = now or utcnow()
    calendar = service_times(session, settings).calendar
    days = timedelta(days=settings.return_visit_days)
    # Who may visit a station's results: its active staff and head, read once per station for the whole sweep.
    desks: dict[int, list[int]] = {}

    def handle(request: ServiceRequest) -> None:
        if request.station_id not in desks:
            desks[request.station_id] = notifications.ids_of(session, notifications.station_desk(request.station_id))
        # The handler's result is visited by someone else (service/rules/policy.py).
        visitors = [user_id for user_id in desks[request.station_id] if user_id != request.assignee_id]
        deadline = visit_deadline(request, settings.return_visit_days)
        assert deadline is not None  # selected by its resolution time
        record(session, request, EventKind.VISIT_DUE, None, now, deadline=deadline.isoformat())
        notifications.notify(
            session,
            visitors,
            request,
            EventKind.VISIT_DUE,
            now,
            data={"deadline": deadline.isoformat()},
        )

    # Found by their resolution time (the deadline is that time plus the days): the index on it reads the few
    # results whose deadline falls in this working day, whatever the history.
    due = and_(
        ServiceRequest.resolved_at > now - days,
        ServiceRequest.resolved_at <= one_working_day_on(calendar, now) - days,
        ServiceRequest.status.in_(sorted(RESULT_STATUSES)),
        ServiceRequest.visited_at.is_(None),
        ~_reminded_of_this_result(),
    )
    return in_batches(session, (due,), handle, (ServiceRequest.__table__.c.resolved_at,))
