"""An extension request's status table (延期申请), in the shape of ``state_machine``: pending until the head of the
request's station approves or refuses it (beyond the allowed number, the provincial director), or its asker
withdraws it.

Approving moves the request's resolution due time to the date asked for; the enterprise reads the new promised
date and the public reason. The status changes only through ``state_machine.apply(MACHINE, ...)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from service.errors import (
    CORRECT_FIELDS,
    MAX_TEXT,
    N_,
    REASON_REQUIRED,
    TOO_LONG,
    Forbidden,
    InvalidTransition,
    ValidationError,
)
from service.models import EventKind, ExtensionRequest, ExtensionStatus, User
from service.rules import state_machine
from service.rules.policy import PolicyAction
from service.rules.state_machine import Transition


class ExtensionAction(StrEnum):
    APPROVE = "approve"
    REFUSE = "refuse"
    WITHDRAW = "withdraw"


class ExtensionNeed(StrEnum):
    # A refusal says why to the officer who asked.
    COMMENT = "comment"


_PENDING = frozenset({ExtensionStatus.PENDING})
TRANSITIONS: dict[ExtensionAction, Transition[ExtensionAction, ExtensionNeed]] = {
    t.action: t
    for t in (
        Transition(
            ExtensionAction.APPROVE,
            _PENDING,
            ExtensionStatus.APPROVED,
            (PolicyAction.EXTENSION_DECIDE,),
            records=EventKind.EXTENSION_APPROVED,
        ),
        Transition(
            ExtensionAction.REFUSE,
            _PENDING,
            ExtensionStatus.REFUSED,
            (PolicyAction.EXTENSION_DECIDE,),
            needs=frozenset({ExtensionNeed.COMMENT}),
            records=EventKind.EXTENSION_REFUSED,
        ),
        Transition(
            ExtensionAction.WITHDRAW,
            _PENDING,
            ExtensionStatus.WITHDRAWN,
            (PolicyAction.EXTENSION_WITHDRAW,),
            records=EventKind.EXTENSION_WITHDRAWN,
        ),
    )
}


@dataclass(frozen=True)
class DecisionInputs:
    comment: str = ""
    # The resolution clock's next reminder should the new due time be approved.
    remind_at: datetime | None = None


def _validate(
    transition: Transition[ExtensionAction, ExtensionNeed], _extension: ExtensionRequest, inputs: DecisionInputs
) -> None:
    comment = inputs.comment.strip()
    if ExtensionNeed.COMMENT in transition.needs and not comment:
        raise ValidationError(N_("Say why the extension is refused."), fields={"comment": REASON_REQUIRED})
    if len(comment) > MAX_TEXT:
        raise ValidationError(CORRECT_FIELDS, fields={"comment": TOO_LONG})


def _enter(
    extension: ExtensionRequest,
    transition: Transition[ExtensionAction, ExtensionNeed],
    _source: ExtensionStatus,
    _target: ExtensionStatus,
    actor: User | None,
    now: datetime,
    inputs: DecisionInputs,
) -> None:
    request = extension.request
    request.extension_pending = False
    if transition.action == ExtensionAction.WITHDRAW:
        return
    extension.decided_by_id = actor.id if actor else None
    extension.decided_at = now
    extension.decision_comment = inputs.comment.strip() or None
    if transition.action == ExtensionAction.APPROVE:
        request.resolution_due_at = extension.new_due_at
        request.extension_count += 1
        request.extension_reason = extension.public_reason
        request.resolution_remind_at = inputs.remind_at
        # A new, later due time is not breached yet (as on a re-triage).
        if extension.new_due_at > now:
            request.resolution_breached = False


def _event_data(
    extension: ExtensionRequest,
    transition: Transition[ExtensionAction, ExtensionNeed],
    _source: ExtensionStatus,
    _target: ExtensionStatus,
    inputs: DecisionInputs,
) -> dict[str, object]:
    data: dict[str, object] = {"extension_id": extension.id, "new_due_at": extension.new_due_at.isoformat()}
    comment = inputs.comment.strip()
    if transition.action == ExtensionAction.APPROVE:
        # The enterprise's timeline shows the public reason; the director's comment stays with the desk.
        return {**data, "reason": extension.public_reason, **({"comment": comment} if comment else {})}
    return {**data, **({"note": comment} if comment else {})}


MACHINE = state_machine.Machine(
    name="extension",
    transitions=TRANSITIONS,
    scope=PolicyAction.EXTENSION_VIEW,
    # Only an approval is news for the enterprise: its promised date moved.
    event_owner=lambda extension: {
        "request_id": extension.request_id,
        "public": extension.status == ExtensionStatus.APPROVED,
    },
    refusal=Forbidden,
    wrong_state=lambda _extension: InvalidTransition(N_("This extension request has already been decided.")),
    validate=_validate,
    enter=_enter,
    event_data=_event_data,
)


def allowed_extension_actions(
    actor: User, extension: ExtensionRequest
) -> list[Transition[ExtensionAction, ExtensionNeed]]:
    return state_machine.allowed(MACHINE, actor, extension)
