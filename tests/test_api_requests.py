"""Requests through the API: the same operations and policy as the pages, seen by the caller it concerns."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from service.models import Role
from tests import factories
from tests.api_support import caller, new_request

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_submit_is_idempotent_with_the_same_key(client: FlaskClient, session: Session) -> None:
    who = caller(session, Role.ENTERPRISE)
    body = {
        "title": "临床评价路径",
        "description": "同品种对比是否可行？",
        "category": "clinical_evaluation",
        "lifecycle_stage": "clinical_evaluation",
    }
    headers = {**who.headers, "Idempotency-Key": "erp-4711"}
    first = client.post("/api/v1/requests", json=body, headers=headers)
    again = client.post("/api/v1/requests", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.get_json()["id"] == again.get_json()["id"]
    assert first.get_json()["channel"] == "api"
    listed = client.get("/api/v1/requests", headers=who.headers).get_json()
    assert [item["reference"] for item in listed["items"]] == [first.get_json()["reference"]]


def test_list_pages_with_a_cursor_and_filters_by_status(client: FlaskClient, session: Session) -> None:
    who = caller(session, Role.ENTERPRISE)
    ids = [new_request(client, who, title=f"问题{n}")["id"] for n in range(3)]
    first = client.get("/api/v1/requests?limit=2", headers=who.headers).get_json()
    second = client.get(f"/api/v1/requests?limit=2&cursor={first['next_cursor']}", headers=who.headers).get_json()
    assert [i["id"] for i in first["items"] + second["items"]] == sorted(ids, reverse=True)
    assert second["next_cursor"] is None
    assert client.get("/api/v1/requests?status=closed", headers=who.headers).get_json()["items"] == []
    oldest = client.get("/api/v1/requests?limit=2&sort=oldest", headers=who.headers).get_json()
    rest = client.get(
        f"/api/v1/requests?limit=2&sort=oldest&cursor={oldest['next_cursor']}", headers=who.headers
    ).get_json()
    assert [i["id"] for i in oldest["items"] + rest["items"]] == sorted(ids)
    assert client.get("/api/v1/requests?sort=sideways", headers=who.headers).status_code == 422


def test_another_enterprises_request_is_not_found(client: FlaskClient, session: Session) -> None:
    owner = caller(session, Role.ENTERPRISE)
    stranger = caller(session, Role.ENTERPRISE)
    created = new_request(client, owner)
    for method, path in (("GET", ""), ("POST", "/messages"), ("POST", "/withdraw")):
        answer = client.open(
            f"/api/v1/requests/{created['id']}{path}",
            method=method,
            json={"body": "hi"} if path == "/messages" else {"reason": "x", "version": 1},
            headers=stranger.headers,
        )
        assert answer.status_code == 404, path
    assert client.get("/api/v1/requests", headers=stranger.headers).get_json()["items"] == []


def test_enterprise_sees_replies_but_never_internal_notes(client: FlaskClient, session: Session) -> None:
    enterprise = caller(session, Role.ENTERPRISE)
    staff = caller(session, Role.STAFF, station_code="JL-CCND")
    created = new_request(client, enterprise)
    assert (
        client.post(
            f"/api/v1/requests/{created['id']}/notes", json={"body": "内部：先查同类产品"}, headers=staff.headers
        ).status_code
        == 201
    )
    assert (
        client.post(
            f"/api/v1/requests/{created['id']}/messages", json={"body": "请补充产品技术要求"}, headers=staff.headers
        ).status_code
        == 201
    )
    assert (
        client.post(
            f"/api/v1/requests/{created['id']}/notes", json={"body": "我也想写内部备注"}, headers=enterprise.headers
        ).status_code
        == 403
    )
    seen = client.get(f"/api/v1/requests/{created['id']}", headers=enterprise.headers).get_json()
    bodies = [item["message"]["body"] for item in seen["timeline"] if item["message"]]
    assert bodies == ["请补充产品技术要求"]
    assert all(not item["internal"] for item in seen["timeline"])
    assert seen["assignee_id"] is None and seen["escalated"] is None
    desk_view = client.get(f"/api/v1/requests/{created['id']}", headers=staff.headers).get_json()
    assert "内部：先查同类产品" in [i["message"]["body"] for i in desk_view["timeline"] if i["message"]]


def test_triage_with_a_stale_if_match_fails_the_precondition(client: FlaskClient, session: Session) -> None:
    enterprise = caller(session, Role.ENTERPRISE)
    staff = caller(session, Role.STAFF, station_code="JL-CCND")
    created = new_request(client, enterprise)
    triage = {"category": "type_testing", "priority": "P2", "lifecycle_stage": "type_testing"}
    stale = client.post(
        f"/api/v1/requests/{created['id']}/triage",
        json=triage,
        headers={**staff.headers, "If-Match": str(created["version"] + 5)},
    )
    assert stale.status_code == 412 and stale.get_json()["error"]["code"] == "precondition_failed"
    done = client.post(
        f"/api/v1/requests/{created['id']}/triage",
        json={**triage, "version": created["version"]},
        headers=staff.headers,
    )
    assert done.status_code == 200
    assert done.get_json()["status"] == "triaged" and done.get_json()["priority"] == "P2"
    assert (
        client.post(
            f"/api/v1/requests/{created['id']}/triage",
            json=triage,
            headers={**enterprise.headers, "If-Match": done.headers["ETag"]},
        ).status_code
        == 403
    )


def test_resolve_then_confirm_with_a_rating_through_the_lifecycle(client: FlaskClient, session: Session) -> None:
    enterprise = caller(session, Role.ENTERPRISE)
    staff = caller(session, Role.STAFF, station_code="JL-CCND")
    created = new_request(client, enterprise)
    triaged = client.post(
        f"/api/v1/requests/{created['id']}/triage",
        headers=staff.headers,
        json={"category": "policy", "priority": "P3", "lifecycle_stage": "research", "version": created["version"]},
    )
    resolved = client.post(
        f"/api/v1/requests/{created['id']}/transitions",
        headers={**staff.headers, "If-Match": triaged.headers["ETag"]},
        json={"action": "resolve", "summary": "已电话说明送检数量"},
    )
    assert resolved.status_code == 200 and resolved.get_json()["status"] == "resolved"
    assert (
        "confirm" in client.get(f"/api/v1/requests/{created['id']}", headers=enterprise.headers).get_json()["actions"]
    )
    resolved_version = {**enterprise.headers, "If-Match": resolved.headers["ETag"]}
    missing = client.post(f"/api/v1/requests/{created['id']}/confirm", json={}, headers=resolved_version)
    assert missing.status_code == 422 and "rating" in missing.get_json()["error"]["fields"]
    closed = client.post(f"/api/v1/requests/{created['id']}/confirm", json={"rating": 5}, headers=resolved_version)
    assert closed.get_json()["status"] == "closed" and closed.get_json()["rating"] == 5
    wrong = client.post(
        f"/api/v1/requests/{created['id']}/withdraw",
        json={"reason": "x"},
        headers={**enterprise.headers, "If-Match": closed.headers["ETag"]},
    )
    assert wrong.status_code == 409 and wrong.get_json()["error"]["code"] == "invalid_transition"


def test_upload_and_download_an_attachment_safely(client: FlaskClient, session: Session) -> None:
    enterprise = caller(session, Role.ENTERPRISE)
    stranger = caller(session, Role.ENTERPRISE)
    created = new_request(client, enterprise)
    import io

    answer = client.post(
        f"/api/v1/requests/{created['id']}/attachments",
        headers=enterprise.headers,
        data={"file": (io.BytesIO(PDF), "检验报告.pdf"), "body": "附检验报告"},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 201, answer.get_json()
    item = answer.get_json()["items"][0]
    download = client.get(item["download_url"], headers=enterprise.headers)
    assert download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download.headers["Content-Security-Policy"]
    assert client.get(item["download_url"], headers=stranger.headers).status_code == 404
    refused = client.post(
        f"/api/v1/requests/{created['id']}/attachments",
        headers=enterprise.headers,
        data={"file": (io.BytesIO(b"<html><script>x</script>"), "a.html")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422


def test_desk_queue_is_for_desk_users_and_scoped_to_their_station(client: FlaskClient, session: Session) -> None:
    enterprise = caller(session, Role.ENTERPRISE, station_code="JL-CCND")
    mine = caller(session, Role.STAFF, station_code="JL-CCND")
    elsewhere = caller(session, Role.STAFF, station_code="JL-TH")
    created = new_request(client, enterprise)
    assert [i["id"] for i in client.get("/api/v1/queue?queue=new", headers=mine.headers).get_json()["items"]] == [
        created["id"]
    ]
    assert client.get("/api/v1/queue", headers=elsewhere.headers).get_json()["items"] == []
    assert client.get(f"/api/v1/requests/{created['id']}", headers=elsewhere.headers).status_code == 404
    assert client.get("/api/v1/queue", headers=enterprise.headers).status_code == 403
    factories.user(session, Role.STAFF)  # the queue does not depend on who else exists


def test_an_idempotency_key_reused_for_a_different_request_is_refused(client: FlaskClient, session: Session) -> None:
    who = caller(session, Role.ENTERPRISE)
    body = {
        "title": "临床评价路径",
        "description": "同品种对比是否可行？",
        "category": "clinical_evaluation",
        "lifecycle_stage": "clinical_evaluation",
    }
    headers = {**who.headers, "Idempotency-Key": "erp-4712"}
    first = client.post("/api/v1/requests", json=body, headers=headers)
    other = client.post("/api/v1/requests", json={**body, "title": "另一个问题"}, headers=headers)
    assert first.status_code == 201
    assert other.status_code == 422 and "idempotency_key" in other.get_json()["error"]["fields"]
    assert [r["title"] for r in client.get("/api/v1/requests", headers=who.headers).get_json()["items"]] == [
        "临床评价路径"
    ]
