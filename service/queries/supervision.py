"""Read side of the supervision loop: the extension requests waiting for a director's decision, and their count
in the menu."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select
from sqlalchemy.orm import Session, joinedload

from service.models import ExtensionRequest, ExtensionStatus, Role, ServiceRequest, User
from service.rules import policy

PAGE = 50


def _decided_by(actor: User) -> ColumnElement[bool]:
    """WHERE clause on extension requests joined to their request: those ``actor`` decides (as the policy's
    ``extension.decide``: a station's head its station's within the allowed number, the provincial director
    the hub's and those beyond it)."""
    if actor.role != Role.DIRECTOR or actor.station_id is None:
        return false()
    own = ServiceRequest.station_id == actor.station_id
    if policy.is_provincial_director(actor):
        return or_(own, ExtensionRequest.needs_provincial.is_(True))
    return and_(own, ExtensionRequest.needs_provincial.is_(False))


def _waiting(actor: User) -> Select[ExtensionRequest]:
    return (
        select(ExtensionRequest)
        .join(ServiceRequest, ExtensionRequest.request_id == ServiceRequest.id)
        .where(ExtensionRequest.status == ExtensionStatus.PENDING, policy.visible_requests(actor), _decided_by(actor))
    )


def pending_extensions(
    session: Session, actor: User, *, cursor: int | None = None, limit: int = PAGE
) -> list[ExtensionRequest]:
    """A keyset page (ids below ``cursor``, newest first) of the extension requests waiting for ``actor``."""
    query = _waiting(actor).options(
        joinedload(ExtensionRequest.request).joinedload(ServiceRequest.enterprise),
        joinedload(ExtensionRequest.request).joinedload(ServiceRequest.station),
        joinedload(ExtensionRequest.asked_by),
    )
    if cursor is not None:
        query = query.where(ExtensionRequest.id < cursor)
    return list(session.scalars(query.order_by(ExtensionRequest.id.desc()).limit(limit)))


def pending_count_query(actor: User) -> Select[tuple[int]] | None:
    """The count beside "Extensions to decide" in the menu; None for those who decide none."""
    if actor.role != Role.DIRECTOR:
        return None
    return _waiting(actor).with_only_columns(func.count(ExtensionRequest.id))
