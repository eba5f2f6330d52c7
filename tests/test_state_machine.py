"""Every state machine (request, plan, hotline session) answers "can this actor take this step now?" the same way."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from service.errors import Forbidden, InvalidTransition, NotFound
from service.models import HotlineSession, HotlineStatus
from service.models.base import utcnow
from service.rules import hotline, machines, plan_status, state_machine
from service.store.settings import DeskSettings
from tests.factories import People
from tests.plan_helpers import draft_plan
from tests.request_helpers import submit


def test_a_submitted_request_is_triaged_by_its_stations_desk_only(
    session: Session, people: People, settings: DeskSettings
) -> None:
    request = submit(session, people, settings)
    assert machines.can(people.staff, request, "triage") and machines.can(people.hub_director, request, "triage")
    for nobody in (people.owner, people.other_staff, people.admin):
        assert not machines.can(nobody, request, "triage")
    # Steps of another state are never offered.
    assert not machines.can(people.staff, request, "resolve") and not machines.can(people.owner, request, "confirm")
    assert machines.can(people.owner, request, "withdraw")


def test_a_draft_plan_is_decided_by_a_director_and_discarded_by_the_desk(session: Session, people: People) -> None:
    plan = draft_plan(session, people)
    assert machines.can(people.director, plan, "approve") and machines.can(people.director, plan, "return")
    assert not machines.can(people.staff, plan, "approve") and machines.can(people.staff, plan, "discard")
    assert not machines.can(people.director, plan, "complete")
    assert not any(machines.can(people.owner, plan, action) for action in plan_status.PlanAction)


def test_one_apply_checks_scope_then_permission_then_state(
    session: Session, people: People, settings: DeskSettings
) -> None:
    request = submit(session, people, settings)
    ask = HotlineSession(
        request=request, requested_by_id=people.owner.id, reason="请指导", status=HotlineStatus.REQUESTED
    )
    session.add(ask)
    session.commit()
    now = utcnow()
    with pytest.raises(NotFound):
        state_machine.check(hotline.MACHINE, ask, hotline.HotlineAction.CANCEL, people.other_staff, now)
    with pytest.raises(Forbidden):
        state_machine.check(hotline.MACHINE, ask, hotline.HotlineAction.CANCEL, people.staff, now)
    with pytest.raises(InvalidTransition):
        state_machine.check(hotline.MACHINE, ask, hotline.HotlineAction.HOLD, people.director, now)
    # Whoever asked withdraws the ask; the step is recorded on the request's timeline.
    event = state_machine.apply(
        session, hotline.MACHINE, ask, hotline.HotlineAction.CANCEL, people.owner, now, data={"reason": "已解决"}
    )
    assert ask.status == HotlineStatus.CANCELLED
    assert event is not None and event.request_id == request.id and event.public
    assert event.data == {"hotline_id": ask.id, "reason": "已解决"}
    assert not machines.can(people.owner, ask, "cancel")
