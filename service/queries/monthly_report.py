"""The monthly report (月报): each station's rates (from service.queries.rates) with their change from the month
before, what the month brought in (categories, product fields, device classes), the supervision orders (督办) still
open, and the typical cases (典型案例) of the month, for the reader's scope.

Months are Asia/Shanghai calendar months (``rates.Period``). Every figure is one grouped statement over an indexed
range (the month's submissions by creation time, its results by resolution time), so a report at a million
requests reads a month's rows, never the table.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session, aliased, joinedload, selectinload

from service.errors import N_, Forbidden, ValidationError
from service.models import (
    ACTIVE_SUPERVISION_STATUSES,
    Category,
    DeviceClass,
    ProductField,
    ServicePlan,
    ServiceRequest,
    SupervisionOrder,
    SupervisionTier,
    User,
)
from service.queries.rates import Period, PeriodKind, UnitRates, in_period, network_of, station_rates
from service.rules import policy
from service.rules.policy import PolicyAction
from service.rules.supervision_orders import TierClock, reminders_of, tier_of

BAD_MONTH = N_("Choose a month as year and month, e.g. 2026-05.")
FUTURE_MONTH = N_("The month %(month)s has not begun yet; choose this month or an earlier one.")

R = ServiceRequest


def default_month(now: datetime) -> Period:
    """The last month that has ended by ``now`` (Asia/Shanghai): the report's default."""
    return Period.containing(now).previous()


def report_month(raw: str, now: datetime) -> Period:
    """``raw`` as a month (YYYY-MM) that has begun by ``now``. Raises ValidationError (field ``month``) otherwise."""
    try:
        month = Period.parse(raw)
    except ValidationError:
        month = None
    if month is None or month.kind != PeriodKind.MONTH:
        raise ValidationError(BAD_MONTH, fields={"month": BAD_MONTH})
    if month > Period.containing(now):
        raise ValidationError(FUTURE_MONTH, fields={"month": FUTURE_MONTH}, month=str(month))
    return month


@dataclass(frozen=True)
class Share:
    """One line of a breakdown: a value (None: not given), how many of the month's requests have it, their share."""

    value: Category | ProductField | DeviceClass | None
    count: int
    share: float


@dataclass(frozen=True)
class Breakdowns:
    """What the month's requests were about, most frequent first."""

    submitted: int
    categories: list[Share]
    product_fields: list[Share]
    device_classes: list[Share]


@dataclass(frozen=True)
class OpenOrder:
    order: SupervisionOrder
    tier: SupervisionTier | None


@dataclass(frozen=True)
class TypicalCase:
    request: ServiceRequest
    flagged_by: str


def require_reader(actor: User) -> None:
    """Raise Forbidden unless ``actor`` may read monthly reports (a head: a station's director or the provincial)."""
    if not policy.may(actor, PolicyAction.REPORT_VIEW):
        raise Forbidden()


def _shares(counts: Counter[object], total: int, order: Sequence[object]) -> list[Share]:
    """The non-zero values, most frequent first (ties in the vocabulary's order, "not given" last)."""
    rank = {value: n for n, value in enumerate(order)}
    present = [value for value, count in counts.items() if count]
    present.sort(key=lambda v: (-counts[v], v is None, rank.get(v, len(rank))))
    return [Share(value, counts[value], counts[value] / total) for value in present]  # type: ignore[arg-type]


def breakdowns(session: Session, actor: User, month: Period) -> Breakdowns:
    """The month's submissions by category, product field and device class: one GROUP BY over the month's range
    of the creation index (a few hundred groups at most), added up here."""
    require_reader(actor)
    rows = session.execute(
        select(R.category, R.product_field, R.device_class, func.count())
        .where(policy.visible_requests(actor), in_period(R.created_at, month))
        .group_by(R.category, R.product_field, R.device_class)
    ).all()
    categories: Counter[object] = Counter()
    fields: Counter[object] = Counter()
    classes: Counter[object] = Counter()
    for category, field, device_class, count in rows:
        categories[category] += count
        fields[field] += count
        classes[device_class] += count
    total = sum(categories.values())
    return Breakdowns(
        submitted=total,
        categories=_shares(categories, total, list(Category)),
        product_fields=_shares(fields, total, list(ProductField)),
        device_classes=_shares(classes, total, list(DeviceClass)),
    )


def _open_at_month_end(actor: User, month: Period) -> ColumnElement[bool]:
    """Orders in ``actor``'s scope issued before the month's end and still waiting (for the unit's report or the
    director's acceptance)."""
    return and_(
        policy.visible_orders(actor),
        SupervisionOrder.status.in_(sorted(ACTIVE_SUPERVISION_STATUSES)),
        SupervisionOrder.created_at < month.end,
    )


def open_orders(
    session: Session, actor: User, month: Period, clock: TierClock, limit: int | None = None
) -> tuple[list[OpenOrder], int]:
    """The supervision orders open at the month's end, nearest deadline first (the first ``limit`` of them, or
    all), with their tier as of ``clock``; and how many there are."""
    require_reader(actor)
    total = session.scalar(select(func.count()).where(_open_at_month_end(actor, month))) or 0
    orders = session.scalars(
        select(SupervisionOrder)
        .where(_open_at_month_end(actor, month))
        .order_by(SupervisionOrder.deadline, SupervisionOrder.id)
        .limit(limit)
        .options(
            # Their requests and plans by key, in a statement of their own: joined to the orders, PostgreSQL may
            # hash the whole requests table for a few hundred orders.
            selectinload(SupervisionOrder.request).joinedload(ServiceRequest.enterprise),
            selectinload(SupervisionOrder.plan).joinedload(ServicePlan.enterprise),
            joinedload(SupervisionOrder.issued_by),
            joinedload(SupervisionOrder.station),
        )
    ).unique()
    return [OpenOrder(order, tier_of(order, clock, reminders_of(order))) for order in orders], total


def typical_cases(session: Session, actor: User, month: Period) -> list[TypicalCase]:
    """The requests flagged as typical cases whose result (办结) fell in the month, in the order of their results."""
    require_reader(actor)
    head = aliased(User)
    rows = session.execute(
        select(R, head.name)
        .outerjoin(head, head.id == R.typical_by_id)
        .where(policy.visible_requests(actor), in_period(R.resolved_at, month), R.typical_at.is_not(None))
        .order_by(R.resolved_at, R.id)
        .options(joinedload(R.enterprise), joinedload(R.station))
    ).all()
    return [TypicalCase(request, name or "") for request, name in rows]


@dataclass(frozen=True)
class UnitLine:
    """A station's (or the network's) rates in the month, beside the month before's."""

    now: UnitRates
    before: UnitRates

    def change(self, key: str) -> float | None:
        """The rate's change from the month before, as a share (0.05: five percentage points); None without both."""
        current, previous = self.now.rate(key), self.before.rate(key)
        return None if current is None or previous is None else current - previous


@dataclass(frozen=True)
class MonthlyReport:
    month: Period
    stations: list[UnitLine]
    # The network in scope, when the report covers more than one station.
    network: UnitLine | None
    breakdowns: Breakdowns
    orders: list[OpenOrder]
    # How many orders are open (``orders`` may hold only the first of them).
    orders_open: int
    typical: list[TypicalCase]


def monthly_report(
    session: Session, actor: User, month: Period, clock: TierClock, orders_shown: int | None = None
) -> MonthlyReport:
    """Every part of ``month``'s report in ``actor``'s scope (a station's head: his station), with the first
    ``orders_shown`` open supervision orders (the page; the workbook and the API take all). Raises Forbidden."""
    require_reader(actor)
    current = station_rates(session, actor, month)
    earlier = station_rates(session, actor, month.previous())
    before = {row.unit: row for row in earlier}
    lines = [UnitLine(row, before.get(row.unit) or UnitRates(row.unit, {}, station=row.station)) for row in current]
    orders, orders_open = open_orders(session, actor, month, clock, orders_shown)
    return MonthlyReport(
        month=month,
        stations=lines,
        network=UnitLine(network_of(current), network_of(earlier)) if len(lines) > 1 else None,
        breakdowns=breakdowns(session, actor, month),
        orders=orders,
        orders_open=orders_open,
        typical=typical_cases(session, actor, month),
    )
