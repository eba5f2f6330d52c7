"""The SLA sweep tells a supervision order's unit and its issuer when the order's tier worsens (blue, yellow, red):
once per change, on the case's timeline (inside the regulator) and in their notifications, without touching the
order's version; a reported order is not waiting for its unit and is told nothing."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.models import Event, EventKind, Notification, SupervisionOrder, SupervisionTier
from service.operations.sla import sweep
from service.operations.supervision_orders import OrderDraft, act_on_order, issue_order
from service.rules.supervision_orders import OrderAction
from service.store.settings import DeskSettings
from tests.factories import People
from tests.request_helpers import TUESDAY_10, active_plan, triaged
from tests.suite import login

# Friday 13 March 2026, 10:00 in Shanghai.
DEADLINE = TUESDAY_10 + timedelta(days=3)
KIND = EventKind.SUPERVISION_TIER_RAISED


def _issue(session: Session, people: People, settings: DeskSettings, **subject: int) -> SupervisionOrder:
    return issue_order(
        session,
        people.hub_director,
        OrderDraft("逾期未办结，企业多次反映", "三日内报送落实情况", DEADLINE),
        now=TUESDAY_10,
        **(subject or {"request_id": triaged(session, people, settings).id}),
    )


def _raised(session: Session, order: SupervisionOrder) -> list[dict[str, object]]:
    """The tiers the sweep told of, on the order's case's timeline, oldest first."""
    events = session.scalars(select(Event).where(Event.kind == KIND).order_by(Event.id))
    return [
        {k: v for k, v in event.data.items() if k != "order_id"}
        for event in events
        if event.data["order_id"] == order.id and not event.public and event.actor_id is None
    ]


def _told(session: Session) -> list[tuple[int, str]]:
    rows = session.execute(select(Notification.user_id, Notification.data).where(Notification.kind == KIND))
    return sorted((user_id, data["tier"]) for user_id, data in rows)


def test_each_worsening_is_told_once_to_the_unit_and_the_issuer(
    session: Session, people: People, settings: DeskSettings
) -> None:
    order = _issue(session, people, settings)
    version = order.version
    unit_and_issuer = sorted([people.staff.id, people.director.id, people.hub_director.id])

    assert sweep(session, settings=settings, now=TUESDAY_10 + timedelta(hours=1)).tiers_raised == 0
    assert _raised(session, order) == []

    # Thursday 16:00: less than a working day left.
    report = sweep(session, settings=settings, now=DEADLINE - timedelta(hours=18))
    assert report.tiers_raised == 1
    assert sweep(session, settings=settings, now=DEADLINE - timedelta(hours=17)).tiers_raised == 0  # told once
    # Past the deadline; then past it by more than the red days.
    sweep(session, settings=settings, now=DEADLINE + timedelta(hours=1))
    sweep(session, settings=settings, now=DEADLINE + timedelta(days=7))
    sweep(session, settings=settings, now=DEADLINE + timedelta(days=8))

    assert _raised(session, order) == [
        {"tier": "blue"},
        {"tier": "yellow", "previous": "blue"},
        {"tier": "red", "previous": "yellow"},
    ]
    assert _told(session) == sorted((user, tier) for user in unit_and_issuer for tier in ("blue", "yellow", "red"))
    session.expire_all()
    found = session.get_one(SupervisionOrder, order.id)
    assert found.tier_told == SupervisionTier.RED and found.version == version


def test_an_order_first_seen_late_is_told_its_tier_only(
    session: Session, people: People, settings: DeskSettings
) -> None:
    order = _issue(session, people, settings)
    sweep(session, settings=settings, now=DEADLINE + timedelta(days=10))
    assert _raised(session, order) == [{"tier": "red"}]


def test_a_reported_order_is_told_nothing_until_it_is_sent_back(
    session: Session, people: People, settings: DeskSettings
) -> None:
    order = _issue(session, people, settings)
    order = act_on_order(session, people.staff, order.id, order.version, OrderAction.REPORT, "已办结", now=TUESDAY_10)
    sweep(session, settings=settings, now=DEADLINE + timedelta(hours=1))
    assert _raised(session, order) == []
    order = act_on_order(
        session, people.hub_director, order.id, order.version, OrderAction.SEND_BACK, "请补充", now=DEADLINE
    )
    sweep(session, settings=settings, now=DEADLINE + timedelta(hours=2))
    assert _raised(session, order) == [{"tier": "yellow"}]


def test_an_order_on_a_plan_is_told_on_the_plans_timeline(
    session: Session, people: People, settings: DeskSettings
) -> None:
    plan = active_plan(session, people)
    order = _issue(session, people, settings, plan_id=plan.id)
    sweep(session, settings=settings, now=DEADLINE + timedelta(hours=1))
    event = session.scalars(select(Event).where(Event.kind == KIND)).one()
    assert event.plan_id == plan.id and event.request_id is None
    # Nobody is its liaison: its station's whole desk is the unit.
    desk = {people.staff.id, people.staff2.id, people.director.id}
    assert {user for user, _ in _told(session)} == {*desk, people.hub_director.id}
    assert _raised(session, order) == [{"tier": "yellow"}]


def test_the_raised_tier_reads_on_the_case_and_in_the_notifications_in_both_languages(
    client: FlaskClient, session: Session, people: People, settings: DeskSettings
) -> None:
    order = _issue(session, people, settings)
    sweep(session, settings=settings, now=DEADLINE - timedelta(hours=18))
    sweep(session, settings=settings, now=DEADLINE + timedelta(hours=1))
    login(client, people.staff)
    expected = {
        "en": ("Supervision order&#39;s tier raised", "Now Yellow: overdue (was Blue: due within a working day)"),
        "zh-CN": ("督办等级升级", "现为黄色督办：已超期（此前为蓝色督办：一个工作日内到期）"),
    }
    for language, texts in expected.items():
        for path in (f"/desk/requests/{order.request_id}", "/notifications/"):
            page = client.get(path, headers={"Accept-Language": language}).get_data(as_text=True)
            assert all(text in page for text in texts), (language, path)
