"""Reminders, results with their review, return visits and redos through the API: the pages' policy and versioning,
and the enterprise reading the result only once it is told."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from service.models import Role, Station
from service.models.base import utcnow
from tests.api_support import Caller, caller, new_request, triaged_to

NEW_DATE = (utcnow() + timedelta(days=60)).date()


def _step(client: FlaskClient, who: Caller, request: dict, **body: object):  # type: ignore[no-untyped-def]
    return client.post(
        f"/api/v1/requests/{request['id']}/transitions",
        json={"version": request["version"], **body},
        headers=who.headers,
    )


def test_a_head_reminds_through_the_api(client: FlaskClient, session: Session) -> None:
    enterprise = caller(session, Role.ENTERPRISE, station_code="JL-CCND")
    officer = caller(session, Role.STAFF, station_code="JL-CCND")
    head = caller(session, Role.DIRECTOR, station_code="JL-CCND")
    request = triaged_to(client, officer, new_request(client, enterprise), officer)
    url = f"/api/v1/requests/{request['id']}/remind"
    refused = client.post(url, json={"message": "请尽快", "version": request["version"]}, headers=officer.headers)
    assert refused.status_code == 403
    assert client.post(url, json={"message": "请尽快", "version": 1}, headers=head.headers).status_code == 409
    assert (
        client.post(url, json={"message": "", "version": request["version"]}, headers=head.headers).status_code == 422
    )
    reminded = client.post(url, json={"message": "请本周内答复", "version": request["version"]}, headers=head.headers)
    assert reminded.status_code == 200, reminded.get_json()
    assert reminded.get_json()["reminder_count"] == 1
    seen = client.get(f"/api/v1/requests/{request['id']}", headers=enterprise.headers).get_json()
    assert seen["reminder_count"] is None


def test_a_reviewed_result_reaches_the_enterprise_on_approval(client: FlaskClient, session: Session) -> None:
    enterprise = caller(session, Role.ENTERPRISE, station_code="JL-CCND")
    officer = caller(session, Role.STAFF, station_code="JL-CCND")
    head = caller(session, Role.DIRECTOR, station_code="JL-CCND")
    station = session.get_one(Station, officer.user.station_id)
    station.review_closures = True
    session.commit()
    request = triaged_to(client, officer, new_request(client, enterprise), officer)
    missing = _step(client, officer, request, action="resolve", summary="已解释", result_category="explained")
    assert missing.status_code == 422
    waiting = _step(
        client,
        officer,
        request,
        action="resolve",
        summary="须按第三类管理。",
        result_category="explained",
        result_basis="《分类目录》",
    )
    assert waiting.status_code == 200, waiting.get_json()
    body = waiting.get_json()
    assert body["status"] == "review" and body["result_category"] == "explained"
    assert "approve_closure" not in body["actions"]
    url = f"/api/v1/requests/{request['id']}"
    told = client.get(url, headers=enterprise.headers).get_json()
    assert told["status"] == "review" and told["resolution_summary"] is None and told["result_category"] is None
    seen = client.get(url, headers=head.headers).get_json()
    assert {"approve_closure", "send_back_closure"} <= set(seen["actions"])
    approved = _step(client, head, seen, action="approve_closure")
    assert approved.status_code == 200 and approved.get_json()["status"] == "resolved"
    told = client.get(url, headers=enterprise.headers).get_json()
    assert (told["result_category"], told["result_basis"], told["resolution_summary"]) == (
        "explained",
        "《分类目录》",
        "须按第三类管理。",
    )


def test_a_visit_and_a_redo_through_the_api(client: FlaskClient, session: Session) -> None:
    enterprise = caller(session, Role.ENTERPRISE, station_code="JL-CCND")
    officer = caller(session, Role.STAFF, station_code="JL-CCND")
    colleague = caller(session, Role.STAFF, station_code="JL-CCND")
    head = caller(session, Role.DIRECTOR, station_code="JL-CCND")
    request = triaged_to(client, officer, new_request(client, enterprise), officer)
    resolved = _step(client, officer, request, action="resolve", summary="已答复").get_json()
    assert resolved["result_category"] == "resolved"
    url = f"/api/v1/requests/{request['id']}"
    visit = {"satisfaction": "unsatisfied", "solved": False, "comment": "答复笼统", "version": resolved["version"]}
    assert client.post(f"{url}/visits", json=visit, headers=officer.headers).status_code == 403
    assert (
        client.post(f"{url}/visits", json={**visit, "satisfaction": "meh"}, headers=colleague.headers).status_code
        == 422
    )
    recorded = client.post(f"{url}/visits", json=visit, headers=colleague.headers)
    assert recorded.status_code == 201, recorded.get_json()
    assert recorded.get_json()["channel"] == "phone"
    seen = client.get(url, headers=head.headers).get_json()
    assert (seen["satisfaction"], seen["visit_solved"]) == ("unsatisfied", False)
    redo = {"reason": "请当面答复", "new_due_date": NEW_DATE.isoformat(), "assignee_id": colleague.user.id}
    refused = client.post(f"{url}/redo", json={**redo, "version": seen["version"]}, headers=officer.headers)
    assert refused.status_code in (403, 409)
    redone = client.post(f"{url}/redo", json={**redo, "version": seen["version"]}, headers=head.headers)
    assert redone.status_code == 200, redone.get_json()
    body = redone.get_json()
    assert (body["status"], body["redo_count"], body["assignee_id"]) == ("triaged", 1, colleague.user.id)
    stale = client.post(f"{url}/redo", json={**redo, "version": seen["version"]}, headers=head.headers)
    assert stale.status_code == 409


def test_the_new_steps_are_in_the_openapi_document(client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    for path in ("/requests/{request_id}/remind", "/requests/{request_id}/visits", "/requests/{request_id}/redo"):
        assert any(found.endswith(path) for found in document["paths"]), path
    schemas = document["components"]["schemas"]
    assert "result_category" in schemas["ActionIn"]["properties"]
