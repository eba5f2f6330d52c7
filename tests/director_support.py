"""Builders for the director's tests: cases with exactly the dates, states and ratings a test needs.

A case is submitted through the portal's operation on the day the test says; the state, dates and rating
that later steps would stamp with the time they ran are then written directly, so that a fixture can say
"submitted 40 days ago, answered late, resolved on a Monday".
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from service.models import Enterprise, Priority, ServiceRequest, Status, User
from service.operations.requests import submit_request
from tests import factories
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
