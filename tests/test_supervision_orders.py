"""Supervision orders (督办): a director issues one on a request or a plan; the unit reports (落实情况); the director
sends the report back or accepts it (督办办结); the tiers (blue, yellow, red) are one definition read as SQL and in
Python, exact at their boundaries."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import literal, select
from sqlalchemy.orm import Session

from service.demo import seed
from service.demo.seed_requests import seed_demo_requests
from service.errors import Conflict, Forbidden, InvalidTransition, NotFound, ValidationError
from service.models import (
    Event,
    EventKind,
    Notification,
    PlanStatus,
    Status,
    SupervisionOrder,
    SupervisionStatus,
    SupervisionTier,
)
from service.operations.requests import transfer_request
from service.operations.supervision_orders import OrderDraft, act_on_order, issue_order
from service.queries.supervision_orders import OrderFilters, order_page, tier_clock, tier_counts
from service.rules import policy
from service.rules.policy import PolicyAction
from service.rules.sla_calendar import WorkingCalendar
from service.rules.supervision_orders import OrderAction, TierClock, tier_clause, tier_of
from service.store.settings import DeskSettings
from tests.factories import People
from tests.request_helpers import TUESDAY_10, active_plan, in_status, triaged

DEADLINE = TUESDAY_10 + timedelta(days=3)
CALENDAR = WorkingCalendar.from_setting("09:00-12:00,13:00-17:00", {date(2026, 3, 13): False})


def _issue(session: Session, people: People, settings: DeskSettings, **where: int) -> SupervisionOrder:
    if not where:
        where = {"request_id": triaged(session, people, settings).id}
    return issue_order(
        session,
        people.hub_director,
        OrderDraft("逾期未办结，企业多次反映", "三日内报送落实情况", DEADLINE),
        now=TUESDAY_10,
        **where,
    )


def _act(session: Session, who, order: SupervisionOrder, action: OrderAction, text: str = "") -> SupervisionOrder:  # type: ignore[no-untyped-def]
    session.expire_all()
    current = session.get_one(SupervisionOrder, order.id)
    return act_on_order(session, who, order.id, current.version, action, text, now=TUESDAY_10 + timedelta(hours=1))


def _told(session: Session, kind: EventKind) -> set[int]:
    return set(session.scalars(select(Notification.user_id).where(Notification.kind == kind)))


def test_issue_report_send_back_report_accept(session: Session, people: People, settings: DeskSettings) -> None:
    order = _issue(session, people, settings)
    assert order.status == SupervisionStatus.OPEN and order.station_id == people.staff.station_id
    # The unit hears of it: the assignee and the station's head.
    assert {people.staff.id, people.director.id} <= _told(session, EventKind.SUPERVISION_ISSUED)

    order = _act(session, people.staff, order, OrderAction.REPORT, "已联系企业，补正材料已受理")
    assert (order.status, order.reports, order.report) == (SupervisionStatus.REPORTED, 1, "已联系企业，补正材料已受理")
    assert _told(session, EventKind.SUPERVISION_REPORTED) == {people.hub_director.id}

    order = _act(session, people.hub_director, order, OrderAction.SEND_BACK, "请补充办理时限")
    assert (order.status, order.sent_back, order.comment) == (SupervisionStatus.OPEN, 1, "请补充办理时限")
    assert people.staff.id in _told(session, EventKind.SUPERVISION_SENT_BACK)

    order = _act(session, people.staff2, order, OrderAction.REPORT, "已于周五前办结")
    order = _act(session, people.hub_director, order, OrderAction.ACCEPT)
    assert order.status == SupervisionStatus.CLOSED and order.closed_at is not None and order.reports == 2

    kinds = list(session.scalars(select(Event.kind).where(Event.request_id == order.request_id).order_by(Event.id)))
    assert kinds[-5:] == [
        EventKind.SUPERVISION_ISSUED,
        EventKind.SUPERVISION_REPORTED,
        EventKind.SUPERVISION_SENT_BACK,
        EventKind.SUPERVISION_REPORTED,
        EventKind.SUPERVISION_ACCEPTED,
    ]
    # Internal: the enterprise's timeline shows none of it.
    assert not session.scalars(
        select(Event).where(Event.request_id == order.request_id, Event.kind.like("supervision%"), Event.public)
    ).first()


def test_who_may_do_what(session: Session, people: People, settings: DeskSettings) -> None:
    request = triaged(session, people, settings)
    assert policy.may(people.director, PolicyAction.REQUEST_SUPERVISE, request)  # its station's head
    assert policy.may(people.hub_director, PolicyAction.REQUEST_SUPERVISE, request)
    for nobody in (people.staff, people.other_director, people.owner, people.admin):
        assert not policy.may(nobody, PolicyAction.REQUEST_SUPERVISE, request)
    with pytest.raises(NotFound):
        issue_order(
            session, people.other_director, OrderDraft("a", "b", DEADLINE), request_id=request.id, now=TUESDAY_10
        )
    with pytest.raises(Forbidden):
        issue_order(session, people.staff, OrderDraft("a", "b", DEADLINE), request_id=request.id, now=TUESDAY_10)

    order = _issue(session, people, settings, request_id=request.id)
    assert policy.may(people.staff2, PolicyAction.SUPERVISION_REPORT, order)
    assert policy.may(people.director, PolicyAction.SUPERVISION_REPORT, order)  # the unit's head reports too
    assert not policy.may(people.hub_director, PolicyAction.SUPERVISION_REPORT, order)  # never its own issuer
    assert not policy.may(people.other_staff, PolicyAction.SUPERVISION_VIEW, order)
    assert not policy.may(people.owner, PolicyAction.SUPERVISION_VIEW, order)
    assert policy.may(people.hub_director, PolicyAction.SUPERVISION_DECIDE, order)
    assert not policy.may(people.director, PolicyAction.SUPERVISION_DECIDE, order)  # not issued by them
    with pytest.raises(NotFound):
        _act(session, people.other_staff, order, OrderAction.REPORT, "x")
    with pytest.raises(Forbidden):
        _act(session, people.staff, order, OrderAction.CANCEL, "x")
    with pytest.raises(InvalidTransition):
        _act(session, people.hub_director, order, OrderAction.ACCEPT)  # nothing reported yet


def test_bad_input_changes_nothing(session: Session, people: People, settings: DeskSettings) -> None:
    request = triaged(session, people, settings)
    for draft, field in (
        (OrderDraft(" ", "b", DEADLINE), "issue"),
        (OrderDraft("a", "", DEADLINE), "requirement"),
        (OrderDraft("a", "b", None), "deadline"),
        (OrderDraft("a", "b", TUESDAY_10), "deadline"),  # not in the future
    ):
        with pytest.raises(ValidationError) as error:
            issue_order(session, people.hub_director, draft, request_id=request.id, now=TUESDAY_10)
        assert field in error.value.fields
    assert session.scalar(select(SupervisionOrder.id)) is None
    order = _issue(session, people, settings, request_id=request.id)
    with pytest.raises(ValidationError):
        _act(session, people.staff, order, OrderAction.REPORT, "   ")
    session.expire_all()
    assert session.get_one(SupervisionOrder, order.id).status == SupervisionStatus.OPEN


def test_a_stale_version_is_a_conflict(session: Session, people: People, settings: DeskSettings) -> None:
    order = _issue(session, people, settings)
    version = order.version
    _act(session, people.staff, order, OrderAction.REPORT, "已办理")
    with pytest.raises(Conflict):
        act_on_order(session, people.hub_director, order.id, version, OrderAction.CANCEL, "重复督办")


def test_an_order_on_a_plan_and_its_cancellation(session: Session, people: People, settings: DeskSettings) -> None:
    plan = active_plan(session, people)
    order = _issue(session, people, settings, plan_id=plan.id)
    assert order.plan_id == plan.id and order.request_id is None
    order = _act(session, people.hub_director, order, OrderAction.CANCEL, "已另行部署")
    assert order.status == SupervisionStatus.CANCELLED
    assert session.scalar(
        select(Event.id).where(Event.plan_id == plan.id, Event.kind == EventKind.SUPERVISION_CANCELLED)
    )


def test_a_transferred_request_takes_its_open_orders_along(
    session: Session, people: People, settings: DeskSettings
) -> None:
    order = _issue(session, people, settings)
    request = order.request
    assert request is not None
    transfer_request(
        session,
        people.staff,
        request.id,
        request.version,
        people.other_staff.station_id or 0,
        "属地",
        settings=settings,
    )
    session.expire_all()
    moved = session.get_one(SupervisionOrder, order.id)
    assert moved.station_id == people.other_staff.station_id
    assert policy.may(people.other_staff, PolicyAction.SUPERVISION_REPORT, moved)


# -- tiers ------------------------------------------------------------------------------------------------------

# Tuesday 2026-03-10 10:00 Shanghai; Friday 13 March is a holiday in CALENDAR.
NOW = TUESDAY_10
CLOCK = TierClock.at(NOW, CALENDAR, red_days=2, red_reminders=3)
SHANGHAI = timezone(timedelta(hours=8))


def _at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, second, tzinfo=SHANGHAI).astimezone(UTC)


# deadline, reminders, tier
BOUNDARIES = [
    (_at(10, 10), 0, SupervisionTier.BLUE),  # due this very moment: not overdue yet
    (_at(10, 9, 59, 59), 0, SupervisionTier.YELLOW),
    (_at(11, 10), 0, SupervisionTier.BLUE),  # exactly one working day left
    (_at(11, 10, 0, 1), 0, SupervisionTier.ON_SCHEDULE),
    (_at(6, 10), 0, SupervisionTier.YELLOW),  # Friday 10:00: exactly two working days late
    (_at(6, 9, 59, 59), 0, SupervisionTier.RED),  # more than two
    (_at(5, 18), 0, SupervisionTier.RED),  # after Thursday's close: counted from Friday 09:00
    (_at(6, 9), 0, SupervisionTier.RED),  # Friday's opening: two days and one hour late
    (_at(20, 10), 3, SupervisionTier.ON_SCHEDULE),
    (_at(20, 10), 4, SupervisionTier.RED),  # reminded more than three times
]


@pytest.mark.parametrize(("deadline", "reminders", "expected"), BOUNDARIES)
def test_tier_at_the_boundaries(deadline: datetime, reminders: int, expected: SupervisionTier) -> None:
    order = SupervisionOrder(deadline=deadline, status=SupervisionStatus.OPEN)
    assert tier_of(order, CLOCK, reminders) == expected
    late = CALENDAR.working_seconds_between(deadline, NOW) / CALENDAR.working_day_seconds
    left = CALENDAR.working_seconds_between(NOW, deadline) / CALENDAR.working_day_seconds
    # The definition in words, from the calendar directly.
    by_words = (
        SupervisionTier.RED
        if reminders > 3 or late > 2
        else SupervisionTier.YELLOW
        if deadline < NOW
        else SupervisionTier.BLUE
        if left <= 1
        else SupervisionTier.ON_SCHEDULE
    )
    assert by_words == expected


def test_sql_and_python_agree(session: Session, people: People, settings: DeskSettings) -> None:
    request = triaged(session, people, settings)
    orders = []
    for deadline, _, _ in BOUNDARIES:
        orders.append(
            SupervisionOrder(
                request_id=request.id,
                station_id=request.station_id,
                issued_by_id=people.hub_director.id,
                issue="i",
                requirement="r",
                deadline=deadline,
            )
        )
    orders.append(orders[0].__class__(**{**_columns(orders[0]), "status": SupervisionStatus.REPORTED}))
    session.add_all(orders)
    session.flush()
    ids = [o.id for o in orders]
    for reminders in (0, 4):
        for tier in SupervisionTier:
            in_sql = set(
                session.scalars(
                    select(SupervisionOrder.id).where(
                        SupervisionOrder.id.in_(ids), tier_clause(tier, CLOCK, literal(reminders))
                    )
                )
            )
            assert in_sql == {o.id for o in orders if tier_of(o, CLOCK, reminders) == tier}
    assert tier_of(orders[-1], CLOCK, 9) is None  # reported: the unit has answered


def _columns(order: SupervisionOrder) -> dict[str, object]:
    return {
        name: getattr(order, name)
        for name in ("request_id", "station_id", "issued_by_id", "issue", "requirement", "deadline")
    }


def test_the_list_filters_and_pages(session: Session, people: People, settings: DeskSettings) -> None:
    request = triaged(session, people, settings)
    for offset in range(7):
        issue_order(
            session,
            people.hub_director,
            OrderDraft(f"督办{offset}", "报送", TUESDAY_10 + timedelta(days=offset + 1)),
            request_id=request.id,
            now=TUESDAY_10,
        )
    later = TUESDAY_10 + timedelta(days=4, hours=1)
    clock = tier_clock(session, settings, later)
    seen: list[int] = []
    cursor = None
    while True:
        page = order_page(session, people.staff, OrderFilters(), clock, cursor=cursor, limit=3)
        seen.extend(row.order.id for row in page.rows)
        cursor = page.next_cursor
        if cursor is None:
            break
    deadlines = [session.get_one(SupervisionOrder, i).deadline for i in seen]
    assert len(seen) == 7 and deadlines == sorted(deadlines)
    overdue = order_page(session, people.staff, OrderFilters(overdue=True), clock)
    assert {row.tier for row in overdue.rows} <= {SupervisionTier.YELLOW, SupervisionTier.RED} and overdue.rows
    counts = tier_counts(session, people.hub_director, clock)
    for tier, count in counts.items():
        assert len(order_page(session, people.hub_director, OrderFilters(tier=tier), clock).rows) == count
    assert sum(counts.values()) == 7
    assert order_page(session, people.other_staff, OrderFilters(), clock).rows == []
    assert not order_page(session, people.staff, OrderFilters(station_id=people.other_staff.station_id), clock).rows


# -- the policy matrix ---------------------------------------------------------------------------------------------

# Who may, on an order the provincial director issued on a JL-CCND request: every desk user of JL-CCND reports
# (its staff and its head), the issuer and the provincial director decide and cancel; nobody outside sees it.
MATRIX = {
    PolicyAction.SUPERVISION_VIEW: {"staff", "staff2", "director", "hub_staff", "hub_director", "admin"},
    PolicyAction.SUPERVISION_REPORT: {"staff", "staff2", "director"},
    PolicyAction.SUPERVISION_DECIDE: {"hub_director"},
    PolicyAction.SUPERVISION_CANCEL: {"hub_director"},
}
EVERYONE = (
    "owner",
    "staff",
    "staff2",
    "other_staff",
    "hub_staff",
    "director",
    "other_director",
    "hub_director",
    "admin",
)


@pytest.mark.parametrize(("action", "allowed"), MATRIX.items())
def test_policy_matrix(
    session: Session, people: People, settings: DeskSettings, action: PolicyAction, allowed: set[str]
) -> None:
    order = _issue(session, people, settings)
    assert {name for name in EVERYONE if policy.may(getattr(people, name), action, order)} == allowed


def test_a_station_head_supervises_and_decides_its_own_orders(
    session: Session, people: People, settings: DeskSettings
) -> None:
    request = triaged(session, people, settings)
    order = issue_order(
        session, people.director, OrderDraft("答复超时", "当日报送", DEADLINE), request_id=request.id, now=TUESDAY_10
    )
    assert policy.may(people.director, PolicyAction.SUPERVISION_DECIDE, order)
    assert not policy.may(people.director, PolicyAction.SUPERVISION_REPORT, order)  # not to themselves
    assert policy.may(people.hub_director, PolicyAction.SUPERVISION_DECIDE, order)
    plan = active_plan(session, people)
    assert policy.may(people.director, PolicyAction.PLAN_SUPERVISE, plan)
    assert not policy.may(people.other_director, PolicyAction.PLAN_SUPERVISE, plan)
    assert not policy.may(people.staff, PolicyAction.PLAN_SUPERVISE, plan)


def test_the_demo_has_an_order_in_each_tier(session: Session, settings: DeskSettings) -> None:
    seed.seed_demo_accounts(session)
    seed_demo_requests(session, settings, now=TUESDAY_10)
    clock = TierClock.at(TUESDAY_10, CALENDAR, red_days=settings.supervision_red_days, red_reminders=3)
    orders = list(session.scalars(select(SupervisionOrder)))
    tiers = {tier_of(order, clock, 0) for order in orders}
    assert set(SupervisionTier) <= tiers
    statuses = {order.status for order in orders}
    assert {SupervisionStatus.REPORTED, SupervisionStatus.CLOSED} <= statuses
    assert any(order.plan_id for order in orders) and any(order.sent_back for order in orders)


def test_only_open_cases_and_plans_are_supervised(session: Session, people: People, settings: DeskSettings) -> None:
    request = in_status(session, people, settings, Status.CLOSED)
    assert not policy.may(people.hub_director, PolicyAction.REQUEST_SUPERVISE, request)
    with pytest.raises(Forbidden):
        issue_order(session, people.hub_director, OrderDraft("a", "b", DEADLINE), request_id=request.id, now=TUESDAY_10)
    plan = active_plan(session, people)
    plan.status = PlanStatus.COMPLETED
    session.commit()
    assert not policy.may(people.hub_director, PolicyAction.PLAN_SUPERVISE, plan)
