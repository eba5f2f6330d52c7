"""Password recovery by mail: a signed link, good once and for 30 minutes, sets a new password.

The link is signed with the app's secret key (itsdangerous) rather than stored: it carries the
user's id, its issue time and a fingerprint of the current password hash and session token. Setting
the new password changes both, so the link dies once used; so does it when the password is changed
any other way or the user is signed out everywhere. Nothing but the mail in the outbox keeps the link.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.errors import CORRECT_FIELDS, N_, RateLimited, ValidationError
from service.infrastructure import passwords, signed_links
from service.models import EventKind, User, new_session_token
from service.models.base import utcnow
from service.operations import rate_limits
from service.operations.accounts import normalize_email
from service.operations.mail import ComposedMail, queue_composed
from service.store.db import unit_of_work

log = logging.getLogger(__name__)

LINK_LIFETIME = timedelta(minutes=30)
# Requests per window: per address, so nobody floods a mailbox; per client, so nobody sweeps addresses.
LIMIT_WINDOW_SECONDS = 15 * 60
LIMIT_PER_EMAIL = 3
LIMIT_PER_CLIENT = 10
SALT = "password-recovery"
LINK_INVALID = N_("This link is not valid: it has been used already, it is older than 30 minutes, or it is damaged.")

# Makes the mail (subject and texts, in the user's language) carrying the link of a token.
ComposeMail = Callable[[User, str], ComposedMail]


class RecoveryLinkInvalid(Exception):
    """A used, expired, forged or damaged link; deliberately says nothing about which."""


def _fingerprint(user: User) -> str:
    return hashlib.sha256(f"{user.password_hash}|{user.session_token}".encode()).hexdigest()[:32]


def _issue(user: User, secret_key: str, now: datetime) -> str:
    return signed_links.sign(secret_key, SALT, now, u=user.id or 0, f=_fingerprint(user))


def request_recovery(
    session: Session, email: str, address: str, secret_key: str, compose: ComposeMail, now: datetime | None = None
) -> None:
    """Mail a recovery link to the address if an active account has it; the caller answers the same either way.

    Raises RateLimited (counted for known and unknown addresses alike). The mail goes into the
    outbox in this transaction. An unknown address gets a link and a mail made too, then thrown away:
    both paths do the same signing and composing, so the time taken hardly tells them apart.
    """
    now = now or utcnow()
    email = normalize_email(email)
    wait = rate_limits.hit(
        session,
        [(f"recovery-email:{email}", LIMIT_PER_EMAIL), (f"recovery-ip:{address}", LIMIT_PER_CLIENT)],
        now,
        seconds=LIMIT_WINDOW_SECONDS,
    )
    if wait is not None:
        raise RateLimited(wait)
    with unit_of_work(session):
        user = session.scalars(select(User).where(User.email == email, User.active.is_(True))).first()
        addressee = user or User(email=email, name="", password_hash="", session_token="")
        composed = compose(addressee, _issue(addressee, secret_key, now))
        if user is not None:
            queue_composed(
                session, user.email, user.name, user.locale, EventKind.PASSWORD_RECOVERY, composed, now, user_id=user.id
            )
            log.info("password recovery link mailed to user %s", user.id)


def _holder(session: Session, token: str, secret_key: str, now: datetime, lock: bool = False) -> User:
    try:
        payload, issued = signed_links.read(secret_key, SALT, token)
        user_id, fingerprint = int(payload["u"]), str(payload["f"])
    except (signed_links.LinkDamaged, KeyError, ValueError):
        raise RecoveryLinkInvalid() from None
    user = session.get(User, user_id, with_for_update=lock, populate_existing=lock) if user_id else None
    if (
        user is None
        or not user.active
        or not signed_links.is_live(issued, LINK_LIFETIME, now)
        or _fingerprint(user) != fingerprint
    ):
        raise RecoveryLinkInvalid()
    return user


def recovering_user(session: Session, token: str, secret_key: str, now: datetime | None = None) -> User:
    """The user a live link belongs to. Raises RecoveryLinkInvalid."""
    return _holder(session, token, secret_key, now or utcnow())


def complete_recovery(
    session: Session, token: str, new_password: str, secret_key: str, now: datetime | None = None
) -> User:
    """Set the new password, lift a sign-in lock and sign the user out everywhere; the link dies with the old hash.

    Raises RecoveryLinkInvalid, or ValidationError for a weak password (the rules of a password change).
    Two-step sign-in stays as it was: the next sign-in still asks for the second factor.
    """
    now = now or utcnow()
    user = _holder(session, token, secret_key, now)
    weak = passwords.password_problem(new_password, user.email)
    if weak:
        raise ValidationError(CORRECT_FIELDS, fields={"new_password": weak})
    password_hash = passwords.hash_password(new_password)
    with unit_of_work(session):
        # Checked again under the row's lock: of two uses of one link racing, the second finds it dead.
        user = _holder(session, token, secret_key, now, lock=True)
        user.password_hash = password_hash
        user.must_change_password = False
        user.failed_logins, user.locked_until = 0, None
        user.session_token = new_session_token()
    log.info("password of user %s set by recovery link", user.id)
    return user
