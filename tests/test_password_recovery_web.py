"""Password recovery through the pages, in Chinese and English: the mail's link, once, and everyone signed out."""

from __future__ import annotations

import email
import re
from email.message import Message
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from service.models import Role, User
from service.operations import password_recovery
from tests import factories
from tests.suite import change_settings, post_form
from tests.test_two_factor_web import enrol

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh"}
NEW = "Recovered-Password-8"


@pytest.fixture()
def mail_folder(app: Flask, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    change_settings(monkeypatch, app, mail_folder=str(tmp_path / "mail"), public_url="https://desk.example.gov.cn/")
    return tmp_path / "mail"


def _mails(folder: Path) -> list[Message]:
    return [email.message_from_bytes(path.read_bytes()) for path in sorted(folder.glob("*.eml"))]


def _body(message: Message) -> str:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode(message.get_content_charset() or "utf-8")


def _ask(client: FlaskClient, address: str, headers: dict[str, str] = EN):  # type: ignore[no-untyped-def]
    return post_form(client, "/password/forgot", {"email": address}, headers=headers)


def _link_path(message: Message) -> str:
    found = re.search(r"https://desk\.example\.gov\.cn(/password/reset/\S+)", _body(message))
    assert found, _body(message)
    return found.group(1)


def _sign_in(client: FlaskClient, user: User, password: str):  # type: ignore[no-untyped-def]
    return post_form(client, "/login", {"email": user.email, "password": password})


@pytest.mark.parametrize(
    ("headers", "link", "answer"), [(ZH, "忘记密码", "已发往该邮箱"), (EN, "Forgot", "on its way")]
)
def test_sign_in_leads_to_the_form_and_any_address_gets_the_same_answer(
    client: FlaskClient, session: Session, mail_folder: Path, headers: dict[str, str], link: str, answer: str
) -> None:
    user = factories.user(session, Role.ENTERPRISE)
    login_page = client.get("/login", headers=headers).get_data(as_text=True)
    assert 'href="/password/forgot"' in login_page and link in login_page

    known, unknown = _ask(client, user.email, headers), _ask(client, "nobody@example.cn", headers)

    assert known.status_code == unknown.status_code == 200
    pages = [
        r.get_data(as_text=True).replace(a, "ADDRESS") for r, a in ((known, user.email), (unknown, "nobody@example.cn"))
    ]
    assert pages[0] == pages[1] and answer in pages[0]
    assert [m["To"] for m in _mails(mail_folder)] == [user.email]


@pytest.mark.parametrize(
    ("locale", "subject", "words"), [("zh", "设置新密码", "分钟内"), ("en", "Choose a new password", "minutes")]
)
def test_the_mail_is_in_the_users_language_and_links_to_the_public_address(
    client: FlaskClient, session: Session, mail_folder: Path, locale: str, subject: str, words: str
) -> None:
    user = factories.user(session, Role.STAFF)
    user.locale = locale
    session.commit()
    _ask(client, user.email)
    (mail,) = _mails(mail_folder)
    assert str(email.header.make_header(email.header.decode_header(mail["Subject"]))) == subject
    assert words in _body(mail) and _link_path(mail).startswith("/password/reset/")


def test_the_link_works_once_and_signs_out_every_other_session(
    client: FlaskClient, session: Session, mail_folder: Path
) -> None:
    user = factories.user(session, Role.STAFF)
    assert _sign_in(client, user, factories.PASSWORD).status_code == 302
    other_device = client.get_cookie("session")
    assert other_device is not None and client.get("/desk/").status_code == 200
    client.delete_cookie("session")
    _ask(client, user.email)
    link = _link_path(_mails(mail_folder)[0])

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
    client: FlaskClient, session: Session, mail_folder: Path, headers: dict[str, str], message: str
) -> None:
    user = factories.user(session, Role.ENTERPRISE)
    for _ in range(password_recovery.LIMIT_PER_EMAIL):
        assert _ask(client, user.email, headers).status_code == 200
    limited = _ask(client, user.email, headers)
    assert limited.status_code == 429 and message in limited.get_data(as_text=True)
    assert len(_mails(mail_folder)) == password_recovery.LIMIT_PER_EMAIL


def test_two_step_sign_in_is_still_asked_after_a_recovery(
    client: FlaskClient, session: Session, mail_folder: Path
) -> None:
    user = factories.user(session, Role.ENTERPRISE)
    enrol(session, user)
    _ask(client, user.email)
    assert (
        post_form(client, _link_path(_mails(mail_folder)[0]), {"new_password": NEW, "confirm": NEW}).status_code == 302
    )
    assert _sign_in(client, user, NEW).headers["Location"] == "/login/two-factor"
    assert client.get("/portal/").status_code == 302
