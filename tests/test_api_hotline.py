"""Director hotline sessions through the API: ask, schedule, invitation, record, follow-ups, cancel."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import quote

from flask.testing import FlaskClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from service.models import CalendarDay, HotlineSession, Role
from service.models.base import utcnow
from tests.api_support import Caller, caller, new_request

API = "/api/v1"


def _asked(client: FlaskClient, who: Caller, request_id: int) -> dict:
    answer = client.post(
        f"{API}/requests/{request_id}/hotline-sessions",
        json={"reason": "请局长指导临床评价路径", "preferred_times": "下周二下午"},
        headers=who.headers,
    )
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()  # type: ignore[no-any-return]


def _soon(days: int = 3) -> str:
    return (utcnow() + timedelta(days=days)).replace(microsecond=0).isoformat()


def test_a_session_is_asked_scheduled_held_and_followed_up(client: FlaskClient, session: Session) -> None:
    enterprise = caller(session, Role.ENTERPRISE, station_code="JL-CCND")
    staff = caller(session, Role.STAFF, station_code="JL-CCND")
    director = caller(session, Role.DIRECTOR, station_code="JL-CCND")
    case = new_request(client, enterprise)
    asked = _asked(client, enterprise, case["id"])
    assert asked["status"] == "requested" and asked["actions"] == ["cancel"]
    assert (
        client.post(
            f"{API}/requests/{case['id']}/hotline-sessions", json={"reason": "再来一次"}, headers=staff.headers
        ).status_code
        == 422
    )
    assert [
        h["id"]
        for h in client.get(f"{API}/hotline-sessions?status=requested", headers=staff.headers).get_json()["items"]
    ] == [asked["id"]]

    path = f"{API}/hotline-sessions/{asked['id']}"
    plan = {"scheduled_at": _soon(), "duration_minutes": 45}
    assert (
        client.post(f"{path}/schedule", json={**plan, "version": asked["version"]}, headers=staff.headers).status_code
        == 403
    )
    unversioned = client.post(f"{path}/schedule", json=plan, headers=director.headers)
    assert unversioned.status_code == 428 and "If-Match" in unversioned.get_json()["detail"]
    assert client.post(f"{path}/schedule", json={**plan, "version": 7}, headers=director.headers).status_code == 409
    scheduled = client.post(
        f"{path}/schedule", json=plan, headers={**director.headers, "If-Match": str(asked["version"])}
    )
    assert scheduled.status_code == 200, scheduled.get_json()
    session_ = scheduled.get_json()
    assert session_["status"] == "scheduled" and session_["director_id"] == director.user.id
    assert session_["meeting_link"].startswith("https://") and session_["invitation_url"]

    invitation = client.get(session_["invitation_url"], headers=enterprise.headers)
    assert invitation.status_code == 200 and invitation.mimetype == "text/calendar"
    assert b"BEGIN:VEVENT" in invitation.data and session_["meeting_link"].encode() in invitation.data

    # The session's time comes: only then can it be recorded as held.
    early = client.post(
        f"{path}/record",
        json={"minutes": "x", "public_summary": "y", "version": session_["version"]},
        headers=director.headers,
    )
    assert early.status_code == 422
    session.execute(
        update(HotlineSession)
        .where(HotlineSession.id == asked["id"])
        .values(scheduled_at=utcnow() - timedelta(minutes=5))
    )
    session.commit()
    record = {
        "minutes": "内部纪要：同品种对比不足",
        "public_summary": "建议补充临床试验方案",
        "decisions": "成立专班",
        "follow_ups": [
            {
                "description": "两周内反馈试验方案意见",
                "owner_id": staff.user.id,
                "due_date": (utcnow() + timedelta(days=14)).date().isoformat(),
            }
        ],
        "version": session_["version"],
    }
    held = client.post(f"{path}/record", json=record, headers=director.headers)
    assert held.status_code == 200, held.get_json()
    [follow_up] = held.get_json()["follow_ups"]
    assert client.get(session_["invitation_url"], headers=enterprise.headers).status_code == 404

    seen = client.get(path, headers=enterprise.headers).get_json()
    assert seen["public_summary"] == "建议补充临床试验方案"
    assert seen["minutes"] is seen["decisions"] is seen["follow_ups"] is None
    assert client.post(f"{API}/follow-ups/{follow_up['id']}/done", headers=enterprise.headers).status_code == 403
    done = client.post(f"{API}/follow-ups/{follow_up['id']}/done", headers=staff.headers)
    assert done.status_code == 200 and done.get_json()["done_at"]
    listed = client.get(f"{API}/requests/{case['id']}/hotline-sessions", headers=enterprise.headers).get_json()
    assert [h["status"] for h in listed["items"]] == ["held"]


def test_times_are_checked_and_an_ask_can_be_withdrawn(client: FlaskClient, session: Session) -> None:
    enterprise = caller(session, Role.ENTERPRISE, station_code="JL-CCND")
    director = caller(session, Role.DIRECTOR, station_code="JL-CCND")
    case = new_request(client, enterprise)
    asked = _asked(client, enterprise, case["id"])
    path = f"{API}/hotline-sessions/{asked['id']}"
    version = asked["version"]

    naive = client.post(
        f"{path}/schedule", json={"scheduled_at": "2030-05-01T09:30:00", "version": version}, headers=director.headers
    )
    assert naive.status_code == 422 and "scheduled_at" in naive.get_json()["error"]["fields"]
    past = client.post(
        f"{path}/schedule",
        json={"scheduled_at": "2020-05-01T09:30:00+08:00", "version": version},
        headers=director.headers,
    )
    assert past.status_code == 422 and "scheduled_at" in past.get_json()["error"]["fields"]
    edge = client.post(
        f"{path}/schedule",
        json={"scheduled_at": "9999-12-31T23:00:00-14:00", "version": version},
        headers=director.headers,
    )
    assert edge.status_code == 422
    assert (
        client.post(
            f"{path}/record", json={"minutes": "x", "public_summary": "y", "version": version}, headers=director.headers
        ).status_code
        == 409
    )
    assert client.get(f"{path}/invitation.ics", headers=enterprise.headers).status_code == 404

    withdrawn = client.post(
        f"{path}/cancel", json={"reason": "问题已解决", "version": version}, headers=enterprise.headers
    )
    assert withdrawn.status_code == 200 and withdrawn.get_json()["cancel_reason"] == "问题已解决"
    assert withdrawn.get_json()["actions"] == []


def test_sessions_outside_the_callers_scope_are_not_found(client: FlaskClient, session: Session) -> None:
    enterprise = caller(session, Role.ENTERPRISE, station_code="JL-CCND")
    stranger = caller(session, Role.ENTERPRISE, station_code="JL-CCND")
    far_director = caller(session, Role.DIRECTOR, station_code="JL-TH")
    asked = _asked(client, enterprise, new_request(client, enterprise)["id"])
    path = f"{API}/hotline-sessions/{asked['id']}"
    for who in (stranger, far_director):
        assert client.get(path, headers=who.headers).status_code == 404
        assert (
            client.post(
                f"{path}/cancel", json={"reason": "x", "version": asked["version"]}, headers=who.headers
            ).status_code
            == 404
        )
    assert client.get(f"{API}/hotline-sessions", headers=enterprise.headers).status_code == 403
    assert client.get(f"{API}/hotline-sessions", headers=far_director.headers).get_json()["items"] == []


def test_an_unusual_time_is_warned_of_before_and_when_scheduling(client: FlaskClient, session: Session) -> None:
    enterprise = caller(session, Role.ENTERPRISE, station_code="JL-CCND")
    other_company = caller(session, Role.ENTERPRISE, station_code="JL-CCND")
    director = caller(session, Role.DIRECTOR, station_code="JL-CCND")
    session.add(CalendarDay(day=date(2030, 5, 6), is_working_day=False, name="调休"))
    session.commit()
    asked = _asked(client, enterprise, new_request(client, enterprise)["id"])
    path = f"{API}/hotline-sessions/{asked['id']}"
    english = {**director.headers, "Accept-Language": "en"}

    def check(start: str, minutes: int = 60) -> list[dict]:
        answer = client.get(
            f"{path}/schedule-check?scheduled_at={quote(start)}&duration_minutes={minutes}", headers=english
        )
        assert answer.status_code == 200, answer.get_json()
        return answer.get_json()["warnings"]  # type: ignore[no-any-return]

    assert check("2030-05-07T10:00:00+08:00") == []  # a Tuesday morning
    assert check("2030-05-04T10:00:00+08:00") == [
        {"kind": "weekend", "message": "2030-05-04 is a weekend day, not a working day."}
    ]
    assert check("2030-05-06T10:00:00+08:00") == [
        {"kind": "holiday", "message": "2030-05-06 is a public holiday, not a working day."}
    ]
    assert check("2030-05-07T16:30:00+08:00") == [
        {
            "kind": "outside_working_hours",
            "message": "The session does not fall wholly within working hours (09:00–12:00, 13:00–17:00).",
        }
    ]
    assert (
        client.get(
            f"{path}/schedule-check?scheduled_at={quote('2030-05-04T10:00:00+08:00')}", headers=enterprise.headers
        ).status_code
        == 403
    )
    assert (
        client.get(
            f"{path}/schedule-check?scheduled_at={quote('2030-05-04T10:00:00+08:00')}", headers=other_company.headers
        ).status_code
        == 404
    )
    assert client.get(f"{path}/schedule-check?scheduled_at=soon", headers=english).status_code == 422

    # Scheduled on the Saturday all the same (the API does not refuse it), and the answer says why it is unusual.
    scheduled = client.post(
        f"{path}/schedule",
        json={"scheduled_at": "2030-05-04T10:00:00+08:00", "version": asked["version"]},
        headers=english,
    )
    assert scheduled.status_code == 200, scheduled.get_json()
    assert scheduled.get_json()["status"] == "scheduled"
    assert scheduled.get_json()["warnings"] == [
        {"kind": "weekend", "message": "2030-05-04 is a weekend day, not a working day."}
    ]
    chinese = client.get(
        f"{path}/schedule-check?scheduled_at={quote('2030-05-04T10:00:00+08:00')}",
        headers={**director.headers, "Accept-Language": "zh"},
    )
    assert chinese.get_json()["warnings"][0]["message"] == "2030-05-04 为周末，不是工作日。"


def test_the_openapi_document_describes_the_warnings(client: FlaskClient) -> None:
    document = client.get(f"{API}/openapi.json").get_json()
    check = document["paths"]["/api/v1/hotline-sessions/{hotline_id}/schedule-check"]["get"]
    assert {p["name"] for p in check["parameters"]} >= {"scheduled_at", "duration_minutes"}
    scheduled = document["paths"]["/api/v1/hotline-sessions/{hotline_id}/schedule"]["post"]["responses"]["200"]
    schema = scheduled["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert "warnings" in document["components"]["schemas"][schema]["properties"]
    assert set(document["components"]["schemas"]["TimeWarning"]["enum"]) == {
        "holiday",
        "weekend",
        "outside_working_hours",
    }
