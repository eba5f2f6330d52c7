"""Service plans, milestones and task forces through the API: the operations' status table and policy, as JSON."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from service.models import Role
from tests.api_support import Caller, caller, new_request

API = "/api/v1"


def _draft(client: FlaskClient, staff: Caller, enterprise: Caller, **changes: object) -> dict:
    body = {
        "enterprise_id": enterprise.user.enterprise_id,
        "title": "一企一策：超声影像设备",
        "goals": "年内完成注册申报",
        "liaison_id": staff.user.id,
        **changes,
    }
    answer = client.post(f"{API}/plans", json=body, headers=staff.headers)
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()  # type: ignore[no-any-return]


def test_staff_draft_a_plan_a_director_approves_it_and_only_then_the_enterprise_sees_it(
    client: FlaskClient, session: Session
) -> None:
    enterprise = caller(session, Role.ENTERPRISE, station_code="JL-CCND")
    staff = caller(session, Role.STAFF, station_code="JL-CCND")
    director = caller(session, Role.DIRECTOR, station_code="JL-CCND")
    plan = _draft(client, staff, enterprise, phases=["type_testing", "rd_design"])
    assert plan["status"] == "draft" and plan["actions"] == ["discard"]
    assert [m["phase"] for m in plan["milestones"]] == ["rd_design", "type_testing"]
    assert client.get(f"{API}/plans", headers=enterprise.headers).get_json()["items"] == []
    assert client.get(f"{API}/plans/{plan['id']}", headers=enterprise.headers).status_code == 404

    refused = client.post(
        f"{API}/plans/{plan['id']}/transitions",
        json={"action": "approve", "version": plan["version"], "comment": "同意。"},
        headers=staff.headers,
    )
    assert refused.status_code == 403
    stale = client.post(
        f"{API}/plans/{plan['id']}/transitions",
        json={"action": "approve", "version": 99, "comment": "同意。"},
        headers=director.headers,
    )
    assert stale.status_code == 409 and stale.get_json()["error"]["code"] == "conflict"
    approved = client.post(
        f"{API}/plans/{plan['id']}/transitions",
        json={"action": "approve", "comment": "同意。"},
        headers={**director.headers, "If-Match": f'"{plan["version"]}"'},
    )
    assert approved.status_code == 200, approved.get_json()
    assert approved.get_json()["status"] == "active" and approved.get_json()["approved_at"]
    assert set(approved.get_json()["actions"]) == {"complete", "archive"}

    seen = client.get(f"{API}/plans", headers=enterprise.headers).get_json()["items"]
    assert [p["id"] for p in seen] == [plan["id"]] and seen[0]["actions"] == []
    again = client.post(
        f"{API}/plans/{plan['id']}/transitions",
        json={"action": "approve", "comment": "同意。"},
        headers={**director.headers, "If-Match": approved.headers["ETag"]},
    )
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "invalid_transition"


def test_a_plan_is_edited_with_its_version_and_checked_by_the_operation(client: FlaskClient, session: Session) -> None:
    enterprise = caller(session, Role.ENTERPRISE, station_code="JL-CCND")
    staff = caller(session, Role.STAFF, station_code="JL-CCND")
    far_staff = caller(session, Role.STAFF, station_code="JL-TH")
    plan = _draft(client, staff, enterprise)
    path = f"{API}/plans/{plan['id']}"
    body = {
        "title": "一企一策（修订）",
        "goals": "先完成型式检验",
        "products": "彩色多普勒超声",
        "liaison_id": staff.user.id,
    }

    saved = client.put(path, json={**body, "version": plan["version"]}, headers=staff.headers)
    assert saved.status_code == 200 and saved.get_json()["title"] == "一企一策（修订）"
    assert client.put(path, json={**body, "version": plan["version"]}, headers=staff.headers).status_code == 409
    assert client.put(path, json=body, headers={**staff.headers, "If-Match": "soon"}).status_code == 400
    current = saved.get_json()["version"]
    wrong_liaison = client.put(
        path, json={**body, "liaison_id": far_staff.user.id, "version": current}, headers=staff.headers
    )
    assert wrong_liaison.status_code == 422 and "liaison_id" in wrong_liaison.get_json()["error"]["fields"]
    assert client.put(path, json={**body, "version": current}, headers=far_staff.headers).status_code == 404
    assert client.put(path, json={**body, "title": ""}, headers=staff.headers).get_json()["error"]["fields"] == {
        "title": "This field must not be empty."
    }
    foreign = client.post(
        f"{API}/plans", json={**body, "enterprise_id": enterprise.user.enterprise_id}, headers=far_staff.headers
    )
    assert foreign.status_code == 404
    assert (
        client.post(
            f"{API}/plans", json={**body, "enterprise_id": enterprise.user.enterprise_id}, headers=enterprise.headers
        ).status_code
        == 403
    )


def test_milestones_are_added_edited_moved_completed_dropped_and_frozen_with_the_plan(
    client: FlaskClient, session: Session
) -> None:
    enterprise = caller(session, Role.ENTERPRISE, station_code="JL-CCND")
    staff = caller(session, Role.STAFF, station_code="JL-CCND")
    director = caller(session, Role.DIRECTOR, station_code="JL-CCND")
    plan = _draft(client, staff, enterprise, phases=["rd_design", "type_testing"])
    added = client.post(
        f"{API}/plans/{plan['id']}/milestones",
        json={"phase": "other", "title": "专家咨询会", "due_date": "2026-09-30", "notes": "内部：请张工"},
        headers=staff.headers,
    )
    assert added.status_code == 201 and added.get_json()["position"] == 3
    milestone = added.get_json()

    blocked = client.put(
        f"{API}/milestones/{milestone['id']}",
        json={"phase": "other", "status": "blocked"},
        headers={**staff.headers, "If-Match": added.headers["ETag"]},
    )
    assert blocked.status_code == 422 and "blocked_reason" in blocked.get_json()["error"]["fields"]
    path, edit = f"{API}/milestones/{milestone['id']}", {"phase": "other", "title": "专家咨询会", "notes": "改期"}
    edited = client.put(path, json={**edit, "version": milestone["version"]}, headers=staff.headers)
    assert edited.status_code == 200 and edited.get_json()["version"] == milestone["version"] + 1
    stale = client.put(path, json=edit, headers={**staff.headers, "If-Match": f'"{milestone["version"]}"'})
    assert stale.status_code == 412 and stale.get_json()["error"]["code"] == "precondition_failed"
    moved = client.post(f"{API}/milestones/{milestone['id']}/move", json={"direction": "up"}, headers=staff.headers)
    assert [m["title"] for m in moved.get_json()["milestones"]][1] == "专家咨询会"
    done = client.post(f"{API}/milestones/{milestone['id']}/complete", headers=staff.headers).get_json()
    assert done["status"] == "done" and done["completed_at"]
    first = plan["milestones"][0]["id"]
    assert client.delete(f"{API}/milestones/{first}", headers=staff.headers).status_code == 204
    assert client.delete(f"{API}/milestones/{first}", headers=staff.headers).status_code == 404

    for action in ("approve", "complete"):
        etag = client.get(f"{API}/plans/{plan['id']}", headers=director.headers).headers["ETag"]
        assert (
            client.post(
                f"{API}/plans/{plan['id']}/transitions",
                json={"action": action, "comment": "同意。"},
                headers={**director.headers, "If-Match": etag},
            ).status_code
            == 200
        )
    frozen = client.post(f"{API}/milestones/{milestone['id']}/move", json={"direction": "down"}, headers=staff.headers)
    assert frozen.status_code == 409 and frozen.get_json()["error"]["code"] == "invalid_transition"
    shown = client.get(f"{API}/plans/{plan['id']}", headers=enterprise.headers).get_json()
    assert [m["title"] for m in shown["milestones"]] == ["专家咨询会", ""]
    assert shown["milestones"][0]["notes"] is None
    assert client.post(f"{API}/milestones/{milestone['id']}/complete", headers=enterprise.headers).status_code in (
        403,
        404,
    )


def test_task_forces_serve_one_plan_or_request_and_stay_with_the_desk(client: FlaskClient, session: Session) -> None:
    enterprise = caller(session, Role.ENTERPRISE, station_code="JL-CCND")
    staff = caller(session, Role.STAFF, station_code="JL-CCND")
    colleague = caller(session, Role.STAFF, station_code="JL-TH")
    plan = _draft(client, staff, enterprise)
    request = new_request(client, enterprise)
    both = client.post(
        f"{API}/task-forces",
        json={
            "plan_id": plan["id"],
            "request_id": request["id"],
            "name": "专班",
            "purpose": "攻关",
            "lead_id": staff.user.id,
        },
        headers=staff.headers,
    )
    assert both.status_code == 422 and "plan_id" in both.get_json()["error"]["fields"]
    created = client.post(
        f"{API}/task-forces",
        json={"plan_id": plan["id"], "name": "超声专班", "purpose": "型式检验攻关", "lead_id": staff.user.id},
        headers=staff.headers,
    )
    assert created.status_code == 201 and created.get_json()["can_edit"] is True
    team = created.get_json()["id"]

    expert = client.post(
        f"{API}/task-forces/{team}/experts", json={"name": "李教授", "affiliation": "吉林大学"}, headers=staff.headers
    )
    member = client.post(
        f"{API}/task-forces/{team}/members", json={"user_id": colleague.user.id}, headers=staff.headers
    )
    assert expert.status_code == member.status_code == 201
    assert [m["name"] for m in member.get_json()["members"]] == ["李教授", colleague.user.name]
    twice = client.post(f"{API}/task-forces/{team}/members", json={"user_id": colleague.user.id}, headers=staff.headers)
    assert twice.status_code == 422
    # A member from another station sees it among theirs, but may not run it.
    mine = client.get(f"{API}/task-forces", headers=colleague.headers).get_json()["items"]
    assert [t["id"] for t in mine] == [team] and mine[0]["can_edit"] is False
    expert_id = member.get_json()["members"][0]["id"]
    assert client.delete(f"{API}/task-force-members/{expert_id}", headers=colleague.headers).status_code == 403
    removed = client.delete(f"{API}/task-force-members/{expert_id}", headers=staff.headers)
    assert [m["name"] for m in removed.get_json()["members"]] == [colleague.user.name]
    closed = client.put(
        f"{API}/task-forces/{team}",
        json={"name": "超声专班", "purpose": "完成", "status": "closed", "lead_id": staff.user.id},
        headers=staff.headers,
    )
    assert closed.get_json()["status"] == "closed"
    assert client.get(f"{API}/task-forces/{team}", headers=enterprise.headers).status_code == 404
    assert client.get(f"{API}/task-forces", headers=enterprise.headers).status_code == 403
