"""API writes to versioned records are conditional requests, as HTTP has them: ETag out, If-Match back."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from service.models import Role
from tests.api_support import caller, new_request

TRIAGE = {"category": "type_testing", "priority": "P2", "lifecycle_stage": "type_testing"}


def test_every_read_of_a_versioned_record_sends_its_etag(client: FlaskClient, session: Session) -> None:
    enterprise = caller(session, Role.ENTERPRISE)
    staff = caller(session, Role.STAFF, station_code="JL-CCND")
    created = new_request(client, enterprise)
    read = client.get(f"/api/v1/requests/{created['id']}", headers=staff.headers)
    assert read.headers["ETag"] == f'"{created["version"]}"'
    triaged = client.post(
        f"/api/v1/requests/{created['id']}/triage",
        json=TRIAGE,
        headers={**staff.headers, "If-Match": read.headers["ETag"]},
    )
    assert triaged.status_code == 200 and triaged.headers["ETag"] == f'"{created["version"] + 1}"'
    plan = client.post(
        "/api/v1/plans",
        json={
            "enterprise_id": enterprise.user.enterprise_id,
            "title": "一企一策",
            "goals": "型式检验",
            "liaison_id": staff.user.id,
        },
        headers=staff.headers,
    ).get_json()
    assert client.get(f"/api/v1/plans/{plan['id']}", headers=staff.headers).headers["ETag"] == f'"{plan["version"]}"'


def test_a_write_without_if_match_is_told_to_send_the_etag(client: FlaskClient, session: Session) -> None:
    enterprise = caller(session, Role.ENTERPRISE)
    staff = caller(session, Role.STAFF, station_code="JL-CCND")
    created = new_request(client, enterprise)
    answer = client.post(f"/api/v1/requests/{created['id']}/triage", json=TRIAGE, headers=staff.headers)
    assert answer.status_code == 428 and answer.mimetype == "application/problem+json"
    problem = answer.get_json()
    assert problem["status"] == 428 and "ETag" in problem["detail"] and "If-Match" in problem["detail"]
    assert problem["error"]["code"] == "precondition_required"
    assert client.get(f"/api/v1/requests/{created['id']}", headers=staff.headers).get_json()["status"] == "submitted"


def test_a_stale_if_match_fails_and_changes_nothing(client: FlaskClient, session: Session) -> None:
    enterprise = caller(session, Role.ENTERPRISE)
    staff = caller(session, Role.STAFF, station_code="JL-CCND")
    created = new_request(client, enterprise)
    read = client.get(f"/api/v1/requests/{created['id']}", headers=enterprise.headers)
    triaged = client.post(
        f"/api/v1/requests/{created['id']}/triage",
        json=TRIAGE,
        headers={**staff.headers, "If-Match": read.headers["ETag"]},
    )
    assert triaged.status_code == 200
    withdrawn = client.post(
        f"/api/v1/requests/{created['id']}/withdraw",
        json={"reason": "不再需要"},
        headers={**enterprise.headers, "If-Match": read.headers["ETag"]},
    )
    assert withdrawn.status_code == 412 and withdrawn.get_json()["error"]["code"] == "precondition_failed"
    assert client.get(f"/api/v1/requests/{created['id']}", headers=staff.headers).get_json()["status"] == "triaged"
    stale = client.post(
        f"/api/v1/requests/{created['id']}/triage",
        json={**TRIAGE, "priority": "P1"},
        headers={**staff.headers, "If-Match": read.headers["ETag"]},
    )
    assert stale.status_code == 412
    assert client.get(f"/api/v1/requests/{created['id']}", headers=staff.headers).get_json()["priority"] == "P2"


@pytest.mark.parametrize("if_match", ["", " ", "*", "abc", '"1", "2"', '"-1"', "１", "1" * 12])
def test_an_empty_or_malformed_if_match_is_a_bad_request(client: FlaskClient, session: Session, if_match: str) -> None:
    enterprise = caller(session, Role.ENTERPRISE)
    staff = caller(session, Role.STAFF, station_code="JL-CCND")
    created = new_request(client, enterprise)
    answer = client.post(
        f"/api/v1/requests/{created['id']}/triage",
        json={**TRIAGE, "version": created["version"]},
        headers={**staff.headers, "If-Match": if_match},
    )
    assert answer.status_code == 400 and "If-Match" in answer.get_json()["error"]["message"]
    assert client.get(f"/api/v1/requests/{created['id']}", headers=staff.headers).get_json()["priority"] is None
