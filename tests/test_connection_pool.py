"""PostgreSQL connections in the pool: one dropped by the server while idle is replaced before use, and one
handed straight back out under load is not tested again (that would cost every request a round trip)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from service.store import db as service_db
from service.store.db import make_engine
from tests.scratch import TEST_DATABASE_URL

pytestmark = pytest.mark.skipif(
    not TEST_DATABASE_URL.startswith("postgresql"),
    reason="a server that drops connections: PostgreSQL only (set TEST_DATABASE_URL)",
)


@pytest.fixture()
def pool() -> Iterator[Engine]:
    engine = make_engine(TEST_DATABASE_URL, pool_size=1)
    yield engine
    engine.dispose()


def backend_pid(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(text("SELECT pg_backend_pid()")))


def test_a_connection_the_server_dropped_while_idle_is_replaced(pool: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    first = backend_pid(pool)
    other = make_engine(TEST_DATABASE_URL)
    with other.begin() as conn:
        assert conn.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
    other.dispose()
    monkeypatch.setattr(service_db, "IDLE_PING_SECONDS", 0.0)  # as if it had sat in the pool a while

    assert backend_pid(pool) != first


def test_a_connection_reused_at_once_is_not_pinged(pool: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    pings: list[object] = []
    real_ping = pool.dialect.do_ping
    monkeypatch.setattr(pool.dialect, "do_ping", lambda connection: pings.append(1) or real_ping(connection))
    first = backend_pid(pool)
    for _ in range(5):
        assert backend_pid(pool) == first
    assert pings == []

    monkeypatch.setattr(service_db, "IDLE_PING_SECONDS", 0.0)
    assert backend_pid(pool) == first
    assert len(pings) == 1
