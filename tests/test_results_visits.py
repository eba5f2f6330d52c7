"""Closing with a result (办结) and its review by the station's head (审核); return visits (回访) and redos (重办)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.errors import Conflict, Forbidden, InvalidTransition, ValidationError
from service.models import (
    Event,
    EventKind,
    Notification,
    ResultCategory,
    ReturnVisit,
    Satisfaction,
    ServiceRequest,
    Status,
    VisitChannel,
)
from service.operations.requests import redo_request
from service.operations.visits import VisitInput, record_visit
from service.rules import lifecycle, policy, state_machine
from service.rules.lifecycle import Action
from service.rules.policy import PolicyAction
from service.store.settings import DeskSettings
from tests.factories import People
from tests.request_helpers import TUESDAY_10, act, in_status, review_results, triaged

DAY = timedelta(days=1)
REDO_DATE = date(2026, 4, 30)
LATER = TUESDAY_10 + 2 * DAY


def _fresh(session: Session, request_id: int) -> ServiceRequest:
    session.expire_all()
    found = session.get(ServiceRequest, request_id)
    assert found is not None
    return found


def _told(session: Session, request: ServiceRequest, user_id: int) -> list[str]:
    return [
        str(kind)
        for kind in session.scalars(
            select(Notification.kind).where(Notification.request_id == request.id, Notification.user_id == user_id)
        )
    ]


def test_a_result_has_a_category_and_an_explanation_needs_its_basis(
    session: Session, people: People, settings: DeskSettings
) -> None:
    request = triaged(session, people, settings)
    with pytest.raises(ValidationError) as refused:
        act(
            session,
            people.staff,
            request,
            Action.RESOLVE,
            settings,
            summary="已解释",
            result_category=ResultCategory.EXPLAINED,
        )
    assert "result_basis" in refused.value.fields
    assert _fresh(session, request.id).status == Status.TRIAGED
    resolved = act(
        session,
        people.staff,
        _fresh(session, request.id),
        Action.RESOLVE,
        settings,
        summary="该产品须按第三类管理。",
        result_category=ResultCategory.EXPLAINED,
        result_basis="《医疗器械分类目录》07-03",
    )
    assert resolved.status == Status.RESOLVED
    assert (resolved.result_category, resolved.resolution_summary, resolved.result_basis) == (
        ResultCategory.EXPLAINED,
        "该产品须按第三类管理。",
        "《医疗器械分类目录》07-03",
    )


def test_where_the_head_reviews_results_the_enterprise_is_told_only_on_approval(
    session: Session, people: People, settings: DeskSettings
) -> None:
    request = triaged(session, people, settings)
    review_results(session, request.station_id)
    before = len(_told(session, request, people.owner.id))
    waiting = act(session, people.staff, request, Action.RESOLVE, settings, summary="已答复")
    assert waiting.status == Status.REVIEW and waiting.resolved_at is None
    last = session.scalars(select(Event).where(Event.request_id == request.id).order_by(Event.id.desc())).first()
    assert last is not None and not last.public
    assert len(_told(session, waiting, people.owner.id)) == before
    assert EventKind.STATUS_CHANGED in _told(session, waiting, people.director.id)
    # Only a head decides; the officer cannot approve their own result.
    assert not state_machine.can(lifecycle.MACHINE, people.staff, waiting, Action.APPROVE_CLOSURE)
    with pytest.raises(InvalidTransition):
        act(session, people.staff, waiting, Action.APPROVE_CLOSURE, settings)

    approved = act(session, people.director, waiting, Action.APPROVE_CLOSURE, settings, TUESDAY_10 + DAY)
    assert approved.status == Status.RESOLVED and approved.resolved_at == TUESDAY_10 + DAY
    assert approved.result_category == ResultCategory.RESOLVED and approved.resolution_summary == "已答复"
    assert len(_told(session, approved, people.owner.id)) == before + 1
    assert EventKind.STATUS_CHANGED in _told(session, approved, people.staff.id)


def test_a_head_sends_a_result_back_with_a_comment(session: Session, people: People, settings: DeskSettings) -> None:
    waiting = in_status(session, people, settings, Status.REVIEW)
    before = len(_told(session, waiting, people.owner.id))
    with pytest.raises(ValidationError):
        act(session, people.director, waiting, Action.SEND_BACK_CLOSURE, settings, reason=" ")
    back = act(
        session, people.director, _fresh(session, waiting.id), Action.SEND_BACK_CLOSURE, settings, reason="请补充依据"
    )
    assert back.status == Status.TRIAGED and back.resolution_summary is None and back.result_category is None
    event = session.scalars(select(Event).where(Event.request_id == back.id).order_by(Event.id.desc())).first()
    assert event is not None and not event.public and event.data["reason"] == "请补充依据"
    assert len(_told(session, back, people.owner.id)) == before
    assert EventKind.STATUS_CHANGED in _told(session, back, people.staff.id)
    # Worked again, its resolution clock reminds again.
    assert back.resolution_remind_at is not None or back.resolution_due_at is not None


def test_a_visit_is_recorded_by_someone_other_than_the_handler_within_the_days(
    session: Session, people: People, settings: DeskSettings
) -> None:
    resolved = in_status(session, people, settings, Status.RESOLVED)
    unhappy = VisitInput(Satisfaction.UNSATISFIED, False, "企业认为答复笼统")
    assert not policy.may(people.staff, PolicyAction.REQUEST_RECORD_VISIT, resolved)  # the handler
    assert not policy.may(people.owner, PolicyAction.REQUEST_RECORD_VISIT, resolved)
    with pytest.raises(Forbidden):
        record_visit(session, people.staff, resolved.id, resolved.version, unhappy, settings=settings)
    with pytest.raises(ValidationError) as refused:
        record_visit(session, people.staff2, resolved.id, resolved.version, VisitInput(None, None), settings=settings)
    assert {"satisfaction", "solved"} <= set(refused.value.fields)
    with pytest.raises(InvalidTransition):
        record_visit(
            session,
            people.staff2,
            resolved.id,
            resolved.version,
            unhappy,
            settings=settings,
            now=TUESDAY_10 + 11 * DAY,
        )
    visit = record_visit(
        session, people.staff2, resolved.id, resolved.version, unhappy, settings=settings, now=TUESDAY_10 + DAY
    )
    assert (visit.channel, visit.satisfaction, visit.solved) == (VisitChannel.PHONE, Satisfaction.UNSATISFIED, False)
    request = _fresh(session, resolved.id)
    assert (request.satisfaction, request.visit_solved) == (Satisfaction.UNSATISFIED, False)
    assert EventKind.VISITED in _told(session, request, people.director.id)
    # Visited once per result.
    assert not policy.may(people.staff2, PolicyAction.REQUEST_RECORD_VISIT, request)


def test_the_enterprises_rating_is_its_online_visit(session: Session, people: People, settings: DeskSettings) -> None:
    resolved = in_status(session, people, settings, Status.RESOLVED)
    closed = act(session, people.owner, resolved, Action.CONFIRM, settings, rating=2, message="还有疑问")
    assert closed.status == Status.CLOSED and closed.rating == 2
    [visit] = session.scalars(select(ReturnVisit).where(ReturnVisit.request_id == closed.id))
    assert (visit.channel, visit.satisfaction, visit.solved, visit.comment) == (
        VisitChannel.ONLINE,
        Satisfaction.UNSATISFIED,
        None,
        "还有疑问",
    )
    assert closed.satisfaction == Satisfaction.UNSATISFIED
    happy = act(
        session, people.owner, in_status(session, people, settings, Status.RESOLVED), Action.CONFIRM, settings, rating=4
    )
    assert happy.satisfaction == Satisfaction.SATISFIED


def test_an_unsatisfying_result_is_redone_by_another_officer_towards_a_new_date(
    session: Session, people: People, settings: DeskSettings
) -> None:
    resolved = in_status(session, people, settings, Status.RESOLVED)
    redo = lifecycle.TRANSITIONS[Action.REDO]
    assert lifecycle.unavailable_reason(redo, resolved, lifecycle.Inputs(), TUESDAY_10) is not None
    with pytest.raises(InvalidTransition):
        redo_request(
            session, people.director, resolved.id, resolved.version, REDO_DATE, "重办", settings=settings, now=LATER
        )
    record_visit(
        session,
        people.staff2,
        resolved.id,
        resolved.version,
        VisitInput(Satisfaction.BASICALLY_SATISFIED, False),
        settings=settings,
        now=TUESDAY_10 + DAY,
    )
    request = _fresh(session, resolved.id)
    with pytest.raises(InvalidTransition):  # only a head
        redo_request(
            session, people.staff2, request.id, request.version, REDO_DATE, "重办", settings=settings, now=LATER
        )
    with pytest.raises(ValidationError) as refused:
        redo_request(
            session,
            people.director,
            request.id,
            request.version,
            date(2026, 3, 1),
            "重办",
            settings=settings,
            now=LATER,
        )
    assert "due_date" in refused.value.fields
    with pytest.raises(ValidationError):
        redo_request(
            session, people.director, request.id, request.version, REDO_DATE, " ", settings=settings, now=LATER
        )

    seen = request.version
    redone = redo_request(
        session,
        people.director,
        request.id,
        seen,
        REDO_DATE,
        "请当面答复企业疑问",
        assignee_id=people.staff2.id,
        settings=settings,
        now=LATER,
    )
    assert redone.status == Status.TRIAGED and redone.redo_count == 1
    assert redone.assignee_id == people.staff2.id and redone.sign_for_due_at is not None
    assert redone.resolution_due_at is not None and redone.resolution_due_at.date() == REDO_DATE
    assert redone.resolution_remind_at is not None and redone.resolution_remind_at < redone.resolution_due_at
    assert redone.satisfaction is None and redone.resolved_at is None
    assert EventKind.STATUS_CHANGED in _told(session, redone, people.owner.id)
    assert EventKind.ASSIGNED in _told(session, redone, people.staff2.id)
    with pytest.raises(Conflict):
        redo_request(session, people.director, request.id, seen, REDO_DATE, "重办", settings=settings, now=LATER)


def test_the_visit_days_are_a_setting(session: Session, people: People, settings: DeskSettings) -> None:
    resolved = in_status(session, people, settings, Status.RESOLVED)
    longer = replace(settings, return_visit_days=30)
    visit = record_visit(
        session,
        people.director,
        resolved.id,
        resolved.version,
        VisitInput(Satisfaction.VERY_SATISFIED, True),
        settings=longer,
        now=TUESDAY_10 + 20 * DAY,
    )
    assert visit.satisfaction == Satisfaction.VERY_SATISFIED


def _earlier_results(session: Session, request: ServiceRequest) -> list[dict[str, object]]:
    events = session.scalars(select(Event).where(Event.request_id == request.id).order_by(Event.id))
    return [event.data["earlier_result"] for event in events if "earlier_result" in (event.data or {})]


def test_a_redone_result_is_no_longer_the_requests_result_and_its_redo_keeps_it(
    session: Session, people: People, settings: DeskSettings
) -> None:
    request = act(
        session,
        people.staff,
        triaged(session, people, settings),
        Action.RESOLVE,
        settings,
        summary="该产品须按第三类管理。",
        result_category=ResultCategory.EXPLAINED,
        result_basis="《医疗器械分类目录》07-03",
    )
    record_visit(
        session,
        people.staff2,
        request.id,
        request.version,
        VisitInput(Satisfaction.UNSATISFIED, False),
        settings=settings,
        now=TUESDAY_10 + DAY,
    )
    request = _fresh(session, request.id)
    redone = redo_request(
        session, people.director, request.id, request.version, REDO_DATE, "请补充分类依据", settings=settings, now=LATER
    )
    assert (redone.result_category, redone.resolution_summary, redone.result_basis) == (None, None, None)
    assert _earlier_results(session, redone) == [
        {"category": "explained", "text": "该产品须按第三类管理。", "basis": "《医疗器械分类目录》07-03"}
    ]
    again = act(session, people.staff, redone, Action.RESOLVE, settings, LATER + DAY, summary="已书面答复分类依据")
    assert again.resolution_summary == "已书面答复分类依据" and len(_earlier_results(session, again)) == 1


def test_a_reopened_result_is_kept_on_the_timeline_only(
    session: Session, people: People, settings: DeskSettings
) -> None:
    resolved = in_status(session, people, settings, Status.RESOLVED)
    reopened = act(session, people.owner, resolved, Action.REOPEN, settings, TUESDAY_10 + DAY, reason="问题仍在")
    assert reopened.status == Status.TRIAGED and reopened.resolution_summary is None
    assert _earlier_results(session, reopened) == [{"category": "resolved", "text": "已答复", "basis": None}]


def test_closing_a_result_leaves_it_the_requests_result(
    session: Session, people: People, settings: DeskSettings
) -> None:
    closed = in_status(session, people, settings, Status.CLOSED)
    assert closed.resolution_summary == "已答复" and _earlier_results(session, closed) == []
