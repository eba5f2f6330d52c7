"""One page per enterprise for the desk: its profile, contacts, products, requests, plans, hotline sessions,
satisfaction over time and open supervision orders, each within what the reader's policy lets them see.

Built for an enterprise with tens of thousands of requests: the lists are keyset pages on indexes led by the
enterprise, products are read from its newest requests only, and the satisfaction by month is counted from the
entries of ix_requests_enterprise_satisfaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Generic, Protocol, TypeVar

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session, joinedload

from service.models import (
    ACTIVE_SUPERVISION_STATUSES,
    SATISFIED_LEVELS,
    DeviceClass,
    Enterprise,
    Event,
    HotlineSession,
    ServicePlan,
    ServiceRequest,
    SupervisionOrder,
    User,
)
from service.models.base import utcnow
from service.queries.colleagues import contacts, enterprise_record
from service.queries.rates import in_period
from service.rules import policy
from service.rules.periods import Period
from service.rules.policy import PolicyAction
from service.store.loading import load

PAGE_SIZE = 20
# Products are the names its requests give; the newest this many requests are read for them.
PRODUCTS_FROM = 2000
PRODUCTS_SHOWN = 30
SATISFACTION_MONTHS = 12
ORDERS_SHOWN = 50

T = TypeVar("T")


@dataclass(frozen=True)
class Listing(Generic[T]):
    """One keyset page, newest first: the next page holds the ids below ``next_cursor``."""

    items: list[T]
    next_cursor: int | None


@dataclass(frozen=True)
class Product:
    name: str
    device_class: DeviceClass | None
    requests: int


@dataclass(frozen=True)
class MonthSatisfaction:
    """One month's results the enterprise rated (1–5 on confirming) and its return visits (回访)."""

    period: Period
    rated: int
    rating_average: float | None
    visited: int
    satisfied: int

    @property
    def satisfied_percent(self) -> int | None:
        return round(100 * self.satisfied / self.visited) if self.visited else None


@dataclass(frozen=True)
class EnterprisePage:
    enterprise: Enterprise
    contacts: list[User]
    products: list[Product]
    requests: Listing[ServiceRequest]
    plans: Listing[ServicePlan]
    hotlines: Listing[HotlineSession]
    satisfaction: list[MonthSatisfaction]
    orders: list[SupervisionOrder]
    record: list[Event]


@dataclass(frozen=True)
class Cursors:
    """Where each list of the page starts (None: at its newest)."""

    requests: int | None = None
    plans: int | None = None
    hotlines: int | None = None


class _Identified(Protocol):
    @property
    def id(self) -> int: ...


Row = TypeVar("Row", bound=_Identified)


def _page(session: Session, query: Select[Row], key: InstrumentedAttribute[int], cursor: int | None) -> Listing[Row]:
    if cursor is not None:
        query = query.where(key < cursor)
    rows = list(session.scalars(query.order_by(key.desc()).limit(PAGE_SIZE + 1)))
    items = rows[:PAGE_SIZE]
    return Listing(items, items[-1].id if len(rows) > PAGE_SIZE else None)


def enterprise_page(
    session: Session, actor: User, enterprise_id: int, cursors: Cursors = Cursors(), now: datetime | None = None
) -> EnterprisePage:
    """Raises NotFound outside the reader's scope (an enterprise of a station it does not cover), Forbidden for
    the enterprise's own users (who have their portal)."""
    now = now or utcnow()
    with_station = [joinedload(Enterprise.station)]
    enterprise = load(session, actor, Enterprise, enterprise_id, PolicyAction.ENTERPRISE_VIEW, options=with_station)
    theirs = and_(ServiceRequest.enterprise_id == enterprise.id, policy.visible_requests(actor))
    requests = _page(
        session,
        select(ServiceRequest).where(theirs).options(joinedload(ServiceRequest.submitter)),
        ServiceRequest.id,
        cursors.requests,
    )
    plans = _page(
        session,
        select(ServicePlan).where(ServicePlan.enterprise_id == enterprise.id, policy.visible_plans(actor)),
        ServicePlan.id,
        cursors.plans,
    )
    hotlines = _page(
        session,
        select(HotlineSession)
        .join(ServiceRequest, ServiceRequest.id == HotlineSession.request_id)
        .where(theirs)
        .options(joinedload(HotlineSession.request), joinedload(HotlineSession.director)),
        HotlineSession.id,
        cursors.hotlines,
    )
    return EnterprisePage(
        enterprise=enterprise,
        contacts=contacts(session, enterprise.id),
        products=products(session, actor, enterprise.id),
        requests=requests,
        plans=plans,
        hotlines=hotlines,
        satisfaction=satisfaction_history(session, actor, enterprise.id, now),
        orders=open_orders(session, actor, enterprise.id),
        record=enterprise_record(session, enterprise.id),
    )


def products(session: Session, actor: User, enterprise_id: int) -> list[Product]:
    """The products its newest requests name, the most asked about first."""
    newest = (
        select(ServiceRequest.product_name, ServiceRequest.device_class)
        .where(ServiceRequest.enterprise_id == enterprise_id, policy.visible_requests(actor))
        .order_by(ServiceRequest.id.desc())
        .limit(PRODUCTS_FROM)
        .subquery()
    )
    rows = session.execute(
        select(newest.c.product_name, newest.c.device_class, func.count())
        .where(newest.c.product_name != "")
        .group_by(newest.c.product_name, newest.c.device_class)
        .order_by(func.count().desc(), newest.c.product_name)
        .limit(PRODUCTS_SHOWN)
    )
    return [Product(name, device_class, count) for name, device_class, count in rows]


def satisfaction_history(session: Session, actor: User, enterprise_id: int, now: datetime) -> list[MonthSatisfaction]:
    """The last SATISFACTION_MONTHS months (Asia/Shanghai), oldest first: ratings by the month of the result,
    return visits by the month of the visit. One statement, counted from the enterprise's index entries."""
    months = [Period.containing(now)]
    while len(months) < SATISFACTION_MONTHS:
        months.insert(0, months[0].previous())
    columns = []
    for month in months:
        rated = and_(in_period(ServiceRequest.resolved_at, month), ServiceRequest.rating.is_not(None))
        visited = in_period(ServiceRequest.visited_at, month)
        columns += [
            func.count().filter(rated),
            func.avg(ServiceRequest.rating).filter(rated),
            func.count().filter(visited),
            func.count().filter(and_(visited, ServiceRequest.satisfaction.in_(sorted(SATISFIED_LEVELS)))),
        ]
    row = session.execute(
        select(*columns).where(
            ServiceRequest.enterprise_id == enterprise_id,
            ServiceRequest.resolved_at.is_not(None),
            policy.visible_requests(actor),
        )
    ).one()
    return [
        MonthSatisfaction(
            month,
            row[4 * n],
            float(row[4 * n + 1]) if row[4 * n + 1] is not None else None,
            row[4 * n + 2],
            row[4 * n + 3],
        )
        for n, month in enumerate(months)
    ]


def open_orders(session: Session, actor: User, enterprise_id: int) -> list[SupervisionOrder]:
    """Supervision orders (督办) not yet concluded on its requests or plans, the nearest deadline first."""
    return list(
        session.scalars(
            select(SupervisionOrder)
            .outerjoin(ServiceRequest, ServiceRequest.id == SupervisionOrder.request_id)
            .outerjoin(ServicePlan, ServicePlan.id == SupervisionOrder.plan_id)
            .where(
                SupervisionOrder.status.in_(sorted(ACTIVE_SUPERVISION_STATUSES)),
                policy.visible_orders(actor),
                or_(ServiceRequest.enterprise_id == enterprise_id, ServicePlan.enterprise_id == enterprise_id),
            )
            .options(joinedload(SupervisionOrder.request), joinedload(SupervisionOrder.plan))
            .order_by(SupervisionOrder.deadline, SupervisionOrder.id)
            .limit(ORDERS_SHOWN)
        )
    )
