"""Sign-in, sign-out, registration and CSRF through the web pages, as a browser would use them."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from service.models import Enterprise, Role, User
from service.operations import accounts
from service.rules.credit_code import complete
from tests import factories
from tests.suite import csrf_token, login, post_form

EN = {"Accept-Language": "en"}
CODE = complete("91220102MA1WEB7K")
LOGIN_FAILED = accounts.LOGIN_FAILED


def _registration(session: Session, **changes: str) -> dict:
    form = {
        "company_name": "吉林网测医疗科技有限公司",
        "credit_code": CODE,
        "city": "长春市",
        "station_id": str(factories.station(session, "JL-CCND").id),
        "size": "small",
        "product_areas": ["imaging", "software_ai"],
        "contact_name": "李雷",
        "email": "li.lei@example.cn",
        "phone": "",
        "password": "Stable-Password-9",
        "confirm": "Stable-Password-9",
    }
    return {**form, **changes}


def _saved(session: Session) -> tuple[int, int]:
    return (
        session.scalar(select(func.count()).select_from(Enterprise).where(Enterprise.credit_code == CODE)) or 0,
        session.scalar(select(func.count()).select_from(User).where(User.email == "li.lei@example.cn")) or 0,
    )


def _flashes(html: str) -> str:
    match = re.search(r'<div class="flashes".*?</div>', html, re.S)
    return match.group(0) if match else ""


def test_registration_page_lists_the_stations_and_product_areas(client: FlaskClient) -> None:
    page = client.get("/register", headers=EN).get_data(as_text=True)
    assert "Changchun New District Sub-station" in page
    assert 'name="credit_code"' in page and '<label for="credit_code"' in page
    for area in (
        "Medical imaging",
        "Life monitoring and support",
        "In-vitro diagnostics",
        "Implant and intervention",
        "Non-powered devices",
        "Active devices",
        "Medical software / AI",
    ):
        assert f">{area}</label>" in page, area


def test_registering_creates_an_unverified_enterprise_and_leads_to_sign_in(
    client: FlaskClient, session: Session
) -> None:
    response = post_form(client, "/register", _registration(session, credit_code=CODE.lower()), headers=EN)

    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    enterprise = session.scalars(select(Enterprise).where(Enterprise.credit_code == CODE)).one()
    assert not enterprise.verified and enterprise.product_areas == ["imaging", "software_ai"]
    user = session.scalars(select(User).where(User.email == "li.lei@example.cn")).one()
    assert (user.role, user.enterprise_id) == (Role.ENTERPRISE, enterprise.id)
    assert "Thank you. Sign in with this email and password" in _flashes(
        client.get("/login", headers=EN).get_data(as_text=True)
    )


def test_registering_an_email_already_in_use_looks_exactly_like_success_and_changes_nothing(
    client: FlaskClient, session: Session
) -> None:
    existing = factories.user(session, Role.ENTERPRISE)
    hashed_before = existing.password_hash

    taken = post_form(client, "/register", _registration(session, email=existing.email), headers=EN)
    taken_page = _flashes(client.get("/login", headers=EN).get_data(as_text=True))
    fresh = post_form(client, "/register", _registration(session, credit_code=complete("91220102MA1WEB8K")), headers=EN)
    fresh_page = _flashes(client.get("/login", headers=EN).get_data(as_text=True))

    assert (taken.status_code, taken.headers["Location"]) == (fresh.status_code, fresh.headers["Location"])
    assert taken_page == fresh_page and "Thank you" in taken_page
    assert session.scalar(select(func.count()).select_from(Enterprise).where(Enterprise.credit_code == CODE)) == 0
    session.refresh(existing)
    assert existing.password_hash == hashed_before


def test_a_registration_shows_every_problem_at_once(client: FlaskClient, session: Session) -> None:
    response = post_form(
        client,
        "/register",
        _registration(
            session,
            company_name="",
            credit_code=CODE[:17] + ("0" if CODE[17] != "0" else "1"),
            email="not-an-email",
            password="password123",
            confirm="password124",
        ),
        headers=EN,
    )

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    for message in (
        "This field is required.",
        "This is not a valid unified social credit code.",
        "Invalid email address.",
        "This password is too common",
        "The passwords do not match.",
    ):
        assert message in page, message
    assert page.count('aria-invalid="true"') == 5
    assert _saved(session) == (0, 0)


def test_a_second_registration_of_the_code_is_refused_clearly(client: FlaskClient, session: Session) -> None:
    post_form(client, "/register", _registration(session))
    response = post_form(client, "/register", _registration(session, email="han.meimei@example.cn"), headers=EN)

    assert response.status_code == 400
    assert "An enterprise with this credit code is already registered" in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(User).where(User.email == "han.meimei@example.cn")) == 0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"credit_code": CODE[:17] + ("0" if CODE[17] != "0" else "1")},
            "This is not a valid unified social credit code.",
        ),
        ({"credit_code": "91220102MA1WEB7K"}, "Field must be exactly 18 characters long."),
        ({"password": "short", "confirm": "short"}, "Field must be between 8 and 200 characters long."),
        ({"password": "password123", "confirm": "password123"}, "This password is too common"),
        ({"confirm": "Stable-Password-8"}, "The passwords do not match."),
        ({"email": "not-an-email"}, "Invalid email address."),
        ({"company_name": ""}, "This field is required."),
    ],
)
def test_bad_registrations_answer_400_with_a_message_and_save_nothing(
    client: FlaskClient, session: Session, changes: dict, message: str
) -> None:
    response = post_form(client, "/register", _registration(session, **changes), headers=EN)

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert 'aria-invalid="true"' in page
    assert _saved(session) == (0, 0)


def _sign_in(client: FlaskClient, email: str, password: str, path: str = "/login") -> TestResponse:
    return post_form(client, path, {"email": email, "password": password}, headers=EN)


def test_signing_in_renews_the_session(client: FlaskClient, session: Session) -> None:
    user = factories.user(session, Role.STAFF)
    client.get("/login")
    with client.session_transaction() as before:
        before["planted"] = "by someone else"
    cookie_before = client.get_cookie("session").value

    response = _sign_in(client, user.email, factories.PASSWORD)

    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get_cookie("session").value != cookie_before
    with client.session_transaction() as after:
        assert "planted" not in after
        assert after["_user_id"] == user.get_id()
    assert client.get("/desk/").status_code == 200


def test_sign_in_follows_only_same_site_next_addresses(client: FlaskClient, session: Session) -> None:
    user = factories.user(session, Role.STAFF)
    assert (
        _sign_in(client, user.email, factories.PASSWORD, "/login?next=/desk/enterprises").headers["Location"]
        == "/desk/enterprises"
    )
    client.post("/logout", data={"csrf_token": csrf_token(client, "/desk/")})
    assert _sign_in(client, user.email, factories.PASSWORD, "/login?next=//evil.example/x").headers["Location"] == "/"


def test_wrong_password_and_unknown_email_answer_the_same(client: FlaskClient, session: Session) -> None:
    user = factories.user(session, Role.STAFF)
    wrong_password = _sign_in(client, user.email, "Wrong-Password-1")
    unknown_email = _sign_in(client, "nobody@example.cn", factories.PASSWORD)

    assert wrong_password.status_code == unknown_email.status_code
    assert LOGIN_FAILED in _flashes(wrong_password.get_data(as_text=True))
    assert _flashes(wrong_password.get_data(as_text=True)) == _flashes(unknown_email.get_data(as_text=True))
    with client.session_transaction() as sess:
        assert "_user_id" not in sess


def test_five_failures_lock_the_account_even_for_the_right_password(client: FlaskClient, session: Session) -> None:
    user = factories.user(session, Role.STAFF)
    for _ in range(5):
        _sign_in(client, user.email, "Wrong-Password-1")

    response = _sign_in(client, user.email, factories.PASSWORD)

    assert LOGIN_FAILED in _flashes(response.get_data(as_text=True))
    with client.session_transaction() as sess:
        assert "_user_id" not in sess


def test_a_deactivated_user_cannot_sign_in_and_its_live_session_ends(client: FlaskClient, session: Session) -> None:
    admin = factories.user(session, Role.ADMIN, "JL-HUB")
    user = factories.user(session, Role.ENTERPRISE)
    login(client, user)
    assert client.get("/portal/").status_code == 200

    accounts.set_user_active(session, admin, user.id, False)

    response = client.get("/portal/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert LOGIN_FAILED in _flashes(_sign_in(client, user.email, factories.PASSWORD).get_data(as_text=True))


def test_signing_out_ends_the_session_even_for_a_copied_cookie(client: FlaskClient, session: Session) -> None:
    user = factories.user(session, Role.ENTERPRISE)
    _sign_in(client, user.email, factories.PASSWORD)
    assert client.get("/portal/").status_code == 200
    copied = client.get_cookie("session").value

    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/portal/")})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.get("/portal/").status_code == 302

    client.set_cookie("session", copied)
    response = client.get("/portal/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_protected_pages_send_anonymous_visitors_to_sign_in(client: FlaskClient) -> None:
    for path in ("/", "/portal/", "/desk/", "/admin/users", "/account/password"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login"), path


@pytest.mark.parametrize("path", ["/login", "/register", "/logout", "/language"])
def test_a_post_without_csrf_token_is_refused(client: FlaskClient, session: Session, path: str) -> None:
    user = factories.user(session, Role.STAFF)
    login(client, user)
    data = {"email": user.email, "password": factories.PASSWORD, "locale": "en", **_registration(session)}

    for token in (None, "forged-token"):
        response = client.post(path, data=data if token is None else {**data, "csrf_token": token}, headers=EN)
        assert response.status_code == 400
        assert "security token" in response.get_data(as_text=True)
    assert client.get("/desk/").status_code == 200
    assert _saved(session) == (0, 0)


def test_a_post_with_the_token_of_another_session_is_refused(client: FlaskClient, app: Flask, session: Session) -> None:
    user = factories.user(session, Role.STAFF)
    with app.test_client() as other:
        foreign_token = csrf_token(other)
    response = client.post(
        "/login", data={"email": user.email, "password": factories.PASSWORD, "csrf_token": foreign_token}
    )
    assert response.status_code == 400


def test_change_password_signs_out_other_sessions_but_keeps_this_one(client: FlaskClient, session: Session) -> None:
    user = factories.user(session, Role.STAFF)
    _sign_in(client, user.email, factories.PASSWORD)
    other_device = client.get_cookie("session").value

    response = post_form(
        client,
        "/account/password",
        {"current_password": factories.PASSWORD, "new_password": "Another-Password-7", "confirm": "Another-Password-7"},
    )

    assert response.status_code == 302
    assert client.get("/desk/").status_code == 200
    # One client stands in for the other device: a second test client in the same
    # thread would share this one's application context and its cached user.
    client.set_cookie("session", other_device)
    assert client.get("/desk/").status_code == 302


def test_healthz_reports_the_database(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_reports_an_unreachable_database(client: FlaskClient, app: Flask) -> None:
    class Unreachable:
        def execute(self, *_args: object) -> None:
            raise OperationalError("SELECT 1", {}, Exception("connection refused"))

        def close(self) -> None:
            pass

    app.extensions["db_sessions"] = Unreachable
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "degraded", "database": "unavailable"}


class _DatabaseDown:
    """A session whose every statement fails as with the database server stopped."""

    def __init__(self) -> None:
        self.info: dict[str, object] = {}  # what the session's factory gave it: nothing

    def __getattr__(self, _name: str):  # type: ignore[no-untyped-def]
        def refuse(*_args: object, **_kwargs: object) -> None:
            raise OperationalError("SELECT 1", {}, Exception("connection refused"))

        return refuse

    def close(self) -> None:
        pass


@pytest.mark.parametrize(
    ("headers", "expected"),
    [(EN, "cannot reach its database just now"), ({"Accept-Language": "zh-CN"}, "暂时无法连接数据库")],
)
def test_a_database_outage_answers_503_in_the_readers_language_and_asks_to_try_again(
    client: FlaskClient, app: Flask, headers: dict[str, str], expected: str
) -> None:
    token = csrf_token(client)
    app.extensions["db_sessions"] = _DatabaseDown
    response = client.post(
        "/login",
        data={"csrf_token": token, "email": "li.lei@example.cn", "password": "Some-Password-1"},
        headers=headers,
    )
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert expected in response.get_data(as_text=True)


def test_an_api_call_during_a_database_outage_answers_503_as_json(client: FlaskClient, app: Flask) -> None:
    app.extensions["db_sessions"] = _DatabaseDown
    response = client.get("/api/v1/requests", headers={"Authorization": "Bearer whatever", **EN})
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "unavailable"
