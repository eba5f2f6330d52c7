"""Which state machine a subject follows, so that a page can ask "can this actor take this step now?"."""

from __future__ import annotations

from typing import Any

from service.models import HotlineSession, ServicePlan, ServiceRequest, User
from service.rules import hotline, lifecycle, plan_status, state_machine

MACHINES: dict[type, state_machine.Machine[Any]] = {
    ServiceRequest: lifecycle.MACHINE,
    ServicePlan: plan_status.MACHINE,
    HotlineSession: hotline.MACHINE,
}


def can(actor: User, subject: ServiceRequest | ServicePlan | HotlineSession, action: str) -> bool:
    """Whether ``actor`` may take ``action`` (a transition's name, e.g. "triage") on ``subject`` in its current state.

    Requirements that depend on what the user types are checked when the step is applied.
    """
    return state_machine.can(MACHINES[type(subject)], actor, subject, action)
