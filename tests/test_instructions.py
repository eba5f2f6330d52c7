"""Directors' instructions: who writes them, who must acknowledge them, and where they are listed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.errors import Forbidden, NotFound, ValidationError
from service.models import Event, EventKind, Notification, Role, ServiceRequest, Status
from service.operations import instructions as ops
from service.queries import instructions as queries
from service.rules import policy
from service.store.settings import DeskSettings
from tests import factories
from tests.factories import People
from tests.request_helpers import TUESDAY_10, submit, triaged

LATER = TUESDAY_10 + timedelta(hours=2)


@pytest.fixture()
def case(session: Session, people: People, settings: DeskSettings) -> ServiceRequest:
    return triaged(session, people, settings)  # assigned to people.staff


def test_a_director_instructs_the_assignee(session: Session, people: People, case: ServiceRequest) -> None:
    instruction = ops.write_instruction(session, people.director, case.id, "  请三日内答复企业  ", now=TUESDAY_10)

    assert instruction.assignee_id == people.staff.id and instruction.body == "请三日内答复企业"
    [event] = session.scalars(select(Event).where(Event.request_id == case.id, Event.kind == EventKind.INSTRUCTION))
    assert not event.public
    told = set(session.scalars(select(Notification.user_id).where(Notification.kind == EventKind.INSTRUCTION)))
    assert told == {people.staff.id}


def test_an_unassigned_case_tells_the_station(session: Session, people: People, settings: DeskSettings) -> None:
    fresh = submit(session, people, settings)
    instruction = ops.write_instruction(session, people.hub_director, fresh.id, "请尽快分派", now=TUESDAY_10)
    assert instruction.assignee_id is None
    told = set(session.scalars(select(Notification.user_id).where(Notification.kind == EventKind.INSTRUCTION)))
    assert {people.staff.id, people.staff2.id, people.director.id} <= told


def test_only_directors_in_scope_write(session: Session, people: People, case: ServiceRequest) -> None:
    with pytest.raises(Forbidden):
        ops.write_instruction(session, people.staff, case.id, "我也想批示", now=TUESDAY_10)
    with pytest.raises(NotFound):
        ops.write_instruction(session, factories.user(session, Role.DIRECTOR, "JL-TH"), case.id, "越界", now=TUESDAY_10)
    with pytest.raises(Forbidden):
        ops.write_instruction(session, people.owner, case.id, "企业不能批示", now=TUESDAY_10)
    with pytest.raises(ValidationError):
        ops.write_instruction(session, people.director, case.id, "   ", now=TUESDAY_10)
    case.status = Status.CLOSED
    session.commit()
    with pytest.raises(ValidationError):
        ops.write_instruction(session, people.director, case.id, "已结案", now=TUESDAY_10)


def test_only_its_addressees_acknowledge(session: Session, people: People, case: ServiceRequest) -> None:
    first = ops.write_instruction(session, people.director, case.id, "第一条", now=TUESDAY_10)
    second = ops.write_instruction(session, people.director, case.id, "第二条", now=TUESDAY_10)
    for outsider in (people.director, people.hub_director, people.staff2):
        assert not policy.may_acknowledge(outsider, first)
        with pytest.raises(Forbidden):
            ops.acknowledge_instruction(session, outsider, first.id, now=LATER)
    assert session.get(type(first), first.id).acknowledged_at is None
    with pytest.raises(NotFound):
        ops.acknowledge_instruction(session, people.other_staff, first.id, now=LATER)
    with pytest.raises(NotFound):
        ops.acknowledge_instruction(session, people.owner, first.id, now=LATER)

    done = ops.acknowledge_instruction(session, people.staff, first.id, now=LATER)
    assert done.acknowledged_at == LATER and done.acknowledged_by_id == people.staff.id
    again = ops.acknowledge_instruction(session, people.director, first.id, now=LATER + timedelta(hours=1))
    assert again.acknowledged_at == LATER and again.acknowledged_by_id == people.staff.id
    assert ops.acknowledge_instruction(session, people.staff, second.id, now=LATER).acknowledged_at == LATER
    acks = session.scalars(select(Event).where(Event.kind == EventKind.INSTRUCTION_ACKNOWLEDGED)).all()
    assert len(acks) == 2 and not any(e.public for e in acks)


def test_the_original_assignee_still_acknowledges_after_a_reassignment(
    session: Session, people: People, case: ServiceRequest
) -> None:
    instruction = ops.write_instruction(session, people.director, case.id, "请跟进", now=TUESDAY_10)
    case.assignee_id = people.staff2.id
    session.commit()
    assert policy.may_acknowledge(people.staff, instruction) and policy.may_acknowledge(people.staff2, instruction)
    assert not policy.may_acknowledge(people.hub_staff, instruction)


def test_an_instruction_on_an_unassigned_case_is_for_its_station_desk(
    session: Session, people: People, settings: DeskSettings
) -> None:
    fresh = submit(session, people, settings)
    instruction = ops.write_instruction(session, people.director, fresh.id, "请尽快分派", now=TUESDAY_10)
    assert policy.may_acknowledge(people.staff2, instruction)
    assert not policy.may_acknowledge(people.director, instruction)
    assert not policy.may_acknowledge(people.hub_staff, instruction)


def test_lists_and_counts(session: Session, people: People, case: ServiceRequest, settings: DeskSettings) -> None:
    other = triaged(session, people, settings)
    other.assignee_id = people.staff2.id
    session.commit()
    mine = ops.write_instruction(session, people.director, case.id, "给张三", now=TUESDAY_10)
    theirs = ops.write_instruction(session, people.hub_director, other.id, "给李四", now=TUESDAY_10)

    assert queries.open_count(session, people.staff) == 1 and queries.open_count(session, people.staff2) == 1
    staff_open, _ = queries.instructions_page(session, people.staff, acknowledged=False)
    assert staff_open == [mine]
    director_open, _ = queries.instructions_page(session, people.director, acknowledged=False)
    assert set(director_open) == {mine, theirs}
    own, _ = queries.instructions_page(session, people.director, acknowledged=False, mine=True)
    assert own == [mine]
    assert queries.instructions_page(session, people.other_staff, acknowledged=False)[0] == []

    ops.acknowledge_instruction(session, people.staff, mine.id, now=LATER)
    assert queries.open_count(session, people.staff) == 0
    assert queries.instructions_page(session, people.staff, acknowledged=True)[0] == [mine]
    panel = queries.instructions_panel(session, people.staff2, other)
    assert panel is not None and panel.acknowledgeable == {theirs.id} and not panel.can_write
    assert queries.instructions_panel(session, people.owner, other) is None
    assert queries.instructions_panel(session, people.director, other).can_write
