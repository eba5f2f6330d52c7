"""Customized task forces (定制化专班) for a plan or a request: lead, staff members, external experts.

Members may work at other stations; the policy lets them see the task forces
they belong to. Changes are written to the timeline of the plan or request the
task force serves.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.errors import CORRECT_FIELDS, N_, TOO_LONG, NotFound, ValidationError
from service.models import EventKind, ServicePlan, ServiceRequest, TaskForce, TaskForceMember, TaskForceStatus, User
from service.operations.plan_support import desk_user, ensure_open, record, required_text
from service.rules import policy
from service.rules.policy import PolicyAction
from service.store.db import unit_of_work
from service.store.loading import load


@dataclass(frozen=True)
class TaskForceFields:
    name: str
    purpose: str
    lead_id: int | None
    status: TaskForceStatus = TaskForceStatus.ACTIVE


@dataclass(frozen=True)
class Expert:
    name: str
    affiliation: str
    field: str = ""


def _load(
    session: Session, actor: User, task_force_id: int, action: PolicyAction = PolicyAction.TASK_FORCE_EDIT
) -> TaskForce:
    return load(session, actor, TaskForce, task_force_id, action)


def _record(session: Session, actor: User, task_force: TaskForce, change: str, **data: object) -> None:
    record(
        session,
        actor,
        EventKind.TASK_FORCE_CHANGED,
        plan_id=task_force.plan_id,
        request_id=task_force.request_id,
        task_force_id=task_force.id,
        name=task_force.name,
        change=change,
        **data,
    )


def _apply(session: Session, task_force: TaskForce, fields: TaskForceFields) -> None:
    task_force.name = required_text(fields.name, "name", 200)
    task_force.purpose = required_text(fields.purpose, "purpose")
    task_force.lead_id = desk_user(session, fields.lead_id, "lead_id", task_force.station_id).id
    task_force.status = fields.status


def create_task_force(
    session: Session, actor: User, fields: TaskForceFields, *, plan_id: int | None = None, request_id: int | None = None
) -> TaskForce:
    """Set up a task force for exactly one open plan or one request in the actor's scope.

    Raises NotFound (target out of scope), Forbidden, InvalidTransition (plan closed), ValidationError.
    """
    if (plan_id is None) == (request_id is None):
        raise ValueError("a task force serves either a plan or a request")
    with unit_of_work(session):
        target: ServicePlan | ServiceRequest | None
        if plan_id is not None:
            target = session.get(ServicePlan, plan_id)
            action = PolicyAction.PLAN_CREATE_TASK_FORCE
        else:
            target = session.get(ServiceRequest, request_id)
            action = PolicyAction.REQUEST_CREATE_TASK_FORCE
        if target is None:
            raise NotFound()
        policy.authorize(actor, action, target)
        if isinstance(target, ServicePlan):
            ensure_open(target)
        task_force = TaskForce(plan_id=plan_id, request_id=request_id, station_id=target.station_id)
        _apply(session, task_force, TaskForceFields(fields.name, fields.purpose, fields.lead_id))
        session.add(task_force)
        session.flush()
        _record(session, actor, task_force, "created")
    return task_force


def update_task_force(session: Session, actor: User, task_force_id: int, fields: TaskForceFields) -> TaskForce:
    """Edit name, purpose, lead and status (closing it). Raises NotFound, Forbidden, ValidationError."""
    with unit_of_work(session):
        task_force = _load(session, actor, task_force_id)
        closing = fields.status == TaskForceStatus.CLOSED and task_force.status != TaskForceStatus.CLOSED
        _apply(session, task_force, fields)
        _record(session, actor, task_force, "closed" if closing else "updated")
    return task_force


def add_staff_member(session: Session, actor: User, task_force_id: int, user_id: int | None) -> TaskForceMember:
    """Add a staff member or director of any station. Raises NotFound, Forbidden, ValidationError."""
    with unit_of_work(session):
        task_force = _load(session, actor, task_force_id)
        user = desk_user(session, user_id, "user_id")
        already = session.scalar(
            select(TaskForceMember.id).where(
                TaskForceMember.task_force_id == task_force.id, TaskForceMember.user_id == user.id
            )
        )
        if already is not None or user.id == task_force.lead_id:
            raise ValidationError(CORRECT_FIELDS, fields={"user_id": N_("This person is already in the task force.")})
        member = TaskForceMember(user_id=user.id)
        task_force.members.append(member)
        session.flush()
        _record(session, actor, task_force, "member_added", member=user.name)
    return member


def add_expert(session: Session, actor: User, task_force_id: int, expert: Expert) -> TaskForceMember:
    """Add an external expert (name, affiliation, field). Raises NotFound, Forbidden, ValidationError."""
    with unit_of_work(session):
        task_force = _load(session, actor, task_force_id)
        field = expert.field.strip()
        if len(field) > 200:
            raise ValidationError(CORRECT_FIELDS, fields={"field": TOO_LONG})
        member = TaskForceMember(
            external_name=required_text(expert.name, "name", 120),
            affiliation=required_text(expert.affiliation, "affiliation", 200),
            field=field or None,
        )
        task_force.members.append(member)
        session.flush()
        _record(session, actor, task_force, "member_added", member=member.external_name)
    return member


def remove_member(session: Session, actor: User, member_id: int) -> TaskForce:
    """Take a member off the task force. Raises NotFound, Forbidden."""
    with unit_of_work(session):
        member = session.get(TaskForceMember, member_id)
        if member is None:
            raise NotFound()
        task_force = _load(session, actor, member.task_force_id)
        name = member.user.name if member.user else member.external_name
        task_force.members.remove(member)
        _record(session, actor, task_force, "member_removed", member=name)
    return task_force
