"""Return-visit reminders (回访提醒): a result nobody has visited is told, once, to those who may visit it, in the
working hours before its days for a visit run out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.models import Event, EventKind, Notification, OutboundMail, Satisfaction, ServiceRequest, Status
from service.operations.visit_reminders import remind_visits
from service.operations.visits import VisitInput, record_visit
from service.store.settings import DeskSettings
from tests.factories import People
from tests.request_helpers import TUESDAY_10, in_status

# Resolved on Tuesday 10 March at 10:00 (Beijing), the ten days for a visit end on Friday 20 March at 10:00; one
# working day (09:00-12:00, 13:00-17:00) before that is Thursday 19 March at 10:00.
THURSDAY_10 = datetime(2026, 3, 19, 2, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def _told(session: Session, request: ServiceRequest) -> list[int]:
    return sorted(
        session.scalars(
            select(Notification.user_id).where(
                Notification.request_id == request.id, Notification.kind == EventKind.VISIT_DUE
            )
        )
    )


def test_reminded_once_at_the_last_working_day_to_the_head_and_officers_but_the_handler(
    session: Session, people: People, settings: DeskSettings
) -> None:
    request = in_status(session, people, settings, Status.RESOLVED)
    assert request.assignee_id == people.staff.id

    assert remind_visits(session, settings=settings, now=THURSDAY_10 - MINUTE) == 0
    assert _told(session, request) == []

    assert remind_visits(session, settings=settings, now=THURSDAY_10) == 1
    assert _told(session, request) == sorted([people.staff2.id, people.director.id])
    mailed = session.scalars(
        select(OutboundMail.user_id).where(
            OutboundMail.request_id == request.id, OutboundMail.kind == EventKind.VISIT_DUE
        )
    )
    assert sorted(mailed) == sorted([people.staff2.id, people.director.id])
    timeline = session.scalars(
        select(Event.kind).where(Event.request_id == request.id, Event.kind == EventKind.VISIT_DUE)
    ).all()
    assert timeline == [EventKind.VISIT_DUE]

    # Once per result: later runs, up to the deadline, tell nobody again.
    assert remind_visits(session, settings=settings, now=THURSDAY_10 + MINUTE) == 0
    assert remind_visits(session, settings=settings, now=THURSDAY_10 + timedelta(hours=23)) == 0
    assert len(_told(session, request)) == 2


def test_a_visited_result_and_one_whose_days_are_over_are_not_reminded(
    session: Session, people: People, settings: DeskSettings
) -> None:
    visited = in_status(session, people, settings, Status.RESOLVED)
    record_visit(
        session,
        people.staff2,
        visited.id,
        visited.version,
        VisitInput(Satisfaction.SATISFIED, True),
        settings=settings,
        now=TUESDAY_10 + timedelta(days=2),
    )
    late = in_status(session, people, settings, Status.RESOLVED)
    assert remind_visits(session, settings=settings, now=TUESDAY_10 + timedelta(days=10, minutes=1)) == 0
    assert _told(session, visited) == [] and _told(session, late) == []
    assert remind_visits(session, settings=settings, now=THURSDAY_10) == 1
    assert _told(session, visited) == []


def test_the_consumer_job_sends_the_reminders(
    app: Flask, client: FlaskClient, session: Session, people: People
) -> None:
    """The every-minute job (run where it is enqueued in tests) reminds of a result whose days are nearly over."""
    desk = app.extensions["settings"].desk
    now = datetime.now(UTC)
    request = in_status(
        session, people, desk, Status.RESOLVED, now=now - timedelta(days=desk.return_visit_days) + MINUTE
    )
    app.extensions["jobs"].visit_reminders()
    assert _told(session, request) == sorted([people.staff2.id, people.director.id])


def test_a_deadline_on_a_saturday_is_reminded_at_the_close_of_thursday(
    session: Session, people: People, settings: DeskSettings
) -> None:
    """Resolved on Wednesday 11 March at 10:00, the days end on Saturday 21 March at 10:00: Friday is the last
    working day, so the reminder comes as Thursday's working hours close (17:00 Beijing), not a minute earlier."""
    wednesday_10 = TUESDAY_10 + timedelta(days=1)
    request = in_status(session, people, settings, Status.RESOLVED, now=wednesday_10)
    thursday_17 = datetime(2026, 3, 19, 9, 0, tzinfo=UTC)
    assert remind_visits(session, settings=settings, now=thursday_17 - MINUTE) == 0
    assert remind_visits(session, settings=settings, now=thursday_17) == 1
    assert _told(session, request) == sorted([people.staff2.id, people.director.id])
