"""Full-process milestones of a service plan: add, edit, reorder, drop, complete.

Every change is written to the plan's timeline. Milestones of a completed or
archived plan are frozen with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.errors import CORRECT_FIELDS, N_, TOO_LONG, NotFound, ValidationError
from service.models import EventKind, Milestone, MilestonePhase, MilestoneStatus, ServicePlan, User
from service.models.base import utcnow
from service.operations.plan_support import (
    desk_user,
    ensure_open,
    load_plan,
    record,
)
from service.rules.policy import PolicyAction
from service.store.db import unit_of_work
from service.store.versioning import check_version, stale_is_conflict


@dataclass(frozen=True)
class MilestoneFields:
    phase: MilestonePhase
    title: str = ""
    owner_id: int | None = None
    due_date: date | None = None
    status: MilestoneStatus = MilestoneStatus.PLANNED
    blocked_reason: str = ""
    notes: str = ""


def _load(session: Session, actor: User, milestone_id: int) -> Milestone:
    """The milestone, read after its plan's row is locked: one writer at a time renumbers or edits a plan's
    milestones, and each sees what the one before it saved."""
    plan_id = session.scalar(select(Milestone.plan_id).where(Milestone.id == milestone_id))
    if plan_id is None:
        raise NotFound()
    plan = load_plan(session, actor, plan_id, PolicyAction.PLAN_EDIT)
    ensure_open(plan)
    milestone = session.get(Milestone, milestone_id)
    if milestone is None:
        raise NotFound()
    return milestone


def _apply(session: Session, milestone: Milestone, fields: MilestoneFields, station_id: int, now: datetime) -> None:
    title = fields.title.strip()
    reason = fields.blocked_reason.strip()
    if len(title) > 200:
        raise ValidationError(CORRECT_FIELDS, fields={"title": TOO_LONG})
    if fields.status == MilestoneStatus.BLOCKED and not reason:
        raise ValidationError(CORRECT_FIELDS, fields={"blocked_reason": N_("Say what blocks this milestone.")})
    owner = desk_user(session, fields.owner_id, "owner_id", station_id) if fields.owner_id else None
    milestone.phase = fields.phase
    milestone.title = title
    milestone.owner_id = owner.id if owner else None
    milestone.due_date = fields.due_date
    milestone.notes = fields.notes.strip()
    milestone.blocked_reason = reason if fields.status == MilestoneStatus.BLOCKED else None
    if fields.status == MilestoneStatus.DONE and milestone.status != MilestoneStatus.DONE:
        milestone.completed_at = now
    elif fields.status != MilestoneStatus.DONE:
        milestone.completed_at = None
    milestone.status = fields.status


def _record(session: Session, actor: User, milestone: Milestone, change: str) -> None:
    record(
        session,
        actor,
        EventKind.MILESTONE_CHANGED,
        plan_id=milestone.plan_id,
        milestone_id=milestone.id,
        change=change,
        phase=milestone.phase.value,
        title=milestone.title,
        status=milestone.status.value,
    )


def add_milestone(
    session: Session, actor: User, plan_id: int, fields: MilestoneFields, now: datetime | None = None
) -> Milestone:
    """Append a milestone to an open plan. Raises NotFound, Forbidden, InvalidTransition, ValidationError."""
    with unit_of_work(session):
        plan = load_plan(session, actor, plan_id, PolicyAction.PLAN_EDIT)
        ensure_open(plan)
        milestone = Milestone(position=max((m.position for m in plan.milestones), default=0) + 1)
        _apply(session, milestone, fields, plan.station_id, now or utcnow())
        plan.milestones.append(milestone)
        session.flush()
        _record(session, actor, milestone, "added")
    return milestone


def update_milestone(
    session: Session,
    actor: User,
    milestone_id: int,
    fields: MilestoneFields,
    now: datetime | None = None,
    *,
    expected_version: int | None = None,
) -> Milestone:
    """Edit owner, due date, status (blocked needs a reason) and notes.

    Raises NotFound, Forbidden, InvalidTransition (plan closed), ValidationError,
    Conflict (``expected_version`` is not the saved one: someone saved first).
    """
    with unit_of_work(session):
        milestone = _load(session, actor, milestone_id)
        check_version(milestone.version, expected_version)
        _apply(session, milestone, fields, milestone.plan.station_id, now or utcnow())
        with stale_is_conflict():
            session.flush()
        _record(session, actor, milestone, "updated")
    return milestone


def complete_milestone(session: Session, actor: User, milestone_id: int, now: datetime | None = None) -> Milestone:
    """Mark a milestone done. Raises NotFound, Forbidden, InvalidTransition."""
    with unit_of_work(session):
        milestone = _load(session, actor, milestone_id)
        if milestone.status != MilestoneStatus.DONE:
            milestone.status = MilestoneStatus.DONE
            milestone.blocked_reason = None
            milestone.completed_at = now or utcnow()
            _record(session, actor, milestone, "completed")
    return milestone


def move_milestone(session: Session, actor: User, milestone_id: int, up: bool) -> Milestone:
    """Swap a milestone with its neighbour above (``up``) or below; at either end nothing changes."""
    with unit_of_work(session):
        milestone = _load(session, actor, milestone_id)
        ordered = sorted(milestone.plan.milestones, key=lambda m: (m.position, m.id))
        index = ordered.index(milestone)
        neighbour_index = index - 1 if up else index + 1
        if 0 <= neighbour_index < len(ordered):
            # Renumber the whole list so that equal or gapped positions cannot make a swap a no-op.
            ordered[index], ordered[neighbour_index] = ordered[neighbour_index], ordered[index]
            for position, item in enumerate(ordered, 1):
                item.position = position
            _record(session, actor, milestone, "moved_up" if up else "moved_down")
    return milestone


def remove_milestone(session: Session, actor: User, milestone_id: int) -> ServicePlan:
    """Drop a milestone from its plan; the plan. Raises NotFound, Forbidden, InvalidTransition."""
    with unit_of_work(session):
        milestone = _load(session, actor, milestone_id)
        plan = milestone.plan
        _record(session, actor, milestone, "removed")
        plan.milestones.remove(milestone)
    return plan
