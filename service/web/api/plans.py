"""Service plans (one-company-one-policy) and their milestones: read, draft, edit, approve/complete/archive,
and the milestones along the full process; plus linking a request to a plan.

Every write goes through service.operations.plans / milestones, which hold the
plan's status table and the policy checks. Plans and milestones carry versions: an
edit made from a stale copy answers 409.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from flask import Response
from flask.typing import ResponseReturnValue
from pydantic import Field

from service.models import Milestone, MilestonePhase, MilestoneStatus, PlanStatus, ServicePlan
from service.operations import milestones as milestone_ops
from service.operations import plans as plan_ops
from service.queries import plans as plan_queries
from service.rules import plan_status, policy
from service.rules.plan_status import PlanAction
from service.rules.policy import PolicyAction
from service.web.api import schemas as s
from service.web.api.registry import caller, endpoint, expected_version
from service.web.database import db

TAG = "plans"
VERSIONED = ("If-Match",)


class MilestoneOut(s.Output):
    id: int
    plan_id: int
    position: int
    phase: MilestonePhase
    title: str
    owner_id: int | None
    due_date: date | None
    status: MilestoneStatus
    completed_at: datetime | None
    version: int
    # The desk's working notes; null for enterprise callers.
    blocked_reason: str | None = None
    notes: str | None = None


class PlanOut(s.Output):
    id: int
    enterprise_id: int
    station_id: int
    title: str
    goals: str
    products: str
    liaison_id: int | None
    status: PlanStatus
    approved_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int
    actions: list[PlanAction] = Field(description="Status steps the caller may take now (POST .../transitions).")
    milestones: list[MilestoneOut]


class PlanList(s.Output):
    items: list[PlanOut]
    next_cursor: int | None


class PlanQuery(s.Query):
    status: PlanStatus | None = None
    cursor: s.Id | None = None
    limit: int = Field(25, ge=1, le=100)


class PlanEditIn(s.Input):
    title: Annotated[str, s.text(200, 1)]
    goals: Annotated[str, s.text(20000, 1)]
    products: Annotated[str, s.text(20000)] = ""
    liaison_id: s.Id = Field(description="A staff member or director covering the plan's station.")
    version: s.Id | None = Field(None, description="The version you saw (or send If-Match).")


class PlanIn(s.Input):
    enterprise_id: s.Id
    title: Annotated[str, s.text(200, 1)]
    goals: Annotated[str, s.text(20000, 1)]
    products: Annotated[str, s.text(20000)] = ""
    liaison_id: s.Id = Field(description="A staff member or director covering the enterprise's station.")
    phases: list[MilestonePhase] = Field(
        list(plan_ops.STANDARD_PHASES), max_length=20, description="One milestone per phase, in process order."
    )


class PlanActionIn(s.Input):
    action: PlanAction = Field(
        description="approve, return, complete and archive: directors; discard a draft: the desk."
    )
    version: s.Id | None = Field(None, description="The version you saw (or send If-Match).")
    comment: str = Field(
        "",
        max_length=2000,
        description="Required to approve or return a draft: the director's comment, sent to the plan's author.",
    )


class MilestoneIn(s.Input):
    phase: MilestonePhase
    title: Annotated[str, s.text(200)] = ""
    owner_id: s.Id | None = None
    due_date: date | None = None
    status: MilestoneStatus = MilestoneStatus.PLANNED
    blocked_reason: Annotated[str, s.text(5000)] = Field("", description="Required when the status is blocked.")
    notes: Annotated[str, s.text(20000)] = ""
    version: s.Id | None = Field(None, description="When editing: the version you saw (or send If-Match).")


class MoveIn(s.Input):
    direction: Literal["up", "down"]


class PlanLinkIn(s.Input):
    plan_id: s.Id | None = Field(description="The plan to link, or null to unlink.")
    version: s.Id | None = None


def milestone_out(milestone: Milestone, internal: bool) -> MilestoneOut:
    out = MilestoneOut.model_validate(milestone, from_attributes=True)
    if not internal:
        out.blocked_reason = out.notes = None
    return out


def plan_out(plan: ServicePlan) -> PlanOut:
    user = caller()
    internal = policy.may(user, PolicyAction.PLAN_VIEW_INTERNAL, plan)
    fields = {k: getattr(plan, k) for k in PlanOut.model_fields if k not in {"actions", "milestones"}}
    ordered = sorted(plan.milestones, key=lambda m: (m.position, m.id))
    return PlanOut(
        **fields,
        actions=[t.action for t in plan_status.allowed_plan_actions(user, plan)],
        milestones=[milestone_out(m, internal) for m in ordered],
    )


@endpoint(
    "/plans",
    summary="Service plans you may see, newest first (enterprises: their approved plans).",
    tag=TAG,
    query=PlanQuery,
    response=PlanList,
)
def list_plans(query: PlanQuery) -> PlanList:
    # The policy's scope shows an enterprise its approved plans only, as on its pages.
    rows = plan_queries.list_plans(db(), caller(), status=query.status, before=query.cursor, limit=query.limit + 1)
    items = [plan_out(r.plan) for r in rows[: query.limit]]
    return PlanList(items=items, next_cursor=items[-1].id if len(rows) > query.limit else None)


@endpoint(
    "/plans",
    "POST",
    summary="Draft a plan for an enterprise of your station, with one milestone per phase (desk).",
    tag=TAG,
    body=PlanIn,
    response=PlanOut,
    status=201,
)
def create_plan(body: PlanIn) -> PlanOut:
    fields = plan_ops.PlanFields(title=body.title, goals=body.goals, products=body.products, liaison_id=body.liaison_id)
    return plan_out(plan_ops.create_plan(db(), caller(), body.enterprise_id, fields, body.phases))


@endpoint("/plans/<int:plan_id>", summary="One service plan with its milestones.", tag=TAG, response=PlanOut)
def get_plan(plan_id: int) -> PlanOut:
    return plan_out(plan_queries.get_plan(db(), caller(), plan_id))


@endpoint(
    "/plans/<int:plan_id>",
    "PUT",
    summary="Edit an open plan's title, goals, products and liaison (desk).",
    tag=TAG,
    body=PlanEditIn,
    response=PlanOut,
    headers=VERSIONED,
)
def update_plan(plan_id: int, body: PlanEditIn) -> PlanOut:
    fields = plan_ops.PlanFields(title=body.title, goals=body.goals, products=body.products, liaison_id=body.liaison_id)
    return plan_out(plan_ops.update_plan(db(), caller(), plan_id, expected_version(body.version), fields))


@endpoint(
    "/plans/<int:plan_id>/transitions",
    "POST",
    summary="Approve or return (with a comment), complete "
    "or archive a plan (directors), or discard a draft (see the plan's `actions`).",
    tag=TAG,
    body=PlanActionIn,
    response=PlanOut,
    headers=VERSIONED,
)
def transition_plan(plan_id: int, body: PlanActionIn) -> PlanOut:
    return plan_out(
        plan_ops.change_plan_status(
            db(), caller(), plan_id, body.action, expected_version(body.version), comment=body.comment
        )
    )


def _milestone_fields(body: MilestoneIn) -> milestone_ops.MilestoneFields:
    return milestone_ops.MilestoneFields(
        phase=body.phase,
        title=body.title,
        owner_id=body.owner_id,
        due_date=body.due_date,
        status=body.status,
        blocked_reason=body.blocked_reason,
        notes=body.notes,
    )


@endpoint(
    "/plans/<int:plan_id>/milestones",
    "POST",
    summary="Add a milestone at the end of an open plan (desk).",
    tag=TAG,
    body=MilestoneIn,
    response=MilestoneOut,
    status=201,
)
def add_milestone(plan_id: int, body: MilestoneIn) -> MilestoneOut:
    return milestone_out(milestone_ops.add_milestone(db(), caller(), plan_id, _milestone_fields(body)), True)


@endpoint(
    "/milestones/<int:milestone_id>",
    "PUT",
    summary="Edit a milestone: phase, title, owner, due date, status (blocked needs a reason), notes (desk).",
    tag=TAG,
    body=MilestoneIn,
    response=MilestoneOut,
    headers=VERSIONED,
)
def update_milestone(milestone_id: int, body: MilestoneIn) -> MilestoneOut:
    return milestone_out(
        milestone_ops.update_milestone(
            db(), caller(), milestone_id, _milestone_fields(body), expected_version=expected_version(body.version)
        ),
        True,
    )


@endpoint(
    "/milestones/<int:milestone_id>/complete",
    "POST",
    summary="Mark a milestone done (desk).",
    tag=TAG,
    response=MilestoneOut,
)
def complete_milestone(milestone_id: int) -> MilestoneOut:
    return milestone_out(milestone_ops.complete_milestone(db(), caller(), milestone_id), True)


@endpoint(
    "/milestones/<int:milestone_id>/move",
    "POST",
    summary="Move a milestone one place up or down; answers the plan in its new order (desk).",
    tag=TAG,
    body=MoveIn,
    response=PlanOut,
)
def move_milestone(milestone_id: int, body: MoveIn) -> PlanOut:
    return plan_out(milestone_ops.move_milestone(db(), caller(), milestone_id, up=body.direction == "up").plan)


@endpoint(
    "/milestones/<int:milestone_id>",
    "DELETE",
    summary="Drop a milestone from an open plan (desk).",
    tag=TAG,
    status=204,
)
def remove_milestone(milestone_id: int) -> ResponseReturnValue:
    milestone_ops.remove_milestone(db(), caller(), milestone_id)
    return Response(status=204)


@endpoint(
    "/requests/<int:request_id>/plan",
    "POST",
    summary="Link the request to its enterprise's plan (desk).",
    tag=TAG,
    body=PlanLinkIn,
    response=s.RequestOut,
    headers=VERSIONED,
)
def link_plan(request_id: int, body: PlanLinkIn) -> s.RequestOut:
    changed = plan_ops.link_request_to_plan(db(), caller(), request_id, body.plan_id, expected_version(body.version))
    return s.request_out(changed, caller())
