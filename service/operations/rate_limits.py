"""Fixed-window rate limits, counted where every worker and server shares them (service/infrastructure/counters.py)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from service.infrastructure.counters import counters_of, window_start
from service.models.base import utcnow
from service.store.db import unit_of_work

WINDOW_SECONDS = 60


def hit(
    session: Session, limits: Sequence[tuple[str, int]], now: datetime | None = None, seconds: int = WINDOW_SECONDS
) -> int | None:
    """Count one call against each (key, limit); the seconds to wait if any limit is exceeded, else None."""
    now = now or utcnow()
    with unit_of_work(session):
        counts = counters_of(session).add([key for key, _ in limits], seconds, now)
    if all(count <= limit for count, (_, limit) in zip(counts, limits, strict=True)):
        return None
    return max(1, math.ceil((window_start(now, seconds) + timedelta(seconds=seconds) - now).total_seconds()))
