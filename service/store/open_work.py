"""Work still open around a request: what resolving it would leave behind, read in one statement."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import String, cast, literal, or_, select, union_all
from sqlalchemy.orm import Session

from service.models import (
    ACTIVE_SUPERVISION_STATUSES,
    FollowUpAction,
    HotlineSession,
    Instruction,
    Milestone,
    MilestoneStatus,
    ServiceRequest,
    SupervisionOrder,
    TaskForce,
    TaskForceStatus,
)

FOLLOW_UP = "follow_up"
INSTRUCTION = "instruction"
TASK_FORCE = "task_force"
MILESTONE = "milestone"
SUPERVISION_ORDER = "supervision_order"
KINDS = (SUPERVISION_ORDER, FOLLOW_UP, INSTRUCTION, TASK_FORCE, MILESTONE)  # in the order they are listed


@dataclass(frozen=True)
class OpenItem:
    kind: str
    id: int
    title: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _row(kind: str, id_column: Any, title_column: Any) -> Any:
    return (literal(kind, String).label("kind"), id_column.label("id"), cast(title_column, String).label("title"))


def open_items(session: Session, request: ServiceRequest) -> list[OpenItem]:
    """Supervision orders (督办) on the request not yet concluded, hotline follow-ups not done, instructions not
    acknowledged, active task forces (of the request or its plan) and unfinished milestones of its plan, in that
    order."""
    orders = select(*_row(SUPERVISION_ORDER, SupervisionOrder.id, SupervisionOrder.issue)).where(
        SupervisionOrder.request_id == request.id, SupervisionOrder.status.in_(sorted(ACTIVE_SUPERVISION_STATUSES))
    )
    follow_ups = (
        select(*_row(FOLLOW_UP, FollowUpAction.id, FollowUpAction.description))
        .join(HotlineSession, HotlineSession.id == FollowUpAction.hotline_session_id)
        .where(HotlineSession.request_id == request.id, FollowUpAction.done_at.is_(None))
    )
    instructions = select(*_row(INSTRUCTION, Instruction.id, Instruction.body)).where(
        Instruction.request_id == request.id, Instruction.acknowledged_at.is_(None)
    )
    served = TaskForce.request_id == request.id
    task_forces = select(*_row(TASK_FORCE, TaskForce.id, TaskForce.name)).where(
        or_(served, TaskForce.plan_id == request.plan_id) if request.plan_id else served,
        TaskForce.status == TaskForceStatus.ACTIVE,
    )
    parts = [orders, follow_ups, instructions, task_forces]
    if request.plan_id is not None:
        parts.append(
            select(*_row(MILESTONE, Milestone.id, Milestone.title)).where(
                Milestone.plan_id == request.plan_id, Milestone.status != MilestoneStatus.DONE
            )
        )
    order = {kind: n for n, kind in enumerate(KINDS)}
    rows = session.execute(union_all(*parts)).all()
    return sorted((OpenItem(row.kind, row.id, row.title) for row in rows), key=lambda item: (order[item.kind], item.id))
