"""Colleagues in one enterprise: its administrator invites them by mail, sets their place, hands their requests
over and deactivates those who leave; an invited colleague accepts with a signed link.

Every change to the colleagues locks the enterprise's row and moves its ``roster_version`` on: a form made from an
older list is refused (StaleVersion), and two administrators acting at once cannot both take away the last active
administrator. Each step is written on the enterprise's own record (events with ``enterprise_id``), a hand-over on
the request's timeline. The invitation link is signed like the password recovery link (infrastructure.signed_links)
and carries the time it was mailed: sending it again kills the earlier mail's link.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.errors import CORRECT_FIELDS, N_, Conflict, NotFound, ValidationError
from service.infrastructure import passwords, signed_links
from service.models import (
    FINAL_STATUSES,
    Enterprise,
    EnterpriseRole,
    Event,
    EventKind,
    Invitation,
    Role,
    ServiceRequest,
    User,
    new_session_token,
)
from service.models.base import utcnow
from service.operations import notifications, rate_limits
from service.operations.accounts import normalize_email
from service.operations.mail import ComposedMail, queue_composed
from service.operations.request_support import editing, record
from service.rules import policy
from service.rules.policy import PolicyAction
from service.store.db import unit_of_work
from service.store.loading import load
from service.store.versioning import check_version

log = logging.getLogger(__name__)

INVITATION_LIFETIME = timedelta(days=7)
SALT = "colleague-invitation"
# Invitations mailed per window: per administrator, so nobody floods mailboxes; per address, so nobody is pestered.
LIMIT_WINDOW_SECONDS = 60 * 60
LIMIT_PER_INVITER = 20
LIMIT_PER_EMAIL = 3

ROSTER_CHANGED = N_("The list of colleagues changed meanwhile. Look at it again and repeat your change.")
LAST_ADMINISTRATOR = N_(
    "An enterprise must keep at least one active administrator. Make another colleague an administrator first."
)
EMAIL_TAKEN = N_("A user with this email already exists.")
ALREADY_INVITED = N_("This address has a pending invitation already: send it again from the list below.")
NOT_PENDING = N_("This invitation has been accepted or revoked already.")
CHOOSE_COLLEAGUE = N_("Choose an active colleague of your enterprise.")
NAME_REQUIRED = N_("Please give your name.")
LINK_DAMAGED = N_("This invitation link is not valid: it is damaged or incomplete. Ask for a new invitation.")
LINK_EXPIRED = N_("This invitation has expired. Ask your enterprise's administrator to send it again.")
LINK_REPLACED = N_("This invitation was sent again since: open the link in the latest mail.")
LINK_USED = N_("This invitation has been accepted already. Sign in with the password you chose.")
LINK_REVOKED = N_("This invitation has been withdrawn by your enterprise's administrator.")

# Makes the invitation's mail (subject and texts, in the inviter's language) carrying the link of a token.
ComposeInvitation = Callable[[Invitation, str], ComposedMail]


class InvitationRateLimited(Exception):
    """Too many invitations from the administrator or to the address; nothing was sent."""

    def __init__(self, seconds: int) -> None:
        super().__init__(seconds)
        self.seconds = seconds


class InvitationLinkInvalid(Exception):
    """A damaged, expired, replaced, used or withdrawn link; ``message`` says which, for the one who holds it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _administers(actor: User) -> None:
    """Checked before a mail is counted against the rate limits: only the enterprise's administrator sends one."""
    if actor.enterprise is None:
        raise NotFound()
    policy.authorize(actor, PolicyAction.COLLEAGUES_MANAGE, actor.enterprise)


def _roster(session: Session, actor: User, expected_version: int | None) -> Enterprise:
    """The actor's enterprise, locked, if the actor administers it and saw its current colleagues; moved on."""
    if actor.enterprise_id is None:
        raise NotFound()
    enterprise = load(session, actor, Enterprise, actor.enterprise_id, PolicyAction.COLLEAGUES_MANAGE, lock=True)
    check_version(enterprise.roster_version, expected_version, ROSTER_CHANGED)
    enterprise.roster_version += 1
    return enterprise


def _colleague(session: Session, enterprise: Enterprise, user_id: int | None) -> User:
    """A contact person of ``enterprise``; anyone else answers NotFound."""
    user = session.get(User, user_id, with_for_update=True) if user_id else None
    if user is None or user.role != Role.ENTERPRISE or user.enterprise_id != enterprise.id:
        raise NotFound()
    return user


def _successor(session: Session, enterprise: Enterprise, user_id: int | None, leaving: int) -> User:
    """The active colleague who takes over; ValidationError on ``successor_id`` otherwise."""
    user = session.get(User, user_id) if user_id else None
    if (
        user is None
        or not user.active
        or user.id == leaving
        or user.role != Role.ENTERPRISE
        or user.enterprise_id != enterprise.id
    ):
        raise ValidationError(CORRECT_FIELDS, fields={"successor_id": CHOOSE_COLLEAGUE})
    return user


def _note(session: Session, enterprise: Enterprise, kind: EventKind, actor: User, now: datetime, **data: Any) -> None:
    """An entry on the enterprise's own record."""
    session.add(Event(enterprise_id=enterprise.id, kind=kind, actor_id=actor.id, created_at=now, data=data))


def _administrators_left(session: Session, enterprise: Enterprise, without: int) -> int:
    return len(
        session.scalars(
            select(User.id).where(
                User.enterprise_id == enterprise.id,
                User.role == Role.ENTERPRISE,
                User.enterprise_role == EnterpriseRole.ADMINISTRATOR,
                User.active.is_(True),
                User.id != without,
            )
        ).all()
    )


def _keep_an_administrator(session: Session, enterprise: Enterprise, user: User) -> None:
    if user.enterprise_role == EnterpriseRole.ADMINISTRATOR and not _administrators_left(session, enterprise, user.id):
        raise Conflict(LAST_ADMINISTRATOR)


def _limit(session: Session, actor: User, email: str, now: datetime) -> None:
    wait = rate_limits.hit(
        session,
        [(f"invite-by:{actor.id}", LIMIT_PER_INVITER), (f"invite-email:{email}", LIMIT_PER_EMAIL)],
        now,
        seconds=LIMIT_WINDOW_SECONDS,
    )
    if wait is not None:
        raise InvitationRateLimited(wait)


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

    Raises Forbidden (not its administrator), StaleVersion, InvitationRateLimited, ValidationError (an address
    that has an account, or a pending invitation of this enterprise).
    """
    now = now or utcnow()
    email = normalize_email(email)
    _administers(actor)
    _limit(session, actor, email, now)
    with unit_of_work(session):
        enterprise = _roster(session, actor, expected_version)
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
        _note(session, enterprise, EventKind.COLLEAGUE_INVITED, actor, now, email=email, role=role.value)
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

    Raises NotFound, Forbidden, StaleVersion, Conflict (accepted or revoked), InvitationRateLimited.
    """
    now = now or utcnow()
    _administers(actor)
    found = session.get(Invitation, invitation_id)
    if found is None or found.enterprise_id != actor.enterprise_id:
        raise NotFound()
    _limit(session, actor, found.email, now)
    with unit_of_work(session):
        enterprise = _roster(session, actor, expected_version)
        invitation = _pending(session, enterprise, invitation_id)
        _mail(session, invitation, secret_key, compose, language, now)
        _note(session, enterprise, EventKind.COLLEAGUE_INVITED, actor, now, email=invitation.email, again=True)
    return invitation


def revoke_invitation(
    session: Session, actor: User, invitation_id: int, expected_version: int | None, now: datetime | None = None
) -> Invitation:
    """Withdraw a pending invitation: its link answers that it was withdrawn. Raises NotFound, Forbidden,
    StaleVersion, Conflict (accepted or revoked already)."""
    now = now or utcnow()
    with unit_of_work(session):
        enterprise = _roster(session, actor, expected_version)
        invitation = _pending(session, enterprise, invitation_id)
        invitation.revoked_at = now
        _note(session, enterprise, EventKind.INVITATION_REVOKED, actor, now, email=invitation.email)
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
        _note(session, enterprise, EventKind.COLLEAGUE_JOINED, user, now, role=invitation.enterprise_role.value)
    log.info("user %s joined enterprise %s by invitation %s", user.id, enterprise.id, invitation.id)
    return user


def set_colleague_role(
    session: Session,
    actor: User,
    user_id: int,
    role: EnterpriseRole,
    expected_version: int | None,
    now: datetime | None = None,
) -> User:
    """Make an active colleague an administrator or a member. Raises NotFound, Forbidden, StaleVersion, Conflict
    (the last active administrator would be left with none), ValidationError (an inactive colleague)."""
    now = now or utcnow()
    with unit_of_work(session):
        enterprise = _roster(session, actor, expected_version)
        colleague = _colleague(session, enterprise, user_id)
        if not colleague.active:
            raise ValidationError(CORRECT_FIELDS, fields={"user_id": CHOOSE_COLLEAGUE})
        if role == EnterpriseRole.MEMBER:
            _keep_an_administrator(session, enterprise, colleague)
        before = colleague.enterprise_role
        colleague.enterprise_role = role
        _note(
            session,
            enterprise,
            EventKind.COLLEAGUE_ROLE_CHANGED,
            actor,
            now,
            name=colleague.name,
            role=role.value,
            previous=before.value if before else None,
        )
    return colleague


def _hand_over(session: Session, actor: User, request: ServiceRequest, to: User, now: datetime) -> None:
    """The request's contact person becomes ``to``; both hear of it (``record``'s event shows on the timeline)."""
    previous = request.submitter
    record(
        session,
        request,
        EventKind.HANDED_OVER,
        actor,
        now,
        public=True,
        from_id=previous.id,
        from_name=previous.name,
        to_id=to.id,
        to_name=to.name,
    )
    request.submitter_id = to.id
    notifications.notify(session, [previous.id, to.id], request, EventKind.HANDED_OVER, now, exclude=actor.id)


def hand_over_request(
    session: Session,
    actor: User,
    request_id: int,
    expected_version: int | None,
    to_user_id: int | None,
    now: datetime | None = None,
) -> ServiceRequest:
    """The enterprise's administrator makes another active colleague the request's contact person.

    Raises NotFound, Forbidden, StaleVersion (the request changed meanwhile), ValidationError (no such colleague,
    or the one already in charge).
    """
    now = now or utcnow()
    with editing(session, actor, request_id, expected_version, PolicyAction.REQUEST_HAND_OVER) as request:
        enterprise = session.get(Enterprise, request.enterprise_id)
        assert enterprise is not None
        to = _successor(session, enterprise, to_user_id, leaving=request.submitter_id)
        _hand_over(session, actor, request, to, now)
    return request


def deactivate_colleague(
    session: Session,
    actor: User,
    user_id: int,
    successor_id: int | None,
    expected_version: int | None,
    now: datetime | None = None,
) -> int:
    """A colleague who leaves: the account is deactivated and signed out everywhere, and every request of theirs
    not yet finished is handed over to ``successor_id`` in the same transaction. What they wrote stays, under their
    name. Returns how many requests were handed over.

    Raises NotFound, Forbidden, StaleVersion, Conflict (the last active administrator), ValidationError (no active
    colleague to take the requests over).
    """
    now = now or utcnow()
    with unit_of_work(session):
        enterprise = _roster(session, actor, expected_version)
        leaving = _colleague(session, enterprise, user_id)
        if not leaving.active:
            raise Conflict(N_("This colleague is deactivated already."))
        _keep_an_administrator(session, enterprise, leaving)
        open_requests = session.scalars(
            select(ServiceRequest)
            .where(
                ServiceRequest.enterprise_id == enterprise.id,
                ServiceRequest.submitter_id == leaving.id,
                ServiceRequest.status.not_in(FINAL_STATUSES),
            )
            .order_by(ServiceRequest.id)
            .with_for_update()
        ).all()
        successor = _successor(session, enterprise, successor_id, leaving.id) if open_requests else None
        for request in open_requests:
            assert successor is not None
            _hand_over(session, actor, request, successor, now)
        leaving.active = False
        leaving.session_token = new_session_token()
        _note(
            session,
            enterprise,
            EventKind.COLLEAGUE_DEACTIVATED,
            actor,
            now,
            name=leaving.name,
            handed_over=len(open_requests),
            successor=successor.name if successor else None,
        )
    log.info("user %s deactivated colleague %s, %s requests handed over", actor.id, user_id, len(open_requests))
    return len(open_requests)
