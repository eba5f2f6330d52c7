"""Merge, links and child requests through the API: the same policy, lifecycle and versions as the pages."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from service.models import Role
from tests.api_support import caller, new_request, triaged_to


def test_a_duplicate_is_seen_merged_and_leads_to_its_target(client: FlaskClient, session: Session) -> None:
    enterprise = caller(session, Role.ENTERPRISE, station_code="JL-CCND")
    officer = caller(session, Role.STAFF, station_code="JL-CCND")
    elsewhere = caller(session, Role.STAFF, station_code="JL-TH")
    target = triaged_to(client, officer, new_request(client, enterprise, title="型式检验样品数量咨询"), officer)
    duplicate = new_request(client, enterprise, title="型式检验的样品数量咨询")
    url = f"/api/v1/requests/{duplicate['id']}"

    seen = client.get(f"{url}/relations", headers=officer.headers).get_json()
    assert [d["reference"] for d in seen["possible_duplicates"]] == [target["reference"]]
    assert seen["possible_duplicates"][0]["score"] >= 60
    assert client.get(f"{url}/relations", headers=enterprise.headers).get_json()["possible_duplicates"] == []

    merge = {"target": target["reference"], "reason": "同一问题"}
    assert client.post(f"{url}/merge", json={**merge, "version": 1}, headers=enterprise.headers).status_code == 403
    assert client.post(f"{url}/merge", json={**merge, "version": 1}, headers=elsewhere.headers).status_code == 404
    stale = {**merge, "version": 1, "target_version": target["version"] - 1}
    assert client.post(f"{url}/merge", json=stale, headers=officer.headers).status_code == 409
    merged = client.post(f"{url}/merge", json={**merge, "version": 1}, headers=officer.headers)
    assert merged.status_code == 200, merged.get_json()
    assert [m["reference"] for m in merged.get_json()["merged"]] == [duplicate["reference"]]

    after = client.get(url, headers=enterprise.headers).get_json()
    assert (after["status"], after["merged_into_id"], after["actions"]) == ("merged", target["id"], [])
    again = client.post(f"{url}/merge", json={**merge, "version": after["version"]}, headers=officer.headers)
    assert again.status_code == 409
    document = client.get("/api/v1/openapi.json", headers=officer.headers).get_json()
    assert "post" in document["paths"]["/api/v1/requests/{request_id}/merge"]
    assert "delete" in document["paths"]["/api/v1/requests/{request_id}/links/{other_id}"]


def test_links_and_a_child_that_holds_back_its_parent(client: FlaskClient, session: Session) -> None:
    enterprise = caller(session, Role.ENTERPRISE, station_code="JL-CCND")
    officer = caller(session, Role.STAFF, station_code="JL-CCND")
    parent = triaged_to(client, officer, new_request(client, enterprise), officer)
    other = new_request(client, enterprise, title="临床评价路径")
    url = f"/api/v1/requests/{parent['id']}"

    linked = client.post(
        f"{url}/links", json={"other": other["reference"], "version": parent["version"]}, headers=officer.headers
    )
    assert linked.status_code == 201, linked.get_json()
    assert [r["reference"] for r in linked.get_json()["linked"]] == [other["reference"]]
    other_side = client.get(f"/api/v1/requests/{other['id']}/relations", headers=officer.headers).get_json()
    assert [r["reference"] for r in other_side["linked"]] == [parent["reference"]]
    version = linked.get_json()["version"]
    removed = client.delete(f"{url}/links/{other['id']}", headers={**officer.headers, "If-Match": f'"{version}"'})
    assert removed.status_code == 200 and removed.get_json()["linked"] == []

    child = client.post(
        f"{url}/children",
        json={"title": "通化分站负责检验部分", "description": "样品检验", "station_code": "JL-TH"},
        headers={**officer.headers, "If-Match": f'"{removed.get_json()["version"]}"'},
    )
    assert child.status_code == 201, child.get_json()
    assert (child.get_json()["parent_id"], child.get_json()["station_code"]) == (parent["id"], "JL-TH")
    current = client.get(url, headers=officer.headers).get_json()
    resolve = client.post(
        f"{url}/transitions",
        json={"action": "resolve", "summary": "已答复", "version": current["version"]},
        headers=officer.headers,
    )
    assert resolve.status_code == 409
    assert child.get_json()["reference"] in resolve.get_json()["error"]["message"]
