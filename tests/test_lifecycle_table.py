"""The lifecycle table enforced through the operations: wrong state, wrong role, missing requirement."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from service.errors import Forbidden, InvalidTransition, NotFound, ValidationError
from service.models import Event, EventKind, Message, Role, ServiceRequest, Status
from service.operations.requests import add_message
from service.rules import lifecycle
from service.rules.lifecycle import Action
from tests.factories import People
from tests.request_helpers import TUESDAY_10, act, active_plan, in_status

FULL_INPUTS = dict(reason="原因", summary="处理结果", message="请补充资料", rating=4)
BUTTONS = [t for t in lifecycle.TRANSITIONS.values() if t.button]


def snapshot(session, request: ServiceRequest) -> tuple:
    session.expire_all()
    fresh = session.get(ServiceRequest, request.id)
    events = session.scalar(select(func.count(Event.id)).where(Event.request_id == request.id))
    messages = session.scalar(select(func.count(Message.id)).where(Message.request_id == request.id))
    return (
        fresh.status,
        fresh.version,
        events,
        messages,
        fresh.resolution_summary,
        fresh.waiting_since,
        fresh.first_responded_at,
        fresh.rating,
    )


def _actor_for(people: People, transition: lifecycle.Transition):
    return people.owner if Role.ENTERPRISE in transition.roles else people.staff


ILLEGAL = [(status, t.action) for status in Status for t in BUTTONS if status not in t.sources]


@pytest.mark.parametrize(("status", "action"), ILLEGAL, ids=[f"{s.value}-{a.value}" for s, a in ILLEGAL])
def test_every_illegal_transition_is_refused_and_changes_nothing(
    session, people: People, settings, status, action
) -> None:
    request = in_status(session, people, settings, status)
    request.plan_id = active_plan(session, people).id
    session.commit()
    before = snapshot(session, request)
    with pytest.raises(InvalidTransition):
        act(
            session,
            _actor_for(people, lifecycle.TRANSITIONS[action]),
            request,
            action,
            settings,
            TUESDAY_10 + timedelta(hours=1),
            **FULL_INPUTS,
        )
    assert snapshot(session, request) == before


# In the order of Status, not of a set: every pytest-xdist worker must collect the same list.
WRONG_ROLE = [(status, t.action) for t in BUTTONS for status in Status if status in t.sources]


@pytest.mark.parametrize(("status", "action"), WRONG_ROLE, ids=[f"{s.value}-{a.value}" for s, a in WRONG_ROLE])
def test_the_other_side_cannot_take_a_step(session, people: People, settings, status, action) -> None:
    request = in_status(session, people, settings, status)
    transition = lifecycle.TRANSITIONS[action]
    wrong = people.staff if Role.ENTERPRISE in transition.roles else people.owner
    before = snapshot(session, request)
    with pytest.raises(InvalidTransition):
        act(session, wrong, request, action, settings, **FULL_INPUTS)
    assert snapshot(session, request) == before


def test_outsiders_get_not_found_and_admins_cannot_act(session, people: People, settings) -> None:
    request = in_status(session, people, settings, Status.TRIAGED)
    before = snapshot(session, request)
    for outsider in (people.other_enterprise, people.other_staff):
        with pytest.raises(NotFound):
            act(session, outsider, request, Action.RESOLVE, settings, summary="越权")
    with pytest.raises(InvalidTransition):
        act(session, people.admin, request, Action.RESOLVE, settings, summary="管理员")
    assert snapshot(session, request) == before


NEEDS = [
    (Status.TRIAGED, Action.RESOLVE, {"summary": "  "}, ValidationError),
    (Status.SUBMITTED, Action.DECLINE, {}, ValidationError),
    (Status.TRIAGED, Action.WITHDRAW, {"reason": ""}, ValidationError),
    (Status.TRIAGED, Action.REQUEST_INFO, {"message": " "}, ValidationError),
    (Status.RESOLVED, Action.CONFIRM, {}, ValidationError),
    (Status.RESOLVED, Action.CONFIRM, {"rating": 6}, ValidationError),
    (Status.RESOLVED, Action.CONFIRM, {"rating": 0}, ValidationError),
    (Status.RESOLVED, Action.REOPEN, {}, ValidationError),
    (Status.TRIAGED, Action.START_GUIDANCE, {}, InvalidTransition),
]


@pytest.mark.parametrize(
    ("status", "action", "inputs", "error"), NEEDS, ids=[f"{a.value}-{i}" for _, a, i, _e in NEEDS]
)
def test_missing_requirements_are_refused(session, people: People, settings, status, action, inputs, error) -> None:
    request = in_status(session, people, settings, status)
    before = snapshot(session, request)
    with pytest.raises(error):
        act(session, _actor_for(people, lifecycle.TRANSITIONS[action]), request, action, settings, **inputs)
    assert snapshot(session, request) == before


def test_reopen_only_within_the_window(session, people: People, settings) -> None:
    request = in_status(session, people, settings, Status.RESOLVED)
    late = TUESDAY_10 + timedelta(days=settings.reopen_window_days, minutes=1)
    with pytest.raises(InvalidTransition, match="passed"):
        act(session, people.owner, request, Action.REOPEN, settings, late, reason="问题仍在")
    reopened = act(
        session, people.owner, request, Action.REOPEN, settings, TUESDAY_10 + timedelta(days=3), reason="问题仍在"
    )
    assert reopened.status == Status.TRIAGED
    # The result no longer stands (its reopening's event keeps it: test_results_visits).
    assert reopened.resolution_summary is None and reopened.resolved_at is None


def test_non_button_actions_are_not_offered_through_take_action(session, people: People, settings) -> None:
    submitted = in_status(session, people, settings, Status.SUBMITTED)
    with pytest.raises(InvalidTransition):
        act(session, people.staff, submitted, Action.TRIAGE, settings)
    waiting = in_status(session, people, settings, Status.WAITING_ENTERPRISE)
    with pytest.raises(InvalidTransition):
        act(session, people.owner, waiting, Action.ENTERPRISE_ANSWERS, settings, message="答复")
    resolved = in_status(session, people, settings, Status.RESOLVED)
    with pytest.raises(InvalidTransition):
        act(session, people.staff, resolved, Action.AUTO_CLOSE, settings)


def test_guidance_needs_the_enterprises_active_plan(session, people: People, settings) -> None:
    request = in_status(session, people, settings, Status.EARLY_INTERVENTION)
    with pytest.raises(InvalidTransition, match="plan"):
        act(session, people.staff, request, Action.START_GUIDANCE, settings)
    request.plan_id = active_plan(session, people).id
    session.commit()
    assert act(session, people.staff, request, Action.START_GUIDANCE, settings).status == Status.GUIDANCE


def test_the_working_path_and_its_public_events(session, people: People, settings) -> None:
    request = in_status(session, people, settings, Status.EARLY_INTERVENTION)
    request = act(session, people.staff, request, Action.REQUEST_INFO, settings, message="请补充临床数据")
    assert request.status == Status.WAITING_ENTERPRISE and request.resume_status == Status.EARLY_INTERVENTION
    assert request.first_responded_at == TUESDAY_10  # the question counts as the first response
    add_message(session, people.colleague, request.id, "已上传", settings=settings, now=TUESDAY_10)
    session.refresh(request)
    assert request.status == Status.EARLY_INTERVENTION and request.waiting_since is None
    request = act(session, people.staff, request, Action.RESOLVE, settings, summary="已指导完成")
    request = act(session, people.owner, request, Action.CONFIRM, settings, rating=4, message="满意")
    assert (request.status, request.rating, request.rating_comment) == (Status.CLOSED, 4, "满意")
    kinds = session.scalars(
        select(Event.kind).where(Event.request_id == request.id, Event.public.is_(True)).order_by(Event.id)
    ).all()
    assert kinds.count(EventKind.STATUS_CHANGED) == 6 and kinds[-1] == EventKind.RATED
    assert kinds[0] == EventKind.CREATED


def test_internal_notes_are_for_the_desk_only(session, people: People, settings) -> None:
    request = in_status(session, people, settings, Status.TRIAGED)
    with pytest.raises(Forbidden):
        add_message(session, people.owner, request.id, "我想写内部备注", internal=True, settings=settings)


def test_closed_requests_take_no_more_public_replies(session, people: People, settings) -> None:
    request = in_status(session, people, settings, Status.CLOSED)
    with pytest.raises(InvalidTransition):
        add_message(session, people.owner, request.id, "还有问题", settings=settings)
    note = add_message(session, people.staff, request.id, "归档备注", internal=True, settings=settings)
    assert note.internal
