"""Milestones: overdue logic (in Shanghai dates), blocked needs a reason, reorder/drop/complete, the
progress view, and the overdue list in scope."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.errors import Conflict, Forbidden, InvalidTransition, NotFound, ValidationError
from service.models import Event, EventKind, Milestone, MilestonePhase, MilestoneStatus, PlanStatus
from service.operations import milestones, plans
from service.operations.milestones import MilestoneFields
from service.queries import plans as plan_queries
from service.rules.sla import MILESTONE_OVERDUE
from tests.plan_helpers import active_plan, draft_plan
from tests.request_helpers import People, people  # noqa: F401 - fixture

TODAY = date(2026, 3, 10)
YESTERDAY = TODAY - timedelta(days=1)


def _milestone(status: MilestoneStatus, due: date | None) -> Milestone:
    return Milestone(position=1, phase=MilestonePhase.TYPE_TESTING, title="", status=status, due_date=due)


@pytest.mark.parametrize(
    "status, due, overdue",
    [
        (MilestoneStatus.PLANNED, YESTERDAY, True),
        (MilestoneStatus.IN_PROGRESS, YESTERDAY, True),
        (MilestoneStatus.BLOCKED, YESTERDAY, True),
        (MilestoneStatus.DONE, YESTERDAY, False),
        (MilestoneStatus.PLANNED, TODAY, False),
        (MilestoneStatus.PLANNED, None, False),
    ],
)
def test_overdue_means_not_done_and_due_before_today(status: MilestoneStatus, due: date | None, overdue: bool) -> None:
    assert MILESTONE_OVERDUE.holds(_milestone(status, due), TODAY) is overdue


def test_today_is_the_date_in_shanghai() -> None:
    # 17:30 UTC on March 10 is already March 11 at the stations.
    assert plan_queries.local_today(datetime(2026, 3, 10, 17, 30, tzinfo=UTC)) == date(2026, 3, 11)
    assert plan_queries.local_today(datetime(2026, 3, 10, 15, 59, tzinfo=UTC)) == date(2026, 3, 10)


def test_progress_says_what_is_done_late_and_next() -> None:
    items = [
        _milestone(MilestoneStatus.DONE, YESTERDAY),
        _milestone(MilestoneStatus.IN_PROGRESS, YESTERDAY),
        _milestone(MilestoneStatus.BLOCKED, None),
        _milestone(MilestoneStatus.PLANNED, TODAY + timedelta(days=30)),
        _milestone(MilestoneStatus.PLANNED, None),
    ]
    for n, item in enumerate(items, 1):
        item.position = n
    result = plan_queries.progress(items, TODAY)
    assert [line.state for line in result.lines] == ["done", "late", "blocked", "next", "planned"]
    assert (result.done, result.total, result.late, result.percent) == (1, 5, 1, 20)
    assert plan_queries.progress([], TODAY).percent == 0


def test_blocked_needs_a_reason_and_leaving_blocked_clears_it(session: Session, people: People) -> None:
    plan = draft_plan(session, people)
    first = plan.milestones[0]
    with pytest.raises(ValidationError) as refused:
        milestones.update_milestone(
            session,
            people.staff,
            first.id,
            MilestoneFields(first.phase, status=MilestoneStatus.BLOCKED, blocked_reason=" "),
        )
    assert set(refused.value.fields) == {"blocked_reason"}
    blocked = milestones.update_milestone(
        session,
        people.staff,
        first.id,
        MilestoneFields(first.phase, status=MilestoneStatus.BLOCKED, blocked_reason="等待检验机构排期"),
    )
    assert (blocked.status, blocked.blocked_reason) == (MilestoneStatus.BLOCKED, "等待检验机构排期")
    moving = milestones.update_milestone(
        session,
        people.staff,
        first.id,
        MilestoneFields(first.phase, status=MilestoneStatus.IN_PROGRESS, blocked_reason="等待检验机构排期"),
    )
    assert (moving.status, moving.blocked_reason) == (MilestoneStatus.IN_PROGRESS, None)


def test_editing_sets_owner_due_date_notes_and_completion(session: Session, people: People) -> None:
    plan = draft_plan(session, people)
    first = plan.milestones[0]
    edited = milestones.update_milestone(
        session,
        people.staff,
        first.id,
        MilestoneFields(
            first.phase,
            title="样机设计定型",
            owner_id=people.staff2.id,
            due_date=TODAY,
            status=MilestoneStatus.DONE,
            notes="内部：设计评审已通过",
        ),
    )
    assert (edited.title, edited.owner_id, edited.due_date, edited.notes) == (
        "样机设计定型",
        people.staff2.id,
        TODAY,
        "内部：设计评审已通过",
    )
    assert edited.completed_at is not None
    with pytest.raises(ValidationError) as bad_owner:
        milestones.update_milestone(
            session, people.staff, first.id, MilestoneFields(first.phase, owner_id=people.other_staff.id)
        )
    assert set(bad_owner.value.fields) == {"owner_id"}


def test_an_edit_from_a_stale_copy_is_refused_and_changes_nothing(session: Session, people: People) -> None:
    plan = draft_plan(session, people)
    first = plan.milestones[0]
    seen = first.version
    saved = milestones.update_milestone(
        session, people.staff2, first.id, MilestoneFields(first.phase, notes="先保存的备注"), expected_version=seen
    )
    assert saved.version == seen + 1
    with pytest.raises(Conflict):
        milestones.update_milestone(
            session, people.staff, first.id, MilestoneFields(first.phase, notes="后保存的备注"), expected_version=seen
        )
    session.expire_all()
    assert session.get(Milestone, first.id).notes == "先保存的备注"
    updates = session.scalars(select(Event).where(Event.plan_id == plan.id, Event.kind == EventKind.MILESTONE_CHANGED))
    assert sum(e.data.get("change") == "updated" for e in updates) == 1


def test_add_move_complete_and_drop_are_on_the_timeline(session: Session, people: People) -> None:
    plan = plans.create_plan(
        session,
        people.staff,
        people.enterprise.id,
        _fields(people),
        [MilestonePhase.RD_DESIGN, MilestonePhase.TYPE_TESTING],
    )
    added = milestones.add_milestone(
        session, people.staff, plan.id, MilestoneFields(MilestonePhase.OTHER, title="生物学评价", due_date=TODAY)
    )
    assert added.position == 3
    milestones.move_milestone(session, people.staff, added.id, up=True)
    assert _order(session, plan.id) == ["rd_design", "other", "type_testing"]
    milestones.move_milestone(session, people.staff, plan.milestones[0].id, up=True)  # already first: no change
    milestones.move_milestone(session, people.staff, added.id, up=False)
    assert _order(session, plan.id) == ["rd_design", "type_testing", "other"]
    done = milestones.complete_milestone(session, people.staff, added.id)
    assert done.status == MilestoneStatus.DONE and done.completed_at is not None
    milestones.remove_milestone(session, people.staff, added.id)
    assert _order(session, plan.id) == ["rd_design", "type_testing"]
    changes = [
        e.data["change"]
        for e in session.scalars(
            select(Event).where(Event.plan_id == plan.id, Event.kind == EventKind.MILESTONE_CHANGED).order_by(Event.id)
        )
    ]
    assert changes == ["added", "moved_up", "moved_down", "completed", "removed"]


def _fields(people: People) -> plans.PlanFields:
    return plans.PlanFields(title="计划", goals="目标", products="", liaison_id=people.staff.id)


def _order(session: Session, plan_id: int) -> list[str]:
    session.expire_all()
    return [
        m.phase.value
        for m in session.scalars(select(Milestone).where(Milestone.plan_id == plan_id).order_by(Milestone.position))
    ]


def test_milestones_follow_the_plans_scope_and_freeze_with_it(session: Session, people: People) -> None:
    plan = active_plan(session, people)
    first = plan.milestones[0]
    with pytest.raises(NotFound):
        milestones.complete_milestone(session, people.other_staff, first.id)
    with pytest.raises(Forbidden):
        milestones.complete_milestone(session, people.owner, first.id)
    with pytest.raises(NotFound):
        milestones.add_milestone(session, people.other_director, plan.id, MilestoneFields(MilestonePhase.OTHER, "x"))
    plans.change_plan_status(session, people.director, plan.id, plans.PlanAction.COMPLETE, None)
    with pytest.raises(InvalidTransition):
        milestones.complete_milestone(session, people.staff, first.id)
    with pytest.raises(InvalidTransition):
        milestones.add_milestone(session, people.staff, plan.id, MilestoneFields(MilestonePhase.OTHER, "x"))


def test_overdue_list_holds_late_milestones_of_active_plans_in_scope(session: Session, people: People) -> None:
    plan = active_plan(session, people)
    late, done_late, due_today = plan.milestones[:3]
    for milestone, status, due in (
        (late, MilestoneStatus.IN_PROGRESS, YESTERDAY),
        (done_late, MilestoneStatus.DONE, YESTERDAY),
        (due_today, MilestoneStatus.PLANNED, TODAY),
    ):
        milestones.update_milestone(
            session, people.staff, milestone.id, MilestoneFields(milestone.phase, status=status, due_date=due)
        )
    draft = draft_plan(session, people, enterprise=people.other_enterprise.enterprise)
    milestones.update_milestone(
        session, people.staff, draft.milestones[0].id, MilestoneFields(draft.milestones[0].phase, due_date=YESTERDAY)
    )

    for user in (people.staff, people.director, people.hub_director):
        assert [m.id for m in plan_queries.overdue_milestones(session, user, TODAY, 10)] == [late.id]
        assert plan_queries.count_overdue_milestones(session, user, TODAY) == 1
    assert plan_queries.overdue_milestones(session, people.other_director, TODAY, 10) == []
    assert plan_queries.count_overdue_milestones(session, people.other_staff, TODAY) == 0
    # The next day, the milestone due today is late too.
    assert plan_queries.count_overdue_milestones(session, people.staff, TODAY + timedelta(days=1)) == 2
    assert plan.status == PlanStatus.ACTIVE
