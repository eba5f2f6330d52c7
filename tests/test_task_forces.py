"""Task forces: for a plan or a request, members from any station and external experts, who sees and
who runs them, and "my task forces"."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.errors import Forbidden, InvalidTransition, NotFound, ValidationError
from service.models import Event, EventKind, TaskForceStatus
from service.operations import plans, task_forces
from service.operations.task_forces import Expert, TaskForceFields
from service.queries import task_forces as tf_queries
from service.rules import policy
from service.rules.policy import PolicyAction
from tests.plan_helpers import active_plan, make_request
from tests.request_helpers import People, people  # noqa: F401 - fixture


def _fields(people: People, **changes: object) -> TaskForceFields:
    values: dict[str, object] = dict(name="影像AI注册专班", purpose="攻关临床评价与审评问题", lead_id=people.staff.id)
    values.update(changes)
    return TaskForceFields(**values)  # type: ignore[arg-type]


def test_a_plan_task_force_with_staff_and_an_expert(session: Session, people: People) -> None:
    plan = active_plan(session, people)
    team = task_forces.create_task_force(session, people.staff, _fields(people), plan_id=plan.id)
    assert (team.station_id, team.lead_id, team.status) == (plan.station_id, people.staff.id, TaskForceStatus.ACTIVE)
    task_forces.add_staff_member(session, people.staff, team.id, people.other_staff.id)
    expert = task_forces.add_expert(session, people.staff, team.id, Expert("王教授", "吉林大学第一医院", "医学影像"))
    assert [(m.user_id, m.external_name) for m in team.members] == [(people.other_staff.id, None), (None, "王教授")]
    assert expert.affiliation == "吉林大学第一医院" and expert.field == "医学影像"
    changes = [
        e.data["change"]
        for e in session.scalars(
            select(Event).where(Event.plan_id == plan.id, Event.kind == EventKind.TASK_FORCE_CHANGED).order_by(Event.id)
        )
    ]
    assert changes == ["created", "member_added", "member_added"]


def test_member_checks(session: Session, people: People) -> None:
    plan = active_plan(session, people)
    team = task_forces.create_task_force(session, people.staff, _fields(people), plan_id=plan.id)
    task_forces.add_staff_member(session, people.staff, team.id, people.staff2.id)
    for user_id in (people.staff2.id, people.staff.id, people.owner.id, None):  # twice, the lead, an enterprise, none
        with pytest.raises(ValidationError):
            task_forces.add_staff_member(session, people.staff, team.id, user_id)
    with pytest.raises(ValidationError) as missing:
        task_forces.add_expert(session, people.staff, team.id, Expert("李专家", " "))
    assert set(missing.value.fields) == {"affiliation"}
    with pytest.raises(ValidationError) as far_lead:
        task_forces.create_task_force(
            session, people.staff, _fields(people, lead_id=people.other_staff.id), plan_id=plan.id
        )
    assert set(far_lead.value.fields) == {"lead_id"}


def test_a_request_task_force_goes_on_the_requests_timeline(session: Session, people: People) -> None:
    request = make_request(session, people.enterprise, people.owner)
    team = task_forces.create_task_force(session, people.director, _fields(people), request_id=request.id)
    assert (team.request_id, team.plan_id) == (request.id, None)
    event = session.scalars(
        select(Event).where(Event.request_id == request.id, Event.kind == EventKind.TASK_FORCE_CHANGED)
    ).one()
    assert event.public is False
    assert [t.id for t in tf_queries.task_forces_of_request(session, request.id)] == [team.id]
    with pytest.raises(NotFound):
        task_forces.create_task_force(session, people.other_staff, _fields(people), request_id=request.id)
    with pytest.raises(Forbidden):
        task_forces.create_task_force(session, people.owner, _fields(people), request_id=request.id)


def test_no_new_task_force_on_a_finished_plan(session: Session, people: People) -> None:
    plan = active_plan(session, people)
    plans.change_plan_status(session, people.director, plan.id, plans.PlanAction.COMPLETE, None)
    with pytest.raises(InvalidTransition):
        task_forces.create_task_force(session, people.staff, _fields(people), plan_id=plan.id)


def test_members_elsewhere_see_but_do_not_run_it(session: Session, people: People) -> None:
    plan = active_plan(session, people)
    team = task_forces.create_task_force(session, people.staff, _fields(people), plan_id=plan.id)
    task_forces.add_staff_member(session, people.staff, team.id, people.other_staff.id)
    assert tf_queries.get_task_force(session, people.other_staff, team.id).id == team.id
    with pytest.raises(Forbidden):
        task_forces.add_expert(session, people.other_staff, team.id, Expert("某专家", "某研究院"))
    for outsider in (people.other_director, people.owner):  # task forces are internal to the stations
        with pytest.raises(NotFound):
            tf_queries.get_task_force(session, outsider, team.id)


def test_a_lead_from_the_hub_runs_it_and_may_close_it(session: Session, people: People) -> None:
    plan = active_plan(session, people)
    team = task_forces.create_task_force(
        session, people.staff, _fields(people, lead_id=people.hub_staff.id), plan_id=plan.id
    )
    closed = task_forces.update_task_force(
        session, people.hub_staff, team.id, _fields(people, lead_id=people.hub_staff.id, status=TaskForceStatus.CLOSED)
    )
    assert closed.status == TaskForceStatus.CLOSED
    last = session.scalars(select(Event).where(Event.plan_id == plan.id).order_by(Event.id.desc())).first()
    assert last.data["change"] == "closed"


def test_removing_a_member(session: Session, people: People) -> None:
    plan = active_plan(session, people)
    team = task_forces.create_task_force(session, people.staff, _fields(people), plan_id=plan.id)
    member = task_forces.add_staff_member(session, people.staff, team.id, people.other_staff.id)
    with pytest.raises(Forbidden):  # a member from elsewhere cannot take people off
        task_forces.remove_member(session, people.other_staff, member.id)
    task_forces.remove_member(session, people.staff, member.id)
    assert team.members == []
    with pytest.raises(NotFound):
        tf_queries.get_task_force(session, people.other_staff, team.id)


def test_my_task_forces_lists_those_led_or_joined(session: Session, people: People) -> None:
    plan = active_plan(session, people)
    led = task_forces.create_task_force(session, people.staff, _fields(people, name="甲"), plan_id=plan.id)
    joined = task_forces.create_task_force(
        session, people.staff, _fields(people, name="乙", lead_id=people.staff2.id), plan_id=plan.id
    )
    task_forces.add_staff_member(session, people.staff2, joined.id, people.staff.id)
    task_forces.create_task_force(
        session, people.staff, _fields(people, name="丙", lead_id=people.staff2.id), plan_id=plan.id
    )
    assert {t.id for t in tf_queries.my_task_forces(session, people.staff)} == {led.id, joined.id}
    assert tf_queries.my_task_forces(session, people.other_staff) == []


def test_a_member_from_another_station_opens_what_the_task_force_serves_with_a_members_rights(
    session: Session, people: People
) -> None:
    plan = active_plan(session, people)
    request = make_request(session, people.enterprise, people.owner)
    outsider = people.other_staff  # works at JL-TH; the plan and the request are JL-CCND's
    for action, target in ((PolicyAction.PLAN_VIEW, plan), (PolicyAction.REQUEST_VIEW, request)):
        with pytest.raises(NotFound):
            policy.authorize(outsider, action, target)
    plan_team = task_forces.create_task_force(session, people.staff, _fields(people), plan_id=plan.id)
    request_team = task_forces.create_task_force(session, people.staff, _fields(people), request_id=request.id)
    task_forces.add_staff_member(session, people.staff, plan_team.id, outsider.id)
    task_forces.add_staff_member(session, people.staff, request_team.id, outsider.id)
    session.expire_all()
    for action, target in (
        (PolicyAction.PLAN_VIEW, plan),
        (PolicyAction.PLAN_VIEW_INTERNAL, plan),
        (PolicyAction.REQUEST_VIEW, request),
        (PolicyAction.REQUEST_VIEW_INTERNAL, request),
        (PolicyAction.REQUEST_NOTE, request),
    ):
        policy.authorize(outsider, action, target)
    for action, target in (
        (PolicyAction.PLAN_EDIT, plan),
        (PolicyAction.PLAN_APPROVE, plan),
        (PolicyAction.REQUEST_TRIAGE, request),
        (PolicyAction.REQUEST_TRANSFER, request),
        (PolicyAction.REQUEST_TRANSITION, request),
    ):
        with pytest.raises(Forbidden):
            policy.authorize(outsider, action, target)
    # Everyone else from that station still finds nothing.
    with pytest.raises(NotFound):
        policy.authorize(people.other_director, PolicyAction.REQUEST_VIEW, request)
    # A closed task force opens nothing any more.
    task_forces.update_task_force(
        session, people.staff, request_team.id, _fields(people, status=TaskForceStatus.CLOSED)
    )
    session.expire_all()
    with pytest.raises(NotFound):
        policy.authorize(outsider, PolicyAction.REQUEST_VIEW, request)
