"""Read side of task forces: a task force's page, those of a plan or request, and "my task forces"."""

from __future__ import annotations

from sqlalchemy import case, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from service.models import TaskForce, TaskForceMember, TaskForceStatus, User
from service.rules.policy import PolicyAction
from service.store.loading import load

_WITH_PEOPLE = (selectinload(TaskForce.lead), selectinload(TaskForce.members).selectinload(TaskForceMember.user))
_ACTIVE_FIRST = (case((TaskForce.status == TaskForceStatus.ACTIVE, 0), else_=1), TaskForce.id.desc())


def get_task_force(session: Session, actor: User, task_force_id: int) -> TaskForce:
    """Raises NotFound outside scope: enterprises never see task forces; members from other stations do."""
    return load(session, actor, TaskForce, task_force_id, PolicyAction.TASK_FORCE_VIEW)


def task_forces_of_plan(session: Session, plan_id: int) -> list[TaskForce]:
    return list(
        session.scalars(
            select(TaskForce).where(TaskForce.plan_id == plan_id).options(*_WITH_PEOPLE).order_by(*_ACTIVE_FIRST)
        )
    )


def task_forces_of_request(session: Session, request_id: int) -> list[TaskForce]:
    """With their leads, as the request page lists them (members are on the task force's own page)."""
    return list(
        session.scalars(
            select(TaskForce)
            .where(TaskForce.request_id == request_id)
            .options(joinedload(TaskForce.lead))
            .order_by(*_ACTIVE_FIRST)
        )
    )


def my_task_forces(session: Session, user: User, limit: int = 200) -> list[TaskForce]:
    """Task forces the user leads or belongs to, the working ones first."""
    member_of = select(TaskForceMember.task_force_id).where(TaskForceMember.user_id == user.id)
    return list(
        session.scalars(
            select(TaskForce)
            .where(or_(TaskForce.lead_id == user.id, TaskForce.id.in_(member_of)))
            .options(*_WITH_PEOPLE)
            .order_by(*_ACTIVE_FIRST)
            .limit(limit)
        )
    )
