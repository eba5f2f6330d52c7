"""Statements sent together to PostgreSQL (service.store.db.pipelined): a refused one raises SQLAlchemy's exception,
as any statement does, and the transaction rolls back."""

from __future__ import annotations

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError

from service.models import Event, EventKind
from service.models.base import utcnow
from service.store.db import make_engine, pipelined
from tests.scratch import TEST_DATABASE_URL

pytestmark = pytest.mark.skipif(
    not TEST_DATABASE_URL.startswith("postgresql"),
    reason="pipeline mode is psycopg's: PostgreSQL only (set TEST_DATABASE_URL)",
)


def test_a_refused_pipelined_statement_raises_sqlalchemys_integrity_error_and_writes_nothing(engine: Engine) -> None:
    missing_request = 2_000_000_000
    with pytest.raises(IntegrityError), engine.begin() as conn, pipelined(conn):
        conn.execute(
            insert(Event.__table__).inline(),
            {
                "request_id": missing_request,
                "kind": EventKind.CREATED,
                "public": True,
                "actor_id": None,
                "data": {},
                "created_at": utcnow(),
            },
        )
    with engine.connect() as conn:
        assert (
            conn.scalar(
                select(func.count()).select_from(Event.__table__).where(Event.__table__.c.request_id == missing_request)
            )
            == 0
        )


def test_a_connection_lost_in_a_pipeline_is_not_handed_out_again(database_url: str) -> None:
    # The error collected at the pipeline's end does not say the connection is gone, but the rollback that
    # follows finds it out and has the pool throw the connection away.
    # An engine of its own: its pool holds the one connection the test loses, and nothing else.
    engine = make_engine(database_url)
    try:
        with pytest.raises(OperationalError) as raised, engine.begin() as conn, pipelined(conn):
            # Nothing of this INSERT is read back, so its error comes when the pipeline's answers are collected.
            conn.execute(
                insert(Event.__table__)
                .inline()
                .values(
                    request_id=None,
                    kind=EventKind.CREATED,
                    actor_id=None,
                    data={},
                    created_at=utcnow(),
                    public=func.pg_terminate_backend(func.pg_backend_pid()),
                )
            )
        assert raised.value.connection_invalidated
        # At once, before the pool's idle-time ping would look at it.
        with engine.connect() as conn:
            assert conn.scalar(select(1)) == 1
    finally:
        engine.dispose()
