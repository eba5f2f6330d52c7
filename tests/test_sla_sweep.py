"""The SLA sweep: flags overdue requests once, escalates them, auto-closes old resolutions, and is idempotent."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select

from service.models import Enterprise, Event, EventKind, Notification, Role, ServiceRequest, Status, User
from service.operations import escalation
from service.operations.requests import add_message, submit_request
from service.operations.sla import SweepReport, sweep
from service.rules.lifecycle import Action
from service.store.db import make_engine
from tests import factories
from tests.factories import People
from tests.request_helpers import TUESDAY_10, act, draft, in_status, submit
from tests.suite import Sessions


def events(session, request, kind: EventKind) -> list[Event]:
    return list(session.scalars(select(Event).where(Event.request_id == request.id, Event.kind == kind)))


def test_overdue_first_response_is_flagged_escalated_and_reported_once(session, people: People, settings) -> None:
    request = submit(session, people, settings)  # P3: first response due Wednesday 11:00
    assert sweep(session, settings=settings, now=request.first_response_due_at - timedelta(minutes=1)) == SweepReport()
    report = sweep(session, settings=settings, now=request.first_response_due_at + timedelta(minutes=1))
    assert report == SweepReport(first_response_breaches=1, escalated=1)
    session.refresh(request)
    assert request.first_response_breached and request.escalated and request.status == Status.SUBMITTED
    [breach] = events(session, request, EventKind.SLA_BREACHED)
    assert breach.data["target"] == "first_response" and not breach.public and breach.actor_id is None
    assert len(events(session, request, EventKind.ESCALATED)) == 1
    directed = session.scalars(
        select(Notification.user_id).where(
            Notification.request_id == request.id, Notification.kind == EventKind.ESCALATED
        )
    ).all()
    assert directed == [people.director.id]
    # A second run, even much later, changes nothing.
    assert sweep(session, settings=settings, now=request.first_response_due_at + timedelta(days=1)) == SweepReport()
    assert len(events(session, request, EventKind.SLA_BREACHED)) == 1


def test_a_responded_request_breaches_only_its_resolution(session, people: People, settings) -> None:
    request = in_status(session, people, settings, Status.EARLY_INTERVENTION)
    add_message(session, people.staff, request.id, "已收到，正在处理", settings=settings, now=TUESDAY_10)
    session.refresh(request)
    escalation.escalate_request(session, people.staff, request.id, "企业多次来电", now=TUESDAY_10)
    report = sweep(session, settings=settings, now=request.resolution_due_at + timedelta(hours=1))
    # Already escalated: not escalated again; its officer and the head are reminded of the breach.
    assert report == SweepReport(resolution_breaches=1, reminders=1)
    session.refresh(request)
    assert request.resolution_breached and not request.first_response_breached
    assert request.escalation_reason == "企业多次来电"


def test_a_request_waiting_for_the_enterprise_is_not_overdue(session, people: People, settings) -> None:
    request = in_status(session, people, settings, Status.WAITING_ENTERPRISE)
    assert sweep(session, settings=settings, now=request.resolution_due_at + timedelta(days=30)) == SweepReport()
    session.refresh(request)
    assert not request.resolution_breached and not request.escalated


def test_finished_requests_are_left_alone(session, people: People, settings) -> None:
    declined = in_status(session, people, settings, Status.DECLINED)
    withdrawn = in_status(session, people, settings, Status.WITHDRAWN)
    assert sweep(session, settings=settings, now=TUESDAY_10 + timedelta(days=90)) == SweepReport()
    assert not events(session, declined, EventKind.SLA_BREACHED) and not events(
        session, withdrawn, EventKind.SLA_BREACHED
    )


def test_resolved_requests_close_after_the_configured_days(session, people: People, settings) -> None:
    old = in_status(session, people, settings, Status.RESOLVED, now=TUESDAY_10)
    recent = in_status(session, people, settings, Status.RESOLVED, now=TUESDAY_10 + timedelta(days=3))
    cutoff = TUESDAY_10 + timedelta(days=settings.auto_close_days, minutes=1)
    report = sweep(session, settings=settings, now=cutoff)
    assert report.auto_closed == 1
    session.refresh(old)
    session.refresh(recent)
    assert (old.status, recent.status) == (Status.CLOSED, Status.RESOLVED)
    assert old.closed_at == cutoff and old.rating is None and old.resolution_summary
    [closing] = [e for e in events(session, old, EventKind.STATUS_CHANGED) if e.data["action"] == "auto_close"]
    assert closing.actor_id is None and closing.public
    told = session.scalars(
        select(Notification.user_id).where(Notification.request_id == old.id, Notification.created_at == cutoff)
    ).all()
    assert set(told) == {people.owner.id, people.colleague.id}
    assert sweep(session, settings=settings, now=cutoff).auto_closed == 0


def test_reopen_is_still_possible_after_the_auto_close(session, people: People, settings) -> None:
    request = in_status(session, people, settings, Status.RESOLVED)
    sweep(session, settings=settings, now=TUESDAY_10 + timedelta(days=settings.auto_close_days + 1))
    session.refresh(request)
    reopened = act(
        session,
        people.owner,
        request,
        Action.REOPEN,
        settings,
        TUESDAY_10 + timedelta(days=settings.auto_close_days + 2),
        reason="问题没有解决",
    )
    assert reopened.status == Status.TRIAGED and reopened.closed_at is None


# --- two sweeps at once: own engine and real commits, cleaned up afterwards ----------------------------


@pytest.fixture()
def committed_overdue_requests(database_url: str, settings):
    engine = make_engine(database_url, pool_size=4)
    with Sessions(bind=engine, expire_on_commit=False) as session:
        enterprise = factories.enterprise(session, "JL-DF")
        owner = factories.user(session, Role.ENTERPRISE, enterprise_=enterprise)
        for n in range(30):
            submit_request(
                session,
                owner,
                draft(title=f"并发巡检{n}"),
                settings=settings,
                now=datetime(2098, 3, 3, 2, 0, tzinfo=UTC),
            )
    try:
        yield engine, enterprise.id
    finally:
        with Sessions(bind=engine) as session, session.begin():
            ids = select(ServiceRequest.id).where(ServiceRequest.enterprise_id == enterprise.id)
            session.execute(delete(Notification).where(Notification.request_id.in_(ids)))
            session.execute(delete(Event).where(Event.request_id.in_(ids)))
            session.execute(delete(ServiceRequest).where(ServiceRequest.enterprise_id == enterprise.id))
            session.execute(delete(User).where(User.id == owner.id))
            session.execute(delete(Enterprise).where(Enterprise.id == enterprise.id))
        engine.dispose()


def test_two_sweeps_at_once_do_the_work_once(committed_overdue_requests, settings) -> None:
    engine, enterprise_id = committed_overdue_requests
    later = datetime(2098, 6, 1, 2, 0, tzinfo=UTC)

    def run(_: int) -> SweepReport:
        with Sessions(bind=engine, expire_on_commit=False) as session:
            return sweep(session, settings=settings, now=later)

    with ThreadPoolExecutor(max_workers=2) as pool:
        reports = list(pool.map(run, range(2)))
    # At least: the sweep covers the whole database, which other tests may have committed to.
    assert sum(r.first_response_breaches for r in reports) >= 30
    with Sessions(bind=engine) as session:
        ids = select(ServiceRequest.id).where(ServiceRequest.enterprise_id == enterprise_id)
        breaches = session.scalar(
            select(func.count(Event.id)).where(Event.request_id.in_(ids), Event.kind == EventKind.SLA_BREACHED)
        )
        escalations = session.scalar(
            select(func.count(Event.id)).where(Event.request_id.in_(ids), Event.kind == EventKind.ESCALATED)
        )
    assert (breaches, escalations) == (60, 30)  # each request flagged once per target, escalated once
