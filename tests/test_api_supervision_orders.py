"""Supervision orders (督办) through the API: issue, report, send back, accept, cancel and the list, under the same
policy and optimistic locking as the pages."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from service.models import Role
from service.models.base import utcnow
from tests.api_support import Caller, caller, new_request


def _issue(client: FlaskClient, director: Caller, request_id: int, days: float = 3) -> dict:
    response = client.post(
        f"/api/v1/requests/{request_id}/supervision-orders",
        json={
            "issue": "企业反映答复迟缓",
            "requirement": "三个工作日内报送落实情况",
            "deadline": (utcnow() + timedelta(days=days)).isoformat(),
        },
        headers=director.headers,
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()  # type: ignore[no-any-return]


def _step(client: FlaskClient, who: Caller, order: dict, action: str, text: str = "") -> dict:
    response = client.post(
        f"/api/v1/supervision-orders/{order['id']}/steps",
        json={"action": action, "text": text, "version": order["version"]},
        headers=who.headers,
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()  # type: ignore[no-any-return]


def test_the_loop_with_versions_and_policy(client: FlaskClient, session: Session) -> None:
    enterprise = caller(session, Role.ENTERPRISE, station_code="JL-CCND")
    officer = caller(session, Role.STAFF, station_code="JL-CCND")
    other = caller(session, Role.STAFF, station_code="JL-TH")
    director = caller(session, Role.DIRECTOR, station_code="JL-HUB")
    request = new_request(client, enterprise)
    refused = client.post(
        f"/api/v1/requests/{request['id']}/supervision-orders",
        json={"issue": "x", "requirement": "y", "deadline": (utcnow() + timedelta(days=1)).isoformat()},
        headers=officer.headers,
    )
    assert refused.status_code == 403
    past = client.post(
        f"/api/v1/requests/{request['id']}/supervision-orders",
        json={"issue": "x", "requirement": "y", "deadline": (utcnow() - timedelta(hours=1)).isoformat()},
        headers=director.headers,
    )
    assert past.status_code == 422
    order = _issue(client, director, request["id"])
    assert (order["status"], order["tier"], order["actions"]) == ("open", "on_schedule", ["cancel"])
    url = f"/api/v1/supervision-orders/{order['id']}"
    assert client.get(url, headers=other.headers).status_code == 404
    assert client.get(url, headers=enterprise.headers).status_code == 404
    seen = client.get(url, headers=officer.headers).get_json()
    assert seen["actions"] == ["report"]

    stale = client.post(
        f"{url}/steps", json={"action": "report", "text": "已办", "version": 99}, headers=officer.headers
    )
    assert stale.status_code == 409
    empty = client.post(f"{url}/steps", json={"action": "report", "version": order["version"]}, headers=officer.headers)
    assert empty.status_code == 422
    reported = _step(client, officer, order, "report", "已约谈企业")
    assert (reported["status"], reported["tier"], reported["reports"]) == ("reported", None, 1)
    assert (
        client.post(
            f"{url}/steps", json={"action": "accept", "version": reported["version"]}, headers=officer.headers
        ).status_code
        == 403
    )
    back = _step(client, director, reported, "send_back", "请补充时间节点")
    assert (back["status"], back["sent_back"], back["comment"]) == ("open", 1, "请补充时间节点")
    again = _step(client, officer, back, "report", "周五前办结")
    closed = _step(client, director, again, "accept")
    assert closed["status"] == "closed" and closed["closed_at"] is not None and closed["actions"] == []


def test_the_list_filters_and_pages(client: FlaskClient, session: Session) -> None:
    enterprise = caller(session, Role.ENTERPRISE, station_code="JL-CCND")
    officer = caller(session, Role.STAFF, station_code="JL-CCND")
    director = caller(session, Role.DIRECTOR, station_code="JL-HUB")
    request = new_request(client, enterprise)
    orders = [_issue(client, director, request["id"], days) for days in (0.5, 5, 9)]
    first = client.get("/api/v1/supervision-orders?limit=2", headers=officer.headers).get_json()
    assert [o["id"] for o in first["items"]] == [orders[0]["id"], orders[1]["id"]]
    rest = client.get(f"/api/v1/supervision-orders?limit=2&cursor={first['next_cursor']}", headers=officer.headers)
    assert [o["id"] for o in rest.get_json()["items"]] == [orders[2]["id"]]
    _step(client, director, orders[2], "cancel", "重复")
    open_ones = client.get("/api/v1/supervision-orders", headers=officer.headers).get_json()["items"]
    assert len(open_ones) == 2
    cancelled = client.get("/api/v1/supervision-orders?status=cancelled", headers=director.headers).get_json()
    assert [o["id"] for o in cancelled["items"]] == [orders[2]["id"]]
    assert len(client.get("/api/v1/supervision-orders?status=all", headers=officer.headers).get_json()["items"]) == 3
    assert client.get("/api/v1/supervision-orders?tier=red", headers=officer.headers).get_json()["items"] == []
    assert client.get("/api/v1/supervision-orders?tier=pink", headers=officer.headers).status_code == 422
    assert client.get("/api/v1/supervision-orders", headers=enterprise.headers).status_code == 403
