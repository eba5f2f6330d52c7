"""The supervision loop's first steps: a dispatched request is signed for (签收) or returned (退回); its officer
asks for more time (延期申请), which the head of its station (beyond the allowed number, the provincial
director) approves or refuses.

Every write edits the request under its version (``editing``), records its events and tells whom it concerns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.errors import CORRECT_FIELDS, MAX_TEXT, N_, REASON_REQUIRED, TOO_LONG, InvalidTransition, ValidationError
from service.models import EventKind, ExtensionRequest, ExtensionStatus, ReturnReason, ServiceRequest, User
from service.models.base import utcnow
from service.operations import notifications
from service.operations.request_support import editing, record
from service.operations.supervision_orders import follow_station
from service.rules import sla, state_machine
from service.rules.extensions import MACHINE, DecisionInputs, ExtensionAction
from service.rules.policy import PolicyAction
from service.rules.reminders import first_reminder
from service.rules.sla_calendar import WorkingCalendar
from service.store.settings import DeskSettings, service_times


def start_sign_for(
    request: ServiceRequest,
    actor: User,
    calendar: WorkingCalendar,
    settings: DeskSettings,
    now: datetime,
    *,
    transferred_from: int | None = None,
) -> None:
    """A dispatch (an assignment to someone, or a transfer) starts the sign-for clock; taking a request oneself
    signs for it at once, and unassigning stops the clock."""
    request.dispatched_by_id = actor.id
    request.transferred_from_id = transferred_from
    request.sign_for_remind_at = None
    if request.assignee_id is None and transferred_from is None:
        request.sign_for_due_at = request.signed_for_at = None
    elif request.assignee_id == actor.id:
        request.sign_for_due_at, request.signed_for_at = None, now
    else:
        request.sign_for_due_at = calendar.add_working_time(now, settings.sign_for_hours * 3600.0)
        request.signed_for_at = None
        request.sign_for_remind_at = first_reminder(
            calendar, now, request.sign_for_due_at, settings.reminder_share, now
        )


def sign_for(
    session: Session, actor: User, request_id: int, expected_version: int, *, now: datetime | None = None
) -> ServiceRequest:
    """The assignee (after a transfer, the receiving station's desk) signs for a dispatched request.

    Raises NotFound, Forbidden (not theirs, or nothing to sign for), Conflict.
    """
    now = now or utcnow()
    with editing(
        session,
        actor,
        request_id,
        expected_version,
        PolicyAction.REQUEST_VIEW_INTERNAL,
        then=PolicyAction.REQUEST_SIGN_FOR,
    ) as request:
        late = sla.SIGN_FOR_OVERDUE.holds(request, now)
        request.signed_for_at = now
        request.sign_for_remind_at = None
        # The return it answers is dealt with: the queue row no longer shows its reason.
        request.return_reason = request.return_note = None
        record(session, request, EventKind.SIGNED_FOR, actor, now, late=late)
    return request


def _check_return(reason: ReturnReason | None, note: str) -> str:
    note = note.strip()
    if reason is None:
        raise ValidationError(CORRECT_FIELDS, fields={"reason": N_("Choose why you return the request.")})
    if reason == ReturnReason.OTHER and not note:
        raise ValidationError(CORRECT_FIELDS, fields={"note": REASON_REQUIRED})
    if len(note) > MAX_TEXT:
        raise ValidationError(CORRECT_FIELDS, fields={"note": TOO_LONG})
    return note


def return_request(
    session: Session,
    actor: User,
    request_id: int,
    expected_version: int,
    reason: ReturnReason | None,
    note: str,
    *,
    now: datetime | None = None,
) -> ServiceRequest:
    """Refuse a dispatched request with a reason instead of signing for it.

    It goes back to whoever dispatched it, unassigned: within the station, to its desk's queue; returned by
    the station a transfer sent it to, back to the station that sent it (whose dispatcher chose wrongly and
    must dispatch it again). Raises NotFound, Forbidden, Conflict, ValidationError.
    """
    now = now or utcnow()
    note = _check_return(reason, note)
    with editing(
        session,
        actor,
        request_id,
        expected_version,
        PolicyAction.REQUEST_VIEW_INTERNAL,
        then=PolicyAction.REQUEST_RETURN,
    ) as request:
        back_to = request.transferred_from_id if request.assignee_id is None else None
        record(
            session,
            request,
            EventKind.RETURNED,
            actor,
            now,
            return_reason=reason.value if reason else None,
            reason=note,
            previous_assignee=request.assignee_id,
            from_station=request.station_id,
            to_station=back_to or request.station_id,
        )
        if back_to is not None:
            request.station_id = back_to
            follow_station(session, request)
        request.assignee_id = None
        request.sign_for_due_at = request.signed_for_at = request.transferred_from_id = None
        request.sign_for_remind_at = None
        request.return_count += 1
        request.return_reason, request.return_note = reason, note or None
        dispatcher = request.dispatched_by_id
        recipients: notifications.Recipients = (
            [dispatcher] if dispatcher is not None else notifications.station_desk(request.station_id)
        )
        notifications.notify(
            session,
            recipients,
            request,
            EventKind.RETURNED,
            now,
            exclude=actor.id,
            data={"return_reason": reason.value if reason else None},
        )
    return request


@dataclass(frozen=True)
class ExtensionAsk:
    new_due_date: date | None
    public_reason: str
    internal_note: str = ""


def _check_ask(ask: ExtensionAsk, request: ServiceRequest, calendar: WorkingCalendar, now: datetime) -> datetime:
    """The new due time the ask means (the close of its date's working hours), or ValidationError."""
    problems: dict[str, str] = {}
    if not ask.public_reason.strip():
        problems["public_reason"] = REASON_REQUIRED
    elif len(ask.public_reason.strip()) > MAX_TEXT:
        problems["public_reason"] = TOO_LONG
    if len(ask.internal_note.strip()) > MAX_TEXT:
        problems["internal_note"] = TOO_LONG
    new_due = calendar.close_of(ask.new_due_date) if ask.new_due_date else None
    if new_due is None:
        problems["new_due_date"] = N_("Give the new date.")
    elif new_due <= max(now, request.resolution_due_at or now):
        problems["new_due_date"] = N_("Choose a date after the present due date.")
    if problems or new_due is None:
        raise ValidationError(CORRECT_FIELDS, fields=problems)
    return new_due


def ask_extension(
    session: Session,
    actor: User,
    request_id: int,
    expected_version: int,
    ask: ExtensionAsk,
    *,
    settings: DeskSettings,
    now: datetime | None = None,
) -> ExtensionRequest:
    """The assignee asks to move the resolution due date, with a reason the enterprise will read.

    Beyond ``settings.max_extensions`` approved extensions only the provincial director decides it.
    Raises NotFound, Forbidden (not the assignee, closed, or one already pending), Conflict, ValidationError.
    """
    now = now or utcnow()
    with editing(
        session,
        actor,
        request_id,
        expected_version,
        PolicyAction.REQUEST_VIEW_INTERNAL,
        then=PolicyAction.REQUEST_ASK_EXTENSION,
    ) as request:
        new_due = _check_ask(ask, request, service_times(session, settings).calendar, now)
        extension = ExtensionRequest(
            request_id=request.id,
            asked_by_id=actor.id,
            status=ExtensionStatus.PENDING,
            public_reason=ask.public_reason.strip(),
            internal_note=ask.internal_note.strip(),
            previous_due_at=request.resolution_due_at,
            new_due_at=new_due,
            needs_provincial=request.extension_count >= settings.max_extensions,
            created_at=now,
        )
        session.add(extension)
        request.extension_pending = True
        session.flush()
        record(
            session,
            request,
            EventKind.EXTENSION_ASKED,
            actor,
            now,
            extension_id=extension.id,
            new_due_at=new_due.isoformat(),
            reason=extension.public_reason,
            internal_note=extension.internal_note,
        )
        deciders = (
            notifications.provincial_director_ids(session)
            if extension.needs_provincial
            else notifications.director_ids(session, request.station_id)
        )
        notifications.notify(session, deciders, request, EventKind.EXTENSION_ASKED, now, exclude=actor.id)
    return extension


def pending_extension(session: Session, request: ServiceRequest) -> ExtensionRequest | None:
    """The request's extension request waiting for a decision (one at most), read only when the flag says so."""
    if not request.extension_pending:
        return None
    return session.scalars(
        select(ExtensionRequest).where(
            ExtensionRequest.request_id == request.id, ExtensionRequest.status == ExtensionStatus.PENDING
        )
    ).first()


def decide_extension(
    session: Session,
    actor: User,
    request_id: int,
    expected_version: int,
    action: ExtensionAction,
    comment: str = "",
    *,
    settings: DeskSettings,
    now: datetime | None = None,
) -> ExtensionRequest:
    """Approve or refuse (a director) or withdraw (its asker) the request's pending extension.

    Approving moves the resolution due time to the date asked for and tells the enterprise.
    Raises NotFound, Forbidden, Conflict, InvalidTransition (none pending), ValidationError.
    """
    now = now or utcnow()
    with editing(session, actor, request_id, expected_version, PolicyAction.REQUEST_VIEW_INTERNAL) as request:
        extension = pending_extension(session, request)
        if extension is None:
            raise InvalidTransition(N_("No extension request is waiting for a decision."))
        # An approval moves the due time: the resolution clock reminds again at its share of the new time limit.
        remind_at = first_reminder(
            service_times(session, settings).calendar,
            request.created_at,
            extension.new_due_at,
            settings.reminder_share,
            now,
        )
        event = state_machine.apply(session, MACHINE, extension, action, actor, now, DecisionInputs(comment, remind_at))
        if event is None:  # every step of the table records one
            return extension
        kind = event.kind
        if action == ExtensionAction.WITHDRAW:
            notifications.notify(
                session,
                notifications.director_ids(session, request.station_id),
                request,
                kind,
                now,
                exclude=actor.id,
            )
        else:
            # The officer reads the decision in the inbox: the new date, or why it was refused.
            told = (
                {"new_due_at": extension.new_due_at.isoformat()}
                if action == ExtensionAction.APPROVE
                else {"comment": comment.strip()}
            )
            notifications.notify(session, [extension.asked_by_id], request, kind, now, exclude=actor.id, data=told)
        if action == ExtensionAction.APPROVE:
            notifications.tell_enterprise(
                session, actor, request, kind, now, new_due_at=extension.new_due_at.isoformat()
            )
    return extension
