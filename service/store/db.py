"""Engine, sessions and the one-transaction-per-use-case helper."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

# A pooled connection unused for this long is tested before it is handed out again.
IDLE_PING_SECONDS = 1.0


def make_engine(url: str, pool_size: int = 5) -> Engine:
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size)
    _ping_after_idle(engine)
    return engine


def _ping_after_idle(engine: Engine) -> None:
    """Test a pooled connection before use when it has sat idle, as pool_pre_ping would on every checkout.

    A connection the server dropped (a restart, an idle timeout) is replaced before a request uses it.
    Under load a connection comes back to the pool for milliseconds between requests: testing it then
    would cost every request one round trip to the server and prove nothing the last request did not.
    """

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection: DBAPIConnection, record: ConnectionPoolEntry) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(
        dbapi_connection: DBAPIConnection, record: ConnectionPoolEntry, _proxy: PoolProxiedConnection
    ) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < IDLE_PING_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            # The pool discards this connection and hands out a new one.
            raise DisconnectionError() from error


def _sqlite_engine(url: str) -> Engine:
    from sqlalchemy.pool import StaticPool

    in_memory = url in ("sqlite://", "sqlite:///:memory:")
    kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": 30}}
    if in_memory:
        kwargs["poolclass"] = StaticPool
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
        # pysqlite's own transaction handling is switched off so that SQLAlchemy
        # emits BEGIN itself (and savepoints work).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA cache_size=-32768")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # A write transaction takes the write lock up front: a deferred BEGIN that
        # later upgrades to a writer fails with "database is locked" under load
        # instead of waiting its turn.
        mode = "IMMEDIATE" if conn.get_execution_options().get("write") else "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def unit_of_work(session: Session) -> Iterator[Session]:
    """Run one use case in one write transaction, committed once at the end.

    Reads made before the use case (loading the signed-in user, the inputs a submission works
    out in advance) began a read transaction implicitly. On SQLite, whose one write lock is held
    from BEGIN IMMEDIATE to COMMIT, that transaction is ended by a commit, which expires nothing:
    the write transaction does not read those rows again and holds the lock for its writes
    alone. PostgreSQL locks rows, not the database: there the use case goes on in the same
    transaction (no COMMIT and BEGIN between the reads and the writes). What a use case edits it
    reads again under a lock (``with_for_update``). Changes made outside any use case are never
    written by one: they are rolled back instead.
    """
    going_on = False
    if session.in_transaction():
        if session.new or session.dirty or session.deleted:
            session.rollback()
        elif session.get_bind().dialect.name == "sqlite":
            session.commit()
        else:
            going_on = True
    if not going_on:
        session.begin()
        session.connection(execution_options={"write": True})
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


@contextmanager
def pipelined(connection: sa.Connection) -> Iterator[None]:
    """Send the statements run inside to PostgreSQL without waiting for each answer, then collect every
    answer in one round trip (psycopg's pipeline mode). Only for statements whose results are not read:
    a row count or a returned value would not be there yet. SQLite runs in-process: there is nothing to save.
    """
    if connection.dialect.name != "postgresql":
        yield
        return
    dbapi_error = connection.dialect.loaded_dbapi.Error
    try:
        # Only psycopg's connection has pipeline(); the dialect check above makes it that one.
        with connection.connection.dbapi_connection.pipeline():  # type: ignore[union-attr]
            yield
    except dbapi_error as error:
        # A statement's error reported when the answers are collected comes from psycopg itself: callers get
        # SQLAlchemy's exception for it (IntegrityError and the like), as from any other statement.
        raise sa.exc.DBAPIError.instance(None, None, error, dbapi_error) from error
