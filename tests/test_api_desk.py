"""Desk resources through the API: dashboard figures, plans and hotline sessions, each behind the policy."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from service.models import Role
from tests.api_support import caller, new_request


def test_dashboard_is_for_directors_and_counts_their_cases(client: FlaskClient, session: Session) -> None:
    enterprise = caller(session, Role.ENTERPRISE, station_code="JL-CCND")
    director = caller(session, Role.DIRECTOR, station_code="JL-CCND")
    staff = caller(session, Role.STAFF, station_code="JL-CCND")
    new_request(client, enterprise)
    figures = client.get("/api/v1/dashboard", headers=director.headers)
    assert figures.status_code == 200
    assert figures.get_json()["by_status"].get("submitted") == 1
    assert client.get("/api/v1/dashboard", headers=staff.headers).status_code == 403
    assert client.get("/api/v1/dashboard", headers=enterprise.headers).status_code == 403


def test_plans_and_hotline_sessions_stay_in_scope(client: FlaskClient, session: Session) -> None:
    enterprise = caller(session, Role.ENTERPRISE, station_code="JL-CCND")
    staff = caller(session, Role.STAFF, station_code="JL-CCND")
    assert client.get("/api/v1/plans", headers=enterprise.headers).get_json()["items"] == []
    assert client.get("/api/v1/plans/12345", headers=staff.headers).status_code == 404
    assert client.get("/api/v1/hotline-sessions", headers=staff.headers).get_json()["items"] == []
    assert client.get("/api/v1/hotline-sessions", headers=enterprise.headers).status_code == 403
    created = new_request(client, enterprise)
    unlinked = client.post(
        f"/api/v1/requests/{created['id']}/plan",
        json={"plan_id": None},
        headers={**staff.headers, "If-Match": f'"{created["version"]}"'},
    )
    assert unlinked.status_code == 200 and unlinked.get_json()["plan_id"] is None
    assert client.post(
        f"/api/v1/requests/{created['id']}/plan", json={"plan_id": None, "version": 1}, headers=enterprise.headers
    ).status_code in (403, 404)
