"""Reminders (催办): the SLA sweep's automatic ones, at the configured share of a clock's time limit and at its
breach, and a head's own with a message.

Each is on the request's timeline (inside the desk), counted on the request, and in its recipients'
notifications: the officer (the assignee; unassigned, the station's desk), and at a breach, or when the
provincial director reminds, the station's head too.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from service.errors import CORRECT_FIELDS, MAX_TEXT, MESSAGE_REQUIRED, TOO_LONG, ValidationError
from service.models import EventKind, ReminderClock, ServiceRequest, User
from service.models.base import utcnow
from service.operations import notifications
from service.operations.request_support import editing, record
from service.rules import policy, reminders, sla
from service.rules.policy import PolicyAction
from service.rules.reminders import Stage


def _officer(request: ServiceRequest) -> notifications.Recipients:
    if request.assignee_id is not None:
        return [request.assignee_id]
    return notifications.station_desk(request.station_id)


def send_reminder(
    session: Session,
    request: ServiceRequest,
    actor: User | None,
    clock: ReminderClock,
    now: datetime,
    *,
    stage: Stage | None = None,
    message: str = "",
) -> None:
    """Record, count and deliver one reminder (``actor`` None: the sweep's)."""
    request.reminder_count += 1
    request.last_reminded_at = now
    data: dict[str, Any] = {
        "clock": clock.value,
        **({"stage": stage.value} if stage else {}),
        **({"message": message} if message else {}),
    }
    record(session, request, EventKind.REMINDED, actor, now, **data)
    heads = stage == Stage.OVERDUE or (actor is not None and policy.is_provincial_director(actor))
    recipients = notifications.ids_of(
        session, _officer(request), notifications.director_ids(session, request.station_id) if heads else []
    )
    notifications.notify(
        session, recipients, request, EventKind.REMINDED, now, exclude=actor.id if actor else None, data=data
    )


def remind_request(
    session: Session, actor: User, request_id: int, expected_version: int, message: str, *, now: datetime | None = None
) -> ServiceRequest:
    """A head (the station's director, or the provincial director) reminds the officer, with a message.

    Raises NotFound, Forbidden (not a head, or the request is no longer open), Conflict, ValidationError.
    """
    now = now or utcnow()
    message = message.strip()
    if not message:
        raise ValidationError(CORRECT_FIELDS, fields={"message": MESSAGE_REQUIRED})
    if len(message) > MAX_TEXT:
        raise ValidationError(CORRECT_FIELDS, fields={"message": TOO_LONG})
    with editing(
        session,
        actor,
        request_id,
        expected_version,
        PolicyAction.REQUEST_VIEW_INTERNAL,
        then=PolicyAction.REQUEST_REMIND,
    ) as request:
        send_reminder(session, request, actor, ReminderClock.MANUAL, now, message=message)
    return request


# Each clock: what the sweep finds due, the column of its next reminder and the column of its due time.
CLOCKS: tuple[tuple[ReminderClock, sla.Predicate, str, str], ...] = (
    (ReminderClock.SIGN_FOR, sla.SIGN_FOR_REMINDER_DUE, "sign_for_remind_at", "sign_for_due_at"),
    (ReminderClock.RESOLUTION, sla.RESOLUTION_REMINDER_DUE, "resolution_remind_at", "resolution_due_at"),
)


def sweep_reminders(
    session: Session,
    now: datetime,
    in_batches: Callable[
        [Session, tuple[ColumnElement[bool], ...], Callable[[ServiceRequest], None], tuple[ColumnElement[object], ...]],
        int,
    ],
) -> int:
    """Send every automatic reminder whose time has come, once: each moves its clock on to the next threshold."""
    sent = 0
    for clock, due_now, remind_at, due_at in CLOCKS:

        def handle(
            request: ServiceRequest, clock: ReminderClock = clock, remind_at: str = remind_at, due_at: str = due_at
        ) -> None:
            due = getattr(request, due_at)
            if due is None:
                setattr(request, remind_at, None)
                return
            stage = reminders.stage_at(due, now)
            setattr(request, remind_at, reminders.after(stage, due))
            send_reminder(session, request, None, clock, now, stage=stage)

        # Found through the index on their next reminder: the sweep reads the due ones only, even at a million.
        sent += in_batches(session, (due_now.clause(now),), handle, (getattr(ServiceRequest, remind_at),))
    return sent
