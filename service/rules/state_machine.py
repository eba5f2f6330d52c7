"""One shape for every state machine (the request, the service plan, the hotline session), and one ``apply``.

A machine is a table of transitions: the states each starts from, the state it leads to, who may take it
(the roles, and the policy actions of which the actor needs one on the subject), what it needs besides,
and the event kind it records. Pages ask ``allowed()`` / ``can()`` what to offer; ``apply()`` checks the
same table again (scope, permission, source state, guards), changes the state, runs the machine's hooks
and records the event, so a crafted POST cannot take a step the table does not allow.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar

from sqlalchemy.orm import Session

from service.errors import N_, DomainError, InvalidTransition, StaleVersion
from service.models import Event, EventKind, Role, User
from service.rules import policy
from service.rules.policy import PolicyAction

# Who may take a transition that only the scheduled sweeps take (their actor is None).
SYSTEM: frozenset[Role] = frozenset()

A = TypeVar("A", bound=StrEnum)  # a machine's actions
N = TypeVar("N", bound=StrEnum)  # what its transitions may need besides permission


@dataclass(frozen=True)
class Transition(Generic[A, N]):
    action: A
    sources: frozenset[StrEnum]
    # A state, or a marker the machine's ``resolve_target`` hook turns into one (the request's RESUME).
    target: StrEnum | str
    # The actor needs one of these policy actions on the subject ...
    permissions: tuple[PolicyAction, ...]
    # ... and, when given, one of these roles; SYSTEM: only the sweeps (actor None).
    roles: frozenset[Role] | None = None
    # Machine-specific requirements, checked by the machine's ``guard`` and ``validate`` hooks.
    needs: frozenset[N] = frozenset()
    records: EventKind | None = None
    # Offered as a button on the subject's page; the others happen through their own forms or sweeps.
    button: bool = True
    # False: the step stays inside the desk whatever the machine's ``event_owner`` says of the subject.
    public: bool = True


class Reason(str):
    """A guard's answer whose message names values (``%(name)s``): they travel with it to the error and the page."""

    params: dict[str, Any]

    def __new__(cls, message: str, **params: Any) -> Reason:
        reason = super().__new__(cls, message)
        reason.params = params
        return reason


def reason_params(reason: str) -> dict[str, Any]:
    """The values a guard's answer names (none for a plain message)."""
    return reason.params if isinstance(reason, Reason) else {}


# guard(transition, subject, inputs, now) -> why the subject cannot take it now (None: it can)
Guard = Callable[[Transition[Any, Any], Any, Any, datetime], str | None]
# validate(transition, subject, inputs): raise ValidationError for what the user typed
Validate = Callable[[Transition[Any, Any], Any, Any], None]
# enter(subject, transition, source, target, actor, now, inputs): the step's side effects
Enter = Callable[[Any, Transition[Any, Any], Any, Any, User | None, datetime, Any], None]
# event_data(subject, transition, source, target, inputs) -> what the recorded event says besides `data`
EventData = Callable[[Any, Transition[Any, Any], Any, Any, Any], dict[str, Any]]
# event_owner(subject) -> the Event's link columns (request_id, plan_id) and whether the enterprise sees it
EventOwner = Callable[[Any], dict[str, Any]]


def _no_guard(_t: Transition[Any, Any], _subject: Any, _inputs: Any, _now: datetime) -> str | None:
    return None


def _no_validation(_t: Transition[Any, Any], _subject: Any, _inputs: Any) -> None:
    return None


def _no_side_effects(*_args: Any) -> None:
    return None


def _no_data(*_args: Any) -> dict[str, Any]:
    return {}


def _declared_target(transition: Transition[Any, Any], _subject: Any, _inputs: Any) -> StrEnum | str:
    return transition.target


@dataclass(frozen=True)
class Machine(Generic[A]):
    name: str
    transitions: Mapping[A, Transition[A, Any]]
    # The policy action that puts the subject in the actor's scope (NotFound outside it).
    scope: PolicyAction
    event_owner: EventOwner
    # Raised when the actor is in scope but may not take the step.
    refusal: Callable[[], DomainError]
    # Raised when the subject's state does not allow the step.
    wrong_state: Callable[[Any], DomainError]
    guard: Guard = _no_guard
    validate: Validate = _no_validation
    enter: Enter = _no_side_effects
    event_data: EventData = _no_data
    resolve_target: Callable[[Transition[Any, Any], Any, Any], StrEnum | str] = _declared_target
    # What a StaleVersion (someone saved first) says.
    stale: str = N_("Someone else changed this record meanwhile. Reload the page and try again.")


def permitted(machine: Machine[A], actor: User | None, transition: Transition[A, Any], subject: Any) -> bool:
    """Whether ``actor`` may take ``transition`` on ``subject`` by role and policy (state aside)."""
    if actor is None:
        return transition.roles == SYSTEM
    if transition.roles is not None and actor.role not in transition.roles:
        return False
    return any(policy.may(actor, permission, subject) for permission in transition.permissions)


def allowed(machine: Machine[A], actor: User, subject: Any) -> list[Transition[A, Any]]:
    """The transitions ``actor`` may take on ``subject`` from its current state (requirements are checked on apply)."""
    return [
        t for t in machine.transitions.values() if subject.status in t.sources and permitted(machine, actor, t, subject)
    ]


def can(machine: Machine[A], actor: User, subject: Any, action: StrEnum | str) -> bool:
    """Can ``actor`` take ``action`` on ``subject`` now? What templates ask instead of comparing statuses."""
    return any(t.action == action for t in allowed(machine, actor, subject))


def unavailable_reason(
    machine: Machine[A], transition: Transition[A, Any], subject: Any, inputs: Any, now: datetime
) -> str | None:
    """Why ``transition`` cannot be taken now for want of something the subject lacks, or None."""
    return machine.guard(transition, subject, inputs, now)


def check(
    machine: Machine[A],
    subject: Any,
    action: A,
    actor: User | None,
    now: datetime,
    inputs: Any = None,
    expected_version: int | None = None,
) -> Transition[A, Any]:
    """Everything ``apply`` checks, in its order, without changing anything; returns the transition.

    Raises NotFound (out of scope) or Forbidden (via the policy), the machine's refusal, StaleVersion,
    the machine's wrong-state error, ValidationError (``validate``) and InvalidTransition (``guard``).
    """
    transition = machine.transitions[action]
    if actor is not None:
        policy.authorize(actor, machine.scope, subject)
    if not permitted(machine, actor, transition, subject):
        raise machine.refusal()
    if expected_version is not None and subject.version != expected_version:
        raise StaleVersion(machine.stale)
    if subject.status not in transition.sources:
        raise machine.wrong_state(subject)
    machine.validate(transition, subject, inputs)
    missing = machine.guard(transition, subject, inputs, now)
    if missing is not None:
        raise InvalidTransition(missing, **reason_params(missing))
    return transition


def apply(
    session: Session,
    machine: Machine[A],
    subject: Any,
    action: A,
    actor: User | None,
    now: datetime,
    inputs: Any = None,
    *,
    expected_version: int | None = None,
    data: Mapping[str, Any] | None = None,
) -> Event | None:
    """Take ``action`` on ``subject``: check it (see ``check``), run the machine's ``enter`` hook, set the new
    state and record the transition's event (with the machine's ``event_data`` and ``data``). Nothing
    changes on error."""
    transition = check(machine, subject, action, actor, now, inputs, expected_version)
    source = subject.status
    target = machine.resolve_target(transition, subject, inputs)
    machine.enter(subject, transition, source, target, actor, now, inputs)
    subject.status = target
    if transition.records is None:
        return None
    event = Event(
        kind=transition.records,
        actor_id=actor.id if actor else None,
        created_at=now,
        data={**machine.event_data(subject, transition, source, target, inputs), **(data or {})},
        **machine.event_owner(subject),
    )
    if not transition.public:
        event.public = False
    session.add(event)
    return event
