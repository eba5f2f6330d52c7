"""The log of inbound mail as the administrator sees it."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from service.models import InboundMail, InboundOutcome


def inbound_log(session: Session, outcome: InboundOutcome | None = None, limit: int = 200) -> list[InboundMail]:
    """Newest first (one outcome, or all), with their requests loaded."""
    query = select(InboundMail).order_by(InboundMail.received_at.desc(), InboundMail.id.desc()).limit(limit)
    if outcome is not None:
        query = query.where(InboundMail.outcome == outcome)
    return list(session.scalars(query.options(selectinload(InboundMail.request))))


def outcome_counts(session: Session) -> dict[InboundOutcome, int]:
    counted = session.execute(select(InboundMail.outcome, func.count()).group_by(InboundMail.outcome))
    found: dict[InboundOutcome, int] = dict(counted.all())
    return {outcome: found.get(outcome, 0) for outcome in InboundOutcome}
