"""Reminders (催办): the SLA sweep reminds at the configured share of each clock's working time limit and at the
breach, once each, first the officer, at the breach the station's head too; a head reminds with a message."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.errors import Conflict, Forbidden, ValidationError
from service.models import Event, EventKind, Notification, ReminderClock, ServiceRequest, Status
from service.operations.reminders import remind_request
from service.operations.requests import add_message, assign_request
from service.operations.sla import sweep
from service.operations.supervision import ExtensionAsk, ask_extension, decide_extension, sign_for
from service.rules import sla
from service.rules.extensions import ExtensionAction
from service.rules.reminders import Stage, first_reminder, warning_moment
from service.store.settings import DeskSettings, service_times
from tests.factories import People
from tests.request_helpers import TUESDAY_10, in_status, triaged

HOUR = timedelta(hours=1)


def _fresh(session: Session, request_id: int) -> ServiceRequest:
    session.expire_all()
    found = session.get(ServiceRequest, request_id)
    assert found is not None
    return found


def _reminders(session: Session, request: ServiceRequest) -> list[dict]:
    return [
        event.data
        for event in session.scalars(
            select(Event).where(Event.request_id == request.id, Event.kind == EventKind.REMINDED).order_by(Event.id)
        )
    ]


def _told(session: Session, request: ServiceRequest) -> list[int]:
    return sorted(
        session.scalars(
            select(Notification.user_id).where(
                Notification.request_id == request.id, Notification.kind == EventKind.REMINDED
            )
        )
    )


def test_the_first_reminder_comes_at_the_share_of_the_working_time_limit(
    session: Session, people: People, settings: DeskSettings
) -> None:
    request = triaged(session, people, settings)
    calendar = service_times(session, settings).calendar
    due = request.resolution_due_at
    assert due is not None and request.resolution_remind_at is not None
    worked = calendar.working_seconds_between(request.created_at, request.resolution_remind_at)
    assert worked == pytest.approx(0.75 * calendar.working_seconds_between(request.created_at, due), abs=1)
    # In working time, not on the wall clock: nights and weekends do not count.
    assert request.resolution_remind_at != request.created_at + (due - request.created_at) * 0.75
    assert calendar.is_working_day(calendar.local_date(request.resolution_remind_at))


def test_the_sweep_reminds_the_officer_then_at_the_breach_the_head_too_once_each(
    session: Session, people: People, settings: DeskSettings
) -> None:
    request = triaged(session, people, settings)
    warning, due = request.resolution_remind_at, request.resolution_due_at
    assert warning is not None and due is not None

    assert sweep(session, settings=settings, now=warning - HOUR).reminders == 0
    assert sweep(session, settings=settings, now=warning).reminders == 1
    request = _fresh(session, request.id)
    assert request.reminder_count == 1 and request.resolution_remind_at == due
    assert _reminders(session, request) == [{"clock": "resolution", "stage": "approaching"}]
    assert _told(session, request) == [people.staff.id]
    # Idempotent: a second run at the same moment (or a later one before the breach) sends nothing.
    assert sweep(session, settings=settings, now=warning).reminders == 0
    assert sweep(session, settings=settings, now=due - HOUR).reminders == 0

    assert sweep(session, settings=settings, now=due).reminders == 1
    request = _fresh(session, request.id)
    assert request.reminder_count == 2 and request.resolution_remind_at is None
    assert _reminders(session, request)[-1] == {"clock": "resolution", "stage": "overdue"}
    assert _told(session, request) == sorted([people.staff.id, people.staff.id, people.director.id])
    assert sweep(session, settings=settings, now=due + 10 * HOUR).reminders == 0
    assert _fresh(session, request.id).reminder_count == 2


def test_a_late_sweep_sends_the_breach_reminder_only(session: Session, people: People, settings: DeskSettings) -> None:
    request = triaged(session, people, settings)
    assert request.resolution_due_at is not None
    assert sweep(session, settings=settings, now=request.resolution_due_at + HOUR).reminders == 1
    assert [data["stage"] for data in _reminders(session, request)] == ["overdue"]


def test_a_request_not_signed_for_is_reminded_at_three_of_its_four_working_hours(
    session: Session, people: People, settings: DeskSettings
) -> None:
    request = in_status(session, people, settings, Status.TRIAGED)
    request = assign_request(
        session, people.staff, request.id, request.version, people.staff2.id, settings=settings, now=TUESDAY_10
    )
    # 10:00 Shanghai + 3 working hours, lunch 12:00-13:00 aside: 14:00; the sign-for is due at 15:00.
    assert request.sign_for_remind_at == TUESDAY_10 + 4 * HOUR
    sweep(session, settings=settings, now=TUESDAY_10 + 4 * HOUR)
    request = _fresh(session, request.id)
    [approaching] = [data for data in _reminders(session, request) if data["clock"] == ReminderClock.SIGN_FOR]
    assert approaching["stage"] == Stage.APPROACHING and _told(session, request) == [people.staff2.id]
    sweep(session, settings=settings, now=TUESDAY_10 + 5 * HOUR)
    request = _fresh(session, request.id)
    assert request.sign_for_remind_at is None
    assert _told(session, request) == sorted([people.staff2.id, people.staff2.id, people.director.id])


def test_signing_for_in_time_stops_the_sign_for_reminders(
    session: Session, people: People, settings: DeskSettings
) -> None:
    request = in_status(session, people, settings, Status.TRIAGED)
    request = assign_request(
        session, people.staff, request.id, request.version, people.staff2.id, settings=settings, now=TUESDAY_10
    )
    request = sign_for(session, people.staff2, request.id, request.version, now=TUESDAY_10 + HOUR)
    assert request.sign_for_remind_at is None
    sweep(session, settings=settings, now=TUESDAY_10 + 6 * HOUR)
    assert not [data for data in _reminders(session, request) if data["clock"] == ReminderClock.SIGN_FOR]


def test_a_result_stops_the_reminders_and_a_paused_clock_is_not_reminded(
    session: Session, people: People, settings: DeskSettings
) -> None:
    resolved = in_status(session, people, settings, Status.RESOLVED)
    assert resolved.resolution_remind_at is None and resolved.sign_for_remind_at is None
    waiting = in_status(session, people, settings, Status.WAITING_ENTERPRISE)
    remind_at = waiting.resolution_remind_at
    assert remind_at is not None
    sweep(session, settings=settings, now=remind_at + HOUR)
    assert _fresh(session, waiting.id).reminder_count == 0
    # The enterprise answers a working day later: the reminder moves on by the working time spent waiting.
    add_message(session, people.owner, waiting.id, "已补充检验报告", settings=settings, now=TUESDAY_10 + 24 * HOUR)
    answered = _fresh(session, waiting.id)
    assert answered.status == Status.TRIAGED and answered.resolution_remind_at == service_times(
        session, settings
    ).calendar.add_working_time(
        remind_at, service_times(session, settings).calendar.working_seconds_between(TUESDAY_10, TUESDAY_10 + 24 * HOUR)
    )


def test_an_approved_extension_reminds_again_at_the_share_of_the_new_time_limit(
    session: Session, people: People, settings: DeskSettings
) -> None:
    request = triaged(session, people, settings)
    ask_extension(
        session,
        people.staff,
        request.id,
        request.version,
        ExtensionAsk(date(2026, 6, 30), "等待检验报告"),
        settings=settings,
        now=TUESDAY_10,
    )
    request = _fresh(session, request.id)
    decide_extension(
        session,
        people.director,
        request.id,
        request.version,
        ExtensionAction.APPROVE,
        settings=settings,
        now=TUESDAY_10,
    )
    request = _fresh(session, request.id)
    calendar = service_times(session, settings).calendar
    assert request.resolution_due_at is not None
    assert request.resolution_remind_at == first_reminder(
        calendar, request.created_at, request.resolution_due_at, 0.75, TUESDAY_10
    )


def test_the_share_is_a_setting(session: Session, people: People, settings: DeskSettings) -> None:
    half = replace(settings, reminder_share=0.5)
    request = triaged(session, people, half)
    calendar = service_times(session, half).calendar
    assert request.resolution_due_at is not None
    assert request.resolution_remind_at == warning_moment(calendar, request.created_at, request.resolution_due_at, 0.5)


def test_a_head_reminds_with_a_message(session: Session, people: People, settings: DeskSettings) -> None:
    request = triaged(session, people, settings)
    seen = request.version
    with pytest.raises(Forbidden):
        remind_request(session, people.staff2, request.id, request.version, "请尽快办理")
    with pytest.raises(ValidationError) as refused:
        remind_request(session, people.director, request.id, request.version, "  ")
    assert "message" in refused.value.fields
    reminded = remind_request(session, people.director, request.id, request.version, "请本周内答复企业")
    assert reminded.reminder_count == 1 and reminded.last_reminded_at is not None
    assert _reminders(session, reminded) == [{"clock": "manual", "message": "请本周内答复企业"}]
    assert _told(session, reminded) == [people.staff.id]
    with pytest.raises(Conflict):
        remind_request(session, people.director, request.id, seen, "再次催办")
    # The provincial director's reminder reaches the station's head as well.
    remind_request(session, people.hub_director, reminded.id, reminded.version, "省局督促")
    assert _told(session, reminded) == sorted([people.staff.id, people.staff.id, people.director.id])
    resolved = in_status(session, people, settings, Status.RESOLVED)
    with pytest.raises(Forbidden):
        remind_request(session, people.director, resolved.id, resolved.version, "已办结的不再催办")


@pytest.mark.parametrize("predicate", [sla.SIGN_FOR_REMINDER_DUE, sla.RESOLUTION_REMINDER_DUE])
def test_the_reminder_predicates_read_the_same_in_sql_and_python(
    session: Session, people: People, settings: DeskSettings, predicate: sla.Predicate
) -> None:
    requests = [in_status(session, people, settings, status) for status in (Status.TRIAGED, Status.RESOLVED)]
    requests.append(in_status(session, people, settings, Status.WAITING_ENTERPRISE))
    dispatched = in_status(session, people, settings, Status.TRIAGED)
    requests.append(
        assign_request(
            session,
            people.staff,
            dispatched.id,
            dispatched.version,
            people.staff2.id,
            settings=settings,
            now=TUESDAY_10,
        )
    )
    ids = [r.id for r in requests]
    moments: list[datetime] = [TUESDAY_10 + n * 3 * HOUR for n in range(60)]
    for now in moments:
        found = set(session.scalars(select(ServiceRequest.id).where(ServiceRequest.id.in_(ids), predicate.clause(now))))
        assert found == {r.id for r in requests if predicate.holds(_fresh(session, r.id), now)}
