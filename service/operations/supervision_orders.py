"""Supervision orders (督办): a director issues one on a request or a plan; the unit reports what was done; the
director accepts the report (督办办结) or sends it back; its issuer may cancel it.

Every step records an event on the subject's timeline and tells whom it concerns: the unit of a new or
cancelled order, the issuer of a report, the reporter and the unit's head of the decision. The SLA sweep tells
the unit and the issuer when an open order's tier worsens (``tell_raised_tiers``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from service.errors import CORRECT_FIELDS, N_, NotFound, ValidationError
from service.models import (
    ACTIVE_SUPERVISION_STATUSES,
    Event,
    EventKind,
    ServicePlan,
    ServiceRequest,
    SupervisionOrder,
    SupervisionTier,
    User,
)
from service.models.base import utcnow
from service.operations import notifications
from service.rules import state_machine
from service.rules.policy import PolicyAction
from service.rules.supervision_orders import (
    MACHINE,
    RAISED_TIERS,
    OrderAction,
    OrderInputs,
    TierClock,
    check_text,
    reminders_sql,
    tier_clause,
    told_less_than,
)
from service.store.db import unit_of_work
from service.store.loading import load
from service.store.versioning import check_version, stale_is_conflict


@dataclass(frozen=True)
class OrderDraft:
    issue: str
    requirement: str
    deadline: datetime | None


def _check_draft(draft: OrderDraft, now: datetime) -> tuple[str, str, datetime]:
    problems: dict[str, str] = {}
    texts: dict[str, str] = {}
    for field, value in (("issue", draft.issue), ("requirement", draft.requirement)):
        try:
            texts[field] = check_text(value, field)
        except ValidationError as error:
            problems.update(error.fields)
    if draft.deadline is None:
        problems["deadline"] = N_("Give the deadline.")
    elif draft.deadline <= now:
        problems["deadline"] = N_("Choose a deadline in the future.")
    if problems or draft.deadline is None:
        raise ValidationError(CORRECT_FIELDS, fields=problems)
    return texts["issue"], texts["requirement"], draft.deadline


def _unit(session: Session, subject: ServiceRequest | ServicePlan) -> notifications.Recipients:
    """Who answers for an order on ``subject``: its assignee (a plan's liaison) and the station's head; the whole
    station's desk when nobody has it."""
    person = subject.assignee_id if isinstance(subject, ServiceRequest) else subject.liaison_id
    if person is None:
        return notifications.station_desk(subject.station_id)
    heads = notifications.station_desk(subject.station_id, directors_only=True)
    return [person, *notifications.ids_of(session, heads)]


BATCH = 200


def _record(
    session: Session, order: SupervisionOrder, kind: EventKind, actor: User | None, now: datetime, **data: object
) -> None:
    session.add(
        Event(
            request_id=order.request_id,
            plan_id=order.plan_id,
            kind=kind,
            public=False,
            actor_id=actor.id if actor else None,
            created_at=now,
            data={"order_id": order.id, **data},
        )
    )


def _tell(
    session: Session,
    recipients: notifications.Recipients,
    order: SupervisionOrder,
    kind: EventKind,
    actor: User,
    now: datetime,
) -> None:
    notifications.notify(
        session,
        recipients,
        order.request,
        kind,
        now,
        exclude=actor.id,
        plan_id=order.plan_id,
        data={"order_id": order.id},
    )


def issue_order(
    session: Session,
    actor: User,
    draft: OrderDraft,
    *,
    request_id: int | None = None,
    plan_id: int | None = None,
    now: datetime | None = None,
) -> SupervisionOrder:
    """A director's order on a request (``request_id``) or a plan (``plan_id``), addressed to its station.

    Raises NotFound (out of scope), Forbidden (not a director), ValidationError.
    """
    now = now or utcnow()
    with unit_of_work(session):
        subject: ServiceRequest | ServicePlan
        if request_id is not None:
            subject = load(session, actor, ServiceRequest, request_id, PolicyAction.REQUEST_SUPERVISE)
        elif plan_id is not None:
            subject = load(session, actor, ServicePlan, plan_id, PolicyAction.PLAN_SUPERVISE)
        else:
            raise NotFound()
        issue, requirement, deadline = _check_draft(draft, now)
        order = SupervisionOrder(
            request_id=request_id,
            plan_id=plan_id,
            station_id=subject.station_id,
            issued_by_id=actor.id,
            issue=issue,
            requirement=requirement,
            deadline=deadline,
            created_at=now,
        )
        session.add(order)
        session.flush()
        _record(session, order, EventKind.SUPERVISION_ISSUED, actor, now, deadline=deadline.isoformat(), note=issue)
        _tell(session, _unit(session, subject), order, EventKind.SUPERVISION_ISSUED, actor, now)
    return order


def act_on_order(
    session: Session,
    actor: User,
    order_id: int,
    expected_version: int | None,
    action: OrderAction,
    text: str = "",
    *,
    now: datetime | None = None,
) -> SupervisionOrder:
    """Report on an order (its unit), accept the report or send it back (its director), or cancel it.

    Raises NotFound, Forbidden, StaleVersion (someone acted first), InvalidTransition, ValidationError.
    """
    now = now or utcnow()
    with stale_is_conflict(MACHINE.stale), unit_of_work(session):
        order = load(session, actor, SupervisionOrder, order_id, PolicyAction.SUPERVISION_VIEW, lock=True)
        check_version(order.version, expected_version, MACHINE.stale)
        event = state_machine.apply(session, MACHINE, order, action, actor, now, OrderInputs(text))
        if event is None:  # every step of the table records one
            return order
        subject: ServiceRequest | ServicePlan | None = order.request or order.plan
        recipients: notifications.Recipients
        if action == OrderAction.REPORT:
            recipients = [order.issued_by_id]
        elif action == OrderAction.CANCEL:
            recipients = _unit(session, subject) if subject is not None else []
        else:
            heads = notifications.station_desk(order.station_id, directors_only=True)
            recipients = [*notifications.ids_of(session, heads), *filter(None, [order.reported_by_id])]
        _tell(session, recipients, order, event.kind, actor, now)
    return order


def follow_station(session: Session, request: ServiceRequest) -> None:
    """A request gone to another station (a transfer, a return to the sender) takes its open orders along: the
    station that now has it is the unit that must report."""
    session.execute(
        update(SupervisionOrder)
        .where(
            SupervisionOrder.request_id == request.id,
            SupervisionOrder.status.in_(ACTIVE_SUPERVISION_STATUSES),
            SupervisionOrder.station_id != request.station_id,
        )
        .values(station_id=request.station_id, version=SupervisionOrder.version + 1)
        .execution_options(synchronize_session=False)
    )


def tell_raised_tiers(session: Session, clock: TierClock) -> int:
    """The SLA sweep's part: each open order whose tier (blue, yellow, red) is worse than its unit and issuer were
    last told of is told to them, once, on its subject's timeline and in their notifications. Returns how many.

    Orders are taken a locked batch at a time (SKIP LOCKED on PostgreSQL), as the sweep takes requests: two
    sweeps at once split them, and an order told is no longer selected."""
    told = 0
    for tier in RAISED_TIERS:
        raised = (tier_clause(tier, clock, reminders_sql()), told_less_than(tier))
        while True:
            with unit_of_work(session):
                batch = list(
                    session.scalars(
                        select(SupervisionOrder)
                        .where(*raised)
                        .order_by(SupervisionOrder.id)
                        .limit(BATCH)
                        .with_for_update(skip_locked=True)
                        # What was last told is read as it is now, not as an earlier batch left it in the session.
                        .execution_options(populate_existing=True)
                    )
                )
                for order in batch:
                    _tell_tier(session, order, tier, clock.now)
            told += len(batch)
            if len(batch) < BATCH:
                break
    return told


def _tell_tier(session: Session, order: SupervisionOrder, tier: SupervisionTier, now: datetime) -> None:
    # An UPDATE of its own, not the ORM's: the order's version stays, so nobody's open form on it turns stale.
    session.execute(
        update(SupervisionOrder)
        .where(SupervisionOrder.id == order.id)
        .values(tier_told=tier)
        .execution_options(synchronize_session=False)
    )
    data = {"tier": tier.value, **({"previous": order.tier_told.value} if order.tier_told else {})}
    _record(session, order, EventKind.SUPERVISION_TIER_RAISED, None, now, **data)
    subject: ServiceRequest | ServicePlan | None = order.request or order.plan
    unit = notifications.ids_of(session, _unit(session, subject)) if subject is not None else []
    notifications.notify(
        session,
        [*unit, order.issued_by_id],
        order.request,
        EventKind.SUPERVISION_TIER_RAISED,
        now,
        plan_id=order.plan_id,
        data={"order_id": order.id, **data},
    )
