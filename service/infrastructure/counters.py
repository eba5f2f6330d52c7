"""Fixed-window counters for every rate limit: in the database by default, in Redis when the app has REDIS_URL.

Either way every worker and every server counts on the same numbers. The app's session factory carries the
Redis counters (``share_counters``); a caller asks ``counters_of(session)`` and never learns which store answers.
A Redis that cannot be reached is not a reason to refuse a sign-in with an error page: the count falls back to
the database until it answers again (the two stores' counts are then apart for at most one window).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Protocol

import redis
from sqlalchemy import case, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from service.models import RateLimitCounter

log = logging.getLogger(__name__)

_SHARED = "shared_counters"
KEY_LENGTH = 120


def window_start(now: datetime, seconds: int) -> datetime:
    """The start of the fixed window of ``seconds`` that ``now`` falls in (windows are aligned to the epoch)."""
    stamp = int(now.timestamp()) // seconds * seconds
    return datetime.fromtimestamp(stamp, UTC)


class Counters(Protocol):
    def add(self, keys: Sequence[str], seconds: int, now: datetime) -> list[int]:
        """One more for each key in its current window of ``seconds``: the counts after it, in the keys' order."""
        ...

    def count(self, key: str, seconds: int, now: datetime) -> int:
        """The key's count in its current window of ``seconds``."""
        ...


class DatabaseCounters:
    """Counters in the rate_limit_counters table, written in the session's transaction (the caller commits):
    one row per key, which a new window resets instead of piling up rows to clean away."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, keys: Sequence[str], seconds: int, now: datetime) -> list[int]:
        start = window_start(now, seconds)
        postgres = self._session.get_bind().dialect.name == "postgresql"
        counts = []
        for key in keys:
            # One atomic upsert per key: concurrent workers never lose a count.
            insert = (postgresql.insert if postgres else sqlite.insert)(RateLimitCounter)
            upsert = insert.values(key=key[:KEY_LENGTH], window_started_at=start, count=1)
            statement = upsert.on_conflict_do_update(
                index_elements=[RateLimitCounter.key],
                set_={
                    "count": case((RateLimitCounter.window_started_at == start, RateLimitCounter.count + 1), else_=1),
                    "window_started_at": start,
                },
            ).returning(RateLimitCounter.count)
            counts.append(self._session.execute(statement).scalar_one())
        return counts

    def count(self, key: str, seconds: int, now: datetime) -> int:
        found = self._session.scalar(
            select(RateLimitCounter.count).where(
                RateLimitCounter.key == key[:KEY_LENGTH],
                RateLimitCounter.window_started_at == window_start(now, seconds),
            )
        )
        return found or 0


class RedisCounters:
    """Counters in Redis, one key per limited key and window (``<prefix>rate:<key>:<window start>``), gone by
    themselves when their window has passed. A call is one round trip: the increments and their expiries go in
    one MULTI/EXEC, so no count is lost to a concurrent one and no key outlives its window."""

    def __init__(self, client: redis.Redis, prefix: str) -> None:
        self._client = client
        self._prefix = prefix

    def _key(self, key: str, seconds: int, now: datetime) -> str:
        return f"{self._prefix}rate:{key[:KEY_LENGTH]}:{int(window_start(now, seconds).timestamp())}"

    def add(self, keys: Sequence[str], seconds: int, now: datetime) -> list[int]:
        pipeline = self._client.pipeline(transaction=True)
        for key in keys:
            name = self._key(key, seconds, now)
            pipeline.incr(name)
            pipeline.expire(name, seconds)
        replies = pipeline.execute()
        return [int(count) for count in replies[::2]]

    def count(self, key: str, seconds: int, now: datetime) -> int:
        found = self._client.get(self._key(key, seconds, now))
        return int(found) if found is not None else 0


class _RedisOrDatabase:
    def __init__(self, shared: RedisCounters, session: Session) -> None:
        self._shared = shared
        self._database = DatabaseCounters(session)

    def add(self, keys: Sequence[str], seconds: int, now: datetime) -> list[int]:
        try:
            return self._shared.add(keys, seconds, now)
        except redis.RedisError as error:
            log.warning("rate limits counted in the database: Redis did not answer (%s)", error)
            return self._database.add(keys, seconds, now)

    def count(self, key: str, seconds: int, now: datetime) -> int:
        try:
            return self._shared.count(key, seconds, now)
        except redis.RedisError as error:
            log.warning("rate limits read from the database: Redis did not answer (%s)", error)
            return self._database.count(key, seconds, now)


def redis_counters(url: str, prefix: str) -> RedisCounters:
    # Short timeouts: a Redis that hangs delays a sign-in by a second at most before the database counts.
    client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
    return RedisCounters(client, prefix)


def share_counters(sessions: sessionmaker[Session], counters: RedisCounters) -> None:
    """Count the rate limits of every session this factory makes in ``counters``."""
    info = dict(sessions.kw.get("info") or {})
    info[_SHARED] = counters
    sessions.configure(info=info)


def counters_of(session: Session) -> Counters:
    """The counters the session's app counts in: Redis when its factory has them, else the database."""
    shared = session.info.get(_SHARED)
    if shared is None:
        return DatabaseCounters(session)
    return _RedisOrDatabase(shared, session)
