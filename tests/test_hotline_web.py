"""The hotline pages: ask, schedule, record, cancel, follow-ups and the .ics invitation, as each role sees them."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from flask.testing import FlaskClient
from icalendar import Calendar
from sqlalchemy.orm import Session

from service.models import HotlineSession, HotlineStatus, ServiceRequest
from service.models.base import utcnow
from service.operations import hotline as ops
from service.store.settings import DeskSettings
from tests.conftest import login, post_form
from tests.request_helpers import People, people, settings, triaged  # noqa: F401 - fixtures

EN = {"Accept-Language": "en"}

TEMPLATE = "https://meet.example.gov.cn/hotline/{reference}-{token}"


@pytest.fixture()
def case(session: Session, people: People, settings: DeskSettings) -> ServiceRequest:
    return triaged(session, people, settings, now=utcnow() - timedelta(hours=1))


def _soon() -> datetime:
    """A whole minute in the future, as the form shows it (Beijing time)."""
    return (utcnow() + timedelta(days=2)).replace(second=0, microsecond=0)


def _asked(session: Session, people: People, case: ServiceRequest) -> HotlineSession:
    return ops.ask_hotline(session, people.owner, case.id, "请局长指导临床评价路径", "周四下午")


def _scheduled(
    session: Session,
    people: People,
    case: ServiceRequest,
    recorder_id: int | None = None,
    start: datetime | None = None,
) -> HotlineSession:
    """Scheduled (by the director, a while before ``start``), for two days from now unless ``start`` is given."""
    asked = _asked(session, people, case)
    start = start or _soon()
    return ops.schedule_hotline(
        session,
        people.director,
        asked.id,
        asked.version,
        ops.Schedule(start, 45, people.director.id, recorder_id),
        TEMPLATE,
        now=min(utcnow(), start - timedelta(minutes=30)),
    )


def _started(session: Session, people: People, case: ServiceRequest, recorder_id: int | None = None) -> HotlineSession:
    """A session whose scheduled start has just passed, so it can be recorded as held."""
    return _scheduled(session, people, case, recorder_id, start=utcnow() - timedelta(minutes=5))


def test_the_enterprise_asks_through_the_form(
    client: FlaskClient, session: Session, people: People, case: ServiceRequest
) -> None:
    login(client, people.owner)
    page = client.get(f"/hotline/request/{case.id}/ask")
    assert page.status_code == 200 and 'name="reason"' in page.get_data(as_text=True)
    response = post_form(client, f"/hotline/request/{case.id}/ask", {"reason": "请局长指导", "preferred_times": "周四"})
    assert response.status_code == 302
    hotline = session.query(HotlineSession).filter_by(request_id=case.id).one()
    assert hotline.status == HotlineStatus.REQUESTED and hotline.preferred_times == "周四"
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "请局长指导" in shown and "hotline-requested" in shown


def test_asking_again_shows_why_it_is_refused(
    client: FlaskClient, session: Session, people: People, case: ServiceRequest
) -> None:
    _asked(session, people, case)
    login(client, people.colleague)
    response = post_form(client, f"/hotline/request/{case.id}/ask", {"reason": "再来一次"}, headers=EN)
    # Back to the request's page: the panel offers no second ask, so it says why and shows what was typed.
    assert response.status_code == 302 and response.location == f"/portal/requests/{case.id}"
    page = client.get(response.location, headers=EN).get_data(as_text=True)
    panel = page[page.index('class="panel hotline-panel"') :]
    assert "This request already has a hotline session asked for or scheduled." in panel
    assert "再来一次" in panel and 'action="/hotline/request/' not in page


def test_another_company_gets_404_everywhere(
    client: FlaskClient, session: Session, people: People, case: ServiceRequest
) -> None:
    hotline = _scheduled(session, people, case)
    login(client, people.other_enterprise)
    assert client.get(f"/hotline/request/{case.id}/ask").status_code == 404
    assert post_form(client, f"/hotline/request/{case.id}/ask", {"reason": "x"}).status_code == 404
    assert client.get(f"/hotline/{hotline.id}").status_code == 404
    assert client.get(f"/hotline/{hotline.id}/invitation.ics").status_code == 404
    assert client.get(f"/hotline/{hotline.id}/cancel").status_code == 404


def test_staff_cannot_schedule_or_record(
    client: FlaskClient, session: Session, people: People, case: ServiceRequest
) -> None:
    asked = _asked(session, people, case)
    login(client, people.staff)
    assert client.get(f"/hotline/{asked.id}/schedule").status_code == 403
    response = post_form(
        client,
        f"/hotline/{asked.id}/schedule",
        {
            "version": asked.version,
            "scheduled_at": "2030-01-01T10:00",
            "duration_minutes": 60,
            "director_id": people.director.id,
        },
    )
    assert response.status_code == 403
    assert session.get(HotlineSession, asked.id).status == HotlineStatus.REQUESTED
    # Staff not named as its recorder do not record a session.
    started = ops.schedule_hotline(
        session,
        people.director,
        asked.id,
        asked.version,
        ops.Schedule(utcnow() - timedelta(minutes=5), 45, people.director.id),
        TEMPLATE,
        now=utcnow() - timedelta(minutes=30),
    )
    assert client.get(f"/hotline/{started.id}/record").status_code == 403


def test_a_director_of_another_station_gets_404(
    client: FlaskClient, session: Session, people: People, case: ServiceRequest
) -> None:
    from service.models import Role
    from tests import factories

    asked = _asked(session, people, case)
    login(client, factories.user(session, Role.DIRECTOR, "JL-TH"))
    assert client.get(f"/hotline/{asked.id}/schedule").status_code == 404


def test_the_director_schedules_in_beijing_time(
    client: FlaskClient, session: Session, people: People, case: ServiceRequest
) -> None:
    asked = _asked(session, people, case)
    login(client, people.director)
    form = client.get(f"/hotline/{asked.id}/schedule").get_data(as_text=True)
    assert 'type="datetime-local"' in form
    response = post_form(
        client,
        f"/hotline/{asked.id}/schedule",
        {
            "version": asked.version,
            "scheduled_at": "2030-05-06T14:30",
            "duration_minutes": 90,
            "director_id": people.director.id,
        },
    )
    assert response.status_code == 302
    hotline = session.get(HotlineSession, asked.id)
    session.refresh(hotline)
    assert hotline.scheduled_at == datetime(2030, 5, 6, 6, 30, tzinfo=UTC)
    assert hotline.duration_minutes == 90 and hotline.meeting_link.startswith("https://meet.example.gov.cn/hotline/")

    login(client, people.owner)
    seen = client.get(f"/hotline/{hotline.id}").get_data(as_text=True)
    assert "2030-05-06" in seen and "14:30" in seen and hotline.meeting_link in seen


def test_a_bad_schedule_keeps_what_was_typed(
    client: FlaskClient, session: Session, people: People, case: ServiceRequest
) -> None:
    asked = _asked(session, people, case)
    login(client, people.director)
    response = post_form(
        client,
        f"/hotline/{asked.id}/schedule",
        {
            "version": asked.version,
            "scheduled_at": "2020-01-01T10:00",
            "duration_minutes": 60,
            "director_id": people.director.id,
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and 'value="2020-01-01T10:00"' in page and 'aria-invalid="true"' in page
    stale = post_form(
        client,
        f"/hotline/{asked.id}/schedule",
        {
            "version": asked.version + 7,
            "scheduled_at": "2030-01-01T10:00",
            "duration_minutes": 60,
            "director_id": people.director.id,
        },
    )
    assert stale.status_code == 409
    assert f'name="version" type="hidden" value="{asked.version}"' in stale.get_data(as_text=True)
    assert client.get(f"/hotline/{asked.id}/record").status_code == 409  # not scheduled yet


def test_record_with_a_follow_up_and_mark_it_done(
    client: FlaskClient, session: Session, people: People, case: ServiceRequest
) -> None:
    hotline = _started(session, people, case)
    login(client, people.director)
    assert client.get(f"/hotline/{hotline.id}/record").status_code == 200
    due = (date.today() + timedelta(days=7)).isoformat()
    response = post_form(
        client,
        f"/hotline/{hotline.id}/record",
        {
            "version": hotline.version,
            "minutes": "内部纪要：数据缺口较大",
            "public_summary": "请补充同品种比对",
            "decisions": "分站牵头",
            "follow_ups-0-description": "组织专家论证",
            "follow_ups-0-owner_id": people.staff.id,
            "follow_ups-0-due_date": due,
            "follow_ups-1-description": "",
            "follow_ups-1-owner_id": "",
            "follow_ups-1-due_date": "",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    held = session.get(HotlineSession, hotline.id)
    session.refresh(held)
    assert held.status == HotlineStatus.HELD and len(held.follow_ups) == 1

    login(client, people.owner)
    enterprise_view = client.get(f"/hotline/{hotline.id}").get_data(as_text=True)
    assert "请补充同品种比对" in enterprise_view
    assert (
        "内部纪要" not in enterprise_view
        and "组织专家论证" not in enterprise_view
        and "分站牵头" not in enterprise_view
    )

    login(client, people.staff)
    desk_view = client.get(f"/hotline/{hotline.id}").get_data(as_text=True)
    assert "内部纪要" in desk_view and "组织专家论证" in desk_view
    action = held.follow_ups[0]
    assert post_form(client, f"/hotline/follow-ups/{action.id}/done", {}).status_code == 302
    session.refresh(action)
    assert action.done_at is not None


def test_a_half_filled_follow_up_row_is_refused(
    client: FlaskClient, session: Session, people: People, case: ServiceRequest
) -> None:
    hotline = _started(session, people, case)
    login(client, people.director)
    response = post_form(
        client,
        f"/hotline/{hotline.id}/record",
        {
            "version": hotline.version,
            "minutes": "纪要",
            "public_summary": "摘要",
            "follow_ups-0-description": "没有负责人",
            "follow_ups-0-owner_id": "",
            "follow_ups-0-due_date": "",
        },
    )
    assert response.status_code == 400
    assert session.get(HotlineSession, hotline.id).status == HotlineStatus.SCHEDULED


def test_recording_before_the_start_is_refused_with_the_reason(
    client: FlaskClient, session: Session, people: People, case: ServiceRequest
) -> None:
    hotline = _scheduled(session, people, case)
    login(client, people.director)
    response = post_form(
        client,
        f"/hotline/{hotline.id}/record",
        {"version": hotline.version, "minutes": "纪要", "public_summary": "摘要"},
    )
    assert response.status_code == 400
    assert "尚未开始" in response.get_data(as_text=True)  # "has not started yet"
    session.refresh(hotline)
    assert hotline.status == HotlineStatus.SCHEDULED and hotline.minutes_internal is None


def test_the_director_names_a_recorder_who_records_the_minutes(
    client: FlaskClient, session: Session, people: People, case: ServiceRequest
) -> None:
    asked = _asked(session, people, case)
    login(client, people.director)
    form = client.get(f"/hotline/{asked.id}/schedule").get_data(as_text=True)
    assert 'name="recorder_id"' in form and people.staff2.name in form
    assert (
        post_form(
            client,
            f"/hotline/{asked.id}/schedule",
            {
                "version": asked.version,
                "scheduled_at": "2030-05-06T14:30",
                "duration_minutes": 60,
                "director_id": people.director.id,
                "recorder_id": people.staff2.id,
            },
        ).status_code
        == 302
    )
    session.refresh(asked)
    assert asked.recorder_id == people.staff2.id
    hotline = asked
    hotline.scheduled_at = utcnow() - timedelta(minutes=5)  # the session's time has come
    session.commit()

    login(client, people.staff)
    assert client.get(f"/hotline/{hotline.id}/record").status_code == 403
    login(client, people.staff2)
    assert f'href="/hotline/{hotline.id}/record"' in client.get(f"/hotline/{hotline.id}").get_data(as_text=True)
    assert client.get(f"/hotline/{hotline.id}/record").status_code == 200
    response = post_form(
        client,
        f"/hotline/{hotline.id}/record",
        {"version": hotline.version, "minutes": "记录人整理的纪要", "public_summary": "请补充资料"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    session.refresh(hotline)
    assert hotline.status == HotlineStatus.HELD and hotline.minutes_internal == "记录人整理的纪要"


def test_cancel_with_a_reason(client: FlaskClient, session: Session, people: People, case: ServiceRequest) -> None:
    hotline = _scheduled(session, people, case)
    login(client, people.director)
    assert 'name="reason"' in client.get(f"/hotline/{hotline.id}/cancel").get_data(as_text=True)
    empty = post_form(client, f"/hotline/{hotline.id}/cancel", {"version": hotline.version, "reason": ""})
    assert empty.status_code == 400
    response = post_form(client, f"/hotline/{hotline.id}/cancel", {"version": hotline.version, "reason": "企业改期"})
    assert response.status_code == 302
    login(client, people.owner)
    assert "企业改期" in client.get(f"/hotline/{hotline.id}").get_data(as_text=True)
    assert client.get(f"/hotline/{hotline.id}/invitation.ics").status_code == 404


def test_the_invitation_parses_as_icalendar(
    client: FlaskClient, session: Session, people: People, case: ServiceRequest
) -> None:
    hotline = _scheduled(session, people, case)
    for reader in (people.owner, people.director):
        login(client, reader)
        response = client.get(f"/hotline/{hotline.id}/invitation.ics")
        assert response.status_code == 200 and response.mimetype == "text/calendar"
        assert "attachment" in response.headers["Content-Disposition"]
        [event] = Calendar.from_ical(response.data).walk("VEVENT")
        assert str(event["UID"]).startswith(f"hotline-{hotline.id}@")
        assert event.decoded("DTSTART") == hotline.scheduled_at
        assert event.decoded("DTEND") == hotline.scheduled_at + timedelta(minutes=45)
        assert event.decoded("DTSTAMP").tzinfo is not None
        assert case.reference in str(event["SUMMARY"])
        assert hotline.meeting_link in str(event["DESCRIPTION"]) and str(event["URL"]) == hotline.meeting_link
        assert str(event["ORGANIZER"]) == f"mailto:{people.director.email}"
        assert event["ORGANIZER"].params["CN"] == people.director.name
        # The enterprise contact who asked for the session takes part.
        assert str(event["ATTENDEE"]) == f"mailto:{people.owner.email}"
        assert event["ATTENDEE"].params["CN"] == people.owner.name


def test_a_session_the_desk_proposed_invites_the_contact_who_submitted(
    client: FlaskClient, session: Session, people: People, case: ServiceRequest
) -> None:
    asked = ops.ask_hotline(session, people.staff, case.id, "建议与局长视频沟通")
    hotline = ops.schedule_hotline(
        session, people.director, asked.id, asked.version, ops.Schedule(_soon(), 45, people.director.id), TEMPLATE
    )
    login(client, people.director)
    [event] = Calendar.from_ical(client.get(f"/hotline/{hotline.id}/invitation.ics").data).walk("VEVENT")
    assert str(event["ORGANIZER"]) == f"mailto:{people.director.email}"
    assert str(event["ATTENDEE"]) == f"mailto:{case.submitter.email}" and case.submitter.id == people.owner.id


def test_the_invitation_exists_only_once_scheduled(
    client: FlaskClient, session: Session, people: People, case: ServiceRequest
) -> None:
    asked = _asked(session, people, case)
    login(client, people.owner)
    assert client.get(f"/hotline/{asked.id}/invitation.ics").status_code == 404


def test_the_hotline_list_is_scoped(
    client: FlaskClient, session: Session, people: People, case: ServiceRequest
) -> None:
    hotline = _scheduled(session, people, case)
    login(client, people.staff)
    assert case.reference in client.get("/hotline/").get_data(as_text=True)
    login(client, people.other_staff)
    assert case.reference not in client.get("/hotline/").get_data(as_text=True)
    login(client, people.owner)
    assert client.get("/hotline/").status_code == 403
    assert re.search(rf"hotline/{hotline.id}\b", client.get(f"/hotline/{hotline.id}").get_data(as_text=True))


def test_scheduling_on_a_weekend_warns_and_needs_the_tick(
    client: FlaskClient, session: Session, people: People, case: ServiceRequest
) -> None:
    asked = _asked(session, people, case)
    login(client, people.director)
    saturday = {
        "version": asked.version,
        "scheduled_at": "2030-05-04T10:00",
        "duration_minutes": 60,
        "director_id": people.director.id,
    }
    warned = post_form(client, f"/hotline/{asked.id}/schedule", saturday)
    page = warned.get_data(as_text=True)
    assert warned.status_code == 400
    # The reason the API also gives (service.operations.hotline.schedule_warning), and the box to keep the time.
    assert "2030-05-04 为周末，不是工作日。" in page and "如确需此时间，请勾选“仍按此时间安排”。" in page
    assert 'name="outside_hours_ok"' in page
    assert session.get(HotlineSession, asked.id).status == HotlineStatus.REQUESTED
    kept = post_form(client, f"/hotline/{asked.id}/schedule", {**saturday, "outside_hours_ok": "y"})
    assert kept.status_code == 302
    hotline = session.get(HotlineSession, asked.id)
    session.refresh(hotline)
    assert hotline.scheduled_at == datetime(2030, 5, 4, 2, 0, tzinfo=UTC)
