"""The rate limits' one counter interface (service/infrastructure/counters.py): the same limits whether the
database counts (the default) or Redis does (REDIS_URL), Redis shared by every server, and a Redis that does not
answer replaced by the database rather than by an error page."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
import redis
from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from service.infrastructure.counters import RedisCounters, counters_of, redis_counters, share_counters
from service.models import RateLimitCounter, Role
from service.operations import accounts, rate_limits
from tests import factories
from tests.shared_services import REDIS_URL
from tests.smtp_sink import free_port
from tests.suite import session_factory

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
ServerSession = Callable[[], Session]


def _server(connection: Connection, counters: RedisCounters | None) -> ServerSession:
    """Sessions as one app server makes them: joined to the test's transaction, counting where it is told."""
    sessions = session_factory(join_transaction_mode="create_savepoint", expire_on_commit=False)
    if counters is not None:
        share_counters(sessions, counters)
    return lambda: sessions(bind=connection)


@pytest.fixture(params=["database", "redis"])
def server(request: pytest.FixtureRequest, connection: Connection) -> Iterator[ServerSession]:
    if request.param == "database":
        yield _server(connection, None)
    else:
        yield _server(connection, redis_counters(REDIS_URL, request.getfixturevalue("redis_prefix")))


def _rows(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(RateLimitCounter)) or 0


def test_a_limit_answers_the_wait_once_exceeded_and_a_new_window_starts_afresh(server: ServerSession) -> None:
    session = server()
    limits = [("recovery-email:a@example.cn", 2)]
    assert rate_limits.hit(session, limits, T0, seconds=900) is None
    assert rate_limits.hit(session, limits, T0 + timedelta(minutes=5), seconds=900) is None
    assert rate_limits.hit(session, limits, T0 + timedelta(minutes=10), seconds=900) == 5 * 60
    assert rate_limits.hit(session, [("recovery-email:b@example.cn", 2)], T0, seconds=900) is None
    assert rate_limits.hit(session, limits, T0 + timedelta(minutes=15), seconds=900) is None


def test_thirty_sign_in_failures_from_one_address_stop_it_whichever_store_counts(server: ServerSession) -> None:
    session = server()
    user = factories.user(session, Role.ENTERPRISE)
    for n in range(accounts.ADDRESS_MAX_FAILURES):
        with pytest.raises(accounts.AuthenticationFailed):
            accounts.authenticate(session, f"guess{n}@example.cn", "Wrong-Password-1", "203.0.113.9", now=T0)
    with pytest.raises(accounts.AuthenticationFailed):
        accounts.authenticate(session, user.email, factories.PASSWORD, "203.0.113.9", now=T0)
    assert accounts.authenticate(session, user.email, factories.PASSWORD, "203.0.113.10", now=T0).id == user.id


def test_with_redis_two_servers_count_on_the_same_numbers_and_the_database_holds_none(
    connection: Connection, redis_prefix: str
) -> None:
    # Each server has its own Redis client (its own connections), as two machines would.
    first = _server(connection, redis_counters(REDIS_URL, redis_prefix))()
    second = _server(connection, redis_counters(REDIS_URL, redis_prefix))()
    limits = [("ip:198.51.100.1", 3)]
    for session in (first, second, first):
        assert rate_limits.hit(session, limits, T0) is None
    assert rate_limits.hit(second, limits, T0) is not None
    assert _rows(first) == 0


def test_redis_keys_carry_the_prefix_and_end_with_their_window(connection: Connection, redis_prefix: str) -> None:
    session = _server(connection, redis_counters(REDIS_URL, redis_prefix))()
    rate_limits.hit(session, [("token:7", 10)], seconds=60)
    client = redis.Redis.from_url(REDIS_URL)
    [key] = client.keys(f"{redis_prefix}*")
    assert key.decode().startswith(f"{redis_prefix}rate:token:7:")
    assert 0 < client.ttl(key) <= 60
    # Another deployment on the same Redis (another prefix) counts apart.
    other = _server(connection, redis_counters(REDIS_URL, redis_prefix + "other:"))()
    assert counters_of(other).count("token:7", 60, datetime.now(UTC)) == 0


def test_a_redis_that_does_not_answer_leaves_the_counting_to_the_database(connection: Connection) -> None:
    nobody_listens = f"redis://127.0.0.1:{free_port()}/0"
    session = _server(connection, redis_counters(nobody_listens, "desk:"))()
    limits = [("ip:198.51.100.2", 1)]
    assert rate_limits.hit(session, limits, T0) is None
    assert rate_limits.hit(session, limits, T0) is not None
    assert _rows(session) == 1
