"""The request lifecycle: one table of transitions, and the one function that applies them.

Nothing else in the code base assigns ``ServiceRequest.status``; templates draw
their buttons from ``allowed_actions()``, and ``apply()`` refuses anything the
table does not allow, whatever a crafted POST asks for.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.orm import Session

from service.errors import GIVE_A_REASON, N_, REASON_REQUIRED, InvalidTransition, ValidationError
from service.models import (
    OPEN_STATUSES,
    WORKING_STATUSES,
    Event,
    EventKind,
    PlanStatus,
    Role,
    ServicePlan,
    ServiceRequest,
    Status,
    User,
)
from service.rules import policy
from service.rules.sla_calendar import WorkingCalendar


class Need(StrEnum):
    """What a transition requires besides the right source state and role."""

    REASON = "reason"
    SUMMARY = "summary"
    MESSAGE = "message"
    ACTIVE_PLAN = "active_plan"
    RATING = "rating"
    TRIAGE = "triage"
    REOPEN_WINDOW = "reopen_window"


class Action(StrEnum):
    TRIAGE = "triage"
    START_INTERVENTION = "start_intervention"
    START_GUIDANCE = "start_guidance"
    REQUEST_INFO = "request_info"
    ENTERPRISE_ANSWERS = "enterprise_answers"
    RESOLVE = "resolve"
    DECLINE = "decline"
    WITHDRAW = "withdraw"
    CONFIRM = "confirm"
    AUTO_CLOSE = "auto_close"
    REOPEN = "reopen"


# Sentinel target: go back to the working state remembered in resume_status.
RESUME = "resume"
DESK = frozenset({Role.STAFF, Role.DIRECTOR})
ENTERPRISE = frozenset({Role.ENTERPRISE})
SYSTEM: frozenset[Role] = frozenset()  # only the scheduled sweep (actor None) takes these


@dataclass(frozen=True)
class Transition:
    action: Action
    sources: frozenset[Status]
    target: Status | str
    roles: frozenset[Role]
    needs: frozenset[Need] = frozenset()
    # Offered as a button on the request page; the others happen through their own forms or sweeps.
    button: bool = True


TRANSITIONS: dict[Action, Transition] = {
    t.action: t
    for t in (
        Transition(Action.TRIAGE, frozenset({Status.SUBMITTED}), Status.TRIAGED, DESK,
                   frozenset({Need.TRIAGE}), button=False),
        Transition(Action.START_INTERVENTION, frozenset({Status.TRIAGED, Status.GUIDANCE}),
                   Status.EARLY_INTERVENTION, DESK),
        Transition(Action.START_GUIDANCE, frozenset({Status.TRIAGED, Status.EARLY_INTERVENTION}),
                   Status.GUIDANCE, DESK, frozenset({Need.ACTIVE_PLAN})),
        Transition(Action.REQUEST_INFO, WORKING_STATUSES, Status.WAITING_ENTERPRISE, DESK,
                   frozenset({Need.MESSAGE})),
        Transition(Action.ENTERPRISE_ANSWERS, frozenset({Status.WAITING_ENTERPRISE}), RESUME, ENTERPRISE,
                   frozenset({Need.MESSAGE}), button=False),
        Transition(Action.RESOLVE, WORKING_STATUSES, Status.RESOLVED, DESK, frozenset({Need.SUMMARY})),
        Transition(Action.DECLINE, frozenset({Status.SUBMITTED, Status.TRIAGED}), Status.DECLINED, DESK,
                   frozenset({Need.REASON})),
        Transition(Action.WITHDRAW, OPEN_STATUSES, Status.WITHDRAWN, ENTERPRISE, frozenset({Need.REASON})),
        Transition(Action.CONFIRM, frozenset({Status.RESOLVED}), Status.CLOSED, ENTERPRISE,
                   frozenset({Need.RATING})),
        Transition(Action.AUTO_CLOSE, frozenset({Status.RESOLVED}), Status.CLOSED, SYSTEM, button=False),
        Transition(Action.REOPEN, frozenset({Status.RESOLVED, Status.CLOSED}), RESUME, ENTERPRISE,
                   frozenset({Need.REASON, Need.REOPEN_WINDOW})),
    )
}


@dataclass(frozen=True)
class Inputs:
    """Everything a transition may need, checked against the table's requirements."""

    reason: str = ""
    summary: str = ""
    message: str = ""
    rating: int | None = None
    plan: ServicePlan | None = None
    reopen_window: timedelta = timedelta(days=14)


def _permitted(actor: User | None, transition: Transition, request: ServiceRequest) -> bool:
    if actor is None:
        return not transition.roles
    return actor.role in transition.roles and policy.may(actor, "request.transition", request)


def allowed_actions(actor: User, request: ServiceRequest) -> list[Transition]:
    """The transitions ``actor`` may offer on ``request`` right now (their requirements are checked on apply)."""
    return [
        t for t in TRANSITIONS.values()
        if t.button and request.status in t.sources and _permitted(actor, t, request)
    ]


def _check_needs(transition: Transition, request: ServiceRequest, inputs: Inputs, now: datetime) -> None:
    needs = transition.needs
    if Need.REASON in needs and not inputs.reason.strip():
        raise ValidationError(GIVE_A_REASON, fields={"reason": REASON_REQUIRED})
    if Need.SUMMARY in needs and not inputs.summary.strip():
        raise ValidationError(N_("Please write a resolution summary."),
                              fields={"summary": N_("A resolution summary is required.")})
    if Need.MESSAGE in needs and not inputs.message.strip():
        raise ValidationError(N_("Please write a message."), fields={"message": N_("A message is required.")})
    if Need.RATING in needs and (inputs.rating is None or not 1 <= inputs.rating <= 5):
        raise ValidationError(N_("Please rate the service from 1 to 5."),
                              fields={"rating": N_("Choose a rating from 1 to 5.")})
    if Need.TRIAGE in needs and request.priority is None:
        raise ValidationError(N_("Set a priority to triage the request."), fields={"priority": N_("Choose a priority.")})
    missing = unavailable_reason(transition, request, inputs, now)
    if missing is not None:
        raise InvalidTransition(missing)


def reopen_deadline(request: ServiceRequest, window: timedelta) -> datetime | None:
    """Until when the enterprise may reopen ``request`` (None when it was never resolved)."""
    return request.resolved_at + window if request.resolved_at is not None else None


def unavailable_reason(transition: Transition, request: ServiceRequest, inputs: Inputs, now: datetime) -> str | None:
    """Why ``transition`` cannot be taken now for want of something the request lacks, or None.

    Only what the request itself must have (a plan in force, a reopen window still
    open): what the user types is checked on apply. Pages show the button disabled
    with this reason as its hint.
    """
    needs = transition.needs
    if Need.ACTIVE_PLAN in needs:
        plan = inputs.plan
        if plan is None or plan.status != PlanStatus.ACTIVE or plan.enterprise_id != request.enterprise_id:
            return N_("Guidance needs the request to be linked to the enterprise's active service plan.")
    if Need.REOPEN_WINDOW in needs:
        deadline = reopen_deadline(request, inputs.reopen_window)
        if deadline is None or now > deadline:
            return N_("The time to reopen this request has passed; please submit a new request.")
    return None


def apply(
    session: Session,
    request: ServiceRequest,
    action: Action,
    actor: User | None,
    now: datetime,
    calendar: WorkingCalendar,
    inputs: Inputs = Inputs(),
) -> Event:
    """Take ``action`` on ``request`` and record it on the timeline.

    Raises InvalidTransition when the table does not allow the action from the
    current state, Forbidden/NotFound (via the policy) for the wrong actor, and
    ValidationError when a requirement is missing. Nothing changes on error.
    """
    transition = TRANSITIONS[action]
    if actor is not None:
        policy.authorize(actor, "request.transition", request)
    if not _permitted(actor, transition, request):
        raise InvalidTransition(N_("You cannot take this step on this request."))
    if request.status not in transition.sources:
        raise InvalidTransition(N_("This step is not possible while the request is %(status)s."),
                                status=request.status)
    _check_needs(transition, request, inputs, now)

    source = request.status
    target = _target(transition, request)
    _leave(request, source, now, calendar)
    _enter(request, source, target, now, inputs)
    request.status = target
    event = Event(
        request_id=request.id,
        kind=EventKind.STATUS_CHANGED,
        public=True,
        actor_id=actor.id if actor else None,
        created_at=now,
        data={"action": action.value, "from": source.value, "to": target.value,
              **({"reason": inputs.reason} if inputs.reason else {})},
    )
    session.add(event)
    return event


def _target(transition: Transition, request: ServiceRequest) -> Status:
    if transition.target != RESUME:
        return Status(transition.target)
    return request.resume_status or Status.TRIAGED


def _leave(request: ServiceRequest, source: Status, now: datetime, calendar: WorkingCalendar) -> None:
    if source == Status.WAITING_ENTERPRISE and request.waiting_since is not None:
        # The clock stopped while the enterprise had the ball: push the due times
        # out by the working time spent waiting, if they were still ahead.
        paused = calendar.working_seconds_between(request.waiting_since, now)
        for field in ("first_response_due_at", "resolution_due_at"):
            due = getattr(request, field)
            if due is not None and due > request.waiting_since:
                setattr(request, field, calendar.add_working_time(due, paused))
        request.waiting_since = None


def _enter(request: ServiceRequest, source: Status, target: Status, now: datetime, inputs: Inputs) -> None:
    if target == Status.WAITING_ENTERPRISE:
        request.waiting_since = now
        request.resume_status = source
    elif target == Status.RESOLVED:
        request.resume_status = source
        request.resolution_summary = inputs.summary.strip()
        request.resolved_at = now
    elif target == Status.CLOSED:
        request.closed_at = now
        if inputs.rating is not None:
            request.rating = inputs.rating
            request.rating_comment = inputs.message.strip() or None
    elif source in (Status.RESOLVED, Status.CLOSED):
        # Reopened: the earlier resolution and rating no longer stand.
        request.resolved_at = None
        request.closed_at = None
        request.rating = None
        request.rating_comment = None
    if target in (Status.DECLINED, Status.WITHDRAWN):
        request.closed_at = now
    if target in WORKING_STATUSES:
        request.resume_status = None
