"""A service plan's status table, in the shape of ``state_machine``: drafted, approved (active), returned to
its author, completed, archived or discarded.

The plan's status changes only through ``state_machine.apply(MACHINE, ...)``; templates draw their buttons
from ``allowed_plan_actions()``, and a crafted POST cannot take a step the table does not allow.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from service.errors import CORRECT_FIELDS, N_, TOO_LONG, Forbidden, InvalidTransition, ValidationError
from service.models import EventKind, PlanStatus, ServicePlan, User
from service.rules import state_machine
from service.rules.policy import PolicyAction
from service.rules.state_machine import Transition


class PlanAction(StrEnum):
    APPROVE = "approve"
    RETURN = "return"
    COMPLETE = "complete"
    ARCHIVE = "archive"
    DISCARD = "discard"


class PlanNeed(StrEnum):
    # A director's decision on a draft: it takes a comment, which its author hears of.
    COMMENT = "comment"


DECISION_NEEDS_COMMENT = N_("Approving or returning a plan takes a comment for its author.")
MAX_COMMENT = 2000


def _step(
    action: PlanAction,
    sources: frozenset[PlanStatus],
    target: PlanStatus,
    permission: PolicyAction,
    needs: frozenset[PlanNeed] = frozenset(),
) -> Transition[PlanAction, PlanNeed]:
    # plan.approve: directors in scope; plan.edit: staff and directors in scope.
    return Transition(action, sources, target, (permission,), needs=needs, records=EventKind.PLAN_STATUS_CHANGED)


_DECISION = frozenset({PlanNeed.COMMENT})
TRANSITIONS: dict[PlanAction, Transition[PlanAction, PlanNeed]] = {
    t.action: t
    for t in (
        _step(
            PlanAction.APPROVE, frozenset({PlanStatus.DRAFT}), PlanStatus.ACTIVE, PolicyAction.PLAN_APPROVE, _DECISION
        ),
        # Sent back to its author with what to change; it stays a draft.
        _step(PlanAction.RETURN, frozenset({PlanStatus.DRAFT}), PlanStatus.DRAFT, PolicyAction.PLAN_APPROVE, _DECISION),
        _step(PlanAction.COMPLETE, frozenset({PlanStatus.ACTIVE}), PlanStatus.COMPLETED, PolicyAction.PLAN_APPROVE),
        _step(PlanAction.ARCHIVE, frozenset({PlanStatus.ACTIVE}), PlanStatus.ARCHIVED, PolicyAction.PLAN_APPROVE),
        # A draft that will not go ahead is put away by whoever works on it.
        _step(PlanAction.DISCARD, frozenset({PlanStatus.DRAFT}), PlanStatus.ARCHIVED, PolicyAction.PLAN_EDIT),
    )
}


@dataclass(frozen=True)
class PlanInputs:
    comment: str = ""


def _validate(transition: Transition[PlanAction, PlanNeed], _plan: ServicePlan, inputs: PlanInputs) -> None:
    remark = inputs.comment.strip()
    if PlanNeed.COMMENT in transition.needs and not remark:
        raise ValidationError(DECISION_NEEDS_COMMENT, fields={"comment": N_("This field is required.")})
    if len(remark) > MAX_COMMENT:
        raise ValidationError(CORRECT_FIELDS, fields={"comment": TOO_LONG})


def _enter(
    plan: ServicePlan,
    transition: Transition[PlanAction, PlanNeed],
    _source: PlanStatus,
    _target: PlanStatus,
    actor: User | None,
    now: datetime,
    _inputs: PlanInputs,
) -> None:
    if transition.action == PlanAction.APPROVE and actor is not None:
        plan.approved_by_id = actor.id
        plan.approved_at = now
    plan.returned_at = now if transition.action == PlanAction.RETURN else None


def _event_data(
    _plan: ServicePlan,
    transition: Transition[PlanAction, PlanNeed],
    source: PlanStatus,
    target: PlanStatus,
    inputs: PlanInputs,
) -> dict[str, str]:
    remark = inputs.comment.strip()
    return {
        "action": transition.action.value,
        "from": source.value,
        "to": target.value,
        **({"comment": remark} if remark else {}),
    }


MACHINE = state_machine.Machine(
    name="plan",
    transitions=TRANSITIONS,
    scope=PolicyAction.PLAN_VIEW,
    # Plan changes are never shown to the enterprise as events.
    event_owner=lambda plan: {"plan_id": plan.id, "public": False},
    refusal=Forbidden,
    wrong_state=lambda _plan: InvalidTransition(N_("This step is not possible for a plan in its current status.")),
    validate=_validate,
    enter=_enter,
    event_data=_event_data,
)


def allowed_plan_actions(actor: User, plan: ServicePlan) -> list[Transition[PlanAction, PlanNeed]]:
    return state_machine.allowed(MACHINE, actor, plan)
