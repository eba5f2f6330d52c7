"""Fixed-window rate limits counted in the database, so that every worker and server shares them."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import case
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from service.models import RateLimitCounter
from service.models.base import utcnow
from service.store.db import unit_of_work

WINDOW_SECONDS = 60


def _insert(session: Session) -> postgresql.Insert | sqlite.Insert:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(RateLimitCounter)
    return sqlite.insert(RateLimitCounter)


def window_start(now: datetime, seconds: int = WINDOW_SECONDS) -> datetime:
    stamp = int(now.timestamp()) // seconds * seconds
    return datetime.fromtimestamp(stamp, UTC)


def hit(
    session: Session, limits: Sequence[tuple[str, int]], now: datetime | None = None, seconds: int = WINDOW_SECONDS
) -> int | None:
    """Count one call against each (key, limit); the seconds to wait if any limit is exceeded, else None.

    One atomic upsert per key: concurrent workers never lose a count, and a
    new window simply resets the row instead of piling up rows to clean away.
    """
    now = now or utcnow()
    start = window_start(now, seconds)
    exceeded = False
    with unit_of_work(session):
        for key, limit in limits:
            upsert = _insert(session).values(key=key[:120], window_started_at=start, count=1)
            statement = upsert.on_conflict_do_update(
                index_elements=[RateLimitCounter.key],
                set_={
                    "count": case((RateLimitCounter.window_started_at == start, RateLimitCounter.count + 1), else_=1),
                    "window_started_at": start,
                },
            ).returning(RateLimitCounter.count)
            count = session.execute(statement).scalar_one()
            exceeded = exceeded or count > limit
    if not exceeded:
        return None
    return max(1, math.ceil((start + timedelta(seconds=seconds) - now).total_seconds()))
