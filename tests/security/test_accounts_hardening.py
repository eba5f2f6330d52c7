"""Account protections the lead's tests do not already cover: the per-address limit, shared by every
worker; equal hashing work for unknown emails; the common-password list; copied cookies after a
password change; deactivation in the middle of a session."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from service.infrastructure import passwords
from service.infrastructure.counters import counters_of
from service.models import RateLimitCounter, Role
from service.operations import accounts
from tests import factories
from tests.suite import csrf_token, joined_session, post_form

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
EN = {"Accept-Language": "en"}


def _sign_in(client: FlaskClient, email: str, password: str, address: str = "127.0.0.1"):  # type: ignore[no-untyped-def]
    return post_form(
        client, "/login", {"email": email, "password": password}, environ_base={"REMOTE_ADDR": address}, headers=EN
    )


def _signed_in(client: FlaskClient) -> bool:
    with client.session_transaction() as sess:
        return "_user_id" in sess


def test_thirty_failures_from_one_address_stop_even_a_right_password_from_it(session: Session) -> None:
    user = factories.user(session, Role.ENTERPRISE)
    for n in range(accounts.ADDRESS_MAX_FAILURES):
        with pytest.raises(accounts.AuthenticationFailed):
            accounts.authenticate(session, f"guess{n}@example.cn", "Wrong-Password-1", "203.0.113.9", now=T0)

    with pytest.raises(accounts.AuthenticationFailed):
        accounts.authenticate(session, user.email, factories.PASSWORD, "203.0.113.9", now=T0)
    assert accounts.authenticate(session, user.email, factories.PASSWORD, "203.0.113.10", now=T0).id == user.id
    later = T0 + timedelta(seconds=accounts.ADDRESS_WINDOW_SECONDS + 1)
    assert accounts.authenticate(session, user.email, factories.PASSWORD, "203.0.113.9", now=later).id == user.id


def test_the_counts_live_in_the_database(session: Session) -> None:
    user = factories.user(session, Role.ENTERPRISE)
    with pytest.raises(accounts.AuthenticationFailed):
        accounts.authenticate(session, user.email, "Wrong-Password-1", "203.0.113.11", now=T0)
    failures = counters_of(session).count("signin-ip:203.0.113.11", accounts.ADDRESS_WINDOW_SECONDS, T0)
    assert failures == 1 and session.get(RateLimitCounter, "signin-ip:203.0.113.11") is not None
    session.refresh(user)
    assert user.failed_logins == 1


@pytest.fixture()
def second_worker(app: Flask, connection: Connection) -> Iterator[FlaskClient]:
    """Another app process in miniature: its own Flask app and memory, the same database."""
    from app import create_app

    other = create_app(app.extensions["settings"])
    other.extensions["db_sessions"] = lambda: joined_session(connection)
    yield other.test_client()


def test_failures_on_one_worker_lock_the_account_on_another(
    client: FlaskClient, second_worker: FlaskClient, session: Session
) -> None:
    user = factories.user(session, Role.STAFF)
    for n in range(3):
        _sign_in(client, user.email, "Wrong-Password-1", f"192.0.2.{n}")
    for n in range(2):
        _sign_in(second_worker, user.email, "Wrong-Password-1", f"192.0.2.{n + 10}")

    response = _sign_in(client, user.email, factories.PASSWORD, "192.0.2.99")
    assert accounts.LOGIN_FAILED in response.get_data(as_text=True)
    assert not _signed_in(client)


class CountingHasher:
    """The real hasher, recording which hash every verification used."""

    def __init__(self, real: object) -> None:
        self.real, self.verified = real, []

    def verify(self, hash_: str, password: str) -> bool:
        self.verified.append(hash_)
        return self.real.verify(hash_, password)  # type: ignore[attr-defined]

    def hash(self, password: str) -> str:
        return self.real.hash(password)  # type: ignore[attr-defined]


@pytest.fixture()
def hasher(monkeypatch: pytest.MonkeyPatch) -> CountingHasher:
    counting = CountingHasher(passwords._hasher)
    monkeypatch.setattr(passwords, "_hasher", counting)
    return counting


def test_an_unknown_email_costs_the_same_hashing_as_a_wrong_password(session: Session, hasher: CountingHasher) -> None:
    user = factories.user(session, Role.STAFF)
    verified = hasher.verified
    for email in (user.email, "nobody@example.cn"):
        with pytest.raises(accounts.AuthenticationFailed):
            accounts.authenticate(session, email, "Wrong-Password-1", "203.0.113.12", now=T0)

    assert len(verified) == 2
    known, unknown = verified
    assert known == user.password_hash
    # The stand-in hash has the same algorithm and cost as the real one.
    assert unknown.split("$")[:4] == known.split("$")[:4]


def test_a_locked_account_still_costs_one_verification(session: Session, hasher: CountingHasher) -> None:
    user = factories.user(session, Role.STAFF)
    for _ in range(5):
        with pytest.raises(accounts.AuthenticationFailed):
            accounts.authenticate(session, user.email, "Wrong-Password-1", "203.0.113.13", now=T0)
    hasher.verified.clear()
    with pytest.raises(accounts.AuthenticationFailed):
        accounts.authenticate(session, user.email, factories.PASSWORD, "203.0.113.13", now=T0)
    assert hasher.verified == [user.password_hash]


@pytest.mark.parametrize("password", ["password1", "iloveyou", "vanessa1", "nightwish", "woaini1314", "QWERTY123"])
def test_common_passwords_are_refused(password: str) -> None:
    assert passwords.password_problem(password) is not None


def test_the_list_holds_the_ten_thousand_most_common() -> None:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    ranked = FREQUENCY_LISTS["passwords"]
    assert len(passwords.common_passwords()) >= 10_000
    assert ranked[9_999] in passwords.common_passwords()
    assert passwords.password_problem("Kq7-Lantern-Ridge") is None


def test_a_password_change_ends_a_copied_cookie(client: FlaskClient, session: Session) -> None:
    user = factories.user(session, Role.ENTERPRISE)
    _sign_in(client, user.email, factories.PASSWORD)
    copied = client.get_cookie("session").value

    post_form(
        client,
        "/account/password",
        {"current_password": factories.PASSWORD, "new_password": "Brand-New-Pass-88", "confirm": "Brand-New-Pass-88"},
    )
    assert client.get("/portal/").status_code == 200, "the changer carries on"

    client.set_cookie("session", copied)
    response = client.get("/portal/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_a_user_deactivated_mid_session_is_stopped_on_the_next_post(client: FlaskClient, session: Session) -> None:
    admin = factories.user(session, Role.ADMIN, "JL-HUB")
    user = factories.user(session, Role.ENTERPRISE)
    _sign_in(client, user.email, factories.PASSWORD)
    token = csrf_token(client, "/portal/")

    accounts.set_user_active(session, admin, user.id, False)

    response = client.post(
        "/account/password",
        data={
            "csrf_token": token,
            "current_password": factories.PASSWORD,
            "new_password": "Brand-New-Pass-88",
            "confirm": "Brand-New-Pass-88",
        },
    )
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    session.refresh(user)
    assert passwords.verify_password(user.password_hash, factories.PASSWORD)


def test_the_throttle_row_is_keyed_by_address_only(session: Session) -> None:
    for email in ("a@example.cn", "b@example.cn"):
        with pytest.raises(accounts.AuthenticationFailed):
            accounts.authenticate(session, email, "Wrong-Password-1", "203.0.113.14", now=T0)
    rows = session.scalars(select(RateLimitCounter).where(RateLimitCounter.key.like("%203.0.113.14%"))).all()
    assert [(r.key, r.count) for r in rows] == [("signin-ip:203.0.113.14", 2)]


def test_behind_a_proxy_the_limit_counts_the_client_not_the_proxy(
    app: Flask, connection: Connection, session: Session
) -> None:
    from app import create_app

    proxied = create_app(app.extensions["settings"].model_copy(update={"proxy_count": 1}))
    proxied.extensions["db_sessions"] = lambda: joined_session(connection)
    client = proxied.test_client()
    for client_address in ("203.0.113.50", "203.0.113.51"):
        post_form(
            client,
            "/login",
            {"email": "nobody@example.cn", "password": "Wrong-Password-1"},
            environ_base={"REMOTE_ADDR": "10.0.0.2"},
            headers={"X-Forwarded-For": client_address},
        )
    keys = set(session.scalars(select(RateLimitCounter.key).where(RateLimitCounter.key.like("signin-ip:%"))))
    assert {"signin-ip:203.0.113.50", "signin-ip:203.0.113.51"} <= keys and "signin-ip:10.0.0.2" not in keys
