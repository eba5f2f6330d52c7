"""Due times in working time: weekends, holidays, make-up days, pauses while waiting, transfers, re-triage."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, update

from service.models import CalendarDay, Priority, SlaTarget, Status
from service.operations.requests import add_message, transfer_request, triage_request
from service.operations.sla import sla_state
from service.rules.lifecycle import Action
from service.store.settings import service_times
from tests import factories
from tests.factories import People
from tests.request_helpers import TUESDAY_10, act, submit, triaged

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI).astimezone(UTC)


@pytest.mark.parametrize(
    ("submitted", "urgent", "first_due"),
    [
        (local(2026, 3, 10, 10), False, local(2026, 3, 11, 11)),  # P3: 8 working hours, over the lunch break
        (local(2026, 3, 13, 16), True, local(2026, 3, 16, 12)),  # P2 on a Friday afternoon: over the weekend
        (local(2026, 3, 14, 10), True, local(2026, 3, 16, 14)),  # submitted on a Saturday: the clock starts Monday
        (local(2026, 9, 30, 16), True, local(2026, 10, 8, 12)),  # over the National Day holiday
        (local(2026, 10, 9, 16), True, local(2026, 10, 10, 12)),  # into a make-up working Saturday
        (local(2026, 2, 13, 16), True, local(2026, 2, 14, 12)),  # Spring Festival make-up Saturday
        (local(2026, 2, 14, 16), True, local(2026, 2, 24, 12)),  # ... then the nine-day holiday
    ],
    ids=[
        "weekday",
        "weekend",
        "saturday-submission",
        "national-day",
        "make-up-day",
        "spring-make-up",
        "spring-festival",
    ],
)
def test_first_response_due_counts_working_time(
    session, people: People, settings, submitted, urgent, first_due
) -> None:
    request = submit(session, people, settings, submitted, urgent=urgent)
    assert request.first_response_due_at == first_due
    assert request.priority is None  # the provisional priority only sets the clock; triage sets the priority


def test_resolution_due_of_a_p3_request(session, people: People, settings) -> None:
    request = submit(session, people, settings, local(2026, 3, 10, 10))
    # 80 working hours = 11 days of 7 hours + 3 hours: Wed 11 .. Wed 25 (two weekends), 10:00 + 3h -> 14:00.
    assert request.resolution_due_at == local(2026, 3, 25, 14)


def test_triage_recounts_from_submission_with_the_chosen_priority(session, people: People, settings) -> None:
    request = submit(session, people, settings, local(2026, 3, 10, 10))
    request = triage_request(
        session,
        people.staff,
        request.id,
        request.version,
        category=request.category,
        priority=Priority.P1,
        lifecycle_stage=request.lifecycle_stage,
        assignee_id=None,
        settings=settings,
        now=local(2026, 3, 10, 16),
    )
    assert request.first_response_due_at == local(2026, 3, 10, 12)  # 2h: exactly the morning's rest
    assert request.resolution_due_at == local(2026, 3, 12, 12)  # 16h: 6 + 7 + 3


def test_waiting_pauses_the_clock_and_resuming_shifts_the_due_times(session, people: People, settings) -> None:
    request = triaged(session, people, settings, local(2026, 3, 10, 10))
    due = request.resolution_due_at
    request = act(
        session, people.staff, request, Action.REQUEST_INFO, settings, local(2026, 3, 13, 16), message="请补充型检报告"
    )
    assert request.waiting_since == local(2026, 3, 13, 16)
    add_message(session, people.owner, request.id, "已补充", settings=settings, now=local(2026, 3, 16, 10))
    session.refresh(request)
    # Waited Friday 16-17 and Monday 9-10: two working hours, whatever the weekend between.
    calendar = service_times(session, settings).calendar
    assert request.resolution_due_at == calendar.add_working_time(due, 2 * 3600)
    assert request.waiting_since is None and request.status == Status.TRIAGED


def test_a_re_triage_keeps_the_time_already_spent_waiting(session, people: People, settings) -> None:
    request = triaged(session, people, settings, local(2026, 3, 10, 10))
    request = act(
        session, people.staff, request, Action.REQUEST_INFO, settings, local(2026, 3, 10, 11), message="请补充"
    )
    add_message(session, people.owner, request.id, "已补充", settings=settings, now=local(2026, 3, 12, 11))
    session.refresh(request)
    request = triage_request(
        session,
        people.staff,
        request.id,
        request.version,
        category=request.category,
        priority=Priority.P1,
        lifecycle_stage=request.lifecycle_stage,
        assignee_id=people.staff.id,
        settings=settings,
        now=local(2026, 3, 12, 12),
    )
    calendar = service_times(session, settings).calendar
    # P1's 16 hours plus the 14 working hours spent waiting (Tue 11:00 to Thu 11:00).
    assert request.resolution_due_at == calendar.add_working_time(local(2026, 3, 10, 10), (16 + 14) * 3600)


def test_transfer_keeps_the_enterprises_clock(session, people: People, settings) -> None:
    request = triaged(session, people, settings)
    due = (request.first_response_due_at, request.resolution_due_at)
    moved = transfer_request(
        session,
        people.staff,
        request.id,
        request.version,
        factories.station(session, "JL-TH").id,
        "企业注册地变更",
        settings=settings,
        now=TUESDAY_10 + timedelta(days=2),
    )
    assert (moved.first_response_due_at, moved.resolution_due_at) == due
    assert moved.assignee_id is None


def test_sla_state_shows_time_left_overdue_and_paused(session, people: People, settings) -> None:
    calendar = service_times(session, settings).calendar
    request = submit(session, people, settings, local(2026, 3, 10, 10))
    state = sla_state(request, calendar, local(2026, 3, 10, 15))
    assert (state.target, state.overdue, state.paused) == ("first_response", False, False)
    assert state.remaining_seconds == 4 * 3600  # due Wed 11:00: 15-17 today, 9-11 tomorrow
    late = sla_state(request, calendar, local(2026, 3, 11, 13, 30))
    assert late.overdue and late.remaining_seconds == -1.5 * 3600
    add_message(session, people.staff, request.id, "已收到", settings=settings, now=local(2026, 3, 10, 15))
    session.refresh(request)
    assert sla_state(request, calendar, local(2026, 3, 10, 15)).target == "resolution"
    request = triage_request(
        session,
        people.staff,
        request.id,
        request.version,
        category=request.category,
        priority=Priority.P3,
        lifecycle_stage=request.lifecycle_stage,
        assignee_id=None,
        settings=settings,
        now=local(2026, 3, 10, 15),
    )
    request = act(
        session, people.staff, request, Action.REQUEST_INFO, settings, local(2026, 3, 10, 16), message="请补充"
    )
    frozen = sla_state(request, calendar, local(2026, 4, 30, 10))
    assert frozen.paused and not frozen.overdue
    assert frozen.remaining_seconds == sla_state(request, calendar, local(2026, 3, 10, 16)).remaining_seconds
    resolved = act(
        session,
        people.staff,
        _answered(session, people, request, settings),
        Action.RESOLVE,
        settings,
        local(2026, 3, 12, 10),
        summary="已答复",
    )
    assert sla_state(resolved, calendar, local(2026, 6, 1, 10)).remaining_seconds is None


def _answered(session, people: People, request, settings):  # type: ignore[no-untyped-def]
    add_message(session, people.owner, request.id, "已补充", settings=settings, now=local(2026, 3, 12, 9))
    session.refresh(request)
    return request


def _set_p3_first_response_hours(session, hours: int) -> None:
    """As SQL typed by hand would: past the admin pages and anything they do besides writing the row."""
    session.execute(update(SlaTarget).where(SlaTarget.priority == Priority.P3).values(first_response_hours=hours))


def test_due_times_follow_a_target_changed_outside_the_desk_at_once(session, people: People, settings) -> None:
    before = submit(session, people, settings, local(2026, 3, 10, 10))
    _set_p3_first_response_hours(session, 2)
    after = submit(session, people, settings, local(2026, 3, 10, 10))
    assert before.first_response_due_at == local(2026, 3, 11, 11)
    assert after.first_response_due_at == local(2026, 3, 10, 12)


def test_due_times_follow_a_holiday_added_outside_the_desk_at_once(session, people: People, settings) -> None:
    before = submit(session, people, settings, local(2026, 3, 10, 10))
    session.execute(insert(CalendarDay).values(day=date(2026, 3, 11), is_working_day=False, name="临时休息日"))
    after = submit(session, people, settings, local(2026, 3, 10, 10))
    assert before.first_response_due_at == local(2026, 3, 11, 11)
    assert after.first_response_due_at == local(2026, 3, 12, 11)


def test_a_target_change_that_was_rolled_back_is_never_used_again(session, settings) -> None:
    """Service times read inside a transaction that then rolled back must not pass for a later change's."""
    rolled_back = session.begin_nested()
    _set_p3_first_response_hours(session, 2)
    assert service_times(session, settings).target_seconds(Priority.P3)[0] == 2 * 3600
    rolled_back.rollback()
    _set_p3_first_response_hours(session, 4)
    assert service_times(session, settings).target_seconds(Priority.P3)[0] == 4 * 3600
