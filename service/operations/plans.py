"""One-company-one-policy service plans: drafting, editing, their status table, and linking requests.

The plan's status changes only through ``change_plan_status()``, which applies
the status table of ``rules.plan_status`` with the one ``state_machine.apply``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.errors import (
    CORRECT_FIELDS,
    N_,
    Conflict,
    NotFound,
    ValidationError,
)
from service.models import (
    OPEN_PLAN_STATUSES,
    Enterprise,
    EventKind,
    Milestone,
    MilestonePhase,
    PlanStatus,
    ServicePlan,
    ServiceRequest,
    Status,
    User,
)
from service.models.base import utcnow
from service.operations import notifications
from service.operations.plan_support import (
    desk_user,
    ensure_open,
    load_plan,
    record,
    required_text,
)
from service.operations.request_support import editing
from service.rules import plan_status, policy, state_machine
from service.rules.plan_status import PlanAction, PlanInputs
from service.rules.policy import PolicyAction
from service.store.db import unit_of_work
from service.store.versioning import check_version, stale_is_conflict

# The full process a plan is offered when it is drafted, in order.
STANDARD_PHASES: tuple[MilestonePhase, ...] = (
    MilestonePhase.RD_DESIGN,
    MilestonePhase.TYPE_TESTING,
    MilestonePhase.CLINICAL_EVALUATION,
    MilestonePhase.REGISTRATION_DOSSIER,
    MilestonePhase.TECHNICAL_REVIEW,
    MilestonePhase.APPROVAL,
    MilestonePhase.POST_MARKET,
)


# The director's decisions on a draft: its author hears of each.
DECISIONS = {PlanAction.APPROVE: EventKind.PLAN_APPROVED, PlanAction.RETURN: EventKind.PLAN_RETURNED}

ONE_ACTIVE_PLAN = N_(
    "%(enterprise)s already has an active service plan (“%(title)s”). "
    "Complete or archive it before approving another one."
)


@dataclass(frozen=True)
class PlanFields:
    title: str
    goals: str
    products: str
    liaison_id: int | None


def _checked_fields(session: Session, fields: PlanFields, station_id: int) -> tuple[str, str, str, User]:
    title = required_text(fields.title, "title", 200)
    goals = required_text(fields.goals, "goals")
    liaison = desk_user(session, fields.liaison_id, "liaison_id", station_id)
    return title, goals, fields.products.strip(), liaison


def create_plan(
    session: Session,
    actor: User,
    enterprise_id: int,
    fields: PlanFields,
    phases: Sequence[MilestonePhase] = STANDARD_PHASES,
) -> ServicePlan:
    """Draft a plan for an enterprise of the actor's scope, at the enterprise's home station,
    with one milestone per chosen phase.

    Raises Forbidden (not a desk user), NotFound (enterprise out of scope), ValidationError.
    """
    policy.authorize(actor, PolicyAction.PLAN_CREATE, None)
    with unit_of_work(session):
        enterprise = session.get(Enterprise, enterprise_id)
        if enterprise is None or not policy.covers_station(actor, enterprise.station_id):
            raise NotFound()
        title, goals, products, liaison = _checked_fields(session, fields, enterprise.station_id)
        plan = ServicePlan(
            enterprise_id=enterprise.id,
            station_id=enterprise.station_id,
            title=title,
            goals=goals,
            products=products,
            liaison_id=liaison.id,
            created_by_id=actor.id,
            status=PlanStatus.DRAFT,
        )
        ordered = [phase for phase in STANDARD_PHASES if phase in phases]
        ordered += [phase for phase in dict.fromkeys(phases) if phase not in STANDARD_PHASES]
        plan.milestones = [Milestone(position=n, phase=phase, title="") for n, phase in enumerate(ordered, 1)]
        session.add(plan)
        session.flush()
        record(
            session,
            actor,
            EventKind.PLAN_CREATED,
            plan_id=plan.id,
            title=title,
            phases=[phase.value for phase in ordered],
        )
    return plan


def update_plan(
    session: Session, actor: User, plan_id: int, expected_version: int | None, fields: PlanFields
) -> ServicePlan:
    """Edit an open plan's title, goals, products and liaison.

    Raises NotFound, Forbidden, InvalidTransition (plan completed or archived),
    Conflict (someone saved first), ValidationError.
    """
    with unit_of_work(session):
        plan = load_plan(session, actor, plan_id, PolicyAction.PLAN_EDIT)
        check_version(plan.version, expected_version)
        ensure_open(plan)
        title, goals, products, liaison = _checked_fields(session, fields, plan.station_id)
        new = {"title": title, "goals": goals, "products": products, "liaison_id": liaison.id}
        changed = [name for name, value in new.items() if getattr(plan, name) != value]
        if not changed:
            return plan
        for name in changed:
            setattr(plan, name, new[name])
        plan.returned_at = None  # reworked: it awaits the directors' approval again
        with stale_is_conflict():
            session.flush()
        record(session, actor, EventKind.PLAN_UPDATED, plan_id=plan.id, changed=changed)
    return plan


def change_plan_status(
    session: Session,
    actor: User,
    plan_id: int,
    action: PlanAction,
    expected_version: int | None,
    now: datetime | None = None,
    *,
    comment: str = "",
) -> ServicePlan:
    """Take a step of the plan's status table (``rules.plan_status``: approve, return, complete, archive, discard).

    Approving and returning a draft are a director's decisions: each needs a comment, which goes on the
    timeline and to the plan's author; the enterprise is told when its plan is approved. Approving
    records who approved and when. The database keeps one active plan per enterprise: approving a
    second one raises Conflict and changes nothing.
    Raises NotFound, Forbidden, InvalidTransition, Conflict, ValidationError.
    """
    now = now or utcnow()
    inputs = PlanInputs(comment=comment)
    with unit_of_work(session):
        plan = load_plan(session, actor, plan_id, PolicyAction.PLAN_VIEW)
        try:
            # In a savepoint, so that the database's refusal leaves the transaction usable.
            with stale_is_conflict(), session.begin_nested():
                state_machine.apply(
                    session, plan_status.MACHINE, plan, action, actor, now, inputs, expected_version=expected_version
                )
                session.flush()
        except IntegrityError:
            _raise_one_active_plan(session, plan)
        decision = DECISIONS.get(action)
        if decision:
            _tell_of_decision(session, actor, plan, decision, comment.strip(), now)
    return plan


def _tell_of_decision(
    session: Session, actor: User, plan: ServicePlan, kind: EventKind, comment: str, now: datetime
) -> None:
    notifications.notify(
        session, [plan.created_by_id], None, kind, now, exclude=actor.id, plan_id=plan.id, data={"comment": comment}
    )
    if kind == EventKind.PLAN_APPROVED:
        notifications.notify(
            session,
            notifications.enterprise_users(plan.enterprise_id),
            None,
            kind,
            now,
            exclude=actor.id,
            plan_id=plan.id,
        )


def _raise_one_active_plan(session: Session, plan: ServicePlan) -> None:
    # Only the savepoint was rolled back: the transaction can still read which plan holds the place.
    other = session.scalars(
        select(ServicePlan).where(
            ServicePlan.enterprise_id == plan.enterprise_id,
            ServicePlan.status == PlanStatus.ACTIVE,
            ServicePlan.id != plan.id,
        )
    ).first()
    raise Conflict(ONE_ACTIVE_PLAN, enterprise=plan.enterprise.name, title=other.title if other else "")


def link_request_to_plan(
    session: Session, actor: User, request_id: int, plan_id: int | None, expected_version: int | None
) -> ServiceRequest:
    """Link a request to one of its enterprise's open plans, or unlink it (``plan_id`` None).

    Uses the request's optimistic lock. A request under guidance must stay
    linked to an active plan. Raises NotFound, Forbidden, Conflict, ValidationError.
    """
    with editing(session, actor, request_id, expected_version, PolicyAction.REQUEST_LINK_PLAN) as request:
        plan = _linkable_plan(session, actor, request, plan_id)
        if request.plan_id == plan_id:
            return request
        if request.status == Status.GUIDANCE and (plan is None or plan.status != PlanStatus.ACTIVE):
            raise ValidationError(
                N_("A request under guidance must stay linked to an active service plan."),
                fields={"plan_id": N_("Choose the enterprise's active plan.")},
            )
        previous = request.plan_id
        request.plan_id = plan_id
        session.flush()
        record(
            session,
            actor,
            EventKind.PLAN_LINKED,
            request_id=request.id,
            plan_id=plan_id or previous,
            linked_plan_id=plan_id,
            previous_plan_id=previous,
            reference=request.reference,
        )
    return request


def _linkable_plan(session: Session, actor: User, request: ServiceRequest, plan_id: int | None) -> ServicePlan | None:
    if plan_id is None:
        return None
    plan = session.get(ServicePlan, plan_id)
    if (
        plan is None
        or plan.enterprise_id != request.enterprise_id
        or plan.status not in OPEN_PLAN_STATUSES
        or not policy.may(actor, PolicyAction.PLAN_VIEW, plan)
    ):
        raise ValidationError(
            CORRECT_FIELDS, fields={"plan_id": N_("Choose a draft or active plan of the request's enterprise.")}
        )
    return plan
