"""What the lifecycle asks of a request's relations before a step: its child requests still open."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.models import OPEN_STATUSES, ServiceRequest


def open_children(session: Session, request_id: int) -> list[str]:
    """The reference numbers of ``request_id``'s child requests still open, oldest first."""
    return list(
        session.scalars(
            select(ServiceRequest.reference)
            .where(ServiceRequest.parent_id == request_id, ServiceRequest.status.in_(sorted(OPEN_STATUSES)))
            .order_by(ServiceRequest.id)
        )
    )
