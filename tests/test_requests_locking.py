"""No lost updates: a stale version is refused with Conflict and changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select, update

from service.errors import Conflict
from service.models import Event, Priority, ServiceRequest, Status
from service.operations import escalation
from service.operations.requests import assign_request, take_action, transfer_request, triage_request
from service.rules.lifecycle import Action
from tests import factories
from tests.factories import People
from tests.request_helpers import in_status


def _state(session, request_id: int) -> tuple:
    session.expire_all()
    request = session.get(ServiceRequest, request_id)
    events = session.scalar(select(func.count(Event.id)).where(Event.request_id == request_id))
    return request.status, request.version, request.priority, request.assignee_id, request.station_id, events


def test_the_second_of_two_editors_is_told_and_nothing_changes(session, people: People, settings) -> None:
    request = in_status(session, people, settings, Status.TRIAGED)
    seen_version = request.version
    # The first editor assigns someone else ...
    assign_request(session, people.staff2, request.id, seen_version, people.staff2.id, settings=settings)
    before = _state(session, request.id)
    # ... the second, still on the old page, tries to resolve, re-triage, assign and transfer.
    attempts = [
        lambda: take_action(
            session, people.staff, request.id, seen_version, Action.RESOLVE, summary="已处理", settings=settings
        ),
        lambda: triage_request(
            session,
            people.staff,
            request.id,
            seen_version,
            category=request.category,
            priority=Priority.P1,
            lifecycle_stage=request.lifecycle_stage,
            assignee_id=people.staff.id,
            settings=settings,
        ),
        lambda: assign_request(session, people.staff, request.id, seen_version, people.staff.id, settings=settings),
        lambda: transfer_request(
            session,
            people.staff,
            request.id,
            seen_version,
            factories.station(session, "JL-TH").id,
            "转办",
            settings=settings,
        ),
    ]
    for attempt in attempts:
        with pytest.raises(Conflict) as refused:
            attempt()
        current = refused.value.current  # type: ignore[attr-defined]
        assert current.id == request.id and current.assignee_id == people.staff2.id
        assert _state(session, request.id) == before


def test_a_write_racing_past_the_version_check_is_a_conflict(session, people: People, settings) -> None:
    request = in_status(session, people, settings, Status.TRIAGED)
    before_version = request.version

    # Simulates another transaction committing between our check and our UPDATE.
    @event.listens_for(session, "before_flush", once=True)
    def sneak_in(flush_session, _context, _instances):  # type: ignore[no-untyped-def]
        flush_session.execute(
            update(ServiceRequest.__table__)
            .where(ServiceRequest.id == request.id)
            .values(version=ServiceRequest.version + 1, escalated=True)
        )

    with pytest.raises(Conflict) as refused:
        escalation.escalate_request(session, people.staff, request.id, "请领导关注")
    assert refused.value.current.version == before_version  # type: ignore[attr-defined]
    assert _state(session, request.id)[1] == before_version


def test_the_right_version_goes_through_and_moves_on(session, people: People, settings) -> None:
    request = in_status(session, people, settings, Status.TRIAGED)
    version = request.version
    moved = take_action(session, people.staff, request.id, version, Action.START_INTERVENTION, settings=settings)
    assert moved.version > version and moved.status == Status.EARLY_INTERVENTION
