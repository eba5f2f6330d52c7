"""Password recovery through the pages, in Chinese and English: the mail's link, once, and everyone signed out."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.models import EventKind, MailStatus, OutboundMail, Role, User
from service.operations import password_recovery
from tests import factories
from tests.suite import change_settings, post_form
from tests.test_two_factor_web import enrol

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh"}
NEW = "Recovered-Password-8"
CSRF_VALUE = re.compile(r'"[\w-]+\.[\w-]+\.[\w-]+"')


@pytest.fixture()
def public_address(app: Flask, monkeypatch: pytest.MonkeyPatch) -> str:
    return change_settings(monkeypatch, app, base_url="https://desk.example.gov.cn/").base_url


def _mails(session: Session) -> list[OutboundMail]:
    """The recovery mail in the outbox, oldest first."""
    query = select(OutboundMail).where(OutboundMail.kind == EventKind.PASSWORD_RECOVERY).order_by(OutboundMail.id)
    return list(session.scalars(query))


def _ask(client: FlaskClient, address: str, headers: dict[str, str] = EN):  # type: ignore[no-untyped-def]
    return post_form(client, "/password/forgot", {"email": address}, headers=headers)


def _link_path(mail: OutboundMail) -> str:
    found = re.search(r"https://desk\.example\.gov\.cn(/password/reset/[^\s\"]+)", mail.text_body or "")
    assert found, mail.text_body
    assert f'href="{found.group(0)}"' in (mail.html_body or "")
    return found.group(1)


def _sign_in(client: FlaskClient, user: User, password: str):  # type: ignore[no-untyped-def]
    return post_form(client, "/login", {"email": user.email, "password": password})


@pytest.mark.parametrize(
    ("headers", "link", "answer"), [(ZH, "忘记密码", "已发往该邮箱"), (EN, "Forgot", "on its way")]
)
def test_sign_in_leads_to_the_form_and_any_address_gets_the_same_answer(
    client: FlaskClient, session: Session, public_address: str, headers: dict[str, str], link: str, answer: str
) -> None:
    user = factories.user(session, Role.ENTERPRISE)
    login_page = client.get("/login", headers=headers).get_data(as_text=True)
    assert 'href="/password/forgot"' in login_page and link in login_page

    known, unknown = _ask(client, user.email, headers), _ask(client, "nobody@example.cn", headers)

    assert known.status_code == unknown.status_code == 200
    # Alike but for the address typed and the CSRF token's timestamp (the two answers may straddle a second).
    pages = [
        CSRF_VALUE.sub("TOKEN", r.get_data(as_text=True).replace(a, "ADDRESS"))
        for r, a in ((known, user.email), (unknown, "nobody@example.cn"))
    ]
    assert pages[0] == pages[1] and answer in pages[0]
    assert [mail.address for mail in _mails(session)] == [user.email]


@pytest.mark.parametrize(
    ("locale", "subject", "words"), [("zh", "设置新密码", "分钟内"), ("en", "Choose a new password", "minutes")]
)
def test_the_mail_is_in_the_users_language_and_links_to_the_public_address(
    client: FlaskClient, session: Session, public_address: str, locale: str, subject: str, words: str
) -> None:
    user = factories.user(session, Role.STAFF)
    user.locale = locale
    session.commit()
    _ask(client, user.email)
    (mail,) = _mails(session)
    assert mail.subject == subject and mail.language == locale and mail.status == MailStatus.PENDING
    assert words in (mail.text_body or "") and _link_path(mail).startswith("/password/reset/")


def test_the_link_works_once_and_signs_out_every_other_session(
    client: FlaskClient, session: Session, public_address: str
) -> None:
    user = factories.user(session, Role.STAFF)
    assert _sign_in(client, user, factories.PASSWORD).status_code == 302
    other_device = client.get_cookie("session")
    assert other_device is not None and client.get("/desk/").status_code == 200
    client.delete_cookie("session")
    _ask(client, user.email)
    link = _link_path(_mails(session)[0])

    form = client.get(link, headers=ZH)
    assert form.status_code == 200 and "设置新密码" in form.get_data(as_text=True)
    weak = post_form(client, link, {"new_password": "password123", "confirm": "password123"}, headers=EN)
    assert weak.status_code == 400 and "too common" in weak.get_data(as_text=True)
    done = post_form(client, link, {"new_password": NEW, "confirm": NEW})
    assert done.status_code == 302 and done.headers["Location"] == "/login"

    again = client.get(link, headers=EN, follow_redirects=True)
    assert "has been used already" in again.get_data(as_text=True)
    assert again.request.path == "/password/forgot"
    # One client stands in for the other device (a second test client would share this one's cached user).
    client.set_cookie("session", other_device.value)
    assert client.get("/desk/").status_code == 302
    assert _sign_in(client, user, factories.PASSWORD).status_code == 200
    assert _sign_in(client, user, NEW).headers["Location"] == "/"


@pytest.mark.parametrize(("headers", "message"), [(ZH, "此链接无效"), (EN, "This link is not valid")])
def test_a_forged_link_is_refused_with_a_way_to_ask_again(
    client: FlaskClient, headers: dict[str, str], message: str
) -> None:
    for path in ("/password/reset/forged", "/password/reset/eyJ1IjoxfQ.forged"):
        response = client.get(path, headers=headers, follow_redirects=True)
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and message in page and 'name="email"' in page
    posted = post_form(client, "/password/reset/forged", {"new_password": NEW, "confirm": NEW})
    assert posted.status_code == 302 and posted.headers["Location"] == "/password/forgot"


@pytest.mark.parametrize(("headers", "message"), [(ZH, "申请过于频繁"), (EN, "Too many requests")])
def test_too_many_requests_are_refused_with_a_message_and_nothing_sent(
    client: FlaskClient, session: Session, public_address: str, headers: dict[str, str], message: str
) -> None:
    user = factories.user(session, Role.ENTERPRISE)
    for _ in range(password_recovery.LIMIT_PER_EMAIL):
        assert _ask(client, user.email, headers).status_code == 200
    limited = _ask(client, user.email, headers)
    assert limited.status_code == 429 and message in limited.get_data(as_text=True)
    assert len(_mails(session)) == password_recovery.LIMIT_PER_EMAIL


def test_two_step_sign_in_is_still_asked_after_a_recovery(
    client: FlaskClient, session: Session, public_address: str
) -> None:
    user = factories.user(session, Role.ENTERPRISE)
    enrol(session, user)
    _ask(client, user.email)
    assert post_form(client, _link_path(_mails(session)[0]), {"new_password": NEW, "confirm": NEW}).status_code == 302
    assert _sign_in(client, user, NEW).headers["Location"] == "/login/two-factor"
    assert client.get("/portal/").status_code == 302
