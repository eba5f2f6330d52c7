"""Return visits (回访): when one may be recorded, how an enterprise's rating reads as one, and which results
may be redone (重办)."""

from __future__ import annotations

from datetime import datetime, timedelta

from service.models import UNSATISFIED_LEVELS, Satisfaction, ServiceRequest

# The enterprise's 1–5 rating when it confirms the result, read as an online visit's level.
RATING_LEVELS = {
    5: Satisfaction.VERY_SATISFIED,
    4: Satisfaction.SATISFIED,
    3: Satisfaction.BASICALLY_SATISFIED,
    2: Satisfaction.UNSATISFIED,
    1: Satisfaction.VERY_UNSATISFIED,
}


def visit_deadline(request: ServiceRequest, days: int) -> datetime | None:
    """Until when the result of ``request`` may be visited (None when it has none)."""
    return request.resolved_at + timedelta(days=days) if request.resolved_at is not None else None


def visit_window_open(request: ServiceRequest, days: int, now: datetime) -> bool:
    deadline = visit_deadline(request, days)
    return deadline is not None and now <= deadline


def unsatisfied(request: ServiceRequest) -> bool:
    """The last visit found the result unsatisfying, or the problem not solved: a head may have it redone."""
    return request.visited_at is not None and (
        request.satisfaction in UNSATISFIED_LEVELS or request.visit_solved is False
    )
