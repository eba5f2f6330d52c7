"""Fixtures of the whole-app security tests: the world, and a prober that calls routes as every role."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from tests.security.probe import Prober
from tests.security.world import World, build_world
from tests.suite import change_settings, joined_session


@pytest.fixture()
def web(app: Flask, connection: Connection, monkeypatch: pytest.MonkeyPatch) -> Flask:
    """The app, its every request inside the test's rolled-back transaction, API rate limits out of the way."""
    monkeypatch.setitem(app.extensions, "db_sessions", lambda: joined_session(connection))
    change_settings(monkeypatch, app, api_rate_limit_per_minute=100_000, api_rate_limit_per_ip_per_minute=100_000)
    return app


@pytest.fixture()
def world(web: Flask, session: Session) -> World:
    return build_world(session, web.extensions["settings"].upload_folder)


@pytest.fixture()
def prober(web: Flask, connection: Connection, world: World) -> Prober:
    return Prober(web, connection, world)
