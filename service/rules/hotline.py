"""A director hotline session's own small lifecycle: the steps, the states each may start from, and who may take them.

The operations (service.operations.hotline) check the same table on every step that the pages offer from it.
"""
from __future__ import annotations

from enum import StrEnum

from service.models import HotlineSession, HotlineStatus, User
from service.rules import policy
from service.rules.policy import PolicyAction

PENDING = frozenset({HotlineStatus.REQUESTED, HotlineStatus.SCHEDULED})


class HotlineAction(StrEnum):
    SCHEDULE = "schedule"
    HOLD = "hold"
    CANCEL = "cancel"


# action -> (states it may start from, state it leads to). Scheduling a
# scheduled session again moves it to a new time.
TRANSITIONS: dict[HotlineAction, tuple[frozenset[HotlineStatus], HotlineStatus]] = {
    HotlineAction.SCHEDULE: (PENDING, HotlineStatus.SCHEDULED),
    HotlineAction.HOLD: (frozenset({HotlineStatus.SCHEDULED}), HotlineStatus.HELD),
    HotlineAction.CANCEL: (PENDING, HotlineStatus.CANCELLED),
}


def allowed_hotline_actions(actor: User, hotline: HotlineSession) -> list[HotlineAction]:
    """What the templates may offer; the operations check the same table again on POST."""
    return [action for action, (sources, _) in TRANSITIONS.items()
            if hotline.status in sources and may_take(actor, action, hotline)]


def may_take(actor: User, action: HotlineAction, hotline: HotlineSession) -> bool:
    if policy.may(actor, PolicyAction.HOTLINE_RECORD if action == HotlineAction.HOLD else PolicyAction.HOTLINE_MANAGE, hotline):
        return True
    # Whoever asked may withdraw the ask before a director has taken it up.
    return (action == HotlineAction.CANCEL and hotline.status == HotlineStatus.REQUESTED
            and hotline.requested_by_id == actor.id)
