"""Sign-for, return and extensions through the API: the same policy and versioning as the pages."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from service.models import Role
from service.models.base import utcnow
from tests.api_support import caller, new_request, triaged_to

NEW_DATE = (utcnow() + timedelta(days=120)).date()


def test_return_and_sign_for_with_their_versions(client: FlaskClient, session: Session) -> None:
    enterprise = caller(session, Role.ENTERPRISE, station_code="JL-CCND")
    dispatcher = caller(session, Role.STAFF, station_code="JL-CCND")
    officer = caller(session, Role.STAFF, station_code="JL-CCND")
    request = triaged_to(client, dispatcher, new_request(client, enterprise), officer)
    assert request["sign_for_due_at"] is not None and request["signed_for_at"] is None
    url = f"/api/v1/requests/{request['id']}"
    assert client.post(f"{url}/sign-for", json={"version": 1}, headers=officer.headers).status_code == 409
    assert (
        client.post(f"{url}/sign-for", json={"version": request["version"]}, headers=dispatcher.headers).status_code
        == 403
    )
    bad = client.post(f"{url}/return", json={"reason": "other", "version": request["version"]}, headers=officer.headers)
    assert bad.status_code == 422
    returned = client.post(
        f"{url}/return",
        json={"reason": "not_my_remit", "note": "属于临床评价组", "version": request["version"]},
        headers=officer.headers,
    )
    assert returned.status_code == 200, returned.get_json()
    body = returned.get_json()
    assert (body["assignee_id"], body["return_count"], body["return_reason"]) == (None, 1, "not_my_remit")
    seen = client.get(url, headers=enterprise.headers).get_json()
    assert seen["return_count"] is None and seen["return_note"] is None and seen["sign_for_due_at"] is None

    again = triaged_to(client, dispatcher, body, officer)
    signed = client.post(f"{url}/sign-for", json={}, headers={**officer.headers, "If-Match": f'"{again["version"]}"'})
    assert signed.status_code == 200 and signed.get_json()["signed_for_at"] is not None
    queue = client.get("/api/v1/queue?queue=to_sign", headers=officer.headers).get_json()
    assert queue["items"] == []


def test_ask_and_decide_an_extension(client: FlaskClient, session: Session) -> None:
    enterprise = caller(session, Role.ENTERPRISE, station_code="JL-CCND")
    officer = caller(session, Role.STAFF, station_code="JL-CCND")
    head = caller(session, Role.DIRECTOR, station_code="JL-CCND")
    request = triaged_to(client, officer, new_request(client, enterprise), officer)
    url = f"/api/v1/requests/{request['id']}"
    ask = {"new_due_date": NEW_DATE.isoformat(), "public_reason": "等待检验报告", "internal_note": "内部"}
    assert (
        client.post(f"{url}/extensions", json={**ask, "version": request["version"]}, headers=head.headers).status_code
        == 403
    )
    asked = client.post(f"{url}/extensions", json={**ask, "version": request["version"]}, headers=officer.headers)
    assert asked.status_code == 201, asked.get_json()
    assert asked.get_json()["status"] == "pending" and not asked.get_json()["needs_provincial"]
    current = client.get(url, headers=officer.headers).get_json()
    assert current["extension_pending"] is True
    refused = client.post(
        f"{url}/extensions/decision", json={"decision": "refuse", "version": current["version"]}, headers=head.headers
    )
    assert refused.status_code == 422
    assert (
        client.post(
            f"{url}/extensions/decision",
            json={"decision": "approve", "version": current["version"]},
            headers=officer.headers,
        ).status_code
        == 403
    )
    approved = client.post(
        f"{url}/extensions/decision",
        json={"decision": "approve", "comment": "同意", "version": current["version"]},
        headers=head.headers,
    )
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"
    seen = client.get(url, headers=enterprise.headers).get_json()
    assert seen["extension_count"] == 1 and seen["extension_reason"] == "等待检验报告"
    assert seen["resolution_due_at"].startswith(NEW_DATE.isoformat())
    assert seen["extension_pending"] is None
    assert client.post(
        f"{url}/extensions", json={**ask, "version": seen["version"]}, headers=enterprise.headers
    ).status_code in (403, 404)
