"""Statements sent together to PostgreSQL (service.db.pipelined): a refused one raises SQLAlchemy's exception,
as any statement does, and the transaction rolls back."""
from __future__ import annotations

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from service.db import pipelined, utcnow
from service.models import Event, EventKind
from tests.scratch import TEST_DATABASE_URL

pytestmark = pytest.mark.skipif(not TEST_DATABASE_URL.startswith("postgresql"),
                                reason="pipeline mode is psycopg's: PostgreSQL only (set TEST_DATABASE_URL)")


def test_a_refused_pipelined_statement_raises_sqlalchemys_integrity_error_and_writes_nothing(
        engine: Engine) -> None:
    missing_request = 2_000_000_000
    with pytest.raises(IntegrityError):
        with engine.begin() as conn, pipelined(conn):
            conn.execute(insert(Event.__table__).inline(), {
                "request_id": missing_request, "kind": EventKind.CREATED, "public": True, "actor_id": None,
                "data": {}, "created_at": utcnow()})
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Event.__table__)
                           .where(Event.__table__.c.request_id == missing_request)) == 0
