"""The supervision page's queries use the supervision orders' indexes: no full read of the table for the list's
main filters (default, tier, station, status, overdue) nor for the dashboard's counts per tier.

Orders are written in bulk over the generated requests of tests/test_query_plans.py (a few thousand, so that
both planners prefer an index over a scan), then the planner's statistics refreshed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Connection, func, insert, select
from sqlalchemy.orm import Session

from service.models import ServiceRequest, SupervisionOrder, SupervisionStatus, SupervisionTier, User
from service.queries.supervision_orders import OrderFilters, order_page, tier_counts
from service.rules.sla_calendar import WorkingCalendar
from service.rules.supervision_orders import TierClock
from tests.test_query_plans import NOW, assert_indexed, many, people  # noqa: F401 - fixtures

ORDERS = 6000
CALENDAR = WorkingCalendar.from_setting("09:00-12:00,13:00-17:00", {})
CLOCK = TierClock.at(NOW, CALENDAR, red_days=3, red_reminders=3)
# Most orders long concluded, a few waiting (as in a province's years of history).
STATUSES = (
    [SupervisionStatus.CLOSED] * 17
    + [SupervisionStatus.CANCELLED, SupervisionStatus.OPEN]
    + [SupervisionStatus.REPORTED]
)


@pytest.fixture()
def orders(many: None, session: Session, connection: Connection, people: dict[str, User]) -> None:
    requests = session.execute(select(ServiceRequest.id, ServiceRequest.station_id).limit(ORDERS)).all()
    director = people["director:JL-HUB"].id
    # After the generated requests' own orders, written with their ids (PostgreSQL's sequence has not moved).
    first = (session.scalar(select(func.max(SupervisionOrder.id))) or 0) + 1
    session.execute(
        insert(SupervisionOrder),
        [
            {
                "id": first + n,
                "request_id": request_id,
                "station_id": station_id,
                "issued_by_id": director,
                "issue": "督办",
                "requirement": "报送",
                "deadline": NOW + timedelta(hours=(n % 2000) - 1500),
                "status": STATUSES[n % len(STATUSES)],
                "created_at": NOW,
            }
            for n, (request_id, station_id) in enumerate(requests)
        ],
    )
    session.flush()
    connection.exec_driver_sql("ANALYZE")


FILTERS = {
    "default": OrderFilters(),
    **{f"tier {tier.value}": OrderFilters(tier=tier) for tier in SupervisionTier},
    "overdue": OrderFilters(overdue=True),
    "reported": OrderFilters(statuses=frozenset({SupervisionStatus.REPORTED})),
    "closed": OrderFilters(statuses=frozenset({SupervisionStatus.CLOSED})),
}


def test_the_list_and_the_counts_read_orders_through_indexes(
    orders: None, session: Session, connection: Connection, people: dict[str, User]
) -> None:
    director, staff = people["director:JL-HUB"], people["staff:JL-CCND"]
    # The check bites: a filter no index serves reads the whole table.
    with pytest.raises(AssertionError, match="reads the whole supervision_orders"):
        assert_indexed(
            connection,
            lambda: session.scalars(select(SupervisionOrder.id).where(SupervisionOrder.issue == "x")).all(),
            "unindexed",
            "supervision_orders",
        )
    for name, filters in FILTERS.items():
        for who in (director, staff):
            page = order_page(session, who, filters, CLOCK)
            assert_indexed(
                connection, lambda w=who, f=filters: order_page(session, w, f, CLOCK), name, "supervision_orders"
            )
            if page.next_cursor:
                assert_indexed(
                    connection,
                    lambda w=who, f=filters, c=page.next_cursor: order_page(session, w, f, CLOCK, cursor=c),
                    f"{name}, next page",
                    "supervision_orders",
                )
    assert_indexed(
        connection,
        lambda: order_page(session, director, OrderFilters(station_id=staff.station_id), CLOCK),
        "one station",
        "supervision_orders",
    )
    for who in (director, staff):
        assert_indexed(connection, lambda w=who: tier_counts(session, w, CLOCK), "tier counts", "supervision_orders")
