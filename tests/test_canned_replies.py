"""Canned replies (常用回复): personal and station-wide reply templates with variables, filled in for a request,
put into the reply box of the desk's request page (a link, with or without a script), counted when sent."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.demo import seed
from service.demo.seed_canned_replies import DEMO_CANNED_REPLIES, seed_demo_canned_replies
from service.errors import Forbidden, NotFound, StaleVersion, ValidationError
from service.models import CannedReply, Message, Role
from service.operations.canned_replies import (
    CannedReplyFields,
    count_use,
    create_canned_reply,
    delete_canned_reply,
    update_canned_reply,
)
from service.operations.requests import add_message
from service.queries.canned_replies import canned_replies_of, replies_for_request
from service.rules.canned_replies import ReplyContext, fill_in, unknown_variables
from service.store.settings import DeskSettings
from tests.api_support import caller, new_request, triaged_to
from tests.factories import People
from tests.request_helpers import triaged
from tests.suite import login, post_form
from tests.test_knowledge import published
from tests.web_requests_support import EN

GREETING = "{enterprise}您好：您的诉求 {reference} 由 {officer} 办理，承诺办结时间 {due_date}。"


def _reply(session: Session, actor: object, station_wide: bool = False, **changes: str) -> CannedReply:
    fields = {"title": "受理告知", "body": GREETING, "language": "zh", **changes}
    return create_canned_reply(session, actor, CannedReplyFields(station_wide=station_wide, **fields))  # type: ignore[arg-type]


def test_variables_are_filled_in_by_one_function_and_unknown_ones_are_named() -> None:
    context = ReplyContext(
        "长春新区医疗科技有限公司",
        "JL-2026-000123",
        "王明",
        datetime(2026, 3, 20, 17, 0, tzinfo=UTC),
        "https://desk.example.gov.cn/",
    )
    assert fill_in(GREETING, context) == (
        "长春新区医疗科技有限公司您好：您的诉求 JL-2026-000123 由 王明 办理，承诺办结时间 2026-03-21。"
    )
    assert fill_in("{unknown} and {enterprise:ignored} {", context) == "{unknown} and 长春新区医疗科技有限公司 {"
    assert unknown_variables("{enterprise} {articel} {articel} {x:1}") == ["articel", "x"]
    # An article's link starts with the app's address; one that names no number is left as written.
    assert (
        fill_in("见 {article:12}。{article:x}", context) == "见 https://desk.example.gov.cn/knowledge/12。{article:x}"
    )


def test_an_officer_keeps_their_own_and_the_head_the_stations(session: Session, people: People) -> None:
    mine = _reply(session, people.staff)
    station = _reply(session, people.director, station_wide=True, title="补充材料通知", language="en")
    assert (mine.owner_id, mine.station_id) == (people.staff.id, None)
    assert (station.owner_id, station.station_id) == (None, people.director.station_id)
    # An officer may not write the station's; nobody sees someone else's own; another station sees neither.
    with pytest.raises(Forbidden):
        _reply(session, people.staff, station_wide=True)
    assert {r.id for r in canned_replies_of(session, people.staff)} == {mine.id, station.id}
    assert {r.id for r in canned_replies_of(session, people.staff2)} == {station.id}
    assert canned_replies_of(session, people.other_staff) == []
    with pytest.raises(NotFound):
        update_canned_reply(session, people.staff2, mine.id, mine.version, CannedReplyFields("x", "y", "zh"))
    with pytest.raises(Forbidden):
        delete_canned_reply(session, people.staff, station.id)
    # The administrator keeps every station's, never someone's own.
    assert {r.id for r in canned_replies_of(session, people.admin)} == {station.id}
    delete_canned_reply(session, people.admin, station.id)
    assert canned_replies_of(session, people.staff2) == []


def test_bad_input_and_a_stale_edit_change_nothing(session: Session, people: People) -> None:
    with pytest.raises(ValidationError) as refused:
        _reply(session, people.staff, body="{enterprise}：请见{articel}", language="fr", title=" ")
    assert set(refused.value.fields) == {"title", "body", "language"}
    assert refused.value.params["names"] == "{articel}"
    assert session.scalars(select(CannedReply)).all() == []

    reply = _reply(session, people.staff)
    seen = reply.version
    update_canned_reply(session, people.staff, reply.id, seen, CannedReplyFields("受理告知（新）", GREETING, "zh"))
    with pytest.raises(StaleVersion):
        update_canned_reply(session, people.staff, reply.id, seen, CannedReplyFields("覆盖", "覆盖", "zh"))
    session.expire_all()
    assert session.get(CannedReply, reply.id).title == "受理告知（新）"  # type: ignore[union-attr]


def test_sending_a_message_started_from_one_counts_its_use(
    session: Session, people: People, settings: DeskSettings
) -> None:
    request = triaged(session, people, settings)
    reply = _reply(session, people.director, station_wide=True)
    (filled,) = replies_for_request(session, people.staff, request, "http://localhost:5000")
    assert filled.text.startswith(people.enterprise.name) and request.reference in filled.text
    assert people.staff.name in filled.text
    add_message(
        session, people.staff, request.id, filled.text + "（已核实）", settings=settings, canned_reply_id=reply.id
    )
    add_message(session, people.staff2, request.id, "另附说明", settings=settings, canned_reply_id=reply.id)
    # Someone else's, or none: the message goes, nothing is counted.
    mine = _reply(session, people.staff2)
    add_message(session, people.staff, request.id, "再次说明", settings=settings, canned_reply_id=mine.id)
    count_use(session, people.staff, 999_999)
    session.expire_all()
    assert session.get(CannedReply, reply.id).usage_count == 2  # type: ignore[union-attr]
    assert session.get(CannedReply, mine.id).usage_count == 0  # type: ignore[union-attr]
    assert len(session.scalars(select(Message).where(Message.request_id == request.id)).all()) == 3


def test_the_request_page_offers_them_and_its_link_fills_the_reply_box_without_a_script(
    client: FlaskClient, session: Session, people: People, settings: DeskSettings
) -> None:
    request = triaged(session, people, settings)
    reply = _reply(session, people.staff, title="Acknowledgement", body="Dear {enterprise}, about {reference}.")
    login(client, people.staff)
    page = client.get(f"/desk/requests/{request.id}", headers=EN).get_data(as_text=True)
    assert f'href="/desk/canned-replies/for/{request.id}" data-canned-picker' in page and "js/canned_replies.js" in page
    picker = client.get(f"/desk/canned-replies/for/{request.id}", headers=EN).get_data(as_text=True)
    assert "Acknowledgement" in picker
    assert f'data-canned-text="Dear {people.enterprise.name}, about {request.reference}."' in picker
    assert f'href="/desk/requests/{request.id}?canned={reply.id}#message-heading"' in picker

    prefilled = client.get(f"/desk/requests/{request.id}?canned={reply.id}", headers=EN).get_data(as_text=True)
    prefilled = prefilled.replace("\r\n", "\n")
    assert f'name="body">\nDear {people.enterprise.name}, about {request.reference}.</textarea>' in prefilled
    assert f'name="canned_reply_id" type="hidden" value="{reply.id}"' in prefilled
    # Someone else's, or a made-up one, leaves the box empty.
    other = _reply(session, people.staff2, title="Not yours")
    assert "Not yours" not in client.get(f"/desk/canned-replies/for/{request.id}", headers=EN).get_data(as_text=True)
    page = client.get(f"/desk/requests/{request.id}?canned={other.id}", headers=EN).get_data(as_text=True)
    page = page.replace("\r\n", "\n")
    assert "Not yours" not in page and 'name="body">\n</textarea>' in page

    sent = post_form(
        client,
        f"/desk/requests/{request.id}/messages",
        {"visibility": "public", "body": "Dear all, edited.", "canned_reply_id": str(reply.id)},
        headers=EN,
        follow_redirects=True,
    )
    assert "The reply has been sent." in sent.get_data(as_text=True)
    session.expire_all()
    assert session.get(CannedReply, reply.id).usage_count == 1  # type: ignore[union-attr]


def test_an_article_link_in_a_canned_reply_opens_that_article(
    client: FlaskClient, session: Session, people: People, settings: DeskSettings
) -> None:
    request = triaged(session, people, settings)
    article_id = published(session, people)
    reply = _reply(session, people.staff, title="Classification", body=f"Please read {{article:{article_id}}}")
    login(client, people.staff)
    page = client.get(f"/desk/requests/{request.id}?canned={reply.id}", headers=EN).get_data(as_text=True)
    link = re.search(r"Please read (\S+)</textarea>", page)
    assert link is not None and link.group(1).startswith("http")
    article = client.get(urlsplit(link.group(1)).path, headers=EN)
    assert article.status_code == 200 and "医疗器械产品如何确定管理类别" in article.get_data(as_text=True)


def test_the_page_lets_each_write_what_is_theirs(client: FlaskClient, session: Session, people: People) -> None:
    login(client, people.staff)
    page = client.get("/desk/canned-replies/", headers=EN).get_data(as_text=True)
    assert "My canned replies" in page and "{enterprise}" in page
    refused = post_form(
        client, "/desk/canned-replies/new", {"title": "受理告知", "language": "zh", "body": "{nope}"}, headers=EN
    )
    assert refused.status_code == 400
    assert "No such variable: {nope}." in refused.get_data(as_text=True)
    made = post_form(
        client,
        "/desk/canned-replies/new",
        {"title": "受理告知", "language": "zh", "body": GREETING, "scope": "station"},
        headers=EN,
    )
    assert made.status_code == 403  # an officer cannot write the station's
    saved = post_form(
        client,
        "/desk/canned-replies/new",
        {"title": "受理告知", "language": "zh", "body": GREETING},
        headers=EN,
        follow_redirects=True,
    )
    assert "The canned reply is saved." in saved.get_data(as_text=True)
    reply = session.scalars(select(CannedReply)).one()
    assert reply.owner_id == people.staff.id

    stale = post_form(
        client,
        f"/desk/canned-replies/{reply.id}/edit",
        {"title": "改", "language": "zh", "body": "改", "version": str(reply.version + 1)},
        headers=EN,
    )
    assert stale.status_code == 409 and "as it is saved now" in stale.get_data(as_text=True)
    unconfirmed = post_form(client, f"/desk/canned-replies/{reply.id}/delete", {}, headers=EN)
    assert unconfirmed.status_code == 200 and "Delete a canned reply" in unconfirmed.get_data(as_text=True)
    post_form(client, f"/desk/canned-replies/{reply.id}/delete", {"confirm": "yes"}, headers=EN)
    assert session.scalars(select(CannedReply)).all() == []

    login(client, people.director)
    post_form(
        client,
        "/desk/canned-replies/new",
        {"title": "Station", "language": "en", "body": "Hello {officer}", "scope": "station"},
        headers=EN,
    )
    assert session.scalars(select(CannedReply.station_id)).one() == people.director.station_id
    login(client, people.owner)
    assert client.get("/desk/canned-replies/", headers=EN).status_code == 403


def test_the_demo_has_canned_replies_in_both_languages_once(session: Session) -> None:
    seed.seed_reference_data(session)
    seed.seed_demo_accounts(session)
    assert seed_demo_canned_replies(session) == len(DEMO_CANNED_REPLIES)
    assert seed_demo_canned_replies(session) == 0
    officer = seed.demo_user(session, "ccnd.staff@demo.jl.gov.cn")
    usable = canned_replies_of(session, officer)
    assert {r.language for r in usable} == {"zh", "en"}
    assert {r.station_id is not None for r in usable} == {True, False}


def test_the_api_lists_them_filled_in_and_a_reply_with_one_counts_it(client: FlaskClient, session: Session) -> None:
    enterprise = caller(session, Role.ENTERPRISE, station_code="JL-CCND")
    officer = caller(session, Role.STAFF, station_code="JL-CCND")
    elsewhere = caller(session, Role.STAFF, station_code="JL-TH")
    request = triaged_to(client, officer, new_request(client, enterprise), officer)
    reply = _reply(session, officer.user, body="您好，{reference} 由 {officer} 办理。")
    url = f"/api/v1/requests/{request['id']}/canned-replies"
    listed = client.get(url, headers=officer.headers).get_json()
    assert listed["items"] == [
        {
            "id": reply.id,
            "title": "受理告知",
            "language": "zh",
            "station_wide": False,
            "usage_count": 0,
            "text": f"您好，{request['reference']} 由 {officer.user.name} 办理。",
        }
    ]
    assert client.get(url, headers=enterprise.headers).status_code == 403  # its own request: not the desk
    assert client.get(url, headers=elsewhere.headers).status_code == 404

    sent = client.post(
        f"/api/v1/requests/{request['id']}/messages",
        json={"body": listed["items"][0]["text"], "canned_reply_id": reply.id},
        headers=officer.headers,
    )
    assert sent.status_code == 201, sent.get_json()
    assert client.get(url, headers=officer.headers).get_json()["items"][0]["usage_count"] == 1
