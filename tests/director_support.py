"""Builders for the director's tests: cases with exactly the dates, states and ratings a test needs.

Requests are made directly from the models (not through the operations) so that
a fixture can say "submitted 40 days ago, answered late, resolved on a Monday".
"""

from __future__ import annotations

import itertools
from datetime import datetime

from sqlalchemy.orm import Session

from service.models import Category, Channel, Enterprise, LifecycleStage, Priority, ServiceRequest, Status, User
from tests import factories

_sequence = itertools.count(1)


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
    n = next(_sequence)
    made = ServiceRequest(
        reference=f"JL-1999-{n:06d}",
        year=1999,
        sequence=n,
        enterprise_id=enterprise.id,
        submitter_id=submitter.id,
        channel=Channel.WEB,
        title=title,
        description="需要指导。",
        category=Category.REGISTRATION_DOSSIER,
        lifecycle_stage=LifecycleStage.REGISTRATION_SUBMISSION,
        priority=Priority.P3,
        status=status,
        station_id=enterprise.station_id,
        assignee_id=assignee.id if assignee else None,
        created_at=created_at,
        updated_at=created_at,
        **fields,
    )
    session.add(made)
    session.commit()
    return made


def station_id(session: Session, code: str) -> int:
    return factories.station(session, code).id
