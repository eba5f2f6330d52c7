"""Two-step sign-in through the pages: the second step, enrolment, the desk's enrolment gate, reset."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from service.models import Role, User
from service.operations import two_factor
from service.web.auth.two_factor import PENDING_KEY
from tests import factories
from tests.conftest import change_settings, login, post_form

EN = {"Accept-Language": "en"}


@pytest.fixture()
def required(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    change_settings(monkeypatch, app, require_two_factor_for_desk=True)
    yield


def current_code(secret: str, steps_ahead: int = 0) -> str:
    # Ahead, never behind: a step boundary crossed mid-test keeps the code inside the accepted window.
    totp = pyotp.TOTP(secret)
    return totp.generate_otp(totp.timecode(datetime.now(UTC)) + steps_ahead)


def enrol(session: Session, user: User) -> tuple[str, list[str]]:
    secret = two_factor.start_enrolment(session, user).secret
    codes = two_factor.confirm_enrolment(session, user, current_code(secret))
    return secret, codes


def password_step(client: FlaskClient, user: User, next_path: str = "") -> str:
    path = f"/login?next={next_path}" if next_path else "/login"
    response = post_form(client, path, {"email": user.email, "password": factories.PASSWORD})
    assert response.status_code == 302
    return response.headers["Location"]


def test_sign_in_with_two_factor_takes_the_code_before_anything_opens(client: FlaskClient, session: Session) -> None:
    user = factories.user(session, Role.ENTERPRISE)
    secret, _ = enrol(session, user)

    assert password_step(client, user, "/portal/") == "/login/two-factor"
    assert client.get("/portal/").status_code == 302, "half signed in is not signed in"
    page = client.get("/login/two-factor", headers=EN).get_data(as_text=True)
    assert 'autocomplete="one-time-code"' in page and '<label for="code"' in page

    response = post_form(client, "/login/two-factor", {"code": current_code(secret, 1)})
    assert response.status_code == 302 and response.headers["Location"] == "/portal/"
    assert client.get("/portal/").status_code == 200


def test_a_wrong_code_says_nothing_more_and_keeps_the_visitor_out(client: FlaskClient, session: Session) -> None:
    user = factories.user(session, Role.ENTERPRISE)
    secret, _ = enrol(session, user)
    password_step(client, user)
    wrong = "000000" if current_code(secret, 1) != "000000" else "111111"

    response = post_form(client, "/login/two-factor", {"code": wrong}, headers=EN)
    assert response.status_code == 400
    assert "The code is not correct, or the account is locked" in response.get_data(as_text=True)
    assert client.get("/portal/").status_code == 302


def test_a_recovery_code_signs_in_when_the_phone_is_lost(client: FlaskClient, session: Session) -> None:
    user = factories.user(session, Role.STAFF)
    _, codes = enrol(session, user)
    password_step(client, user)
    response = post_form(client, "/login/two-factor", {"code": codes[3]})
    assert response.status_code == 302 and client.get("/desk/").status_code == 200


def test_the_half_signed_in_state_expires(client: FlaskClient, session: Session) -> None:
    user = factories.user(session, Role.ENTERPRISE)
    secret, _ = enrol(session, user)
    password_step(client, user)
    with client.session_transaction() as sess:
        sess[PENDING_KEY] = {**sess[PENDING_KEY], "until": int(time.time()) - 1}

    response = post_form(client, "/login/two-factor", {"code": current_code(secret, 1)}, headers=EN)
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert "The sign-in took too long" in client.get("/login", headers=EN).get_data(as_text=True)
    assert client.get("/portal/").status_code == 302


def test_without_a_password_step_the_code_page_sends_to_sign_in(client: FlaskClient) -> None:
    response = client.get("/login/two-factor")
    assert response.status_code == 302 and response.headers["Location"] == "/login"


def test_enrolment_shows_a_qr_code_and_the_key_then_the_recovery_codes_once(
    client: FlaskClient, session: Session
) -> None:
    user = factories.user(session, Role.ENTERPRISE)
    login(client, user)
    page = client.get("/account/two-factor", headers=EN).get_data(as_text=True)
    assert 'src="data:image/svg+xml' in page and "QR code for your authenticator app" in page
    session.refresh(user)
    secret = two_factor.secret_of(user)
    assert secret is not None
    assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in page

    response = post_form(client, "/account/two-factor/enrol", {"code": current_code(secret)}, headers=EN)
    shown = re.findall(r"<li>([A-Z2-9]{4}(?:-[A-Z2-9]{4}){3})</li>", response.get_data(as_text=True))
    assert response.status_code == 200 and len(shown) == 10
    assert response.headers["Cache-Control"] == "no-store"

    again = client.get("/account/two-factor", headers=EN).get_data(as_text=True)
    assert "You have 10 unused recovery codes." in again
    assert not any(code in again for code in shown)


def test_a_wrong_enrolment_code_keeps_two_factor_off(client: FlaskClient, session: Session) -> None:
    user = factories.user(session, Role.ENTERPRISE)
    login(client, user)
    client.get("/account/two-factor")
    session.refresh(user)
    secret = two_factor.secret_of(user)
    assert secret is not None
    wrong = "000000" if current_code(secret) != "000000" else "111111"
    response = post_form(client, "/account/two-factor/enrol", {"code": wrong}, headers=EN)
    assert response.status_code == 400 and "The code is not correct" in response.get_data(as_text=True)
    session.refresh(user)
    assert not two_factor.is_enabled(user)


@pytest.mark.parametrize("role", [Role.STAFF, Role.DIRECTOR, Role.ADMIN])
def test_a_desk_user_without_two_factor_reaches_only_enrolment(
    client: FlaskClient, session: Session, required: None, role: Role
) -> None:
    user = factories.user(session, role, "JL-HUB")
    assert password_step(client, user) == "/"
    for path in ("/", "/desk/", "/admin/users", "/account/password", "/desk/enterprises"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"] == "/account/two-factor", path
    assert post_form(client, "/account/password", {}).headers["Location"] == "/account/two-factor"
    assert client.get("/account/two-factor").status_code == 200

    session.refresh(user)
    secret = two_factor.secret_of(user)
    assert secret is not None
    post_form(client, "/account/two-factor/enrol", {"code": current_code(secret)})
    home = {Role.ADMIN: "/admin/users"}.get(role, "/desk/")
    assert client.get(home).status_code == 200


def test_enterprises_choose_freely_even_when_the_desk_must_use_it(
    client: FlaskClient, session: Session, required: None
) -> None:
    login(client, factories.user(session, Role.ENTERPRISE))
    assert client.get("/portal/").status_code == 200


def test_sign_out_works_before_enrolment(client: FlaskClient, session: Session, required: None) -> None:
    login(client, factories.user(session, Role.STAFF))
    response = post_form(client, "/logout", {})
    assert response.status_code == 302 and response.headers["Location"] == "/login"


def test_turning_it_off_sends_a_desk_user_back_to_enrolment(
    client: FlaskClient, session: Session, required: None
) -> None:
    user = factories.user(session, Role.STAFF)
    _, codes = enrol(session, user)
    login(client, user)
    assert client.get("/desk/").status_code == 200

    refused = post_form(client, "/account/two-factor/disable", {"disable-code": "ZZZZ-ZZZZ-ZZZZ-ZZZZ"}, headers=EN)
    assert refused.status_code == 400 and "The code is not correct" in refused.get_data(as_text=True)
    assert client.get("/desk/").status_code == 200

    response = post_form(client, "/account/two-factor/disable", {"disable-code": codes[0]})
    assert response.status_code == 302
    assert client.get("/desk/").headers["Location"] == "/account/two-factor"


def test_new_recovery_codes_replace_the_old_ones(client: FlaskClient, session: Session) -> None:
    user = factories.user(session, Role.ENTERPRISE)
    _, codes = enrol(session, user)
    login(client, user)
    response = post_form(client, "/account/two-factor/recovery-codes", {"codes-code": codes[0]})
    fresh = re.findall(r"<li>([A-Z2-9]{4}(?:-[A-Z2-9]{4}){3})</li>", response.get_data(as_text=True))
    assert len(fresh) == 10 and not set(fresh) & set(codes)


def test_an_admin_resets_a_lost_authenticator_and_the_user_enrols_again(
    client: FlaskClient, session: Session, required: None
) -> None:
    staff = factories.user(session, Role.STAFF)
    enrol(session, staff)
    admin = factories.user(session, Role.ADMIN, "JL-HUB")
    enrol(session, admin)
    login(client, admin)
    assert "/two-factor/reset" in client.get("/admin/users").get_data(as_text=True)

    response = post_form(client, f"/admin/users/{staff.id}/two-factor/reset", {}, headers=EN)
    assert response.status_code == 302
    session.refresh(staff)
    assert not two_factor.is_enabled(staff)
    assert post_form(client, "/admin/users/999999/two-factor/reset", {}).status_code == 404


def test_only_admins_reset(client: FlaskClient, session: Session) -> None:
    victim = factories.user(session, Role.STAFF)
    enrol(session, victim)
    login(client, factories.user(session, Role.STAFF))
    assert post_form(client, f"/admin/users/{victim.id}/two-factor/reset", {}).status_code == 403
    session.refresh(victim)
    assert two_factor.is_enabled(victim)
