"""Requests from submission to closure: submit, triage, assign, transfer, reply, and the lifecycle buttons.

Every status change goes through ``lifecycle.apply``; every change writes its
events and notifications in the same transaction. Editing operations take the
version the actor saw and raise Conflict (with ``.current``) when it moved on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Executable, Table, bindparam, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, make_transient_to_detached

from service.errors import (
    CORRECT_FIELDS,
    GIVE_A_REASON,
    MESSAGE_REQUIRED,
    N_,
    REASON_REQUIRED,
    InvalidTransition,
    NotFound,
    ValidationError,
)
from service.infrastructure.search_index import make_document, write_documents
from service.models import (
    FINAL_STATUSES,
    OPEN_STATUSES,
    Category,
    Channel,
    DeviceClass,
    Enterprise,
    Event,
    EventKind,
    LifecycleStage,
    Message,
    Priority,
    ProductField,
    ProductType,
    ReferenceCounter,
    ResultCategory,
    Role,
    ServicePlan,
    ServiceRequest,
    Station,
    Status,
    User,
)
from service.models.base import utcnow
from service.operations import notifications
from service.operations.attachments import Upload, store_uploads
from service.operations.canned_replies import count_use
from service.operations.request_support import (
    confirm_nothing_left_open,
    due_times,
    editing,
    event_values,
    load_request,
    paused_so_far,
    record,
    set_due_times,
    untriaged_priority,
)
from service.operations.supervision import start_sign_for
from service.operations.supervision_orders import follow_station
from service.operations.visits import online_visit
from service.rules import lifecycle, policy, sla
from service.rules.policy import PolicyAction
from service.rules.reference_numbers import format_reference, reference_year
from service.rules.reminders import warning_moment
from service.store.db import pipelined, unit_of_work
from service.store.relations import open_children
from service.store.settings import DeskSettings, ServiceTimes, service_times

ENTERPRISE_CHANNELS = frozenset({Channel.WEB, Channel.API})


@dataclass(frozen=True)
class RequestDraft:
    title: str
    description: str
    category: Category
    lifecycle_stage: LifecycleStage
    product_name: str = ""
    device_class: DeviceClass | None = None
    product_type: ProductType | None = None
    product_field: ProductField | None = None
    innovative: bool = False
    urgent: bool = False
    channel: Channel = Channel.WEB
    idempotency_key: str | None = None


def check_draft(draft: RequestDraft) -> None:
    """Raises ValidationError for a draft's missing or overlong fields."""
    problems = {}
    if not draft.title.strip():
        problems["title"] = N_("Give the request a title.")
    elif len(draft.title.strip()) > 200:
        problems["title"] = N_("Keep the title under 200 characters.")
    if not draft.description.strip():
        problems["description"] = N_("Describe the difficulty.")
    if len(draft.product_name.strip()) > 200:
        problems["product_name"] = N_("Keep the product name under 200 characters.")
    if draft.idempotency_key is not None and len(draft.idempotency_key) > 64:
        problems["idempotency_key"] = N_("The form token is too long.")
    if problems:
        raise ValidationError(CORRECT_FIELDS, fields=problems)


def _counter_upsert(dialect_insert: Callable[[Table], postgresql.Insert | sqlite.Insert]) -> Executable:
    counters = ReferenceCounter.__table__
    return (
        dialect_insert(counters)
        .values(year=bindparam("year"), last_value=1)
        .on_conflict_do_update(index_elements=["year"], set_={"last_value": counters.c.last_value + 1})
        .returning(counters.c.last_value)
    )


_NEXT_NUMBER = {"postgresql": _counter_upsert(postgresql.insert), "sqlite": _counter_upsert(sqlite.insert)}


def next_reference(connection: Connection, year: int) -> tuple[int, str]:
    """Take the next number of ``year`` under the counter row's lock; a rollback gives it back."""
    sequence = connection.execute(_NEXT_NUMBER[connection.dialect.name], {"year": year}).scalar_one()
    return sequence, format_reference(year, sequence)


def _by_idempotency_key(session: Session, submitter_id: int, key: str | None) -> ServiceRequest | None:
    if not key:
        return None
    return session.scalars(
        select(ServiceRequest).where(ServiceRequest.submitter_id == submitter_id, ServiceRequest.idempotency_key == key)
    ).first()


def _submitting_for(session: Session, actor: User, draft: RequestDraft, enterprise_id: int | None) -> Enterprise:
    if actor.role == Role.ENTERPRISE:
        policy.authorize(actor, PolicyAction.REQUEST_SUBMIT, None)
        if enterprise_id not in (None, actor.enterprise_id) or draft.channel not in ENTERPRISE_CHANNELS:
            raise ValidationError(CORRECT_FIELDS, fields={"channel": N_("Choose how the request reached the station.")})
        enterprise = session.get(Enterprise, actor.enterprise_id)
        if enterprise is None:
            raise NotFound()
        return enterprise
    policy.authorize(actor, PolicyAction.REQUEST_SUBMIT_ON_BEHALF, None)
    if enterprise_id is None:
        raise ValidationError(
            CORRECT_FIELDS, fields={"enterprise_id": N_("Choose the enterprise you are opening the request for.")}
        )
    enterprise = session.get(Enterprise, enterprise_id)
    if enterprise is None or not policy.covers_station(actor, enterprise.station_id):
        raise NotFound()
    return enterprise


def new_request_row(
    enterprise: Enterprise, actor: User, draft: RequestDraft, times: ServiceTimes, settings: DeskSettings, now: datetime
) -> dict[str, Any]:
    """The columns of a request ``actor`` submits now for ``enterprise`` (at its home station), awaiting triage;
    without its year, number and id."""
    first_response_due_at, resolution_due_at = due_times(times, now, untriaged_priority(draft.urgent))
    return dict(
        enterprise_id=enterprise.id,
        submitter_id=actor.id,
        channel=draft.channel,
        title=draft.title.strip(),
        description=draft.description.strip(),
        category=draft.category,
        product_name=draft.product_name.strip(),
        device_class=draft.device_class,
        product_type=draft.product_type,
        product_field=draft.product_field,
        innovative=draft.innovative,
        lifecycle_stage=draft.lifecycle_stage,
        urgent=draft.urgent,
        priority=None,
        status=Status.SUBMITTED,
        station_id=enterprise.station_id,
        idempotency_key=draft.idempotency_key or None,
        first_response_due_at=first_response_due_at,
        resolution_due_at=resolution_due_at,
        resolution_remind_at=warning_moment(times.calendar, now, resolution_due_at, settings.reminder_share),
        first_response_breached=False,
        resolution_breached=False,
        escalated=False,
        return_count=0,
        extension_count=0,
        extension_pending=False,
        reminder_count=0,
        redo_count=0,
        created_at=now,
        updated_at=now,
        version=1,
    )


# Built once: a statement's values given as parameters are bound, not compiled into it.
_INSERT_REQUEST = insert(ServiceRequest.__table__).returning(ServiceRequest.__table__.c.id)
_INSERT_EVENT = insert(Event.__table__).inline()  # no id read back (it runs pipelined)


def submit_request(
    session: Session,
    actor: User,
    draft: RequestDraft,
    uploads: Sequence[Upload] = (),
    *,
    settings: DeskSettings,
    enterprise_id: int | None = None,
    now: datetime | None = None,
) -> ServiceRequest:
    """An enterprise submits for itself, or a desk user on behalf of an enterprise of its station.

    The same idempotency key from the same submitter returns the request already
    made; with different content it raises ValidationError. Raises ValidationError
    (fields, refused uploads), Forbidden, NotFound.
    """
    now = now or utcnow()
    check_draft(draft)
    # Everything that needs no lock is read and worked out before the reference counter is taken (on
    # SQLite, before the write transaction); from then on the request is only numbered and its rows
    # inserted, by plain statements rather than an ORM flush: submissions queue for the counter row
    # (on SQLite, for the one write lock) as briefly as possible.
    enterprise = _submitting_for(session, actor, draft, enterprise_id)
    row = new_request_row(enterprise, actor, draft, service_times(session, settings), settings, now)
    document = make_document(
        0,
        enterprise_id=enterprise.id,
        station_id=enterprise.station_id,
        title=row["title"],
        description=row["description"],
        product_name=row["product_name"],
        enterprise_name=enterprise.name,
        credit_code=enterprise.credit_code,
    )
    row["year"] = reference_year(now)
    try:
        with unit_of_work(session):
            connection = session.connection()
            row["sequence"], row["reference"] = next_reference(connection, row["year"])
            row["id"] = connection.execute(_INSERT_REQUEST, row).scalar_one()
            # The session takes the row as if it had loaded it (columns not given above load on first use).
            request = ServiceRequest(**row)
            make_transient_to_detached(request)
            session.add(request)
            # Nothing below is read back: the statements go to the server together.
            with pipelined(connection):
                # Inserted by a statement, not a flush: the index document is written here, not by search_index's hook.
                write_documents(connection, [replace(document, request_id=row["id"])])
                connection.execute(
                    _INSERT_EVENT,
                    event_values(
                        row["id"],
                        EventKind.CREATED,
                        actor,
                        now,
                        public=True,
                        reference=row["reference"],
                        channel=draft.channel.value,
                        on_behalf=actor.role != Role.ENTERPRISE,
                        station_id=enterprise.station_id,
                        **sla.due_times_data(row["first_response_due_at"], row["resolution_due_at"]),
                    ),
                )
                # The desk's recipients are selected by the INSERT itself: no round trip to read them first.
                notifications.notify(
                    session,
                    notifications.station_desk(enterprise.station_id),
                    request,
                    EventKind.CREATED,
                    now,
                    exclude=actor.id,
                )
                if actor.role != Role.ENTERPRISE:
                    notifications.notify(
                        session, notifications.enterprise_users(enterprise.id), request, EventKind.CREATED, now
                    )
            _attach(session, actor, request, uploads, settings, now)
    except IntegrityError:
        # The submitter's idempotency key is unique: a repeat (a retry, or a copy racing the
        # first) is refused by the database and the request already made stands.
        winner = _by_idempotency_key(session, actor.id, draft.idempotency_key)
        if winner is None:
            raise
        if any(getattr(winner, name) != row[name] for name in _SUBMITTED_FIELDS):
            raise ValidationError(
                CORRECT_FIELDS,
                fields={
                    "idempotency_key": N_(
                        "This key was already used for a different request; use a new key for a new request."
                    )
                },
            ) from None
        return winner
    return request


# What the submitter chose: a repeat with the same idempotency key must carry the same, else it is a new request.
_SUBMITTED_FIELDS = ("enterprise_id", *(f.name for f in fields(RequestDraft) if f.name != "idempotency_key"))


def _attach(
    session: Session,
    actor: User,
    request: ServiceRequest,
    uploads: Sequence[Upload],
    settings: DeskSettings,
    now: datetime,
    message: Message | None = None,
    internal: bool = False,
) -> None:
    stored = store_uploads(session, actor, request, uploads, settings, now, message=message, internal=internal)
    for attachment in stored:
        record(
            session,
            request,
            EventKind.ATTACHMENT,
            actor,
            now,
            public=not internal,
            attachment_id=attachment.id,
            name=attachment.original_name,
            size=attachment.size,
        )


# What every reader of a request is shown beside it: loaded in the same statement.
_SHOWN_WITH = (
    joinedload(ServiceRequest.enterprise).joinedload(Enterprise.station),
    joinedload(ServiceRequest.submitter),
    joinedload(ServiceRequest.assignee),
    joinedload(ServiceRequest.station),
    joinedload(ServiceRequest.plan),
)


def get_request(session: Session, actor: User, request_id: int) -> ServiceRequest:
    """The request with its enterprise, people and station. Raises NotFound when it does not exist or lies
    outside the actor's scope."""
    return load_request(session, actor, request_id, options=_SHOWN_WITH)


def _require_open(request: ServiceRequest) -> None:
    if request.status not in OPEN_STATUSES:
        raise InvalidTransition(N_("This request is no longer open."))


def _check_assignee(session: Session, request: ServiceRequest, assignee_id: int) -> User:
    assignee = session.get(User, assignee_id)
    if not policy.on_desk(assignee, request.station_id):
        raise ValidationError(
            CORRECT_FIELDS, fields={"assignee_id": N_("Choose an active member of the request's station.")}
        )
    return assignee


def _set_assignee(
    session: Session,
    actor: User,
    request: ServiceRequest,
    assignee_id: int | None,
    times: ServiceTimes,
    settings: DeskSettings,
    now: datetime,
) -> None:
    """Assign (and start the sign-for clock) or unassign; the same assignee again changes nothing."""
    if assignee_id == request.assignee_id:
        return
    assignee = _check_assignee(session, request, assignee_id) if assignee_id is not None else None
    record(
        session,
        request,
        EventKind.ASSIGNED,
        actor,
        now,
        previous=request.assignee_id,
        assignee=assignee_id,
        assignee_name=assignee.name if assignee else None,
    )
    request.assignee_id = assignee_id
    start_sign_for(request, actor, times.calendar, settings, now)
    if assignee_id is not None:
        notifications.notify(session, [assignee_id], request, EventKind.ASSIGNED, now, exclude=actor.id)


def triage_request(
    session: Session,
    actor: User,
    request_id: int,
    expected_version: int,
    *,
    category: Category,
    priority: Priority,
    lifecycle_stage: LifecycleStage,
    assignee_id: int | None,
    settings: DeskSettings,
    now: datetime | None = None,
) -> ServiceRequest:
    """Set category, priority, stage and assignee; triages a submitted request, re-triages an open one.

    Due times are recounted from submission with the priority's targets.
    Raises NotFound, Forbidden, Conflict, InvalidTransition, ValidationError.
    """
    now = now or utcnow()
    with editing(session, actor, request_id, expected_version, PolicyAction.REQUEST_TRIAGE) as request:
        _require_open(request)
        times = service_times(session, settings)
        paused = paused_so_far(request, times)
        changes: dict[str, Any] = {
            "category": category.value,
            "priority": priority.value,
            "lifecycle_stage": lifecycle_stage.value,
        }
        request.category, request.priority, request.lifecycle_stage = category, priority, lifecycle_stage
        set_due_times(request, times, paused, settings.reminder_share, now)
        for flag, due in (
            ("first_response_breached", request.first_response_due_at),
            ("resolution_breached", request.resolution_due_at),
        ):
            if due is not None and due > now:
                setattr(request, flag, False)  # a new, later target is not breached yet
        if request.status == Status.SUBMITTED:
            lifecycle.apply(session, request, lifecycle.Action.TRIAGE, actor, now, times.calendar)
            notifications.tell_enterprise(
                session, actor, request, EventKind.STATUS_CHANGED, now, status=request.status.value
            )
        changes.update(sla.due_times_data(request.first_response_due_at, request.resolution_due_at))
        record(session, request, EventKind.TRIAGED, actor, now, **changes)
        _set_assignee(session, actor, request, assignee_id, times, settings, now)
    return request


def assign_request(
    session: Session,
    actor: User,
    request_id: int,
    expected_version: int,
    assignee_id: int | None,
    *,
    settings: DeskSettings,
    now: datetime | None = None,
) -> ServiceRequest:
    """Assign (or, with None, unassign): the assignee has ``settings.sign_for_hours`` working hours to sign for it.

    Raises NotFound, Forbidden, Conflict, InvalidTransition, ValidationError.
    """
    now = now or utcnow()
    with editing(session, actor, request_id, expected_version, PolicyAction.REQUEST_TRIAGE) as request:
        _require_open(request)
        _set_assignee(session, actor, request, assignee_id, service_times(session, settings), settings, now)
    return request


def transfer_request(
    session: Session,
    actor: User,
    request_id: int,
    expected_version: int,
    station_id: int,
    reason: str,
    *,
    settings: DeskSettings,
    now: datetime | None = None,
) -> ServiceRequest:
    """Hand the request to another station; due times stand, the assignee is cleared, and the receiving station
    has ``settings.sign_for_hours`` working hours to sign for it (or return it to the station that sent it).

    Raises NotFound, Forbidden, Conflict, InvalidTransition, ValidationError.
    """
    now = now or utcnow()
    if not reason.strip():
        raise ValidationError(GIVE_A_REASON, fields={"reason": REASON_REQUIRED})
    with editing(session, actor, request_id, expected_version, PolicyAction.REQUEST_TRANSFER) as request:
        _require_open(request)
        station = session.get(Station, station_id)
        if station is None or not station.active or station.id == request.station_id:
            raise ValidationError(CORRECT_FIELDS, fields={"station_id": N_("Choose another active station.")})
        record(
            session,
            request,
            EventKind.TRANSFERRED,
            actor,
            now,
            reason=reason.strip(),
            from_station=request.station_id,
            to_station=station.id,
            previous_assignee=request.assignee_id,
        )
        from_station = request.station_id
        request.station_id = station.id
        request.assignee_id = None
        follow_station(session, request)
        start_sign_for(
            request, actor, service_times(session, settings).calendar, settings, now, transferred_from=from_station
        )
        notifications.notify(
            session, notifications.station_desk(station.id), request, EventKind.TRANSFERRED, now, exclude=actor.id
        )
    return request


def _post(
    session: Session,
    actor: User,
    request: ServiceRequest,
    body: str,
    internal: bool,
    uploads: Sequence[Upload],
    settings: DeskSettings,
    now: datetime,
) -> Message:
    message = Message(request_id=request.id, author_id=actor.id, body=body.strip(), internal=internal, created_at=now)
    session.add(message)
    session.flush()
    record(
        session,
        request,
        EventKind.INTERNAL_NOTE if internal else EventKind.REPLY,
        actor,
        now,
        public=not internal,
        message_id=message.id,
    )
    _attach(session, actor, request, uploads, settings, now, message=message, internal=internal)
    if not internal and actor.role != Role.ENTERPRISE and request.first_responded_at is None:
        request.first_responded_at = now
    return message


def _enterprise_replies(
    session: Session, actor: User, request: ServiceRequest, text: str, settings: DeskSettings, now: datetime
) -> None:
    """The steps an enterprise's reply takes: it answers a question, or reopens a resolved request."""
    calendar = service_times(session, settings).calendar
    if request.status == Status.WAITING_ENTERPRISE:
        lifecycle.apply(
            session, request, lifecycle.Action.ENTERPRISE_ANSWERS, actor, now, calendar, lifecycle.Inputs(message=text)
        )
        return
    reopen = lifecycle.TRANSITIONS[lifecycle.Action.REOPEN]
    inputs = lifecycle.Inputs(reason=text, reopen_window=timedelta(days=settings.reopen_window_days))
    if request.status in reopen.sources and lifecycle.unavailable_reason(reopen, request, inputs, now) is None:
        lifecycle.apply(session, request, lifecycle.Action.REOPEN, actor, now, calendar, inputs)


def add_message(
    session: Session,
    actor: User,
    request_id: int,
    body: str,
    *,
    internal: bool = False,
    uploads: Sequence[Upload] = (),
    settings: DeskSettings,
    now: datetime | None = None,
    also: Callable[[Message], None] | None = None,
    canned_reply_id: int | None = None,
) -> Message:
    """Post a public reply or (desk only) an internal note, with files; ``also`` records more with the message,
    in its transaction (a reply by mail logs its mail as accepted); ``canned_reply_id`` names the canned reply
    (常用回复) it was started from, whose use is counted.

    An enterprise's reply to a request waiting for it hands the request back to
    the station; on a resolved request it reopens it (the reply is the reason),
    within the reopen window; past it the reply stays in front of the officer and
    keeps the auto-close sweep away (see sla.sweep). A refused file saves nothing. Raises NotFound, Forbidden,
    InvalidTransition, ValidationError, Conflict.
    """
    now = now or utcnow()
    if not body.strip() and not uploads:
        raise ValidationError(N_("Please write a message."), fields={"body": MESSAGE_REQUIRED})
    action = PolicyAction.REQUEST_NOTE if internal else PolicyAction.REQUEST_REPLY
    with editing(session, actor, request_id, None, action) as request:
        if request.status in FINAL_STATUSES and not internal:
            raise InvalidTransition(N_("This request is closed. Reopen it, or submit a new request."))
        enterprise_reply = actor.role == Role.ENTERPRISE
        if enterprise_reply:
            _enterprise_replies(
                session, actor, request, body.strip() or ", ".join(u.filename for u in uploads), settings, now
            )
        message = _post(session, actor, request, body, internal, uploads, settings, now)
        if also is not None:
            also(message)
        if canned_reply_id is not None:
            count_use(session, actor, canned_reply_id)
        if enterprise_reply:
            recipients = notifications.desk_recipients(request)
        elif internal:
            recipients = [request.assignee_id] if request.assignee_id else []
        else:
            recipients = notifications.enterprise_users(request.enterprise_id)
        notifications.notify(
            session,
            recipients,
            request,
            EventKind.INTERNAL_NOTE if internal else EventKind.REPLY,
            now,
            exclude=actor.id,
        )
    return message


def take_action(
    session: Session,
    actor: User,
    request_id: int,
    expected_version: int,
    action: lifecycle.Action,
    *,
    reason: str = "",
    summary: str = "",
    message: str = "",
    rating: int | None = None,
    confirmed: bool = False,
    result_category: ResultCategory | None = ResultCategory.RESOLVED,
    result_basis: str = "",
    settings: DeskSettings,
    now: datetime | None = None,
) -> ServiceRequest:
    """Take one of the lifecycle's button transitions (see lifecycle.TRANSITIONS).

    ``message`` is the question for request_info (posted as a public reply) and
    the rating comment for confirm (recorded as an online return visit). Resolving records the result
    (``summary`` is its text, ``result_category`` and ``result_basis`` what it is and why); where the station's
    head reviews results, it waits for the head's approve or send back, and the enterprise is told on approval.
    Resolving with work still open needs ``confirmed``.
    Raises NotFound, Forbidden, Conflict, InvalidTransition, ValidationError,
    NeedsConfirmation; nothing changes on error.
    """
    now = now or utcnow()
    transition = lifecycle.TRANSITIONS.get(action)
    if transition is None or not transition.button:
        raise InvalidTransition(N_("You cannot take this step on this request."))
    with editing(session, actor, request_id, expected_version, PolicyAction.REQUEST_TRANSITION) as request:
        plan = session.get(ServicePlan, request.plan_id) if request.plan_id is not None else None
        station = session.get(Station, request.station_id) if action == lifecycle.Action.RESOLVE else None
        inputs = lifecycle.Inputs(
            reason=reason.strip(),
            summary=summary,
            message=message,
            rating=rating,
            plan=plan,
            reopen_window=timedelta(days=settings.reopen_window_days),
            result_category=result_category,
            result_basis=result_basis,
            review=station is not None and station.review_closures,
            reminder_share=settings.reminder_share,
            open_children=tuple(open_children(session, request.id))
            if lifecycle.Need.CHILDREN_DONE in transition.needs
            else (),
        )
        event = lifecycle.apply(session, request, action, actor, now, service_times(session, settings).calendar, inputs)
        if action == lifecycle.Action.RESOLVE:
            confirm_nothing_left_open(session, request, confirmed)
        if action == lifecycle.Action.REQUEST_INFO:
            _post(session, actor, request, message, False, (), settings, now)
        if action == lifecycle.Action.CONFIRM and rating is not None:
            record(session, request, EventKind.RATED, actor, now, public=True, rating=rating)
            online_visit(session, actor, request, rating, message, now)
        _tell_of_step(session, actor, request, action, event.public, now)
    return request


def redo_request(
    session: Session,
    actor: User,
    request_id: int,
    expected_version: int,
    new_due_date: date | None,
    reason: str,
    *,
    assignee_id: int | None = None,
    settings: DeskSettings,
    now: datetime | None = None,
) -> ServiceRequest:
    """The station's head sends a result its return visit found unsatisfying back to work (重办): what to redo,
    a new due date (the close of that working day) and, if the head so decides, another officer.

    Raises NotFound, Forbidden, Conflict, InvalidTransition (the visit was satisfied), ValidationError.
    """
    now = now or utcnow()
    times = service_times(session, settings)
    new_due = times.calendar.close_of(new_due_date) if new_due_date else None
    if new_due is not None and new_due <= now:
        raise ValidationError(CORRECT_FIELDS, fields={"due_date": N_("Choose a date after today.")})
    with editing(session, actor, request_id, expected_version, PolicyAction.REQUEST_TRANSITION) as request:
        inputs = lifecycle.Inputs(reason=reason.strip(), new_due=new_due, reminder_share=settings.reminder_share)
        lifecycle.apply(session, request, lifecycle.Action.REDO, actor, now, times.calendar, inputs)
        notifications.tell_enterprise(
            session, actor, request, EventKind.STATUS_CHANGED, now, status=request.status.value
        )
        if assignee_id is not None and assignee_id != request.assignee_id:
            _set_assignee(session, actor, request, assignee_id, times, settings, now)
        elif request.assignee_id is not None:
            notifications.notify(
                session,
                [request.assignee_id],
                request,
                EventKind.STATUS_CHANGED,
                now,
                exclude=actor.id,
                data={"status": request.status.value},
            )
    return request


def _tell_of_step(
    session: Session, actor: User, request: ServiceRequest, action: lifecycle.Action, public: bool, now: datetime
) -> None:
    """The enterprise hears of the desk's public steps, the desk of the enterprise's; a result waiting for
    review goes to the station's head, and the head's decision back to the officer."""
    if actor.role == Role.ENTERPRISE:
        notifications.notify(
            session,
            notifications.desk_recipients(request),
            request,
            EventKind.STATUS_CHANGED,
            now,
            exclude=actor.id,
            data={"status": request.status.value},
        )
    elif public:
        notifications.tell_enterprise(
            session, actor, request, EventKind.STATUS_CHANGED, now, status=request.status.value
        )
    desk: list[int] = []
    if request.status == Status.REVIEW:
        desk = notifications.director_ids(session, request.station_id)
    elif action in (lifecycle.Action.APPROVE_CLOSURE, lifecycle.Action.SEND_BACK_CLOSURE) and request.assignee_id:
        desk = [request.assignee_id]
    notifications.notify(
        session, desk, request, EventKind.STATUS_CHANGED, now, exclude=actor.id, data={"status": request.status.value}
    )
