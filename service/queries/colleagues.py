"""Read side of colleagues in one enterprise: who they are, the invitations waiting, the enterprise's own record."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, case, select
from sqlalchemy.orm import Session, joinedload

from service.models import EnterpriseRole, Event, Invitation, Role, User
from service.rules import policy
from service.rules.policy import PolicyAction

RECORD_LIMIT = 50
INVITATIONS_LIMIT = 100


@dataclass(frozen=True)
class ColleaguesPage:
    colleagues: list[User]
    # Pending invitations (neither accepted nor revoked; expired ones too, to be sent again), newest first.
    invitations: list[Invitation]
    record: list[Event]
    manages: bool
    roster_version: int


def contacts(session: Session, enterprise_id: int) -> list[User]:
    """Every contact person an enterprise has had (the desk's view), active first, administrators first, by name."""
    return _ordered(session, and_(User.enterprise_id == enterprise_id, User.role == Role.ENTERPRISE))


def _ordered(session: Session, which: ColumnElement[bool]) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .where(which)
            .order_by(
                User.active.desc(),
                case((User.enterprise_role == EnterpriseRole.ADMINISTRATOR, 0), else_=1),
                User.name,
                User.id,
            )
        )
    )


def enterprise_record(session: Session, enterprise_id: int, limit: int = RECORD_LIMIT) -> list[Event]:
    """The enterprise's own record (colleagues invited, joined, changed, deactivated), newest first."""
    return list(
        session.scalars(
            select(Event)
            .where(Event.enterprise_id == enterprise_id)
            .options(joinedload(Event.actor))
            .order_by(Event.id.desc())
            .limit(limit)
        )
    )


def colleagues_page(session: Session, actor: User) -> ColleaguesPage:
    """The actor's colleagues; for its administrator also the pending invitations and the enterprise's record."""
    policy.authorize(actor, PolicyAction.COLLEAGUES_VIEW, None)
    assert actor.enterprise_id is not None  # an enterprise user (COLLEAGUES_VIEW)
    enterprise = actor.enterprise
    assert enterprise is not None
    manages = policy.may(actor, PolicyAction.COLLEAGUES_MANAGE, enterprise)
    invitations: list[Invitation] = []
    record: list[Event] = []
    if manages:
        invitations = list(
            session.scalars(
                select(Invitation)
                .where(
                    Invitation.enterprise_id == enterprise.id,
                    Invitation.accepted_at.is_(None),
                    Invitation.revoked_at.is_(None),
                )
                .options(joinedload(Invitation.invited_by))
                .order_by(Invitation.id.desc())
                .limit(INVITATIONS_LIMIT)
            )
        )
        record = enterprise_record(session, enterprise.id)
    colleagues = _ordered(session, policy.visible_colleagues(actor))
    return ColleaguesPage(colleagues, invitations, record, manages, enterprise.roster_version)


def hand_over_choices(session: Session, actor: User) -> list[User]:
    """Whom the actor may hand its enterprise's requests over to: its active colleagues (none if it may not)."""
    if actor.enterprise is None or not policy.may(actor, PolicyAction.COLLEAGUES_MANAGE, actor.enterprise):
        return []
    return [u for u in _ordered(session, policy.visible_colleagues(actor)) if u.active]
