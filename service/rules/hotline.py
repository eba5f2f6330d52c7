"""A director hotline session's own small lifecycle, in the shape of ``state_machine``: the steps, the states
each may start from, who may take them and the event each records.

The operations (service.operations.hotline) apply it with the one ``state_machine.apply``; the pages offer
what ``allowed_hotline_actions()`` answers from the same table.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from service.errors import N_, Forbidden, InvalidTransition
from service.models import EventKind, HotlineSession, HotlineStatus, User
from service.rules import state_machine
from service.rules.policy import PolicyAction
from service.rules.state_machine import Transition

PENDING = frozenset({HotlineStatus.REQUESTED, HotlineStatus.SCHEDULED})


class HotlineAction(StrEnum):
    SCHEDULE = "schedule"
    HOLD = "hold"
    CANCEL = "cancel"


# A hotline step needs nothing besides the actor's permission.
_Step = Transition[HotlineAction, Any]

TRANSITIONS: dict[HotlineAction, _Step] = {
    t.action: t
    for t in (
        # Scheduling a scheduled session again moves it to a new time.
        _Step(
            HotlineAction.SCHEDULE,
            PENDING,
            HotlineStatus.SCHEDULED,
            (PolicyAction.HOTLINE_MANAGE,),
            records=EventKind.HOTLINE_SCHEDULED,
        ),
        _Step(
            HotlineAction.HOLD,
            frozenset({HotlineStatus.SCHEDULED}),
            HotlineStatus.HELD,
            (PolicyAction.HOTLINE_RECORD,),
            records=EventKind.HOTLINE_HELD,
        ),
        # Directors cancel; whoever asked may withdraw the ask before a director has taken it up.
        _Step(
            HotlineAction.CANCEL,
            PENDING,
            HotlineStatus.CANCELLED,
            (PolicyAction.HOTLINE_MANAGE, PolicyAction.HOTLINE_WITHDRAW_ASK),
            records=EventKind.HOTLINE_CANCELLED,
        ),
    )
}

MACHINE = state_machine.Machine(
    name="hotline",
    transitions=TRANSITIONS,
    scope=PolicyAction.HOTLINE_VIEW,
    event_owner=lambda hotline: {"request_id": hotline.request_id, "public": True},
    refusal=Forbidden,
    wrong_state=lambda hotline: InvalidTransition(
        N_("This step is not possible while the session is %(status)s."), status=hotline.status
    ),
    event_data=lambda hotline, *_: {"hotline_id": hotline.id},
    stale=N_("Someone changed this hotline session meanwhile. Reload and try again."),
)


def allowed_hotline_actions(actor: User, hotline: HotlineSession) -> list[HotlineAction]:
    """What the templates may offer; the operations check the same table again on POST."""
    return [HotlineAction(t.action) for t in state_machine.allowed(MACHINE, actor, hotline)]
