"""Colleagues through the pages: the administrator invites, the mail's link makes a member who sees the enterprise's
requests, hand-over and deactivation; and the desk's page of one enterprise, within the reader's scope."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.models import EnterpriseRole, EventKind, Invitation, OutboundMail, Role, User
from service.models.base import utcnow
from service.operations import invitations
from service.operations.requests import submit_request
from service.store.settings import DeskSettings
from tests import factories
from tests.factories import People
from tests.request_helpers import draft, submit
from tests.suite import change_settings, login, post_form
from tests.test_page_ids import _assert_ids_are_sound

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh"}
PASSWORD = "Colleague-Password-8"
BASE = "https://desk.example.gov.cn"


@pytest.fixture()
def public_address(app: Flask, monkeypatch: pytest.MonkeyPatch) -> str:
    return change_settings(monkeypatch, app, base_url=BASE + "/").base_url


def _invitation_mail(session: Session, email: str) -> OutboundMail:
    query = select(OutboundMail).where(OutboundMail.address == email, OutboundMail.kind == EventKind.COLLEAGUE_INVITED)
    return session.scalars(query.order_by(OutboundMail.id.desc())).first()  # type: ignore[return-value]


def _link_path(mail: OutboundMail) -> str:
    found = re.search(re.escape(BASE) + r"(/invitation/[^\s\"]+)", mail.text_body or "")
    assert found, mail.text_body
    assert f'href="{found.group(0)}"' in (mail.html_body or "")
    return found.group(1)


def _signed_out(client: FlaskClient) -> FlaskClient:
    """The same browser with nobody signed in (a second client would share the test's one connection)."""
    with client.session_transaction() as cookie_session:
        cookie_session.clear()
    return client


def _version(client: FlaskClient) -> str:
    page = client.get("/portal/colleagues/", headers=EN).get_data(as_text=True)
    found = re.search(r'name="version" type="hidden" value="(\d+)"|type="hidden" name="version" value="(\d+)"', page)
    assert found, page
    return found.group(1) or found.group(2)


def _invite(client: FlaskClient, email: str, headers: dict[str, str] = EN):  # type: ignore[no-untyped-def]
    data = {"email": email, "role": "member", "version": _version(client)}
    return post_form(client, "/portal/colleagues/invite", data, headers=headers)


def test_an_invited_colleague_joins_by_the_mailed_link_and_sees_the_enterprises_requests(
    app: Flask, client: FlaskClient, session: Session, people: People, settings: DeskSettings, public_address: str
) -> None:
    request = submit(session, people, settings)
    login(client, people.owner)
    answer = _invite(client, "Wang.Xin@Example.cn", EN)
    assert answer.status_code == 302
    mail = _invitation_mail(session, "wang.xin@example.cn")
    assert people.enterprise.name in (mail.subject or "") and "invites you" in (mail.subject or "")
    listed = client.get("/portal/colleagues/", headers=EN).get_data(as_text=True)
    assert "wang.xin@example.cn" in listed and "Pending invitations" in listed

    newcomer = _signed_out(client)
    path = _link_path(mail)
    form_page = newcomer.get(path, headers=EN).get_data(as_text=True)
    assert people.enterprise.name in form_page and "wang.xin@example.cn" in form_page
    joined = post_form(newcomer, path, {"name": "王新", "password": PASSWORD, "confirm": PASSWORD}, headers=EN)
    assert joined.status_code == 302
    assert joined.headers["Location"].endswith("/portal/")
    portal = newcomer.get("/portal/?queue=all", headers=EN).get_data(as_text=True)
    assert request.reference in portal

    user = session.scalars(select(User).where(User.email == "wang.xin@example.cn")).one()
    assert (user.enterprise_id, user.enterprise_role) == (people.enterprise.id, EnterpriseRole.MEMBER)
    # The link worked once.
    again = newcomer.get(path, headers=EN, follow_redirects=True).get_data(as_text=True)
    assert "accepted already" in again


def test_the_invitation_mail_speaks_the_inviters_language(
    client: FlaskClient, session: Session, people: People, public_address: str
) -> None:
    login(client, people.owner)
    _invite(client, "li.na@example.cn", ZH)
    mail = _invitation_mail(session, "li.na@example.cn")
    assert "邀请您加入" in (mail.subject or "")
    assert "7 天" in (mail.text_body or "")


def test_an_expired_link_answers_with_a_clear_message(
    app: Flask, client: FlaskClient, session: Session, people: People, public_address: str
) -> None:
    login(client, people.owner)
    _invite(client, "late@example.cn")
    path = _link_path(_invitation_mail(session, "late@example.cn"))
    invitation = session.scalars(select(Invitation)).one()
    invitation.sent_at = utcnow() - invitations.INVITATION_LIFETIME - timedelta(hours=1)
    session.commit()
    page = _signed_out(client).get(path, headers=EN, follow_redirects=True).get_data(as_text=True)
    # The link carries the time it was mailed, which no longer matches: the page says to use the latest mail.
    assert "sent again" in page or "expired" in page
    assert session.scalar(select(User.id).where(User.email == "late@example.cn")) is None


def test_a_damaged_link_is_refused(client: FlaskClient) -> None:
    page = client.get("/invitation/not-a-link", headers=EN, follow_redirects=True).get_data(as_text=True)
    assert "damaged or incomplete" in page


def test_a_member_sees_the_list_but_cannot_invite(client: FlaskClient, session: Session, people: People) -> None:
    login(client, people.colleague)
    page = client.get("/portal/colleagues/", headers=EN).get_data(as_text=True)
    assert people.owner.name in page and people.colleague.name in page
    assert "Invite a colleague" not in page
    refused = post_form(
        client, "/portal/colleagues/invite", {"email": "x@example.cn", "role": "member", "version": "1"}
    )
    assert refused.status_code == 403


def test_the_last_administrator_is_told_why_stepping_down_is_refused(
    client: FlaskClient, session: Session, people: People
) -> None:
    login(client, people.owner)
    data = {"role": "member", "version": _version(client)}
    post_form(client, f"/portal/colleagues/{people.owner.id}/role", data, headers=EN)
    page = client.get("/portal/colleagues/", headers=EN).get_data(as_text=True)
    assert "must keep at least one active administrator" in page
    session.refresh(people.owner)
    assert people.owner.enterprise_role == EnterpriseRole.ADMINISTRATOR


def test_deactivating_a_colleague_hands_their_requests_over_and_signs_them_out(
    app: Flask, client: FlaskClient, session: Session, people: People, settings: DeskSettings
) -> None:
    theirs = submit_request(session, people.colleague, draft(), (), settings=settings)
    their_cookie = people.colleague.get_id()

    login(client, people.owner)
    data = {"successor_id": str(people.owner.id), "version": _version(client)}
    answer = post_form(client, f"/portal/colleagues/{people.colleague.id}/deactivate", data, headers=EN)
    assert answer.status_code == 302
    page = client.get("/portal/colleagues/", headers=EN).get_data(as_text=True)
    assert "1 open request was handed over" in page and "Deactivated" in page

    session.refresh(theirs)
    assert theirs.submitter_id == people.owner.id
    # Signed out everywhere: the cookie they had no longer signs them in.
    with client.session_transaction() as cookie_session:
        cookie_session["_user_id"] = their_cookie
    assert client.get("/portal/").status_code == 302


def test_the_administrator_hands_a_request_over_on_its_page(
    client: FlaskClient, session: Session, people: People, settings: DeskSettings
) -> None:
    request = submit(session, people, settings)
    login(client, people.owner)
    page = client.get(f"/portal/requests/{request.id}", headers=EN).get_data(as_text=True)
    assert "Hand over" in page
    data = {"to_user_id": str(people.colleague.id), "version": str(request.version)}
    post_form(client, f"/portal/requests/{request.id}/hand-over", data, headers=EN)
    session.refresh(request)
    assert request.submitter_id == people.colleague.id
    page = client.get(f"/portal/requests/{request.id}", headers=EN).get_data(as_text=True)
    assert "Handed over to a colleague" in page and f"From {people.owner.name} to {people.colleague.name}" in page

    # A page that went stale meanwhile changes nothing and says so.
    stale = {"to_user_id": str(people.owner.id), "version": str(request.version - 1)}
    post_form(client, f"/portal/requests/{request.id}/hand-over", stale, headers=EN)
    session.refresh(request)
    assert request.submitter_id == people.colleague.id


def test_a_member_has_no_hand_over_form(
    client: FlaskClient, session: Session, people: People, settings: DeskSettings
) -> None:
    request = submit(session, people, settings)
    login(client, people.colleague)
    page = client.get(f"/portal/requests/{request.id}", headers=EN).get_data(as_text=True)
    assert people.owner.name in page and "Hand over" not in page


def test_the_desk_opens_one_enterprise_with_every_contact_and_its_requests(
    client: FlaskClient, session: Session, people: People, settings: DeskSettings
) -> None:
    request = submit(session, people, settings)
    former = factories.user(session, Role.ENTERPRISE, enterprise_=people.enterprise, name="离职联系人")
    former.active = False
    session.commit()
    login(client, people.staff)
    listing = client.get("/desk/enterprises", headers=EN).get_data(as_text=True)
    assert f'href="/desk/enterprises/{people.enterprise.id}"' in listing
    detail = client.get(f"/desk/requests/{request.id}", headers=EN).get_data(as_text=True)
    assert f'href="/desk/enterprises/{people.enterprise.id}"' in detail

    page = client.get(f"/desk/enterprises/{people.enterprise.id}", headers=EN).get_data(as_text=True)
    assert people.enterprise.credit_code in page and request.reference in page
    assert people.owner.email in page and "离职联系人" in page and "Former contact" in page
    assert "Satisfaction over the last 12 months" in page

    zh = client.get(f"/desk/enterprises/{people.enterprise.id}", headers=ZH).get_data(as_text=True)
    assert "统一社会信用代码" in zh and "近12个月满意度" in zh


def test_the_enterprise_page_answers_within_the_readers_scope(
    client: FlaskClient, session: Session, people: People
) -> None:
    path = f"/desk/enterprises/{people.enterprise.id}"
    login(client, people.other_staff)
    assert client.get(path).status_code == 404
    login(client, people.hub_staff)
    assert client.get(path).status_code == 200
    login(client, people.owner)
    assert client.get(path).status_code == 403
    login(client, people.staff)
    assert client.get(path + "?requests=x").status_code == 400


def test_the_new_pages_have_unique_ids_and_labelled_controls(
    client: FlaskClient, session: Session, people: People, settings: DeskSettings
) -> None:
    request = submit(session, people, settings)
    login(client, people.owner)
    _invite(client, "ids@example.cn")
    for path in ("/portal/colleagues/", f"/portal/requests/{request.id}"):
        _assert_ids_are_sound(client.get(path).get_data(as_text=True))
    login(client, people.staff)
    _assert_ids_are_sound(client.get(f"/desk/enterprises/{people.enterprise.id}").get_data(as_text=True))
