"""Service plans: the one-active-plan constraint, the status table and its roles, editing, linking requests,
and the guidance rule of the request lifecycle."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.errors import Conflict, Forbidden, InvalidTransition, NotFound, ValidationError
from service.models import Event, EventKind, MilestonePhase, Notification, PlanStatus, ServicePlan, Status
from service.operations import plans
from service.queries import plans as plan_queries
from service.rules import lifecycle
from service.rules.plan_status import PlanAction, allowed_plan_actions
from service.rules.sla_calendar import WorkingCalendar
from tests.plan_helpers import active_plan, draft_plan, fields, make_request
from tests.request_helpers import People, people  # noqa: F401 - fixture

NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
CALENDAR = WorkingCalendar.from_setting("09:00-12:00,13:00-17:00", {})


def _events(session: Session, plan_id: int, kind: EventKind) -> list[Event]:
    return list(session.scalars(select(Event).where(Event.plan_id == plan_id, Event.kind == kind)))


# --- the database keeps one active plan per enterprise -------------------------------------------


def test_database_refuses_a_second_active_plan_for_one_enterprise(session: Session, people: People) -> None:
    def plan(status: PlanStatus) -> ServicePlan:
        return ServicePlan(
            enterprise_id=people.enterprise.id,
            station_id=people.enterprise.station_id,
            title="计划",
            goals="目标",
            created_by_id=people.staff.id,
            status=status,
        )

    session.add_all(
        [plan(PlanStatus.ACTIVE), plan(PlanStatus.DRAFT), plan(PlanStatus.COMPLETED), plan(PlanStatus.COMPLETED)]
    )
    session.flush()  # one active next to drafts and finished plans is fine
    with pytest.raises(IntegrityError), session.begin_nested():
        session.add(plan(PlanStatus.ACTIVE))
        session.flush()
    other_company = ServicePlan(
        enterprise_id=people.other_enterprise.enterprise.id,
        station_id=people.enterprise.station_id,
        title="计划",
        goals="目标",
        created_by_id=people.staff.id,
        status=PlanStatus.ACTIVE,
    )
    session.add(other_company)
    session.flush()  # another enterprise has its own active plan


def test_approving_a_second_plan_is_refused_clearly_and_changes_nothing(session: Session, people: People) -> None:
    first = active_plan(session, people, title="第一个计划")
    second = draft_plan(session, people, title="第二个计划")
    with pytest.raises(Conflict) as refused:
        plans.change_plan_status(
            session, people.director, second.id, PlanAction.APPROVE, second.version, comment="同意。"
        )
    assert "第一个计划" in str(refused.value)
    session.expire_all()
    assert session.get(ServicePlan, first.id).status == PlanStatus.ACTIVE
    second = session.get(ServicePlan, second.id)
    assert (second.status, second.approved_by_id, second.approved_at) == (PlanStatus.DRAFT, None, None)
    assert _events(session, second.id, EventKind.PLAN_STATUS_CHANGED) == []
    # Once the first one is completed, the second may go ahead.
    plans.change_plan_status(session, people.director, first.id, PlanAction.COMPLETE, None)
    approved = plans.change_plan_status(
        session, people.director, second.id, PlanAction.APPROVE, second.version, comment="同意。"
    )
    assert approved.status == PlanStatus.ACTIVE


# --- the status table and who may take each step --------------------------------------------------


def test_director_in_scope_approves_and_the_approval_is_recorded(session: Session, people: People) -> None:
    plan = draft_plan(session, people)
    approved = plans.change_plan_status(
        session, people.director, plan.id, PlanAction.APPROVE, plan.version, now=NOW, comment="同意。"
    )
    assert approved.status == PlanStatus.ACTIVE
    assert (approved.approved_by_id, approved.approved_at) == (people.director.id, NOW)
    [event] = _events(session, plan.id, EventKind.PLAN_STATUS_CHANGED)
    assert event.data == {"action": "approve", "from": "draft", "to": "active", "comment": "同意。"}
    assert event.public is False and event.actor_id == people.director.id


# The owner enterprise does not see a draft at all (as on its pages), so it cannot learn that one exists.
@pytest.mark.parametrize(
    "who, error",
    [("staff", Forbidden), ("owner", NotFound), ("other_director", NotFound), ("other_enterprise", NotFound)],
)
def test_only_a_director_in_scope_may_approve(session: Session, people: People, who: str, error: type) -> None:
    plan = draft_plan(session, people)
    with pytest.raises(error):
        plans.change_plan_status(
            session, getattr(people, who), plan.id, PlanAction.APPROVE, plan.version, comment="同意。"
        )
    session.expire_all()
    assert session.get(ServicePlan, plan.id).status == PlanStatus.DRAFT


def test_the_provincial_director_approves_any_station_plan(session: Session, people: People) -> None:
    plan = draft_plan(session, people)
    assert (
        plans.change_plan_status(
            session, people.hub_director, plan.id, PlanAction.APPROVE, None, comment="同意。"
        ).status
        == PlanStatus.ACTIVE
    )


def test_completing_and_archiving_follow_the_table(session: Session, people: People) -> None:
    plan = draft_plan(session, people)
    with pytest.raises(InvalidTransition):
        plans.change_plan_status(session, people.director, plan.id, PlanAction.COMPLETE, None)
    plans.change_plan_status(session, people.director, plan.id, PlanAction.APPROVE, None, comment="同意。")
    with pytest.raises(Forbidden):
        plans.change_plan_status(session, people.staff, plan.id, PlanAction.COMPLETE, None)
    with pytest.raises(InvalidTransition):  # staff may discard drafts only
        plans.change_plan_status(session, people.staff, plan.id, PlanAction.DISCARD, None)
    done = plans.change_plan_status(session, people.director, plan.id, PlanAction.COMPLETE, None)
    assert done.status == PlanStatus.COMPLETED
    with pytest.raises(InvalidTransition):
        plans.change_plan_status(session, people.director, plan.id, PlanAction.ARCHIVE, None)

    other = active_plan(session, people)
    assert (
        plans.change_plan_status(session, people.director, other.id, PlanAction.ARCHIVE, None).status
        == PlanStatus.ARCHIVED
    )


def test_staff_discard_a_draft(session: Session, people: People) -> None:
    plan = draft_plan(session, people)
    assert (
        plans.change_plan_status(session, people.staff, plan.id, PlanAction.DISCARD, None).status == PlanStatus.ARCHIVED
    )


def test_buttons_follow_role_and_status(session: Session, people: People) -> None:
    plan = draft_plan(session, people)
    actions = lambda user: {t.action for t in allowed_plan_actions(user, plan)}  # noqa: E731
    assert actions(people.director) == {PlanAction.APPROVE, PlanAction.RETURN, PlanAction.DISCARD}
    assert actions(people.staff) == {PlanAction.DISCARD}
    assert actions(people.owner) == set() and actions(people.other_director) == set()
    plans.change_plan_status(session, people.director, plan.id, PlanAction.APPROVE, None, comment="同意。")
    assert actions(people.director) == {PlanAction.COMPLETE, PlanAction.ARCHIVE}
    assert actions(people.staff) == set()


def test_a_stale_status_change_is_a_conflict(session: Session, people: People) -> None:
    plan = draft_plan(session, people)
    with pytest.raises(Conflict):
        plans.change_plan_status(
            session, people.director, plan.id, PlanAction.APPROVE, plan.version - 1, comment="同意。"
        )


# --- drafting and editing ---------------------------------------------------------------------------


def test_a_draft_gets_the_chosen_phases_in_process_order(session: Session, people: People) -> None:
    plan = plans.create_plan(
        session,
        people.staff,
        people.enterprise.id,
        fields(people),
        [MilestonePhase.APPROVAL, MilestonePhase.RD_DESIGN, MilestonePhase.OTHER],
    )
    assert [m.phase for m in plan.milestones] == [
        MilestonePhase.RD_DESIGN,
        MilestonePhase.APPROVAL,
        MilestonePhase.OTHER,
    ]
    assert [m.position for m in plan.milestones] == [1, 2, 3]
    assert (plan.status, plan.station_id, plan.created_by_id) == (
        PlanStatus.DRAFT,
        people.enterprise.station_id,
        people.staff.id,
    )
    assert len(_events(session, plan.id, EventKind.PLAN_CREATED)) == 1
    assert len(draft_plan(session, people).milestones) == len(plans.STANDARD_PHASES)


def test_drafting_checks_scope_role_and_liaison(session: Session, people: People) -> None:
    with pytest.raises(NotFound):
        plans.create_plan(
            session, people.other_staff, people.enterprise.id, fields(people, liaison_id=people.other_staff.id)
        )
    with pytest.raises(Forbidden):
        plans.create_plan(session, people.owner, people.enterprise.id, fields(people))
    with pytest.raises(ValidationError) as bad_liaison:
        plans.create_plan(session, people.staff, people.enterprise.id, fields(people, liaison_id=people.other_staff.id))
    assert set(bad_liaison.value.fields) == {"liaison_id"}
    with pytest.raises(ValidationError) as blank:
        plans.create_plan(session, people.staff, people.enterprise.id, fields(people, title="  "))
    assert set(blank.value.fields) == {"title"}
    hub_liaison = plans.create_plan(
        session, people.staff, people.enterprise.id, fields(people, liaison_id=people.hub_staff.id)
    )
    assert hub_liaison.liaison_id == people.hub_staff.id
    assert (
        session.scalar(select(func.count(ServicePlan.id)).where(ServicePlan.enterprise_id == people.enterprise.id)) == 1
    )


def test_editing_uses_the_version_and_records_what_changed(session: Session, people: People) -> None:
    plan = draft_plan(session, people)
    version = plan.version
    edited = plans.update_plan(
        session, people.staff2, plan.id, version, fields(people, goals="新的目标", liaison_id=people.staff2.id)
    )
    assert (edited.goals, edited.liaison_id) == ("新的目标", people.staff2.id)
    [event] = _events(session, plan.id, EventKind.PLAN_UPDATED)
    assert event.data == {"changed": ["goals", "liaison_id"]}
    with pytest.raises(Conflict):
        plans.update_plan(session, people.staff, plan.id, version, fields(people, goals="我的修改"))
    session.expire_all()
    assert session.get(ServicePlan, plan.id).goals == "新的目标"


def test_a_finished_plan_cannot_be_edited_and_outsiders_cannot_edit(session: Session, people: People) -> None:
    plan = active_plan(session, people)
    with pytest.raises(NotFound):
        plans.update_plan(session, people.other_staff, plan.id, None, fields(people))
    with pytest.raises(Forbidden):
        plans.update_plan(session, people.owner, plan.id, None, fields(people))
    plans.change_plan_status(session, people.director, plan.id, PlanAction.COMPLETE, None)
    with pytest.raises(InvalidTransition):
        plans.update_plan(session, people.staff, plan.id, None, fields(people, goals="改"))


# --- linking requests, and the guidance rule --------------------------------------------------------


def test_linking_a_request_records_an_internal_event(session: Session, people: People) -> None:
    plan = active_plan(session, people)
    request = make_request(session, people.enterprise, people.owner)
    linked = plans.link_request_to_plan(session, people.staff, request.id, plan.id, request.version)
    assert linked.plan_id == plan.id
    event = session.scalars(
        select(Event).where(Event.request_id == request.id, Event.kind == EventKind.PLAN_LINKED)
    ).one()
    assert (event.public, event.plan_id, event.data["linked_plan_id"]) == (False, plan.id, plan.id)
    unlinked = plans.link_request_to_plan(session, people.staff, request.id, None, linked.version)
    assert unlinked.plan_id is None


def test_only_an_open_plan_of_the_same_enterprise_can_be_linked(session: Session, people: People) -> None:
    foreign = active_plan(session, people, enterprise=people.other_enterprise.enterprise)
    discarded = draft_plan(session, people)
    plans.change_plan_status(session, people.staff, discarded.id, PlanAction.DISCARD, None)
    request = make_request(session, people.enterprise, people.owner)
    for plan_id in (foreign.id, discarded.id, 999_999):
        with pytest.raises(ValidationError):
            plans.link_request_to_plan(session, people.staff, request.id, plan_id, request.version)
    session.expire_all()
    assert session.get(type(request), request.id).plan_id is None


def test_linking_checks_scope_role_and_version(session: Session, people: People) -> None:
    plan = draft_plan(session, people)
    request = make_request(session, people.enterprise, people.owner)
    with pytest.raises(NotFound):
        plans.link_request_to_plan(session, people.other_staff, request.id, plan.id, request.version)
    with pytest.raises(Forbidden):
        plans.link_request_to_plan(session, people.owner, request.id, plan.id, request.version)
    with pytest.raises(Conflict):
        plans.link_request_to_plan(session, people.staff, request.id, plan.id, request.version + 1)


def test_a_request_under_guidance_keeps_an_active_plan(session: Session, people: People) -> None:
    plan = active_plan(session, people)
    draft = draft_plan(session, people)
    request = make_request(session, people.enterprise, people.owner, status=Status.GUIDANCE)
    request = plans.link_request_to_plan(session, people.staff, request.id, plan.id, request.version)
    for plan_id in (None, draft.id):
        with pytest.raises(ValidationError):
            plans.link_request_to_plan(session, people.staff, request.id, plan_id, request.version)


def _start_guidance(session: Session, people: People, request, plan) -> None:  # type: ignore[no-untyped-def]
    lifecycle.apply(
        session, request, lifecycle.Action.START_GUIDANCE, people.staff, NOW, CALENDAR, lifecycle.Inputs(plan=plan)
    )


def test_guidance_needs_the_enterprises_active_plan(session: Session, people: People) -> None:
    request = make_request(session, people.enterprise, people.owner, status=Status.EARLY_INTERVENTION)
    draft = draft_plan(session, people)
    foreign = active_plan(session, people, enterprise=people.other_enterprise.enterprise)
    for plan in (None, draft, foreign):
        with pytest.raises(InvalidTransition):
            _start_guidance(session, people, request, plan)
        assert request.status == Status.EARLY_INTERVENTION
    plan = plans.change_plan_status(session, people.director, draft.id, PlanAction.APPROVE, None, comment="同意。")
    _start_guidance(session, people, request, plan)
    assert request.status == Status.GUIDANCE


def test_approval_is_a_loop_with_a_comment_for_the_author_and_news_for_the_enterprise(
    session: Session, people: People
) -> None:
    plan = draft_plan(session, people)
    waiting = plan_queries.awaiting_approval_count(people.director)
    assert session.scalar(waiting) == 1
    with pytest.raises(ValidationError) as bare:
        plans.change_plan_status(session, people.director, plan.id, PlanAction.RETURN, plan.version, comment=" ")
    assert set(bare.value.fields) == {"comment"}
    returned = plans.change_plan_status(
        session, people.director, plan.id, PlanAction.RETURN, plan.version, comment="请补充临床评价里程碑。"
    )
    assert returned.status == PlanStatus.DRAFT and returned.returned_at is not None
    assert session.scalar(waiting) == 0  # back with its author
    told = session.scalars(select(Notification).where(Notification.user_id == people.staff.id)).all()
    assert [(n.kind, n.plan_id, n.data) for n in told] == [
        (EventKind.PLAN_RETURNED, plan.id, {"comment": "请补充临床评价里程碑。"})
    ]
    plans.update_plan(session, people.staff, plan.id, None, fields(people, title="修改后的计划"))
    assert session.scalar(waiting) == 1  # reworked: awaiting the decision again
    plans.change_plan_status(session, people.director, plan.id, PlanAction.APPROVE, None, comment="同意。")
    assert session.scalar(waiting) == 0
    enterprise_news = session.scalars(select(Notification).where(Notification.user_id == people.owner.id)).all()
    assert [(n.kind, n.plan_id) for n in enterprise_news] == [(EventKind.PLAN_APPROVED, plan.id)]
