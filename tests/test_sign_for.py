"""Sign-for (签收) and return (退回): an assignment or a transfer starts a clock on the working calendar; the
officer signs for the request or returns it with a reason, and the dispatcher hears of it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.demo import seed
from service.demo.seed_requests import seed_demo_requests
from service.errors import Conflict, Forbidden, ValidationError
from service.models import Event, EventKind, Notification, ReturnReason, ServiceRequest, Status
from service.operations.requests import assign_request, transfer_request
from service.operations.supervision import return_request, sign_for
from service.queries.requests import QueueFilters, queue_page
from service.rules import policy, sla
from service.rules.policy import PolicyAction
from service.store.settings import DeskSettings
from tests import factories
from tests.factories import People
from tests.request_helpers import TUESDAY_10, in_status

HOUR = timedelta(hours=1)


def _dispatched(session: Session, people: People, settings: DeskSettings) -> ServiceRequest:
    """A triaged request the station's staff member dispatched to a colleague at Tuesday 10:00."""
    request = in_status(session, people, settings, Status.TRIAGED)
    return assign_request(
        session, people.staff, request.id, request.version, people.staff2.id, settings=settings, now=TUESDAY_10
    )


def _kinds(session: Session, request: ServiceRequest) -> list[EventKind]:
    return list(session.scalars(select(Event.kind).where(Event.request_id == request.id).order_by(Event.id)))


def test_an_assignment_starts_the_sign_for_clock_in_working_hours(session: Session, people: People, settings) -> None:
    request = _dispatched(session, people, settings)
    # Four working hours from Tuesday 10:00 (lunch 12:00-13:00 does not count): 15:00 Shanghai, 07:00 UTC.
    assert request.sign_for_due_at == TUESDAY_10 + 5 * HOUR
    assert request.signed_for_at is None
    assert policy.may(people.staff2, PolicyAction.REQUEST_SIGN_FOR, request)
    assert not policy.may(people.staff, PolicyAction.REQUEST_SIGN_FOR, request)
    assert not policy.may(people.owner, PolicyAction.REQUEST_SIGN_FOR, request)


def test_taking_a_request_oneself_signs_for_it_at_once(session: Session, people: People, settings) -> None:
    request = in_status(session, people, settings, Status.TRIAGED)
    request = assign_request(
        session, people.staff2, request.id, request.version, people.staff2.id, settings=settings, now=TUESDAY_10
    )
    assert request.signed_for_at == TUESDAY_10 and request.sign_for_due_at is None
    assert not policy.may(people.staff2, PolicyAction.REQUEST_SIGN_FOR, request)


def test_the_officer_signs_for_it_and_the_timeline_says_so(session: Session, people: People, settings) -> None:
    request = _dispatched(session, people, settings)
    signed = sign_for(session, people.staff2, request.id, request.version, now=TUESDAY_10 + HOUR)
    assert signed.signed_for_at == TUESDAY_10 + HOUR
    assert EventKind.SIGNED_FOR in _kinds(session, signed)
    assert not policy.may(people.staff2, PolicyAction.REQUEST_SIGN_FOR, signed)
    with pytest.raises(Forbidden):
        sign_for(session, people.staff2, signed.id, signed.version)


def test_a_stale_sign_for_is_refused_and_changes_nothing(session: Session, people: People, settings) -> None:
    request = _dispatched(session, people, settings)
    seen = request.version
    return_request(session, people.staff2, request.id, seen, ReturnReason.NOT_MY_REMIT, "")
    with pytest.raises(Conflict):
        sign_for(session, people.staff2, request.id, seen)
    assert session.get(ServiceRequest, request.id).signed_for_at is None


def test_a_return_goes_back_to_the_dispatcher_unassigned_with_its_reason_counted(
    session: Session, people: People, settings
) -> None:
    request = _dispatched(session, people, settings)
    returned = return_request(
        session, people.staff2, request.id, request.version, ReturnReason.OUTSIDE_AREA, "企业在通化", now=TUESDAY_10
    )
    assert returned.assignee_id is None and returned.station_id == people.enterprise.station_id
    assert (returned.return_count, returned.return_reason, returned.return_note) == (
        1,
        ReturnReason.OUTSIDE_AREA,
        "企业在通化",
    )
    assert returned.sign_for_due_at is None
    [event] = session.scalars(select(Event).where(Event.request_id == request.id, Event.kind == EventKind.RETURNED))
    assert event.data["return_reason"] == "outside_area" and event.data["reason"] == "企业在通化"
    told = session.scalars(
        select(Notification.user_id).where(
            Notification.request_id == request.id, Notification.kind == EventKind.RETURNED
        )
    ).all()
    assert told == [people.staff.id]

    # Dispatched again, signed for: the count stays, the return's reason is dealt with.
    again = assign_request(
        session, people.staff, returned.id, returned.version, people.director.id, settings=settings, now=TUESDAY_10
    )
    assert again.sign_for_due_at is not None and again.return_reason == ReturnReason.OUTSIDE_AREA
    signed = sign_for(session, people.director, again.id, again.version, now=TUESDAY_10 + HOUR)
    assert signed.return_count == 1 and signed.return_reason is None


def test_other_needs_words_and_a_reason_must_be_chosen(session: Session, people: People, settings) -> None:
    request = _dispatched(session, people, settings)
    with pytest.raises(ValidationError) as refused:
        return_request(session, people.staff2, request.id, request.version, ReturnReason.OTHER, "  ")
    assert "note" in refused.value.fields
    with pytest.raises(ValidationError) as refused:
        return_request(session, people.staff2, request.id, request.version, None, "随便")
    assert "reason" in refused.value.fields
    assert session.get(ServiceRequest, request.id).return_count == 0


def test_a_transferred_request_is_signed_for_or_returned_by_the_receiving_station(
    session: Session, people: People, settings
) -> None:
    request = in_status(session, people, settings, Status.TRIAGED)
    tonghua = factories.station(session, "JL-TH")
    moved = transfer_request(
        session, people.staff, request.id, request.version, tonghua.id, "企业迁址", settings=settings, now=TUESDAY_10
    )
    assert moved.sign_for_due_at == TUESDAY_10 + 5 * HOUR
    assert policy.may(people.other_staff, PolicyAction.REQUEST_RETURN, moved)
    returned = return_request(
        session, people.other_staff, moved.id, moved.version, ReturnReason.OUTSIDE_AREA, "企业仍在长春", now=TUESDAY_10
    )
    # Back to the station that sent it, whose dispatcher chose wrongly.
    assert returned.station_id == people.enterprise.station_id and returned.assignee_id is None
    assert returned.return_count == 1
    assert not policy.may(people.other_staff, PolicyAction.REQUEST_VIEW, returned)


def test_sign_for_overdue_reads_the_same_in_sql_and_python(session: Session, people: People, settings) -> None:
    waiting = _dispatched(session, people, settings)
    signed = _dispatched(session, people, settings)
    signed = sign_for(session, people.staff2, signed.id, signed.version, now=TUESDAY_10 + HOUR)
    never = in_status(session, people, settings, Status.TRIAGED)
    ids = {waiting.id, signed.id, never.id}
    for now in (TUESDAY_10 + HOUR, TUESDAY_10 + 6 * HOUR):
        in_sql = set(
            session.scalars(
                select(ServiceRequest.id).where(ServiceRequest.id.in_(ids), sla.SIGN_FOR_OVERDUE.clause(now))
            )
        )
        in_python = {i for i in ids if sla.SIGN_FOR_OVERDUE.holds(session.get_one(ServiceRequest, i), now)}
        assert in_sql == in_python
    assert in_sql == {waiting.id}


def test_officers_see_what_waits_for_their_sign_for_and_late_ones_are_listed(
    session: Session, people: People, settings
) -> None:
    mine = _dispatched(session, people, settings)
    other = in_status(session, people, settings, Status.TRIAGED)
    # Dispatched at 13:00 Shanghai: due at 17:00, two working hours after ``mine``.
    other = assign_request(
        session, people.staff, other.id, other.version, people.director.id, settings=settings, now=TUESDAY_10 + 3 * HOUR
    )
    page = queue_page(session, people.staff2, QueueFilters(queue="to_sign"), cursor=None, now=TUESDAY_10)
    assert [r.id for r in page.items] == [mine.id]
    late = queue_page(session, people.staff, QueueFilters(queue="sign_overdue"), cursor=None, now=TUESDAY_10 + 6 * HOUR)
    assert [r.id for r in late.items] == [mine.id]
    assert sla.SIGN_FOR_OVERDUE.holds(mine, TUESDAY_10 + 6 * HOUR)
    assert not sla.SIGN_FOR_OVERDUE.holds(other, TUESDAY_10 + 6 * HOUR)


def test_the_demo_shows_returned_signed_for_awaiting_and_extended_requests(session: Session, settings) -> None:
    seed.seed_demo_accounts(session)
    seed_demo_requests(session, settings, now=TUESDAY_10)
    demo = list(session.scalars(select(ServiceRequest).where(ServiceRequest.idempotency_key.like("demo-%"))))
    assert any(r.return_count and r.assignee_id is None and r.return_reason for r in demo)
    assert any(r.signed_for_at and r.dispatched_by_id for r in demo)
    assert any(sla.AWAITING_SIGN_FOR.holds(r, TUESDAY_10) for r in demo)
    assert any(r.extension_count == 1 and r.extension_reason for r in demo)
    assert any(r.extension_pending for r in demo)
