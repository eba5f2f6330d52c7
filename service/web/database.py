"""One engine per process and one session per web request."""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from config import Settings
from service.infrastructure import session_hooks
from service.infrastructure.counters import redis_counters, share_counters
from service.store.db import make_engine, make_session_factory


def register(app: Flask, settings: Settings) -> None:
    engine = make_engine(settings.database_url, settings.database_pool_size)
    app.extensions["db_engine"] = engine
    sessions = make_session_factory(engine)
    session_hooks.register(sessions)
    if settings.redis_url:
        # Rate limits count in Redis: every server sees the same numbers at one round trip per limited call.
        share_counters(sessions, redis_counters(settings.redis_url, settings.redis_prefix))
    app.extensions["db_sessions"] = sessions
    app.teardown_appcontext(_close_session)


def db() -> Session:
    """The session of the current web request (or CLI command), created on first use."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["db_sessions"]()
    session: Session = g.db_session
    return session


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
