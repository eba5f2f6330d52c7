"""Every SLA predicate answers the same in SQL (queues, counts, the sweep) and in Python (a page's badge)."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from sqlalchemy import select

from service.models import ServiceRequest, Status
from service.rules import sla
from tests.factories import People
from tests.request_helpers import TUESDAY_10, submit

NOW = TUESDAY_10 + timedelta(days=3)
BEFORE, AFTER = NOW - timedelta(hours=1), NOW + timedelta(hours=1)
PREDICATES = {
    "first_response_overdue": sla.FIRST_RESPONSE_OVERDUE,
    "resolution_overdue": sla.RESOLUTION_OVERDUE,
    "overdue": sla.OVERDUE,
    "responded_on_time": sla.RESPONDED_ON_TIME,
    "responded_late": sla.RESPONDED_LATE,
}


@pytest.mark.parametrize(
    "status",
    [Status.SUBMITTED, Status.GUIDANCE, Status.WAITING_ENTERPRISE, Status.RESOLVED],
    ids=lambda status: status.value,
)
def test_python_and_sql_forms_agree(session, people: People, settings, status: Status) -> None:
    request = submit(session, people, settings)
    request.status = status
    seen: dict[str, set[bool]] = {name: set() for name in PREDICATES}
    for responded, first_due, resolution_due in itertools.product(
        (None, BEFORE - timedelta(hours=1), AFTER), (None, BEFORE, NOW, AFTER), (None, BEFORE, AFTER)
    ):
        request.first_responded_at, request.first_response_due_at = responded, first_due
        request.resolution_due_at = resolution_due
        session.flush()
        for name, predicate in PREDICATES.items():
            in_sql = (
                session.scalar(select(ServiceRequest.id).where(ServiceRequest.id == request.id, predicate.clause(NOW)))
                is not None
            )
            assert predicate.holds(request, NOW) == in_sql, (name, responded, first_due, resolution_due)
            seen[name].add(in_sql)
    running = status not in (Status.WAITING_ENTERPRISE, Status.RESOLVED)
    # The cases tell both answers apart wherever the status leaves a choice.
    assert seen["overdue"] == ({True, False} if running else {False})
    assert seen["responded_late"] == {True, False}
