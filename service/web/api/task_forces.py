"""Customized task forces (定制化专班) for a plan or a request: a lead, staff members and external experts.

Desk only: enterprises never see task forces. Members from other stations see
the ones they belong to; its station's desk and its lead run it (the policy).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field

from service.errors import CORRECT_FIELDS, N_, Forbidden, ValidationError
from service.models import TaskForce, TaskForceMember, TaskForceStatus
from service.operations import task_forces as ops
from service.queries import task_forces as queries
from service.rules import policy
from service.rules.policy import PolicyAction
from service.web.api import schemas as s
from service.web.api.registry import caller, endpoint
from service.web.database import db

TAG = "task-forces"


class MemberOut(s.Output):
    id: int
    user_id: int | None = Field(description="A staff member or director; null for an external expert.")
    name: str
    affiliation: str | None
    field: str | None


class TaskForceOut(s.Output):
    id: int
    plan_id: int | None
    request_id: int | None
    station_id: int
    name: str
    purpose: str
    lead_id: int
    status: TaskForceStatus
    created_at: datetime
    members: list[MemberOut]
    can_edit: bool = Field(description="Whether the caller may change it and its members.")


class TaskForceList(s.Output):
    items: list[TaskForceOut]


class TaskForceIn(s.Input):
    plan_id: s.Id | None = Field(None, description="The open plan it serves; or give request_id.")
    request_id: s.Id | None = Field(None, description="The request it serves; or give plan_id.")
    name: Annotated[str, s.text(200, 1)]
    purpose: Annotated[str, s.text(20000, 1)]
    lead_id: s.Id


class TaskForceEditIn(s.Input):
    name: Annotated[str, s.text(200, 1)]
    purpose: Annotated[str, s.text(20000, 1)]
    lead_id: s.Id
    status: TaskForceStatus = Field(description="closed ends the task force's work.")


class StaffMemberIn(s.Input):
    user_id: s.Id = Field(description="A staff member or director of any station.")


class ExpertIn(s.Input):
    name: Annotated[str, s.text(120, 1)]
    affiliation: Annotated[str, s.text(200, 1)]
    field: Annotated[str, s.text(200)] = ""


def _member_out(member: TaskForceMember) -> MemberOut:
    name = member.user.name if member.user else member.external_name or ""
    return MemberOut(
        id=member.id, user_id=member.user_id, name=name, affiliation=member.affiliation, field=member.field
    )


def task_force_out(team: TaskForce) -> TaskForceOut:
    fields = {k: getattr(team, k) for k in TaskForceOut.model_fields if k not in {"members", "can_edit"}}
    return TaskForceOut(
        **fields,
        members=[_member_out(m) for m in team.members],
        can_edit=policy.may(caller(), PolicyAction.TASK_FORCE_EDIT, team),
    )


@endpoint(
    "/task-forces",
    summary="The task forces you lead or belong to, working ones first (desk).",
    tag=TAG,
    response=TaskForceList,
)
def my_task_forces() -> TaskForceList:
    if not policy.may(caller(), PolicyAction.DESK_USE):
        raise Forbidden()
    return TaskForceList(items=[task_force_out(t) for t in queries.my_task_forces(db(), caller())])


@endpoint(
    "/task-forces",
    "POST",
    summary="Set up a task force for one open plan or one request (desk).",
    tag=TAG,
    body=TaskForceIn,
    response=TaskForceOut,
    status=201,
)
def create_task_force(body: TaskForceIn) -> TaskForceOut:
    if (body.plan_id is None) == (body.request_id is None):
        raise ValidationError(CORRECT_FIELDS, fields={"plan_id": N_("Give either plan_id or request_id, not both.")})
    fields = ops.TaskForceFields(name=body.name, purpose=body.purpose, lead_id=body.lead_id)
    return task_force_out(
        ops.create_task_force(db(), caller(), fields, plan_id=body.plan_id, request_id=body.request_id)
    )


@endpoint(
    "/task-forces/<int:task_force_id>", summary="One task force with its members.", tag=TAG, response=TaskForceOut
)
def get_task_force(task_force_id: int) -> TaskForceOut:
    return task_force_out(queries.get_task_force(db(), caller(), task_force_id))


@endpoint(
    "/task-forces/<int:task_force_id>",
    "PUT",
    summary="Edit name, purpose, lead and status.",
    tag=TAG,
    body=TaskForceEditIn,
    response=TaskForceOut,
)
def update_task_force(task_force_id: int, body: TaskForceEditIn) -> TaskForceOut:
    fields = ops.TaskForceFields(name=body.name, purpose=body.purpose, lead_id=body.lead_id, status=body.status)
    return task_force_out(ops.update_task_force(db(), caller(), task_force_id, fields))


@endpoint(
    "/task-forces/<int:task_force_id>/members",
    "POST",
    summary="Add a staff member or director.",
    tag=TAG,
    body=StaffMemberIn,
    response=TaskForceOut,
    status=201,
)
def add_task_force_member(task_force_id: int, body: StaffMemberIn) -> TaskForceOut:
    return task_force_out(ops.add_staff_member(db(), caller(), task_force_id, body.user_id).task_force)


@endpoint(
    "/task-forces/<int:task_force_id>/experts",
    "POST",
    summary="Add an external expert.",
    tag=TAG,
    body=ExpertIn,
    response=TaskForceOut,
    status=201,
)
def add_task_force_expert(task_force_id: int, body: ExpertIn) -> TaskForceOut:
    expert = ops.Expert(name=body.name, affiliation=body.affiliation, field=body.field)
    return task_force_out(ops.add_expert(db(), caller(), task_force_id, expert).task_force)


@endpoint(
    "/task-force-members/<int:member_id>",
    "DELETE",
    summary="Take a member off the task force.",
    tag=TAG,
    response=TaskForceOut,
)
def remove_task_force_member(member_id: int) -> TaskForceOut:
    return task_force_out(ops.remove_member(db(), caller(), member_id))
