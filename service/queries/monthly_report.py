"""The monthly report (月报): what the month brought in (categories, product fields, device classes), the supervision
orders (督办) still open, and the typical cases (典型案例) of the month, for the reader's scope.

Months are Asia/Shanghai calendar months. Every figure is one grouped statement over an indexed range (the month's
submissions by creation time, its results by resolution time), so a report at a million requests reads a month's
rows, never the table.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import QueryableAttribute, Session, aliased, joinedload

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
from service.rules import policy
from service.rules.policy import PolicyAction
from service.rules.supervision_orders import TierClock, reminders_of, tier_of

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
# The first month a report is asked for (the desk keeps no older history).
FIRST_YEAR = 2000
BAD_MONTH = N_("Choose a month as year and month, e.g. 2026-05.")
FUTURE_MONTH = N_("The month %(month)s has not begun yet; choose this month or an earlier one.")
PAST_MONTH = N_("Reports start with the year %(year)s.")

R = ServiceRequest


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month in Asia/Shanghai: from its first midnight to the next month's."""

    year: int
    month: int

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    @classmethod
    def last_full(cls, now: datetime) -> Month:
        """The last month that has ended by ``now`` (the report's default)."""
        return cls.of(now.astimezone(LOCAL_TZ).date()).previous()

    @classmethod
    def parse(cls, raw: str, now: datetime) -> Month:
        """``raw`` as YYYY-MM, a month that has begun by ``now``; ValidationError with the reason otherwise."""
        text = raw.strip()
        year, dash, month = text.partition("-")
        if not (dash and len(year) == 4 and year.isdigit() and len(month) == 2 and month.isdigit()):
            raise ValidationError(BAD_MONTH, fields={"month": BAD_MONTH})
        if not 1 <= int(month) <= 12:
            raise ValidationError(BAD_MONTH, fields={"month": BAD_MONTH})
        chosen = cls(int(year), int(month))
        if chosen.year < FIRST_YEAR:
            raise ValidationError(PAST_MONTH, fields={"month": PAST_MONTH}, year=FIRST_YEAR)
        if chosen > cls.of(now.astimezone(LOCAL_TZ).date()):
            raise ValidationError(FUTURE_MONTH, fields={"month": FUTURE_MONTH}, month=str(chosen))
        return chosen

    def previous(self) -> Month:
        return Month(self.year - 1, 12) if self.month == 1 else Month(self.year, self.month - 1)

    def next(self) -> Month:
        return Month(self.year + 1, 1) if self.month == 12 else Month(self.year, self.month + 1)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, time(), LOCAL_TZ)

    @property
    def end(self) -> datetime:
        return self.next().start

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


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


def _in_month(
    column: QueryableAttribute[datetime] | QueryableAttribute[datetime | None], month: Month
) -> ColumnElement[bool]:
    return and_(column >= month.start, column < month.end)


def _shares(counts: Counter[object], total: int, order: Sequence[object]) -> list[Share]:
    """The non-zero values, most frequent first (ties in the vocabulary's order, "not given" last)."""
    rank = {value: n for n, value in enumerate(order)}
    present = [value for value, count in counts.items() if count]
    present.sort(key=lambda v: (-counts[v], v is None, rank.get(v, len(rank))))
    return [Share(value, counts[value], counts[value] / total) for value in present]  # type: ignore[arg-type]


def breakdowns(session: Session, actor: User, month: Month) -> Breakdowns:
    """The month's submissions by category, product field and device class: one GROUP BY over the month's range
    of the creation index (a few hundred groups at most), added up here."""
    require_reader(actor)
    rows = session.execute(
        select(R.category, R.product_field, R.device_class, func.count())
        .where(policy.visible_requests(actor), _in_month(R.created_at, month))
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


def open_orders(session: Session, actor: User, month: Month, clock: TierClock) -> list[OpenOrder]:
    """The supervision orders in ``actor``'s scope issued before the month's end and still waiting (for the unit's
    report or the director's acceptance), nearest deadline first, with their tier as of ``clock``."""
    require_reader(actor)
    orders = session.scalars(
        select(SupervisionOrder)
        .where(
            policy.visible_orders(actor),
            SupervisionOrder.status.in_(sorted(ACTIVE_SUPERVISION_STATUSES)),
            SupervisionOrder.created_at < month.end,
        )
        .order_by(SupervisionOrder.deadline, SupervisionOrder.id)
        .options(
            joinedload(SupervisionOrder.request).joinedload(ServiceRequest.enterprise),
            joinedload(SupervisionOrder.plan).joinedload(ServicePlan.enterprise),
            joinedload(SupervisionOrder.issued_by),
            joinedload(SupervisionOrder.station),
        )
    ).unique()
    return [OpenOrder(order, tier_of(order, clock, reminders_of(order))) for order in orders]


def typical_cases(session: Session, actor: User, month: Month) -> list[TypicalCase]:
    """The requests flagged as typical cases whose result (办结) fell in the month, in the order of their results."""
    require_reader(actor)
    head = aliased(User)
    rows = session.execute(
        select(R, head.name)
        .outerjoin(head, head.id == R.typical_by_id)
        .where(policy.visible_requests(actor), _in_month(R.resolved_at, month), R.typical_at.is_not(None))
        .order_by(R.resolved_at, R.id)
        .options(joinedload(R.enterprise), joinedload(R.station))
    ).all()
    return [TypicalCase(request, name or "") for request, name in rows]
