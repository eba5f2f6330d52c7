"""Read side of the director hotline: the panel on a request page, lists, and who can be chosen."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from service.models import (
    OPEN_STATUSES,
    FollowUpAction,
    HotlineSession,
    HotlineStatus,
    Role,
    ServiceRequest,
    Station,
    User,
)
from service.rules import policy
from service.rules.hotline import PENDING, HotlineAction, allowed_hotline_actions
from service.rules.policy import PolicyAction
from service.store.loading import load


@dataclass(frozen=True)
class SessionView:
    hotline: HotlineSession
    actions: list[HotlineAction]
    # Minutes, decisions and follow-up actions are the desk's, never the enterprise's.
    internal: bool
    completable: frozenset[int]

    @property
    def upcoming(self) -> bool:
        """Scheduled, neither held nor cancelled: its meeting link and calendar file are offered."""
        return self.hotline.status == HotlineStatus.SCHEDULED


@dataclass(frozen=True)
class HotlinePanel:
    request: ServiceRequest
    sessions: list[SessionView]
    can_ask: bool
    asks_as_enterprise: bool


def view_of(actor: User, hotline: HotlineSession) -> SessionView:
    internal = policy.may(actor, PolicyAction.REQUEST_VIEW_INTERNAL, hotline.request)
    manages = policy.may(actor, PolicyAction.HOTLINE_MANAGE, hotline)
    completable = frozenset(
        a.id for a in hotline.follow_ups if a.done_at is None and internal and (manages or a.owner_id == actor.id)
    )
    return SessionView(hotline, allowed_hotline_actions(actor, hotline), internal, completable)


def hotline_panel(session: Session, actor: User, request: ServiceRequest) -> HotlinePanel:
    """The sessions of ``request`` as ``actor`` may see them, newest first, and whether a new one may be asked."""
    policy.authorize(actor, PolicyAction.REQUEST_VIEW, request)
    # The people shown and the follow-ups come in the same statement (a request has a few sessions, each with
    # a few follow-ups, so the joined rows stay few).
    sessions = list(
        session.scalars(
            select(HotlineSession)
            .where(HotlineSession.request_id == request.id)
            .options(
                joinedload(HotlineSession.follow_ups).joinedload(FollowUpAction.owner),
                joinedload(HotlineSession.director),
                joinedload(HotlineSession.recorder),
                joinedload(HotlineSession.requested_by),
            )
            .order_by(HotlineSession.id.desc())
        ).unique()
    )
    pending = any(s.status in PENDING for s in sessions)
    can_ask = (
        not pending and request.status in OPEN_STATUSES and policy.may(actor, PolicyAction.REQUEST_ASK_HOTLINE, request)
    )
    return HotlinePanel(request, [view_of(actor, s) for s in sessions], can_ask, actor.role == Role.ENTERPRISE)


def get_session(session: Session, actor: User, hotline_id: int) -> HotlineSession:
    """Raises NotFound when the session does not exist or its request is out of scope."""
    return load(session, actor, HotlineSession, hotline_id, PolicyAction.HOTLINE_VIEW)


def sessions_by_id(session: Session, ids: Collection[int]) -> dict[int, HotlineSession]:
    """Sessions with their hosts, for naming them (站长热线 or 局长热线) beside what the reader was told of them.

    Only for naming: the ids come from the reader's own notifications, about requests the inbox checked.
    """
    if not ids:
        return {}
    found = session.scalars(
        select(HotlineSession).where(HotlineSession.id.in_(set(ids))).options(selectinload(HotlineSession.director))
    )
    return {hotline.id: hotline for hotline in found}


def list_sessions(
    session: Session, actor: User, statuses: Collection[HotlineStatus], limit: int = 100
) -> list[HotlineSession]:
    """Sessions on the desk's cases in scope: soonest first for pending ones, latest first otherwise."""
    policy.authorize(actor, PolicyAction.DESK_USE, None)
    order = (
        (HotlineSession.scheduled_at.is_(None).desc(), HotlineSession.scheduled_at, HotlineSession.id)
        if set(statuses) <= PENDING
        else (HotlineSession.id.desc(),)
    )
    query = (
        select(HotlineSession)
        .join(ServiceRequest, HotlineSession.request_id == ServiceRequest.id)
        .where(policy.visible_requests(actor), HotlineSession.status.in_(list(statuses)))
        .options(
            selectinload(HotlineSession.request).selectinload(ServiceRequest.enterprise),
            selectinload(HotlineSession.director),
        )
        .order_by(*order)
        .limit(limit)
    )
    return list(session.scalars(query))


def my_follow_ups(session: Session, actor: User, limit: int = 50) -> list[FollowUpAction]:
    """Open follow-up actions owned by ``actor`` on cases they still see, earliest due first."""
    query = (
        select(FollowUpAction)
        .join(HotlineSession)
        .join(ServiceRequest)
        .where(FollowUpAction.owner_id == actor.id, FollowUpAction.done_at.is_(None), policy.visible_requests(actor))
        .options(selectinload(FollowUpAction.hotline_session).selectinload(HotlineSession.request))
        .order_by(FollowUpAction.due_date, FollowUpAction.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def directors_for(session: Session, station_id: int) -> list[User]:
    """Active directors responsible for the station: its own, then the provincial ones."""
    query = (
        select(User)
        .join(Station, User.station_id == Station.id)
        .where(
            User.active.is_(True),
            User.role == Role.DIRECTOR,
            or_(User.station_id == station_id, Station.is_hub.is_(True)),
        )
        .order_by(Station.is_hub, User.name)
    )
    return list(session.scalars(query))


def enterprise_contact(hotline: HotlineSession) -> User | None:
    """The enterprise's person for the session: whoever asked for it, else whoever submitted the request
    (the desk may have asked, or submitted on the enterprise's behalf: then nobody)."""
    return next(
        (u for u in (hotline.requested_by, hotline.request.submitter) if u.role == Role.ENTERPRISE and u.active), None
    )
