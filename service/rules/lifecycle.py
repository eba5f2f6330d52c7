"""The request lifecycle: its table of transitions in the shape of ``state_machine``, and its side effects.

Nothing else in the code base assigns ``ServiceRequest.status``; templates draw
their buttons from ``allowed_actions()``, and ``apply()`` (the one
``state_machine.apply`` with this machine's hooks) refuses anything the table
does not allow, whatever a crafted POST asks for.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.orm import Session

from service.errors import GIVE_A_REASON, MESSAGE_REQUIRED, N_, REASON_REQUIRED, InvalidTransition, ValidationError
from service.models import (
    OPEN_STATUSES,
    RESULT_STATUSES,
    WORKING_STATUSES,
    Event,
    EventKind,
    PlanStatus,
    ResultCategory,
    Role,
    ServicePlan,
    ServiceRequest,
    Status,
    User,
)
from service.rules import sla, state_machine
from service.rules.policy import PolicyAction
from service.rules.reminders import first_reminder
from service.rules.sla_calendar import WorkingCalendar
from service.rules.state_machine import Reason, Transition
from service.rules.visits import unsatisfied


class Need(StrEnum):
    """What a transition requires besides the right source state and role."""

    REASON = "reason"
    SUMMARY = "summary"
    MESSAGE = "message"
    ACTIVE_PLAN = "active_plan"
    RATING = "rating"
    TRIAGE = "triage"
    REOPEN_WINDOW = "reopen_window"
    # A result category, and for an explanation or a refusal its basis (办结).
    RESULT = "result"
    # The last return visit found the result unsatisfying (重办).
    UNSATISFIED = "unsatisfied"
    # A redo's new due date.
    DUE_DATE = "due_date"
    # A merge's target: another request of the same enterprise, neither merged nor declined or withdrawn.
    MERGE_TARGET = "merge_target"
    # No child request still open (a parent's result waits for its children's).
    CHILDREN_DONE = "children_done"


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
    APPROVE_CLOSURE = "approve_closure"
    SEND_BACK_CLOSURE = "send_back_closure"
    REDO = "redo"
    MERGE = "merge"


# Sentinel target: go back to the working state remembered in resume_status.
RESUME = "resume"
# Sentinel target of a result: resolved, or, where the station's head reviews results first (审核), in review.
RESULT = "result"
DESK = frozenset({Role.STAFF, Role.DIRECTOR})
ENTERPRISE = frozenset({Role.ENTERPRISE})
SYSTEM = state_machine.SYSTEM  # only the scheduled sweep (actor None) takes these
_ANY_IN_SCOPE = (PolicyAction.REQUEST_TRANSITION,)


def _step(
    action: Action,
    sources: frozenset[Status],
    target: Status | str,
    roles: frozenset[Role],
    needs: frozenset[Need] = frozenset(),
    button: bool = True,
    permissions: tuple[PolicyAction, ...] = _ANY_IN_SCOPE,
    public: bool = True,
) -> Transition[Action, Need]:
    return Transition(action, sources, target, permissions, roles, needs, EventKind.STATUS_CHANGED, button, public)


TRANSITIONS: dict[Action, Transition[Action, Need]] = {
    t.action: t
    for t in (
        _step(
            Action.TRIAGE, frozenset({Status.SUBMITTED}), Status.TRIAGED, DESK, frozenset({Need.TRIAGE}), button=False
        ),
        _step(Action.START_INTERVENTION, frozenset({Status.TRIAGED, Status.GUIDANCE}), Status.EARLY_INTERVENTION, DESK),
        _step(
            Action.START_GUIDANCE,
            frozenset({Status.TRIAGED, Status.EARLY_INTERVENTION}),
            Status.GUIDANCE,
            DESK,
            frozenset({Need.ACTIVE_PLAN}),
        ),
        _step(Action.REQUEST_INFO, WORKING_STATUSES, Status.WAITING_ENTERPRISE, DESK, frozenset({Need.MESSAGE})),
        _step(
            Action.ENTERPRISE_ANSWERS,
            frozenset({Status.WAITING_ENTERPRISE}),
            RESUME,
            ENTERPRISE,
            frozenset({Need.MESSAGE}),
            button=False,
        ),
        _step(
            Action.RESOLVE, WORKING_STATUSES, RESULT, DESK, frozenset({Need.SUMMARY, Need.RESULT, Need.CHILDREN_DONE})
        ),
        # The head's review of a result (审核): approved, the enterprise is told; sent back, the officer works on.
        _step(
            Action.APPROVE_CLOSURE,
            frozenset({Status.REVIEW}),
            Status.RESOLVED,
            DESK,
            frozenset({Need.CHILDREN_DONE}),
            permissions=(PolicyAction.REQUEST_REVIEW_CLOSURE,),
        ),
        _step(
            Action.SEND_BACK_CLOSURE,
            frozenset({Status.REVIEW}),
            RESUME,
            DESK,
            frozenset({Need.REASON}),
            permissions=(PolicyAction.REQUEST_REVIEW_CLOSURE,),
            public=False,
        ),
        # An unsatisfying result is worked again (重办) towards a new due date, through its own form.
        _step(
            Action.REDO,
            RESULT_STATUSES,
            RESUME,
            DESK,
            frozenset({Need.UNSATISFIED, Need.DUE_DATE, Need.REASON}),
            button=False,
            permissions=(PolicyAction.REQUEST_REDO,),
        ),
        _step(
            Action.DECLINE,
            frozenset({Status.SUBMITTED, Status.TRIAGED}),
            Status.DECLINED,
            DESK,
            frozenset({Need.REASON}),
        ),
        _step(Action.WITHDRAW, OPEN_STATUSES, Status.WITHDRAWN, ENTERPRISE, frozenset({Need.REASON})),
        _step(Action.CONFIRM, frozenset({Status.RESOLVED}), Status.CLOSED, ENTERPRISE, frozenset({Need.RATING})),
        _step(Action.AUTO_CLOSE, frozenset({Status.RESOLVED}), Status.CLOSED, SYSTEM, button=False),
        _step(
            Action.REOPEN,
            frozenset({Status.RESOLVED, Status.CLOSED}),
            RESUME,
            ENTERPRISE,
            frozenset({Need.REASON, Need.REOPEN_WINDOW}),
        ),
        # A duplicate merged into another request of its enterprise (service/operations/relations.py): final, its
        # page leads to the target; never reopened (reopen starts from a result only).
        _step(
            Action.MERGE,
            OPEN_STATUSES,
            Status.MERGED,
            DESK,
            frozenset({Need.MERGE_TARGET, Need.CHILDREN_DONE}),
            button=False,
            permissions=(PolicyAction.REQUEST_MERGE,),
        ),
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
    # Leaving "waiting for the enterprise" pushes the due times out by the working time spent waiting.
    calendar: WorkingCalendar | None = None
    result_category: ResultCategory | None = None
    result_basis: str = ""
    # The request's station has its head review results first (Station.review_closures).
    review: bool = False
    # A redo's new resolution due time.
    new_due: datetime | None = None
    # When the resolution clock starts again, its first reminder comes at this share of its time limit.
    reminder_share: float = 0.75
    # A merge's target, and the reference numbers of the request's child requests still open.
    merge_into: ServiceRequest | None = None
    open_children: tuple[str, ...] = ()


def allowed_actions(actor: User, request: ServiceRequest) -> list[Transition[Action, Need]]:
    """The transitions ``actor`` may offer on ``request`` right now (their requirements are checked on apply)."""
    return [t for t in state_machine.allowed(MACHINE, actor, request) if t.button]


def _validate(transition: Transition[Action, Need], request: ServiceRequest, inputs: Inputs) -> None:
    needs = transition.needs
    if Need.REASON in needs and not inputs.reason.strip():
        raise ValidationError(GIVE_A_REASON, fields={"reason": REASON_REQUIRED})
    if Need.SUMMARY in needs and not inputs.summary.strip():
        raise ValidationError(
            N_("Please write a resolution summary."), fields={"summary": N_("A resolution summary is required.")}
        )
    if Need.MESSAGE in needs and not inputs.message.strip():
        raise ValidationError(N_("Please write a message."), fields={"message": MESSAGE_REQUIRED})
    if Need.RATING in needs and (inputs.rating is None or not 1 <= inputs.rating <= 5):
        raise ValidationError(
            N_("Please rate the service from 1 to 5."), fields={"rating": N_("Choose a rating from 1 to 5.")}
        )
    if Need.RESULT in needs:
        _validate_result(inputs)
    if Need.DUE_DATE in needs and inputs.new_due is None:
        raise ValidationError(N_("Give the new due date."), fields={"due_date": N_("Give the new date.")})
    if Need.MERGE_TARGET in needs and inputs.merge_into is None:
        raise ValidationError(
            N_("Give the reference number of the request to merge into."),
            fields={"target": N_("Give the reference number of another request of this enterprise.")},
        )
    if Need.TRIAGE in needs and request.priority is None:
        raise ValidationError(
            N_("Set a priority to triage the request."), fields={"priority": N_("Choose a priority.")}
        )


def _validate_result(inputs: Inputs) -> None:
    if inputs.result_category is None:
        raise ValidationError(
            N_("Choose the result category."), fields={"result_category": N_("Choose the result category.")}
        )
    if inputs.result_category != ResultCategory.RESOLVED and not inputs.result_basis.strip():
        raise ValidationError(
            N_("Give the policy basis or the reason of this result."),
            fields={"result_basis": N_("The basis or the reason is required for this result.")},
        )


def reopen_deadline(request: ServiceRequest, window: timedelta) -> datetime | None:
    """Until when the enterprise may reopen ``request`` (None when it was never resolved)."""
    return request.resolved_at + window if request.resolved_at is not None else None


def unavailable_reason(
    transition: Transition[Action, Need], request: ServiceRequest, inputs: Inputs, now: datetime
) -> str | None:
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
    if Need.UNSATISFIED in needs and not unsatisfied(request):
        return N_("Only a result its return visit found unsatisfying or unsolved is redone.")
    if Need.CHILDREN_DONE in needs and inputs.open_children:
        return Reason(
            N_("Its child requests are still open: %(children)s. Close them first."),
            children=", ".join(inputs.open_children),
        )
    if Need.MERGE_TARGET in needs and inputs.merge_into is not None:
        return merge_refusal(request, inputs.merge_into)
    return None


def merge_refusal(duplicate: ServiceRequest, target: ServiceRequest) -> str | None:
    """Why ``duplicate`` cannot be merged into ``target`` (None: it can)."""
    if target.id == duplicate.id:
        return N_("A request cannot be merged into itself.")
    if target.enterprise_id != duplicate.enterprise_id:
        return N_("Only requests of the same enterprise are merged.")
    if target.status in (Status.MERGED, Status.DECLINED, Status.WITHDRAWN):
        return N_("The request to merge into was itself merged, declined or withdrawn.")
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
    """Take ``action`` on ``request`` and record it on the timeline (``state_machine.apply`` on ``MACHINE``).

    Raises InvalidTransition when the table does not allow the action from the
    current state, Forbidden/NotFound (via the policy) for the wrong actor, and
    ValidationError when a requirement is missing. Nothing changes on error.
    """
    inputs = replace(inputs, calendar=calendar)
    event = state_machine.apply(
        session, MACHINE, request, action, actor, now, inputs, data=_result_left(request, action, inputs)
    )
    assert event is not None  # every request transition records STATUS_CHANGED
    return event


def _result_left(request: ServiceRequest, action: Action, inputs: Inputs) -> dict[str, object]:
    """A result the step leaves behind (a reopen, a redo: the work starts again), for the step's event: the
    timeline keeps it, the request no longer shows it as its result."""
    transition = TRANSITIONS.get(action)
    if (
        transition is None
        or request.status not in RESULT_STATUSES
        or request.resolution_summary is None
        or _resolve_target(transition, request, inputs) not in WORKING_STATUSES
    ):
        return {}
    category = request.result_category.value if request.result_category else None
    return {"earlier_result": {"category": category, "text": request.resolution_summary, "basis": request.result_basis}}


def _resolve_target(transition: Transition[Action, Need], request: ServiceRequest, inputs: Inputs) -> Status:
    if transition.target == RESULT:
        return Status.REVIEW if inputs.review else Status.RESOLVED
    if transition.target != RESUME:
        return Status(transition.target)
    return request.resume_status or Status.TRIAGED


def _enter_hook(
    request: ServiceRequest,
    transition: Transition[Action, Need],
    source: Status,
    target: Status,
    _actor: User | None,
    now: datetime,
    inputs: Inputs,
) -> None:
    # lifecycle.apply always passes the calendar the waiting time is counted in.
    assert inputs.calendar is not None
    _leave(request, source, now, inputs.calendar)
    _enter(request, source, target, now, inputs)
    _schedule(request, transition, source, target, now, inputs, inputs.calendar)


def _event_data(
    request: ServiceRequest, transition: Transition[Action, Need], source: Status, target: Status, inputs: Inputs
) -> dict[str, str | None]:
    data: dict[str, str | None] = {
        "action": transition.action.value,
        "from": source.value,
        "to": target.value,
        **({"reason": inputs.reason} if inputs.reason else {}),
        **({"new_due_at": inputs.new_due.isoformat()} if inputs.new_due else {}),
    }
    if transition.action == Action.RESOLVE and inputs.result_category is not None:
        data["result_category"] = inputs.result_category.value
    if transition.action == Action.MERGE and inputs.merge_into is not None:
        data["into"] = inputs.merge_into.reference
    if source == Status.WAITING_ENTERPRISE:
        # The wait pushed the due times out (``_leave``).
        data.update(sla.due_times_data(request.first_response_due_at, request.resolution_due_at))
    return data


def _leave(request: ServiceRequest, source: Status, now: datetime, calendar: WorkingCalendar) -> None:
    if source == Status.WAITING_ENTERPRISE and request.waiting_since is not None:
        # The clock stopped while the enterprise had the ball: push the due times
        # out by the working time spent waiting, if they were still ahead.
        paused = calendar.working_seconds_between(request.waiting_since, now)
        for field in ("first_response_due_at", "resolution_due_at", "resolution_remind_at"):
            due = getattr(request, field)
            if due is not None and due > request.waiting_since:
                setattr(request, field, calendar.add_working_time(due, paused))
        request.waiting_since = None


def _enter(request: ServiceRequest, source: Status, target: Status, now: datetime, inputs: Inputs) -> None:
    if target == Status.WAITING_ENTERPRISE:
        request.waiting_since = now
        request.resume_status = source
    elif target in (Status.RESOLVED, Status.REVIEW) and source != Status.REVIEW:
        request.resume_status = source
        request.resolution_summary = inputs.summary.strip()
        request.result_category = inputs.result_category
        request.result_basis = inputs.result_basis.strip() or None
    if target == Status.RESOLVED:
        request.resolved_at = now
    elif target == Status.CLOSED:
        request.closed_at = now
        if inputs.rating is not None:
            request.rating = inputs.rating
            request.rating_comment = inputs.message.strip() or None
    elif source in (Status.RESOLVED, Status.CLOSED):
        # Reopened or redone: the earlier result, rating and visit no longer stand (the step's event keeps the
        # result, the timeline the rating and the visit).
        request.result_category = request.resolution_summary = request.result_basis = None
        request.resolved_at = request.closed_at = None
        request.rating = None
        request.rating_comment = None
        request.satisfaction = request.visit_solved = request.visited_at = None
    elif source == Status.REVIEW:
        # Sent back by the reviewer: the result was never told, the officer writes it again.
        request.result_category = request.resolution_summary = request.result_basis = None
    if target in (Status.DECLINED, Status.WITHDRAWN, Status.MERGED):
        request.closed_at = now
    if target == Status.MERGED and inputs.merge_into is not None:
        request.merged_into_id = inputs.merge_into.id
    if target in WORKING_STATUSES:
        request.resume_status = None


def _schedule(
    request: ServiceRequest,
    transition: Transition[Action, Need],
    source: Status,
    target: Status,
    now: datetime,
    inputs: Inputs,
    calendar: WorkingCalendar,
) -> None:
    """The resolution clock's reminders (催办): none once a result is given, again when the work starts anew;
    a redo's clock runs from now to its new due date."""
    if target not in WORKING_STATUSES:
        if target != Status.WAITING_ENTERPRISE:
            request.sign_for_remind_at = request.resolution_remind_at = None
        return
    if transition.action == Action.REDO and inputs.new_due is not None:
        request.redo_count += 1
        request.resolution_due_at = inputs.new_due
        request.resolution_breached = False
        request.resolution_remind_at = first_reminder(calendar, now, inputs.new_due, inputs.reminder_share, now)
    elif source in (Status.RESOLVED, Status.CLOSED, Status.REVIEW):
        request.resolution_remind_at = first_reminder(
            calendar, request.created_at, request.resolution_due_at, inputs.reminder_share, now
        )


MACHINE = state_machine.Machine(
    name="request",
    transitions=TRANSITIONS,
    scope=PolicyAction.REQUEST_TRANSITION,
    # A result waiting for its review is not news for the enterprise yet.
    event_owner=lambda request: {"request_id": request.id, "public": request.status != Status.REVIEW},
    refusal=lambda: InvalidTransition(N_("You cannot take this step on this request.")),
    wrong_state=lambda request: InvalidTransition(
        N_("This step is not possible while the request is %(status)s."), status=request.status
    ),
    guard=unavailable_reason,
    validate=_validate,
    enter=_enter_hook,
    event_data=_event_data,
    resolve_target=_resolve_target,
)
