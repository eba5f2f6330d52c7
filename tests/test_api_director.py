"""Directors' instructions and escalation through the API, each behind the same policy as the pages."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from service.models import Role
from tests.api_support import Caller, caller, new_request

API = "/api/v1"


def _assigned(client: FlaskClient, enterprise: Caller, staff: Caller) -> dict:
    case = new_request(client, enterprise)
    triaged = client.post(
        f"{API}/requests/{case['id']}/triage",
        json={
            "category": "type_testing",
            "priority": "P2",
            "lifecycle_stage": "type_testing",
            "assignee_id": staff.user.id,
            "version": case["version"],
        },
        headers=staff.headers,
    )
    assert triaged.status_code == 200, triaged.get_json()
    return triaged.get_json()  # type: ignore[no-any-return]


def test_a_director_instructs_the_assignee_who_acknowledges_it(client: FlaskClient, session: Session) -> None:
    enterprise = caller(session, Role.ENTERPRISE, station_code="JL-CCND")
    staff = caller(session, Role.STAFF, station_code="JL-CCND")
    director = caller(session, Role.DIRECTOR, station_code="JL-CCND")
    case = _assigned(client, enterprise, staff)
    path = f"{API}/requests/{case['id']}/instructions"
    assert client.post(path, json={"body": "我也来批示"}, headers=staff.headers).status_code == 403
    assert client.post(path, json={"body": "   "}, headers=director.headers).status_code == 422
    written = client.post(path, json={"body": "请本周内联系企业，明确检验方案"}, headers=director.headers)
    assert written.status_code == 201, written.get_json()
    instruction = written.get_json()
    assert instruction["assignee_id"] == staff.user.id and instruction["acknowledged_at"] is None

    open_for_staff = client.get(f"{API}/instructions", headers=staff.headers).get_json()
    assert [i["id"] for i in open_for_staff["items"]] == [instruction["id"]]
    assert open_for_staff["items"][0]["can_acknowledge"] is True
    acknowledged = client.post(f"{API}/instructions/{instruction['id']}/acknowledge", headers=staff.headers)
    assert acknowledged.status_code == 200 and acknowledged.get_json()["acknowledged_by_id"] == staff.user.id
    again = client.post(f"{API}/instructions/{instruction['id']}/acknowledge", headers=director.headers)
    assert again.get_json()["acknowledged_at"] == acknowledged.get_json()["acknowledged_at"]
    assert client.get(f"{API}/instructions", headers=staff.headers).get_json()["items"] == []
    done = client.get(f"{API}/instructions?state=acknowledged&mine=true", headers=director.headers).get_json()
    assert [i["id"] for i in done["items"]] == [instruction["id"]]

    # Instructions are internal: the enterprise never reads them, and nobody outside the station finds them.
    assert client.get(path, headers=enterprise.headers).status_code == 403
    assert client.get(f"{API}/instructions", headers=enterprise.headers).status_code == 403
    assert (
        client.post(f"{API}/instructions/{instruction['id']}/acknowledge", headers=enterprise.headers).status_code
        == 404
    )
    far_director = caller(session, Role.DIRECTOR, station_code="JL-TH")
    assert client.get(path, headers=far_director.headers).status_code == 404
    assert client.post(path, json={"body": "跨站批示"}, headers=far_director.headers).status_code == 404


def test_staff_escalate_and_only_a_director_lifts_it(client: FlaskClient, session: Session) -> None:
    enterprise = caller(session, Role.ENTERPRISE, station_code="JL-CCND")
    staff = caller(session, Role.STAFF, station_code="JL-CCND")
    director = caller(session, Role.DIRECTOR, station_code="JL-CCND")
    case = _assigned(client, enterprise, staff)
    path = f"{API}/requests/{case['id']}"
    assert client.post(f"{path}/escalate", json={"reason": ""}, headers=staff.headers).get_json()["error"][
        "fields"
    ] == {"reason": "This field must not be empty."}
    assert client.post(f"{path}/escalate", json={"reason": "企业急需"}, headers=enterprise.headers).status_code == 403
    escalated = client.post(f"{path}/escalate", json={"reason": "涉及卡脖子问题，需局长协调"}, headers=staff.headers)
    assert escalated.status_code == 200 and escalated.get_json()["escalated"] is True
    assert escalated.get_json()["status"] == case["status"]
    twice = client.post(f"{path}/escalate", json={"reason": "再次"}, headers=staff.headers)
    assert twice.status_code == 409 and twice.get_json()["error"]["code"] == "invalid_transition"
    queue = client.get(f"{API}/queue?queue=escalated", headers=director.headers).get_json()
    assert [r["id"] for r in queue["items"]] == [case["id"]]

    assert client.post(f"{path}/de-escalate", json={"note": "已协调"}, headers=staff.headers).status_code == 403
    lifted = client.post(f"{path}/de-escalate", json={"note": "已协调检验所加急"}, headers=director.headers)
    assert lifted.status_code == 200 and lifted.get_json()["escalated"] is False
    assert client.post(f"{path}/de-escalate", json={"note": "再次"}, headers=director.headers).status_code == 409
