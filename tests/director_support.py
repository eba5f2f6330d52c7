"""Builders for the director's tests: cases with exactly the dates, states and ratings a test needs.

A case is submitted through the portal's operation on the day the test says; the state, dates and rating
that later steps would stamp with the time they ran are then written directly, so that a fixture can say
"submitted 40 days ago, answered late, resolved on a Monday".
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from service.models import Enterprise, Priority, ResultCategory, Role, Satisfaction, ServiceRequest, Status, User
from service.operations.requests import submit_request
from tests import factories
from tests.factories import People
from tests.request_helpers import draft
from tests.suite import suite_settings


def case(
    session: Session,
    enterprise: Enterprise,
    submitter: User,
    *,
    created_at: datetime,
    status: Status = Status.TRIAGED,
    title: str = "注册申报资料咨询",
    assignee: User | None = None,
    **fields: object,
) -> ServiceRequest:
    """A request of ``enterprise`` (``submitter`` is one of its contacts) submitted at ``created_at``, with
    ``status``, priority P3, no due times and ``fields`` as given."""
    assert submitter.enterprise_id == enterprise.id, "a contact submits for their own enterprise"
    made = submit_request(
        session, submitter, draft(title=title, description="需要指导。"), settings=suite_settings().desk, now=created_at
    )
    stated: dict[str, object] = {
        "status": status,
        "priority": Priority.P3,
        "assignee_id": assignee.id if assignee else None,
        "first_response_due_at": None,
        "resolution_due_at": None,
        "updated_at": created_at,
        **fields,
    }
    # One UPDATE of exactly these columns: no version bump, no updated_at of the time the test runs.
    session.execute(update(ServiceRequest).where(ServiceRequest.id == made.id).values(**stated))
    session.commit()
    return made


def station_id(session: Session, code: str) -> int:
    return factories.station(session, code).id


NOV_3 = datetime(2026, 11, 3, 2, 0, tzinfo=UTC)  # a Tuesday morning in Shanghai
HOUR = timedelta(hours=1)


def november_cases(session: Session, people: People) -> None:
    """The rates' cases: four requests of JL-CCND and one of JL-TH received in November 2026, and one of JL-CCND
    received in October and closed in November (the expected figures are in tests/test_rates.py)."""
    owner, enterprise = people.owner, people.enterprise
    case(  # signed for in time, closed on time as resolved, visited satisfied
        session,
        enterprise,
        owner,
        created_at=NOV_3,
        assignee=people.staff,
        status=Status.CLOSED,
        dispatched_by_id=people.director.id,
        sign_for_due_at=NOV_3 + 4 * HOUR,
        signed_for_at=NOV_3 + HOUR,
        resolution_due_at=NOV_3 + 100 * HOUR,
        resolved_at=NOV_3 + 50 * HOUR,
        result_category=ResultCategory.RESOLVED,
        visited_at=NOV_3 + 60 * HOUR,
        satisfaction=Satisfaction.BASICALLY_SATISFIED,
    )
    case(  # signed for late, returned once before, closed late after an extension and a redo, explained
        session,
        enterprise,
        owner,
        created_at=NOV_3,
        assignee=people.staff,
        status=Status.RESOLVED,
        dispatched_by_id=people.director.id,
        sign_for_due_at=NOV_3 + 4 * HOUR,
        signed_for_at=NOV_3 + 5 * HOUR,
        return_count=1,
        extension_count=1,
        redo_count=1,
        reminder_count=3,
        resolution_due_at=NOV_3 + 100 * HOUR,
        resolved_at=NOV_3 + 101 * HOUR,
        result_category=ResultCategory.EXPLAINED,
        visited_at=NOV_3 + 120 * HOUR,
        satisfaction=Satisfaction.UNSATISFIED,
    )
    case(  # taken by its officer himself: signed for at once; still open
        session,
        enterprise,
        owner,
        created_at=NOV_3,
        assignee=people.staff2,
        dispatched_by_id=people.staff2.id,
        signed_for_at=NOV_3 + HOUR,
    )
    case(  # never dispatched, but first answered in time
        session,
        enterprise,
        owner,
        created_at=NOV_3,
        first_response_due_at=NOV_3 + 8 * HOUR,
        first_responded_at=NOV_3 + 2 * HOUR,
        reminder_count=1,
    )
    case(  # October's: counts in November only by its result there
        session,
        enterprise,
        owner,
        created_at=NOV_3 - timedelta(days=10),
        assignee=people.staff,
        status=Status.RESOLVED,
        resolution_due_at=NOV_3 + 2 * HOUR,
        resolved_at=NOV_3 + HOUR,
        result_category=ResultCategory.RESOLVED,
    )
    contact = factories.user(session, Role.ENTERPRISE, "JL-TH")
    case(  # Tonghua's: dispatched, not signed for
        session,
        contact.enterprise,
        contact,
        created_at=NOV_3,
        assignee=people.other_staff,
        dispatched_by_id=people.director.id,
        sign_for_due_at=NOV_3 + 4 * HOUR,
    )
