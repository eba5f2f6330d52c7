"""Director hotline sessions: who may take each step, the state table, the timeline and who is told."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.errors import Conflict, Forbidden, InvalidTransition, NotFound, ValidationError
from service.models import Event, EventKind, HotlineStatus, Notification, Role, ServiceRequest, Status, User
from service.operations import hotline as ops
from service.rules.hotline import allowed_hotline_actions
from service.rules.sla_calendar import WorkingCalendar
from service.store.settings import DeskSettings
from tests import factories
from tests.request_helpers import TUESDAY_10, People, people, settings, triaged  # noqa: F401 - fixtures

TEMPLATE = "https://meet.example.gov.cn/hotline/{reference}-{token}"
THURSDAY_15 = TUESDAY_10 + timedelta(days=2, hours=5)


@pytest.fixture()
def case(session: Session, people: People, settings: DeskSettings) -> ServiceRequest:
    return triaged(session, people, settings)


def _events(session: Session, request: ServiceRequest, kind: EventKind) -> list[Event]:
    return list(session.scalars(select(Event).where(Event.request_id == request.id, Event.kind == kind)))


def _told(session: Session, request: ServiceRequest, kind: EventKind) -> set[int]:
    return set(
        session.scalars(
            select(Notification.user_id).where(Notification.request_id == request.id, Notification.kind == kind)
        )
    )


def _scheduled(session: Session, people: People, case: ServiceRequest):  # type: ignore[no-untyped-def]
    asked = ops.ask_hotline(session, people.owner, case.id, "请局长指导临床评价路径", "下周工作日下午", now=TUESDAY_10)
    return ops.schedule_hotline(
        session,
        people.director,
        asked.id,
        asked.version,
        ops.Schedule(THURSDAY_15, 45, people.director.id),
        TEMPLATE,
        now=TUESDAY_10,
    )


def test_the_enterprise_asks_and_the_director_and_assignee_are_told(
    session: Session, people: People, case: ServiceRequest
) -> None:
    hotline = ops.ask_hotline(session, people.owner, case.id, "请局长指导临床评价路径", "下周二下午", now=TUESDAY_10)

    assert hotline.status == HotlineStatus.REQUESTED and hotline.requested_by_id == people.owner.id
    [event] = _events(session, case, EventKind.HOTLINE_REQUESTED)
    assert event.public and event.data["reason"] == "请局长指导临床评价路径"
    assert _told(session, case, EventKind.HOTLINE_REQUESTED) == {people.director.id, people.staff.id}


def test_staff_propose_a_session_and_the_enterprise_is_told(
    session: Session, people: People, case: ServiceRequest
) -> None:
    ops.ask_hotline(session, people.staff, case.id, "建议与局长视频沟通", now=TUESDAY_10)
    told = _told(session, case, EventKind.HOTLINE_REQUESTED)
    assert {people.owner.id, people.colleague.id, people.director.id} <= told and people.staff.id not in told


def test_asking_is_scoped_and_once_at_a_time(session: Session, people: People, case: ServiceRequest) -> None:
    with pytest.raises(NotFound):
        ops.ask_hotline(session, people.other_enterprise, case.id, "看看", now=TUESDAY_10)
    with pytest.raises(NotFound):
        ops.ask_hotline(session, people.other_staff, case.id, "看看", now=TUESDAY_10)
    with pytest.raises(ValidationError):
        ops.ask_hotline(session, people.owner, case.id, "   ", now=TUESDAY_10)
    ops.ask_hotline(session, people.owner, case.id, "第一次", now=TUESDAY_10)
    with pytest.raises(ValidationError):
        ops.ask_hotline(session, people.colleague, case.id, "第二次", now=TUESDAY_10)


def test_no_session_on_a_finished_request(session: Session, people: People, case: ServiceRequest) -> None:
    case.status = Status.CLOSED
    session.commit()
    with pytest.raises(ValidationError):
        ops.ask_hotline(session, people.owner, case.id, "还有问题", now=TUESDAY_10)


def test_the_director_schedules_with_a_meeting_link(session: Session, people: People, case: ServiceRequest) -> None:
    hotline = _scheduled(session, people, case)

    assert hotline.status == HotlineStatus.SCHEDULED and hotline.scheduled_at == THURSDAY_15
    assert hotline.duration_minutes == 45 and hotline.director_id == people.director.id
    prefix = f"https://meet.example.gov.cn/hotline/{case.reference}-"
    assert hotline.meeting_link.startswith(prefix) and len(hotline.meeting_link) > len(prefix) + 10
    [event] = _events(session, case, EventKind.HOTLINE_SCHEDULED)
    assert event.public and event.data["meeting_link"] == hotline.meeting_link
    assert {people.owner.id, people.colleague.id, people.staff.id} <= _told(session, case, EventKind.HOTLINE_SCHEDULED)


def test_each_meeting_gets_its_own_token(session: Session, people: People, case: ServiceRequest) -> None:
    assert ops.meeting_link(TEMPLATE, "JL-1") != ops.meeting_link(TEMPLATE, "JL-1")
    assert ops.meeting_link("https://m.example/{reference}?x={unknown}", "JL-1") == "https://m.example/JL-1?x={unknown}"


def test_rescheduling_keeps_the_link(session: Session, people: People, case: ServiceRequest) -> None:
    hotline = _scheduled(session, people, case)
    link = hotline.meeting_link
    moved = ops.schedule_hotline(
        session,
        people.hub_director,
        hotline.id,
        hotline.version,
        ops.Schedule(THURSDAY_15 + timedelta(days=1), 60, people.hub_director.id),
        TEMPLATE,
        now=TUESDAY_10,
    )
    assert moved.meeting_link == link and moved.director_id == people.hub_director.id


def test_only_a_director_in_scope_schedules(session: Session, people: People, case: ServiceRequest) -> None:
    asked = ops.ask_hotline(session, people.owner, case.id, "请指导", now=TUESDAY_10)
    plan = ops.Schedule(THURSDAY_15, 60, people.director.id)
    with pytest.raises(Forbidden):
        ops.schedule_hotline(session, people.staff, asked.id, asked.version, plan, TEMPLATE, now=TUESDAY_10)
    with pytest.raises(Forbidden):
        ops.schedule_hotline(session, people.owner, asked.id, asked.version, plan, TEMPLATE, now=TUESDAY_10)
    tonghua_director = _director_of(session, "JL-TH")
    with pytest.raises(NotFound):
        ops.schedule_hotline(session, tonghua_director, asked.id, asked.version, plan, TEMPLATE, now=TUESDAY_10)


def _director_of(session: Session, code: str) -> User:
    return factories.user(session, Role.DIRECTOR, code)


def test_scheduling_checks_time_length_and_director(session: Session, people: People, case: ServiceRequest) -> None:
    asked = ops.ask_hotline(session, people.owner, case.id, "请指导", now=TUESDAY_10)
    with pytest.raises(ValidationError) as error:
        ops.schedule_hotline(
            session,
            people.director,
            asked.id,
            asked.version,
            ops.Schedule(TUESDAY_10 - timedelta(hours=1), 5, people.staff.id),
            TEMPLATE,
            now=TUESDAY_10,
        )
    assert set(error.value.fields) == {"scheduled_at", "duration_minutes", "director_id"}
    tonghua_director = _director_of(session, "JL-TH")
    with pytest.raises(ValidationError) as error:
        ops.schedule_hotline(
            session,
            people.director,
            asked.id,
            asked.version,
            ops.Schedule(THURSDAY_15, 60, tonghua_director.id),
            TEMPLATE,
            now=TUESDAY_10,
        )
    assert set(error.value.fields) == {"director_id"}


def test_a_stale_version_is_a_conflict(session: Session, people: People, case: ServiceRequest) -> None:
    asked = ops.ask_hotline(session, people.owner, case.id, "请指导", now=TUESDAY_10)
    seen = asked.version
    ops.schedule_hotline(
        session,
        people.director,
        asked.id,
        seen,
        ops.Schedule(THURSDAY_15, 60, people.director.id),
        TEMPLATE,
        now=TUESDAY_10,
    )
    with pytest.raises(Conflict):
        ops.cancel_hotline(session, people.director, asked.id, seen, "撞车了", now=TUESDAY_10)


def test_recording_keeps_the_minutes_internal(session: Session, people: People, case: ServiceRequest) -> None:
    hotline = _scheduled(session, people, case)
    record = ops.Record(
        minutes="内部纪要：企业临床数据不足",
        public_summary="建议补充同品种比对资料",
        decisions="由分站牵头组织专家论证",
        follow_ups=[
            ops.FollowUp("组织专家论证会", people.staff.id, date(2026, 3, 20)),
            ops.FollowUp("复核比对资料", people.hub_staff.id, date(2026, 3, 31)),
        ],
    )
    held = ops.record_hotline(session, people.director, hotline.id, hotline.version, record, now=THURSDAY_15)

    assert held.status == HotlineStatus.HELD and held.held_at == THURSDAY_15
    assert held.minutes_internal.startswith("内部纪要") and held.decisions == "由分站牵头组织专家论证"
    assert [(a.description, a.owner_id) for a in held.follow_ups] == [
        ("组织专家论证会", people.staff.id),
        ("复核比对资料", people.hub_staff.id),
    ]
    [event] = _events(session, case, EventKind.HOTLINE_HELD)
    assert event.public and event.data["summary"] == "建议补充同品种比对资料"
    assert "内部纪要" not in str(event.data) and "专家论证" not in str(event.data)
    assert people.hub_staff.id in _told(session, case, EventKind.HOTLINE_HELD)


def test_recording_needs_minutes_summary_and_desk_owners(
    session: Session, people: People, case: ServiceRequest
) -> None:
    hotline = _scheduled(session, people, case)
    with pytest.raises(ValidationError) as error:
        ops.record_hotline(session, people.director, hotline.id, hotline.version, ops.Record("", ""), now=THURSDAY_15)
    assert set(error.value.fields) == {"minutes", "public_summary"}
    for owner, due in (
        (people.owner.id, date(2026, 3, 20)),
        (people.other_staff.id, date(2026, 3, 20)),
        (people.staff.id, date(2026, 3, 1)),
    ):
        with pytest.raises(ValidationError):
            ops.record_hotline(
                session,
                people.director,
                hotline.id,
                hotline.version,
                ops.Record("纪要", "摘要", follow_ups=[ops.FollowUp("跟进", owner, due)]),
                now=THURSDAY_15,
            )
    assert session.get(type(hotline), hotline.id).status == HotlineStatus.SCHEDULED


def test_a_session_cannot_be_recorded_as_held_before_its_start(
    session: Session, people: People, case: ServiceRequest
) -> None:
    hotline = _scheduled(session, people, case)
    with pytest.raises(ValidationError) as error:
        ops.record_hotline(
            session,
            people.director,
            hotline.id,
            hotline.version,
            ops.Record("纪要", "摘要"),
            now=THURSDAY_15 - timedelta(minutes=1),
        )
    assert "not started yet" in error.value.message
    session.expire_all()
    unchanged = session.get(type(hotline), hotline.id)
    assert unchanged.status == HotlineStatus.SCHEDULED and unchanged.minutes_internal is None
    assert unchanged.held_at is None and _events(session, case, EventKind.HOTLINE_HELD) == []


def test_the_recorder_named_when_scheduling_records_the_minutes(
    session: Session, people: People, case: ServiceRequest
) -> None:
    asked = ops.ask_hotline(session, people.owner, case.id, "请指导", now=TUESDAY_10)
    for outsider in (people.other_staff, people.owner):
        with pytest.raises(ValidationError) as error:
            ops.schedule_hotline(
                session,
                people.director,
                asked.id,
                asked.version,
                ops.Schedule(THURSDAY_15, 60, people.director.id, outsider.id),
                TEMPLATE,
                now=TUESDAY_10,
            )
        assert set(error.value.fields) == {"recorder_id"}
    hotline = ops.schedule_hotline(
        session,
        people.director,
        asked.id,
        asked.version,
        ops.Schedule(THURSDAY_15, 60, people.director.id, people.staff2.id),
        TEMPLATE,
        now=TUESDAY_10,
    )
    assert hotline.recorder_id == people.staff2.id
    assert people.staff2.id in _told(session, case, EventKind.HOTLINE_SCHEDULED)
    assert ops.HotlineAction.HOLD not in allowed_hotline_actions(people.staff, hotline)
    with pytest.raises(Forbidden):
        ops.record_hotline(
            session, people.staff, hotline.id, hotline.version, ops.Record("纪要", "摘要"), now=THURSDAY_15
        )
    assert allowed_hotline_actions(people.staff2, hotline) == [ops.HotlineAction.HOLD]
    held = ops.record_hotline(
        session, people.staff2, hotline.id, hotline.version, ops.Record("纪要", "摘要"), now=THURSDAY_15
    )
    assert held.status == HotlineStatus.HELD


def test_the_state_table_is_enforced(session: Session, people: People, case: ServiceRequest) -> None:
    asked = ops.ask_hotline(session, people.owner, case.id, "请指导", now=TUESDAY_10)
    with pytest.raises(InvalidTransition):
        ops.record_hotline(
            session, people.director, asked.id, asked.version, ops.Record("纪要", "摘要"), now=TUESDAY_10
        )
    cancelled = ops.cancel_hotline(session, people.director, asked.id, asked.version, "企业已自行解决", now=TUESDAY_10)
    assert cancelled.status == HotlineStatus.CANCELLED and cancelled.cancel_reason == "企业已自行解决"
    for step in (
        lambda: ops.cancel_hotline(session, people.director, asked.id, cancelled.version, "再取消", now=TUESDAY_10),
        lambda: ops.schedule_hotline(
            session,
            people.director,
            asked.id,
            cancelled.version,
            ops.Schedule(THURSDAY_15, 60, people.director.id),
            TEMPLATE,
            now=TUESDAY_10,
        ),
    ):
        with pytest.raises(InvalidTransition):
            step()
    [event] = _events(session, case, EventKind.HOTLINE_CANCELLED)
    assert event.public and event.data["reason"] == "企业已自行解决"
    assert people.owner.id in _told(session, case, EventKind.HOTLINE_CANCELLED)


def test_the_asker_may_withdraw_an_unscheduled_ask_only(session: Session, people: People, case: ServiceRequest) -> None:
    asked = ops.ask_hotline(session, people.owner, case.id, "请指导", now=TUESDAY_10)
    assert allowed_hotline_actions(people.owner, asked) == [ops.HotlineAction.CANCEL]
    assert allowed_hotline_actions(people.staff, asked) == []
    with pytest.raises(Forbidden):
        ops.cancel_hotline(session, people.colleague, asked.id, asked.version, "不需要了", now=TUESDAY_10)
    hotline = ops.schedule_hotline(
        session,
        people.director,
        asked.id,
        asked.version,
        ops.Schedule(THURSDAY_15, 60, people.director.id),
        TEMPLATE,
        now=TUESDAY_10,
    )
    with pytest.raises(Forbidden):
        ops.cancel_hotline(session, people.owner, hotline.id, hotline.version, "不需要了", now=TUESDAY_10)
    assert allowed_hotline_actions(people.director, hotline) == [
        ops.HotlineAction.SCHEDULE,
        ops.HotlineAction.HOLD,
        ops.HotlineAction.CANCEL,
    ]


def test_follow_up_actions_are_done_by_their_owner_or_a_director(
    session: Session, people: People, case: ServiceRequest
) -> None:
    hotline = _scheduled(session, people, case)
    held = ops.record_hotline(
        session,
        people.director,
        hotline.id,
        hotline.version,
        ops.Record(
            "纪要",
            "摘要",
            follow_ups=[
                ops.FollowUp("组织论证", people.staff.id, date(2026, 3, 20)),
                ops.FollowUp("复核资料", people.staff.id, date(2026, 3, 20)),
            ],
        ),
        now=THURSDAY_15,
    )
    first, second = held.follow_ups
    with pytest.raises(Forbidden):
        ops.complete_follow_up(session, people.staff2, first.id, now=THURSDAY_15)
    with pytest.raises(NotFound):
        ops.complete_follow_up(session, people.other_staff, first.id, now=THURSDAY_15)
    with pytest.raises(Forbidden):
        ops.complete_follow_up(session, people.owner, first.id, now=THURSDAY_15)
    assert ops.complete_follow_up(session, people.staff, first.id, now=THURSDAY_15).done_at == THURSDAY_15
    assert ops.complete_follow_up(session, people.director, second.id, now=THURSDAY_15).done_at == THURSDAY_15
    events = _events(session, case, EventKind.FOLLOW_UP_DONE)
    assert len(events) == 2 and not any(e.public for e in events)
    ops.complete_follow_up(session, people.staff, first.id, now=THURSDAY_15 + timedelta(days=1))
    assert len(_events(session, case, EventKind.FOLLOW_UP_DONE)) == 2


def test_an_aware_time_is_required(session: Session, people: People, case: ServiceRequest) -> None:
    asked = ops.ask_hotline(session, people.owner, case.id, "请指导", now=TUESDAY_10)
    with pytest.raises(ValidationError):
        ops.schedule_hotline(
            session,
            people.director,
            asked.id,
            asked.version,
            ops.Schedule(datetime(2026, 3, 12, 15), 60, people.director.id),
            TEMPLATE,
            now=datetime(2026, 3, 10, tzinfo=UTC),
        )


def test_the_warning_names_the_day_off_before_the_hours() -> None:
    friday = date(2026, 3, 13)
    calendar = WorkingCalendar.from_setting("09:00-12:00,13:00-17:00", {friday: False})  # a holiday
    beijing = timezone(timedelta(hours=8))

    def warned(day: int, hour: int, minutes: int = 60) -> tuple[ops.TimeWarning, dict[str, str]] | None:
        warning = ops.schedule_warning(calendar, datetime(2026, 3, day, hour, 0, tzinfo=beijing), minutes)
        return (warning.kind, warning.params) if warning else None

    assert warned(12, 10) is None and warned(12, 13, 240) is None  # Thursday, within the hours
    assert warned(12, 16, 90) == (ops.TimeWarning.OUTSIDE_WORKING_HOURS, {"hours": "09:00–12:00, 13:00–17:00"})
    assert warned(13, 10) == (ops.TimeWarning.HOLIDAY, {"date": "2026-03-13"})
    assert warned(14, 10) == (ops.TimeWarning.WEEKEND, {"date": "2026-03-14"})
    assert warned(12, 22, 240) == (ops.TimeWarning.HOLIDAY, {"date": "2026-03-13"})  # runs past midnight
    assert warned(11, 23, 60) == (ops.TimeWarning.OUTSIDE_WORKING_HOURS, {"hours": "09:00–12:00, 13:00–17:00"})


def test_a_time_outside_working_hours_is_kept_only_when_ticked(
    session: Session, people: People, case: ServiceRequest
) -> None:
    friday = date(2026, 3, 13)
    calendar = WorkingCalendar.from_setting("09:00-12:00,13:00-17:00", {friday: False})  # a holiday
    asked = ops.ask_hotline(session, people.owner, case.id, "请局长指导临床评价路径", "", now=TUESDAY_10)
    beijing = timezone(timedelta(hours=8))
    for start in (
        datetime(2026, 3, 12, 18, 0, tzinfo=beijing),
        datetime(2026, 3, 12, 16, 30, tzinfo=beijing),
        datetime(2026, 3, 13, 10, 0, tzinfo=beijing),
        datetime(2026, 3, 14, 10, 0, tzinfo=beijing),
    ):
        with pytest.raises(ValidationError) as error:
            ops.schedule_hotline(
                session,
                people.director,
                asked.id,
                asked.version,
                ops.Schedule(start, 60, people.director.id),
                TEMPLATE,
                now=TUESDAY_10,
                calendar=calendar,
            )
        assert set(error.value.fields) == {"outside_hours_ok"}
    saturday = ops.schedule_hotline(
        session,
        people.director,
        asked.id,
        asked.version,
        ops.Schedule(datetime(2026, 3, 14, 10, 0, tzinfo=beijing), 60, people.director.id, outside_hours_ok=True),
        TEMPLATE,
        now=TUESDAY_10,
        calendar=calendar,
    )
    assert saturday.status == HotlineStatus.SCHEDULED
    moved = ops.schedule_hotline(
        session,
        people.director,
        asked.id,
        saturday.version,
        ops.Schedule(THURSDAY_15, 60, people.director.id),
        TEMPLATE,
        now=TUESDAY_10,
        calendar=calendar,
    )
    assert moved.scheduled_at == THURSDAY_15
