"""Pieces the plan, milestone and task-force operations share: loading in scope,
the optimistic lock, people checks and the plan's timeline."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from service.errors import CORRECT_FIELDS, N_, REQUIRED, TOO_LONG, InvalidTransition, ValidationError
from service.models import OPEN_PLAN_STATUSES, Event, EventKind, ServicePlan, User
from service.rules import policy
from service.rules.policy import PolicyAction
from service.store.loading import load


def load_plan(session: Session, actor: User, plan_id: int, action: PolicyAction) -> ServicePlan:
    """The plan, if ``actor`` may take ``action`` on it (NotFound outside scope, Forbidden inside).

    Its row is locked first: edits of one plan and of its milestones queue up instead of interleaving.
    """
    return load(session, actor, ServicePlan, plan_id, action, lock=True)


def ensure_open(plan: ServicePlan) -> None:
    if plan.status not in OPEN_PLAN_STATUSES:
        raise InvalidTransition(N_("A completed or archived plan can no longer be changed."))


def desk_user(session: Session, user_id: int | None, field: str, station_id: int | None = None) -> User:
    """An active staff member or director (covering ``station_id`` when given), or a field error."""
    user = session.get(User, user_id) if user_id else None
    if not policy.on_desk(user, station_id):
        raise ValidationError(CORRECT_FIELDS, fields={field: N_("Choose a staff member or director of the station.")})
    return user


def required_text(value: str, field: str, max_length: int | None = None) -> str:
    text = value.strip()
    if not text:
        raise ValidationError(CORRECT_FIELDS, fields={field: REQUIRED})
    if max_length is not None and len(text) > max_length:
        raise ValidationError(CORRECT_FIELDS, fields={field: TOO_LONG})
    return text


def record(
    session: Session,
    actor: User,
    kind: EventKind,
    *,
    plan_id: int | None = None,
    request_id: int | None = None,
    **data: Any,
) -> Event:
    """An internal timeline entry; plan changes are never shown to the enterprise as events."""
    event = Event(plan_id=plan_id, request_id=request_id, kind=kind, public=False, actor_id=actor.id, data=data)
    session.add(event)
    return event
