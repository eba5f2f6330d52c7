"""An administrator resets a user's password: a temporary one, shown once, replaced at the next sign-in."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from service.errors import Forbidden, NotFound
from service.infrastructure import passwords
from service.models import Role
from service.models.base import utcnow
from service.operations import accounts
from tests import factories
from tests.suite import login, post_form

EN = {"Accept-Language": "en"}


def test_a_reset_replaces_the_password_lifts_the_lock_and_ends_every_session(session: Session) -> None:
    admin = factories.user(session, Role.ADMIN, "JL-HUB")
    user = factories.user(session, Role.STAFF)
    user.locked_until, user.failed_logins = utcnow() + timedelta(minutes=10), 3
    session.commit()
    cookie_before = user.get_id()

    reset, temporary = accounts.reset_password(session, admin, user.id)

    assert reset.must_change_password and reset.get_id() != cookie_before
    assert passwords.password_problem(temporary, user.email) is None
    with pytest.raises(accounts.AuthenticationFailed):
        accounts.authenticate(session, user.email, factories.PASSWORD, "192.0.2.1")
    assert accounts.authenticate(session, user.email, temporary, "192.0.2.1").id == user.id


def test_every_reset_gives_a_different_temporary_password(session: Session) -> None:
    admin = factories.user(session, Role.ADMIN, "JL-HUB")
    user = factories.user(session, Role.ENTERPRISE, station_code=None, enterprise_=factories.enterprise(session))
    first, second = (accounts.reset_password(session, admin, user.id)[1] for _ in range(2))
    assert first != second


def test_only_an_administrator_resets_and_never_their_own_password(session: Session) -> None:
    admin = factories.user(session, Role.ADMIN, "JL-HUB")
    staff = factories.user(session, Role.STAFF)
    with pytest.raises(Forbidden):
        accounts.reset_password(session, staff, admin.id)
    with pytest.raises(Forbidden):
        accounts.reset_password(session, admin, admin.id)
    with pytest.raises(NotFound):
        accounts.reset_password(session, admin, 999_999)


def _temporary_password(page: str) -> str:
    match = re.search(r'<code class="temporary-password" id="temporary-password">([^<]+)</code>', page)
    assert match is not None
    return match.group(1)


def test_admin_resets_from_the_users_page_and_the_user_must_choose_a_new_password(
    client: FlaskClient, session: Session
) -> None:
    admin = factories.user(session, Role.ADMIN, "JL-HUB")
    user = factories.user(session, Role.STAFF)
    login(client, admin)
    assert f"/admin/users/{user.id}/password-reset" in client.get("/admin/users").get_data(as_text=True)

    response = post_form(client, f"/admin/users/{user.id}/password-reset", {}, headers=EN)

    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    assert "has been signed out everywhere" in page and user.email in page
    temporary = _temporary_password(page)
    with client.session_transaction() as cookie:
        assert temporary not in str(dict(cookie))

    # The admin signs out and the user signs in on the same client: a second test client would share Flask's g.
    post_form(client, "/logout", {})
    post_form(client, "/login", {"email": user.email, "password": temporary})
    blocked = client.get("/desk/", headers=EN)
    assert blocked.status_code == 302 and blocked.headers["Location"] == "/account/password"
    assert "Your password was reset by an administrator" in client.get("/account/password", headers=EN).get_data(
        as_text=True
    )

    changed = post_form(
        client,
        "/account/password",
        {"current_password": temporary, "new_password": "Own-New-Password-7", "confirm": "Own-New-Password-7"},
    )
    assert changed.status_code == 302
    assert client.get("/desk/").status_code == 200
    session.refresh(user)
    assert not user.must_change_password


def test_the_users_old_session_ends_with_the_reset(client: FlaskClient, session: Session) -> None:
    admin = factories.user(session, Role.ADMIN, "JL-HUB")
    user = factories.user(session, Role.STAFF)
    old_cookie = user.get_id()
    login(client, admin)
    post_form(client, f"/admin/users/{user.id}/password-reset", {})

    with client.session_transaction() as cookie:
        cookie["_user_id"] = old_cookie
    assert client.get("/desk/").headers["Location"].startswith("/login")


def test_resetting_an_unknown_user_is_404_and_ones_own_is_refused(client: FlaskClient, session: Session) -> None:
    admin = factories.user(session, Role.ADMIN, "JL-HUB")
    login(client, admin)
    assert post_form(client, "/admin/users/999999/password-reset", {}).status_code == 404
    own = post_form(client, f"/admin/users/{admin.id}/password-reset", {}, headers=EN)
    assert own.status_code == 302
    assert "Change your own password on your account page." in client.get("/admin/users", headers=EN).get_data(
        as_text=True
    )
    session.refresh(admin)
    assert not admin.must_change_password
