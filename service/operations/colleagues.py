"""Colleagues in one enterprise: its administrator sets their roles, hands requests over and deactivates those who
leave (invitations: service.operations.invitations).

Every change to the colleagues locks the enterprise's row and moves its ``roster_version`` on: a form made from an
older list is refused (StaleVersion), and two administrators acting at once cannot both take away the last active
administrator. Each step is written on the enterprise's own record (events with ``enterprise_id``), a hand-over on
the request's timeline.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.errors import CORRECT_FIELDS, N_, Conflict, NotFound, ValidationError
from service.models import (
    FINAL_STATUSES,
    Enterprise,
    EnterpriseRole,
    Event,
    EventKind,
    Role,
    ServiceRequest,
    User,
    new_session_token,
)
from service.models.base import utcnow
from service.operations import notifications
from service.operations.request_support import editing, record
from service.rules import policy
from service.rules.policy import PolicyAction
from service.store.db import unit_of_work
from service.store.loading import load
from service.store.versioning import check_version

log = logging.getLogger(__name__)

ROSTER_CHANGED = N_("The list of colleagues changed meanwhile. Look at it again and repeat your change.")
LAST_ADMINISTRATOR = N_(
    "An enterprise must keep at least one active administrator. Make another colleague an administrator first."
)
CHOOSE_COLLEAGUE = N_("Choose an active colleague of your enterprise.")


def require_administrator(actor: User) -> None:
    """Checked before a mail is counted against the rate limits: only the enterprise's administrator sends one."""
    if actor.enterprise is None:
        raise NotFound()
    policy.authorize(actor, PolicyAction.COLLEAGUES_MANAGE, actor.enterprise)


def changing_roster(session: Session, actor: User, expected_version: int | None) -> Enterprise:
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


def note_on_record(
    session: Session, enterprise: Enterprise, kind: EventKind, actor: User, now: datetime, **data: Any
) -> None:
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
        enterprise = changing_roster(session, actor, expected_version)
        colleague = _colleague(session, enterprise, user_id)
        if not colleague.active:
            raise ValidationError(CORRECT_FIELDS, fields={"user_id": CHOOSE_COLLEAGUE})
        if role == EnterpriseRole.MEMBER:
            _keep_an_administrator(session, enterprise, colleague)
        before = colleague.enterprise_role
        colleague.enterprise_role = role
        note_on_record(
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
        enterprise = changing_roster(session, actor, expected_version)
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
        note_on_record(
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
