"""Read side of directors' instructions: the panel on a case, the lists, the count in the menu."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from service.errors import Forbidden
from service.models import FINAL_STATUSES, Instruction, Role, ServiceRequest, User
from service.rules import policy
from service.rules.policy import PolicyAction, may_acknowledge

PAGE = 50


@dataclass(frozen=True)
class InstructionsPanel:
    request: ServiceRequest
    instructions: list[Instruction]
    can_write: bool
    acknowledgeable: frozenset[int]


def instructions_panel(session: Session, actor: User, request: ServiceRequest) -> InstructionsPanel | None:
    """What the case page shows; None for readers who may not see internal matters (enterprises)."""
    if not policy.may(actor, PolicyAction.REQUEST_VIEW_INTERNAL, request):
        return None
    found = list(
        session.scalars(
            select(Instruction)
            .where(Instruction.request_id == request.id)
            .options(
                joinedload(Instruction.director),
                joinedload(Instruction.assignee),
                joinedload(Instruction.acknowledged_by),
            )
            .order_by(Instruction.acknowledged_at.is_not(None), Instruction.id.desc())
        )
    )
    can_write = policy.may(actor, PolicyAction.REQUEST_INSTRUCT, request) and request.status not in FINAL_STATUSES
    return InstructionsPanel(request, found, can_write, frozenset(i.id for i in found if may_acknowledge(actor, i)))


def _addressed_to_me(actor: User) -> bool:
    """Staff read the instructions addressed to them; directors and admins read those in their scope."""
    return actor.role == Role.STAFF


def instructions_select(
    actor: User, *, acknowledged: bool, mine: bool = False, station_id: int | None = None
) -> Select[Instruction]:
    """Instructions ``actor`` may list, newest first. ``mine``: a director's own; ``station_id``: for those
    who see every station."""
    if not (policy.may(actor, PolicyAction.DESK_USE) or policy.may(actor, PolicyAction.ADMIN_USE)):
        raise Forbidden()
    query = (
        select(Instruction)
        .join(ServiceRequest, Instruction.request_id == ServiceRequest.id)
        .where(policy.visible_requests(actor))
    )
    done = Instruction.acknowledged_at
    query = query.where(done.is_not(None) if acknowledged else done.is_(None))
    if _addressed_to_me(actor):
        query = query.where(Instruction.assignee_id == actor.id)
    elif mine:
        query = query.where(Instruction.director_id == actor.id)
    if station_id is not None and policy.sees_every_station(actor):
        query = query.where(ServiceRequest.station_id == station_id)
    return query.order_by(Instruction.id.desc())


def instructions_page(
    session: Session,
    actor: User,
    *,
    acknowledged: bool,
    mine: bool = False,
    station_id: int | None = None,
    cursor: int | None = None,
) -> tuple[list[Instruction], int | None]:
    """One keyset page (ids below ``cursor``) and the cursor of the next page, if any."""
    query = instructions_select(actor, acknowledged=acknowledged, mine=mine, station_id=station_id).options(
        selectinload(Instruction.request).selectinload(ServiceRequest.enterprise),
        selectinload(Instruction.director),
        selectinload(Instruction.assignee),
        selectinload(Instruction.acknowledged_by),
    )
    if cursor is not None:
        query = query.where(Instruction.id < cursor)
    rows = list(session.scalars(query.limit(PAGE + 1)))
    return rows[:PAGE], rows[PAGE - 1].id if len(rows) > PAGE else None


def open_count_query(actor: User) -> Select[int] | None:
    """The query counting open instructions addressed to ``actor`` (the number beside "My instructions" in
    the menu); None for those who are never addressed."""
    if not policy.is_desk(actor):
        return None
    return (
        select(func.count(Instruction.id))
        .join(ServiceRequest, Instruction.request_id == ServiceRequest.id)
        .where(
            Instruction.assignee_id == actor.id, Instruction.acknowledged_at.is_(None), policy.visible_requests(actor)
        )
    )


def open_count(session: Session, actor: User) -> int:
    query = open_count_query(actor)
    return (session.scalar(query) or 0) if query is not None else 0
