"""Read side of supervision orders (督办): the supervision page (filters and keyset paging by deadline), the
counts per tier on the director's dashboard, a request's or a plan's orders, and the queue's tags."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, func, literal, or_, select
from sqlalchemy.orm import Session, joinedload

from service.models import (
    ACTIVE_SUPERVISION_STATUSES,
    ServicePlan,
    ServiceRequest,
    SupervisionOrder,
    SupervisionStatus,
    SupervisionTier,
    User,
)
from service.rules import policy
from service.rules.policy import PolicyAction
from service.rules.supervision_orders import TierClock, reminders_of, reminders_sql, tier_clause, tier_of
from service.store import reference
from service.store.loading import load
from service.store.settings import DeskSettings

PAGE = 50


def tier_clock(session: Session, settings: DeskSettings, now: datetime) -> TierClock:
    return TierClock.at(
        now,
        reference.working_calendar(session, settings),
        red_days=settings.supervision_red_days,
        red_reminders=settings.supervision_red_reminders,
    )


@dataclass(frozen=True)
class OrderFilters:
    tier: SupervisionTier | None = None
    station_id: int | None = None
    # Waiting for the unit or the director by default.
    statuses: frozenset[SupervisionStatus] = field(default=ACTIVE_SUPERVISION_STATUSES)
    # Waiting for the unit's report past the deadline.
    overdue: bool = False


@dataclass(frozen=True)
class OrderRow:
    order: SupervisionOrder
    tier: SupervisionTier | None


@dataclass(frozen=True)
class OrderPage:
    rows: list[OrderRow]
    next_cursor: int | None


def _filtered(actor: User, filters: OrderFilters, clock: TierClock) -> Select[SupervisionOrder]:
    conditions: list[ColumnElement[bool]] = [
        policy.visible_orders(actor),
        SupervisionOrder.status.in_(sorted(filters.statuses)),
    ]
    if filters.tier is not None:
        conditions.append(tier_clause(filters.tier, clock, reminders_sql()))
    if filters.station_id is not None:
        conditions.append(SupervisionOrder.station_id == filters.station_id)
    if filters.overdue:
        conditions.extend((SupervisionOrder.status == SupervisionStatus.OPEN, SupervisionOrder.deadline < clock.now))
    return select(SupervisionOrder).where(*conditions)


def order_page(
    session: Session,
    actor: User,
    filters: OrderFilters,
    clock: TierClock,
    *,
    cursor: int | None = None,
    limit: int = PAGE,
) -> OrderPage:
    """One page of the orders ``actor`` sees, the nearest deadline first, after the order ``cursor`` (keyset on
    deadline and id: the cursor's deadline is read from its row)."""
    keys = _filtered(actor, filters, clock).with_only_columns(SupervisionOrder.id)
    if cursor is not None:
        after = select(SupervisionOrder.deadline).where(SupervisionOrder.id == cursor).scalar_subquery()
        keys = keys.where(
            or_(
                SupervisionOrder.deadline > after,
                and_(SupervisionOrder.deadline == after, SupervisionOrder.id > cursor),
            )
        )
    # The page's ids first, from the index entries alone (several statuses are sorted there, not as whole rows
    # joined to their request: 0.18 s -> a few ms for 4,000 orders waiting on SQLite); then only those rows are
    # read whole, by their keys, with what the row shows. The page size is written into the SQL (see
    # queries/requests.py).
    page_ids = list(
        session.scalars(
            keys.order_by(SupervisionOrder.deadline, SupervisionOrder.id).limit(
                literal(limit + 1, literal_execute=True)
            )
        )
    )
    if not page_ids:
        return OrderPage([], None)
    query = (
        select(SupervisionOrder)
        .where(SupervisionOrder.id.in_(page_ids))
        .order_by(SupervisionOrder.deadline, SupervisionOrder.id)
        .options(
            joinedload(SupervisionOrder.request).joinedload(ServiceRequest.enterprise),
            joinedload(SupervisionOrder.plan).joinedload(ServicePlan.enterprise),
            joinedload(SupervisionOrder.issued_by),
            joinedload(SupervisionOrder.station),
        )
    )
    found = list(session.scalars(query).unique())
    rows = [OrderRow(order, tier_of(order, clock, reminders_of(order))) for order in found[:limit]]
    return OrderPage(rows, found[limit - 1].id if len(found) > limit else None)


def tier_counts(
    session: Session, actor: User, clock: TierClock, *, station_id: int | None = None
) -> dict[SupervisionTier, int]:
    """How many orders in ``actor``'s scope (of one station, when given) wait for their unit's report, per tier
    (one statement)."""
    tiers = [(tier, tier_clause(tier, clock, reminders_sql())) for tier in SupervisionTier]
    query = select(*(func.count(SupervisionOrder.id).filter(clause) for _, clause in tiers)).where(
        policy.visible_orders(actor), SupervisionOrder.status == SupervisionStatus.OPEN
    )
    if station_id is not None:
        query = query.where(SupervisionOrder.station_id == station_id)
    row = session.execute(query).one()
    return {tier: int(count or 0) for (tier, _), count in zip(tiers, row, strict=True)}


def orders_of(
    session: Session, *, request_id: int | None = None, plan_id: int | None = None
) -> Sequence[SupervisionOrder]:
    """A request's or a plan's orders, newest first, with their issuer and reporter."""
    subject = (
        SupervisionOrder.request_id == request_id if request_id is not None else SupervisionOrder.plan_id == plan_id
    )
    return list(
        session.scalars(
            select(SupervisionOrder)
            .where(subject)
            .order_by(SupervisionOrder.id.desc())
            .options(joinedload(SupervisionOrder.issued_by), joinedload(SupervisionOrder.reported_by))
        )
    )


def supervised(session: Session, request_ids: Collection[int]) -> set[int]:
    """Which of ``request_ids`` are under an order not yet closed (the queue's "supervised" tag)."""
    if not request_ids:
        return set()
    return set(
        session.scalars(
            select(SupervisionOrder.request_id)
            .where(
                SupervisionOrder.request_id.in_(sorted(request_ids)),
                SupervisionOrder.status.in_(sorted(ACTIVE_SUPERVISION_STATUSES)),
            )
            .distinct()
        )
    )


def get_order(session: Session, actor: User, order_id: int) -> SupervisionOrder:
    """The order, if ``actor`` may see it (NotFound otherwise)."""
    return load(session, actor, SupervisionOrder, order_id, PolicyAction.SUPERVISION_VIEW)
