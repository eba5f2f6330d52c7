"""Escalation to the director: a flag with a reason, not a state (the case keeps its stage)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from service.errors import GIVE_A_REASON, N_, REASON_REQUIRED, InvalidTransition, ValidationError
from service.models import OPEN_STATUSES, EventKind, ServiceRequest, User
from service.models.base import utcnow
from service.operations import notifications
from service.operations.request_support import editing, record
from service.rules.policy import PolicyAction


def escalate(session: Session, request: ServiceRequest, actor: User | None, reason: str, now: datetime) -> bool:
    """Flag ``request`` inside the caller's transaction; False when it already was (nothing written)."""
    if request.escalated:
        return False
    request.escalated = True
    request.escalation_reason = reason
    request.escalated_at = now
    record(session, request, EventKind.ESCALATED, actor, now, reason=reason, by_sweep=actor is None)
    notifications.notify(
        session,
        notifications.director_ids(session, request.station_id),
        request,
        EventKind.ESCALATED,
        now,
        exclude=actor.id if actor else None,
        data={"reason": reason},
    )
    return True


def _require_reason(text: str, field: str) -> str:
    if not text.strip():
        raise ValidationError(GIVE_A_REASON, fields={field: REASON_REQUIRED})
    return text.strip()


def escalate_request(
    session: Session, actor: User | None, request_id: int, reason: str, *, now: datetime | None = None
) -> ServiceRequest:
    """Desk users in scope (or the sweep, actor None) escalate an open request to the station's director.

    Raises NotFound, Forbidden, InvalidTransition (closed or already escalated), ValidationError, Conflict.
    """
    now = now or utcnow()
    reason = _require_reason(reason, "reason")
    with editing(session, actor, request_id, None, PolicyAction.REQUEST_ESCALATE) as request:
        if request.status not in OPEN_STATUSES:
            raise InvalidTransition(N_("This request is no longer open."))
        if not escalate(session, request, actor, reason, now):
            raise InvalidTransition(N_("This request is already escalated."))
    return request


def de_escalate_request(
    session: Session, actor: User, request_id: int, note: str, *, now: datetime | None = None
) -> ServiceRequest:
    """A director in scope lifts the escalation with a note. Raises NotFound, Forbidden, InvalidTransition,
    ValidationError, Conflict."""
    now = now or utcnow()
    note = _require_reason(note, "note")
    with editing(session, actor, request_id, None, PolicyAction.REQUEST_DE_ESCALATE) as request:
        if not request.escalated:
            raise InvalidTransition(N_("This request is not escalated."))
        request.escalated = False
        request.escalated_at = None
        request.escalation_reason = None
        record(session, request, EventKind.DE_ESCALATED, actor, now, note=note)
        if request.assignee_id is not None:
            notifications.notify(session, [request.assignee_id], request, EventKind.DE_ESCALATED, now, exclude=actor.id)
    return request
