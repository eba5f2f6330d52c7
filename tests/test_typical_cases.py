"""Typical cases (典型案例): a head flags a result and takes the flag back, on the timeline, through the one policy
and with the request's version; on the desk's page (in English and Chinese) and over the API."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.errors import Forbidden, InvalidTransition, NotFound, StaleVersion, ValidationError
from service.models import Event, EventKind, Role, ServiceRequest, Status
from service.operations.typical_cases import flag_typical_case
from service.store.settings import DeskSettings
from tests.api_support import caller
from tests.factories import People
from tests.request_helpers import in_status
from tests.suite import login
from tests.test_web_reminders_results import ZH
from tests.web_requests_support import get, send, sent_back


def _events(session: Session, request: ServiceRequest) -> list[Event]:
    return list(
        session.scalars(
            select(Event)
            .where(
                Event.request_id == request.id,
                Event.kind.in_((EventKind.TYPICAL_FLAGGED, EventKind.TYPICAL_UNFLAGGED)),
            )
            .order_by(Event.id)
        )
    )


def test_a_head_flags_a_closed_request_and_takes_the_flag_back(
    session: Session, people: People, settings: DeskSettings
) -> None:
    request = in_status(session, people, settings, Status.CLOSED)
    version = request.version
    flagged = flag_typical_case(session, people.director, request.id, version, typical=True, note="  首个创新通道案例 ")
    assert flagged.typical and flagged.typical_by_id == people.director.id
    assert flagged.typical_note == "首个创新通道案例"
    assert flagged.version == version + 1
    unflagged = flag_typical_case(session, people.hub_director, request.id, flagged.version, typical=False)
    assert not unflagged.typical and unflagged.typical_note is None and unflagged.typical_by_id is None
    events = _events(session, request)
    assert [(e.kind, e.actor_id, e.public, e.data) for e in events] == [
        (EventKind.TYPICAL_FLAGGED, people.director.id, False, {"note": "首个创新通道案例"}),
        (EventKind.TYPICAL_UNFLAGGED, people.hub_director.id, False, {}),
    ]


def test_the_flag_is_a_heads_on_a_result_in_scope_and_refusals_change_nothing(
    session: Session, people: People, settings: DeskSettings
) -> None:
    resolved = in_status(session, people, settings, Status.RESOLVED)
    with pytest.raises(Forbidden):
        flag_typical_case(session, people.staff, resolved.id, resolved.version, typical=True)
    with pytest.raises(NotFound):
        flag_typical_case(session, people.other_director, resolved.id, resolved.version, typical=True)
    with pytest.raises(Forbidden):
        flag_typical_case(session, people.owner, resolved.id, resolved.version, typical=True)
    with pytest.raises(StaleVersion):
        flag_typical_case(session, people.director, resolved.id, resolved.version - 1, typical=True)
    with pytest.raises(ValidationError) as invalid:
        flag_typical_case(session, people.director, resolved.id, resolved.version, typical=True, note="长" * 5001)
    assert invalid.value.fields == {"note": "This text is too long."}
    with pytest.raises(InvalidTransition, match="not flagged"):
        flag_typical_case(session, people.director, resolved.id, resolved.version, typical=False)
    open_request = in_status(session, people, settings, Status.GUIDANCE)
    with pytest.raises(Forbidden):
        flag_typical_case(session, people.director, open_request.id, open_request.version, typical=True)
    session.expire_all()
    assert not session.get_one(ServiceRequest, resolved.id).typical and _events(session, resolved) == []

    flagged = flag_typical_case(session, people.director, resolved.id, resolved.version, typical=True)
    with pytest.raises(InvalidTransition, match="already flagged"):
        flag_typical_case(session, people.hub_director, resolved.id, flagged.version, typical=True)


def test_the_head_flags_a_case_on_its_page_and_the_timeline_says_so_in_both_languages(
    client: FlaskClient, session: Session, people: People, app_settings: DeskSettings
) -> None:
    request = in_status(session, people, app_settings, Status.CLOSED)
    page_url = f"/desk/requests/{request.id}"
    form = f'action="/desk/requests/{request.id}/typical"'
    login(client, people.staff)
    assert form not in get(client, page_url).get_data(as_text=True)

    login(client, people.director)
    page = get(client, page_url).get_data(as_text=True)
    assert form in page and "Flag as a typical case" in page
    url = f"/desk/requests/{request.id}/typical"
    fields = {"typical-version": request.version, "typical-typical": "yes", "typical-note": "注册人制度试点的范例"}
    stale = send(client, url, {**fields, "typical-version": request.version - 1}, prefix="typical")
    assert "Someone changed this request meanwhile" in sent_back(client, stale, page_url)
    crafted = send(client, url, {**fields, "typical-typical": "maybe"}, prefix="typical")
    assert crafted.status_code == 302 and _events(session, request) == []
    sent = send(client, url, fields, prefix="typical")
    assert sent.status_code == 302 and sent.location == page_url
    page = get(client, page_url).get_data(as_text=True)
    assert "The request is flagged as a typical case." in page
    assert "Flagged as a typical case" in page and "注册人制度试点的范例" in page
    assert "Remove the typical case flag" in page
    chinese = client.get(page_url, headers=ZH).get_data(as_text=True)
    assert "标记为典型案例" in chinese and "取消典型案例标记" in chinese

    # A second head's page, drawn before the flag, offers flagging: sent now, it says why it was not taken.
    session.expire_all()
    version = session.get_one(ServiceRequest, request.id).version
    again = send(client, url, {**fields, "typical-version": version}, prefix="typical")
    assert "This request is already flagged as a typical case." in sent_back(client, again, page_url)

    sent = send(client, url, {"typical-version": version, "typical-typical": "no"}, prefix="typical")
    assert "The request is no longer flagged as a typical case." in sent_back(client, sent, page_url)
    session.expire_all()
    assert not session.get_one(ServiceRequest, request.id).typical

    # The enterprise never learns of it.
    login(client, people.owner)
    portal = get(client, f"/portal/requests/{request.id}").get_data(as_text=True)
    assert "typical" not in portal.lower() and "注册人制度试点的范例" not in portal


def test_the_api_flags_a_result_and_lists_the_step(
    client: FlaskClient, session: Session, people: People, app_settings: DeskSettings
) -> None:
    head = caller(session, Role.DIRECTOR, station_code="JL-CCND")
    staff = caller(session, Role.STAFF, station_code="JL-CCND")
    request = in_status(session, people, app_settings, Status.CLOSED)
    url = f"/api/v1/requests/{request.id}/typical"
    body = {"typical": True, "note": "可复制推广", "version": request.version}
    assert client.post(url, json=body, headers=staff.headers).status_code == 403
    assert client.post(url, json={**body, "version": request.version - 1}, headers=head.headers).status_code == 409
    assert client.post(url, json={"typical": True}, headers=head.headers).status_code == 428
    flagged = client.post(url, json=body, headers=head.headers)
    assert flagged.status_code == 200, flagged.get_json()
    answer = flagged.get_json()
    assert (answer["typical"], answer["typical_note"]) == (True, "可复制推广") and answer["typical_at"]
    assert flagged.headers["ETag"] == f'"{answer["version"]}"'
    again = client.post(url, json={**body, "version": answer["version"]}, headers=head.headers)
    assert again.status_code == 409
    enterprise = caller(session, Role.ENTERPRISE, enterprise_=people.enterprise)
    seen = client.get(f"/api/v1/requests/{request.id}", headers=enterprise.headers).get_json()
    assert seen["typical"] is None and seen["typical_note"] is None
    unflagged = client.post(
        url, json={"typical": False}, headers={**head.headers, "If-Match": f'"{answer["version"]}"'}
    )
    assert unflagged.status_code == 200 and unflagged.get_json()["typical"] is False
    document = client.get("/api/v1/openapi.json").get_json()
    assert "post" in document["paths"]["/api/v1/requests/{request_id}/typical"]
