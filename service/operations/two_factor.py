"""Two-step sign-in: TOTP (RFC 6238) authenticator codes, with one-time recovery codes.

Desk roles (staff, directors, admins) must use it; enterprises may. The web
layer decides when the requirement is enforced (REQUIRE_TWO_FACTOR_FOR_DESK).

The secret is stored encrypted (Fernet, keys from TOTP_ENCRYPTION_KEYS): a copy
of the database or a backup does not give away anyone's second factor. Every
read and write of ``User.totp_secret`` goes through this module.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime

import pyotp
from cryptography.fernet import MultiFernet
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from service.errors import CORRECT_FIELDS, N_, Forbidden, NotFound, ValidationError
from service.models import RecoveryCode, Role, User, new_session_token
from service.models.base import utcnow
from service.operations import accounts
from service.rules import policy
from service.rules.policy import PolicyAction
from service.store.db import unit_of_work

log = logging.getLogger(__name__)

# A message id: the view words it in the user's language, as the authenticator app will show it.
ISSUER = N_("Innovation Service Desk")
RECOVERY_CODE_COUNT = 10
# 16 characters of a 32-letter alphabet without look-alikes (I, O, 0, 1): 80 random bits.
_RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_RECOVERY_LENGTH = 16
WRONG_CODE = N_("The code is not correct. Check the time on your phone and try the newest code.")


_cipher: MultiFernet | None = None


def configure_encryption(cipher: MultiFernet) -> None:
    """Encrypt with this cipher from now on (create_app passes the one of TOTP_ENCRYPTION_KEYS)."""
    global _cipher
    _cipher = cipher


def _encryption() -> MultiFernet:
    if _cipher is None:
        raise RuntimeError("two-step sign-in secrets need configure_encryption() first (create_app calls it)")
    return _cipher


def secret_of(user: User) -> str | None:
    """The user's TOTP secret in the clear (base32), or None before enrolment."""
    if user.totp_secret is None:
        return None
    return _encryption().decrypt(user.totp_secret.encode()).decode()


def store_secret(user: User, secret: str | None) -> None:
    user.totp_secret = None if secret is None else _encryption().encrypt(secret.encode()).decode()


def rotate_encryption(session: Session) -> int:
    """Re-encrypt every stored secret with the newest key, so older keys can be dropped; returns how many."""
    with unit_of_work(session):
        users = session.scalars(select(User).where(User.totp_secret.is_not(None)).with_for_update()).all()
        for user in users:
            user.totp_secret = _encryption().rotate(str(user.totp_secret).encode()).decode()
    log.info("TOTP secrets of %s users re-encrypted with the newest key", len(users))
    return len(users)


@dataclass(frozen=True)
class Enrolment:
    secret: str
    uri: str


def required_for(user: User) -> bool:
    """Desk accounts can reach every enterprise's unpublished data, so they must use a second factor."""
    return user.role != Role.ENTERPRISE


def is_enabled(user: User) -> bool:
    return user.totp_enabled_at is not None


def remaining_recovery_codes(session: Session, user_id: int) -> int:
    return (
        session.scalar(
            select(func.count(RecoveryCode.id)).where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))
        )
        or 0
    )


def start_enrolment(session: Session, actor: User, issuer: str = ISSUER) -> Enrolment:
    """The secret to put in an authenticator app; the same one until enrolment is confirmed.

    ``issuer`` is the desk's name as the app lists it, already in the user's language.

    Raises ValidationError when two-step sign-in is already on.
    """
    with unit_of_work(session):
        user = _load(session, actor.id)
        if is_enabled(user):
            raise ValidationError(N_("Two-step sign-in is already on."))
        secret = secret_of(user)
        if secret is None:
            secret = pyotp.random_base32()
            store_secret(user, secret)
        email = user.email
    return Enrolment(secret=secret, uri=pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=issuer))


def confirm_enrolment(session: Session, actor: User, code: str, now: datetime | None = None) -> list[str]:
    """Turn two-step sign-in on with a first good code; returns the recovery codes, shown once.

    Raises ValidationError for a wrong code, a missing enrolment or one already confirmed.
    """
    now = now or utcnow()
    with unit_of_work(session):
        user = _load(session, actor.id)
        if is_enabled(user) or user.totp_secret is None:
            raise ValidationError(N_("Start the set-up again: the page has changed meanwhile."))
        if not _accept_totp(user, code, now):
            raise ValidationError(CORRECT_FIELDS, fields={"code": WRONG_CODE})
        user.totp_enabled_at = now
        codes = _replace_recovery_codes(session, user)
    log.info("two-step sign-in enabled for user %s", actor.id)
    return codes


def verify_second_step(
    session: Session,
    user_id: int,
    session_token: str,
    code: str,
    address: str,
    max_failures: int = accounts.ACCOUNT_MAX_FAILURES,
    lock_minutes: int = accounts.ACCOUNT_LOCK_MINUTES,
    now: datetime | None = None,
) -> User:
    """Complete a sign-in whose password step passed, with a TOTP code or an unused recovery code.

    A wrong code counts toward the same account lockout and address throttle as
    a wrong password. ``session_token`` is the user's token when the password
    was accepted: a password change or sign-out meanwhile voids the attempt.
    Raises accounts.AuthenticationFailed.
    """
    now = now or utcnow()
    blocked = accounts.address_blocked(session, address, now)
    with unit_of_work(session):
        user = session.get(User, user_id, with_for_update=True)
        allowed = (
            user is not None
            and user.active
            and is_enabled(user)
            and user.session_token == session_token
            and not accounts.is_locked(user, now)
            and not blocked
        )
        if allowed and user is not None and _accept_any_code(session, user, code, now):
            accounts.mark_signed_in(user, now)
            return user
        accounts.record_login_failure(session, user, address, now, max_failures, lock_minutes)
    raise accounts.AuthenticationFailed()


def regenerate_recovery_codes(session: Session, actor: User, code: str, now: datetime | None = None) -> list[str]:
    """New recovery codes for old ones, confirmed with a current code. Raises ValidationError."""
    now = now or utcnow()
    with unit_of_work(session):
        user = _enabled_user_checked(session, actor.id, code, now)
        return _replace_recovery_codes(session, user)


def disable_two_factor(session: Session, actor: User, code: str, now: datetime | None = None) -> None:
    """Turn two-step sign-in off, confirmed with a current code or a recovery code. Raises ValidationError.

    A desk user is sent straight back to enrolment by the web layer: for them
    this is how a new phone replaces the old one.
    """
    now = now or utcnow()
    with unit_of_work(session):
        user = _enabled_user_checked(session, actor.id, code, now)
        _clear(session, user)
    log.info("two-step sign-in disabled by user %s", actor.id)


def reset_two_factor(session: Session, actor: User, user_id: int) -> User:
    """An administrator removes a user's lost authenticator; the user's sessions end.

    Raises Forbidden (not an admin, or the admin's own account) and NotFound.
    """
    policy.authorize(actor, PolicyAction.ADMIN_USE, None)
    if user_id == actor.id:
        raise Forbidden(N_("Use your own two-step sign-in page to change your authenticator."))
    with unit_of_work(session):
        user = session.get(User, user_id)
        if user is None:
            raise NotFound()
        _clear(session, user)
        user.session_token = new_session_token()
    log.info("two-step sign-in of user %s reset by admin %s", user_id, actor.id)
    return user


def _load(session: Session, user_id: int) -> User:
    user = session.get(User, user_id, with_for_update=True)
    if user is None:
        raise NotFound()
    return user


def _enabled_user_checked(session: Session, user_id: int, code: str, now: datetime) -> User:
    user = _load(session, user_id)
    if not is_enabled(user):
        raise ValidationError(N_("Two-step sign-in is off."))
    if not _accept_any_code(session, user, code, now):
        raise ValidationError(CORRECT_FIELDS, fields={"code": WRONG_CODE})
    return user


def _clear(session: Session, user: User) -> None:
    store_secret(user, None)
    user.totp_enabled_at = None
    user.totp_last_step = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def _accept_any_code(session: Session, user: User, code: str, now: datetime) -> bool:
    cleaned = "".join(code.split())
    if cleaned.isdigit():
        return _accept_totp(user, cleaned, now)
    return _use_recovery_code(session, user, cleaned, now)


def _accept_totp(user: User, code: str, now: datetime) -> bool:
    """Accept the code of the current 30-second step or a neighbour (clock drift), each step only once."""
    code = "".join(code.split())
    secret = secret_of(user)
    if secret is None or len(code) != 6 or not code.isdigit():
        return False
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if user.totp_last_step is not None and step <= user.totp_last_step:
            continue  # already used: a code seen over someone's shoulder cannot be replayed
        if secrets.compare_digest(totp.generate_otp(step), code):
            user.totp_last_step = step
            return True
    return False


def _recovery_hash(code: str) -> str:
    # A fast hash is enough: each code carries 80 random bits, far beyond guessing offline.
    normalized = code.replace("-", "").upper()
    return hashlib.sha256(normalized.encode()).hexdigest()


def _use_recovery_code(session: Session, user: User, code: str, now: datetime) -> bool:
    if len(code.replace("-", "")) != _RECOVERY_LENGTH:
        return False
    found = session.scalars(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _recovery_hash(code),
            RecoveryCode.used_at.is_(None),
        )
    ).first()
    if found is None:
        return False
    found.used_at = now
    return True


def _replace_recovery_codes(session: Session, user: User) -> list[str]:
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
        codes.append("-".join(raw[i : i + 4] for i in range(0, _RECOVERY_LENGTH, 4)))
        session.add(RecoveryCode(user_id=user.id, code_hash=_recovery_hash(raw)))
    return codes
