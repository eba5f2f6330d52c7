"""What waits for each desk user, as queues (issue 23, item 9): the officer's requests falling due within a working
day or overdue, those under a supervision order (督办), the results to visit (待回访) for anyone but their handler;
each work queue counted for its tab, the results to review for a head."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from service.models import Satisfaction, ServiceRequest, Status, SupervisionOrder, SupervisionStatus
from service.operations.supervision_orders import OrderDraft, issue_order
from service.operations.visits import VisitInput, record_visit
from service.queries.requests import QueueFilters, queue_counts, queue_horizons, queue_page, work_queues
from service.store.settings import DeskSettings, service_times
from tests.factories import People
from tests.request_helpers import TUESDAY_10, in_status, submit, triaged

HOUR = timedelta(hours=1)


def _set(session: Session, request: ServiceRequest, **values: object) -> None:
    session.execute(update(ServiceRequest).where(ServiceRequest.id == request.id).values(**values))
    session.commit()


def _filters(session: Session, settings: DeskSettings, now: datetime, queue: str, **more: object) -> QueueFilters:
    horizons = queue_horizons(service_times(session, settings).calendar, now, settings.return_visit_days)
    return QueueFilters(queue=queue, **horizons, **more)  # type: ignore[arg-type]


def _ids(session: Session, settings: DeskSettings, user, now: datetime, queue: str, **more: object) -> list[int]:  # type: ignore[no-untyped-def]
    page = queue_page(session, user, _filters(session, settings, now, queue, **more), cursor=None, limit=200, now=now)
    return [r.id for r in page.items]


def test_the_due_queue_holds_the_readers_requests_due_within_a_working_day_or_overdue(
    session: Session, people: People, settings: DeskSettings
) -> None:
    # Tuesday 10:00: a working day on is Wednesday 10:00.
    now = TUESDAY_10
    soon, later, late, answered_late, theirs = (triaged(session, people, settings) for _ in range(5))
    for request, due in ((soon, now + 20 * HOUR), (later, now + 30 * HOUR), (late, now - HOUR), (theirs, now + HOUR)):
        _set(session, request, first_responded_at=now - 2 * HOUR, resolution_due_at=due)
    # Its first response is still to come, and overdue: that clock counts.
    _set(
        session,
        answered_late,
        first_responded_at=None,
        first_response_due_at=now - HOUR,
        resolution_due_at=now + 99 * HOUR,
    )
    _set(session, theirs, assignee_id=people.staff2.id)
    waiting = in_status(session, people, settings, Status.WAITING_ENTERPRISE)
    _set(session, waiting, resolution_due_at=now - HOUR)  # its clock stands still
    reviewed = in_status(session, people, settings, Status.REVIEW)
    _set(session, reviewed, resolution_due_at=now - HOUR)  # the head has it

    assert set(_ids(session, settings, people.staff, now, "due")) == {soon.id, late.id, answered_late.id}
    # In the order of their resolution due times, as the desk shows the queue unless asked otherwise.
    assert _ids(session, settings, people.staff, now, "due", sort="due") == [late.id, soon.id, answered_late.id]
    assert _ids(session, settings, people.staff2, now, "due") == [theirs.id]


def test_the_supervised_queue_holds_the_readers_open_requests_under_an_order(
    session: Session, people: People, settings: DeskSettings
) -> None:
    watched, concluded, unassigned, theirs = (triaged(session, people, settings) for _ in range(4))
    _set(session, unassigned, assignee_id=None)
    _set(session, theirs, assignee_id=people.staff2.id)
    orders = {
        request.id: issue_order(
            session,
            people.director,
            OrderDraft("企业反映办理迟缓", "三日内报送落实情况", TUESDAY_10 + timedelta(days=3)),
            request_id=request.id,
            now=TUESDAY_10,
        )
        for request in (watched, concluded, unassigned, theirs)
    }
    session.get_one(SupervisionOrder, orders[concluded.id].id).status = SupervisionStatus.CLOSED
    session.commit()
    assert set(_ids(session, settings, people.staff, TUESDAY_10, "supervised")) == {watched.id, unassigned.id}
    assert set(_ids(session, settings, people.staff2, TUESDAY_10, "supervised")) == {theirs.id, unassigned.id}


def test_the_results_to_visit_are_everyones_but_their_handlers_within_the_visit_days(
    session: Session, people: People, settings: DeskSettings
) -> None:
    resolved = in_status(session, people, settings, Status.RESOLVED)  # at TUESDAY_10, handled by people.staff
    closed = in_status(session, people, settings, Status.CLOSED)  # rated by the enterprise: visited online
    visited = in_status(session, people, settings, Status.RESOLVED)
    record_visit(
        session,
        people.staff2,
        visited.id,
        visited.version,
        VisitInput(Satisfaction.SATISFIED, True),
        settings=settings,
        now=TUESDAY_10 + HOUR,
    )
    unrated = in_status(session, people, settings, Status.RESOLVED)
    _set(session, unrated, status=Status.CLOSED, closed_at=TUESDAY_10 + HOUR, assignee_id=None)
    in_status(session, people, settings, Status.TRIAGED)
    next_day = TUESDAY_10 + timedelta(days=1)

    assert closed.visited_at is not None
    assert set(_ids(session, settings, people.staff2, next_day, "to_visit")) == {resolved.id, unrated.id}
    assert _ids(session, settings, people.staff, next_day, "to_visit") == [unrated.id]
    past = TUESDAY_10 + timedelta(days=settings.return_visit_days, hours=1)
    assert _ids(session, settings, people.staff2, past, "to_visit") == []


def test_each_work_queue_is_counted_as_its_page_holds_it(
    session: Session, people: People, settings: DeskSettings
) -> None:
    in_status(session, people, settings, Status.RESOLVED)
    in_status(session, people, settings, Status.REVIEW)  # the station's head reviews results from now on
    submit(session, people, settings)
    now = TUESDAY_10 + timedelta(days=2)
    assert work_queues(people.staff) == ("to_sign", "due", "reminded", "supervised", "to_visit")
    assert work_queues(people.director)[-1] == "review"
    for user in (people.staff, people.staff2, people.director):
        filters = _filters(session, settings, now, "open")
        counts = queue_counts(session, user, filters, work_queues(user), 99, now)
        assert counts == {queue: len(_ids(session, settings, user, now, queue)) for queue in work_queues(user)}
    assert queue_counts(session, people.director, filters, ["review", "to_visit"], 99, now) == {
        "review": 1,
        "to_visit": 1,
    }
