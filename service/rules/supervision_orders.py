"""Supervision orders (督办): their status table, in the shape of ``state_machine``, and their tiers.

open ──report──▶ reported ──accept──▶ closed (督办办结)
  ▲                  │
  └───send back──────┘          open or reported ──cancel──▶ cancelled (by its issuer)

The unit (the subject's station) reports what was done (落实情况); the director who issued the order (or the
provincial director) accepts the report or sends it back with a comment, and the unit reports again.

The tier says how pressing an order still waiting for its unit's report is: blue when its deadline is at most one
working day away, yellow once it has passed, red when it has passed by more than ``red_days`` working days or its
request has been reminded more than ``red_reminders`` times. Each tier is written once, as ``sla.Test``s on the
order's columns against a ``TierClock`` worked out once from the working calendar, and read both as SQL (the
supervision page's filter, the dashboard's counts) and in Python (a row's badge).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, func, not_, or_, select

from service.errors import (
    CORRECT_FIELDS,
    MAX_TEXT,
    N_,
    REQUIRED,
    TOO_LONG,
    Forbidden,
    InvalidTransition,
    ValidationError,
)
from service.models import EventKind, ServiceRequest, SupervisionOrder, SupervisionStatus, SupervisionTier, User
from service.rules import state_machine
from service.rules.policy import PolicyAction
from service.rules.sla import Predicate, Test, one_working_day_on
from service.rules.sla_calendar import WorkingCalendar
from service.rules.state_machine import Transition


class OrderAction(StrEnum):
    REPORT = "report"
    ACCEPT = "accept"
    SEND_BACK = "send_back"
    CANCEL = "cancel"


class OrderNeed(StrEnum):
    # The report's text, a send-back's comment, a cancellation's reason.
    TEXT = "text"


_OPEN = frozenset({SupervisionStatus.OPEN})
_REPORTED = frozenset({SupervisionStatus.REPORTED})
_TEXT = frozenset({OrderNeed.TEXT})
TRANSITIONS: dict[OrderAction, Transition[OrderAction, OrderNeed]] = {
    t.action: t
    for t in (
        Transition(
            OrderAction.REPORT,
            _OPEN,
            SupervisionStatus.REPORTED,
            (PolicyAction.SUPERVISION_REPORT,),
            needs=_TEXT,
            records=EventKind.SUPERVISION_REPORTED,
        ),
        Transition(
            OrderAction.ACCEPT,
            _REPORTED,
            SupervisionStatus.CLOSED,
            (PolicyAction.SUPERVISION_DECIDE,),
            records=EventKind.SUPERVISION_ACCEPTED,
        ),
        Transition(
            OrderAction.SEND_BACK,
            _REPORTED,
            SupervisionStatus.OPEN,
            (PolicyAction.SUPERVISION_DECIDE,),
            needs=_TEXT,
            records=EventKind.SUPERVISION_SENT_BACK,
        ),
        Transition(
            OrderAction.CANCEL,
            _OPEN | _REPORTED,
            SupervisionStatus.CANCELLED,
            (PolicyAction.SUPERVISION_CANCEL,),
            needs=_TEXT,
            records=EventKind.SUPERVISION_CANCELLED,
        ),
    )
}
# What a missing text is called beside the field.
_TEXT_MISSING = {
    OrderAction.REPORT: N_("Write what has been done."),
    OrderAction.SEND_BACK: N_("Say what the report still lacks."),
    OrderAction.CANCEL: N_("Say why the order is cancelled."),
}


@dataclass(frozen=True)
class OrderInputs:
    text: str = ""


def check_text(value: str, field: str, missing: str = REQUIRED) -> str:
    """``value`` stripped, or a ValidationError naming ``field``."""
    text = value.strip()
    if not text:
        raise ValidationError(CORRECT_FIELDS, fields={field: missing})
    if len(text) > MAX_TEXT:
        raise ValidationError(CORRECT_FIELDS, fields={field: TOO_LONG})
    return text


def _validate(transition: Transition[OrderAction, OrderNeed], _order: SupervisionOrder, inputs: OrderInputs) -> None:
    if OrderNeed.TEXT in transition.needs:
        check_text(inputs.text, "text", _TEXT_MISSING[OrderAction(transition.action)])
    elif len(inputs.text.strip()) > MAX_TEXT:
        raise ValidationError(CORRECT_FIELDS, fields={"text": TOO_LONG})


def _enter(
    order: SupervisionOrder,
    transition: Transition[OrderAction, OrderNeed],
    _source: SupervisionStatus,
    _target: SupervisionStatus,
    actor: User | None,
    now: datetime,
    inputs: OrderInputs,
) -> None:
    text = inputs.text.strip() or None
    if transition.action == OrderAction.REPORT:
        order.report, order.reported_at, order.reported_by_id = text, now, actor.id if actor else None
        order.reports += 1
        return
    order.comment = text
    if transition.action == OrderAction.SEND_BACK:
        order.sent_back += 1
    else:
        order.closed_at = now


def _event_data(
    order: SupervisionOrder,
    transition: Transition[OrderAction, OrderNeed],
    _source: SupervisionStatus,
    _target: SupervisionStatus,
    inputs: OrderInputs,
) -> dict[str, object]:
    text = inputs.text.strip()
    # The timeline shows the report, the comment or the reason as written (request_display.event_note).
    return {"order_id": order.id, **({"note": text} if text else {})}


MACHINE = state_machine.Machine(
    name="supervision_order",
    transitions=TRANSITIONS,
    scope=PolicyAction.SUPERVISION_VIEW,
    # Internal to the regulator: the enterprise never sees its orders.
    event_owner=lambda order: {"request_id": order.request_id, "plan_id": order.plan_id, "public": False},
    refusal=Forbidden,
    wrong_state=lambda _order: InvalidTransition(N_("This supervision order has moved on meanwhile.")),
    validate=_validate,
    enter=_enter,
    event_data=_event_data,
    stale=N_("Someone else changed this supervision order meanwhile. Reload the page and try again."),
)


def allowed_order_actions(actor: User, order: SupervisionOrder) -> list[Transition[OrderAction, OrderNeed]]:
    return state_machine.allowed(MACHINE, actor, order)


# -- tiers -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TierClock:
    """The moments the tiers compare deadlines with, worked out once per page (or sweep) from the calendar."""

    now: datetime
    # The latest deadline with at most one working day left.
    blue_until: datetime
    # Deadlines before it are overdue by more than ``red_days`` working days.
    red_before: datetime
    red_reminders: int

    @classmethod
    def at(cls, now: datetime, calendar: WorkingCalendar, *, red_days: int, red_reminders: int) -> TierClock:
        day = calendar.working_day_seconds
        blue_until = one_working_day_on(calendar, now)
        return cls(now, blue_until, calendar.subtract_working_time(now, red_days * day), red_reminders)


_WAITING = Test("status", "==", SupervisionStatus.OPEN)


def _deadline_tests(tier: SupervisionTier, clock: TierClock) -> Predicate:
    """The order's own tests for ``tier``: waiting for its report, with the deadline in the tier's range."""
    ranges = {
        SupervisionTier.RED: (Test("deadline", "<", clock.red_before),),
        SupervisionTier.YELLOW: (Test("deadline", ">=", clock.red_before), Test("deadline", "<", clock.now)),
        SupervisionTier.BLUE: (Test("deadline", ">=", clock.now), Test("deadline", "<=", clock.blue_until)),
        SupervisionTier.ON_SCHEDULE: (Test("deadline", ">", clock.blue_until),),
    }
    return Predicate((_WAITING, *ranges[tier]), model=SupervisionOrder)


def tier_clause(tier: SupervisionTier, clock: TierClock, reminders: ColumnElement[int]) -> ColumnElement[bool]:
    """WHERE clause on supervision orders in ``tier``; ``reminders``: their request's reminder count as SQL."""
    too_often = reminders > clock.red_reminders
    waiting = _WAITING.clause(clock.now, SupervisionOrder)
    if tier == SupervisionTier.RED:
        return and_(waiting, or_(_deadline_tests(tier, clock).clause(clock.now), too_often))
    return and_(_deadline_tests(tier, clock).clause(clock.now), not_(too_often))


def tier_of(order: SupervisionOrder, clock: TierClock, reminders: int) -> SupervisionTier | None:
    """``order``'s tier (None once reported, closed or cancelled): the one whose ``tier_clause`` selects it."""
    if not _WAITING.holds(order, clock.now):
        return None
    if reminders > clock.red_reminders:
        return SupervisionTier.RED
    return next(tier for tier in SupervisionTier if _deadline_tests(tier, clock).holds(order, clock.now))


# The tiers an open order can worsen into, from the least to the most pressing.
RAISED_TIERS = (SupervisionTier.BLUE, SupervisionTier.YELLOW, SupervisionTier.RED)


def told_less_than(tier: SupervisionTier) -> ColumnElement[bool]:
    """Orders whose unit and issuer were last told of a tier less pressing than ``tier``, or of none."""
    less = list(SupervisionTier)[: list(SupervisionTier).index(tier)]
    return or_(SupervisionOrder.tier_told.is_(None), SupervisionOrder.tier_told.in_(less))


def reminders_sql() -> ColumnElement[int]:
    """The reminders (催办) of an order's request, as SQL: what "reminded more than N times" counts (an order on
    a plan has no request, and counts none)."""
    return func.coalesce(
        select(ServiceRequest.reminder_count)
        .where(ServiceRequest.id == SupervisionOrder.request_id)
        .correlate(SupervisionOrder)
        .scalar_subquery(),
        0,
    )


def reminders_of(order: SupervisionOrder) -> int:
    """``reminders_sql`` for one order in Python."""
    return order.request.reminder_count if order.request is not None else 0
