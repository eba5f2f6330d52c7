"""Invitations to join an enterprise: its administrator mails one, sends it again or withdraws it; the invited
colleague accepts with the mail's signed link and becomes a contact person of the enterprise.

The link is signed like the password recovery link (infrastructure.signed_links) and carries the time it was mailed:
sending the invitation again kills the earlier mail's link. Each step changes the enterprise's colleagues, so it
takes the roster's lock and version and goes on the enterprise's record (service.operations.colleagues).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.errors import CORRECT_FIELDS, N_, Conflict, NotFound, RateLimited, ValidationError
from service.infrastructure import passwords, signed_links
from service.models import Enterprise, EnterpriseRole, EventKind, Invitation, Role, User
from service.models.base import utcnow
from service.operations import rate_limits
from service.operations.accounts import normalize_email
from service.operations.colleagues import changing_roster, note_on_record, require_administrator
from service.operations.mail import ComposedMail, queue_composed
from service.store.db import unit_of_work

log = logging.getLogger(__name__)

INVITATION_LIFETIME = timedelta(days=7)
SALT = "colleague-invitation"
# Invitations mailed per window: per administrator, so nobody floods mailboxes; per address, so nobody is pestered.
LIMIT_WINDOW_SECONDS = 60 * 60
LIMIT_PER_INVITER = 20
LIMIT_PER_EMAIL = 3

EMAIL_TAKEN = N_("A user with this email already exists.")
ALREADY_INVITED = N_("This address has a pending invitation already: send it again from the list below.")
NOT_PENDING = N_("This invitation has been accepted or revoked already.")
NAME_REQUIRED = N_("Please give your name.")
LINK_DAMAGED = N_("This invitation link is not valid: it is damaged or incomplete. Ask for a new invitation.")
LINK_EXPIRED = N_("This invitation has expired. Ask your enterprise's administrator to send it again.")
LINK_REPLACED = N_("This invitation was sent again since: open the link in the latest mail.")
LINK_USED = N_("This invitation has been accepted already. Sign in with the password you chose.")
LINK_REVOKED = N_("This invitation has been withdrawn by your enterprise's administrator.")

# Makes the invitation's mail (subject and texts, in the inviter's language) carrying the link of a token.
ComposeInvitation = Callable[[Invitation, str], ComposedMail]


class InvitationLinkInvalid(Exception):
    """A damaged, expired, replaced, used or withdrawn link; ``message`` says which, for the one who holds it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _limit(session: Session, actor: User, email: str, now: datetime) -> None:
    wait = rate_limits.hit(
        session,
        [(f"invite-by:{actor.id}", LIMIT_PER_INVITER), (f"invite-email:{email}", LIMIT_PER_EMAIL)],
        now,
        seconds=LIMIT_WINDOW_SECONDS,
    )
    if wait is not None:
        raise RateLimited(wait)


def _mail(
    session: Session, invitation: Invitation, secret_key: str, compose: ComposeInvitation, language: str, now: datetime
) -> None:
    invitation.sent_at = now
    invitation.expires_at = now + INVITATION_LIFETIME
    token = signed_links.sign(secret_key, SALT, now, i=invitation.id)
    queue_composed(
        session, invitation.email, "", language, EventKind.COLLEAGUE_INVITED, compose(invitation, token), now
    )


def invite_colleague(
    session: Session,
    actor: User,
    email: str,
    role: EnterpriseRole,
    expected_version: int | None,
    *,
    secret_key: str,
    compose: ComposeInvitation,
    language: str,
    now: datetime | None = None,
) -> Invitation:
    """Mail an invitation to join the actor's enterprise as ``role``; the link lives INVITATION_LIFETIME.

    Raises Forbidden (not its administrator), StaleVersion, RateLimited, ValidationError (an address
    that has an account, or a pending invitation of this enterprise).
    """
    now = now or utcnow()
    email = normalize_email(email)
    require_administrator(actor)
    _limit(session, actor, email, now)
    with unit_of_work(session):
        enterprise = changing_roster(session, actor, expected_version)
        if session.scalar(select(User.id).where(User.email == email)) is not None:
            raise ValidationError(CORRECT_FIELDS, fields={"email": EMAIL_TAKEN})
        pending = select(Invitation.id).where(
            Invitation.enterprise_id == enterprise.id,
            Invitation.email == email,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
        if session.scalar(pending) is not None:
            raise ValidationError(CORRECT_FIELDS, fields={"email": ALREADY_INVITED})
        invitation = Invitation(
            enterprise=enterprise,
            email=email,
            enterprise_role=role,
            invited_by_id=actor.id,
            created_at=now,
            sent_at=now,
            expires_at=now + INVITATION_LIFETIME,
        )
        session.add(invitation)
        session.flush()
        _mail(session, invitation, secret_key, compose, language, now)
        note_on_record(session, enterprise, EventKind.COLLEAGUE_INVITED, actor, now, email=email, role=role.value)
    log.info("user %s invited a colleague to enterprise %s", actor.id, enterprise.id)
    return invitation


def _pending(session: Session, enterprise: Enterprise, invitation_id: int) -> Invitation:
    invitation = session.get(Invitation, invitation_id, with_for_update=True)
    if invitation is None or invitation.enterprise_id != enterprise.id:
        raise NotFound()
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise Conflict(NOT_PENDING)
    return invitation


def resend_invitation(
    session: Session,
    actor: User,
    invitation_id: int,
    expected_version: int | None,
    *,
    secret_key: str,
    compose: ComposeInvitation,
    language: str,
    now: datetime | None = None,
) -> Invitation:
    """Mail a pending invitation again with a new link (the old one dies) that lives INVITATION_LIFETIME from now.

    Raises NotFound, Forbidden, StaleVersion, Conflict (accepted or revoked), RateLimited.
    """
    now = now or utcnow()
    require_administrator(actor)
    found = session.get(Invitation, invitation_id)
    if found is None or found.enterprise_id != actor.enterprise_id:
        raise NotFound()
    _limit(session, actor, found.email, now)
    with unit_of_work(session):
        enterprise = changing_roster(session, actor, expected_version)
        invitation = _pending(session, enterprise, invitation_id)
        _mail(session, invitation, secret_key, compose, language, now)
        note_on_record(session, enterprise, EventKind.COLLEAGUE_INVITED, actor, now, email=invitation.email, again=True)
    return invitation


def revoke_invitation(
    session: Session, actor: User, invitation_id: int, expected_version: int | None, now: datetime | None = None
) -> Invitation:
    """Withdraw a pending invitation: its link answers that it was withdrawn. Raises NotFound, Forbidden,
    StaleVersion, Conflict (accepted or revoked already)."""
    now = now or utcnow()
    with unit_of_work(session):
        enterprise = changing_roster(session, actor, expected_version)
        invitation = _pending(session, enterprise, invitation_id)
        invitation.revoked_at = now
        note_on_record(session, enterprise, EventKind.INVITATION_REVOKED, actor, now, email=invitation.email)
    return invitation


def invitation_of_link(
    session: Session, token: str, secret_key: str, now: datetime | None = None, *, lock: bool = False
) -> Invitation:
    """The pending invitation a live link belongs to. Raises InvitationLinkInvalid saying why it is not."""
    now = now or utcnow()
    try:
        payload, issued = signed_links.read(secret_key, SALT, token)
        invitation_id = int(payload["i"])
    except (signed_links.LinkDamaged, KeyError, ValueError):
        raise InvitationLinkInvalid(LINK_DAMAGED) from None
    invitation = session.get(Invitation, invitation_id, with_for_update=lock or None, populate_existing=lock)
    if invitation is None:
        raise InvitationLinkInvalid(LINK_DAMAGED)
    if invitation.revoked_at is not None:
        raise InvitationLinkInvalid(LINK_REVOKED)
    if invitation.accepted_at is not None:
        raise InvitationLinkInvalid(LINK_USED)
    if int(invitation.sent_at.timestamp()) != int(issued.timestamp()):
        raise InvitationLinkInvalid(LINK_REPLACED)
    if not signed_links.is_live(issued, INVITATION_LIFETIME, now):
        raise InvitationLinkInvalid(LINK_EXPIRED)
    return invitation


def accept_invitation(
    session: Session,
    token: str,
    name: str,
    password: str,
    secret_key: str,
    *,
    locale: str | None = None,
    now: datetime | None = None,
) -> User:
    """The invited colleague sets a name and a password (the rules of registration) and becomes a contact person of
    the enterprise, in the invitation's role; the link dies. Raises InvitationLinkInvalid, ValidationError."""
    now = now or utcnow()
    invitation = invitation_of_link(session, token, secret_key, now)
    problems = {}
    if not name.strip():
        problems["name"] = NAME_REQUIRED
    weak = passwords.password_problem(password, invitation.email)
    if weak:
        problems["password"] = weak
    if problems:
        raise ValidationError(CORRECT_FIELDS, fields=problems)
    password_hash = passwords.hash_password(password)
    with unit_of_work(session):
        # Checked again under the row's lock: of two uses of one link racing, the second finds it used.
        invitation = invitation_of_link(session, token, secret_key, now, lock=True)
        if session.scalar(select(User.id).where(User.email == invitation.email)) is not None:
            raise InvitationLinkInvalid(LINK_USED)
        enterprise = session.get(Enterprise, invitation.enterprise_id, with_for_update=True)
        assert enterprise is not None  # the invitation's foreign key
        user = User(
            email=invitation.email,
            name=name.strip()[:120],
            password_hash=password_hash,
            role=Role.ENTERPRISE,
            enterprise_id=enterprise.id,
            enterprise_role=invitation.enterprise_role,
            locale=locale,
            created_at=now,
        )
        session.add(user)
        session.flush()
        invitation.accepted_at = now
        invitation.accepted_user_id = user.id
        enterprise.roster_version += 1
        note_on_record(
            session, enterprise, EventKind.COLLEAGUE_JOINED, user, now, role=invitation.enterprise_role.value
        )
    log.info("user %s joined enterprise %s by invitation %s", user.id, enterprise.id, invitation.id)
    return user
