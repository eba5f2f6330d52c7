"""Two-step sign-in operations: enrolment, codes used once, recovery codes, lockout, reset."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from cryptography.fernet import Fernet
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from config import totp_cipher
from service.errors import Forbidden, ValidationError
from service.models import RecoveryCode, Role, User
from service.operations import accounts, two_factor
from tests import factories
from tests.conftest import reset_process_settings, suite_settings

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
ADDRESS = "198.51.100.20"


def code_at(secret: str, when: datetime) -> str:
    return pyotp.TOTP(secret).at(when)


def enrolled(session: Session, role: Role = Role.STAFF) -> tuple[User, list[str]]:
    user = factories.user(session, role)
    enrolment = two_factor.start_enrolment(session, user)
    codes = two_factor.confirm_enrolment(session, user, code_at(enrolment.secret, T0), now=T0)
    return user, codes


def second_step(session: Session, user: User, code: str, now: datetime, token: str | None = None) -> User:
    return two_factor.verify_second_step(session, user.id, token or user.session_token, code, ADDRESS, now=now)


def test_enrolment_keeps_one_secret_until_confirmed_and_gives_ten_recovery_codes_once(session: Session) -> None:
    user = factories.user(session, Role.STAFF)
    first = two_factor.start_enrolment(session, user)
    again = two_factor.start_enrolment(session, user)
    assert first.secret == again.secret
    assert first.uri.startswith("otpauth://totp/") and f"secret={first.secret}" in first.uri
    assert not two_factor.is_enabled(user)

    with pytest.raises(ValidationError) as wrong:
        two_factor.confirm_enrolment(
            session, user, "000000" if code_at(first.secret, T0) != "000000" else "111111", now=T0
        )
    assert "code" in wrong.value.fields
    codes = two_factor.confirm_enrolment(session, user, code_at(first.secret, T0), now=T0)

    session.refresh(user)
    assert two_factor.is_enabled(user) and user.totp_enabled_at == T0
    assert len(codes) == len(set(codes)) == 10
    stored = session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)).all()
    assert len(stored) == 10
    assert not {c.replace("-", "") for c in codes} & set(stored), "recovery codes must be stored hashed"
    with pytest.raises(ValidationError):
        two_factor.start_enrolment(session, user)


def test_a_code_from_a_neighbouring_step_is_accepted_but_never_twice(session: Session) -> None:
    user, _ = enrolled(session)
    secret = two_factor.secret_of(user)
    assert secret is not None
    later = T0 + timedelta(minutes=5)

    assert second_step(session, user, code_at(secret, later - timedelta(seconds=30)), later).id == user.id
    with pytest.raises(accounts.AuthenticationFailed):
        second_step(session, user, code_at(secret, later - timedelta(seconds=30)), later)
    with pytest.raises(accounts.AuthenticationFailed):
        second_step(session, user, code_at(secret, later - timedelta(seconds=90)), later)
    assert second_step(session, user, code_at(secret, later + timedelta(seconds=30)), later).id == user.id


def test_the_enrolment_code_cannot_be_replayed_to_sign_in(session: Session) -> None:
    user, _ = enrolled(session)
    secret = two_factor.secret_of(user)
    assert secret is not None
    with pytest.raises(accounts.AuthenticationFailed):
        second_step(session, user, code_at(secret, T0), T0)


def test_each_recovery_code_signs_in_once_in_any_spelling(session: Session) -> None:
    user, codes = enrolled(session)
    later = T0 + timedelta(hours=1)

    assert second_step(session, user, codes[0].lower().replace("-", " "), later).id == user.id
    with pytest.raises(accounts.AuthenticationFailed):
        second_step(session, user, codes[0], later)
    assert second_step(session, user, codes[1], later).id == user.id
    assert two_factor.remaining_recovery_codes(session, user.id) == 8


def test_wrong_codes_lock_the_account_like_wrong_passwords(session: Session) -> None:
    user, codes = enrolled(session)
    assert two_factor.secret_of(user) is not None
    for _ in range(5):
        with pytest.raises(accounts.AuthenticationFailed):
            second_step(session, user, "ABCD-EFGH-JKLM-NPQR", T0)
    session.refresh(user)
    assert user.locked_until is not None and user.locked_until > T0
    with pytest.raises(accounts.AuthenticationFailed):
        second_step(session, user, codes[0], T0 + timedelta(minutes=1))
    assert second_step(session, user, codes[0], T0 + timedelta(minutes=16)).id == user.id


def test_a_good_password_does_not_reset_the_count_of_wrong_codes(session: Session) -> None:
    user, _ = enrolled(session)
    for _ in range(4):
        with pytest.raises(accounts.AuthenticationFailed):
            second_step(session, user, "123456", T0)
    accounts.authenticate(session, user.email, factories.PASSWORD, ADDRESS, now=T0)
    with pytest.raises(accounts.AuthenticationFailed):
        second_step(session, user, "123456", T0)
    session.refresh(user)
    assert user.locked_until is not None, "the fifth wrong code locks, whatever passwords came between"


def test_the_password_step_alone_does_not_count_as_a_sign_in(session: Session) -> None:
    user, codes = enrolled(session)
    accounts.authenticate(session, user.email, factories.PASSWORD, ADDRESS, now=T0)
    session.refresh(user)
    assert user.last_login_at is None
    second_step(session, user, codes[0], T0 + timedelta(seconds=5))
    session.refresh(user)
    assert user.last_login_at == T0 + timedelta(seconds=5)


def test_a_password_change_in_between_voids_the_half_finished_sign_in(session: Session) -> None:
    user, codes = enrolled(session)
    old_token = user.session_token
    accounts.change_password(session, user, factories.PASSWORD, "Another-Good-Pass-7")
    with pytest.raises(accounts.AuthenticationFailed):
        second_step(session, user, codes[0], T0, token=old_token)


def test_recovery_codes_are_replaced_and_two_factor_turned_off_only_with_a_code(session: Session) -> None:
    user, codes = enrolled(session)
    with pytest.raises(ValidationError):
        two_factor.regenerate_recovery_codes(session, user, "ZZZZ-ZZZZ-ZZZZ-ZZZZ", now=T0)
    fresh = two_factor.regenerate_recovery_codes(session, user, codes[0], now=T0)
    assert not set(fresh) & set(codes)
    with pytest.raises(accounts.AuthenticationFailed):
        second_step(session, user, codes[1], T0)

    with pytest.raises(ValidationError):
        two_factor.disable_two_factor(session, user, "ZZZZ-ZZZZ-ZZZZ-ZZZZ", now=T0)
    secret = two_factor.secret_of(user)
    assert secret is not None
    two_factor.disable_two_factor(session, user, code_at(secret, T0 + timedelta(seconds=30)), now=T0)
    session.refresh(user)
    assert not two_factor.is_enabled(user) and user.totp_secret is None
    assert two_factor.remaining_recovery_codes(session, user.id) == 0


def test_only_an_admin_resets_someone_elses_two_factor_and_that_ends_their_sessions(session: Session) -> None:
    user, _ = enrolled(session)
    admin = factories.user(session, Role.ADMIN, "JL-HUB")
    staff = factories.user(session, Role.STAFF)
    with pytest.raises(Forbidden):
        two_factor.reset_two_factor(session, staff, user.id)
    with pytest.raises(Forbidden):
        two_factor.reset_two_factor(session, admin, admin.id)
    token = user.session_token

    two_factor.reset_two_factor(session, admin, user.id)
    session.refresh(user)
    assert not two_factor.is_enabled(user) and user.session_token != token


@pytest.mark.parametrize(
    ("role", "required"), [(Role.ENTERPRISE, False), (Role.STAFF, True), (Role.DIRECTOR, True), (Role.ADMIN, True)]
)
def test_two_factor_is_required_for_every_desk_role(session: Session, role: Role, required: bool) -> None:
    assert two_factor.required_for(factories.user(session, role, "JL-HUB")) is required


@pytest.fixture()
def encryption_keys() -> Iterator[Callable[[str], None]]:
    """Switch the process-wide TOTP keys for one test, as an operator edits TOTP_ENCRYPTION_KEYS; restored after."""
    yield lambda keys: two_factor.configure_encryption(totp_cipher(keys))
    reset_process_settings()


def test_the_secret_is_stored_encrypted_and_sign_in_with_a_code_still_works(session: Session) -> None:
    user = factories.user(session, Role.STAFF)
    enrolment = two_factor.start_enrolment(session, user)
    two_factor.confirm_enrolment(session, user, code_at(enrolment.secret, T0), now=T0)

    stored = session.scalar(
        select(User.totp_secret).where(User.id == user.id).execution_options(populate_existing=True)
    )
    assert stored is not None and enrolment.secret not in stored, "a copy of the database must not give the secret away"
    assert suite_settings().totp_cipher().decrypt(stored.encode()).decode() == enrolment.secret
    later = T0 + timedelta(minutes=5)
    assert second_step(session, user, code_at(enrolment.secret, later), later).id == user.id


def test_rotation_re_encrypts_every_secret_with_the_newest_key(
    app: Flask, client: FlaskClient, session: Session, encryption_keys: Callable[[str], None]
) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    encryption_keys(old)
    user, _ = enrolled(session)
    secret = two_factor.secret_of(user)
    assert secret is not None

    encryption_keys(f"{new},{old}")
    assert two_factor.secret_of(user) == secret, "secrets under the old key still decrypt before the rotation"
    with app.app_context():  # the operator's step: `flask --app app rotate-totp-key`
        result = app.test_cli_runner().invoke(args=["rotate-totp-key"])
    assert result.exit_code == 0 and "re-encrypted" in result.output, (result.output, result.exception)
    session.refresh(user)
    assert user.totp_secret is not None and Fernet(new).decrypt(user.totp_secret.encode()).decode() == secret

    encryption_keys(new)  # the old key dropped
    later = T0 + timedelta(minutes=5)
    assert second_step(session, user, code_at(secret, later), later).id == user.id
